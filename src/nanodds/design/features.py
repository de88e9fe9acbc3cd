"""Feature pipeline of the delivery predictor: Nano-Tumor DB columns (+ ``MAT``) to a numeric matrix.

Numeric properties (``HD`` nm, ``Zeta`` mV magnitude, ``TSz``, ``TW`` g, ``Dose`` mg/kg, ``BW`` g) enter on
log10 scale where they span decades; an empty cell is imputed with the training median and, where the training
data had empty cells too, flagged by an indicator column. Categorical properties are one-hot coded: a level
seen in at least ``min_category_count`` training sets has its own column, rarer and unknown levels go to
``<col>=other``, an empty cell sets no column. Everything done to a row is written to its ``notes``; the
domain check (:meth:`FeatureSpec.domain`) says why a row is out of the training domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nanodds.errors import InputError

__all__ = ["CATEGORICAL", "NUMERIC", "FeatureSpec", "clean_input", "fit_spec"]

NUMERIC: dict[str, bool] = {"HD": True, "Zeta": False, "TSz": True, "TW": True, "Dose": True, "BW": False}
"""Numeric input columns and whether each enters on log10 scale."""
POSITIVE: tuple[str, ...] = ("HD", "TSz", "TW", "Dose", "BW")
"""Columns whose values must be > 0 (a size, weight or dose of zero or less is impossible)."""
CATEGORICAL: tuple[str, ...] = ("Type", "TS", "Shape", "TM", "CT", "MAT", "Charge")
"""Categorical input columns (``Charge`` is a code, 0/1/2, treated as a category)."""


def _norm_level(v: Any) -> str | None:
    """Category cell -> normalised level (stripped, lower case, ``2.0`` -> ``2``); ``None`` when empty."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip().lower()
    if not s or s == "nan":
        return None
    try:
        f = float(s)
    except ValueError:
        return s
    return str(int(f)) if f.is_integer() else s


def clean_input(df: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    """Typed copy of the feature columns and a list of notes per row.

    Numeric columns must hold numbers or empty cells (text raises :class:`InputError` naming row and column).
    A non-positive size, weight or dose is set empty and noted; a negative ``Zeta`` is taken as its
    magnitude (the database records magnitudes) and noted. Missing columns are all-empty.

    Raises
    ------
    InputError
        A numeric cell that is not a number (field ``row N, column C``; N counts data rows from 1).
    """
    out = pd.DataFrame(index=df.index)
    notes: list[list[str]] = [[] for _ in range(len(df))]
    for col in NUMERIC:
        raw = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
        text = raw.astype(str).str.strip()
        empty = raw.isna() | (text == "") | (text.str.lower() == "nan")
        num = pd.to_numeric(text.where(~empty, None), errors="coerce")
        bad = num.isna() & ~empty
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"row {i + 1}, column {col}", raw.iloc[i], "a number or an empty cell")
        vals = num.to_numpy(dtype=float, copy=True)
        for i in np.flatnonzero(np.isinf(vals)):
            notes[i].append(f"{col}={raw.iloc[i]} is not finite; treated as missing")
            vals[i] = np.nan
        if col in POSITIVE:
            for i in np.flatnonzero(vals <= 0):
                notes[i].append(f"{col}={vals[i]:g} is not > 0; treated as missing")
                vals[i] = np.nan
        elif col == "Zeta":
            for i in np.flatnonzero(vals < 0):
                notes[i].append(f"Zeta={vals[i]:g} taken as its magnitude (the database records |zeta|)")
                vals[i] = -vals[i]
        out[col] = vals
    for col in CATEGORICAL:
        raw = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
        out[col] = pd.Series([_norm_level(v) for v in raw], index=df.index, dtype=object)
    return out, notes


def _levels(clean: pd.DataFrame, col: str) -> list[str | None]:
    """Levels of a categorical column of a :func:`clean_input` frame, ``None`` where empty."""
    return [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in clean[col]]


