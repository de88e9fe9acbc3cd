"""Ligand-mediated adhesion of particles to an injured or inflamed vessel wall under shear.

Probability of adhesion of a sphere of radius ``a`` touching a receptor-coated wall in linear shear (Decuzzi P,
Ferrari M. Biomaterials 2006;27:5307, doi:10.1016/j.biomaterials.2006.05.024, sphere limit; bond dissociation
under force after Bell GI. Science 1978;200:618, doi:10.1126/science.347575)::

    P_a = m_r m_l K_a0 pi r0^2 exp(-lambda F_dis / (k_B T m_r pi r0^2))

with ``m_r``, ``m_l`` the receptor and ligand surface densities, ``K_a0`` the 2D association constant at zero
load, ``lambda`` Bell's reactive compliance length and ``r0 = sqrt(2 a delta - delta^2)`` the radius of the
contact cap within the bond reach ``delta``. The dislodging force is the Goldman-Cox-Brenner drag plus the torque
carried by the bonds at the cap's edge, ``F_dis = F + T / r0`` with ``F = 6 pi mu a^2 S x 1.7005`` and
``T = 4 pi mu a^3 S x 0.9440`` (our reading of the lever arm; the paper's exact factor was not re-checked).
``P_a`` is the paper's small-probability form; it is capped at 1.

Capture in the whole-body model: particles reach the injured wall by convective diffusion in the wall shear
layer (Leveque: mean mass-transfer coefficient ``k = 0.808 (S D^2 / L)^(1/3)`` over the injured length ``L``,
Stokes-Einstein ``D``), and a share ``P_a`` of those that touch it adhere: capture clearance
``CL = P_a k pi d_lumen L`` (L/h of plasma) from the arterial plasma to the wall.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nanodds.errors import InputError, RangeWarning, known
from nanodds.specs.params import load_yaml

DATA_FILE = "sites/adhesion.yaml"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return load_yaml(DATA_FILE)


@dataclass(frozen=True)
class BondPair:
    """Ligand-receptor pair (SI units)."""

    affinity_area_m2: float
    bell_length_m: float
    receptor_density_per_m2: float


def ligand_names() -> list[str]:
    """Wall ligands with data (``data/sites/adhesion.yaml``)."""
    return sorted(_data()["ligands"])


def default_ligand_density_per_um2(ligand: str) -> float:
    """Default ligand surface density of ``ligand`` (1/um^2)."""
    return _data()["ligands"][ligand]["ligand_density"].to("1/um**2")


def bond_pairs(ligand: str, site_type: str, field: str) -> dict[str, BondPair]:
    """The receptors of ``site_type`` that ``ligand`` binds, with their data.

    Raises
    ------
    InputError
        An unknown ligand, or a site type with no receptor data for it (one line naming ``field``).
    """
    d = _data()
    if not known(ligand, d["ligands"]):
        raise InputError(f"{field}.ligand", ligand, f"a wall ligand with receptor data: {', '.join(ligand_names())}")
    dens = d["receptor_density"].get(site_type, {})
    recs = d["ligands"][ligand]["receptors"]
    common = sorted(set(recs) & set(dens))
    if not common:
        have = sorted(d["receptor_density"])
        raise InputError(f"{field}.ligand", ligand, f"a ligand with receptor data at this site; {site_type} has none "
                         f"for it (sites with receptor data: {', '.join(have)})")
    return {r: BondPair(recs[r]["affinity_area"].to("m**2"), recs[r]["bell_length"].to("m"),
                        dens[r].to("1/m**2")) for r in common}


def validated_shear_range_per_s() -> tuple[float, float]:
    """(low, high) wall shear rate (1/s) for which the adhesion model is meant."""
    r = _data()["shear_rate_validated"]
    return r["low"].to("1/s"), r["high"].to("1/s")


def warn_shear(shear_per_s: float, field: str, written: Any) -> None:
    """Warn (naming the validated range) when a wall shear rate is outside the physiological range."""
    lo, hi = validated_shear_range_per_s()
    if not lo <= shear_per_s <= hi:
        warnings.warn(f"{field}: {written} is outside the validated wall shear rate range {lo:g}-{hi:g} 1/s "
                      "(physiological veins to arterioles); adhesion there is extrapolated", RangeWarning,
                      stacklevel=2)


def contact_radius_m(radius_m: float) -> float:
    """Radius (m) of the contact cap within the bond reach ``delta`` of a sphere of radius ``radius_m``."""
    delta = min(_data()["physics"]["bond_reach"].to("m"), radius_m)
    return math.sqrt(2.0 * radius_m * delta - delta * delta)


def dislodging_force_N(radius_m: float, shear_per_s: float) -> float:
    """Hydrodynamic force (N) on bonds of a sphere touching the wall: drag plus torque over the cap radius."""
    p = _data()["physics"]
    mu = p["plasma_viscosity"].to("Pa*s")
    drag = 6.0 * math.pi * mu * radius_m**2 * shear_per_s * p["drag_factor"].to("1")
    torque = 4.0 * math.pi * mu * radius_m**3 * shear_per_s * p["torque_factor"].to("1")
    return drag + torque / contact_radius_m(radius_m)


def adhesion_probability(radius_m: float, shear_per_s: float, ligand_density_per_m2: float,
                         pair: BondPair) -> float:
    """Probability of adhesion P_a (-) of one ligand-receptor pair (Decuzzi & Ferrari 2006), capped at 1.

    Parameters
    ----------
    radius_m : float
        Particle radius (m).
    shear_per_s : float
        Wall shear rate (1/s); 0 gives the no-flow limit ``m_r m_l K_a0 pi r0^2``.
    ligand_density_per_m2 : float
        Ligand surface density on the particle (1/m^2).
    pair : BondPair
    """
    if radius_m <= 0 or shear_per_s < 0 or ligand_density_per_m2 < 0:
        raise ValueError("radius must be > 0, shear and ligand density >= 0")
    kt = _data()["physics"]["thermal_energy"].to("J")
    area = math.pi * contact_radius_m(radius_m) ** 2
    pref = pair.receptor_density_per_m2 * ligand_density_per_m2 * pair.affinity_area_m2 * area
    expo = pair.bell_length_m * dislodging_force_N(radius_m, shear_per_s) / (kt * pair.receptor_density_per_m2 * area)
    return min(1.0, pref * math.exp(-expo))


def combined_probability(radius_m: float, shear_per_s: float, ligand_density_per_m2: float,
                         pairs: dict[str, BondPair]) -> float:
    """Adhesion probability (-) when the ligand binds several receptors: ``1 - prod(1 - P_i)``."""
    miss = 1.0
    for pair in pairs.values():
        miss *= 1.0 - adhesion_probability(radius_m, shear_per_s, ligand_density_per_m2, pair)
    return 1.0 - miss


def wall_mass_transfer_m_per_s(radius_m: float, shear_per_s: float, length_m: float) -> float:
    """Mean Leveque mass-transfer coefficient (m/s) of particles to a wall segment of length ``length_m``."""
    p = _data()["physics"]
    diff = p["thermal_energy"].to("J") / (6.0 * math.pi * p["plasma_viscosity"].to("Pa*s") * radius_m)
    return p["leveque_coefficient"].to("1") * (shear_per_s * diff**2 / length_m) ** (1.0 / 3.0)


def capture_clearance_L_per_h(diameter_nm: float, shear_per_s: float, ligand_density_per_um2: float,
                              pairs: dict[str, BondPair], lumen_diameter_mm: float, length_mm: float) -> float:
    """Plasma clearance (L/h) of carriers onto the injured wall: ``P_a k pi d_lumen L``."""
    a = diameter_nm * 1e-9 / 2.0
    length_m = length_mm * 1e-3
    pa = combined_probability(a, shear_per_s, ligand_density_per_um2 * 1e12, pairs)
    k = wall_mass_transfer_m_per_s(a, shear_per_s, length_m)
    area_m2 = math.pi * lumen_diameter_mm * 1e-3 * length_m
    return pa * k * area_m2 * 1e3 * 3600.0
