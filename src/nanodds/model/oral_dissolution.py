"""Noyes-Whitney dissolution of monodisperse shrinking spheres with Ostwald-Freundlich solubility (oral model).

The rate law, its analytic partial derivatives (for the stiff solver's Jacobian) and the size-dependent
solubility; the lumen model that uses them is :mod:`nanodds.model.oral`, which re-exports these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nanodds.model.oral import DissolutionPhysics, OralDrug


def ostwald_freundlich(cs_inf: float, r_cm: float, drug: OralDrug, temperature_K: float,
                       phys: DissolutionPhysics) -> float:
    """Solubility of a particle of radius ``r_cm``: ``Cs_inf exp(2 gamma Vm / (r R T))`` (r floored)."""
    if not phys.ostwald_freundlich:
        return cs_inf
    r_m = max(r_cm, phys.r_floor_cm) * 1e-2
    vm = drug.molar_volume_cm3_per_mol * 1e-6
    return cs_inf * float(np.exp(2.0 * drug.surface_energy_J_per_m2 * vm / (r_m * phys.gas_constant * temperature_K)))


def dissolution_rate(M: float, n: float, A: float, V_mL: float, r0_cm: float, drug: OralDrug,
                     temperature_K: float, phys: DissolutionPhysics) -> float:
    """Net dissolution rate (mg/h) of ``M`` mg solid made of particles that weighed ``n`` mg at radius ``r0``.

    Negative when the solution is supersaturated with respect to the particles (growth onto them). Below the
    floor radius the particles are treated as floor-sized, which makes the rate linear in ``M`` as ``M -> 0``
    (no finite-time extinction singularity; the mass involved is negligible).
    """
    if M <= 0.0 or n <= 0.0:
        return 0.0
    r = max(r0_cm * (M / n) ** (1.0 / 3.0), phys.r_floor_cm)
    h = phys.diffusion_layer_cm if phys.diffusion_layer_cm is not None else min(r, phys.h_max_cm)
    cs = ostwald_freundlich(drug.solubility_mg_per_mL, r, drug, temperature_K, phys)
    return 3.0 * drug.diffusivity_cm2_per_h * M * (cs - A / V_mL) / (drug.density_mg_per_cm3 * r * h)


def dissolution_partials(M: float, n: float, A: float, V_mL: float, r0_cm: float, drug: OralDrug,
                         temperature_K: float, phys: DissolutionPhysics) -> tuple[float, float, float]:
    """Analytic partial derivatives of :func:`dissolution_rate` with respect to ``M``, ``n`` and ``A``."""
    if M <= 0.0 or n <= 0.0:
        return 0.0, 0.0, 0.0
    r = r0_cm * (M / n) ** (1.0 / 3.0)
    below = r <= phys.r_floor_cm  # rate linear in M there (surface of floor-sized particles)
    r = max(r, phys.r_floor_cm)
    fixed = phys.diffusion_layer_cm is not None
    h = phys.diffusion_layer_cm if fixed else min(r, phys.h_max_cm)
    p = 0.0 if fixed or r >= phys.h_max_cm else 1.0  # h proportional to r^p
    cs = ostwald_freundlich(drug.solubility_mg_per_mL, r, drug, temperature_K, phys)
    dcs_dr = 0.0
    if phys.ostwald_freundlich and r > phys.r_floor_cm:
        a_cm = 2.0 * drug.surface_energy_J_per_m2 * drug.molar_volume_cm3_per_mol * 1e-6 / (
            phys.gas_constant * temperature_K) * 1e2
        dcs_dr = -cs * a_cm / r**2
    c = 3.0 * drug.diffusivity_cm2_per_h / drug.density_mg_per_cm3
    R = c * M * (cs - A / V_mL) / (r * h)
    dR_dr = 0.0 if below else -(1.0 + p) * R / r + c * M * dcs_dr / (r * h)
    return R / M + dR_dr * r / (3.0 * M), -dR_dr * r / (3.0 * n), -c * M / (r * h * V_mL)
