"""Co-loaded carriers: several payloads in one carrier, each with its own release, and the molar ratio over time.

A combination scenario is a normal scenario whose ``drug`` is replaced by ``payloads`` (a list of
``{drug, dose, release, encapsulated_fraction, drug_loading}``); ``carrier`` (type, diameter, ...) and the regimen
*timing* (route, duration, start, every, count; no dose) are shared. :func:`parse_combination` turns it into one
ordinary single-drug :class:`~nanodds.specs.scenario.Scenario` per payload, so the single-drug engine is used
unchanged: each payload is simulated with :func:`nanodds.engine.simulate` and its free form with
``Scenario.conventional()`` (the free-drug cocktail).

Carrier dose. The carrier is co-loaded, so every payload's model must carry the *same* carrier mass. With
``ef_i`` the encapsulated fraction and ``D_i`` the dose (mg) of payload i and ``L`` the total loading
(encapsulated drug mass of all payloads per carrier mass, ``carrier.drug_loading``)::

    carrier mg  C   = sum_i ef_i D_i / L
    per payload L_i = ef_i D_i / C          (so that ef_i D_i / L_i == C for every i)

The engine doses ``ef_i D_i / L_i`` mg of carrier with payload i, hence the same C for all. Instead of ``L`` the
payloads may each state their own ``drug_loading`` (mg of that drug per mg carrier); they must then imply the
same C (within 1e-6 relative). Because the carrier's own kinetics (MPS uptake, saturation, degradation) do not
depend on what it carries, the carrier trajectories coincide across payloads (tested).

Molar ratio. ``ratio_j(t) = (c_j(t) / MW_j) / (c_0(t) / MW_0)``: payload j against the first payload (the
reference), in plasma (total; and encapsulated for the nanoformulation), marrow and tumour (if present). The
target is ``target_molar_ratio`` (top-level key; default: the dosed molar ratio). ``ratio_maintenance`` reports,
per window, the hours and fraction of time the ratio stays within +/-20 % of the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanodds.analysis.ratio_band import DEFAULT_TOLERANCE, ratio_maintenance
from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.specs.carrier import build_carrier
from nanodds.specs.drug import drug_names, load_drug
from nanodds.specs.regimen import dose_to_mg, parse_regimen
from nanodds.specs.scenario import TOP_KEYS, Scenario, parse_scenario
from nanodds.units import to_canonical

__all__ = ["Combination", "CombinationResult", "Payload", "parse_combination", "ratio_maintenance",
           "ratio_series", "run_combination", "simulate_combination"]

COMB_TOP_KEYS = (TOP_KEYS - {"drug"}) | {"payloads", "target_molar_ratio", "ratio_windows", "ratio_tolerance"}
PAYLOAD_KEYS = {"name", "drug", "dose", "release", "encapsulated_fraction", "drug_loading",
                "route", "duration", "start", "every", "count"}
TIMING_KEYS = ("route", "duration", "start", "every", "count")
PAYLOAD_CARRIER_KEYS = ("release", "encapsulated_fraction", "drug_loading")
DEFAULT_WINDOWS_H = ((0.0, 24.0), (0.0, 72.0))
COMPARTMENTS = {"plasma": "plasma_total", "plasma_encapsulated": "plasma_encapsulated"}


@dataclass(frozen=True)
class Payload:
    """One payload of a co-loaded carrier, as an ordinary single-drug scenario."""

    label: str
    drug: str
    dose_mg: float
    molecular_weight_g_per_mol: float
    scenario: Scenario


@dataclass(frozen=True)
class Combination:
    """A parsed combination scenario: the payloads share carrier and timing."""

    name: str
    payloads: tuple[Payload, ...]
    carrier_dose_mg: float
    total_loading: float
    target_molar_ratios: tuple[float, ...]
    dosed_molar_ratios: tuple[float, ...]
    windows_h: tuple[tuple[float, float], ...]
    tolerance: float

    @property
    def pairs(self) -> tuple[str, ...]:
        """Ratio names ``"<payload j>:<reference>"``, j >= 1."""
        ref = self.payloads[0].label
        return tuple(f"{p.label}:{ref}" for p in self.payloads[1:])


def _regimen_items(raw: Any) -> list[dict[str, Any]]:
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise InputError("regimen", raw, "a non-empty list of timings (route, duration, start, every, count)")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"regimen[{i}]", item, "a mapping with route, duration, ...")
        if "dose" in item:
            raise InputError(f"regimen[{i}].dose", item["dose"], "no dose here: each payload has its own dose")
    return [dict(it) for it in items]


def _timing(items: list[dict[str, Any]], bw: float, bsa: float | None) -> list[tuple[float, float]]:
    reg = parse_regimen([{**it, "dose": "1 mg"} for it in items], bw, bsa)
    return [(e.start_h, e.duration_h) for e in reg.events]


def parse_combination(raw: Any) -> Combination:
    """Validate a combination scenario mapping and parse each payload into a single-drug scenario."""
    if not isinstance(raw, dict):
        raise InputError("scenario", raw, "a mapping")
    if "drug" in raw:
        raise InputError("drug", raw["drug"], "no top-level drug in a combination: list the drugs under payloads")
    if "conventional" in raw:  # the comparator of a combination is the free cocktail; the block would mislead
        raise InputError("conventional", raw["conventional"], "no 'conventional' block in a combination: its "
                         "comparator is the free cocktail (each payload without carrier, same dose and infusion)")
    reject_unknown_keys(raw, COMB_TOP_KEYS)
    payloads = raw.get("payloads")
    if not isinstance(payloads, list) or len(payloads) < 2:
        raise InputError("payloads", payloads, "a list of at least two payloads {drug, dose, release, ...}")
    carrier_raw = raw.get("carrier")
    if isinstance(carrier_raw, str):
        carrier_raw = {"type": carrier_raw}
    if not isinstance(carrier_raw, dict):
        raise InputError("carrier", carrier_raw, "the shared carrier mapping (type, diameter, ...)")
    for k in ("release", "encapsulated_fraction"):
        if k in carrier_raw:
            raise InputError(f"carrier.{k}", carrier_raw[k], f"no {k} here: give it per payload")
    shared_carrier = build_carrier(carrier_raw)  # validates type, diameter, ... and gives the type defaults
    species = raw.get("species", "human")
    items = _regimen_items(raw.get("regimen"))
    base = {k: v for k, v in raw.items() if k not in {"payloads", "target_molar_ratio", "ratio_windows",
                                                        "ratio_tolerance", "carrier", "regimen"}}

    specs: list[dict[str, Any]] = []
    for i, p in enumerate(payloads):
        f = f"payloads[{i}]"
        if not isinstance(p, dict):
            raise InputError(f, p, "a mapping {drug, dose, release, encapsulated_fraction, drug_loading}")
        reject_unknown_keys(p, PAYLOAD_KEYS, f)
        drug = p.get("drug")
        if not isinstance(drug, str) or not known(drug, drug_names()):
            raise InputError(f"{f}.drug", drug, f"one of {', '.join(drug_names())}")
        if "dose" not in p:
            raise InputError(f"{f}.dose", None, "a dose in mg, mg/kg or mg/m^2")
        specs.append(p)

    # the subject (body weight, BSA) from a probe scenario of the first drug
    probe = parse_scenario({**base, "drug": specs[0]["drug"], "regimen": [{**it, "dose": "1 mg"} for it in items]})
    bw, bsa = probe.physiology.body_weight_kg, probe.bsa_m2
    shared_timing = _timing(items, bw, bsa)

    doses, efs = [], []
    for i, p in enumerate(specs):
        f = f"payloads[{i}]"
        own = {k: p[k] for k in TIMING_KEYS if k in p}
        if own:
            if len(items) != 1:
                raise InputError(f"{f}.{sorted(own)[0]}", own[sorted(own)[0]],
                                 "no per-payload timing with a multi-item regimen (the carrier is co-loaded)")
            try:
                t_own = _timing([{**items[0], **own}], bw, bsa)
            except InputError as exc:
                raise InputError(f"{f}.{sorted(own)[0]}", own[sorted(own)[0]], exc.allowed) from None
            if not np.allclose(t_own, shared_timing, rtol=0, atol=1e-12):
                k = sorted(own)[0]
                raise InputError(f"{f}.{k}", own[k],
                                 "the shared regimen timing: co-loaded payloads are given together")
        doses.append(dose_to_mg(p["dose"], f"{f}.dose", bw, bsa))
        if "encapsulated_fraction" in p:
            ef = to_canonical(p["encapsulated_fraction"], "", f"{f}.encapsulated_fraction")
            if not 0 < ef <= 1:
                raise InputError(f"{f}.encapsulated_fraction", p["encapsulated_fraction"], "a fraction in (0, 1]")
        else:
            ef = shared_carrier.encapsulated_fraction
        efs.append(ef)

    enc = [d * e for d, e in zip(doses, efs, strict=True)]
    own_loading = [("drug_loading" in p) for p in specs]
    if any(own_loading):
        if not all(own_loading):
            i = own_loading.index(False)
            raise InputError(f"payloads[{i}].drug_loading", None, "a drug_loading on every payload (or none)")
        if "drug_loading" in carrier_raw:
            raise InputError("carrier.drug_loading", carrier_raw["drug_loading"],
                             "no total loading when the payloads give their own drug_loading")
        loads = [to_canonical(p["drug_loading"], "", f"payloads[{i}].drug_loading", positive=True)
                 for i, p in enumerate(specs)]
        cmg = [m / ld for m, ld in zip(enc, loads, strict=True)]
        for i, c in enumerate(cmg):
            if abs(c - cmg[0]) > 1e-6 * cmg[0]:
                raise InputError(f"payloads[{i}].drug_loading", specs[i]["drug_loading"],
                                 f"a loading implying the same carrier dose as payloads[0] ({cmg[0]:.6g} mg)")
        carrier_mg = cmg[0]
    else:
        carrier_mg = sum(enc) / shared_carrier.drug_loading
    total_loading = sum(enc) / carrier_mg

    labels: list[str] = []
    out: list[Payload] = []
    for i, p in enumerate(specs):
        label = str(p.get("name", p["drug"]))
        if label in labels:
            label = f"{label}#{i + 1}"
        labels.append(label)
        c_raw = {k: v for k, v in carrier_raw.items() if k != "drug_loading"}
        c_raw["drug_loading"] = enc[i] / carrier_mg
        c_raw["encapsulated_fraction"] = efs[i]
        if "release" in p:
            c_raw["release"] = p["release"]
        s_raw = {**base, "name": f"{raw.get('name', 'combination')} [{label}]", "drug": p["drug"],
                 "carrier": c_raw, "regimen": [{**it, "dose": p["dose"]} for it in items]}
        try:
            scn = parse_scenario(s_raw)
        except InputError as exc:
            fld = exc.field.replace("carrier.release", f"payloads[{i}].release")
            raise InputError(fld, exc.value, exc.allowed) from None
        mw = load_drug(p["drug"], species).molecular_weight_g_per_mol
        out.append(Payload(label, p["drug"], doses[i], mw, scn))

    dosed = tuple((out[j].dose_mg / out[j].molecular_weight_g_per_mol)
                  / (out[0].dose_mg / out[0].molecular_weight_g_per_mol) for j in range(1, len(out)))
    target = raw.get("target_molar_ratio")
    if target is None:
        targets = dosed
    else:
        tl = target if isinstance(target, list) else [target]
        if len(tl) != len(dosed) or not all(isinstance(x, int | float) and not isinstance(x, bool) and x > 0
                                            and math.isfinite(x) for x in tl):
            raise InputError("target_molar_ratio", target,
                             f"{len(dosed)} positive number(s): moles of payload j per mole of payloads[0]")
        targets = tuple(float(x) for x in tl)
    windows = _windows(raw.get("ratio_windows"), out[0].scenario.duration_h)
    tol = raw.get("ratio_tolerance", DEFAULT_TOLERANCE)
    if not isinstance(tol, int | float) or isinstance(tol, bool) or not 0 < tol < 1:
        raise InputError("ratio_tolerance", tol, "a relative band in (0, 1), e.g. 0.2 for +/-20 %")
    return Combination(name=str(raw.get("name", "combination")), payloads=tuple(out), carrier_dose_mg=carrier_mg,
                       total_loading=total_loading, target_molar_ratios=targets, dosed_molar_ratios=dosed,
                       windows_h=windows, tolerance=float(tol))


def _windows(raw: Any, duration_h: float) -> tuple[tuple[float, float], ...]:
    if raw is None:
        return tuple((a, min(b, duration_h)) for a, b in DEFAULT_WINDOWS_H if a < duration_h)
    if not isinstance(raw, list) or not raw:
        raise InputError("ratio_windows", raw, "a list of [start, end] pairs with units, e.g. [[0 h, 24 h]]")
    out = []
    for i, w in enumerate(raw):
        if not isinstance(w, list) or len(w) != 2:
            raise InputError(f"ratio_windows[{i}]", w, "a [start, end] pair")
        a = to_canonical(w[0], "h", f"ratio_windows[{i}][0]", nonnegative=True)
        b = to_canonical(w[1], "h", f"ratio_windows[{i}][1]", positive=True)
        if not a < b <= duration_h:
            raise InputError(f"ratio_windows[{i}]", w, f"start < end <= the simulated {duration_h:g} h")
        out.append((a, b))
    return tuple(out)


@dataclass(frozen=True)
class CombinationResult:
    """Solutions of every payload, nano (co-loaded) and free (cocktail), on one time grid."""

    combination: Combination
    nano: tuple[Any, ...]
    free: tuple[Any, ...]

    @property
    def times_h(self) -> np.ndarray:
        return self.nano[0].times_h


def simulate_combination(comb: Combination) -> CombinationResult:
    """Simulate each payload as nanoformulation and as free drug with the unchanged single-drug engine."""
    from nanodds.engine import simulate

    nano = tuple(simulate(p.scenario) for p in comb.payloads)
    free = tuple(simulate(p.scenario.conventional()) for p in comb.payloads)
    return CombinationResult(comb, nano, free)


def _observable(sol: Any, compartment: str) -> np.ndarray | None:
    name = COMPARTMENTS.get(compartment, f"tissue_{compartment}")
    if name not in sol.model.observables:
        return None
    return sol.observe(name)


def molar_conc(sol: Any, compartment: str, mw: float) -> np.ndarray | None:
    """Concentration (mmol/L) of a payload in a compartment (None when absent)."""
    c = _observable(sol, compartment)
    return None if c is None else c / mw


def ratio_series(res: CombinationResult) -> list[dict[str, Any]]:
    """Molar ratio time courses: one entry per (pair, compartment, formulation) with ``ratio`` (NaN where the
    reference payload is absent)."""
    comb = res.combination
    comps = ["plasma", "plasma_encapsulated", "marrow"]
    if "tumour" in res.nano[0].model.volumes_L:
        comps.append("tumour")
    out = []
    for form, sols in (("nano", res.nano), ("free", res.free)):
        for comp in comps:
            if comp == "plasma_encapsulated" and form == "free":
                continue
            ref = molar_conc(sols[0], comp, comb.payloads[0].molecular_weight_g_per_mol)
            for j in range(1, len(sols)):
                cj = molar_conc(sols[j], comp, comb.payloads[j].molecular_weight_g_per_mol)
                if ref is None or cj is None:
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.where(ref > 1e-300, cj / np.where(ref > 1e-300, ref, 1.0), np.nan)
                out.append({"pair": comb.pairs[j - 1], "compartment": comp, "formulation": form,
                            "target": comb.target_molar_ratios[j - 1], "ratio": r})
    return out


def summarise(res: CombinationResult) -> dict[str, Any]:
    """The combination document: per-payload metrics (nano and free), carrier dose, ratio maintenance."""
    from nanodds.analysis.metrics import compute_metrics

    comb = res.combination
    t = res.times_h
    payloads = {}
    for p, sn, sf in zip(comb.payloads, res.nano, res.free, strict=True):
        payloads[p.label] = {
            "drug": p.drug, "dose_mg": p.dose_mg, "molecular_weight_g_per_mol": p.molecular_weight_g_per_mol,
            "drug_loading": p.scenario.carrier.drug_loading,
            "encapsulated_fraction": p.scenario.carrier.encapsulated_fraction,
            "release": p.scenario.carrier.release,
            "nano": compute_metrics(sn, p.scenario.regimen, p.scenario.bsa_m2),
            "free": compute_metrics(sf, p.scenario.regimen, p.scenario.bsa_m2),
        }
    ratios: dict[str, Any] = {}
    for s in ratio_series(res):
        key = f"{s['pair']}|{s['compartment']}|{s['formulation']}"
        ratios[key] = ratio_maintenance(t, s["ratio"], s["target"], comb.windows_h, comb.tolerance)
    return {"combination": comb.name, "reference_payload": comb.payloads[0].label, "pairs": list(comb.pairs),
            "carrier_dose_mg_per_administration": comb.carrier_dose_mg, "total_loading": comb.total_loading,
            "dosed_molar_ratios": list(comb.dosed_molar_ratios),
            "target_molar_ratios": list(comb.target_molar_ratios),
            "ratio_windows_h": [list(w) for w in comb.windows_h], "payloads": payloads,
            "ratio_maintenance": ratios}


def run_combination(raw: Any) -> tuple[CombinationResult, dict[str, Any]]:
    """Parse, simulate and summarise a combination scenario mapping."""
    res = simulate_combination(parse_combination(raw))
    return res, summarise(res)


def combination_pd(res: CombinationResult, params: Any, site: str = "marrow") -> dict[str, Any]:
    """Effect time courses (Emax single agents, Bliss, ratio-dependent Loewe) at a site, nano vs free.

    Uses the total drug concentration at the site (encapsulated + released): Vyxeos liposomes are taken up
    intact by leukaemia cells in the marrow and release their drugs inside them (TGA Vyxeos approval page,
    verified in retrieved text), so the carried drug counts as exposure there. ``params`` is a
    :class:`nanodds.analysis.synergy.SynergyParams` whose reference and partner are payloads of ``res``.
    """
    from nanodds.analysis.synergy import pd_time_courses

    comb = res.combination
    labels = {p.drug: i for i, p in reversed(list(enumerate(comb.payloads)))}
    for role, drug in (("reference", params.reference), ("partner", params.partner)):
        if not known(drug, labels):
            raise InputError(f"synergy.{role}", drug, f"a payload drug: {', '.join(sorted(labels))}")
    ia, ib = labels[params.reference], labels[params.partner]
    out: dict[str, Any] = {"site": site, "reference": params.reference, "partner": params.partner,
                           "basis": "total concentration at the site (umol/L)"}
    for form, sols in (("nano", res.nano), ("free", res.free)):
        ca = molar_conc(sols[ia], site, comb.payloads[ia].molecular_weight_g_per_mol)
        cb = molar_conc(sols[ib], site, comb.payloads[ib].molecular_weight_g_per_mol)
        if ca is None or cb is None:
            raise InputError("synergy.site", site, "a compartment of the model, e.g. marrow")
        out[form] = pd_time_courses(res.times_h, 1e3 * ca, 1e3 * cb, params)
    return out
