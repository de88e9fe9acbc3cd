"""Feature pipeline of the delivery predictor: imputation, unknown categories, domain, bad cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nanodds.design.cv import load_training
from nanodds.design.features import CATEGORICAL, NUMERIC, FeatureSpec, clean_input, fit_spec
from nanodds.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fitted():
    df = load_training(ROOT)
    spec, z = fit_spec(df, min_category_count=3, distance_quantile=0.99)
    return df, spec, z


def _run(spec, z, df):
    clean, notes = clean_input(df)
    x = spec.transform(clean, notes)
    return x, notes, spec.domain(clean, x, z)


def test_training_rows_are_finite_and_mostly_in_domain(fitted) -> None:
    df, spec, z = fitted
    x, _, reasons = _run(spec, z, df)
    assert x.shape == (len(df), len(spec.names)) and np.isfinite(x).all()
    # only the distance rule can flag a training row (it is its own nearest neighbour: distance 0)
    assert sum(bool(r) for r in reasons) == 0


def test_unknown_category_goes_to_other_and_is_reported(fitted) -> None:
    df, spec, z = fitted
    row = df.iloc[[0]].copy()
    row["CT"] = "Bone"
    x, notes, reasons = _run(spec, z, row)
    names = spec.names
    assert x[0, names.index("CT=other")] == 1.0
    assert any("CT='bone' unknown" in n for n in notes[0])
    assert any("unknown CT 'bone'" in r for r in reasons[0])


def test_case_and_code_normalisation(fitted) -> None:
    df, spec, z = fitted
    a = df.iloc[[0]].copy()
    b = a.copy()
    b["CT"] = str(a["CT"].iloc[0]).upper()
    b["Charge"] = "0"
    a["Charge"] = 0.0
    assert np.array_equal(_run(spec, z, a)[0], _run(spec, z, b)[0])


def test_all_empty_row_is_imputed_noted_and_out_of_domain(fitted) -> None:
    _, spec, z = fitted
    row = pd.DataFrame({c: [None] for c in (*NUMERIC, *CATEGORICAL)})
    x, notes, reasons = _run(spec, z, row)
    assert np.isfinite(x).all()
    for c in NUMERIC:
        assert any(n.startswith(f"{c} missing") for n in notes[0])
    assert any("properties missing" in r for r in reasons[0])


def test_missing_columns_behave_as_empty(fitted) -> None:
    _, spec, z = fitted
    x1, _, r1 = _run(spec, z, pd.DataFrame({"HD": [100.0]}))
    x2, _, r2 = _run(spec, z, pd.DataFrame({c: [None] for c in (*NUMERIC, *CATEGORICAL)} | {"HD": [100.0]}))
    assert np.array_equal(x1, x2) and r1 == r2


def test_out_of_range_size_is_reported(fitted) -> None:
    df, spec, z = fitted
    row = df.iloc[[0]].copy()
    row["HD"] = 5000.0
    _, _, reasons = _run(spec, z, row)
    assert any(r.startswith("HD=5000 outside training range") for r in reasons[0])


def test_impossible_size_is_treated_as_missing_with_a_note(fitted) -> None:
    df, spec, z = fitted
    row = df.iloc[[0]].copy()
    row["HD"] = -10.0
    x, notes, _ = _run(spec, z, row)
    assert any("HD=-10 is not > 0" in n for n in notes[0])
    assert x[0, spec.names.index("HD_missing")] == 1.0


def test_text_in_numeric_column_names_row_and_column() -> None:
    df = pd.DataFrame({"HD": ["100", "", "big"], "Dose": ["1", "2", "3"]})
    with pytest.raises(InputError, match=r"row 3, column HD: got 'big'"):
        clean_input(df)


def test_spec_round_trip(fitted) -> None:
    df, spec, z = fitted
    back = FeatureSpec.from_dict(spec.to_dict())
    assert np.array_equal(_run(spec, z, df)[0], _run(back, z, df)[0])
