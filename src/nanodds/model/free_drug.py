"""Free (unencapsulated) drug: perfusion-limited whole-body PBPK with hepatic and renal clearance."""

from __future__ import annotations

from nanodds.errors import InputError
from nanodds.model.bbb_drug import add_brain_barrier
from nanodds.model.structure import RateBuilder
from nanodds.model.tissue_binding import add_dna_binding
from nanodds.specs.drug import Drug
from nanodds.specs.physiology import PORTAL_ORGANS, Physiology


def free(comp: str) -> str:
    """State name of free drug in a compartment."""
    return f"free:{comp}"


def blood_pools_L(phys: Physiology) -> tuple[float, float]:
    """Venous and arterial blood volumes (L).

    The central pools hold the whole blood volume, and each organ's residual blood is also inside that
    organ's volume (organ weights include their blood, Brown et al. 1997), as in most whole-body PBPK
    models (e.g. Lin et al. 2016). Subtracting the residual blood is not possible with the rodent data:
    Brown's residual-blood fractions add up to more than the mouse's total blood volume.
    """
    return phys.blood_volume_L * phys.venous_fraction, phys.blood_volume_L * (1.0 - phys.venous_fraction)


def liver_blood_flow_L_per_h(phys: Physiology) -> float:
    """Total hepatic blood flow: hepatic artery plus portal (gut, spleen) outflow (L/h)."""
    return phys.flow_L_per_h["liver"] + sum(phys.flow_L_per_h[o] for o in PORTAL_ORGANS)


def hepatic_intrinsic_blood_cl(drug: Drug, phys: Physiology, flow_scale: float) -> float:
    """Blood-based intrinsic clearance (L/h) reproducing the drug's hepatic blood clearance.

    Well-stirred liver: ``CL_H = Q_H CLint / (Q_H + CLint)`` so ``CLint = Q_H CL_H / (Q_H - CL_H)``.
    """
    q_h = liver_blood_flow_L_per_h(phys)
    cl_h = drug.hepatic_blood_cl_L_per_h * flow_scale
    if cl_h >= q_h:
        raise InputError(f"drug {drug.name} hepatic_blood clearance", cl_h,
                         f"less than the hepatic blood flow {q_h:.4g} L/h")
    return q_h * cl_h / (q_h - cl_h)


def add_free_drug(rb: RateBuilder, phys: Physiology, drug: Drug, flow_scale: float,
                  prefix: str = "free") -> list[tuple[str, str, str, float, float]]:
    """Add free-drug states and transfers.

    Blood pools ``free:venous_blood`` and ``free:arterial_blood``; one well-stirred compartment per organ
    holding tissue and residual blood; venous outflow concentration = tissue concentration / (Kp / BP).
    Sinks ``free:sink.hepatic`` (metabolism and biliary excretion) and ``free:sink.renal``.

    ``prefix`` names the species of the states (``"free"`` for the administered drug; ``"metabolite"`` for an
    active metabolite's block, see :mod:`nanodds.model.metabolite`). DNA binding is added for ``"free"`` only.
    """

    def free(comp: str) -> str:
        return f"{prefix}:{comp}"

    v_ven, v_art = blood_pools_L(phys)
    co = phys.cardiac_output_L_per_h
    organs = phys.organs()
    rb.state(free("venous_blood"))
    rb.state(free("arterial_blood"))
    for o in organs:
        rb.state(free(o))

    def outflow_rate(o: str, q: float) -> float:
        return q / (phys_volume(phys, o) * drug.kp_blood(o))

    rb.flow(free("venous_blood"), free("lung"), co / v_ven, "flow")
    rb.flow(free("lung"), free("arterial_blood"), outflow_rate("lung", co), "flow")
    for o in organs:
        if o == "lung":
            continue
        q = phys_flow(phys, o)
        rb.flow(free("arterial_blood"), free(o), q / v_art, "flow")
        if o in PORTAL_ORGANS:
            rb.flow(free(o), free("liver"), outflow_rate(o, q), "flow")
        elif o == "liver":
            rb.flow(free(o), free("venous_blood"), outflow_rate(o, liver_blood_flow_L_per_h(phys)), "flow")
        elif o == "brain" and drug.bbb is not None:  # permeability-limited brain (nanodds.model.bbb_drug)
            add_brain_barrier(rb, phys, drug, q, free, free("venous_blood"))
        else:
            rb.flow(free(o), free("venous_blood"), outflow_rate(o, q), "flow")
    rb.flow(free("liver"), free("sink.hepatic"),
            hepatic_intrinsic_blood_cl(drug, phys, flow_scale) / (phys.volume_L["liver"] * drug.kp_blood("liver")),
            "hepatic_clearance")
    renal_blood_cl = drug.renal_plasma_cl_L_per_h * flow_scale / drug.blood_plasma_ratio
    rb.flow(free("kidney"), free("sink.renal"), renal_blood_cl / (phys.volume_L["kidney"] * drug.kp_blood("kidney")),
            "renal_clearance")
    if prefix != "free":
        return []
    # intracellular DNA binding, when the drug file has a dna_binding block (capacity-limited terms returned)
    return add_dna_binding(rb, phys, drug)


def phys_volume(phys: Physiology, organ: str) -> float:
    """Organ volume (L), tumour included."""
    if organ == "tumour":
        assert phys.tumour is not None
        return phys.tumour.volume_L
    return phys.volume_L[organ]


def phys_flow(phys: Physiology, organ: str) -> float:
    """Organ blood flow (L/h), tumour included; lung carries the cardiac output."""
    if organ == "tumour":
        assert phys.tumour is not None
        return phys.tumour.flow_L_per_h
    return phys.flow_L_per_h[organ]


def phys_fraction(phys: Physiology, organ: str, which: str) -> float:
    """``vascular`` or ``interstitial`` volume fraction of an organ, tumour included."""
    if organ == "tumour":
        assert phys.tumour is not None
        return phys.tumour.vascular_fraction if which == "vascular" else phys.tumour.interstitial_fraction
    return phys.vascular_fraction[organ] if which == "vascular" else phys.interstitial_fraction[organ]


def vascular_plasma_volume_L(phys: Physiology, organ: str) -> float:
    """Plasma volume (L) of an organ's vascular space: volume x vascular fraction x (1 - haematocrit)."""
    return phys_volume(phys, organ) * phys_fraction(phys, organ, "vascular") * (1 - phys.hematocrit)
