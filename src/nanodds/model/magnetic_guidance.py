"""Magnetic guidance in the whole-body model: capture of circulating carriers in a target tissue.

While the magnet is held over the target (:class:`nanodds.specs.magnetic.MagneticGuidance`), the captured
fraction ``f`` of the carriers flowing through the target's vessels (Furlani & Ng 2006,
:mod:`nanodds.model.magnetic`) is held at the vessel wall. Carriers travel in plasma, so the capture clearance is
``CL = f Qp`` (:func:`nanodds.model.magnetic.capture_clearance_L_per_h` with the target's plasma flow, i.e. ``f``
times the particle flux of its blood flow) and the first-order capture rate from the target's vascular plasma is
``CL / Vp_vas``, for the carrier and its encapsulated drug alike (same particles).

Where captured carriers go depends on the barrier:

- any target but the brain (leaky or fenestrated vessels): straight into the target's interstitium, where they
  release their drug like any extravasated carrier;
- the brain: the magnetic force holds them at the endothelium (pool ``<sp>:brain.endothelium``), not across an
  intact blood-brain barrier (iron oxide nanoparticles did not cross an intact brain-endothelial monolayer with
  or without a magnet, doi:10.2147/IJN.S62260). From there they cross into the brain interstitium by
  transcytosis at ``k_tc = ln 2 / t_half`` (a stated scenario input) and their encapsulated drug is released at
  the brain's vascular-blood rate (the brain's own environment during an AMF window) into the brain's released
  drug. Held carriers do not detach when the magnet is removed (assumption: an upper bound on what crosses).
  The pool exists (with its transcytosis and release) in every time segment so that the state order is fixed;
  it only fills while the magnet is on.
"""

from __future__ import annotations

from nanodds.model.bbb import BRAIN
from nanodds.model.free_drug import free, phys_flow, vascular_plasma_volume_L
from nanodds.model.magnetic import capture_clearance_L_per_h
from nanodds.model.release_coupling import release_rate_per_h
from nanodds.model.structure import RateBuilder
from nanodds.specs.carrier import Carrier
from nanodds.specs.environment import Environment
from nanodds.specs.magnetic import MagneticGuidance
from nanodds.specs.physiology import Physiology

ENDOTHELIUM = "endothelium"
"""Compartment suffix of carriers held at the brain endothelium (``carrier:brain.endothelium``)."""


def capture_rate_per_h(phys: Physiology, guidance: MagneticGuidance) -> float:
    """First-order capture rate (1/h) of carriers in the target's vascular plasma while the magnet is on."""
    o = guidance.target
    qp = phys_flow(phys, o) * (1 - phys.hematocrit)
    vp_vas = vascular_plasma_volume_L(phys, o)
    return capture_clearance_L_per_h(guidance.captured_fraction, qp) / vp_vas


def held_at_endothelium(guidance: MagneticGuidance) -> bool:
    """Whether captured carriers are held at the endothelium (brain) rather than entering the interstitium."""
    return guidance.target == BRAIN


def add_magnetic_capture(rb: RateBuilder, phys: Physiology, guidance: MagneticGuidance) -> None:
    """Add the capture transfer out of the target's vascular plasma (carrier, encapsulated drug): into the
    interstitium, or for the brain into the endothelium pool."""
    k = capture_rate_per_h(phys, guidance)
    o = guidance.target
    dest = ENDOTHELIUM if held_at_endothelium(guidance) else "interstitial"
    for sp in ("carrier", "encapsulated"):
        rb.flow(f"{sp}:{o}.vascular", f"{sp}:{o}.{dest}", k, "magnetic_capture")


def add_endothelium_pool(rb: RateBuilder, carrier: Carrier, guidance: MagneticGuidance,
                         envs: dict[str, Environment]) -> None:
    """Add the brain endothelium pool: transcytosis into the interstitium and release of encapsulated drug.

    Called for every time segment of a scenario whose magnet targets the brain (the capture into the pool is
    added during the magnet's window only, :func:`add_magnetic_capture`).
    """
    assert guidance.transcytosis_per_h is not None
    o = guidance.target
    env = envs.get(f"{o}_vascular", envs["blood"])
    for sp in ("carrier", "encapsulated"):
        rb.flow(f"{sp}:{o}.{ENDOTHELIUM}", f"{sp}:{o}.interstitial", guidance.transcytosis_per_h, "transcytosis")
    rb.flow(f"encapsulated:{o}.{ENDOTHELIUM}", free(o), release_rate_per_h(carrier.release, "blood", env),
            "release_blood")
