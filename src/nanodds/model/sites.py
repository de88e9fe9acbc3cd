"""Disease sites as compartments of the whole-body model (scenario ``sites:``).

A site is a small tissue in parallel with the organs: arterial blood perfuses it and returns to the venous
pool. The free drug is perfusion-limited with the host organ's Kp (``free:site.<name>``). Carriers and their
encapsulated drug enter the site's vascular plasma with its plasma flow, cross its leaky microvessels into its
interstitium with the Renkin hindrance of the site's pore diameter and the extravasation coefficient of every
other capillary bed (:func:`nanodds.model.hindrance.renkin`), and drain by lymph. At an injured artery,
ligand-coated carriers adhere to the wall from the arterial plasma (:mod:`nanodds.model.adhesion`) and stay
there until the cells of the wall take them up and digest them (at the carrier model's phagocyte degradation
rate, ``pc_degradation_rate``: assumption, no wall-specific rate). Encapsulated drug is released in the
site's vascular plasma at the blood environment's rate and in its interstitium and on its wall at the site
environment's rate (pH, MMP, glutathione).

Assumptions: the site is added to the body (its volume and flow are not taken from the host organ, which is
small for lesions of a few mL); no phagocytic uptake at the site; wall-bound carriers do not detach.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.model.adhesion import capture_clearance_L_per_h
from nanodds.model.carrier import SPECIES, plasma_pools_L
from nanodds.model.free_drug import blood_pools_L, free
from nanodds.model.hindrance import renkin
from nanodds.model.release_coupling import release_rate_per_h
from nanodds.model.structure import Observable, RateBuilder
from nanodds.specs.carrier import Carrier
from nanodds.specs.drug import Drug
from nanodds.specs.environment import Environment
from nanodds.specs.physiology import Physiology
from nanodds.specs.sites import Site

PARTS = ("vascular", "interstitial", "wall")


def site_state(species: str, site: Site, part: str | None = None) -> str:
    """State name of a site compartment, e.g. ``carrier:site.lesion.interstitial``."""
    return f"{species}:site.{site.name}" + (f".{part}" if part else "")


def wall_capture_L_per_h(site: Site, carrier: Carrier) -> float:
    """Plasma clearance (L/h) of the carrier onto the site's injured wall; 0 without an adhesion ligand."""
    if site.wall is None or site.wall.adhesion is None:
        return 0.0
    w, a = site.wall, site.wall.adhesion
    return capture_clearance_L_per_h(carrier.diameter_nm, w.shear_per_s, a.ligand_density_per_um2, dict(a.pairs),
                                     w.lumen_diameter_mm, w.length_mm)


def add_site_free_drug(rb: RateBuilder, phys: Physiology, drug: Drug, site: Site) -> None:
    """Perfusion-limited free drug in the site, with the host organ's Kp."""
    _, v_art = blood_pools_L(phys)
    s = site_state("free", site)
    rb.flow(free("arterial_blood"), s, site.flow_L_per_h / v_art, "flow")
    rb.flow(s, free("venous_blood"), site.flow_L_per_h / (site.volume_L * drug.kp_blood(site.host)), "flow")


def add_site_carrier(rb: RateBuilder, phys: Physiology, carrier: Carrier, kin: dict[str, Any], site: Site,
                     blood_env: Environment) -> None:
    """Carrier and encapsulated drug in the site (vascular, interstitial, wall)."""
    hct = phys.hematocrit
    _, vp_art = plasma_pools_L(phys, *blood_pools_L(phys))
    qp = site.flow_L_per_h * (1 - hct)
    vp_vas = site.volume_L * site.vascular_fraction * (1 - hct)
    v_int = site.volume_L * site.interstitial_fraction
    pa = kin["extravasation_coefficient"].to("1") * qp * renkin(carrier.diameter_nm, site.pore_diameter_nm)
    lymph = kin["lymph_flow_fraction"].to("1") * qp
    cap = wall_capture_L_per_h(site, carrier)
    rel_blood = release_rate_per_h(carrier.release, "blood", blood_env)
    rel_site = release_rate_per_h(carrier.release, "tissue", site.environment)
    k_digest = kin["pc_degradation_rate"].to("1/h")
    for sp in SPECIES:
        vas, inter, wall = (site_state(sp, site, p) for p in PARTS)
        rb.flow(f"{sp}:arterial_plasma", vas, qp / vp_art, "flow")
        rb.flow(vas, f"{sp}:venous_plasma", qp / vp_vas, "flow")
        rb.flow(vas, inter, pa / vp_vas, "site_extravasation")
        rb.flow(inter, f"{sp}:venous_plasma", lymph / v_int, "lymph")
        if sp == "encapsulated":
            rb.flow(vas, site_state("free", site), rel_blood, "release_blood")
            rb.flow(inter, site_state("free", site), rel_site, "release_site")
        if cap > 0:  # only at a wall with an adhesion ligand
            rb.flow(f"{sp}:arterial_plasma", wall, cap / vp_art, "wall_adhesion")
            if sp == "carrier":
                rb.flow(wall, "carrier:sink.degraded", k_digest, "pc_degradation")
            else:
                rb.flow(wall, site_state("free", site), k_digest, "pc_degradation")
                rb.flow(wall, site_state("free", site), rel_site, "release_site")


def add_sites(rb: RateBuilder, phys: Physiology, drug: Drug, carrier: Carrier | None, kin: dict[str, Any] | None,
              sites: tuple[Site, ...], blood_env: Environment) -> None:
    """Add every site's states and transfers (nothing when ``sites`` is empty)."""
    for site in sites:
        add_site_free_drug(rb, phys, drug, site)
        if carrier is not None and kin is not None:
            add_site_carrier(rb, phys, carrier, kin, site, blood_env)


def site_observables(sites: tuple[Site, ...], drug: Drug, idx: dict[str, int], n: int) -> dict[str, Observable]:
    """Per site: released and total drug concentration (mg/L of site), drug and carrier amounts (mg)."""
    obs: dict[str, Observable] = {}

    def w(names: list[str], c: float) -> np.ndarray:
        vec = np.zeros(n)
        for nm in names:
            if nm in idx:
                vec[idx[nm]] += c
        return vec

    for s in sites:
        rel = [site_state("free", s)]
        enc = [site_state("encapsulated", s, p) for p in PARTS]
        car = [site_state("carrier", s, p) for p in PARTS]
        obs[f"site_released_{s.name}"] = Observable(w(rel, 1.0 / s.volume_L), "mg/L",
                                                    f"{s.name} released (non-encapsulated) drug [mg/L]")
        obs[f"site_unbound_{s.name}"] = Observable(
            w(rel, drug.fraction_unbound / (drug.kp[s.host] * s.volume_L)), "mg/L",
            f"{s.name} unbound released drug in tissue water [mg/L]")
        obs[f"site_total_{s.name}"] = Observable(w(rel + enc, 1.0 / s.volume_L), "mg/L", f"{s.name} total drug [mg/L]")
        obs[f"site_amount_{s.name}"] = Observable(w(rel + enc, 1.0), "mg", f"{s.name} drug [mg]")
        obs[f"site_carrier_amount_{s.name}"] = Observable(w(car, 1.0), "mg", f"{s.name} carrier [mg]")
        obs[f"site_wall_carrier_{s.name}"] = Observable(w(car[2:], 1.0), "mg",
                                                        f"{s.name} carrier bound to the wall [mg]")
    return obs
