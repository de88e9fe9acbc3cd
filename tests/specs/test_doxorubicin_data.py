"""Doxorubicin parameter file and published PK data sets (validation/data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nanodds.specs.params import Param, load_yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "validation" / "data"

KP_ORGANS = ("lung", "heart", "liver", "spleen", "gut", "kidney", "brain", "muscle", "skin",
             "adipose", "marrow", "rest", "tumour")
SPECIES = ("human", "mouse", "rat")

# file -> the role it holds (a data set is wholly calibration or wholly validation)
FILES = {
    "gabizon1994_human.csv": "validation",
    "doxil_label_human.csv": "calibration",
    "laginha2005_mouse_4t1.csv": "validation",
    "mouse_doxil_plasma_calibration.csv": "calibration",
    "rat_pld_plasma_calibration.csv": "calibration",
    "doxorubicin_mouse_tissue_retention_calibration.csv": "calibration",
}
REQUIRED = {
    "gabizon1994_human.csv": {"formulation", "dose_mg_per_m2", "metric", "value", "statistic"},
    "doxil_label_human.csv": {"formulation", "dose_mg_per_m2", "metric", "value", "unit"},
    "laginha2005_mouse_4t1.csv": {"formulation", "dose_mg_per_kg", "compartment", "metric", "value", "unit"},
    "mouse_doxil_plasma_calibration.csv": {"formulation", "species", "metric", "value", "unit"},
    "rat_pld_plasma_calibration.csv": {"formulation", "species", "dose_mg_per_kg", "metric", "value", "unit"},
    "doxorubicin_mouse_tissue_retention_calibration.csv": {"species", "drug", "tissue", "metric", "value", "unit"},
}


@pytest.fixture(scope="module")
def dox() -> dict:
    return load_yaml("drugs/doxorubicin.yaml")


def test_doxorubicin_basics(dox: dict) -> None:
    assert dox["name"] == "doxorubicin"
    assert dox["molecular_weight"].to("g/mol") == pytest.approx(543.52)
    fu = dox["fraction_unbound"].value
    assert 0 < fu < 1
    assert dox["blood_plasma_ratio"].value > 0


def test_all_kp_present_and_positive(dox: dict) -> None:
    assert set(dox["kp"]) == set(KP_ORGANS)
    for organ in KP_ORGANS:
        assert isinstance(dox["kp"][organ], Param)
        assert dox["kp"][organ].value > 0


def test_clearances_positive(dox: dict) -> None:
    for sp in SPECIES:
        cl = dox["clearance"][sp]
        assert cl["hepatic_blood"].to("L/h") > 0
        assert cl["renal_plasma"].to("L/h") > 0
    # human hepatic blood clearance must stay below liver blood flow (~90 L/h)
    assert dox["clearance"]["human"]["hepatic_blood"].to("L/h") < 90


@pytest.mark.parametrize("name", sorted(FILES))
def test_validation_csv(name: str) -> None:
    df = pd.read_csv(DATA / name, comment="#")
    missing = (REQUIRED[name] | {"role", "verified"}) - set(df.columns)
    assert not missing, f"{name} lacks {sorted(missing)}"
    assert len(df) > 0
    assert set(df["role"]) <= {"calibration", "validation"}
    assert df["role"].nunique() == 1, f"{name} mixes calibration and validation rows"
    assert df["role"].iloc[0] == FILES[name]
    assert set(df["verified"]) <= {"yes", "no"}
    assert pd.to_numeric(df["value"]).notna().all()


def test_no_dataset_in_both_roles() -> None:
    present = sorted(p.name for p in DATA.glob("*.csv"))
    assert set(FILES) <= set(present)
    roles: dict[str, set[str]] = {}
    for name in present:
        df = pd.read_csv(DATA / name, comment="#")
        stem = name.removesuffix(".csv").removesuffix("_calibration").removesuffix("_validation")
        roles.setdefault(stem, set()).update(df["role"])
    both = {k for k, v in roles.items() if len(v) > 1}
    assert not both, f"data sets used for both calibration and validation: {both}"


def test_dna_release_rate_is_calibrated_on_other_data_than_laginha(dox: dict) -> None:
    """k_off (slow release of nuclear doxorubicin) names its calibration data set, which holds normal tissues
    only, and is not taken from the Laginha 2005 tumour data it is validated against."""
    k_off = dox["dna_binding"]["k_off"]
    assert 0.005 < k_off.to("1/h") < 0.1  # hours-to-days retention, far slower than naked-DNA dissociation
    assert "doxorubicin_mouse_tissue_retention_calibration.csv" in k_off.source
    assert "Not fitted to Laginha" in k_off.source
    df = pd.read_csv(DATA / "doxorubicin_mouse_tissue_retention_calibration.csv", comment="#")
    assert "tumour" not in set(df["tissue"])
