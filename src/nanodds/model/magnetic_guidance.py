"""Magnetic guidance in the whole-body model: capture of circulating carriers in a target tissue.

While the magnet is held over the target (:class:`nanodds.specs.magnetic.MagneticGuidance`), the captured
fraction ``f`` of the carriers flowing through the target's vessels (Furlani & Ng 2006,
:mod:`nanodds.model.magnetic`) is held at the vessel wall and joins the target's tissue pool, where it releases
its drug locally. Carriers travel in plasma, so the capture clearance is ``CL = f Qp``
(:func:`nanodds.model.magnetic.capture_clearance_L_per_h` with the target's plasma flow, i.e. ``f`` times the
particle flux of its blood flow) and the first-order rate from the target's vascular plasma to its interstitium
is ``CL / Vp_vas``, for the carrier and its encapsulated drug alike (same particles), as the opened
blood-brain barrier of :mod:`nanodds.model.bbb`.
"""

from __future__ import annotations

from nanodds.model.free_drug import phys_flow, phys_fraction, phys_volume
from nanodds.model.magnetic import capture_clearance_L_per_h
from nanodds.model.structure import RateBuilder
from nanodds.specs.magnetic import MagneticGuidance
from nanodds.specs.physiology import Physiology


def capture_rate_per_h(phys: Physiology, guidance: MagneticGuidance) -> float:
    """First-order capture rate (1/h) of carriers in the target's vascular plasma while the magnet is on."""
    o = guidance.target
    qp = phys_flow(phys, o) * (1 - phys.hematocrit)
    vp_vas = phys_volume(phys, o) * phys_fraction(phys, o, "vascular") * (1 - phys.hematocrit)
    return capture_clearance_L_per_h(guidance.captured_fraction, qp) / vp_vas


def add_magnetic_capture(rb: RateBuilder, phys: Physiology, guidance: MagneticGuidance) -> None:
    """Add the capture transfer target vascular plasma -> target interstitium (carrier, encapsulated drug)."""
    k = capture_rate_per_h(phys, guidance)
    o = guidance.target
    for sp in ("carrier", "encapsulated"):
        rb.flow(f"{sp}:{o}.vascular", f"{sp}:{o}.interstitial", k, "magnetic_capture")
