"""Study groups of the Nano-Tumor database and study-grouped cross-validation folds.

The database has no study column. Consecutive data sets (rows in ID order) with the same tumour model ``TM``,
cancer type ``CT``, tumour weight ``TW`` and dose ``Dose`` come from one study (the rule stated in
``validation/data/nano_tumor_db/README.md``). Any split must keep a study's data sets together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STUDY_KEYS", "group_folds", "study_groups"]

STUDY_KEYS: tuple[str, ...] = ("TM", "CT", "TW", "Dose")


def study_groups(df: pd.DataFrame) -> np.ndarray:
    """Study label (0, 1, ...) of each row of ``df``, in the row order of ``df``.

    Rows are taken in ``ID`` order (when there is an ``ID`` column); a new study starts wherever any of
    ``TM, CT, TW, Dose`` differs from the previous row (two empty cells count as equal). Gaps in the IDs
    (held-out sets) do not start a new study, so a split never separates two neighbours that agree.

    Parameters
    ----------
    df : pandas.DataFrame
        Data sets with the columns ``TM, CT, TW, Dose`` (``ID`` optional).

    Returns
    -------
    numpy.ndarray
        Integer study label per row of ``df`` (aligned with ``df``'s rows, not with the ID order).
    """
    missing = [k for k in STUDY_KEYS if k not in df.columns]
    if missing:
        raise KeyError(f"study_groups needs columns {', '.join(STUDY_KEYS)}; missing {', '.join(missing)}")
    order = np.argsort(df["ID"].to_numpy(), kind="stable") if "ID" in df.columns else np.arange(len(df))
    keys = df.iloc[order][list(STUDY_KEYS)].reset_index(drop=True)
    prev = keys.shift(1)
    same = (keys.eq(prev) | (keys.isna() & prev.isna())).all(axis=1).to_numpy().copy()
    if len(same):
        same[0] = False
    sorted_labels = np.cumsum(~same) - 1
    labels = np.empty(len(df), dtype=int)
    labels[order] = sorted_labels
    return labels


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
