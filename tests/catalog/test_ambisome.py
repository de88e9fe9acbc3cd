"""AmBisome catalogue block: sourced overrides, derived Kp, the Bekersky 2002 calibration and data independence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation.calibrate_products import ambisome_carrier_t_half, ambisome_target
from validation.checks import HERE
from validation.rows_ambisome import day1_nca

from nanodds.catalog.products import product_spec
from nanodds.model.partition import drug_properties, rodgers_rowland_kp_all
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical

CAL = HERE / "data" / "ambisome_bekersky2002_calibration.csv"
VAL = HERE / "data" / "ambisome_human_pk.csv"


def test_kp_are_the_rodgers_rowland_output() -> None:
    drug = load_yaml("drugs/amphotericin_b.yaml")
    kp = rodgers_rowland_kp_all(drug_properties(drug))
    for tissue, p in drug["kp"].items():
        assert p.value == pytest.approx(kp[tissue], rel=5e-3), tissue


def test_drug_loading_is_the_label_composition() -> None:
    carrier = product_spec("ambisome")["carrier"]
    assert carrier["drug_loading"] == pytest.approx(50.0 / (213 + 52 + 84), rel=3e-3)
    default = load_yaml("carriers/carriers.yaml")["conventional_liposome"]
    assert carrier["mps_multiplier"] != default["mps_multiplier"].value


def test_calibration_and_validation_files_keep_their_roles() -> None:
    cal, val = pd.read_csv(CAL, comment="#"), pd.read_csv(VAL, comment="#")
    assert set(cal.role) == {"calibration"} and set(val.role) == {"validation"}
    assert not any("Bekersky" in s for s in val.source)


def test_release_rate_is_the_bekersky_derivation() -> None:
    """Transfer rate = (drug CL - lipid-marker CL) / central volume, all from the calibration file."""
    cal = pd.read_csv(CAL, comment="#").set_index("metric")
    cl_drug = float(cal.loc["cl_mL_per_h_per_kg"].query("formulation == 'ambisome'").value.iloc[0])
    vd_lipid, t_half_lipid = cal.loc["lipid_marker_vd_L_per_kg", "value"], cal.loc["lipid_marker_t_half_h", "value"]
    cl_lipid = np.log(2) * 1000.0 * vd_lipid / t_half_lipid
    rate = (cl_drug - cl_lipid) / cal.loc["central_volume_mL_per_kg", "value"]
    release = product_spec("ambisome")["carrier"]["release"]
    assert to_canonical(release["rate_blood"], "1/h", "rate_blood") == pytest.approx(rate, rel=5e-3)


def test_day1_nca_recovers_a_one_compartment_infusion() -> None:
    """Known answer: 1 mg/kg over 1 h into V = 0.1 L/kg with k = 0.1 1/h gives CL 10 mL/h/kg, Vss 0.1 L/kg."""
    t = np.linspace(0.0, 24.0, 961)
    k, v, tin = 0.1, 0.1, 1.0
    rate = 1.0 / tin
    c = np.where(t <= tin, rate / (k * v) * (1 - np.exp(-k * t)),
                 rate / (k * v) * (1 - np.exp(-k * tin)) * np.exp(-k * (t - tin)))
    out = day1_nca(t, c, 1.0, tin)
    assert out["cl_mL_per_h_per_kg"] == pytest.approx(10.0, rel=1e-3)
    assert out["vss_L_per_kg"] == pytest.approx(0.1, rel=2e-3)
    assert out["t_half_h"] == pytest.approx(np.log(2) / k, rel=1e-3)


@pytest.mark.slow
def test_mps_multiplier_reproduces_the_lipid_marker_half_life() -> None:
    spec, target = ambisome_target()
    assert ambisome_carrier_t_half(spec, spec["carrier"]["mps_multiplier"]) == pytest.approx(target, rel=0.03)
