"""Approved-nanomedicine catalogue: data schema, lookup, scenarios, CLI, and the drug files it relies on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanodds.catalog.products import (
    NotSimulableError,
    get_product,
    list_products,
    product_combination,
    product_scenario,
    product_spec,
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
        if p.is_combination:
            comb = product_combination(p.key, duration="24 h", points=25)
            assert [pl.drug for pl in comb.payloads] == p.drugs
            assert all(pl.scenario.carrier.type == p.carrier_type for pl in comb.payloads)
            continue
        scn = product_scenario(p.key, duration="24 h", points=25)
        assert scn.carrier is not None and scn.carrier.type == p.carrier_type
        assert scn.drug.name == p.drug
        assert scn.species == "human" and scn.regimen.total_mg > 0


def test_not_simulable_product_raises_naming_reason() -> None:
    with pytest.raises(NotSimulableError, match="drug sirolimus has no parameter file"):
        product_scenario("Fyarro")
    with pytest.raises(NotSimulableError, match="intrathecal depot"):
        product_scenario("DepoCyt")
    with pytest.raises(InputError, match="co-loads daunorubicin \\+ cytarabine"):
        product_scenario("vyxeos")  # a combination, not a single-drug scenario
    with pytest.raises(InputError, match="co-loaded product"):
        product_combination("doxil")


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
    assert main(["catalog", "run", "fyarro", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "drug sirolimus has no parameter file (src/nanodds/data/drugs)" in err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("name", NEW_DRUGS)
def test_new_drug_file_loads_and_kp_equal_partition(name: str) -> None:
    assert name in drug_names(), f"{name}.yaml missing from src/nanodds/data/drugs"
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


# --- Vyxeos (co-loaded daunorubicin + cytarabine): `catalog run` writes the compare layout per drug + the ratio


def _ratio_kept(doc: dict, hours: float = 24.0) -> bool:
    """Nano plasma cytarabine:daunorubicin within the band for the whole first ``hours`` (after the first grid
    point, where nothing has been given yet)."""
    m = doc["molar_ratio"]["maintenance"]["cytarabine:daunorubicin|plasma|nano"]
    return m[f"0-{hours:g}h"]["hours_within"] >= hours - 0.6  # one 0.5-h grid step at t = 0 is undefined


@pytest.fixture(scope="module")
def vyxeos_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("vy") / "run"
    assert main(["catalog", "run", "vyxeos", "--out", str(out), "--duration", "96 h", "--points", "193",
                 "--no-plots", "--synergy"]) == 0
    return out, json.loads((out / "comparison.json").read_text())


def test_vyxeos_is_simulable_combination() -> None:
    p = get_product("CPX-351")
    assert p.simulable and p.is_combination and p.drugs == ["daunorubicin", "cytarabine"]
    comb = product_combination("vyxeos")
    assert comb.dosed_molar_ratios[0] == pytest.approx((100 / 243.22) / (44 / 527.52), rel=1e-6)
    assert comb.target_molar_ratios == (5.0,)
    for pl in comb.payloads:  # label 90-min infusions on days 1, 3, 5
        assert [(e.start_h, e.duration_h) for e in pl.scenario.regimen.events] == [(0, 1.5), (48, 1.5), (96, 1.5)]


def test_vyxeos_run_writes_compare_schema_per_drug(vyxeos_run) -> None:
    out, doc = vyxeos_run
    assert set(doc["drugs"]) == {"daunorubicin", "cytarabine"}
    for label, d in doc["drugs"].items():
        assert {"nano", "conventional", "ratios"} <= set(d)  # the `nanodds compare` document, per drug
        assert d["ratios"]["plasma_total.auc_inf_mg_h_per_L"] > 10.0
        assert (out / "nano" / label / "metrics.json").is_file()
        assert (out / "conventional" / label / "timecourse.csv").is_file()
    assert (out / "ratio.csv").is_file()
    assert doc["product"]["brand"] == "Vyxeos"
    assert doc["pd"]["nano"]["mean_interaction_index"] < doc["pd"]["conventional"]["mean_interaction_index"]
    tc = doc["molar_ratio"]["time_course"]
    assert len(tc["time_h"]) == len(tc["cytarabine:daunorubicin|plasma|nano"]) == 193


def test_vyxeos_ratio_maintained_nano_not_free(vyxeos_run) -> None:
    _, doc = vyxeos_run
    assert _ratio_kept(doc)
    m = doc["molar_ratio"]["maintenance"]
    free = m["cytarabine:daunorubicin|plasma|conventional"]
    assert free["0-24h"]["hours_within"] < 2.0 and free["ratio_at_24h"] < 0.5
    nano = m["cytarabine:daunorubicin|plasma|nano"]
    assert nano["ratio_at_24h"] == pytest.approx(5.0, rel=0.2)


def test_ratio_check_fails_when_release_differs(tmp_path: Path) -> None:
    """The ratio test can fail: cytarabine leaking 40x faster than daunorubicin breaks the 1:5 ratio."""
    from nanodds.analysis.combination import parse_combination, simulate_combination, summarise
    from nanodds.interfaces.cli_combination import comparison_doc

    spec = product_spec("vyxeos", "48 h", 97)
    spec["payloads"][1]["release"] = {"model": "first_order", "rate_blood": "0.2 1/h", "rate_tissue": "0.2 1/h"}
    res = simulate_combination(parse_combination(spec))
    assert not _ratio_kept(comparison_doc(res, summarise(res)))


def test_synergy_flag_rejected_for_single_drug_product(tmp_path: Path, capsys) -> None:
    assert main(["catalog", "run", "doxil", "--out", str(tmp_path / "x"), "--synergy"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--synergy" in err
