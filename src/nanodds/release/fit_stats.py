"""Goodness-of-fit statistics and parameter uncertainty for release-model fits.

Conventions (``n`` points, ``p`` parameters, weights ``w_i``, observed ``y_i``, fitted ``ŷ_i``):

- ``SSR = Σ w_i (y_i − ŷ_i)²`` (weighted residual sum of squares; plain SSR when unweighted)
- ``SST = Σ w_i (y_i − ȳ_w)²`` with ``ȳ_w = Σ w_i y_i / Σ w_i``
- ``R2 = 1 − SSR/SST``; ``R2adj = 1 − (1 − R2)(n − 1)/(n − p)``
- ``RMSE = sqrt(SSR/(n − p))`` (DDSolver's "MSE_root")
- ``AIC = n·ln(SSR) + 2p`` (DDSolver convention; constant terms of the Gaussian likelihood dropped, so
  only differences between models fitted to the same data are meaningful)
- ``BIC = n·ln(SSR) + p·ln(n)``
- ``MSC = ln(SST/SSR) − 2p/n`` (model selection criterion, MicroMath Scientist; larger is better)

Standard errors come from the Jacobian ``J`` of the weighted residuals at the optimum:
``Cov = s²·(JᵀJ)⁻¹`` with ``s² = SSR/(n − p)``; 95 % confidence intervals are
``θ ± t_{0.975, n−p}·SE`` (Student t). With ``n = p`` or a singular ``JᵀJ`` they are not available.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats as sstats

__all__ = ["RANK_KEYS", "fit_statistics", "parameter_uncertainty"]

#: ranking criteria and their sign (+1: smaller is better, -1: larger is better)
RANK_KEYS: dict[str, int] = {"AIC": 1, "BIC": 1, "MSC": -1, "R2adj": -1}


def fit_statistics(y: np.ndarray, yhat: np.ndarray, w: np.ndarray, p: int) -> dict[str, float]:
    """Goodness-of-fit statistics (see module docstring for formulas; ``y`` in %)."""
    n = int(y.size)
    ssr = float(np.sum(w * (y - yhat) ** 2))
    ybar = float(np.sum(w * y) / np.sum(w))
    sst = float(np.sum(w * (y - ybar) ** 2))
    dof = n - p
    r2 = 1.0 - ssr / sst if sst > 0 else np.nan
    r2adj = 1.0 - (1.0 - r2) * (n - 1) / dof if dof > 0 else np.nan
    ssr_log = np.log(max(ssr, 1e-300))
    return {
        "n": n,
        "p": p,
        "SSR": ssr,
        "R2": r2,
        "R2adj": r2adj,
        "RMSE": float(np.sqrt(ssr / dof)) if dof > 0 else np.nan,
        "AIC": float(n * ssr_log + 2 * p),
        "BIC": float(n * ssr_log + p * np.log(n)),
        "MSC": float(np.log(sst / max(ssr, 1e-300)) - 2.0 * p / n) if sst > 0 else np.nan,
    }


@lru_cache(maxsize=256)
def _t975(dof: int) -> float:
    """Two-sided 95 % Student-t quantile (cached: the same few degrees of freedom recur in a fit-all)."""
    return float(sstats.t.ppf(0.975, dof))


def parameter_uncertainty(
    jac: np.ndarray, x: np.ndarray, ssr: float, n: int, p: int
) -> tuple[list[float | None], list[list[float] | None]]:
    """Standard errors and 95 % t-intervals from the residual Jacobian (``None`` when unavailable)."""
    dof = n - p
    if dof <= 0:
        return [None] * p, [None] * p
    jtj = jac.T @ jac
    if not np.all(np.isfinite(jtj)) or np.linalg.matrix_rank(jtj) < p:
        return [None] * p, [None] * p
    cov = np.linalg.inv(jtj) * (ssr / dof)
    var = np.diag(cov)
    tq = _t975(dof)
    se: list[float | None] = []
    ci: list[list[float] | None] = []
    for xi, v in zip(x, var, strict=True):
        if np.isfinite(v) and v >= 0:
            s = float(np.sqrt(v))
            se.append(s)
            ci.append([float(xi - tq * s), float(xi + tq * s)])
        else:
            se.append(None)
            ci.append(None)
    return se, ci
