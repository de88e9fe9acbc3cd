"""Mechanistic drug-release models in physical units.

Conventions: time in hours (h), particle radii in nanometres (nm), diffusivities in m^2/s (converted
internally), first-order rate constants in 1/h. Every model is a frozen dataclass with

* ``fraction(t_h)``: cumulative fraction released, an array in [0, 1], non-decreasing in ``t_h``;
* ``rate(t_h)``: d(fraction)/dt in 1/h (where the derivative exists).

:func:`fraction_released` and :func:`release_rate` dispatch on the parameter object, and
:func:`equivalent_first_order_rate` gives ln 2 / t50 for a profile that is not first order.
Equations and sources are in ``docs/release_mechanistic.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nanodds.release.sphere_series import sphere_fraction_dimensionless, sphere_rate_dimensionless

NM_TO_M = 1e-9
S_PER_H = 3600.0

FloatArray = NDArray[np.float64]


class ReleaseModel(Protocol):
    """Anything with ``fraction(t_h)`` (and usually ``rate(t_h)``)."""

    def fraction(self, t_h: ArrayLike) -> FloatArray: ...


def _times(t_h: ArrayLike) -> FloatArray:
    t = np.asarray(t_h, dtype=float)
    if np.any(~np.isfinite(t)):
        raise ValueError("times must be finite")
    return np.maximum(t, 0.0)


def _clip(f: FloatArray) -> FloatArray:
    return np.clip(f, 0.0, 1.0)


def _require_positive(**values: float) -> None:
    for name, v in values.items():
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be > 0, got {v!r}")


# --------------------------------------------------------------------------- Fickian sphere (Crank)
@dataclass(frozen=True)
class SphereDiffusion:
    """Fickian release from a homogeneous sphere into a perfect sink (Crank 1975 eq. 6.20).

    Attributes
    ----------
    radius_nm : float
        Sphere radius R (nm).
    diffusivity_m2_s : float
        Drug diffusivity D in the matrix (m^2/s).
    """

    radius_nm: float
    diffusivity_m2_s: float

    def __post_init__(self) -> None:
        _require_positive(radius_nm=self.radius_nm, diffusivity_m2_s=self.diffusivity_m2_s)

    @property
    def tau_per_h(self) -> float:
        """D / R^2 in 1/h (converts tau = D t / R^2 to hours)."""
        return self.diffusivity_m2_s * S_PER_H / (self.radius_nm * NM_TO_M) ** 2

    @property
    def mean_release_time_h(self) -> float:
        """Analytical mean release time R^2 / (15 D) (h)."""
        return 1.0 / (15.0 * self.tau_per_h)

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        return sphere_fraction_dimensionless(_times(t_h) * self.tau_per_h)

    def rate(self, t_h: ArrayLike) -> FloatArray:
        return sphere_rate_dimensionless(_times(t_h) * self.tau_per_h) * self.tau_per_h


# --------------------------------------------------------------------------- zero-order-then-first-order
def _zero_then_first(t: FloatArray, k1: float, sat: float) -> tuple[FloatArray, FloatArray]:
    """Fraction and rate for a saturated source: constant rate k1*sat until a fraction 1-sat is gone
    (the excess solid/precipitate exhausted), then first order on the dissolved remainder ``sat``."""
    if sat >= 1.0:
        e = np.exp(-k1 * t)
        return 1.0 - e, k1 * e
    t_ex = (1.0 - sat) / (k1 * sat)
    late = t > t_ex
    e = np.exp(-k1 * np.where(late, t - t_ex, 0.0))
    f = np.where(late, 1.0 - sat * e, k1 * sat * t)
    r = np.where(late, k1 * sat * e, k1 * sat)
    return _clip(f), r


@dataclass(frozen=True)
class ReservoirSphere:
    """Membrane-controlled release from a core-shell sphere (reservoir device).

    Steady flux through a spherical shell a < r < b: J = 4 pi D_m K a b C / (b - a) = P A_eff C with
    P = D_m K / h, h = b - a, A_eff = 4 pi a b. While the core holds undissolved drug (C = Cs) the
    release is zero order; afterwards C decays first order with k1 = 3 P b / a^2.

    Attributes
    ----------
    core_radius_nm, shell_thickness_nm : float
        Core radius a and membrane thickness h (nm).
    membrane_diffusivity_m2_s : float
        Drug diffusivity in the membrane D_m (m^2/s).
    partition_coefficient : float
        Membrane/core partition coefficient K (-).
    loading_mg_per_l, solubility_mg_per_l : float
        Total drug per core volume C0 and its solubility in the core Cs (mg/L).
    """

    core_radius_nm: float
    shell_thickness_nm: float
    membrane_diffusivity_m2_s: float
    partition_coefficient: float
    loading_mg_per_l: float
    solubility_mg_per_l: float

    def __post_init__(self) -> None:
        _require_positive(**{k: getattr(self, k) for k in self.__dataclass_fields__})

    @property
    def permeability_m_s(self) -> float:
        """P = D_m K / h (m/s)."""
        return self.membrane_diffusivity_m2_s * self.partition_coefficient / (
            self.shell_thickness_nm * NM_TO_M)

    @property
    def k1_per_h(self) -> float:
        """First-order constant 3 P b / a^2 (1/h) once the core is no longer saturated."""
        a = self.core_radius_nm * NM_TO_M
        b = a + self.shell_thickness_nm * NM_TO_M
        return 3.0 * self.permeability_m_s * b / a**2 * S_PER_H

    @property
    def saturated_fraction(self) -> float:
        """Fraction of the load that is dissolved when the core is saturated, min(1, Cs/C0)."""
        return min(1.0, self.solubility_mg_per_l / self.loading_mg_per_l)

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        return _zero_then_first(_times(t_h), self.k1_per_h, self.saturated_fraction)[0]

    def rate(self, t_h: ArrayLike) -> FloatArray:
        return _zero_then_first(_times(t_h), self.k1_per_h, self.saturated_fraction)[1]


@dataclass(frozen=True)
class SwellingCoatedNanogel:
    """Swelling nanogel core coated with a polymer membrane, releasing through the membrane.

    Volume swelling ratio Q(t) = Q_eq - (Q_eq - 1) exp(-k_sw t); core radius a(t) = a0 Q^(1/3);
    the shell keeps its volume, b(t)^3 - a(t)^3 = b0^3 - a0^3, so it thins as the core swells.
    Dissolved drug (no excess solid) leaves by quasi-steady membrane flux:
    dM/dt = -4 pi D_m K a b / (b - a) * M / V(t) = -k(t) M with k(t) = 3 D_m K b / (a^2 (b - a)),
    hence fraction = 1 - exp(-int_0^t k).

    Attributes
    ----------
    core_radius_nm, shell_thickness_nm : float
        Dry (t = 0) core radius a0 and membrane thickness h0 (nm).
    membrane_diffusivity_m2_s, partition_coefficient : float
        D_m (m^2/s) and K (-) of the membrane (taken constant during swelling).
    equilibrium_swelling_ratio : float
        Q_eq, final core volume / initial core volume (>= 1).
    swelling_rate_per_h : float
        First-order swelling constant k_sw (1/h).
    """

    core_radius_nm: float
    shell_thickness_nm: float
    membrane_diffusivity_m2_s: float
    partition_coefficient: float
    equilibrium_swelling_ratio: float
    swelling_rate_per_h: float

    def __post_init__(self) -> None:
        _require_positive(**{k: getattr(self, k) for k in self.__dataclass_fields__})
        if self.equilibrium_swelling_ratio < 1.0:
            raise ValueError("equilibrium_swelling_ratio must be >= 1")

    def geometry(self, t_h: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Core radius a(t) and outer radius b(t) (nm)."""
        t = _times(t_h)
        q = self.equilibrium_swelling_ratio - (self.equilibrium_swelling_ratio - 1.0) * np.exp(
            -self.swelling_rate_per_h * t)
        a0, h0 = self.core_radius_nm, self.shell_thickness_nm
        a = a0 * np.cbrt(q)
        b = np.cbrt(a**3 + (a0 + h0) ** 3 - a0**3)
        return a, b

    def rate_constant(self, t_h: ArrayLike) -> FloatArray:
        """Instantaneous first-order constant k(t) (1/h)."""
        a, b = self.geometry(t_h)
        k = 3.0 * self.membrane_diffusivity_m2_s * self.partition_coefficient * b / (a**2 * (b - a))
        return k / NM_TO_M**2 * S_PER_H

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        t = _times(t_h)
        flat = t.ravel()
        order = np.argsort(flat)
        cum = np.zeros(flat.size)
        acc, prev = 0.0, 0.0
        for i in order:
            if flat[i] > prev:
                from scipy import integrate  # lazy (start-up)

                acc += integrate.quad(lambda s: float(self.rate_constant(s)), prev, flat[i])[0]
                prev = flat[i]
            cum[i] = acc
        return _clip(1.0 - np.exp(-cum)).reshape(t.shape)

    def rate(self, t_h: ArrayLike) -> FloatArray:
        return (1.0 - self.fraction(t_h)) * self.rate_constant(t_h)


