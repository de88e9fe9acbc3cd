"""Kinetic (non-sigmoid) release models of the DDSolver catalogue.

Equations follow Zhang Y, Huo M, Zhou J, Zou A, Li W, Yao C, Xie S. DDSolver: an add-in program for
modeling and comparison of drug dissolution profiles. AAPS J 2010;12(3):263-271,
doi:10.1208/s12248-010-9185-1 (Table I). ``F`` is percent released (%), ``t`` is time in the data time
unit ``T``.
"""

from __future__ import annotations

import numpy as np

from nanodds.release.model_base import (
    DataSummary,
    Param,
    ReleaseModel,
    with_f0,
    with_fmax,
    with_tlag,
)

LN2 = float(np.log(2.0))


def _slope0(s: DataSummary, x: np.ndarray) -> float:
    """Least-squares slope through the origin of ``y`` on ``x`` (x already transformed)."""
    den = float(np.sum(x * x))
    return float(np.sum(x * s.y) / den) if den > 0 else 1.0


def zero_order(t: np.ndarray, k0: float) -> np.ndarray:
    """Zero order: ``F = k0·t`` (k0 in %/T)."""
    return k0 * t


def first_order(t: np.ndarray, k1: float) -> np.ndarray:
    """First order: ``F = 100·[1 − exp(−k1·t)]`` (k1 in 1/T)."""
    return 100.0 * (1.0 - np.exp(-k1 * t))


def higuchi(t: np.ndarray, kH: float) -> np.ndarray:
    """Higuchi: ``F = kH·t^0.5`` (kH in %/T^0.5)."""
    return kH * np.sqrt(t)


def korsmeyer_peppas(t: np.ndarray, kKP: float, n: float) -> np.ndarray:
    """Korsmeyer-Peppas: ``F = kKP·t^n`` (kKP in %/T^n, n dimensionless)."""
    return kKP * t**n


def hopfenberg(t: np.ndarray, kHB: float, n: float) -> np.ndarray:
    """Hopfenberg: ``F = 100·[1 − (1 − kHB·t)^n]``, ``1 − kHB·t`` floored at 0 (kHB in 1/T).

    ``n`` = 1, 2, 3 for slab, cylinder, sphere; DDSolver fits ``n`` freely.
    """
    return 100.0 * (1.0 - np.maximum(1.0 - kHB * t, 0.0) ** n)


def hixson_crowell(t: np.ndarray, kHC: float) -> np.ndarray:
    """Hixson-Crowell (cube root law): ``F = 100·[1 − (1 − kHC·t)^3]`` (kHC in 1/T).

    Identical to :func:`hopfenberg` with ``n = 3`` and ``kHB = kHC``.
    """
    return hopfenberg(t, kHC, 3.0)


def baker_lonsdale(t: np.ndarray, kBL: float) -> np.ndarray:
    """Baker-Lonsdale: ``(3/2)·[1 − (1 − F/100)^(2/3)] − F/100 = kBL·t`` solved for F (kBL in 1/T).

    With ``u = (1 − F/100)^(1/3)`` the equation is the cubic ``u³ − 1.5u² + 0.5 − c = 0``, ``c = kBL·t``;
    its root in [0, 1] is ``u = 0.5 + cos(arccos(4c − 1)/3 − 2π/3)`` for ``0 ≤ c ≤ 0.5``; ``F = 100`` for
    ``c ≥ 0.5`` (release complete).
    """
    c = np.clip(kBL * t, 0.0, 0.5)
    u = 0.5 + np.cos(np.arccos(np.clip(4.0 * c - 1.0, -1.0, 1.0)) / 3.0 - 2.0 * np.pi / 3.0)
    return 100.0 * (1.0 - np.clip(u, 0.0, 1.0) ** 3)


def makoid_banakar(t: np.ndarray, kMB: float, n: float, k: float) -> np.ndarray:
    """Makoid-Banakar: ``F = kMB·t^n·exp(−k·t)`` (kMB in %/T^n, k in 1/T)."""
    return kMB * t**n * np.exp(-k * t)


def peppas_sahlin_1(t: np.ndarray, k1: float, k2: float, m: float) -> np.ndarray:
    """Peppas-Sahlin 1: ``F = k1·t^m + k2·t^(2m)`` (k1 in %/T^m, k2 in %/T^(2m))."""
    return k1 * t**m + k2 * t ** (2.0 * m)


