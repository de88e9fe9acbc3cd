"""Carrier PBPK (permeability-limited, after Lin, Monteiro-Riviere & Riviere 2016) and encapsulated drug.

Per organ the carrier sits in the vascular plasma (``.vascular``), the interstitium (``.interstitial``) and
phagocytic cells (``.phagocyte``, MPS organs and tumour-associated macrophages). The encapsulated drug moves
with its carrier and leaves it by release (into the organ's free drug) or when a phagocyte digests the
carrier. Lin Z et al. Nanotoxicology 2016;10:162, doi:10.3109/17435390.2015.1027314.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nanodds.model.free_drug import free, phys_flow, phys_fraction, phys_volume
from nanodds.model.hindrance import glomerular_sieving, renkin
from nanodds.model.release_coupling import release_rate_per_h
from nanodds.model.structure import RateBuilder
from nanodds.model.tumour_delivery import (
    liver_offtarget_factor,
    renal_diameter_nm,
    tumour_cell_uptake_per_h,
    tumour_entry_factor,
    tumour_model_factor,
)
from nanodds.specs.carrier import Carrier
from nanodds.specs.environment import Environment
from nanodds.specs.physiology import PORTAL_ORGANS, Physiology

SPECIES = ("carrier", "encapsulated")
MPS_ORGANS = ("liver", "spleen", "marrow", "lung", "kidney")
TUMOUR_DIGESTED = "carrier:sink.tumour_digested"
"""Carrier digested inside tumour cells (mg): no longer a carrier, but its label is still in the tumour."""
TUMOUR_LABEL = "carrier:tumour_label.digested"
"""The same label when it washes out of the tumour (``tumour_label_washout_rate`` > 0): a state that loses mass
cannot be a sink, which the solvers integrate as a running total (``Model._check_sinks``)."""
TUMOUR_LABEL_CLEARED = "carrier:sink.tumour_label_cleared"
"""Label that has left the tumour (mg): radiolabel efflux, exocytosis and exit of particles after cell uptake."""


@dataclass(frozen=True)
class CarrierKinetics:
    """Species-level carrier rate parameters (canonical units) after size/PEG modifiers."""

    mps_extraction: dict[str, float]
    """Fraction of the blood flow THROUGH the organ's vascular space captured per pass (liver: artery + portal)."""
    mps_capacity_mg: dict[str, float]
    pc_degradation_per_h: float
    lymph_flow_fraction: float
    pa_L_per_h: dict[str, float]
    tumour_macrophage_per_h: float
    renal_clearance_L_per_h: float
    tumour_reflux_fraction: float = 0.0
    """Fraction of the tumour extravasation clearance flowing back from the interstitium to the blood (-)."""
    tumour_cell_uptake_per_h: float = 0.0
    """Receptor-mediated internalisation of interstitial carrier by tumour cells (1/h); 0 without a ligand."""
    tumour_label_washout_per_h: float = 0.0
    """First-order loss of digested carrier's label from the tumour (1/h); 0 keeps it (a sink)."""

    @property
    def tumour_label_state(self) -> str:
        """State holding the label of carrier digested in the tumour: a sink unless it washes out."""
        return TUMOUR_LABEL if self.tumour_label_washout_per_h > 0 else TUMOUR_DIGESTED


def through_flow_L_per_h(phys: Physiology, organ: str) -> float:
    """Blood flow (L/h) through an organ's vascular space: its own flow, plus the portal outflows for the liver."""
    q = phys_flow(phys, organ)
    return q + sum(phys.flow_L_per_h[p] for p in PORTAL_ORGANS) if organ == "liver" else q


