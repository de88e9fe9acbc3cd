"""Oral nanoformulations vs a coarse suspension: Fa, first-pass escape, F, Cmax, Tmax, AUC, relative F.

The systemic model is the drug's IV free-drug PBPK (built by :func:`nanodds.engine.build` from an IV
scenario at the same dose; its saturable terms are switched off). Because it is linear, AUC to infinity of any
input is exact: ``AUC = w . (-K^-1) u`` over the non-sink states, so

    F = AUC_oral / AUC_iv = Fa_portal * F_H + Fa_lymph,   F_H = AUC(1 mg into free:gut) / AUC(1 mg IV),

with ``Fa_portal`` and ``Fa_lymph`` the fractions of the dose absorbed by each route (lumen integrated until
it has drained). ``AUC_0-t`` is the integral state of the coupled ODE; ``AUC_0-t`` plus the exact tail from the
state at the end of the window (remaining absorption included) reproduces ``AUC_inf`` (checked in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.nca import cmax_tmax
from nanodds.engine import build, output_grid
from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.model.oral import (
    Formulation,
    build_oral_system,
    integrate,
    load_formulation,
    load_gi_tract,
    load_oral_drug,
    load_physics,
)
from nanodds.model.oral_micelles import (
    MicelleConstants,
    check_prandial_state,
    compartment_solution,
    load_micelle_constants,
)
from nanodds.model.structure import Model
from nanodds.specs.scenario import Scenario, parse_scenario
from nanodds.units import to_canonical

OBSERVABLE = "plasma_total"
TOP_KEYS = {"name", "description", "species", "subject", "drug", "oral", "simulation"}
ORAL_KEYS = {"dose", "formulations", "reference", "prandial_state"}
FORM_KEYS = {"name", "preset", "diameter", "pre_dissolved_fraction", "lymphatic_fraction"}


@dataclass(frozen=True)
class OralScenario:
    """A parsed oral comparison: the systemic (IV) scenario, the dose and the formulations."""

    name: str
    systemic: Scenario
    dose_mg: float
    formulations: tuple[Formulation, ...]
    reference: str
    prandial_state: str = "fasted"
    extra: dict[str, Any] = field(default_factory=dict)


def _formulation(item: Any, i: int) -> Formulation:
    if isinstance(item, str):
        return load_formulation(item, f"oral.formulations[{i}]")
    if not isinstance(item, dict):
        raise InputError(f"oral.formulations[{i}]", item, "a preset name or a mapping")
    reject_unknown_keys(item, FORM_KEYS, f"oral.formulations[{i}]")
    f = f"oral.formulations[{i}]"
    base = load_formulation(item["preset"], f"{f}.preset") if "preset" in item else \
        Formulation(str(item.get("name", "custom")), 1000.0)
    return Formulation(
        name=str(item.get("name", base.name)),
        diameter_nm=to_canonical(item["diameter"], "nm", f"{f}.diameter", positive=True)
        if "diameter" in item else base.diameter_nm,
        pre_dissolved_fraction=_fraction(item, "pre_dissolved_fraction", base.pre_dissolved_fraction, f),
        lymphatic_fraction=_fraction(item, "lymphatic_fraction", base.lymphatic_fraction, f),
    )


def _fraction(item: dict[str, Any], key: str, default: float, where: str) -> float:
    """A fraction in [0, 1] (a number or e.g. '30 %'), or ``default`` when ``key`` is absent."""
    if key not in item:
        return default
    v = to_canonical(item[key], "", f"{where}.{key}")
    if not 0.0 <= v <= 1.0:
        raise InputError(f"{where}.{key}", item[key], "a fraction in [0, 1]")
    return v


def parse_oral_scenario(raw: Any) -> OralScenario:
    """Validate an oral scenario mapping (see docs/oral.md)."""
    if not isinstance(raw, dict):
        raise InputError("scenario", raw, "a mapping")
    reject_unknown_keys(raw, TOP_KEYS)
    oral = raw.get("oral")
    if not isinstance(oral, dict) or "dose" not in oral:
        raise InputError("oral", oral, "a mapping with dose and formulations")
    reject_unknown_keys(oral, ORAL_KEYS, "oral")
    sysraw = {k: raw[k] for k in ("name", "species", "subject", "drug") if k in raw}
    sysraw["regimen"] = [{"route": "iv_bolus", "dose": oral["dose"]}]
    sim = dict(raw.get("simulation") or {})
    for key in ("saturable", "solver"):  # would be ignored: the oral model is linear, with its own stiff solver
        if key in sim:
            raise InputError(f"simulation.{key}", sim[key], "no 'saturable' or 'solver' in an oral scenario (the "
                             "oral model is linear and has its own stiff solver); keys: duration, points")
    sim.setdefault("duration", "48 h")
    sim.setdefault("points", 961)
    sim["saturable"] = False
    sysraw["simulation"] = sim
    scn = parse_scenario(sysraw)
    forms_raw = oral.get("formulations", ["coarse_suspension", "nanosuspension", "nanoemulsion", "snedds"])
    if not isinstance(forms_raw, list) or not forms_raw:
        raise InputError("oral.formulations", forms_raw, "a non-empty list")
    forms = tuple(_formulation(item, i) for i, item in enumerate(forms_raw))
    names = [f.name for f in forms]
    if len(set(names)) != len(names):
        raise InputError("oral.formulations", names, "unique formulation names")
    ref = oral.get("reference", names[0])
    if not known(ref, names):
        raise InputError("oral.reference", ref, f"one of {', '.join(names)}")
    state = check_prandial_state(str(oral.get("prandial_state", "fasted")))
    load_oral_drug(scn.drug.name, scn.drug.molecular_weight_g_per_mol)  # fail early without oral data
    load_gi_tract(scn.species, state)
    return OralScenario(str(raw.get("name", "oral")), scn, scn.regimen.first_dose_mg, forms, ref, state)


def auc_per_mg(model: Model, state: str, observable: str = OBSERVABLE) -> float:
    """Exact AUC0-inf (mg h/L) of ``observable`` after 1 mg put into ``state`` (linear model)."""
    ns = np.setdiff1d(np.arange(model.n), model.sinks)
    Kn = model.K[np.ix_(ns, ns)]
    e = np.zeros(model.n)
    e[model.index(state)] = 1.0
    return float(model.observables[observable].weights[ns] @ np.linalg.solve(-Kn, e[ns]))


def simulate_formulation(scn: Scenario, model: Model, form: Formulation, dose_mg: float,
                         t_grid: np.ndarray | None = None, prandial_state: str = "fasted",
                         micelles: MicelleConstants | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Metrics and time courses of one formulation (``model``: the linear IV model of ``scn``).

    ``prandial_state`` selects the intestinal bile-salt level (fasted/fed); ``micelles`` overrides the
    solubilisation constants of the data file (e.g. ``enabled=False`` for aqueous solubility only).
    """
    gi = load_gi_tract(scn.species, prandial_state)
    drug = load_oral_drug(scn.drug.name, scn.drug.molecular_weight_g_per_mol)
    micelles = micelles or load_micelle_constants()
    system = build_oral_system(gi, drug, form, model, load_physics(), micelles=micelles)
    si = compartment_solution(drug, gi.bile_salts_mM()[-1], micelles)
    grid = output_grid(scn) if t_grid is None else np.asarray(t_grid, dtype=float)
    run = integrate(system, dose_mg, form, grid)
    idx = system.index
    ng = system.n_gi
    gi_end = run.z_end_gi
    p_inf, l_inf = gi_end[idx["oral:absorbed.portal"]], gi_end[idx["oral:absorbed.lymph"]]
    per_ven, per_gut = auc_per_mg(model, "free:venous_blood"), auc_per_mg(model, "free:gut")
    auc_inf = p_inf * per_gut + l_inf * per_ven
    auc_iv = dose_mg * per_ven
    # check: AUC0-T + exact tail from the state at T (remaining absorption added as an input at T)
    ns = np.setdiff1d(np.arange(model.n), model.sinks)
    yT = run.z[-1, ng:ng + model.n].copy()
    yT[model.index("free:gut")] += p_inf - run.z[-1, idx["oral:absorbed.portal"]]
    yT[model.index("free:venous_blood")] += l_inf - run.z[-1, idx["oral:absorbed.lymph"]]
    w = model.observables[OBSERVABLE].weights
    tail = float(w[ns] @ np.linalg.solve(-model.K[np.ix_(ns, ns)], yT[ns]))
    auc_t = float(run.z[-1, idx["oral:auc"]])
    conc = run.z[:, ng:ng + model.n] @ w
    cmax, tmax = cmax_tmax(grid, conc)
    fa = (p_inf + l_inf) / dose_mg
    out = {
        "formulation": form.name, "diameter_nm": form.diameter_nm,
        "pre_dissolved_fraction": form.pre_dissolved_fraction, "lymphatic_fraction": form.lymphatic_fraction,
        "prandial_state": prandial_state, "si_solubility_factor": si.solubility_factor,
        "si_fraction_free": si.fraction_free,
        "fa": fa, "fa_portal": p_inf / dose_mg, "fa_lymph": l_inf / dose_mg,
        "f_degraded_lumen": gi_end[idx["oral:sink.degraded"]] / dose_mg,
        "f_faeces": gi_end[idx["oral:sink.faeces"]] / dose_mg,
        "fg_gut_wall": 1.0,  # no enterocyte metabolism or efflux in this model
        "fh_portal": per_gut / per_ven,
        "f_escape_first_pass": (auc_inf / auc_iv) / fa if fa > 0 else None,
        "bioavailability_F": auc_inf / auc_iv,
        "cmax_mg_per_L": cmax, "tmax_h": tmax,
        "auc_0_t_mg_h_per_L": auc_t, "auc_inf_mg_h_per_L": auc_inf,
        "auc_inf_from_tail_mg_h_per_L": auc_t + tail, "auc_iv_inf_mg_h_per_L": auc_iv,
        "mass_balance_rel_error": run.mass_balance_rel_error(),
    }
    curves = {"time_h": grid, "plasma_mg_per_L": conc,
              "lumen_solid_mg": _lumen(run, ".solid"), "lumen_dissolved_mg": _lumen(run, ".dissolved"),
              "absorbed_portal_mg": run.z[:, idx["oral:absorbed.portal"]],
              "absorbed_lymph_mg": run.z[:, idx["oral:absorbed.lymph"]]}
    return out, curves


