"""Prediction with the shipped delivery model (``data/design/delivery_model.{npz,json}``); NumPy only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.design.features import FeatureSpec, clean_input
from nanodds.design.forest import TreeEnsemble

__all__ = ["DeliveryModel", "load_model", "predict_delivery", "predict_parameters", "predict_time_course"]

PRED_SUFFIX = "_pred"


@dataclass(frozen=True, eq=False)
class DeliveryModel:
    """The shipped predictor: feature pipeline, forests (log10 targets) and interval offsets."""

    spec: FeatureSpec
    de: TreeEnsemble
    params: TreeEnsemble
    train_z: np.ndarray
    targets: tuple[str, ...]
    param_targets: tuple[str, ...]
    offsets_log10: np.ndarray
    meta: dict[str, Any]

    def features(self, df: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, list[list[str]]]:
        """Feature matrix, cleaned inputs and per-row notes of an input table."""
        clean, notes = clean_input(df)
        return self.spec.transform(clean, notes), clean, notes


def _default_dir() -> Path:
    from nanodds.specs.params import DATA_ROOT

    return DATA_ROOT / "design"


@lru_cache(maxsize=4)
def load_model(directory: str | None = None) -> DeliveryModel:
    """Load ``delivery_model.npz`` + ``delivery_model.json`` (default: the ones shipped in the package)."""
    d = Path(directory) if directory else _default_dir()
    meta = json.loads((d / "delivery_model.json").read_text(encoding="utf-8"))
    with np.load(d / "delivery_model.npz", allow_pickle=False) as z:
        de = TreeEnsemble.from_arrays(z, "de")
        par = TreeEnsemble.from_arrays(z, "param")
        train_z = np.asarray(z["train_z"], dtype=float)
    return DeliveryModel(FeatureSpec.from_dict(meta["spec"]), de, par, train_z, tuple(meta["targets"]),
                         tuple(meta["param_targets"]), np.asarray(meta["interval_offsets_log10"]), meta)


def predict_delivery(df: pd.DataFrame, model: DeliveryModel | None = None) -> pd.DataFrame:
    """``df`` (same rows, same order, all its columns) plus the predicted delivery efficiencies.

    Adds ``<T>_pred``, ``<T>_lo``, ``<T>_hi`` (% of injected dose; interval at the model's coverage) for
    T in DE24, DE168, Demax, then ``out_of_domain`` (bool), ``ood_reason`` and ``notes`` (``; ``-joined).

    Raises
    ------
    nanodds.errors.InputError
        Text in a numeric column (names the row and column).
    """
    m = model or load_model()
    x, clean, notes = m.features(df)
    reasons = m.spec.domain(clean, x, m.train_z)
    pred = m.de.predict(x)
    out = df.copy()
    for j, t in enumerate(m.targets):
        out[f"{t}{PRED_SUFFIX}"] = 10 ** pred[:, j]
        out[f"{t}_lo"] = 10 ** (pred[:, j] + m.offsets_log10[0, j])
        out[f"{t}_hi"] = 10 ** (pred[:, j] + m.offsets_log10[1, j])
    out["out_of_domain"] = [bool(r) for r in reasons]
    out["ood_reason"] = ["; ".join(r) for r in reasons]
    out["notes"] = ["; ".join(n) for n in notes]
    return out


def predict_parameters(df: pd.DataFrame, model: DeliveryModel | None = None) -> pd.DataFrame:
    """Predicted tumour PBPK parameters (Chou et al. 2023 names and units), one row per input row."""
    m = model or load_model()
    x, _, _ = m.features(df)
    return pd.DataFrame(10 ** m.params.predict(x), columns=list(m.param_targets), index=df.index)


def predict_time_course(df: pd.DataFrame, times_h: np.ndarray, model: DeliveryModel | None = None) -> np.ndarray:
    """AI-assisted PBPK: % of injected dose in the tumour at ``times_h`` (h) per row, shape (n_rows, n_times).

    The tumour parameters come from :func:`predict_parameters`; the body weight is the row's ``BW`` (g) or the
    training median when empty. See :mod:`nanodds.design.tumour_pbpk`.
    """
    from nanodds.design.tumour_pbpk import tumour_time_course

    m = model or load_model()
    x, _, _ = m.features(df)
    par = 10 ** m.params.predict(x)
    bw_g = x[:, m.spec.names.index("BW")]
    times = np.asarray(times_h, dtype=float)
    return np.array([tumour_time_course(dict(zip(m.param_targets, p.tolist(), strict=True)), float(bw), times)
                     for p, bw in zip(par, bw_g, strict=True)]).reshape(len(df), times.size)
