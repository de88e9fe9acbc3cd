"""What acts: unbound / released / total drug at the tumour and the toxicity sites, headlined by ``compare``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nanodds.analysis.acting import ACTING_SITES, acting_metrics
from nanodds.analysis.compare import compare
from nanodds.engine import simulate
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario

RAW = {"species": "human", "subject": {"body_weight": "70 kg", "height": "170 cm"}, "drug": "doxorubicin",
       "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
       "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}], "tumour": {"volume": "20 mL"},
       "simulation": {"duration": "336 h", "points": 337, "saturable": False}}


@pytest.fixture(scope="module")
def doc() -> dict:
    return compare(parse_scenario(RAW))


def test_unbound_within_released_within_total(doc: dict) -> None:
    for arm in ("nano", "conventional"):
        for site, _ in ACTING_SITES:
            a = doc[arm]["acting"][site]
            assert 0 < a["unbound_auc_mg_h_per_L"] <= a["released_auc_mg_h_per_L"] <= a["total_auc_mg_h_per_L"] \
                * (1 + 1e-12), (arm, site)


def test_conventional_unbound_tissue_auc_equals_plasma_unbound_auc() -> None:
    """Analytical: in a non-eliminating perfusion-limited organ all drug that enters leaves again, so the AUC of
    the outflow (plasma, Cu = fu A / (Kp V)) equals the AUC of the inflow, arterial = venous plasma (the lung
    does not eliminate). Hence AUC(unbound tissue) = AUC(unbound plasma) for heart, marrow, skin and tumour."""
    scn = parse_scenario(RAW).conventional()
    a = acting_metrics(simulate(scn))
    plasma = a["plasma"]["unbound_auc_mg_h_per_L"]
    for site in ("heart", "marrow", "skin", "tumour"):
        assert a[site]["unbound_auc_mg_h_per_L"] == pytest.approx(plasma, rel=1e-6), site


def test_headline_rows_name_what_acts(doc: dict) -> None:
    rows = doc["headline"]
    sites = {r["site"] for r in rows}
    assert {"tumour", "heart", "marrow", "skin", "plasma", "tumour/heart"} <= sites
    for r in rows:
        assert r["acts"] == (r["measure"] != "total")
    first_total = next(i for i, r in enumerate(rows) if not r["acts"])
    assert rows[0]["acts"] and rows[0]["site"] == "tumour" and rows[0]["measure"] == "unbound"
    assert first_total > 0
    by = {(r["site"], r["measure"]): r["ratio"] for r in rows}
    # the carrier multiplies total tumour drug far more than the drug that acts there (the demo's 29.8x vs 1.25x)
    assert by[("tumour", "total")] > 5 * by[("tumour", "released")]
    # and lowers the heart's released drug although its total drug rises
    assert by[("heart", "released")] < 1.0 < by[("heart", "total")]


def test_compare_cli_prints_and_writes_headline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = {**RAW, "simulation": {"duration": "48 h", "points": 97, "saturable": False}}
    scn = tmp_path / "s.yaml"
    scn.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["compare", str(scn), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert text.index("WHAT ACTS") < text.index("TOTAL drug")
    assert "AUC tumour: released" in text and "AUC heart: unbound" in text
    saved = json.loads((tmp_path / "o" / "comparison.json").read_text())
    assert saved["headline"][0]["measure"] == "unbound"
    assert "acting" in json.loads((tmp_path / "o" / "nano" / "metrics.json").read_text())


def test_population_observes_what_acts(tmp_path: Path) -> None:
    from nanodds.population.fast import PopulationModel
    from nanodds.population.run import observed

    raw = {**RAW, "simulation": {"duration": "48 h", "points": 49, "saturable": False}}
    names = observed(PopulationModel(parse_scenario(raw), raw["regimen"]))
    for site in ("tumour", "heart", "marrow", "skin"):
        assert {f"tissue_{site}", f"tissue_released_{site}", f"tissue_unbound_{site}"} <= set(names), site
