"""Study-grouped cross-validation of the delivery predictor: data loading, candidates, metrics.

Needs scikit-learn (extra ``design``) to fit forests; prediction uses :mod:`nanodds.design.forest` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.design.features import FeatureSpec, clean_input, fit_spec

__all__ = ["DB_DIR", "DE_TARGETS", "PARAM_TARGETS", "Fold", "load_training", "make_forest", "metrics"]

DB_DIR = Path("validation") / "data" / "nano_tumor_db"
"""Training data (CC0 training part of the Nano-Tumor DB), relative to the repository root."""
DE_TARGETS: tuple[str, ...] = ("DE24", "DE168", "Demax")
"""Delivery efficiencies, % of injected dose in the tumour at 24 h, 168 h and at the maximum."""
PARAM_TARGETS: tuple[str, ...] = ("KTRESrelease", "KTRESmax", "KTRES50", "KTRESn", "QTC", "VTC", "BVT", "PT",
                                  "PATC")
"""Tumour-compartment PBPK parameters fitted per data set by Chou et al. 2023 (all > 0 in the data)."""


def load_training(root: Path) -> pd.DataFrame:
    """``datasets.csv`` joined with the ``MAT`` column of ``materials.csv`` (by ID), in ID order."""
    d = pd.read_csv(root / DB_DIR / "datasets.csv")
    m = pd.read_csv(root / DB_DIR / "materials.csv")[["ID", "MAT"]]
    out = d.merge(m, on="ID", how="left", validate="one_to_one")
    return out.sort_values("ID", kind="stable").reset_index(drop=True)


def metrics(y_log: np.ndarray, pred_log: np.ndarray) -> dict[str, float]:
    """R2 on log10, median fold error and the fraction within 2-fold, of pooled predictions.

    Parameters
    ----------
    y_log, pred_log : numpy.ndarray
        Observed and predicted log10 values (same shape, finite).
    """
    res = pred_log - y_log
    ss_tot = float(((y_log - y_log.mean()) ** 2).sum())
    return {"r2_log10": 1.0 - float((res ** 2).sum()) / ss_tot,
            "median_fold_error": float(10 ** np.median(np.abs(res))),
            "within_2fold": float(np.mean(np.abs(res) <= np.log10(2.0)))}


def make_forest(config: dict[str, Any] | None, n_estimators: int, seed: int) -> Any:
    """An unfitted scikit-learn forest: ``None`` is the plain random forest (library defaults)."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    if config is None:
        return RandomForestRegressor(n_estimators=n_estimators, random_state=seed, n_jobs=1)
    kinds = {"random_forest": RandomForestRegressor, "extra_trees": ExtraTreesRegressor}
    cls = kinds[config["family"]]
    return cls(n_estimators=n_estimators, min_samples_leaf=int(config["min_samples_leaf"]),
               max_features=float(config["max_features"]), random_state=seed, n_jobs=1)


@dataclass(frozen=True)
class Fold:
    """Feature matrices of one train/test split, with the feature pipeline learned on the training rows."""

    spec: FeatureSpec
    x_train: np.ndarray
    x_test: np.ndarray
    train_z: np.ndarray

    @classmethod
    def build(cls, df: pd.DataFrame, train: np.ndarray, test: np.ndarray, settings: dict[str, Any]) -> Fold:
        """Fit the pipeline on ``df.iloc[train]`` and transform both parts."""
        spec, z = fit_spec(df.iloc[train], min_category_count=settings["min_category_count"],
                           distance_quantile=settings["distance_quantile"])
        return cls(spec, spec.transform(clean_input(df.iloc[train])[0]),
                   spec.transform(clean_input(df.iloc[test])[0]), z)


def material_median(mat_train: pd.Series, y_train: np.ndarray, mat_test: pd.Series) -> np.ndarray:
    """Baseline: median of the training rows of the same material class (global median if none/empty)."""
    glob = np.median(y_train, axis=0)
    out = np.tile(glob, (len(mat_test), 1))
    mt = mat_train.to_numpy()
    for i, m in enumerate(mat_test.to_numpy()):
        sel = mt == m
        if isinstance(m, str) and sel.any():
            out[i] = np.median(y_train[sel], axis=0)
    return out
