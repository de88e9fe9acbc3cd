"""Abelcet catalogue block: the lipid_complex carrier derivations, the label regimen and the rows' NCA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation.checks import HERE
from validation.rows_abelcet import DOSE, TAU_H, interval_pk

from nanodds.catalog.products import get_product, product_spec
from nanodds.model.carrier import carrier_kinetics
from nanodds.specs.carrier import build_carrier
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import build_physiology

VAL = HERE / "data" / "abelcet_human_pk.csv"


def test_loading_is_the_label_composition() -> None:
    c = load_yaml("carriers/carriers.yaml")["lipid_complex"]
    assert c["drug_loading"].value == pytest.approx(5.0 / (3.4 + 1.5), rel=2e-3)
    assert c["diameter"].to("nm") == pytest.approx(np.sqrt(1600 * 11000), rel=2e-3)


def test_mps_multiplier_puts_hepatic_extraction_at_the_flow_cap() -> None:
    kin = load_yaml("carriers/human.yaml")
    c = build_carrier("lipid_complex")
    e_liver = (kin["mps_extraction_total"].to("1") * c.mps_multiplier * kin["mps_split"]["liver"].to("1")
               * c.diameter_nm / kin["reference_diameter"].to("nm"))
    assert e_liver == pytest.approx(1.0, abs=0.01)
    ck = carrier_kinetics(build_physiology("human"), c, kin)
    assert ck.mps_extraction["liver"] == pytest.approx(1.0) and ck.mps_extraction["spleen"] == pytest.approx(1.0)
    assert ck.renal_clearance_L_per_h == pytest.approx(0.0)
    assert all(v == pytest.approx(0.0) for o, v in ck.pa_L_per_h.items()), "micrometre particles do not extravasate"


def test_scenario_is_the_label_regimen() -> None:
    assert get_product("abelcet").simulable
    spec = product_spec("abelcet")
    assert spec["carrier"] == {"type": "lipid_complex"}
    (dose,) = spec["regimen"]
    assert dose["dose"] == "5 mg/kg" and dose["duration"] == "2 h"  # 2.5 mg/kg/h
    assert dose["every"] == "24 h" and dose["count"] == 7


def test_validation_file_keeps_its_role() -> None:
    val = pd.read_csv(VAL, comment="#")
    assert set(val.role) == {"validation"} and set(val.verified) == {"yes"}
    assert not any("Bekersky" in s for s in val.source)


def test_interval_pk_recovers_a_known_profile() -> None:
    t = np.linspace(0.0, 400.0, 1601)
    k = np.log(2) / 150.0
    c = 2.0 * np.exp(-k * t)
    pk = interval_pk(t, c, 0.0, DOSE)
    auc = 2.0 / k * (1 - np.exp(-k * TAU_H))
    assert pk["auc_0_24_mg_h_per_L"] == pytest.approx(auc, rel=1e-3)
    assert pk["cl_mL_per_h_per_kg"] == pytest.approx(1000 * DOSE / auc, rel=1e-3)
    assert pk["t_half_h"] == pytest.approx(150.0, rel=1e-2)
    assert pk["vd_L_per_kg"] == pytest.approx(DOSE / auc * 150.0 / np.log(2), rel=1e-2)
    assert pk["cmax_mg_per_L"] == pytest.approx(2.0)
