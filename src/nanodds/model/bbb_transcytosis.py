"""Receptor-mediated transcytosis (RMT) of ligand-bearing carriers across the blood-brain barrier.

Carrier in the brain's vascular plasma binds receptors of the capillary endothelium with the ligand model of
:mod:`nanodds.model.tumour_delivery` (avid Kd from ligand density, receptors in excess) and the bound share is
carried into the brain parenchyma at the receptor's transcytosis rate:

``k = f_bound(R) x k_t`` (1/h, from ``<sp>:brain.vascular`` to ``<sp>:brain.parenchyma``, carrier and
encapsulated drug alike), ``R = receptors/cell x endothelial cells/mL x V_brain / Vp_vas`` (the endothelial
receptors seen by the brain's vascular plasma), zero for carriers at or above the vesicle size limit.

The parenchyma is the brain's extracellular space proper (volume: ``free_drug.interstitial_fraction`` of the
brain), behind the barrier: the carriers there release their drug at the tissue rate into the brain's free drug
(its interstitium when the drug has BBB data) and leave with the interstitial-fluid bulk flow (the brain has no
lymphatics) to the venous plasma. It is kept apart from ``brain.interstitial``, the lumped PBPK interstitium
(Kawai volume, lymph drainage) that the focused-ultrasound opening fills, so scenarios without transcytosis are
unchanged.

Linear, not saturable: the receptors are taken in excess of the carriers in the brain's vessels (see
docs/barriers_and_sites.md); competition with endogenous ligand (plasma transferrin for a transferrin-coated
carrier) is not modelled. Data: ``data/barriers/bbb_transport.yaml``.
"""

from __future__ import annotations

from nanodds.model.free_drug import free, phys_volume, vascular_plasma_volume_L
from nanodds.model.structure import RateBuilder
from nanodds.model.tumour_delivery import occupancy, receptor_nM
from nanodds.specs.bbb import BBBTranscytosis
from nanodds.specs.carrier import Carrier
from nanodds.specs.drug import Drug
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import Physiology

BRAIN = "brain"
PARENCHYMA = f"{BRAIN}.parenchyma"
DATA_FILE = "barriers/bbb_transport.yaml"


def transcytosis_rate_per_h(phys: Physiology, carrier: Carrier, rmt: BBBTranscytosis) -> float:
    """First-order transfer constant (1/h) brain vascular plasma -> brain parenchyma of the carrier."""
    if carrier.ligand is None or carrier.diameter_nm >= rmt.vesicle_diameter_limit_nm:
        return 0.0
    v = phys_volume(phys, BRAIN)
    vp_vas = vascular_plasma_volume_L(phys, BRAIN)
    r_nM = receptor_nM(rmt.receptors_per_cell, rmt.endothelial_cells_per_mL) * v / vp_vas
    return occupancy(carrier.ligand, r_nM) * rmt.transcytosis_rate_per_h


def parenchyma_drainage_per_h(phys: Physiology) -> float:
    """Bulk-flow drainage constant (1/h) of the brain parenchyma: bulk flow x brain mass / ECS volume."""
    data = load_yaml(DATA_FILE)
    flow_L_per_h = data["parenchyma_bulk_flow"].to("L/h/kg") * phys_volume(phys, BRAIN)  # brain 1 kg/L
    return flow_L_per_h / (phys_volume(phys, BRAIN) * data["free_drug"]["interstitial_fraction"].to("1"))


def add_bbb_transcytosis(rb: RateBuilder, phys: Physiology, carrier: Carrier, drug: Drug, rmt: BBBTranscytosis,
                         release_tissue_per_h: float) -> None:
    """Add RMT into the brain parenchyma, its drainage and the release there (carrier and encapsulated drug)."""
    k = transcytosis_rate_per_h(phys, carrier, rmt)
    k_out = parenchyma_drainage_per_h(phys)
    released_into = free(f"{BRAIN}.interstitial") if drug.bbb is not None else free(BRAIN)
    for sp in ("carrier", "encapsulated"):
        rb.state(f"{sp}:{PARENCHYMA}")
        rb.flow(f"{sp}:{BRAIN}.vascular", f"{sp}:{PARENCHYMA}", k, "bbb_transcytosis")
        rb.flow(f"{sp}:{PARENCHYMA}", f"{sp}:venous_plasma", k_out, "brain_bulk_flow")
    rb.flow(f"encapsulated:{PARENCHYMA}", released_into, release_tissue_per_h, "release_tissue")
