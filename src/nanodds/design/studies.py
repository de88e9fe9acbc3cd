"""Study groups of the Nano-Tumor database and study-grouped cross-validation folds.

The database has no study column. Consecutive data sets (rows in ID order) with the same tumour model ``TM``,
cancer type ``CT``, tumour weight ``TW`` and dose ``Dose`` come from one study (the rule stated in
``validation/data/nano_tumor_db/README.md``). Any split must keep a study's data sets together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanodds.data import nano_tumor

__all__ = ["STUDY_KEYS", "group_folds", "study_groups"]

STUDY_KEYS: tuple[str, ...] = nano_tumor.STUDY_KEYS


def study_groups(df: pd.DataFrame) -> np.ndarray:
    """Study label (0, 1, ...) of each row of ``df``, in the row order of ``df``.

    The grouping rule is :func:`nanodds.data.nano_tumor.study_groups` (the one every user of the database
    shares); this relabels its study ids (first ID of each study) as 0, 1, ... in ascending ID order.

    Parameters
    ----------
    df : pandas.DataFrame
        Data sets with the columns ``ID, TM, CT, TW, Dose`` (without ``ID`` the row order stands for it).

    Returns
    -------
    numpy.ndarray
        Integer study label per row of ``df`` (aligned with ``df``'s rows, not with the ID order).
    """
    d = df if "ID" in df.columns else df.assign(ID=np.arange(len(df)))
    first_id = nano_tumor.study_groups(d).to_numpy()
    return np.searchsorted(np.unique(first_id), first_id)


def group_folds(groups: np.ndarray, n_splits: int, seed: int) -> np.ndarray:
    """Fold index (0..n_splits-1) per row, keeping each group in one fold.

    Groups are put in a random order (``seed``), then each, largest first (ties in the random order), goes
    to the fold that has the fewest rows so far: folds of near-equal size, different for each seed.

    Parameters
    ----------
    groups : numpy.ndarray
        Group label per row.
    n_splits : int
        Number of folds (at most the number of groups).
    seed : int
        Seed of the group order.

    Returns
    -------
    numpy.ndarray
        Fold index per row.
    """
    labels, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if n_splits < 2 or n_splits > labels.size:
        raise ValueError(f"n_splits must be in 2..{labels.size} (number of groups); got {n_splits}")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(labels.size)
    order = perm[np.argsort(-counts[perm], kind="stable")]
    fold_of_group = np.empty(labels.size, dtype=int)
    sizes = np.zeros(n_splits, dtype=int)
    for g in order:
        f = int(np.argmin(sizes))
        fold_of_group[g] = f
        sizes[f] += counts[g]
    return fold_of_group[inverse]
