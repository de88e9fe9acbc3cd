"""``nanodds compare A.yaml B.yaml [C.yaml ...]``: arms side by side (issue #14), and rodent CL per kg."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nanodds.analysis.compare import compare_arms
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import load_scenario, parse_scenario

BASE = {
    "species": "mouse", "drug": "doxorubicin", "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}],
    "tumour": {"volume": "0.3 mL"}, "simulation": {"duration": "48 h", "points": 97, "saturable": False},
}
ARMS = {
    "free": {"name": "free doxorubicin"},
    "peg": {"name": "PEG liposome", "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"}},
    "conv": {"name": "non-PEG liposome", "carrier": {"type": "conventional_liposome", "diameter": "180 nm"}},
}


def _arm(tmp: Path, key: str, **change: object) -> str:
    raw = {**copy.deepcopy(BASE), **ARMS[key], **change}
    p = tmp / f"{key}.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return str(p)


def test_three_arms_write_one_tidy_table_one_plot_and_the_what_acts_headline(tmp_path, capsys):
    paths = [_arm(tmp_path, k) for k in ("free", "peg", "conv")]
    out = tmp_path / "o"
    assert main(["compare", *paths, "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    for text in ("WHAT ACTS", "TOTAL drug", "3 arms; ratios to the reference (ref): free doxorubicin",
                 "AUC tumour: released", "AUC heart: unbound", "AUC tumour: total"):
        assert text in stdout, text
    assert (out / "comparison.png").is_file()
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["arm"].unique()) == ["free doxorubicin", "PEG liposome", "non-PEG liposome"]
    assert {"dose", "what acts", "total drug", "plasma and tumour"} <= set(table["group"])
    assert (table[table["reference"]]["ratio_to_reference"].dropna() == 1.0).all()
    doc = json.loads((out / "comparison.json").read_text())
    folders = doc["folders"]
    for _, row in table.iterrows():  # every value is the arm's own metric; every ratio is value / reference value
        metrics = json.loads((out / folders[row["arm"]] / "metrics.json").read_text())
        node = metrics
        for part in row["key"].split("."):
            node = node[part]
        assert row["value"] == pytest.approx(node, rel=1e-12)
        ref = table[(table["key"] == row["key"]) & table["reference"]]["value"].iloc[0]
        assert row["ratio_to_reference"] == pytest.approx(row["value"] / ref, rel=1e-12)
    released = table[(table["group"] == "what acts") & (table["site"] == "tumour") & (table["measure"] == "released")]
    assert len(released) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["inputs"]) == {"scenario", "scenario[1]", "scenario[2]"}


def test_no_plots_writes_no_png_for_arms(tmp_path):
    out = tmp_path / "o"
    assert main(["compare", _arm(tmp_path, "free"), _arm(tmp_path, "peg"), "--out", str(out), "--no-plots"]) == 0
    assert not list(out.rglob("*.png")) and (out / "comparison.csv").is_file()


@pytest.mark.parametrize(("change", "expected"), [
    ({"species": "rat"}, "{b}: species: got 'rat'; allowed: mouse, the species of the first arm {a} (arms share "
                         "one species)"),
    ({"simulation": {"duration": "24 h", "points": 49, "saturable": False}},
     "{b}: simulation.duration: got '24 h'; allowed: 48 h, the horizon of the first arm {a} (arms share one "
     "horizon: AUC0-T, DE(t) and the time courses are read side by side)"),
])
def test_arms_of_another_species_or_horizon_are_refused_in_one_line(tmp_path, capsys, change, expected):
    a, b = _arm(tmp_path, "free"), _arm(tmp_path, "peg", **change)
    out = tmp_path / "o"
    assert main(["compare", a, b, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"nanodds: error: {expected.format(a=a, b=b)}"]
    assert not out.exists()


def test_an_error_in_a_later_arm_names_its_file(tmp_path, capsys):
    a, b = _arm(tmp_path, "free"), _arm(tmp_path, "peg", carrier={"type": "pegylated_liposome", "diameter": 85})
    assert main(["compare", a, b, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"nanodds: error: {b}: carrier.diameter: got 85")


def test_library_compare_arms_refuses_mixed_species():
    free = parse_scenario({**BASE, **ARMS["free"]})
    rat = parse_scenario({**BASE, **ARMS["peg"], "species": "rat"})
    with pytest.raises(InputError, match="PEG liposome: species: got 'rat'"):
        compare_arms([free, rat])


def test_mouse_clearance_per_kg_beside_absolute(tmp_path, capsys):
    path = _arm(tmp_path, "peg")
    assert main(["simulate", path, "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    stdout = capsys.readouterr().out
    pt = json.loads((tmp_path / "o" / "metrics.json").read_text())["plasma_total"]
    bw_kg = load_scenario(path).physiology.body_weight_kg
    assert pt["cl_L_per_h_per_kg"] == pytest.approx(pt["cl_L_per_h"] / bw_kg, rel=1e-12)
    assert pt["vss_L_per_kg"] == pytest.approx(pt["vss_L"] / bw_kg, rel=1e-12)
    lines = stdout.splitlines()
    cl = next(i for i, ln in enumerate(lines) if ln.split("│")[1:2] and ln.split("│")[1].strip() == "CL")
    assert "CL per kg body weight" in lines[cl + 1] and "L/h/kg" in lines[cl + 1]
    assert f"{pt['cl_L_per_h_per_kg']:.4g}" in lines[cl + 1]
    assert any("Vss per kg body weight" in ln and "L/kg" in ln for ln in lines)


def test_rat_compare_prints_clearance_per_kg_for_both_formulations(tmp_path, capsys):
    path = _arm(tmp_path, "peg", species="rat", regimen=[{"route": "iv_bolus", "dose": "5 mg/kg"}],
                tumour=None)
    assert main(["compare", path, "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    row = next(ln for ln in capsys.readouterr().out.splitlines() if "CL per kg body weight" in ln)
    doc = json.loads((tmp_path / "o" / "comparison.json").read_text())
    nano, conv = (doc[k]["plasma_total"]["cl_L_per_h_per_kg"] for k in ("nano", "conventional"))
    assert f"{nano:.4g}" in row and f"{conv:.4g}" in row and f"{nano / conv:.3g}" in row and "L/h/kg" in row


def test_human_with_height_keeps_per_m2_and_no_per_kg_row(tmp_path, capsys):
    raw = {**BASE, **ARMS["peg"], "species": "human", "subject": {"body_weight": "70 kg", "height": "170 cm"},
           "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}], "tumour": {"volume": "20 mL"}}
    p = tmp_path / "h.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["simulate", str(p), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    assert "per kg" not in capsys.readouterr().out
    pt = json.loads((tmp_path / "o" / "metrics.json").read_text())["plasma_total"]
    assert "cl_L_per_h_per_kg" not in pt and math.isfinite(pt["cl_L_per_h_per_m2"])