# --------------------------------------------------------------------------- erosion
@dataclass(frozen=True)
class HopfenbergErosion:
    """Surface erosion (Hopfenberg 1976): F = 1 - (1 - k0 t / (C0 a0))^n, n = 3 sphere, 2 cylinder, 1 slab.

    Attributes
    ----------
    erosion_rate_mg_per_m2_h : float
        Zero-order surface erosion constant k0 (mg m^-2 h^-1).
    loading_mg_per_l : float
        Initial drug concentration in the matrix C0 (mg/L).
    radius_nm : float
        Initial radius (half-thickness) a0 (nm).
    shape_factor : int
        n (3 sphere, 2 cylinder, 1 slab).
    """

    erosion_rate_mg_per_m2_h: float
    loading_mg_per_l: float
    radius_nm: float
    shape_factor: int = 3

    def __post_init__(self) -> None:
        _require_positive(erosion_rate_mg_per_m2_h=self.erosion_rate_mg_per_m2_h,
                          loading_mg_per_l=self.loading_mg_per_l, radius_nm=self.radius_nm)
        if self.shape_factor not in (1, 2, 3):
            raise ValueError("shape_factor must be 1, 2 or 3")

    @property
    def k_per_h(self) -> float:
        """k0 / (C0 a0) (1/h); mg/L -> mg/m^3 is x1e3."""
        return self.erosion_rate_mg_per_m2_h / (self.loading_mg_per_l * 1e3 * self.radius_nm * NM_TO_M)

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        x = np.clip(1.0 - self.k_per_h * _times(t_h), 0.0, 1.0)
        return _clip(1.0 - x**self.shape_factor)

    def rate(self, t_h: ArrayLike) -> FloatArray:
        x = np.clip(1.0 - self.k_per_h * _times(t_h), 0.0, 1.0)
        return self.shape_factor * self.k_per_h * x ** (self.shape_factor - 1) * (x > 0)