def carrier_kinetics(phys: Physiology, carrier: Carrier, kin: dict[str, Any]) -> CarrierKinetics:
    """Apply size, PEG and organ physiology to the species' reference carrier parameters."""
    d = carrier.diameter_nm
    size_factor = (d / kin["reference_diameter"].to("nm")) ** kin["size_exponent_mps"].to("1")
    e_tot = kin["mps_extraction_total"].to("1") * carrier.mps_multiplier * size_factor
    # total MPS clearance = e_tot x hepatic plasma flow (artery + portal), shared between the MPS organs by
    # mps_split; each organ's extraction of the flow through its vascular space follows (capped at 1:
    # flow-limited). The liver's vascular space receives the artery AND the portal veins, so its cap is the whole
    # hepatic flow (before 2026-11-28 it was the arterial flow alone, which capped micrometre particles too early)
    q_liver = through_flow_L_per_h(phys, "liver")
    extraction = {o: min(1.0, e_tot * kin["mps_split"][o].to("1") * q_liver / through_flow_L_per_h(phys, o)
                         * (liver_offtarget_factor(carrier.ligand) if o == "liver" else 1.0))
                  for o in MPS_ORGANS}
    cap = {o: kin["mps_capacity"].to("mg/kg") * phys.volume_L[o] for o in MPS_ORGANS}
    hct = phys.hematocrit
    pa = {}
    for o in phys.organs():
        qp = phys_flow(phys, o) * (1 - hct)
        if o == "tumour":
            assert phys.tumour is not None
            pa[o] = kin["tumour_extravasation_coefficient"].to("1") * qp * tumour_entry_factor(
                d, phys.tumour.pore_cutoff_nm, carrier.shape)
        else:
            pa[o] = kin["extravasation_coefficient"].to("1") * qp * renkin(d, kin["pore_diameter"][o].to("nm"))
    washout = kin["tumour_label_washout_rate"].to("1/h") if "tumour_label_washout_rate" in kin else 0.0
    if not washout >= 0.0:
        raise ValueError(f"tumour_label_washout_rate: got {washout} 1/h; allowed: >= 0 1/h")
    sieve = glomerular_sieving(renal_diameter_nm(d, carrier.zeta_mV), kin["renal_cutoff"].to("nm"),
                               kin["renal_sieving_width"].to("nm"))
    return CarrierKinetics(
        mps_extraction=extraction, mps_capacity_mg=cap,
        pc_degradation_per_h=kin["pc_degradation_rate"].to("1/h"),
        lymph_flow_fraction=kin["lymph_flow_fraction"].to("1"), pa_L_per_h=pa,
        tumour_macrophage_per_h=kin["tumour_macrophage_uptake_rate"].to("1/h") * tumour_model_factor(
            phys.tumour.model if phys.tumour is not None else None, "macrophage"),
        renal_clearance_L_per_h=phys.gfr_L_per_h * sieve,
        tumour_reflux_fraction=kin["tumour_reflux_fraction"].to("1") if "tumour_reflux_fraction" in kin else 0.0,
        tumour_cell_uptake_per_h=tumour_cell_uptake_per_h(
            carrier.ligand, phys.tumour.cancer_type if phys.tumour is not None else None),
        tumour_label_washout_per_h=washout,
    )


def plasma_pools_L(phys: Physiology, v_ven_blood: float, v_art_blood: float) -> tuple[float, float]:
    """Venous and arterial plasma volumes (L)."""
    return v_ven_blood * (1 - phys.hematocrit), v_art_blood * (1 - phys.hematocrit)


def organ_release_rates(carrier: Carrier, envs: dict[str, Environment],
                        organs: tuple[str, ...]) -> dict[str, float]:
    """Release constants (1/h) of organs that have environments of their own in ``envs``.

    A window may give an organ other than the tumour its own interstitial (key ``<organ>``) and vascular-blood
    (``<organ>_vascular``) environment, e.g. the brain under an alternating magnetic field; every other organ
    releases at the shared ``tissue`` and ``blood`` rates. Returns ``{key: k}`` for those keys only.
    """
    out = {}
    for o in organs:
        if o == "tumour":
            continue
        for key, kind in ((o, "tissue"), (f"{o}_vascular", "blood")):
            if key in envs:
                out[key] = release_rate_per_h(carrier.release, kind, envs[key])
    return out


