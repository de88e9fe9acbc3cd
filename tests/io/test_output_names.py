"""File names taken from data (release profiles, payload labels) never collide or escape the folder."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from nanodds.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_release_profiles_that_sanitise_alike_get_their_own_plots(tmp_path):
    rows = [(0, 0), (0.5, 22), (1, 39), (2, 63), (4, 86), (8, 98)]
    data = tmp_path / "two.csv"
    data.write_text("profile,time_h,percent\n" + "".join(
        f"{name},{t},{y * scale}\n" for name, scale in (("A/B", 1.0), ("A B", 0.9)) for t, y in rows))
    out = tmp_path / "out"
    assert main(["release", "fit", str(data), "--out", str(out), "--models", "first_order,weibull"]) == 0
    res = json.loads((out / "fits.json").read_text())
    plots = {name: res["profiles"][name]["plots"] for name in ("A/B", "A B")}
    assert plots["A/B"] != plots["A B"]
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(plots["A/B"] + plots["A B"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(pngs) <= set(manifest["files"])


def test_payload_labels_that_sanitise_alike_get_their_own_folders_and_plots(tmp_path):
    from nanodds.analysis.combination import parse_combination, simulate_combination, summarise
    from nanodds.interfaces.cli_combination import comparison_doc, write_comparison

    raw = yaml.safe_load((ROOT / "examples" / "vyxeos_combination_human.yaml").read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "48 h", "points": 97, "saturable": False}
    raw["payloads"][0]["name"] = "Dauno/ARA"
    raw["payloads"][1]["name"] = "Dauno ARA"
    res = simulate_combination(parse_combination(raw))
    write_comparison(res, comparison_doc(res, summarise(res)), tmp_path, plots=True)
    stems = json.loads((tmp_path / "comparison.json").read_text())["file_stems"]
    assert len(set(stems.values())) == 2 and all("/" not in s for s in stems.values())
    for label, stem in stems.items():
        metrics = json.loads((tmp_path / "nano" / stem / "metrics.json").read_text())
        assert metrics["dose_total_mg"] > 0, label
        assert (tmp_path / f"comparison_{stem}.png").is_file()
    assert sorted(p.name for p in (tmp_path / "nano").iterdir()) == sorted(stems.values())
