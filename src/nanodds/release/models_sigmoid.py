"""Sigmoid (distribution-function) release models: Weibull, logistic, Gompertz, probit, Hill.

Weibull, logistic, Gompertz and probit follow DDSolver (Zhang et al. 2010, AAPS J 12:263,
doi:10.1208/s12248-010-9185-1, Table I). ``ln`` is the natural logarithm: DDSolver writes ``log``; if a
base-10 logarithm is meant, only ``β`` changes (``β_10 = β_ln·ln 10``) and fitted curves are identical.
The Hill (log-logistic) model is the sigmoid Emax form used e.g. by Phoenix IVIVC (model 601); it is
the logistic model reparameterised with a half-release time ``T50``. ``F`` is percent released (%),
``t`` the data time unit ``T``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from nanodds.release.model_base import Param, ReleaseModel, with_fmax, with_tlag

LN2 = float(np.log(2.0))


def weibull(t: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Weibull 1: ``F = 100·[1 − exp(−t^β/α)]`` (α in T^β, β dimensionless).

    With ``β = 1`` it is first order with ``k1 = 1/α``.
    """
    return 100.0 * (1.0 - np.exp(-(t**beta) / alpha))


def logistic(t: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Logistic 1: ``F = 100·exp(α + β·ln t)/[1 + exp(α + β·ln t)]`` (α, β dimensionless).

    Evaluated as ``100·x/(1 + x)`` with ``x = exp(α)·t^β`` so that ``t = 0`` gives 0.
    """
    x = np.exp(alpha) * t**beta
    return 100.0 * np.where(np.isinf(x), 1.0, x / (1.0 + x))


def gompertz(t: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Gompertz 1: ``F = 100·exp[−α·exp(−β·ln t)]`` = ``100·exp(−α·t^(−β))`` (α in T^β)."""
    safe = np.where(t > 0, t, 1.0)
    return 100.0 * np.where(t > 0, np.exp(-alpha * safe ** (-beta)), 0.0)


def probit(t: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Probit 1: ``F = 100·Φ(α + β·ln t)``, Φ the standard normal CDF (α, β dimensionless)."""
    return 100.0 * ndtr(alpha + beta * np.log(np.where(t > 0, t, 0.0)))


def hill(t: np.ndarray, t50: float, gamma: float, fmax: float) -> np.ndarray:
    """Hill (log-logistic): ``F = Fmax·t^γ/(T50^γ + t^γ)`` (T50 in T, γ dimensionless, Fmax in %)."""
    x = (t / t50) ** gamma
    return fmax * np.where(np.isinf(x), 1.0, x / (1.0 + x))


def _build() -> list[ReleaseModel]:
    m_w = ReleaseModel(
        "weibull", "Weibull 1", "F = 100·[1 − exp(−t^β/α)]",
        (Param("alpha", "T^β", 1e-12), Param("beta", "-", 1e-2, 20.0)), weibull,
        lambda s: (s.t50 / LN2, 1.0),
    )
    m_w_fmax = with_fmax(m_w, name="weibull_fmax", label="Weibull 3 (with Fmax)")
    m_l = ReleaseModel(
        "logistic", "Logistic 1", "F = 100·exp(α + β·ln t)/[1 + exp(α + β·ln t)]",
        (Param("alpha", "-", -np.inf), Param("beta", "-", 0.0, 50.0)), logistic,
        lambda s: (-2.0 * np.log(s.t50), 2.0),
    )
    m_g = ReleaseModel(
        "gompertz", "Gompertz 1", "F = 100·exp[−α·exp(−β·ln t)]",
        (Param("alpha", "T^β", 0.0), Param("beta", "-", 0.0, 50.0)), gompertz,
        lambda s: (LN2 * s.t50, 1.0),
    )
    m_p = ReleaseModel(
        "probit", "Probit 1", "F = 100·Φ(α + β·ln t)",
        (Param("alpha", "-", -np.inf), Param("beta", "-", 0.0, 50.0)), probit,
        lambda s: (-np.log(s.t50), 1.0),
    )
    m_h = ReleaseModel(
        "hill", "Hill (log-logistic)", "F = Fmax·t^γ/(T50^γ + t^γ)",
        (Param("T50", "T", 1e-12), Param("gamma", "-", 1e-2, 50.0), Param("Fmax", "%", 0.0, 200.0)),
        hill, lambda s: (s.t50, 2.0, s.ymax), ddsolver=False,
    )
    return [
        m_w,
        with_tlag(m_w, name="weibull_tlag", label="Weibull 2 (with Tlag)"),
        m_w_fmax,
        with_tlag(m_w_fmax, name="weibull_tlag_fmax", label="Weibull 4 (with Tlag and Fmax)"),
        m_l, with_fmax(m_l, label="Logistic 2 (with Fmax)"),
        m_g, with_fmax(m_g, label="Gompertz 2 (with Fmax)"),
        m_p, with_fmax(m_p, label="Probit 2 (with Fmax)"),
        m_h, with_tlag(m_h),
    ]  # fmt: skip


SIGMOID_MODELS: tuple[ReleaseModel, ...] = tuple(_build())