def peppas_sahlin_2(t: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """Peppas-Sahlin 2 (m = 0.5): ``F = k1·t^0.5 + k2·t`` (k1 in %/T^0.5, k2 in %/T)."""
    return k1 * np.sqrt(t) + k2 * t


def quadratic(t: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """Quadratic: ``F = 100·(k1·t² + k2·t)`` (k1 in 1/T², k2 in 1/T)."""
    return 100.0 * (k1 * t * t + k2 * t)


def _build() -> list[ReleaseModel]:
    m_zero = ReleaseModel(
        "zero_order", "Zero-order", "F = k0·t", (Param("k0", "%/T"),), zero_order,
        lambda s: (_slope0(s, s.t),),
    )
    m_first = ReleaseModel(
        "first_order", "First-order", "F = 100·[1 − exp(−k1·t)]", (Param("k1", "1/T"),), first_order,
        lambda s: (LN2 / s.t50,),
    )
    m_hig = ReleaseModel(
        "higuchi", "Higuchi", "F = kH·t^0.5", (Param("kH", "%/T^0.5"),), higuchi,
        lambda s: (_slope0(s, np.sqrt(s.t)),),
    )
    m_kp = ReleaseModel(
        "korsmeyer_peppas", "Korsmeyer-Peppas", "F = kKP·t^n",
        (Param("kKP", "%/T^n"), Param("n", "-", 1e-3, 5.0)), korsmeyer_peppas,
        lambda s: (0.5 * s.ymax / np.sqrt(s.t50), 0.5),
    )
    m_hc = ReleaseModel(
        "hixson_crowell", "Hixson-Crowell", "F = 100·[1 − (1 − kHC·t)^3]", (Param("kHC", "1/T"),),
        hixson_crowell, lambda s: ((1.0 - 0.5 ** (1 / 3)) / s.t50,),
    )
    m_hb = ReleaseModel(
        "hopfenberg", "Hopfenberg", "F = 100·[1 − (1 − kHB·t)^n]",
        (Param("kHB", "1/T"), Param("n", "-", 1e-2, 50.0)), hopfenberg,
        lambda s: ((1.0 - 0.5**0.5) / s.t50, 2.0),
    )
    m_bl = ReleaseModel(
        "baker_lonsdale", "Baker-Lonsdale", "(3/2)·[1 − (1 − F/100)^(2/3)] − F/100 = kBL·t",
        (Param("kBL", "1/T"),), baker_lonsdale,
        lambda s: ((1.5 * (1 - 0.5 ** (2 / 3)) - 0.5) / s.t50,),
    )
    m_mb = ReleaseModel(
        "makoid_banakar", "Makoid-Banakar", "F = kMB·t^n·exp(−k·t)",
        (Param("kMB", "%/T^n"), Param("n", "-", 1e-3, 5.0), Param("k", "1/T", 0.0, np.inf)),
        makoid_banakar, lambda s: (0.5 * s.ymax / np.sqrt(s.t50), 0.5, 0.1 / s.tmax),
    )
    m_ps1 = ReleaseModel(
        "peppas_sahlin_1", "Peppas-Sahlin 1", "F = k1·t^m + k2·t^(2m)",
        (Param("k1", "%/T^m", -np.inf), Param("k2", "%/T^(2m)", -np.inf), Param("m", "-", 1e-2, 5.0)),
        peppas_sahlin_1, lambda s: (0.5 * s.ymax / s.t50**0.45, 0.0, 0.45),
    )
    m_ps2 = ReleaseModel(
        "peppas_sahlin_2", "Peppas-Sahlin 2", "F = k1·t^0.5 + k2·t",
        (Param("k1", "%/T^0.5", -np.inf), Param("k2", "%/T", -np.inf)), peppas_sahlin_2,
        lambda s: (_slope0(s, np.sqrt(s.t)), 0.0),
    )
    m_quad = ReleaseModel(
        "quadratic", "Quadratic", "F = 100·(k1·t^2 + k2·t)",
        (Param("k1", "1/T^2", -np.inf), Param("k2", "1/T", -np.inf)), quadratic,
        lambda s: (0.0, _slope0(s, s.t) / 100.0),
    )
    m_first_fmax = with_fmax(m_first)
    return [
        m_zero, with_tlag(m_zero), with_f0(m_zero),
        m_first, with_tlag(m_first), m_first_fmax,
        with_tlag(m_first_fmax, name="first_order_tlag_fmax", label="First-order with Tlag and Fmax"),
        m_hig, with_tlag(m_hig), with_f0(m_hig),
        m_kp, with_tlag(m_kp), with_f0(m_kp),
        m_hc, with_tlag(m_hc),
        m_hb, with_tlag(m_hb),
        m_bl, with_tlag(m_bl),
        m_mb, with_tlag(m_mb),
        m_ps1, with_tlag(m_ps1),
        m_ps2, with_tlag(m_ps2),
        m_quad,
    ]  # fmt: skip


KINETIC_MODELS: tuple[ReleaseModel, ...] = tuple(_build())
