"""``nanodds release fit|compare`` through an argparse parser holding only this module."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from nanodds.errors import InputError
from nanodds.interfaces import cli_release

SHAH = Path(__file__).resolve().parents[2] / "validation" / "data" / "dissolution" / "shah1998_table4.csv"


def run(argv):
    parser = argparse.ArgumentParser(prog="nanodds")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_release.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def _profile_csv(tmp_path, rows):
    p = tmp_path / "p.csv"
    p.write_text("time_h,percent\n" + "".join(f"{t},{y}\n" for t, y in rows))
    return p


def test_fit_writes_ranked_json_and_plots(tmp_path):
    data = _profile_csv(tmp_path, [(0, 0), (0.5, 22), (1, 39), (2, 63), (4, 86), (8, 98)])
    out = tmp_path / "out"
    assert run(["release", "fit", str(data), "--out", str(out), "--models",
                "first_order,weibull,higuchi,weibull_tlag_fmax,hopfenberg", "--weight", "1/y"]) == 0
    res = json.loads((out / "fits.json").read_text())
    assert res["time_unit"] == "h" and res["weight"] == "1/y" and res["rank_by"] == "AIC"
    prof = res["profiles"]["profile"]
    models = prof["models"]
    assert len(models) == 5 and models[0]["rank"] == 1
    for m in models:
        assert {"model", "rank", "status", "params", "units", "se", "ci95", "stats", "equation"} <= set(m)
        if m["status"] == "ok":
            assert {"R2", "R2adj", "RMSE", "SSR", "AIC", "BIC", "MSC"} <= set(m["stats"])
    assert models[0]["units"] and "h" in "".join(models[0]["units"].values())
    assert (out / "fits_profile.png").stat().st_size > 0
    assert (out / "residuals_profile.png").stat().st_size > 0


def test_fit_too_few_points_single_model(tmp_path):
    data = _profile_csv(tmp_path, [(1, 20), (2, 40), (4, 60)])
    with pytest.raises(InputError) as exc:
        run(["release", "fit", str(data), "--out", str(tmp_path / "o"), "--models", "weibull_tlag_fmax"])
    assert "weibull_tlag_fmax" in exc.value.field


def test_fit_unknown_model(tmp_path):
    data = _profile_csv(tmp_path, [(1, 20), (2, 40), (4, 60)])
    with pytest.raises(InputError) as exc:
        run(["release", "fit", str(data), "--out", str(tmp_path / "o"), "--models", "weibul"])
    assert exc.value.field == "models" and "weibull" in str(exc.value)


def test_compare_with_bootstrap(tmp_path):
    out = tmp_path / "cmp"
    assert run(["release", "compare", str(SHAH), "--reference", "b0", "--test", "b1", "--rule", "fda",
                "--bootstrap", "300", "--seed", "5", "--out", str(out)]) == 0
    res = json.loads((out / "comparison.json").read_text())
    assert {"f1", "f2", "rule", "time_points"} <= set(res)
    assert res["f2"] == pytest.approx(60.03, abs=0.005) and res["f1"] == pytest.approx(8.73, abs=0.005)
    assert res["rule"] == "fda" and res["time_points"] == [30.0, 60.0, 90.0, 180.0]
    boot = res["bootstrap"]
    assert boot["n"] == 300 and boot["seed"] == 5
    assert len(boot["f2_ci_percentile"]) == 2 and len(boot["f2_ci_bca"]) == 2
    assert (out / "comparison.png").exists()


def test_compare_unknown_profile(tmp_path):
    with pytest.raises(InputError) as exc:
        run(["release", "compare", str(SHAH), "--reference", "b0", "--test", "zz", "--out", str(tmp_path)])
    assert exc.value.field == "profile"


def test_full_cli_main_exit_codes(tmp_path, capsys):
    from nanodds.interfaces.cli import main

    data = _profile_csv(tmp_path, [(0, 0), (1, 39), (2, 63), (4, 86)])
    assert main(["release", "fit", str(data), "--out", str(tmp_path / "o"), "--models", "first_order",
                 "--no-plots"]) == 0
    capsys.readouterr()  # the successful run's progress line (stderr is piped under pytest)
    bad = tmp_path / "bad.csv"
    bad.write_text("time_min,percent\n0,0\n-1,5\n")
    assert main(["release", "fit", str(bad), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "time_min" in err[0]
