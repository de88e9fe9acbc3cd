"""Mepact catalogue block and the mifamurtide drug file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanodds.catalog.products import get_product, product_scenario
from nanodds.interfaces.cli import main
from nanodds.specs.drug import TISSUES_WITH_KP, load_drug
from nanodds.specs.params import load_yaml

# standard atomic weights (IUPAC), for the formula-mass check of C59H109N6O19P only
ATOMIC = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999, "P": 30.974}


def test_mifamurtide_file_loads_with_formula_mass() -> None:
    d = load_drug("mifamurtide", "human")
    formula = {"C": 59, "H": 109, "N": 6, "O": 19, "P": 1}
    assert d.molecular_weight_g_per_mol == pytest.approx(sum(ATOMIC[e] * n for e, n in formula.items()), abs=0.5)
    assert set(d.kp) == set(TISSUES_WITH_KP)
    raw = load_yaml("drugs/mifamurtide.yaml")
    # every Kp and the clearance are declared assumptions, not fitted to Mepact data
    assert all(raw["kp"][t].source.startswith("assumption") for t in TISSUES_WITH_KP)
    assert raw["clearance"]["human"]["hepatic_blood"].source.startswith("assumption")


def test_mepact_is_simulable_on_a_carriers_yaml_type() -> None:
    p = get_product("mepact")
    assert p.simulable and p.drug == "mifamurtide"
    assert p.carrier_type in load_yaml("carriers/carriers.yaml")
    scn = product_scenario("mepact")
    assert scn.regimen.total_mg == pytest.approx(2.0 * scn.bsa_m2)
    assert scn.regimen.events[0].duration_h == pytest.approx(1.0)


def test_cli_run_mepact(tmp_path: Path, capsys) -> None:
    out = tmp_path / "mepact"
    assert main(["catalog", "run", "mepact", "--out", str(out), "--no-plots"]) == 0
    doc = json.loads((out / "comparison.json").read_text())
    # liposomal MTP-PE raises total plasma exposure over free MTP-PE at the same dose
    assert doc["ratios"]["plasma_total.auc_inf_mg_h_per_L"] > 1.0