def _lumen(run: Any, suffix: str) -> np.ndarray:
    cols = [i for i, nm in enumerate(run.system.names) if nm.startswith("oral:") and nm.endswith(suffix)]
    return run.z[:, cols].sum(axis=1)


def run_oral_comparison(osc: OralScenario) -> tuple[pd.DataFrame, dict[str, dict[str, np.ndarray]]]:
    """Table (one row per formulation, relative F vs the reference) and the time courses."""
    model = build(osc.systemic).linear()
    rows, curves = [], {}
    for form in osc.formulations:
        row, cur = simulate_formulation(osc.systemic, model, form, osc.dose_mg, prandial_state=osc.prandial_state)
        rows.append(row)
        curves[form.name] = cur
    df = pd.DataFrame(rows).set_index("formulation", drop=False)
    ref = df.loc[osc.reference]
    df["relative_F_vs_reference"] = df["auc_inf_mg_h_per_L"] / ref["auc_inf_mg_h_per_L"]
    df["cmax_ratio_vs_reference"] = df["cmax_mg_per_L"] / ref["cmax_mg_per_L"]
    df.attrs["reference"] = osc.reference
    return df.reset_index(drop=True), curves


def compare_oral_formulations(drug: str, species: str, dose: float | str,
                              formulations: Sequence[str | Formulation | dict],
                              reference: str | None = None, duration: str = "48 h", points: int = 961,
                              body_weight: str | None = None, prandial_state: str = "fasted") -> pd.DataFrame:
    """Compare oral formulations of ``drug`` in ``species`` at ``dose`` (mg, or a string like '100 mg').

    Columns: fa (fraction absorbed), fa_portal, fa_lymph, fh_portal (fraction of portal-absorbed drug escaping
    the liver), f_escape_first_pass (F/Fa), bioavailability_F (AUC oral / AUC IV, exact), cmax, tmax, AUC0-t,
    AUCinf, relative_F_vs_reference (default reference: coarse_suspension when listed, else the first),
    prandial_state (intestinal bile salts fasted/fed), si_solubility_factor (total/aqueous solubility in the
    small intestine, bile micelles) and si_fraction_free.
    """
    forms = [f if not isinstance(f, Formulation) else
             {"name": f.name, "diameter": f"{f.diameter_nm} nm", "pre_dissolved_fraction": f.pre_dissolved_fraction,
              "lymphatic_fraction": f.lymphatic_fraction} for f in formulations]
    names = [f if isinstance(f, str) else f.get("name", f.get("preset")) for f in forms]
    if reference is None:
        reference = "coarse_suspension" if "coarse_suspension" in names else names[0]
    raw: dict[str, Any] = {"name": f"{drug} oral", "species": species, "drug": drug,
                           "oral": {"dose": f"{dose} mg" if isinstance(dose, int | float) else dose,
                                    "formulations": forms, "reference": reference,
                                    "prandial_state": prandial_state},
                           "simulation": {"duration": duration, "points": points}}
    if body_weight is not None:
        raw["subject"] = {"body_weight": body_weight}
    df, _ = run_oral_comparison(parse_oral_scenario(raw))
    return df


__all__ = ["OralScenario", "auc_per_mg", "compare_oral_formulations", "parse_oral_scenario",
           "run_oral_comparison", "simulate_formulation"]
