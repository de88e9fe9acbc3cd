"""The scenario block ``conventional:`` (a marketed comparator at its own regimen and vehicle) end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanodds.analysis.compare import run_comparison
from nanodds.catalog.products import product_scenario
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario

SHORT = {"duration": "24 h", "points": 49, "saturable": False}


def _nab(conventional: dict | None) -> dict:
    raw = {"name": "nab test", "species": "human", "subject": {"body_weight": "70 kg", "height": "170 cm"},
           "drug": "paclitaxel", "carrier": {"type": "albumin_nanoparticle", "diameter": "130 nm"},
           "regimen": [{"route": "iv_infusion", "dose": "260 mg/m^2", "duration": "0.5 h"}],
           "simulation": SHORT}
    if conventional is not None:
        raw["conventional"] = conventional
    return raw


TAXOL = {"name": "Taxol", "regimen": [{"route": "iv_infusion", "dose": "175 mg/m^2", "duration": "3 h"}],
         "vehicle": "cremophor_el", "source": "TAXOL label section 2"}


def test_default_comparator_is_same_dose_without_carrier() -> None:
    scn = parse_scenario(_nab(None))
    conv = scn.conventional()
    assert conv.carrier is None and conv.vehicle is None
    assert conv.regimen == scn.regimen
    assert scn.conventional_definition()["source"] is None


def test_named_comparator_has_its_own_regimen_and_vehicle() -> None:
    scn = parse_scenario(_nab(TAXOL))
    conv = scn.conventional()
    assert conv.carrier is None and conv.vehicle == "cremophor_el" and conv.comparator is None
    assert conv.regimen.total_mg == pytest.approx(scn.regimen.total_mg * 175.0 / 260.0, rel=1e-12)
    assert conv.regimen.events[0].duration_h == pytest.approx(3.0)
    assert scn.vehicle is None  # the nano arm keeps no vehicle
    doc, _, sol_conv = run_comparison(scn)
    assert doc["conventional_definition"]["name"] == "Taxol"
    assert doc["dose_mg"]["conventional"] == pytest.approx(conv.regimen.total_mg)
    assert "plasma_micelle" in doc["conventional"] and "plasma_micelle" not in doc["nano"]
    assert max(abs(v) for v in sol_conv.mass_balance_rel_error().values()) < 1e-9


def test_comparator_regimen_defaults_to_the_nano_regimen() -> None:
    scn = parse_scenario(_nab({"name": "paclitaxel in Cremophor EL", "vehicle": "cremophor_el"}))
    assert scn.conventional().regimen == scn.regimen


@pytest.mark.parametrize("block, field", [
    ({"regimen": TAXOL["regimen"]}, "conventional.name"),
    ({"name": "Taxol", "vehicle": "olive_oil"}, "conventional.vehicle"),
    ({"name": "Taxol", "regimen": [{"route": "iv_infusion", "dose": "175 mg/m^2"}]},
     "conventional.regimen[0].duration"),
    ({"name": "Taxol", "colour": "blue"}, "conventional.colour"),
    ("Taxol", "conventional"),
])
def test_bad_comparator_is_one_clear_error(block, field) -> None:
    with pytest.raises(InputError) as exc:
        parse_scenario(_nab(block))
    assert str(exc.value).splitlines()[0].startswith(field) or field in str(exc.value)


def test_bad_comparator_through_cli_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    import yaml

    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_nab({"name": "Taxol", "vehicle": "olive_oil"})))
    out = tmp_path / "never"
    assert main(["compare", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "conventional.vehicle" in err[0] and "cremophor_el" in err[0]
    assert not out.exists()


def test_catalog_paclitaxel_products_compare_with_taxol(tmp_path: Path) -> None:
    for key in ("abraxane", "pazenir", "genexol_pm", "apealea"):
        c = product_scenario(key).conventional()
        assert c.vehicle == "cremophor_el" and c.carrier is None
        assert c.regimen.events[0].duration_h == pytest.approx(3.0)
    assert main(["catalog", "run", "abraxane", "--out", str(tmp_path / "a"), "--duration", "48 h",
                 "--points", "97", "--no-plots"]) == 0
    doc = json.loads((tmp_path / "a" / "comparison.json").read_text())
    assert doc["conventional_definition"]["vehicle"] == "cremophor_el"
    assert doc["dose_mg"]["nano"] / doc["dose_mg"]["conventional"] == pytest.approx(260.0 / 175.0, rel=1e-9)