def add_carrier(rb: RateBuilder, phys: Physiology, carrier: Carrier, ck: CarrierKinetics,
                v_ven_blood: float, v_art_blood: float, envs: dict[str, Environment],
                tumour_lymph_fraction: float, interstitial_release_into: dict[str, str] | None = None,
                ) -> list[tuple[str, str, str, float, float]]:
    """Add carrier and encapsulated-drug states; return the (unindexed) saturable MPS terms.

    ``interstitial_release_into`` maps an organ to the free-drug state that receives the drug released in its
    interstitium (default: the organ's free drug; the brain's interstitial fluid for a drug with BBB data).

    Returns a list of ``(src, dst, pc, k, capacity)`` tuples by state name, resolved by the caller.
    """
    hct = phys.hematocrit
    vp_ven, vp_art = plasma_pools_L(phys, v_ven_blood, v_art_blood)
    co_p = phys.cardiac_output_L_per_h * (1 - hct)
    organs = phys.organs()
    rel = {kind: release_rate_per_h(carrier.release, kind, envs[kind])
           for kind in ("blood", "tumour_vascular", "tissue", "tumour", "phagocyte")}
    rel.update(organ_release_rates(carrier, envs, organs))
    sat: list[tuple[str, str, str, float, float]] = []
    for sp in SPECIES:
        def s(comp: str, sp: str = sp) -> str:
            return f"{sp}:{comp}"

        rb.state(s("venous_plasma"))
        rb.state(s("arterial_plasma"))
        rb.flow(s("venous_plasma"), s("lung.vascular"), co_p / vp_ven, "flow")
        for o in organs:
            v = phys_volume(phys, o)
            vp_vas = v * phys_fraction(phys, o, "vascular") * (1 - hct)
            v_int = v * phys_fraction(phys, o, "interstitial")
            qp = phys_flow(phys, o) * (1 - hct)
            vas, inter = s(f"{o}.vascular"), s(f"{o}.interstitial")
            rb.state(vas)
            rb.state(inter)
            if o == "lung":
                rb.flow(vas, s("arterial_plasma"), qp / vp_vas, "flow")
            else:
                rb.flow(s("arterial_plasma"), vas, qp / vp_art, "flow")
                if o in PORTAL_ORGANS:
                    rb.flow(vas, s("liver.vascular"), qp / vp_vas, "flow")
                elif o == "liver":
                    q_out = qp + sum(phys.flow_L_per_h[p] * (1 - hct) for p in PORTAL_ORGANS)
                    rb.flow(vas, s("venous_plasma"), q_out / vp_vas, "flow")
                else:
                    rb.flow(vas, s("venous_plasma"), qp / vp_vas, "flow")
            rb.flow(vas, inter, ck.pa_L_per_h[o] / vp_vas,
                    "tumour_extravasation" if o == "tumour" else "extravasation")
            lymph = (tumour_lymph_fraction if o == "tumour" else ck.lymph_flow_fraction) * qp
            rb.flow(inter, s("venous_plasma"), lymph / v_int, "lymph")
            if o in MPS_ORGANS:
                pc = s(f"{o}.phagocyte")
                k_up = ck.mps_extraction[o] * through_flow_L_per_h(phys, o) * (1 - hct) / vp_vas
                rb.flow(vas, pc, k_up, "mps_uptake")
                sat.append((vas, pc, f"carrier:{o}.phagocyte", k_up, ck.mps_capacity_mg[o]))
            if o == "tumour":
                # tumour.phagocyte holds cell-associated carrier: macrophage uptake and receptor-mediated
                # internalisation by tumour cells; interstitial carrier not taken up may flow back (exit)
                rb.flow(inter, s("tumour.phagocyte"), ck.tumour_macrophage_per_h, "tumour_macrophage")
                if ck.tumour_cell_uptake_per_h > 0:
                    rb.flow(inter, s("tumour.phagocyte"), ck.tumour_cell_uptake_per_h, "tumour_cell_uptake")
                if ck.tumour_reflux_fraction > 0:
                    rb.flow(inter, vas, ck.tumour_reflux_fraction * ck.pa_L_per_h[o] / v_int, "tumour_reflux")
            if o == "kidney":
                sink = "carrier:sink.renal" if sp == "carrier" else "encapsulated:sink.renal"
                rb.flow(vas, sink, ck.renal_clearance_L_per_h / vp_vas, "renal_filtration")
            has_pc = o in MPS_ORGANS or o == "tumour"
            # carrier loss and drug release
            if sp == "carrier":
                if o == "tumour":
                    # digested in tumour cells: the carrier's label stays in the tumour (radiolabel, gold), which is
                    # what tumour %ID measurements count (Nano-Tumor DB); kept apart from intact carrier
                    label = ck.tumour_label_state
                    rb.state(label)
                    rb.flow(s("tumour.phagocyte"), label, ck.pc_degradation_per_h, "pc_degradation")
                    if ck.tumour_label_washout_per_h > 0:
                        rb.state(TUMOUR_LABEL_CLEARED)
                        rb.flow(label, TUMOUR_LABEL_CLEARED, ck.tumour_label_washout_per_h, "tumour_label_washout")
                elif has_pc:
                    rb.flow(s(f"{o}.phagocyte"), "carrier:sink.degraded", ck.pc_degradation_per_h, "pc_degradation")
            else:
                if o == "tumour":
                    rb.flow(vas, free(o), rel["tumour_vascular"], "release_tumour_vascular")
                else:
                    rb.flow(vas, free(o), rel.get(f"{o}_vascular", rel["blood"]), "release_blood")
                rb.flow(inter, (interstitial_release_into or {}).get(o, free(o)),
                        rel["tumour"] if o == "tumour" else rel.get(o, rel["tissue"]),
                        "release_tumour" if o == "tumour" else "release_tissue")
                if has_pc:
                    rb.flow(s(f"{o}.phagocyte"), free(o), ck.pc_degradation_per_h, "pc_degradation")
                    rb.flow(s(f"{o}.phagocyte"), free(o), rel["phagocyte"], "release_phagocyte")
        if sp == "encapsulated":
            rb.flow(s("venous_plasma"), free("venous_blood"), rel["blood"], "release_blood")
            rb.flow(s("arterial_plasma"), free("arterial_blood"), rel["blood"], "release_blood")
    return sat
