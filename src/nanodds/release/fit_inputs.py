"""Input checks for release fitting: weight schemes and dissolution profiles."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from nanodds.errors import InputError
from nanodds.specs.validity import magnitude_limit

WEIGHTS: tuple[str, ...] = ("none", "1/y", "1/y2")
_WEIGHT_ALIASES = {"none": "none", "1": "none", "1/y": "1/y", "1/y2": "1/y2", "1/y^2": "1/y2"}


def normalise_weight(weight: str) -> str:
    """Canonical weight name; raises :class:`InputError` for unknown schemes."""
    key = _WEIGHT_ALIASES.get(str(weight).strip().lower().replace(" ", ""))
    if key is None:
        raise InputError("weight", weight, "one of none, 1/y, 1/y2")
    return key


def check_profile(t: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Validate a profile and return it as float arrays sorted by time.

    Raises :class:`InputError` for non-numeric, missing or negative times and non-numeric percentages;
    warns (``warnings.warn``) for values above 100 %, below 0 % or a decrease between time points.
    """
    arrays = []
    for name, values in (("time", t), ("percent", y)):
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            bad = next(v for v in values if not _is_number(v))
            raise InputError(name, bad, "a number") from None
        if arr.ndim != 1:
            raise InputError(name, f"array of shape {arr.shape}", "a 1-D sequence")
        bad_idx = np.nonzero(~np.isfinite(arr) | (np.abs(arr) > magnitude_limit()))[0]
        if bad_idx.size:
            raise InputError(name, values[int(bad_idx[0])], f"a finite number of magnitude at most "
                             f"{magnitude_limit():g}")
        arrays.append(arr)
    t_arr, y_arr = arrays
    if t_arr.shape != y_arr.shape:
        raise InputError("percent", f"{y_arr.size} values", f"{t_arr.size} values, one per time")
    if (t_arr < 0).any():
        raise InputError("time", float(t_arr[t_arr < 0][0]), "time >= 0")
    order = np.argsort(t_arr, kind="stable")
    t_arr, y_arr = t_arr[order], y_arr[order]
    if (y_arr > 100.0).any():
        warnings.warn(f"percent above 100 % accepted (max {y_arr.max():.4g} %)", stacklevel=2)
    if (y_arr < 0.0).any():
        warnings.warn(f"percent below 0 % accepted (min {y_arr.min():.4g} %)", stacklevel=2)
    if y_arr.size > 1 and (np.diff(y_arr) < 0).any():
        warnings.warn("percent released decreases between time points (noise accepted)", stacklevel=2)
    return t_arr, y_arr


def _is_number(v: object) -> bool:
    try:
        float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _weights(y: np.ndarray, weight: str) -> np.ndarray:
    if weight == "none":
        return np.ones_like(y)
    with np.errstate(divide="ignore"):
        w = 1.0 / y if weight == "1/y" else 1.0 / (y * y)
    return np.where(y > 0, w, 0.0)
