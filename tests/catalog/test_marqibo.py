"""Marqibo catalogue block: sourced carrier overrides, the Bedikian 2006 calibration, and data independence."""

from __future__ import annotations

import copy
import math

import pandas as pd
import pytest
from validation.checks import HERE

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import get_product, product_spec
from nanodds.engine import simulate
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import parse_scenario
from nanodds.units import to_canonical

CAL = HERE / "data" / "marqibo_bedikian2006_calibration.csv"
VAL = HERE / "data" / "marqibo_human_pk.csv"


def test_marqibo_carrier_overrides_match_their_sources() -> None:
    carrier = product_spec("marqibo")["carrier"]
    # drug_loading is the label composition (5 mg / 103 mg lipid), as the catalogue composition block says
    assert carrier["drug_loading"] == pytest.approx(get_product("marqibo").raw["composition"]["drug_to_lipid"].value)
    # release: Webb 1995, 25 % of entrapped vincristine retained after 72 h -> ln(4)/72 1/h
    rate = to_canonical(carrier["release"]["rate_blood"], "1/h", "rate_blood")
    assert rate == pytest.approx(math.log(4.0) / 72.0, rel=1e-3)
    # not the Myocet-type defaults of conventional_liposome
    default = load_yaml("carriers/carriers.yaml")["conventional_liposome"]
    assert carrier["mps_multiplier"] != default["mps_multiplier"].value
    assert rate != default["release_rate_blood"].to("1/h")


def test_calibration_and_validation_files_keep_their_roles() -> None:
    cal = pd.read_csv(CAL, comment="#")
    val = pd.read_csv(VAL, comment="#")
    assert set(cal.role) == {"calibration"} and set(val.role) == {"validation"}
    assert not any("Bedikian" in s for s in val.source)
    # the drug file's clearance study (Sethi 1981) is not a validation source
    assert not any("Sethi" in s for s in val.source)


def test_mps_multiplier_reproduces_bedikian_clearance() -> None:
    """The catalogue's mps_multiplier gives the calibration target (geometric midpoint of the CL range)."""
    cal = pd.read_csv(CAL, comment="#")
    row = cal[cal.metric == "cl_L_per_h"].iloc[0]
    target = math.sqrt(row.range_low * row.range_high)
    spec = copy.deepcopy(product_spec("marqibo"))
    spec["regimen"] = [{"route": "iv_infusion", "dose": f"{row.dose_mg_per_m2:g} mg/m^2",
                        "duration": f"{row.infusion_h:g} h"}]
    scn = parse_scenario(spec)
    cl = compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["plasma_total"]["cl_L_per_h"]
    assert cl == pytest.approx(target, rel=0.03)
