"""Intracellular binding of free drug (DNA, tubulin, ...): one bound state per organ, capacity-limited kinetics.

Each perfusion-limited organ state ``free:<organ>`` (amount ``A``, mg, in organ volume ``V``) holds the drug
that exchanges with blood: its concentration at equilibrium with plasma is ``Kp * Cp`` (Rodgers & Rowland
Kp: tissue water, neutral lipids, phospholipids, acidic phospholipids). Target-bound drug is a separate state
``free:<organ>.bound`` (amount ``B``) that exchanges only with ``free:<organ>``. The drug file's
``intracellular_binding`` block names the target (doxorubicin's legacy ``dna_binding`` block: DNA; paclitaxel:
microtubule tubulin); the mathematics is the same for any target.

Binding site concentration ``Bmax`` (umol/L tissue), dissociation constant ``Kd`` (umol/L unbound drug),
dissociation rate ``k_off`` and association rate ``k_on = k_off / Kd``::

    dB/dt = V * k_on * Cu * (Bmax - B/V) - k_off * B

with ``Cu`` the unbound drug concentration in tissue water. Assumption (as in An & Morris 2012, AAPS J
14:352, Eq. 9, where the DNA term is ``T_DNA / (K_DNA / fu)``): the unbound concentration in tissue water
equals the unbound plasma concentration at equilibrium, ``Cu = fu * Cp = (fu / Kp) * A / V`` (no ion
trapping of the base in the slightly acidic cytosol; that would raise Cu by up to ~2x). In the linear
(low-occupancy, ``B/V << Bmax``) limit::

    dB/dt = k_bind * A - k_off * B,   k_bind = k_off * (Bmax / Kd) * (fu / Kp)

At equilibrium ``B / A = (Bmax / Kd) * (fu / Kp)``, so the total tissue:plasma ratio becomes::

    Kp_total = (A + B) / (V Cp) = Kp * (1 + fu Bmax / (Kd Kp)) = Kp + fu * Bmax / Kd

i.e. binding adds ``fu * Bmax / Kd`` to the R&R Kp, independent of Kp (the An & Morris form at low Cp).

Retention. ``k_off`` sets how long a tissue keeps the drug once plasma has fallen: the exchangeable state follows
plasma within minutes (perfusion-limited), while the bound state empties at ``k_off`` (slowed by rebinding), so a
tissue's terminal half-life is about ``ln2 / k_off`` when plasma clearance is faster (flip-flop). The equilibrium
(Kp, Vss) does not depend on ``k_off``; with ``Kd`` fixed, ``k_on = k_off / Kd`` and loading of the bound state is
as slow as its release. For doxorubicin the bound state is nuclear drug and ``k_off`` is an effective cellular
release rate calibrated on mouse normal-tissue terminal half-lives (drug file), far slower than naked-DNA
dissociation (seconds).
R&R contains no specific binding (its tissue terms are water, neutral lipid, phospholipid and acidic
phospholipid), so the term is added on top of the R&R Kp rather than replacing it.

The rate matrix holds the linear limit (both transfers first order, columns summing to zero: mass balance
is structural). The finite number of sites, ``dB/dt = k_bind * A * (1 - B / (V Bmax)) - k_off * B``, is a
capacity-limited term of the same form as MPS capture, returned to the assembler as a saturable term
(state ``B`` is its own occupancy, capacity ``V * Bmax * MW`` in mg), so the stiff path applies it and the
linear path is its low-dose limit. :func:`occupancy` reports the fraction of sites occupied.
"""

from __future__ import annotations

import numpy as np

from nanodds.model.structure import RateBuilder
from nanodds.specs.drug import Drug, IntracellularBinding
from nanodds.specs.physiology import Physiology


def process_tag(b: IntracellularBinding) -> str:
    """Process tag of the binding transfers in the rate matrix (K_parts): ``dna_binding`` for DNA (as before the
    block was generalised), ``intracellular_binding`` for any other target."""
    return "dna_binding" if b.target == "DNA" else "intracellular_binding"


def bound(organ: str) -> str:
    """State name of target-bound drug in an organ."""
    return f"free:{organ}.bound"


def binding_rate_per_h(b: IntracellularBinding, fu: float, kp: float, organ: str) -> float:
    """First-order rate (1/h) from ``free:<organ>`` to ``free:<organ>.bound`` in the linear limit."""
    return b.k_off_per_h * (b.capacity_umol_per_L[organ] / b.kd_umol_per_L) * (fu / kp)


def binding_ratio(b: IntracellularBinding, fu: float, kp: float, organ: str) -> float:
    """Equilibrium bound / exchangeable amount ``(Bmax / Kd) * (fu / Kp)`` of an organ."""
    return (b.capacity_umol_per_L[organ] / b.kd_umol_per_L) * (fu / kp)


def kp_total(drug: Drug, organ: str) -> float:
    """Equilibrium total tissue:plasma ratio with intracellular binding (linear limit), ``Kp + fu * Bmax / Kd``."""
    kp = drug.kp[organ]
    if drug.dna_binding is None:
        return kp
    return kp * (1.0 + binding_ratio(drug.dna_binding, drug.fraction_unbound, kp, organ))


def add_intracellular_binding(rb: RateBuilder, phys: Physiology,
                              drug: Drug) -> list[tuple[str, str, str, float, float]]:
    """Add a target-bound state to every organ with binding sites (nothing when the drug has no binding data).

    Returns the capacity-limited binding terms ``(src, dst, occupancy state, k_bind 1/h, capacity mg)``.
    """
    b = drug.dna_binding
    sat: list[tuple[str, str, str, float, float]] = []
    if b is None:
        return sat
    for o in phys.organs():
        if b.capacity_umol_per_L.get(o, 0.0) <= 0.0:
            continue
        k_bind = binding_rate_per_h(b, drug.fraction_unbound, drug.kp[o], o)
        rb.flow(f"free:{o}", bound(o), k_bind, process_tag(b))
        rb.flow(bound(o), f"free:{o}", b.k_off_per_h, process_tag(b))
        volume_L = phys.tumour.volume_L if o == "tumour" and phys.tumour is not None else phys.volume_L[o]
        # umol/L x L x g/mol = ug; /1000 -> mg
        cap_mg = b.capacity_umol_per_L[o] * volume_L * drug.molecular_weight_g_per_mol * 1e-3
        sat.append((f"free:{o}", bound(o), bound(o), k_bind, cap_mg))
    return sat


add_dna_binding = add_intracellular_binding  # name used by nanodds.model.free_drug


def occupancy(y_bound_mg: np.ndarray, organ_volume_L: float, capacity_umol_per_L: float,
              mw_g_per_mol: float) -> np.ndarray:
    """Fraction of binding sites occupied, ``B / (V Bmax)``; the linear model is valid while it is << 1."""
    conc_umol_per_L = np.asarray(y_bound_mg) / organ_volume_L / mw_g_per_mol * 1e3
    return conc_umol_per_L / capacity_umol_per_L
