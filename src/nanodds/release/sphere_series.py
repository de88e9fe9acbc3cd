"""Crank (1975) series for diffusion out of a sphere with zero surface concentration (dimensionless).

``tau = D t / R^2``. Used by :class:`nanodds.release.mechanistic.SphereDiffusion` and the stimuli models.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

_SHORT_TIME_TAU = 0.05  # switch point of the two exact expansions of Crank eq. 6.20 / 6.21 (numerics only)
_SERIES_TERMS = 400

FloatArray = NDArray[np.float64]


def _ierfc(x: FloatArray) -> FloatArray:
    """First repeated integral of erfc: exp(-x^2)/sqrt(pi) - x erfc(x)."""
    from scipy import special  # lazy: scipy.special is ~0.2 s of every start-up

    return np.exp(-x * x) / math.sqrt(math.pi) - x * special.erfc(x)


def sphere_fraction_dimensionless(tau: ArrayLike) -> FloatArray:
    """Crank (1975) eq. 6.20 for a sphere with zero surface concentration, tau = D t / R^2.

    For tau < 0.05 the equivalent short-time form (Crank eq. 6.21) is used,
    ``6 sqrt(tau) [1/sqrt(pi) + 2 sum ierfc(n / sqrt(tau))] - 3 tau``, which converges fast where the
    exponential series needs many terms.
    """
    tau = np.maximum(np.asarray(tau, dtype=float), 0.0)
    out = np.empty_like(tau)
    small = tau < _SHORT_TIME_TAU
    if np.any(small):
        ts = tau[small]
        sq = np.sqrt(ts)
        pos = sq > 0
        arg = 1.0 / np.where(pos, sq, 1.0)
        acc = np.zeros_like(ts)
        for n in range(1, 4):
            acc += np.where(pos, _ierfc(n * arg), 0.0)
        out[small] = 6.0 * sq * (1.0 / math.sqrt(math.pi) + 2.0 * acc) - 3.0 * ts
    if np.any(~small):
        tl = tau[~small][:, None]
        n = np.arange(1, _SERIES_TERMS + 1, dtype=float)[None, :]
        series = np.sum(np.exp(-(n**2) * math.pi**2 * tl) / n**2, axis=1)
        out[~small] = 1.0 - 6.0 / math.pi**2 * series
    return np.clip(out, 0.0, 1.0)


def sphere_rate_dimensionless(tau: ArrayLike) -> FloatArray:
    """d(fraction)/d(tau) of :func:`sphere_fraction_dimensionless` (singular as 3/sqrt(pi tau) at 0)."""
    tau = np.maximum(np.asarray(tau, dtype=float), 1e-300)
    out = np.empty_like(tau)
    small = tau < _SHORT_TIME_TAU
    if np.any(small):
        ts = tau[small]
        # derivative of 6 sqrt(tau)/sqrt(pi) - 3 tau (ierfc terms < 1e-20 here)
        out[small] = 3.0 / np.sqrt(math.pi * ts) - 3.0
    if np.any(~small):
        tl = tau[~small][:, None]
        n = np.arange(1, _SERIES_TERMS + 1, dtype=float)[None, :]
        out[~small] = 6.0 * np.sum(np.exp(-(n**2) * math.pi**2 * tl), axis=1)
    return out
