"""Nano-Tumor DB study grouping and the calibration/validation split by study (nanodds.data.nano_tumor)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.data.nano_tumor import SIDES, split_by_study, study_groups, study_side

DB = Path(__file__).resolve().parents[2] / "validation" / "data" / "nano_tumor_db" / "datasets.csv"


@pytest.fixture(scope="module")
def datasets() -> pd.DataFrame:
    return pd.read_csv(DB)


def _sets(ids: list[int], keys: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"ID": ids, "TM": [k[0] for k in keys], "CT": [k[1] for k in keys],
                         "TW": [k[2] for k in keys], "Dose": [k[3] for k in keys]})


def test_consecutive_alike_sets_are_one_study_and_a_change_starts_a_new_one() -> None:
    a, b = ("Xenograft", "breast", 0.1, 5.0), ("Xenograft", "breast", 0.1, 10.0)
    df = _sets([1, 2, 4, 5, 6, 7], [a, a, a, b, b, a])  # ID 3 held aside: the run 1-4 continues
    assert study_groups(df).tolist() == [1, 1, 1, 5, 5, 7]


def test_missing_values_compare_equal() -> None:
    a = ("Allograft", "colon", np.nan, 1.0)
    assert study_groups(_sets([10, 11], [a, a])).tolist() == [10, 10]


def test_every_study_is_on_one_side_of_the_split(datasets: pd.DataFrame) -> None:
    g, side = study_groups(datasets), split_by_study(datasets)
    assert (side.groupby(g).nunique() == 1).all()
    assert set(side) == set(SIDES)
    assert 100 < g.nunique() < len(datasets)  # the rule merges data sets, but not the whole table


def test_the_even_odd_id_split_put_studies_on_both_sides(datasets: pd.DataFrame) -> None:
    """The defect this module fixes: the former split by ID parity separated data sets of one study."""
    g = study_groups(datasets)
    assert ((datasets["ID"] % 2).groupby(g).nunique() > 1).sum() > 0


def test_calibration_and_validation_sets_share_no_study() -> None:
    from validation.calibrate import nano_tumor_sets

    cal, val = nano_tumor_sets("calibration"), nano_tumor_sets("validation")
    assert len(cal) > 20 and len(val) > 20
    assert not set(cal["study_id"]) & set(val["study_id"])
    assert not set(cal["ID"]) & set(val["ID"])


def test_side_is_a_fixed_function_of_the_study_id() -> None:
    assert [study_side(i) for i in (1, 2, 3)] == [study_side(i) for i in (1, 2, 3)]
    assert {study_side(i) for i in range(1, 60)} == set(SIDES)


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_row_order(rnd) -> None:
    df = pd.read_csv(DB)
    order = list(df.index)
    rnd.shuffle(order)
    shuffled = df.loc[order]
    assert study_groups(shuffled).sort_index().equals(study_groups(df).sort_index())
    assert split_by_study(shuffled).sort_index().equals(split_by_study(df).sort_index())
