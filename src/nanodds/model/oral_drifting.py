"""Particle drifting: uptake of undissolved nanoparticles that diffuse into the unstirred water layer (UWL).

Used by :mod:`nanodds.model.oral`. For a lipophilic, highly permeable drug the effective permeability is
taken as limited by the UWL (``Peff = D / h_uwl``, i.e. ``h_uwl = D / Peff``). Drug particles small enough to
diffuse (Stokes-Einstein) also cross that layer and dissolve next to the epithelium, where the dissolved drug
is absorbed; they add a flux proportional to the SOLID concentration (idea of Sugano 2010, J Pharm Sci, particle
drifting effect, recalled, not re-checked)::

    D_p(r) = k_B T / (6 pi eta r)                   (particle diffusivity, cm^2/h)
    P_p    = D_p(r) / h_uwl = Peff D_p(r) / D       (particle permeability of the UWL, cm/h)
    f      = (2 / R) P_p M                          (mg/h of solid taken up, per SI compartment)

Whole particles leave, so the particle count (mass at dosing) falls at ``f n / M`` and the radius is unchanged.
This is an upper bound: particles are assumed to dissolve completely inside the layer (a 100 nm radius
megestrol particle dissolves in about a second, while crossing a 0.2 mm layer takes hours) and the epithelium
is assumed not to limit uptake. For micrometre particles ``D_p / D`` is ~1e-4 and the term vanishes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nanodds.specs.params import load_yaml

FORMULATION_FILE = "oral/formulations.yaml"


@dataclass(frozen=True)
class DriftingConstants:
    """Boltzmann constant (J/K), water viscosity at body temperature (Pa s) and the on/off switch."""

    boltzmann_J_per_K: float
    water_viscosity_Pa_s: float
    enabled: bool = True


def load_drifting_constants() -> DriftingConstants:
    c = load_yaml(FORMULATION_FILE)["constants"]
    return DriftingConstants(boltzmann_J_per_K=c["boltzmann_constant"].to("J/K"),
                             water_viscosity_Pa_s=c["water_viscosity"].to("Pa*s"),
                             enabled=c["particle_drifting"].to("1") > 0.5)


def particle_diffusivity_cm2_per_h(r_cm: float, temperature_K: float, const: DriftingConstants) -> float:
    """Stokes-Einstein diffusivity of a sphere of radius ``r_cm`` in water (cm^2/h)."""
    d_m2_per_s = const.boltzmann_J_per_K * temperature_K / (6.0 * math.pi * const.water_viscosity_Pa_s * r_cm * 1e-2)
    return d_m2_per_s * 1e4 * 3600.0


def drifting_uptake(M: float, n: float, r0_cm: float, r_floor_cm: float, k_cm_per_h: float
                    ) -> tuple[float, float, float, float, float, float]:
    """Uptake ``f = k M / r`` (mg/h), count loss ``g = f n / M`` and their partials in ``M`` and ``n``.

    ``k`` (cm/h) from :func:`drifting_coefficient`; ``r = max(r0 (M / n)^(1/3), r_floor)`` (cm).
    Returns ``(f, df/dM, df/dn, g, dg/dM, dg/dn)``.
    """
    if M <= 0.0 or n <= 0.0 or k_cm_per_h <= 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    r = r0_cm * (M / n) ** (1.0 / 3.0)
    if r <= r_floor_cm:  # f linear in M, radius fixed at the floor
        f = k_cm_per_h * M / r_floor_cm
        g = f * n / M
        return f, f / M, 0.0, g, 0.0, g / n
    f = k_cm_per_h * M / r  # proportional to M^(2/3) n^(1/3)
    g = f * n / M  # proportional to M^(-1/3) n^(4/3)
    return f, 2.0 * f / (3.0 * M), f / (3.0 * n), g, -g / (3.0 * M), 4.0 * g / (3.0 * n)


def drifting_coefficient(peff_cm_per_h: float, radius_cm: float, diffusivity_cm2_per_h: float,
                         temperature_K: float, const: DriftingConstants) -> float:
    """``k`` (cm/h) of :func:`drifting_uptake`: ``(2 / R) Peff D_p(r) r / D``; 0 when switched off.

    ``D_p(r) r`` does not depend on ``r`` (Stokes-Einstein), so ``f = (2 / R) P_p(r) M = k M / r``.
    """
    if not const.enabled:
        return 0.0
    dp_r = particle_diffusivity_cm2_per_h(1.0, temperature_K, const)  # D_p at r = 1 cm, times 1 cm
    return 2.0 / radius_cm * peff_cm_per_h * dp_r / diffusivity_cm2_per_h


__all__ = ["DriftingConstants", "drifting_coefficient", "drifting_uptake", "load_drifting_constants",
           "particle_diffusivity_cm2_per_h"]
