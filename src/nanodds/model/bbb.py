"""Carrier transport across a transiently opened blood-brain barrier.

While the barrier is open, the opened share ``f`` of the brain's capillaries passes carriers through pores of
the opened diameter with the Renkin hindrance used for every capillary bed of the carrier model
(:func:`nanodds.model.hindrance.renkin`; Renkin 1954 doi:10.1085/jgp.38.2.225). The brain's extravasation
clearance becomes ``PA = c Qp [(1 - f) Phi(d, d_intact) + f Phi(d, d_open)]``; the intact part is already in
the carrier block, so the opening adds ``c Qp f [Phi(d, d_open) - Phi(d, d_intact)]`` from the brain's
vascular plasma to its interstitium, for the carrier and for its encapsulated drug alike (same particles).
"""

from __future__ import annotations

from typing import Any

from nanodds.model.free_drug import phys_flow, vascular_plasma_volume_L
from nanodds.model.hindrance import renkin
from nanodds.model.structure import RateBuilder
from nanodds.specs.bbb import BBBOpening
from nanodds.specs.carrier import Carrier
from nanodds.specs.physiology import Physiology

BRAIN = "brain"


def opening_extravasation_L_per_h(phys: Physiology, carrier: Carrier, kin: dict[str, Any],
                                  opening: BBBOpening) -> float:
    """Extra brain extravasation clearance of the carrier (L/h of plasma) while the barrier is open."""
    qp = phys_flow(phys, BRAIN) * (1 - phys.hematocrit)
    d = carrier.diameter_nm
    gain = renkin(d, opening.pore_diameter_nm) - renkin(d, kin["pore_diameter"][BRAIN].to("nm"))
    return kin["extravasation_coefficient"].to("1") * qp * opening.volume_fraction * max(gain, 0.0)


def add_bbb_opening(rb: RateBuilder, phys: Physiology, carrier: Carrier, kin: dict[str, Any],
                    opening: BBBOpening) -> None:
    """Add the opened-barrier transfer brain vascular plasma -> brain interstitium (carrier, encapsulated)."""
    vp_vas = vascular_plasma_volume_L(phys, BRAIN)
    k = opening_extravasation_L_per_h(phys, carrier, kin, opening) / vp_vas
    for sp in ("carrier", "encapsulated"):
        rb.flow(f"{sp}:{BRAIN}.vascular", f"{sp}:{BRAIN}.interstitial", k, "bbb_opening")
