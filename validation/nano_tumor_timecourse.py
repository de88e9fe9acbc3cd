"""Out-of-fold tumour time courses of the fitted model against the Nano-Tumor DB points (issue #11).

Reads the JSON of ``python -m validation.nano_tumor_eval --calibrate [--washout] --json OUT`` (out-of-fold DE24 and
the values fitted in each fold). For each set it simulates the carrier label in the tumour with its fold's choices
(MPS size exponent, its material's MPS factor, label washout rate) on a 0.1 h grid, scales the curve to the set's
out-of-fold DE24 (the fit's other factors are multiplicative, so they act on the whole curve alike) and compares
it with the set's points in ``timecourses.csv``: median predicted/observed by time after dose, and the median fold
error over all points with a positive observation.

Run: ``python -m validation.nano_tumor_timecourse OUT.json`` (~1 min on 2 processes).
"""

from __future__ import annotations

import argparse
import json
import os
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from validation.nano_tumor_eval import DB, load_sets, mappable, scenario_raw, study_folds

BINS_H = (0.0, 2.0, 8.0, 24.0, 72.0, 168.0)
"""Edges (h after the dose) of the time bins reported (those of docs/tumour_delivery.md, "Time courses")."""
GRID_POINTS = 1681
"""Output points over 168 h (0.1 h: the earliest database points are at 0.08-0.5 h)."""


def label_curve(args: tuple[dict[str, Any], dict[str, float]]) -> np.ndarray:
    """Carrier label in the tumour (mg) on the scenario's grid."""
    from nanodds.engine import simulate
    from nanodds.specs.scenario import parse_scenario

    raw, overrides = args
    return simulate(parse_scenario(raw), carrier_overrides=overrides or None).observe("carrier_label_amount_tumour")


def fold_choice(fit: dict[str, Any], material: str) -> tuple[float, dict[str, float]]:
    """MPS factor and carrier overrides of one set under its fold's fit."""
    ov: dict[str, float] = {}
    if fit.get("mps_size_exponent") is not None:
        ov["size_exponent_mps"] = float(fit["mps_size_exponent"])
    if fit.get("tumour_label_washout_rate"):
        ov["tumour_label_washout_rate"] = float(fit["tumour_label_washout_rate"])
    return float(fit["mps_factor"].get(material, 1.0)), ov


def timecourse_table(res: dict[str, Any], procs: int) -> dict[str, Any]:
    """Predicted/observed by time bin and the all-points fold error of the out-of-fold curves in ``res``."""
    d = mappable(load_sets())
    sets = pd.DataFrame(res["sets"]).set_index("ID")
    folds = study_folds(d)
    fits = {f["fold"]: f for f in res["fitted_per_fold"] if f["fold"] != "all"}
    t = np.linspace(0.0, 168.0, GRID_POINTS)
    jobs = []
    for i, row in d.iterrows():
        g, ov = fold_choice(fits[int(folds[i])], row["MAT"])
        raw = scenario_raw(row, True, g)
        raw["simulation"] = {**raw["simulation"], "points": GRID_POINTS}
        jobs.append((raw, ov))
    with Pool(procs) as pool:
        curves = pool.map(label_curve, jobs, chunksize=8)
    tc = pd.read_csv(DB / "timecourses.csv")
    rows = []
    for (_, row), c in zip(d.iterrows(), curves, strict=True):
        pts = tc[(tc["ID"] == row["ID"]) & (tc["Tumor"] > 0) & (tc["Time"] > 0) & (tc["Time"] <= t[-1])]
        c24 = np.interp(24.0, t, c)
        if pts.empty or not c24 > 0:
            continue
        pred = sets.loc[row["ID"], "pred_DE24"] * np.interp(pts["Time"], t, c) / c24
        rows += [{"ID": row["ID"], "time_h": tt, "ratio": p / o}
                 for tt, p, o in zip(pts["Time"], pred, pts["Tumor"], strict=True)]
    r = pd.DataFrame(rows)
    bins = pd.cut(r["time_h"], BINS_H, include_lowest=True)
    by_bin = {str(k): {"median_pred_over_obs": float(v.median()), "points": int(v.size)}
              for k, v in r.groupby(bins, observed=True)["ratio"]}
    return {"points": len(r), "sets": int(r["ID"].nunique()), "by_bin": by_bin,
            "median_fold_error": float(np.median(np.exp(np.abs(np.log(r["ratio"])))))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("eval_json", type=Path, help="output of nano_tumor_eval --calibrate --json")
    ap.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    out = timecourse_table(json.loads(args.eval_json.read_text(encoding="utf-8")), args.procs)
    print(f"{out['points']} points of {out['sets']} sets; all-points median fold error {out['median_fold_error']:.2f}x")
    for k, v in out["by_bin"].items():
        print(f"  {k:>14s} h: pred/obs {v['median_pred_over_obs']:.2f} ({v['points']} points)")
    return out


if __name__ == "__main__":
    main()
