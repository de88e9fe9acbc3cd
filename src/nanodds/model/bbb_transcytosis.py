"""Receptor-mediated transcytosis (RMT) of ligand-bearing carriers across the blood-brain barrier.

Carrier in the brain's vascular plasma binds receptors of the capillary endothelium with the ligand model of
:mod:`nanodds.model.tumour_delivery` (avid Kd from ligand density, receptors in excess) and the bound share is
carried into the brain interstitium at the receptor's transcytosis rate:

``k = f_bound(R) x k_t`` (1/h, from ``carrier:brain.vascular`` to ``carrier:brain.interstitial``, carrier and
encapsulated drug alike), ``R = receptors/cell x endothelial cells/mL x V_brain / Vp_vas`` (the endothelial
receptors seen by the brain's vascular plasma), zero for carriers at or above the vesicle size limit.

Linear, not saturable: the receptors are taken in excess of the carriers in the brain's vessels (checked against
a dose in docs/barriers_and_sites.md); competition with endogenous ligand (plasma transferrin for a
transferrin-coated carrier) is not modelled. Data: ``data/barriers/bbb_transport.yaml``.
"""

from __future__ import annotations

from nanodds.model.free_drug import phys_fraction, phys_volume
from nanodds.model.structure import RateBuilder
from nanodds.model.tumour_delivery import occupancy, receptor_nM
from nanodds.specs.bbb import BBBTranscytosis
from nanodds.specs.carrier import Carrier
from nanodds.specs.physiology import Physiology

BRAIN = "brain"


def transcytosis_rate_per_h(phys: Physiology, carrier: Carrier, rmt: BBBTranscytosis) -> float:
    """First-order transfer constant (1/h) brain vascular plasma -> brain interstitium of the carrier."""
    if carrier.ligand is None or carrier.diameter_nm >= rmt.vesicle_diameter_limit_nm:
        return 0.0
    v = phys_volume(phys, BRAIN)
    vp_vas = v * phys_fraction(phys, BRAIN, "vascular") * (1 - phys.hematocrit)
    r_nM = receptor_nM(rmt.receptors_per_cell, rmt.endothelial_cells_per_mL) * v / vp_vas
    return occupancy(carrier.ligand, r_nM) * rmt.transcytosis_rate_per_h


def add_bbb_transcytosis(rb: RateBuilder, phys: Physiology, carrier: Carrier, rmt: BBBTranscytosis) -> None:
    """Add RMT brain vascular plasma -> brain interstitium for the carrier and its encapsulated drug."""
    k = transcytosis_rate_per_h(phys, carrier, rmt)
    for sp in ("carrier", "encapsulated"):
        rb.flow(f"{sp}:{BRAIN}.vascular", f"{sp}:{BRAIN}.interstitial", k, "bbb_transcytosis")
