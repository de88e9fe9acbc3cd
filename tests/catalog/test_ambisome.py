"""AmBisome catalogue block: sourced overrides, derived Kp, the Bekersky 2002 calibration and data independence."""

from __future__ import annotations

import pandas as pd
import pytest
from validation.calibrate_products import ambisome_cmax, ambisome_target
from validation.checks import HERE

from nanodds.catalog.products import product_spec
from nanodds.model.partition import drug_properties, rodgers_rowland_kp_all
from nanodds.specs.params import load_yaml

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


@pytest.mark.slow
def test_mps_multiplier_reproduces_bekersky_cmax() -> None:
    spec, target = ambisome_target()
    assert ambisome_cmax(spec, spec["carrier"]["mps_multiplier"]) == pytest.approx(target, rel=0.03)
