"""Imaging read-outs of a labelled carrier: decay, mass balance of %ID, %ID/g, MRI delta R2 and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nanodds.analysis.imaging import (
    contrast_ratios,
    decay_factor,
    imaging_schedule,
    iron_constants,
    load_label,
    region_curves,
)
from nanodds.engine import simulate
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario

RAW = {
    "name": "imaging test", "species": "mouse", "drug": "doxorubicin",
    "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
    "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}],
    "tumour": {"volume": "0.3 mL"},
    "simulation": {"duration": "72 h", "points": 73, "saturable": False},
}


@pytest.fixture(scope="module")
def scn():
    return parse_scenario(RAW)


@pytest.fixture(scope="module")
def sol(scn):
    return simulate(scn)


@pytest.mark.parametrize(("label", "hours"), [("64Cu", 12.7), ("89Zr", 78.4), ("111In", 67.3), ("99mTc", 6.0),
                                              ("18F", 109.8 / 60)])
def test_half_lives_in_hours(label, hours):
    assert load_label(label).half_life_h == pytest.approx(hours, rel=2e-3)


@pytest.mark.parametrize("label", ["64Cu", "89Zr", "111In", "18F"])
def test_decay_relation_exact(sol, label):
    t_half = load_label(label).half_life_h
    dc = region_curves(sol, label, True)
    raw = region_curves(sol, label, False)
    assert (dc["decay_corrected"]).all() and not raw["decay_corrected"].any()
    pos = dc["percent_id"] > 1e-12
    ratio = raw.loc[pos, "percent_id"].to_numpy() / dc.loc[pos, "percent_id"].to_numpy()
    expected = np.exp(-np.log(2.0) * dc.loc[pos, "time_h"].to_numpy() / t_half)
    np.testing.assert_allclose(ratio, expected, rtol=1e-12)
    np.testing.assert_allclose(decay_factor(t_half, t_half), 0.5, rtol=1e-15)


@pytest.mark.parametrize("follows", ["carrier", "drug"])
def test_percent_id_sums_to_100_when_decay_corrected(sol, follows):
    df = region_curves(sol, "89Zr", True, label_follows=follows)
    regions = set(df["region"])
    assert {"blood", "tumour", "liver", "eliminated"} <= regions
    total = df.groupby("time_h")["percent_id"].sum().to_numpy()
    np.testing.assert_allclose(total, 100.0, atol=1e-8)
    assert len(total) == len(sol.times_h)


def test_percent_id_per_g_is_percent_id_over_grams(sol, scn):
    df = region_curves(sol, "64Cu", True, injected_MBq=10.0)
    grams = {o: v * 1000.0 for o, v in sol.model.volumes_L.items()}
    grams["blood"] = scn.physiology.blood_volume_L * 1000.0  # density 1 g/mL, central whole-blood pools
    for region, g in df.groupby("region"):
        if region == "eliminated":
            assert g["percent_id_per_g"].isna().all()
            continue
        np.testing.assert_allclose(g["percent_id_per_g"], g["percent_id"] / grams[region], rtol=1e-12)
    np.testing.assert_allclose(df["activity_MBq"], df["percent_id"] / 100.0 * 10.0, rtol=1e-12)
    tum = df[df["region"] == "tumour"].set_index("time_h")["percent_id"]
    carrier_mg = sol.observe("carrier_amount_tumour")
    np.testing.assert_allclose(tum.to_numpy(), 100 * carrier_mg / sol.dosed["carrier"], rtol=1e-12)


def test_mri_delta_r2(sol):
    df = region_curves(sol, "iron_oxide", True, regions=["liver", "tumour"], iron_fraction=0.5)
    molar, _ = iron_constants()
    r2 = load_label("iron_oxide").r2_per_mM_s
    liver = df[df["region"] == "liver"]
    fe_mM = sol.observe("carrier_amount_liver") * 0.5 / molar / sol.model.volumes_L["liver"]
    np.testing.assert_allclose(liver["iron_mM"], fe_mM, rtol=1e-12)
    np.testing.assert_allclose(liver["delta_R2_per_s"], r2 * fe_mM, rtol=1e-12)


def test_schedule_samples_grid_and_recovery(sol):
    df = region_curves(sol, "89Zr", True)
    sched = imaging_schedule(df, [4.0, 24.0], recovery={"tumour": 0.5})
    on_grid = df[df["time_h"].isin([4.0, 24.0])].set_index(["region", "time_h"])["percent_id_per_g"]
    got = sched.set_index(["region", "time_h"])["percent_id_per_g"]
    np.testing.assert_allclose(got.loc["liver"].to_numpy(), on_grid.loc["liver"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got.loc["tumour"].to_numpy(), 0.5 * on_grid.loc["tumour"].to_numpy(), rtol=1e-12)
    ratios = contrast_ratios(sched)
    assert set(ratios) == {"tumour_to_muscle", "tumour_to_blood"} and len(ratios["tumour_to_blood"]) == 2
    with pytest.raises(InputError):
        imaging_schedule(df, [100.0])


def test_bad_label_and_multiple_doses(scn):
    with pytest.raises(InputError, match="allowed: one of 64Cu, 89Zr, 111In"):
        load_label("90Y")
    two = parse_scenario({**RAW, "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"},
                                             {"route": "iv_bolus", "dose": "9 mg/kg", "start": "24 h"}]})
    with pytest.raises(InputError, match="single labelled injection"):
        region_curves(simulate(two), "89Zr", True)


def _scenario_file(tmp_path):
    path = tmp_path / "scn.yaml"
    path.write_text(yaml.safe_dump(RAW), encoding="utf-8")
    return path


def test_cli_writes_files(tmp_path, capsys):
    out = tmp_path / "img"
    code = main(["imaging", str(_scenario_file(tmp_path)), "--label", "89Zr", "--out", str(out),
                 "--activity", "10 MBq", "--scan-times", "1,4,24,48,72", "h", "--no-decay-correction"])
    assert code == 0
    for name in ("imaging.csv", "imaging.json", "imaging.png"):
        assert (out / name).stat().st_size > 0
    summary = json.loads((out / "imaging.json").read_text())
    assert summary["scan_times_h"] == [1.0, 4.0, 24.0, 48.0, 72.0]
    assert summary["decay_corrected"] is False and summary["injected_activity_MBq"] == 10.0
    assert len(summary["percent_id_per_g"]["tumour"]) == 5
    assert set(summary["ratios"]) == {"tumour_to_muscle", "tumour_to_blood"}
    assert "wrote" in capsys.readouterr().out


def test_cli_bad_isotope_exits_2_one_line(tmp_path, capsys):
    code = main(["imaging", str(_scenario_file(tmp_path)), "--label", "90Y", "--out", str(tmp_path / "x")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "89Zr" in err and "iron_oxide" in err
    assert not (tmp_path / "x").exists()


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("example", "label", "scans"), [("imaging_caelyx_human.yaml", "99mTc", "1,4,24"),
                                                         ("imaging_111in_peg_liposome_human.yaml", "111In", "1,24,72")])
def test_examples_write_region_curves(tmp_path, example, label, scans):
    out = tmp_path / "img"
    assert main(["imaging", str(ROOT / "examples" / example), "--label", label, "--out", str(out),
                 "--activity", "100 MBq", "--scan-times", scans, "h"]) == 0
    df = pd.read_csv(out / "imaging.csv")
    assert {"blood", "liver", "spleen", "tumour", "eliminated"} <= set(df["region"])
    total = df.groupby("time_h")["percent_id"].sum()
    infused_h = 1.0 if "caelyx" in example else 0.0  # 1 h infusion in the Caelyx example, bolus otherwise
    expected = 100.0 * np.clip(total.index.to_numpy() / infused_h, 0, 1) if infused_h else 100.0
    np.testing.assert_allclose(total.to_numpy(), expected, atol=1e-6)  # %ID of the dose infused so far
    summary = json.loads((out / "imaging.json").read_text())
    assert summary["label"] == label and min(summary["percent_id_per_g"]["tumour"]) > 0
    assert (out / "imaging.png").stat().st_size > 10_000


def test_imaging_validation_data_never_calibrates():
    data = ROOT / "validation" / "data" / "imaging_human_peg_liposome.csv"
    assert set(pd.read_csv(data, comment="#")["role"]) == {"validation"}
    for path in (ROOT / "validation").glob("calibrat*.py"):
        assert data.name not in path.read_text(encoding="utf-8")
