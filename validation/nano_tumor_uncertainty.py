"""How certain are the Nano-Tumor DB scores of the fitted tumour-delivery model? (issue #11)

The acceptance of issue #11 compares two numbers measured on 229 sets from 149 studies: the out-of-fold DE24
Spearman coefficient (>= 0.5) and median fold error (below the material-median baseline). Both move with the
sample and with the split. Two measurements, neither of which changes a model:

1. **Study-cluster bootstrap** of the out-of-fold predictions (:func:`cluster_bootstrap`): whole studies are drawn
   with replacement (94 % of the variance of log DE24 lies between studies, so sets are not independent), every
   statistic recomputed on the drawn sets; percentile intervals, and the paired difference model minus
   material-median baseline on the same draws.
2. **Repeated study-grouped partitions** (:func:`repeated_partitions`): the whole fold fit
   (:func:`validation.nano_tumor_eval.calibrated_oof`) re-run on other random 5-fold partitions of the studies
   (:func:`nanodds.design.studies.group_folds`), the baselines on the same folds: how much the score depends on
   which studies happen to share a fold.

Run: ``python -m validation.nano_tumor_uncertainty [--json OUT] [--partitions R] [--boot B]`` (~4 min on 2
processes: the simulation grids of the fit are computed once, each partition refits only).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.design.studies import group_folds
from nanodds.io.atomic import write_json
from validation.nano_tumor_eval import (
    N_FOLDS,
    baseline,
    calibrated_oof,
    fit_grids,
    load_sets,
    mappable,
    scores,
    study_folds,
)

N_BOOT = 2000
"""Bootstrap draws (assumption: percentile limits of a 90 % interval stable to ~0.01 at 2,000 draws)."""
N_PARTITIONS = 10
"""Random study-grouped partitions besides the deterministic one (assumption: enough to show the spread)."""
LEVEL = 0.90
"""Two-sided coverage of the reported intervals (assumption: the 90 % of the predictor's prediction intervals)."""
STATS = ("median_fold_error", "spearman")


def cluster_bootstrap(obs: Sequence[float], preds: dict[str, Sequence[float]], groups: Sequence[Any],
                      n_boot: int = N_BOOT, seed: int = 0, level: float = LEVEL,
                      stat: Callable[[np.ndarray, np.ndarray], dict[str, float]] = scores) -> dict[str, Any]:
    """Percentile intervals of each predictor's scores, resampling whole groups (studies) with replacement.

    Parameters
    ----------
    obs : sequence of float
        Observed values (e.g. DE24, % of dose), one per set.
    preds : dict of str to sequence of float
        Predictions per predictor name, aligned with ``obs``; the first is the model, the others are compared
        with it (paired differences on the same draws).
    groups : sequence
        Study label per set.
    n_boot : int
        Number of draws.
    seed : int
        Seed of the draws.
    level : float
        Two-sided coverage (0-1).
    stat : callable
        ``stat(obs, pred) -> dict`` with the keys of :data:`STATS`.

    Returns
    -------
    dict
        ``{name: {stat: {"estimate", "lo", "hi"}}}`` and ``{"diff": {other: {stat: {...}}}}`` (model minus other).
    """
    o = np.asarray(obs, float)
    p = {k: np.asarray(v, float) for k, v in preds.items()}
    labels, inv = np.unique(np.asarray(groups), return_inverse=True)
    members = [np.flatnonzero(inv == g) for g in range(labels.size)]
    rng = np.random.default_rng(seed)
    draws = {k: {s: np.empty(n_boot) for s in STATS} for k in p}
    for b in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.integers(0, labels.size, labels.size)])
        for k, v in p.items():
            sc = stat(o[idx], v[idx])
            for s in STATS:
                draws[k][s][b] = sc[s]
    q = ((1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0)

    def interval(est: float, x: np.ndarray) -> dict[str, float]:
        x = x[np.isfinite(x)]  # a draw where a predictor is constant has no Spearman coefficient
        lo, hi = np.quantile(x, q) if x.size else (np.nan, np.nan)
        return {"estimate": float(est), "lo": float(lo), "hi": float(hi)}

    full = {k: stat(o, v) for k, v in p.items()}
    out: dict[str, Any] = {k: {s: interval(full[k][s], draws[k][s]) for s in STATS} for k in p}
    first = next(iter(p))
    out["diff"] = {k: {s: interval(full[first][s] - full[k][s], draws[first][s] - draws[k][s]) for s in STATS}
                   for k in p if k != first}
    return out


def partition_scores(d: pd.DataFrame, grid: dict[float, pd.DataFrame],
                     size_grids: dict[float, dict[float, pd.DataFrame]], folds: np.ndarray) -> dict[str, Any]:
    """DE24 scores of the fold fit and of the material-median baseline on one study-grouped partition."""
    pred, _ = calibrated_oof(d, grid, size_grids=size_grids, folds=folds)
    return {"model": scores(d["DE24"], pred["pred_DE24"]),
            "material_median": scores(d["DE24"], baseline(d, "DE24", folds, "MAT")),
            "pred_DE24": pred["pred_DE24"].to_numpy()}


def repeated_partitions(d: pd.DataFrame, grid: dict[float, pd.DataFrame],
                        size_grids: dict[float, dict[float, pd.DataFrame]],
                        n_partitions: int = N_PARTITIONS) -> list[dict[str, Any]]:
    """Scores on the deterministic partition (:func:`study_folds`, first) and on ``n_partitions`` random ones."""
    parts = [("study_folds", study_folds(d))]
    parts += [(f"seed {s}", group_folds(d["study"].to_numpy(), N_FOLDS, s)) for s in range(n_partitions)]
    out = []
    for i, (name, folds) in enumerate(parts):
        res = partition_scores(d, grid, size_grids, folds)
        out.append({"partition": name, **res})
        print(f"[{i + 1}/{len(parts)}] {name}: model MFE {res['model']['median_fold_error']:.2f}x "
              f"Spearman {res['model']['spearman']:+.3f}; material median MFE "
              f"{res['material_median']['median_fold_error']:.2f}x", flush=True)
    return out


def random_partition_medians(d: pd.DataFrame, grid: dict[float, pd.DataFrame],
                             size_grids: dict[float, dict[float, pd.DataFrame]],
                             n_partitions: int = N_PARTITIONS) -> dict[str, float]:
    """Median out-of-fold DE24 fold error and Spearman of the fit over ``n_partitions`` random study-grouped
    partitions (seeds 0..n-1; the deterministic :func:`study_folds` partition excluded)."""
    parts = repeated_partitions(d, grid, size_grids, n_partitions)[1:]
    return {"partitions": n_partitions,
            "median_fold_error": float(np.median([p["model"]["median_fold_error"] for p in parts])),
            "spearman": float(np.median([p["model"]["spearman"] for p in parts]))}


def summary(d: pd.DataFrame, parts: list[dict[str, Any]], n_boot: int) -> dict[str, Any]:
    """Bootstrap intervals on the deterministic partition and the spread over all partitions."""
    first = parts[0]
    folds = study_folds(d)
    boot = cluster_bootstrap(d["DE24"], {"model": first["pred_DE24"],
                                         "material_median": baseline(d, "DE24", folds, "MAT"),
                                         "global_median": baseline(d, "DE24", folds, None)},
                             d["study"], n_boot=n_boot)
    spread = {who: {s: [float(p[who][s]) for p in parts] for s in STATS} for who in ("model", "material_median")}
    return {"n_sets": len(d), "n_studies": int(d["study"].nunique()), "level": LEVEL, "n_boot": n_boot,
            "bootstrap": boot, "partitions": [p["partition"] for p in parts], "partition_scores": spread}


def report(res: dict[str, Any]) -> None:
    """Print the intervals and the spread over partitions."""
    pct = round(100 * res["level"])
    print(f"{res['n_sets']} sets, {res['n_studies']} studies; {pct} % study-cluster bootstrap ({res['n_boot']} draws)")
    for who, v in res["bootstrap"].items():
        if who == "diff":
            continue
        print(f"  {who:16s} " + "  ".join(f"{s} {v[s]['estimate']:.3f} [{v[s]['lo']:.3f}, {v[s]['hi']:.3f}]"
                                         for s in STATS))
    for who, v in res["bootstrap"]["diff"].items():
        print(f"  model - {who:8s} " + "  ".join(
            f"{s} {v[s]['estimate']:+.3f} [{v[s]['lo']:+.3f}, {v[s]['hi']:+.3f}]" for s in STATS))
    for who, v in res["partition_scores"].items():
        print(f"  over {len(res['partitions'])} partitions, {who}: " + "  ".join(
            f"{s} median {np.median(x):.3f} range {min(x):.3f}-{max(x):.3f}" for s, x in v.items()))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, help="write the intervals and partition scores here")
    ap.add_argument("--partitions", type=int, default=N_PARTITIONS, help="random partitions besides study_folds")
    ap.add_argument("--boot", type=int, default=N_BOOT, help="bootstrap draws")
    ap.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    d = mappable(load_sets())
    grids = fit_grids(d, None, args.procs)
    grid, size_grids = grids[None], {e: g for e, g in grids.items() if e is not None}
    res = summary(d, repeated_partitions(d, grid, size_grids, args.partitions), args.boot)
    report(res)
    if args.json:
        write_json(args.json, res, run_output=False)
    return res


if __name__ == "__main__":
    main()
