"""Nano-Tumor Database studies: group data sets into studies and split calibration/validation by study.

The database (Chou et al. 2023, training part; copy with licence in ``validation/data/nano_tumor_db``) has one
row per data set and no study column. Its README says consecutive IDs with the same tumour model (``TM``),
cancer type (``CT``), tumour weight (``TW``, g) and dose (``Dose``, mg/kg) usually come from the same paper, and
that any split for calibration vs validation (or cross-validation) must keep a study's data sets together.

:func:`study_groups` applies that rule; :func:`study_side` and :func:`split_by_study` give a deterministic
calibration/validation side per study (hash of the study id, independent of row order and of any result), so
every user of the database (calibration, validation rows, learned predictors) splits it the same way.
"""

from __future__ import annotations

import zlib

import pandas as pd

#: Columns whose equality between consecutive data sets marks them as one study (database README).
STUDY_KEYS: tuple[str, ...] = ("TM", "CT", "TW", "Dose")

#: Sides of the split, in hash order.
SIDES: tuple[str, str] = ("calibration", "validation")

#: Salt of the side hash: a fixed label, so the split never changes unless this text is changed on purpose.
SPLIT_SALT = "nanodds-nano-tumor-study-split-v1"


def study_groups(datasets: pd.DataFrame) -> pd.Series:
    """Study id of every data set: the ID of the first data set of its run of consecutive, alike data sets.

    Data sets are taken in ascending ``ID`` order; a new study starts whenever any of :data:`STUDY_KEYS`
    differs from the previous data set (missing values compare equal to missing values). Gaps in ``ID`` (data
    sets held aside by the database authors) do not break a run.

    Parameters
    ----------
    datasets : pandas.DataFrame
        Rows of ``datasets.csv`` (columns ``ID`` and :data:`STUDY_KEYS`), any order, any subset.

    Returns
    -------
    pandas.Series
        Integer study id per row, aligned to ``datasets.index``, named ``study_id``.
    """
    missing = [c for c in ("ID", *STUDY_KEYS) if c not in datasets.columns]
    if missing:
        raise KeyError(f"Nano-Tumor DB data sets lack column(s) {missing}")
    d = datasets.sort_values("ID", kind="stable")
    keys = d[list(STUDY_KEYS)]
    same = (keys.eq(keys.shift()) | (keys.isna() & keys.shift().isna())).all(axis=1)
    same.iloc[:1] = False
    first_id = d["ID"].where(~same).ffill().astype(int)
    return first_id.reindex(datasets.index).rename("study_id")


def study_side(study_id: int) -> str:
    """``'calibration'`` or ``'validation'`` for one study id (CRC-32 of the salted id, modulo 2)."""
    return SIDES[zlib.crc32(f"{SPLIT_SALT}:{int(study_id)}".encode()) % len(SIDES)]


def split_by_study(datasets: pd.DataFrame) -> pd.Series:
    """Side of every data set (``'calibration'``/``'validation'``), the side of its study; aligned to the index.

    Group on the whole table before filtering: a filter applied first could cut a study's run in two.
    """
    return study_groups(datasets).map(study_side).rename("side")