@dataclass(frozen=True)
class FeatureSpec:
    """Everything the pipeline learned from the training data (stored in the model file).

    Attributes
    ----------
    medians : dict
        Training median of each numeric feature on its model scale (log10 where ``NUMERIC`` says so).
    ranges : dict
        Training (min, max) of each numeric column on its input scale.
    indicators : tuple of str
        Numeric columns with a missing-value indicator feature.
    levels : dict
        Levels with their own one-hot column, per categorical column.
    seen : dict
        Every level seen in training, per categorical column (rare ones map to ``other`` without a note
        of novelty).
    max_missing : int
        Most empty properties of any training row.
    center, scale : tuple of float
        Standardisation of the feature matrix for the domain distance.
    distance_limit : float
        Nearest-training-row distance beyond which a row is out of domain.
    """

    medians: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    indicators: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    seen: dict[str, tuple[str, ...]]
    max_missing: int
    center: tuple[float, ...] = field(default=())
    scale: tuple[float, ...] = field(default=())
    distance_limit: float = float("inf")

    @property
    def names(self) -> list[str]:
        """Feature (column) names of the matrix :meth:`transform` returns."""
        out = [f"log10_{c}" if lg else c for c, lg in NUMERIC.items()]
        out += [f"{c}_missing" for c in self.indicators]
        for c in CATEGORICAL:
            out += [f"{c}={lv}" for lv in self.levels[c]] + [f"{c}=other"]
        return out

    def transform(self, clean: pd.DataFrame, notes: list[list[str]] | None = None) -> np.ndarray:
        """Feature matrix of a :func:`clean_input` frame; appends imputation/mapping notes to ``notes``."""
        n = len(clean)
        notes = notes if notes is not None else [[] for _ in range(n)]
        cols: list[np.ndarray] = []
        for c, lg in NUMERIC.items():
            v = clean[c].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(v) if lg else v.copy()
            miss = np.isnan(v)
            for i in np.flatnonzero(miss):
                notes[i].append(f"{c} missing; imputed with training median")
            v[miss] = self.medians[c]
            cols.append(v)
        for c in self.indicators:
            cols.append(clean[c].isna().to_numpy(dtype=float))
        for c in CATEGORICAL:
            vals = _levels(clean, c)
            for lv in self.levels[c]:
                cols.append(np.array([x == lv for x in vals], dtype=float))
            other = np.array([x is not None and x not in self.levels[c] for x in vals], dtype=float)
            cols.append(other)
            for i, x in enumerate(vals):
                if x is None:
                    notes[i].append(f"{c} missing")
                elif x not in self.seen[c]:
                    notes[i].append(f"{c}={x!r} unknown; mapped to 'other'")
        return np.column_stack(cols) if cols else np.zeros((n, 0))

    def domain(self, clean: pd.DataFrame, x: np.ndarray, train_z: np.ndarray | None) -> list[list[str]]:
        """Reasons per row for being outside the training domain (empty list: inside).

        ``train_z`` is the standardised training matrix (``None``: no distance check, as during fitting).
        """
        reasons: list[list[str]] = [[] for _ in range(len(clean))]
        for c in NUMERIC:
            lo, hi = self.ranges[c]
            v = clean[c].to_numpy(dtype=float)
            for i in np.flatnonzero((v < lo) | (v > hi)):
                reasons[i].append(f"{c}={v[i]:g} outside training range {lo:g}-{hi:g}")
        for c in CATEGORICAL:
            for i, lv in enumerate(_levels(clean, c)):
                if lv is not None and lv not in self.seen[c]:
                    reasons[i].append(f"unknown {c} {lv!r}")
        n_missing = clean[list(NUMERIC) + list(CATEGORICAL)].isna().sum(axis=1).to_numpy()
        for i in np.flatnonzero(n_missing > self.max_missing):
            reasons[i].append(f"{n_missing[i]} properties missing (training rows: at most {self.max_missing})")
        if train_z is not None:
            d = nearest_distance(self.standardize(x), train_z)
            for i in np.flatnonzero(d > self.distance_limit):
                reasons[i].append(f"far from training sets (distance {d[i]:.2f} > {self.distance_limit:.2f})")
        return reasons

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """``(x - center) / scale`` for the domain distance."""
        return (x - np.asarray(self.center)) / np.asarray(self.scale)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"medians": self.medians, "ranges": {k: list(v) for k, v in self.ranges.items()},
                "indicators": list(self.indicators), "levels": {k: list(v) for k, v in self.levels.items()},
                "seen": {k: list(v) for k, v in self.seen.items()}, "max_missing": self.max_missing,
                "center": list(self.center), "scale": list(self.scale), "distance_limit": self.distance_limit}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(medians={k: float(v) for k, v in d["medians"].items()},
                   ranges={k: (float(v[0]), float(v[1])) for k, v in d["ranges"].items()},
                   indicators=tuple(d["indicators"]), levels={k: tuple(v) for k, v in d["levels"].items()},
                   seen={k: tuple(v) for k, v in d["seen"].items()}, max_missing=int(d["max_missing"]),
                   center=tuple(d["center"]), scale=tuple(d["scale"]), distance_limit=float(d["distance_limit"]))


def nearest_distance(z: np.ndarray, train_z: np.ndarray, *, exclude_self: bool = False) -> np.ndarray:
    """Euclidean distance of each row of ``z`` to its nearest row of ``train_z`` (RMS over features)."""
    d2 = ((z[:, None, :] - train_z[None, :, :]) ** 2).mean(axis=2)
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    return np.sqrt(d2.min(axis=1))


def fit_spec(train: pd.DataFrame, *, min_category_count: int,
             distance_quantile: float) -> tuple[FeatureSpec, np.ndarray]:
    """Learn a :class:`FeatureSpec` from training rows (raw datasets.csv columns + ``MAT``).

    Returns the spec and the standardised training matrix (for the domain distance).
    """
    clean, _ = clean_input(train)
    medians, ranges = {}, {}
    for c, lg in NUMERIC.items():
        v = clean[c].to_numpy(dtype=float)
        ok = v[~np.isnan(v)]
        ranges[c] = (float(ok.min()), float(ok.max()))
        medians[c] = float(np.median(np.log10(ok) if lg else ok))
    indicators = tuple(c for c in NUMERIC if clean[c].isna().any())
    levels, seen = {}, {}
    for c in CATEGORICAL:
        counts = clean[c].dropna().value_counts()
        seen[c] = tuple(sorted(counts.index))
        levels[c] = tuple(sorted(lv for lv, k in counts.items() if k >= min_category_count and lv != "other"))
    max_missing = int(clean[list(NUMERIC) + list(CATEGORICAL)].isna().sum(axis=1).max())
    base = FeatureSpec(medians, ranges, indicators, levels, seen, max_missing)
    x = base.transform(clean)
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - center) / scale
    limit = float(np.quantile(nearest_distance(z, z, exclude_self=True), distance_quantile))
    spec = FeatureSpec(medians, ranges, indicators, levels, seen, max_missing,
                       tuple(float(v) for v in center), tuple(float(v) for v in scale), limit)
    return spec, z
