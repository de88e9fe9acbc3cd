"""Study groups of the Nano-Tumor DB and study-grouped folds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.design.cv import load_training
from nanodds.design.studies import group_folds, study_groups

ROOT = Path(__file__).resolve().parents[2]


def _df(rows):
    return pd.DataFrame(rows, columns=["ID", "TM", "CT", "TW", "Dose"])


def test_consecutive_equal_keys_form_one_study() -> None:
    df = _df([(1, "X", "breast", 0.1, 5.0), (2, "X", "breast", 0.1, 5.0), (3, "X", "breast", 0.2, 5.0),
              (5, "X", "breast", 0.2, 5.0), (6, "A", "liver", None, 1.0), (7, "A", "liver", None, 1.0),
              (8, "X", "breast", 0.1, 5.0)])
    g = study_groups(df)
    # same keys, consecutive (an ID gap does not split); empty == empty; a return to old keys is a new study
    assert list(g) == [0, 0, 1, 1, 2, 2, 3]


def test_labels_follow_id_order_not_row_order() -> None:
    df = _df([(3, "X", "b", 0.2, 5.0), (1, "X", "b", 0.1, 5.0), (2, "X", "b", 0.1, 5.0)])
    assert list(study_groups(df)) == [1, 0, 0]


def test_database_groups() -> None:
    df = load_training(ROOT)
    g = study_groups(df)
    assert np.unique(g).size == 202  # measured on the 302-set training part
    # every study is homogeneous in the four keys
    for _, part in df.groupby(g):
        assert part[["TM", "CT", "TW", "Dose"]].nunique(dropna=False).max() == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=6, max_size=80), st.integers(2, 5), st.integers(0, 10 ** 6))
def test_group_folds_never_split_a_group(groups, k, seed) -> None:
    groups = np.asarray(groups)
    if np.unique(groups).size < k:
        return
    f = group_folds(groups, k, seed)
    for g in np.unique(groups):
        assert np.unique(f[groups == g]).size == 1
    assert set(f) == set(range(k))


def test_group_folds_depend_on_seed() -> None:
    g = np.arange(100) // 2
    assert not np.array_equal(group_folds(g, 5, 1), group_folds(g, 5, 2))
    assert np.array_equal(group_folds(g, 5, 1), group_folds(g, 5, 1))
