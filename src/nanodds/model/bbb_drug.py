"""Permeability-limited free drug in the brain (a drug with a ``bbb:`` block, :mod:`nanodds.specs.drug_bbb`).

The brain's one well-stirred compartment is split into its vascular blood (``free:brain``, flow-limited: what
arrives by arterial blood leaves at the blood concentration), the interstitial fluid (``free:brain.interstitial``,
unbound drug only) and the brain cells (``free:brain.cells``):

- BBB: influx ``PS fu C_blood / BP`` (unbound plasma drug), efflux ``PS / kp_uu x C_ISF``; at steady state
  ``C_ISF = kp_uu x Cu,plasma`` (P-glycoprotein efflux for kp_uu < 1);
- cells: exchange with the interstitium at ``cell_exchange_rate`` towards ``A_cells = K_c V_cells C_ISF``.

``K_c`` is chosen so that with ``kp_uu = 1`` the brain holds ``Kp V C_plasma`` at equilibrium (the drug's brain
Kp read as its passive partition), so a very large PS (and fast cell exchange) gives back the perfusion-limited
brain. Volumes: vascular share of the physiology file; interstitial share ``free_drug.interstitial_fraction`` of
``data/barriers/bbb_transport.yaml``; the cells the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nanodds.errors import InputError
from nanodds.model.structure import RateBuilder
from nanodds.specs.drug import Drug
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import Physiology

BRAIN = "brain"
DATA_FILE = "barriers/bbb_transport.yaml"
BRAIN_DENSITY_KG_PER_L = 1.0
"""Brain density (kg/L): organ volumes in the physiology files are organ weights at density 1."""


@dataclass(frozen=True)
class BrainVolumes:
    """Brain sub-volumes (L) and the cell partition (-) of the permeability-limited free drug."""

    vascular_L: float
    interstitial_L: float
    cells_L: float
    cell_partition: float
    """K_c: drug in cells per volume over the interstitial (unbound) concentration (-)."""


def brain_volumes(phys: Physiology, drug: Drug, field: str = "drug kp.brain") -> BrainVolumes:
    """Sub-volumes of the brain and the cell partition reproducing the drug's brain Kp when kp_uu = 1.

    Raises
    ------
    InputError
        The brain Kp is too small for the blood and interstitial water the brain holds (K_c <= 0).
    """
    v = phys.volume_L[BRAIN]
    v_vas = v * phys.vascular_fraction[BRAIN]
    v_isf = v * load_yaml(DATA_FILE)["free_drug"]["interstitial_fraction"].to("1")
    v_c = v - v_vas - v_isf
    fu, bp = drug.fraction_unbound, drug.blood_plasma_ratio
    kc = (drug.kp[BRAIN] * v - v_vas * bp - v_isf * fu) / (v_c * fu)
    if kc <= 0:
        floor = (v_vas * bp + v_isf * fu) / v
        raise InputError(field, drug.kp[BRAIN], f"a brain Kp above {floor:.3g} (its blood and interstitial water "
                         "alone hold that much) for a drug with BBB data")
    return BrainVolumes(v_vas, v_isf, v_c, kc)


def add_brain_barrier(rb: RateBuilder, phys: Physiology, drug: Drug, q_L_per_h: float,
                      name: Callable[[str], str], venous: str) -> None:
    """Add the permeability-limited brain of a drug with BBB data (replaces the perfusion-limited outflow).

    ``name`` maps a compartment to its state name (``free:...``); the arterial inflow into ``name("brain")``
    is added by the caller, as for every organ.
    """
    assert drug.bbb is not None
    if drug.dna_binding is not None:
        raise InputError(f"drug {drug.name} bbb", "with intracellular binding",
                         "a drug without an intracellular_binding block (binding in brain cells behind the BBB is "
                         "not modelled)")
    b = brain_volumes(phys, drug)
    ps = drug.bbb.permeability_surface_L_per_h_per_kg * phys.volume_L[BRAIN] * BRAIN_DENSITY_KG_PER_L
    k_cell = load_yaml(DATA_FILE)["free_drug"]["cell_exchange_rate"].to("1/h")
    vas, isf, cells = name(BRAIN), name(f"{BRAIN}.interstitial"), name(f"{BRAIN}.cells")
    for s in (isf, cells):
        rb.state(s)
    rb.flow(vas, venous, q_L_per_h / b.vascular_L, "flow")
    rb.flow(vas, isf, ps * drug.fraction_unbound / (drug.blood_plasma_ratio * b.vascular_L), "bbb_influx")
    rb.flow(isf, vas, ps / (drug.bbb.kp_uu * b.interstitial_L), "bbb_efflux")
    rb.flow(isf, cells, k_cell, "brain_cell_uptake")
    rb.flow(cells, isf, k_cell * b.interstitial_L / (b.cell_partition * b.cells_L), "brain_cell_uptake")
