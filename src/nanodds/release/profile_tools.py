"""Generic helpers for release-profile objects (anything with ``fraction(t_h)`` and optionally ``rate(t_h)``)."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


class ReleaseProfile(Protocol):
    """A release model: cumulative fraction released (-) at times in h."""

    def fraction(self, t_h: ArrayLike) -> FloatArray: ...


def fraction_released(t_h: ArrayLike, params: ReleaseProfile) -> FloatArray:
    """Cumulative fraction released at ``t_h`` (h) for any release-profile object."""
    return np.asarray(params.fraction(t_h), dtype=float)


def release_rate(t_h: ArrayLike, params: ReleaseProfile) -> FloatArray:
    """d(fraction)/dt (1/h); analytical where the model defines ``rate``, else a central difference."""
    rate = getattr(params, "rate", None)
    if rate is not None:
        return np.asarray(rate(t_h), dtype=float)
    t = np.maximum(np.asarray(t_h, dtype=float), 0.0)
    h = np.maximum(1e-6, 1e-6 * t)
    return (params.fraction(t + h) - params.fraction(np.maximum(t - h, 0.0))) / (t + h - np.maximum(t - h, 0))


def time_to_fraction(params: ReleaseProfile, target: float, t_max_h: float = 1e7) -> float:
    """Time (h) at which the cumulative fraction first reaches ``target`` (inf if never by t_max_h)."""
    if not 0.0 < target < 1.0:
        raise ValueError("target must lie in (0, 1)")

    def g(t: float) -> float:
        return float(params.fraction(np.array([t]))[0]) - target

    hi = 1e-9
    while g(hi) < 0:
        hi *= 4.0
        if hi > t_max_h:
            return math.inf
    from scipy import optimize  # lazy (start-up)

    return float(optimize.brentq(g, hi / 4.0 if hi > 1e-9 else 0.0, hi, xtol=1e-14, rtol=1e-12))


def equivalent_first_order_rate(params: ReleaseProfile) -> float:
    """ln 2 / t50 (1/h): the first-order constant with the same half-release time as the profile."""
    t50 = time_to_fraction(params, 0.5)
    return 0.0 if math.isinf(t50) else math.log(2.0) / t50
