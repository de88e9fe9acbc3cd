"""``make train``: nested study-grouped CV of the delivery predictor, then the shipped model and its card.

``python -m nanodds.design.train [--root .] [--check]`` reads the Nano-Tumor DB training part, runs the outer
study-grouped K-fold CV (repeated with shuffled study-to-fold assignments) of every method, with the learned
model's candidate chosen and its interval calibrated by an inner grouped CV inside each outer training part,
then refits on all rows and writes ``src/nanodds/data/design/delivery_model.{npz,json}`` and
``docs/delivery_model.md``. Deterministic (fixed seeds in ``data/design/delivery_training.yaml``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.design.cv import (
    DB_DIR,
    DE_TARGETS,
    PARAM_TARGETS,
    Fold,
    load_training,
    make_forest,
    material_median,
    metrics,
)
from nanodds.design.features import clean_input, fit_spec
from nanodds.design.forest import TreeEnsemble
from nanodds.design.pbpk_cv import timecourse_cv
from nanodds.design.studies import group_folds, study_groups

__all__ = ["MODEL_JSON", "MODEL_NPZ", "main", "settings"]

DATA_DIR = Path("src") / "nanodds" / "data" / "design"
MODEL_NPZ = "delivery_model.npz"
MODEL_JSON = "delivery_model.json"
CARD = Path("docs") / "delivery_model.md"
METHODS: tuple[str, ...] = ("global_median", "material_median", "plain_rf", "learned")


def settings() -> dict[str, Any]:
    """Training settings from ``data/design/delivery_training.yaml`` as plain numbers."""
    from nanodds.specs.params import load_yaml

    raw = load_yaml("design/delivery_training.yaml")
    cands = [{"family": c["family"], "min_samples_leaf": int(c["min_samples_leaf"].value),
              "max_features": float(c["max_features"].value)} for c in raw["candidates"]]
    return {"n_splits": int(raw["cv"]["n_splits"].value), "n_repeats": int(raw["cv"]["n_repeats"].value),
            "inner_splits": int(raw["cv"]["inner_splits"].value), "seed": int(raw["cv"]["seed"].value),
            "coverage": float(raw["interval"]["coverage"].value),
            "min_category_count": int(raw["features"]["min_category_count"].value),
            "distance_quantile": float(raw["domain"]["distance_quantile"].value),
            "n_estimators": int(raw["forest"]["n_estimators"].value),
            "param_n_estimators": int(raw["forest"]["param_n_estimators"].value), "candidates": cands}


def _fit_predict(config: dict[str, Any] | None, fold: Fold, y: np.ndarray, n_est: int, seed: int) -> np.ndarray:
    model = make_forest(config, n_est, seed).fit(fold.x_train, y)
    return model.predict(fold.x_test).reshape(len(fold.x_test), -1)


def select(df: pd.DataFrame, y: np.ndarray, groups: np.ndarray, rows: np.ndarray, st: dict[str, Any],
           seed: int) -> tuple[int, np.ndarray, list[float]]:
    """Inner grouped CV on ``rows``: index of the best candidate, its out-of-fold log10 predictions, scores.

    The score is the mean over DE24, DE168, Demax of R2 on log10 of the pooled out-of-fold predictions.
    """
    folds = group_folds(groups[rows], st["inner_splits"], seed)
    oof = np.zeros((len(st["candidates"]), rows.size, y.shape[1]))
    for k in range(st["inner_splits"]):
        tr, te = rows[folds != k], rows[folds == k]
        fold = Fold.build(df, tr, te, st)
        for c, cfg in enumerate(st["candidates"]):
            oof[c, folds == k] = _fit_predict(cfg, fold, y[tr], st["n_estimators"], seed)
    scores = [float(np.mean([metrics(y[rows, j], oof[c, :, j])["r2_log10"] for j in range(y.shape[1])]))
              for c in range(len(st["candidates"]))]
    best = int(np.argmax(scores))
    return best, oof[best], scores


def interval_offsets(y: np.ndarray, pred: np.ndarray, coverage: float) -> np.ndarray:
    """Residual (observed - predicted, log10) quantiles per target: array (2, n_targets) of lo, hi offsets."""
    a = (1.0 - coverage) / 2.0
    res = y - pred
    return np.vstack([np.quantile(res, a, axis=0), np.quantile(res, 1.0 - a, axis=0)])


def outer_cv(df: pd.DataFrame, y: np.ndarray, yp: np.ndarray, st: dict[str, Any]) -> dict[str, Any]:
    """Repeated outer study-grouped CV of every method; metrics per repeat and their mean."""
    groups = study_groups(df)
    n = len(df)
    rep: list[dict[str, Any]] = []
    for r in range(st["n_repeats"]):
        seed = st["seed"] + r
        folds = group_folds(groups, st["n_splits"], seed)
        pred = {m: np.zeros_like(y) for m in METHODS}
        lo, hi = np.zeros_like(y), np.zeros_like(y)
        ppar = np.zeros_like(yp)
        ood = np.zeros(n, dtype=bool)
        chosen = []
        for k in range(st["n_splits"]):
            tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
            fold = Fold.build(df, tr, te, st)
            pred["global_median"][te] = np.median(y[tr], axis=0)
            pred["material_median"][te] = material_median(df["MAT"].iloc[tr], y[tr], df["MAT"].iloc[te])
            pred["plain_rf"][te] = _fit_predict(None, fold, y[tr], st["n_estimators"], seed)
            best, inner_oof, _ = select(df, y, groups, tr, st, seed * 100 + k)
            chosen.append(best)
            cfg = st["candidates"][best]
            pred["learned"][te] = _fit_predict(cfg, fold, y[tr], st["n_estimators"], seed)
            off = interval_offsets(y[tr], inner_oof, st["coverage"])
            lo[te], hi[te] = pred["learned"][te] + off[0], pred["learned"][te] + off[1]
            ppar[te] = _fit_predict(cfg, fold, yp[tr], st["param_n_estimators"], seed)
            clean_te = clean_input(df.iloc[te])[0]
            ood[te] = [bool(x) for x in fold.spec.domain(clean_te, fold.x_test, fold.train_z)]
        out: dict[str, Any] = {"chosen": chosen, "n_out_of_domain": int(ood.sum())}
        for j, t in enumerate(DE_TARGETS):
            out[t] = {m: metrics(y[:, j], pred[m][:, j]) for m in METHODS}
            out[t]["coverage"] = float(np.mean((lo[:, j] <= y[:, j]) & (y[:, j] <= hi[:, j])))
            out[t]["interval_width_fold"] = float(10 ** np.median(hi[:, j] - lo[:, j]))
            for name, sel in (("in_domain", ~ood), ("out_of_domain", ood)):
                out[t][f"learned_{name}"] = (metrics(y[sel, j], pred["learned"][sel, j]) if sel.sum() > 2
                                             else None)
        out["params"] = {t: metrics(yp[:, j], ppar[:, j]) for j, t in enumerate(PARAM_TARGETS)}
        if r == 0:
            first_ppar = ppar.copy()
        rep.append(out)
        print(f"repeat {r}: DE24 R2 learned {out['DE24']['learned']['r2_log10']:.3f} "
              f"plain_rf {out['DE24']['plain_rf']['r2_log10']:.3f}", file=sys.stderr)
    return {"repeats": rep, "n_groups": int(np.unique(groups).size), "_oof_params_log": first_ppar}


def _sha256(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def fit_final(df: pd.DataFrame, y: np.ndarray, yp: np.ndarray,
              st: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Select on all rows (grouped CV), calibrate intervals, refit; arrays and metadata of the shipped model."""
    from sklearn import __version__ as skl_version

    groups = study_groups(df)
    rows = np.arange(len(df))
    best, oof, scores = select(df, y, groups, rows, st, st["seed"])
    cfg = st["candidates"][best]
    spec, train_z = fit_spec(df, min_category_count=st["min_category_count"],
                             distance_quantile=st["distance_quantile"])
    x = spec.transform(clean_input(df)[0])
    de = TreeEnsemble.from_sklearn(make_forest(cfg, st["n_estimators"], st["seed"]).fit(x, y))
    par = TreeEnsemble.from_sklearn(make_forest(cfg, st["param_n_estimators"], st["seed"]).fit(x, yp))
    arrays = {**de.to_arrays("de"), **par.to_arrays("param"), "train_z": train_z.astype(np.float32)}
    meta = {"targets": list(DE_TARGETS), "param_targets": list(PARAM_TARGETS), "target_scale": "log10",
            "feature_names": spec.names, "spec": spec.to_dict(), "candidate": cfg, "candidate_scores": scores,
            "interval_coverage": st["coverage"],
            "interval_offsets_log10": interval_offsets(y, oof, st["coverage"]).tolist(),
            "n_train": len(df), "sklearn_version": skl_version}
    return arrays, meta


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CV, fit the shipped model and write it with its card (``--root``: repository root)."""
    from nanodds.design.card import render_card

    ap = argparse.ArgumentParser(prog="python -m nanodds.design.train", description=__doc__)
    ap.add_argument("--root", default=".", help="repository root (default: current directory)")
    ap.add_argument("--card-only", action="store_true", help="only re-render the card from the stored model")
    args = ap.parse_args(argv)
    root = Path(args.root)
    if args.card_only:
        meta = json.loads((root / DATA_DIR / MODEL_JSON).read_text(encoding="utf-8"))
        _atomic_write(root / CARD, render_card(meta).encode())
        return 0
    st = settings()
    df = load_training(root)
    y = np.log10(df[list(DE_TARGETS)].to_numpy(dtype=float))
    yp = np.log10(df[list(PARAM_TARGETS)].to_numpy(dtype=float))
    cv = outer_cv(df, y, yp, st)
    tc = pd.read_csv(root / DB_DIR / "timecourses.csv")
    cv["timecourse"] = timecourse_cv(df, cv.pop("_oof_params_log"), tc)
    arrays, meta = fit_final(df, y, yp, st)
    meta["cv"] = cv
    meta["settings"] = st
    meta["data_sha256"] = _sha256([root / DB_DIR / "datasets.csv", root / DB_DIR / "materials.csv"])
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    _atomic_write(root / DATA_DIR / MODEL_NPZ, buf.getvalue())
    _atomic_write(root / DATA_DIR / MODEL_JSON, (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    _atomic_write(root / CARD, render_card(meta).encode())
    print(f"wrote {DATA_DIR / MODEL_NPZ}, {DATA_DIR / MODEL_JSON}, {CARD}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
