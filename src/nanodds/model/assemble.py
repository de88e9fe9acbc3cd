"""Assemble free-drug, carrier and encapsulated-drug blocks into one :class:`Model`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nanodds.errors import InputError
from nanodds.model.bbb import add_bbb_opening
from nanodds.model.bbb_drug import brain_volumes
from nanodds.model.bbb_transcytosis import add_bbb_transcytosis
from nanodds.model.carrier import TUMOUR_DIGESTED, TUMOUR_LABEL, add_carrier, carrier_kinetics, plasma_pools_L
from nanodds.model.free_drug import add_free_drug, blood_pools_L, free, phys_volume
from nanodds.model.magnetic_guidance import (
    ENDOTHELIUM,
    add_endothelium_pool,
    add_magnetic_capture,
    held_at_endothelium,
)
from nanodds.model.metabolite import add_metabolite, metabolite, metabolite_drug, metabolite_mass_ratio
from nanodds.model.release_coupling import release_rate_per_h
from nanodds.model.sites import add_sites, site_observables
from nanodds.model.structure import Model, Observable, RateBuilder, SaturableTerm
from nanodds.release.stimuli import default_environment
from nanodds.specs.bbb import BBBOpening, BBBTranscytosis
from nanodds.specs.carrier import Carrier
from nanodds.specs.drug import Drug
from nanodds.specs.environment import Environment
from nanodds.specs.magnetic import MagneticGuidance
from nanodds.specs.params import Param, load_yaml
from nanodds.specs.physiology import Physiology
from nanodds.specs.sites import Site

CARRIER_PARTS = ("vascular", "interstitial", "phagocyte", "parenchyma", ENDOTHELIUM)
"""Compartments of an organ that may hold carriers (parenchyma: brain, receptor-mediated transcytosis;
endothelium: brain, held by a magnet)."""
ENV_COMPARTMENT = {"blood": "blood", "tumour_vascular": "blood", "tissue": "tissue",
                   "tumour": "tumour_interstitium", "phagocyte": "lysosome"}


def default_environments() -> dict[str, Environment]:
    """Environment of each compartment kind from ``data/release/environments.yaml``."""
    return {kind: default_environment(comp) for kind, comp in ENV_COMPARTMENT.items()}


@dataclass(frozen=True)
class ModelInputs:
    """Everything :func:`build_model` needs, in canonical units."""

    physiology: Physiology
    drug: Drug
    carrier: Carrier | None
    flow_scale: float
    environments: dict[str, Environment] = field(default_factory=default_environments)
    saturable: bool = True
    # (start_h, end_h, environments) windows in which the environments differ (e.g. hyperthermia)
    windows: tuple[tuple[float, float, dict[str, Environment]], ...] = ()
    # replacement values (in each parameter's file unit) for top-level keys of carriers/<species>.yaml,
    # e.g. {"mps_capacity": 50.0}: used by calibration, sensitivity and populations without editing data
    carrier_overrides: tuple[tuple[str, float], ...] = ()
    # a transient opening of the blood-brain barrier (carriers cross it during its window), or None
    bbb_opening: BBBOpening | None = None
    # disease sites (scenario ``sites:``), compartments with their own environment; empty: model unchanged
    sites: tuple[Site, ...] = ()
    # a magnet over a target tissue (carriers are captured there during its window), or None
    magnetic: MagneticGuidance | None = None
    # receptor-mediated transcytosis of the carrier's ligand across the BBB (``bbb: {transcytosis: true}``)
    bbb_transcytosis: BBBTranscytosis | None = None


def _rates(inp: ModelInputs, envs: dict[str, Environment],
           bbb_open: bool = False, magnet_on: bool = False) -> tuple[RateBuilder, list, dict]:
    phys, drug, carrier = inp.physiology, inp.drug, inp.carrier
    rb = RateBuilder()
    sat: list = add_free_drug(rb, phys, drug, inp.flow_scale)
    # active metabolite (parent-equivalent mg), when the drug file has a metabolite block
    add_metabolite(rb, phys, drug, inp.flow_scale)
    meta: dict[str, object] = {}
    kin = None
    if carrier is not None:
        kin = dict(load_yaml(f"carriers/{phys.species}.yaml"))
        for key, value in inp.carrier_overrides:
            old = kin[key]
            kin[key] = Param(float(value), old.unit, f"override of {old.source}")
        ck = carrier_kinetics(phys, carrier, kin)
        v_ven, v_art = blood_pools_L(phys)
        tl = kin["tumour_lymph_flow_fraction"].to("1")
        into = {"brain": free("brain.interstitial")} if drug.bbb is not None else None  # behind the BBB
        sat += add_carrier(rb, phys, carrier, ck, v_ven, v_art, envs, tl, into)
        if inp.bbb_transcytosis is not None:
            add_bbb_transcytosis(rb, phys, carrier, drug, inp.bbb_transcytosis,
                                 release_rate_per_h(carrier.release, "tissue", envs["tissue"]))
        if bbb_open and inp.bbb_opening is not None:
            add_bbb_opening(rb, phys, carrier, kin, inp.bbb_opening)
        if inp.magnetic is not None and held_at_endothelium(inp.magnetic):
            add_endothelium_pool(rb, carrier, inp.magnetic, envs)  # every segment: fixed state order
        if magnet_on and inp.magnetic is not None:
            add_magnetic_capture(rb, phys, inp.magnetic)
        meta["carrier_kinetics"] = ck
    if inp.sites:
        add_sites(rb, phys, drug, carrier, kin, inp.sites, envs["blood"])
    for sink in ("free:sink.hepatic", "free:sink.renal"):
        rb.state(sink)
    if carrier is not None:
        for sink in ("carrier:sink.degraded", "carrier:sink.renal", "encapsulated:sink.renal"):
            rb.state(sink)
    return rb, sat, meta


def build_model(inp: ModelInputs) -> Model:
    """Build the whole-body model of one formulation in one subject."""
    phys, drug, carrier = inp.physiology, inp.drug, inp.carrier
    rb, sat, meta = _rates(inp, inp.environments)
    names = tuple(rb.names)
    idx = {nm: i for i, nm in enumerate(names)}
    K = rb.matrix()
    meta["K_parts"] = rb.parts()
    schedule: list[tuple[float, np.ndarray]] = []
    windows = [(t0, t1, envs, False, False) for t0, t1, envs in inp.windows]
    if inp.bbb_opening is not None and carrier is not None:
        o = inp.bbb_opening
        if any(t0 < o.start_h + o.duration_h and o.start_h < t1 for t0, t1, *_ in windows):
            raise InputError("bbb.opening", o.method, "a window that does not overlap the environment windows "
                             "(overlapping time windows are not modelled)")
        windows.append((o.start_h, o.start_h + o.duration_h, inp.environments, True, False))
    if inp.magnetic is not None and carrier is not None:
        m = inp.magnetic
        if any(t0 < m.end_h and m.start_h < t1 for t0, t1, *_ in windows):
            raise InputError("magnetic.window", f"{m.start_h:g}-{m.end_h:g} h", "a window that does not overlap "
                             "the other time windows (overlapping time windows are not modelled)")
        windows.append((m.start_h, m.end_h, inp.environments, False, True))
    for t0, t1, envs, bbb_open, magnet_on in sorted(windows, key=lambda w: w[0]):
        rb_w, _, _ = _rates(inp, envs, bbb_open, magnet_on)
        if tuple(rb_w.names) != names:
            raise RuntimeError("state order changed between environments")
        schedule += [(t0, rb_w.matrix()), (t1, K)]
    n = len(names)
    sinks = np.array([i for i, nm in enumerate(names) if ":sink." in nm], dtype=int)
    dose = np.zeros(n)
    ef = carrier.encapsulated_fraction if carrier is not None else 0.0
    dose[idx[free("venous_blood")]] = 1.0 - ef
    per_mg = {"drug": 1.0}
    groups = {"drug": np.array([nm.startswith(("free:", "encapsulated:", "metabolite:")) for nm in names])}
    if carrier is not None:
        dose[idx["encapsulated:venous_plasma"]] = ef
        dose[idx["carrier:venous_plasma"]] = ef / carrier.drug_loading
        per_mg["carrier"] = ef / carrier.drug_loading
        groups["carrier"] = np.array([nm.startswith("carrier:") for nm in names])
    saturable: tuple[SaturableTerm, ...] = ()
    if inp.saturable:
        saturable = tuple(SaturableTerm(idx[s], idx[d], idx[p], k, cap) for s, d, p, k, cap in sat)
    obs = observables(phys, drug, carrier, idx, n)
    if inp.sites:
        obs.update(site_observables(inp.sites, drug, idx, n))
        meta["sites"] = tuple(s.name for s in inp.sites)
    vols = {o: phys_volume(phys, o) for o in phys.organs()}
    meta.update({"species": phys.species, "drug": drug.name,
                 "carrier": carrier.type if carrier is not None else None})
    return Model(names, K, saturable, dose, sinks, groups, per_mg, obs, vols, tuple(schedule), meta)


def observables(phys: Physiology, drug: Drug, carrier: Carrier | None, idx: dict[str, int],
                n: int) -> dict[str, Observable]:
    """Linear read-outs: plasma concentrations, tissue concentrations and amounts."""
    v_ven, v_art = blood_pools_L(phys)
    obs: dict[str, Observable] = {}

    def w(pairs: dict[str, float]) -> np.ndarray:
        vec = np.zeros(n)
        for nm, c in pairs.items():
            vec[idx[nm]] += c
        return vec

    free_pl = w({free("venous_blood"): 1.0 / (v_ven * drug.blood_plasma_ratio)})
    enc_pl = np.zeros(n)
    if carrier is not None:
        vp_ven, _ = plasma_pools_L(phys, v_ven, v_art)
        enc_pl = w({"encapsulated:venous_plasma": 1.0 / vp_ven})
        obs["plasma_carrier"] = Observable(w({"carrier:venous_plasma": 1.0 / vp_ven}), "mg/L",
                                           "Plasma carrier [mg carrier/L]")
    obs["plasma_total"] = Observable(free_pl + enc_pl, "mg/L", "Plasma total drug [mg/L]")
    obs["plasma_encapsulated"] = Observable(enc_pl, "mg/L", "Plasma encapsulated drug [mg/L]")
    obs["plasma_free"] = Observable(free_pl, "mg/L", "Plasma released (non-encapsulated) drug [mg/L]")
    obs["plasma_unbound"] = Observable(free_pl * drug.fraction_unbound, "mg/L", "Plasma unbound drug [mg/L]")
    met = metabolite_drug(drug, phys.species) if metabolite("venous_blood") in idx else None
    if met is not None:
        # states hold parent-equivalent mg: convert to mg of metabolite with the molecular-weight ratio
        c = metabolite_mass_ratio(drug, met) / (v_ven * met.blood_plasma_ratio)
        obs["plasma_metabolite"] = Observable(w({metabolite("venous_blood"): c}), "mg/L",
                                              f"Plasma {met.name} (metabolite) [mg/L]")
        obs["plasma_metabolite_unbound"] = Observable(w({metabolite("venous_blood"): c * met.fraction_unbound}),
                                                      "mg/L", f"Plasma unbound {met.name} (metabolite) [mg/L]")
    for o in phys.organs():
        v = phys_volume(phys, o)
        comps = {nm: 1.0 / v for nm in (free(o), f"{free(o)}.bound", f"{free(o)}.interstitial", f"{free(o)}.cells")
                 if nm in idx}
        obs[f"tissue_released_{o}"] = Observable(w(comps), "mg/L",
                                                 f"{o} released (non-encapsulated) drug [mg/L]")
        if f"{free(o)}.interstitial" in idx:  # permeability-limited brain: the unbound drug is the ISF's
            unbound = {f"{free(o)}.interstitial": 1.0 / brain_volumes(phys, drug).interstitial_L}
        else:
            # unbound drug in tissue water: the exchangeable state at equilibrium with plasma holds Kp * Cp, so
            # Cu = fu * Cp = fu / Kp * A / V (as nanodds.model.tissue_binding; bound drug excluded)
            unbound = {free(o): drug.fraction_unbound / (drug.kp[o] * v)}
        obs[f"tissue_unbound_{o}"] = Observable(w(unbound), "mg/L", f"{o} unbound released drug in tissue water [mg/L]")
        if carrier is not None:
            for part in CARRIER_PARTS:
                if f"encapsulated:{o}.{part}" in idx:
                    comps[f"encapsulated:{o}.{part}"] = 1.0 / v
        obs[f"tissue_{o}"] = Observable(w(comps), "mg/L", f"{o} total drug [mg/L]")
        obs[f"amount_{o}"] = Observable(w({k: c * v for k, c in comps.items()}), "mg", f"{o} drug [mg]")
        if carrier is not None:
            cw = {f"carrier:{o}.{p}": 1.0 for p in CARRIER_PARTS
                  if f"carrier:{o}.{p}" in idx}
            obs[f"carrier_amount_{o}"] = Observable(w(cw), "mg", f"{o} carrier [mg]")
            if o == "tumour":  # what a labelled-carrier measurement sees: intact carrier + label of digested carrier
                label = TUMOUR_LABEL if TUMOUR_LABEL in idx else TUMOUR_DIGESTED
                obs["carrier_label_amount_tumour"] = Observable(w({**cw, label: 1.0}), "mg",
                                                                "tumour carrier label (intact + digested) [mg]")
    return obs
