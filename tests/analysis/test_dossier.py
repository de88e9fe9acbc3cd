"""Formulation dossier (CQA status), risk-benefit summary, --cqa input and the trial-size command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nanodds.analysis.dossier import dossier, load_measured
from nanodds.errors import InputError
from nanodds.interfaces.cli import main

ISSUE_CQAS = {"particle_size", "pdi", "zeta_potential", "morphology", "drug_loading", "encapsulation_efficiency",
              "free_vs_encapsulated", "release", "stability"}


def _status(d: dict) -> dict[str, str]:
    return {r["id"]: r["status"] for r in d["attributes"]}


def test_status_supplied_simulated_missing() -> None:
    raw = {"carrier": {"type": "pegylated_liposome", "diameter": "85 nm"}}
    st = _status(dossier(raw))
    assert ISSUE_CQAS <= set(st)
    assert st["particle_size"] == "supplied"
    assert st["free_vs_encapsulated"] == "simulated" and st["release"] == "simulated"
    assert st["zeta_potential"] == "missing" and st["stability"] == "missing"
    raw["carrier"]["drug_loading"] = 0.12
    assert _status(dossier(raw))["drug_loading"] == "supplied"


def test_measured_values_supply_attributes(tmp_path: Path) -> None:
    p = tmp_path / "cqa.yaml"
    p.write_text(yaml.safe_dump({"zeta_potential": {"value": -12, "unit": "mV", "source": "lot 42 DLS"}}))
    st = _status(dossier({"carrier": {}}, load_measured(p)))
    assert st["zeta_potential"] == "supplied"
    p.write_text(yaml.safe_dump({"colour": {"value": 1, "unit": "1", "source": "x"}}))
    with pytest.raises(InputError, match="colour"):
        load_measured(p)


def test_nanoscale_range() -> None:
    assert dossier({}, diameter_nm=85.0)["nanoscale"]["within_typical_nanoscale"]
    d = dossier({}, diameter_nm=250.0)["nanoscale"]
    assert not d["within_typical_nanoscale"] and d["within_considered_range"]


def test_safety_with_cqa_file_reports_dossier_and_risk_benefit(tmp_path: Path) -> None:
    raw = {"species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome", "diameter": "90 nm"},
           "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}], "tumour": {"volume": "0.3 mL"},
           "simulation": {"duration": "72 h", "points": 73, "saturable": False}}
    s, c = tmp_path / "s.yaml", tmp_path / "c.yaml"
    s.write_text(yaml.safe_dump(raw))
    c.write_text(yaml.safe_dump({"pdi": {"value": 0.08, "unit": "1", "source": "DLS"}}))
    assert main(["safety", str(s), "--out", str(tmp_path / "o"), "--no-plots", "--cqa", str(c)]) == 0
    doc = json.loads((tmp_path / "o" / "safety.json").read_text())
    assert _status(doc["dossier"])["pdi"] == "supplied"
    assert any(x.startswith("Benefit:") for x in doc["risk_benefit"])
    md = (tmp_path / "o" / "safety.md").read_text()
    assert "## Formulation dossier" in md and "## Risk-benefit summary" in md and "## Nanotoxicology screen" in md


def test_bad_cqa_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s, c = tmp_path / "s.yaml", tmp_path / "c.yaml"
    s.write_text(yaml.safe_dump({"species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome"},
                                 "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}]}))
    c.write_text(yaml.safe_dump({"colour": {"value": 1, "source": "x"}}))
    assert main(["safety", str(s), "--out", str(tmp_path / "o"), "--cqa", str(c)]) == 2
    assert "colour" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_trial_size_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trial-size", "survival", "--hr", "2"]) == 0
    assert capsys.readouterr().out.startswith("66 events")
    assert main(["trial-size", "binary", "--p1", "0.4"]) == 2
    assert "--p2" in capsys.readouterr().err