# --------------------------------------------------------------------------- burst + sustained, liposomes
@dataclass(frozen=True)
class BurstSustained:
    """Biphasic: F = f_b (1 - e^{-k_b t}) + (1 - f_b)(1 - e^{-k_s t}).

    Attributes
    ----------
    burst_fraction : float
        f_b in [0, 1] (-).
    burst_rate_per_h, sustained_rate_per_h : float
        k_b and k_s (1/h).
    """

    burst_fraction: float
    burst_rate_per_h: float
    sustained_rate_per_h: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.burst_fraction <= 1.0:
            raise ValueError("burst_fraction must lie in [0, 1]")
        _require_positive(burst_rate_per_h=self.burst_rate_per_h,
                          sustained_rate_per_h=self.sustained_rate_per_h)

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        t = _times(t_h)
        fb = self.burst_fraction
        return _clip(fb * -np.expm1(-self.burst_rate_per_h * t)
                     + (1.0 - fb) * -np.expm1(-self.sustained_rate_per_h * t))

    def rate(self, t_h: ArrayLike) -> FloatArray:
        t = _times(t_h)
        fb = self.burst_fraction
        return (fb * self.burst_rate_per_h * np.exp(-self.burst_rate_per_h * t)
                + (1.0 - fb) * self.sustained_rate_per_h * np.exp(-self.sustained_rate_per_h * t))


@dataclass(frozen=True)
class FirstOrderLeakage:
    """First-order leakage F = 1 - exp(-k t), k in 1/h."""

    rate_per_h: float

    def __post_init__(self) -> None:
        _require_positive(rate_per_h=self.rate_per_h)

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        return _clip(-np.expm1(-self.rate_per_h * _times(t_h)))

    def rate(self, t_h: ArrayLike) -> FloatArray:
        return self.rate_per_h * np.exp(-self.rate_per_h * _times(t_h))


@dataclass(frozen=True)
class RemoteLoadedLiposome:
    """Leakage of remote-loaded (ammonium-sulfate gradient) drug held as an intraliposomal sulfate gel.

    The dissolved intraliposomal drug stays at its solubility while precipitate remains, so the membrane
    leaks at a constant rate k_m * s (zero order) until the precipitated fraction (1 - s) is exhausted,
    then first order with k_m on the dissolved remainder (Haran 1993; Barenholz 2012).

    Attributes
    ----------
    membrane_rate_per_h : float
        First-order membrane leakage constant of dissolved drug k_m (1/h).
    precipitated_fraction : float
        Fraction of the load in the precipitate at t = 0, 1 - s, in [0, 1) (-).
    """

    membrane_rate_per_h: float
    precipitated_fraction: float

    def __post_init__(self) -> None:
        _require_positive(membrane_rate_per_h=self.membrane_rate_per_h)
        if not 0.0 <= self.precipitated_fraction < 1.0:
            raise ValueError("precipitated_fraction must lie in [0, 1)")

    def fraction(self, t_h: ArrayLike) -> FloatArray:
        return _zero_then_first(_times(t_h), self.membrane_rate_per_h, 1.0 - self.precipitated_fraction)[0]

    def rate(self, t_h: ArrayLike) -> FloatArray:
        return _zero_then_first(_times(t_h), self.membrane_rate_per_h, 1.0 - self.precipitated_fraction)[1]


# generic helpers (dispatch on any model object above) live in profile_tools; re-exported here
from nanodds.release.profile_tools import (  # noqa: E402, F401  (public re-export)
    equivalent_first_order_rate,
    fraction_released,
    release_rate,
    time_to_fraction,
)
