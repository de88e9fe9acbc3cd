"""Approved-nanomedicine catalogue: data schema, lookup, scenarios, CLI, and the drug files it relies on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanodds.catalog.products import (
    NotSimulableError,
    get_product,
    list_products,
    product_scenario,
)
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.model.partition import DEFAULT_COMPOSITION, drug_properties, rodgers_rowland_kp_all
from nanodds.specs.drug import TISSUES_WITH_KP, drug_names, load_drug
from nanodds.specs.params import Param, load_yaml

NEW_DRUGS = ("daunorubicin", "vincristine", "paclitaxel", "irinotecan", "cytarabine")
PASSIVE_OVERRIDES = {"brain"}  # may deviate from R&R for a documented transporter reason (kp_passive keeps R&R)


def _walk(node, where=""):
    if isinstance(node, Param):
        yield where, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{where}[{i}]")


def test_catalog_has_at_least_20_products_with_required_fields() -> None:
    products = list_products()
    assert len(products) >= 20
    brands = {p.brand for p in products}
    for b in ("Doxil", "Myocet", "DaunoXome", "Abraxane", "Marqibo", "Onivyde", "Vyxeos", "Mepact", "DepoCyt",
              "AmBisome", "Visudyne", "Onpattro", "Comirnaty", "Spikevax", "Feraheme", "Genexol-PM", "Apealea",
              "Hensify", "Fyarro"):
        assert b in brands, b
    for p in products:
        for f in ("indication", "route", "composition"):
            assert p.raw[f]["text"] and p.raw[f]["source"], (p.key, f)
        assert p.raw["carrier"]["source"]
        assert all(a["source"] and isinstance(a["year"], int) for a in p.raw["approvals"])


def test_every_numeric_field_has_unit_and_source() -> None:
    raw = load_yaml("catalog/products.yaml")
    leaves = list(_walk(raw))
    assert len(leaves) >= 20
    for where, leaf in leaves:
        assert leaf.unit and leaf.source.strip(), where
    for p in list_products():  # no bare numbers except approval years (calendar dates with their own source)
        for where, _v in _walk_plain(p.raw, p.key):
            assert where.endswith(".year"), where


def _walk_plain(node, where):
    if isinstance(node, bool) or isinstance(node, Param):
        return
    if isinstance(node, int | float):
        yield where, node
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "scenario":
                continue  # scenario spec values are unit strings; points is a count
            yield from _walk_plain(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_plain(v, f"{where}[{i}]")


def test_lookup_case_insensitive_brand_or_alias() -> None:
    assert get_product("CAELYX").key == "doxil"
    assert get_product("nab-paclitaxel").brand == "Abraxane"
    assert get_product("nbtxr3").brand == "Hensify"
    with pytest.raises(InputError, match="Doxil"):
        get_product("no such product")


def test_simulable_scenarios_parse() -> None:
    simulable = [p for p in list_products() if p.simulable]
    assert {"doxil", "myocet"} <= {p.key for p in simulable}
    for p in simulable:
        scn = product_scenario(p.key, duration="24 h", points=25)
        assert scn.carrier is not None and scn.carrier.type == p.carrier_type
        assert scn.drug.name == p.drug
        assert scn.species == "human" and scn.regimen.total_mg > 0


def test_not_simulable_product_raises_naming_reason() -> None:
    with pytest.raises(NotSimulableError, match="drug amphotericin_b has no parameter file"):
        product_scenario("AmBisome")
    with pytest.raises(NotSimulableError, match="Vyxeos cannot be simulated yet"):
        product_scenario("vyxeos")


def test_cli_list_and_show(capsys) -> None:
    assert main(["catalog", "list"]) == 0
    out = capsys.readouterr().out
    assert "Doxil" in out and "Onivyde" in out and "Hensify" in out
    assert main(["catalog", "show", "onivyde"]) == 0
    out = capsys.readouterr().out
    assert "Onivyde" in out and "70 mg/m2" in out and "simulable now" in out


def test_cli_run_doxil_writes_comparison(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code = main(["catalog", "run", "doxil", "--out", str(out), "--duration", "48 h", "--points", "49",
                 "--no-plots"])
    assert code == 0
    doc = json.loads((out / "comparison.json").read_text())
    assert {"nano", "conventional", "ratios"} <= set(doc)
    assert doc["ratios"]["plasma_total.auc_inf_mg_h_per_L"] > 1.0
    assert (out / "nano" / "metrics.json").is_file() and (out / "conventional" / "metrics.json").is_file()


def test_cli_run_errors_one_line(tmp_path: Path, capsys) -> None:
    assert main(["catalog", "run", "nonexistent", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nonexistent" in err
    assert main(["catalog", "run", "ambisome", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "drug amphotericin_b has no parameter file (src/nanodds/data/drugs)" in err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("name", NEW_DRUGS)
def test_new_drug_file_loads_and_kp_equal_partition(name: str) -> None:
    if name not in drug_names():
        pytest.skip(f"{name}.yaml not present")
    drug = load_drug(name, "human")
    assert drug.hepatic_blood_cl_L_per_h >= 0 and drug.renal_plasma_cl_L_per_h >= 0
    raw = load_yaml(f"drugs/{name}.yaml")
    kp = rodgers_rowland_kp_all(drug_properties(raw), load_yaml(DEFAULT_COMPOSITION))
    assert set(raw["kp"]) == set(TISSUES_WITH_KP)
    for organ in TISSUES_WITH_KP:
        if organ in PASSIVE_OVERRIDES and "kp_passive" in raw and organ in raw["kp_passive"]:
            assert raw["kp_passive"][organ].value == float(f"{kp[organ]:.3g}"), organ
            continue
        assert raw["kp"][organ].value == float(f"{kp[organ]:.3g}"), (name, organ)
