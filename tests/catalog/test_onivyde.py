"""Onivyde catalogue block: the carrier mass comes from the label lipid composition, not the Doxil default."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from validation.catalog_checks import conventional
from validation.checks import HERE

from nanodds.catalog.products import get_product, product_scenario, product_spec
from nanodds.engine import simulate
from nanodds.specs.params import DATA_ROOT, load_yaml
from nanodds.specs.scenario import parse_scenario


def test_drug_loading_is_the_label_drug_to_lipid_ratio() -> None:
    comp = get_product("onivyde").raw["composition"]
    # the per-mL amounts written in the composition text: drug first, then the three lipids
    mg = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?) mg", comp["text"])]
    drug, lipids = mg[0], mg[1:4]
    assert drug == pytest.approx(4.3)
    assert comp["drug_to_lipid"].value == pytest.approx(drug / sum(lipids), abs=5e-4)
    assert product_spec("onivyde")["carrier"]["drug_loading"] == pytest.approx(comp["drug_to_lipid"].value)
    # and it is not the Doxil composition the pegylated_liposome type carries by default
    doxil = load_yaml("carriers/carriers.yaml")["pegylated_liposome"]["drug_loading"].value
    assert product_scenario("onivyde").carrier.drug_loading > 3 * doxil


def test_lipid_dose_entering_the_body() -> None:
    scn = product_scenario("onivyde", "24 h", 49)
    sol = simulate(scn)
    lipid_now = sol.y[-1, sol.model.groups["carrier"]].sum()
    # the model doses encapsulated drug / drug_loading of carrier (model.assemble)
    expected = 70.0 * scn.bsa_m2 * scn.carrier.encapsulated_fraction / scn.carrier.drug_loading
    assert sol.dosed["carrier"] == pytest.approx(expected, rel=1e-6)
    # about 253 mg of lipid at 1.89 m2, versus about 950 mg with the Doxil loading that saturated the MPS
    assert 200.0 < sol.dosed["carrier"] < 300.0
    # some lipid is already captured and digested by 24 h, none is created
    assert 0.0 < lipid_now < sol.dosed["carrier"]
    assert np.all(np.isfinite(sol.y))


def test_table5_rows_are_validation_only() -> None:
    df = pd.read_csv(HERE / "data" / "onivyde_table5_human_pk.csv", comment="#")
    assert set(df.role) == {"validation"} and set(df.verified) == {"yes"}
    assert set(df.dose_mg_per_m2) == {50, 70}
    # neither the drug files nor the Onivyde block cite the label's Table 5 (the reserved numbers)
    block = yaml.safe_dump(yaml.safe_load((DATA_ROOT / "catalog" / "products.yaml").read_text())["products"]["onivyde"])
    for text in (block, (DATA_ROOT / "drugs" / "irinotecan.yaml").read_text(),
                 (DATA_ROOT / "drugs" / "sn38.yaml").read_text()):
        assert "Tabelle 5" not in text and "Table 5" not in text


def _sn38(scn) -> tuple[float, float]:
    """(plasma SN-38 at about 2 h after the start [mg/L], SN-38 AUC_inf per mg of irinotecan dosed [h/L])."""
    sol = simulate(scn)
    early = float(sol.observe("plasma_metabolite")[np.argmin(np.abs(sol.times_h - 2.0))])
    return early, sol.observe_auc("plasma_metabolite")[1] / scn.regimen.total_mg


def test_early_sn38_is_the_unencapsulated_dose_and_the_sn38_amount_is_free_drug_like() -> None:
    """The analysis behind the SN-38 Cmax misses (validation/rows_onivyde.py KNOWN_MISSES): in the model the early
    SN-38 after Onivyde comes from the drug given unencapsulated (encapsulated_fraction 0.9), while SN-38 formed per mg
    irinotecan is that of free irinotecan whatever the encapsulated fraction (formation calibrated on free drug). A
    sourced extra conversion of liposomal irinotecan (e.g. in macrophages) would rightly break the last assertion."""
    spec = product_spec("onivyde", "336 h", 337)
    assert spec["carrier"]["encapsulated_fraction"] == pytest.approx(0.9)
    early_09, auc_09 = _sn38(product_scenario("onivyde", "336 h", 337))
    spec["carrier"]["encapsulated_fraction"] = 1.0
    early_10, auc_10 = _sn38(parse_scenario(spec))
    _, auc_free = _sn38(conventional("onivyde", 125.0, 1.5, "336 h"))
    assert early_10 < 0.1 * early_09
    assert auc_10 == pytest.approx(auc_09, rel=0.02)
    assert auc_09 == pytest.approx(auc_free, rel=0.1)
