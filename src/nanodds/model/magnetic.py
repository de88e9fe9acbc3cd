"""Capture of magnetic carriers in a vessel next to an external cylindrical magnet (Furlani & Ng 2006).

After Furlani EP, Ng KC, Phys Rev E 2006;73:061919 (doi:10.1103/PhysRevE.73.061919). A long cylindrical
magnet (radius ``R``, magnetisation ``Ms`` across its axis) lies parallel to the vessel's cross-section, its axis
a distance ``d`` from the vessel axis. Outside the magnet ``|H| = Ms R^2 / (2 r^2)`` with ``r`` the distance from
the magnet axis, so ``grad|H| = -Ms R^2 r_hat / r^3``. A particle with a magnetic core of volume ``Vc`` and
saturation magnetisation ``Msp`` carries ``M = min(3 |H|, Msp)`` along the field (soft sphere, ``f(H)`` of the
paper) and feels ``F = mu0 Vc M grad|H|``. Inertia is neglected (Stokes drag, ``6 pi eta a``), so the particle
moves at the local Poiseuille velocity ``2 U (1 - x^2/Rv^2)`` plus ``F / (6 pi eta a)``.

The motion is followed in the plane through the magnet and vessel axes (the 2-D slice of the paper). A particle
entering at ``z = -L/2`` is captured if it reaches the vessel wall nearest the magnet before ``z = +L/2``.
Capture is monotone in the entry position (closer to the near wall is captured sooner), so the captured fraction
is the flux share of the entry positions below the critical one, found by bisection.

Internally SI (m, s, A/m, Pa s); the public parameter object is built from ``data/magnetic/capture.yaml`` or
from pint-checked values by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nanodds.specs.params import load_yaml

DATA_FILE = "magnetic/capture.yaml"
BISECTION_STEPS = 40  # relative precision 2^-40 of the critical entry position (numerics, not physics)


@dataclass(frozen=True)
class MagneticCapture:
    """Magnet, vessel and particle of one capture problem (SI units, names carry them)."""

    magnet_radius_m: float
    magnet_magnetisation_A_per_m: float
    magnet_distance_m: float
    """Magnet axis to vessel axis."""
    vessel_radius_m: float
    mean_blood_speed_m_per_s: float
    blood_viscosity_Pa_s: float
    core_saturation_magnetisation_A_per_m: float
    particle_radius_m: float
    core_volume_fraction: float
    capture_length_m: float
    mu0_N_per_A2: float
    susceptibility_factor: float

    def __post_init__(self) -> None:
        if self.magnet_distance_m <= self.magnet_radius_m + self.vessel_radius_m:
            raise ValueError(f"magnet_distance {self.magnet_distance_m} m: the vessel would lie inside the "
                             f"magnet (needs > magnet_radius + vessel_radius)")

    def with_(self, **changes: float) -> MagneticCapture:
        """A copy with some fields changed (the object is immutable)."""
        return replace(self, **changes)


_FIELDS = {  # dataclass field -> (data-file key, SI unit)
    "magnet_radius_m": ("magnet_radius", "m"),
    "magnet_magnetisation_A_per_m": ("magnet_magnetisation", "A/m"),
    "magnet_distance_m": ("magnet_distance", "m"),
    "vessel_radius_m": ("vessel_radius", "m"),
    "mean_blood_speed_m_per_s": ("mean_blood_speed", "m/s"),
    "blood_viscosity_Pa_s": ("blood_viscosity", "Pa*s"),
    "core_saturation_magnetisation_A_per_m": ("core_saturation_magnetisation", "A/m"),
    "particle_radius_m": ("particle_radius", "m"),
    "core_volume_fraction": ("core_volume_fraction", "1"),
    "capture_length_m": ("capture_length", "m"),
}


def base_case() -> MagneticCapture:
    """The Furlani & Ng base case of ``data/magnetic/capture.yaml``."""
    data: dict[str, Any] = load_yaml(DATA_FILE)
    case = data["base_case"]
    values = {f: case[key].to(unit) for f, (key, unit) in _FIELDS.items()}
    return MagneticCapture(**values, mu0_N_per_A2=data["physics"]["vacuum_permeability"].to("N/A**2"),
                           susceptibility_factor=data["physics"]["linear_susceptibility_factor"].to("1"))


def field_A_per_m(p: MagneticCapture, r_m: float) -> float:
    """Field strength ``|H| = Ms R^2 / (2 r^2)`` (A/m) at distance ``r_m`` from the magnet axis."""
    return p.magnet_magnetisation_A_per_m * p.magnet_radius_m ** 2 / (2.0 * r_m ** 2)


def velocity_m_per_s(p: MagneticCapture, x_m: float, z_m: float) -> tuple[float, float]:
    """Particle velocity (m/s) at ``(x, z)``: ``x`` across the vessel (magnet side negative), ``z`` along it."""
    big_x = x_m + p.magnet_distance_m
    r2 = big_x * big_x + z_m * z_m
    r = math.sqrt(r2)
    core_m3 = p.core_volume_fraction * 4.0 / 3.0 * math.pi * p.particle_radius_m ** 3
    m_p = min(p.susceptibility_factor * field_A_per_m(p, r), p.core_saturation_magnetisation_A_per_m)
    grad = p.magnet_magnetisation_A_per_m * p.magnet_radius_m ** 2 / (r2 * r)  # |grad |H||, toward the magnet
    mobility = 1.0 / (6.0 * math.pi * p.blood_viscosity_Pa_s * p.particle_radius_m)
    f = p.mu0_N_per_A2 * core_m3 * m_p * grad * mobility
    u = 2.0 * p.mean_blood_speed_m_per_s * max(1.0 - (x_m / p.vessel_radius_m) ** 2, 0.0)
    return -f * big_x / r, u - f * z_m / r


def trajectory(p: MagneticCapture, x0_m: float, z0_m: float, t_end_s: float) -> Any:
    """Integrate one particle path until it hits the near wall, leaves the capture length, or ``t_end_s``.

    Returns the ``scipy`` solution; ``sol.t_events[0]`` holds the capture time if it was captured.
    """
    from scipy.integrate import solve_ivp  # here, not at import: every scenario load imports this module

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        return list(velocity_m_per_s(p, float(y[0]), float(y[1])))

    def hit_wall(_t: float, y: np.ndarray) -> float:
        return float(y[0] + p.vessel_radius_m)

    def passed(_t: float, y: np.ndarray) -> float:
        return float(y[1] - p.capture_length_m / 2.0)

    hit_wall.terminal = True  # type: ignore[attr-defined]
    passed.terminal = True  # type: ignore[attr-defined]
    return solve_ivp(rhs, (0.0, t_end_s), [x0_m, z0_m], events=(hit_wall, passed), rtol=1e-9, atol=1e-13,
                     method="LSODA")


def _captured(p: MagneticCapture, x0_m: float) -> bool:
    t_end = 50.0 * p.capture_length_m / max(p.mean_blood_speed_m_per_s, 1e-12)
    sol = trajectory(p, x0_m, -p.capture_length_m / 2.0, t_end)
    return len(sol.t_events[0]) > 0


def critical_entry_m(p: MagneticCapture) -> float:
    """Entry position (m, across the vessel) below which particles are captured; ``-Rv`` if none is."""
    rv = p.vessel_radius_m
    lo, hi = -rv * (1.0 - 1e-9), rv * (1.0 - 1e-9)
    if not _captured(p, lo):
        return -rv
    if _captured(p, hi):
        return rv
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _captured(p, mid) else (lo, mid)
    return 0.5 * (lo + hi)


def captured_fraction(p: MagneticCapture) -> float:
    """Share (-) of the particle flux through the vessel captured at the near wall (Poiseuille-weighted)."""
    if p.magnet_magnetisation_A_per_m == 0.0 or p.core_volume_fraction == 0.0:
        return 0.0
    s = critical_entry_m(p) / p.vessel_radius_m
    return ((s - s ** 3 / 3.0) + 2.0 / 3.0) / (4.0 / 3.0)


def capture_clearance_L_per_h(fraction: float, blood_flow_L_per_h: float) -> float:
    """First-order capture clearance (L/h) of circulating carriers into the targeted tissue."""
    return fraction * blood_flow_L_per_h
