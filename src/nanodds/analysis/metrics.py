"""Metrics of one simulation: plasma PK, tissue exposure, tumour delivery, mass balance."""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.analysis.nca import (
    cmax_tmax,
    fluctuation_percent,
    last_dosing_interval,
    terminal_half_life_h,
    value_at,
)
from nanodds.analysis.peaks import peak_solution
from nanodds.solve.solution import Solution, same_time_tol_h
from nanodds.specs.regimen import Regimen

PLASMA = ("plasma_total", "plasma_encapsulated", "plasma_free", "plasma_unbound", "plasma_metabolite",
          "plasma_micelle")
"""Plasma observables with PK metrics; those a model lacks (``plasma_metabolite`` without a metabolite) are
skipped."""
DE_TIMES_H = (24.0, 168.0)


def plasma_metrics(sol: Solution, name: str, regimen: Regimen,
                   peaks: Solution | None = None) -> dict[str, float | None]:
    """AUC0-t, AUCinf, Cmax, Tmax, terminal t1/2, CL, Vss of a plasma observable.

    ``peaks``: the solution Cmax and Tmax are read on (:func:`nanodds.analysis.peaks.peak_solution`; default ``sol``).
    """
    t = sol.times_h
    c = sol.observe(name)
    pk = sol if peaks is None else peaks
    if not np.any(c > 0):
        return {"auc_0_t_mg_h_per_L": 0.0, "auc_inf_mg_h_per_L": 0.0, "cmax_mg_per_L": 0.0, "tmax_h": None,
                "t_half_h": None, "cl_L_per_h": None, "vss_L": None, "mrt_h": None}
    auc_t, auc_inf = sol.observe_auc(name)
    cmax, tmax = cmax_tmax(pk.times_h, pk.observe(name))
    t_half, r2 = terminal_half_life_h(t, c)
    dose = regimen.total_mg
    out: dict[str, float | None] = {
        "auc_0_t_mg_h_per_L": auc_t, "auc_inf_mg_h_per_L": auc_inf, "cmax_mg_per_L": cmax, "tmax_h": tmax,
        "t_half_h": t_half, "t_half_adj_r2": r2,
    }
    if np.isfinite(auc_inf) and auc_inf > 0:
        cl = dose / auc_inf
        aumc = sol.observe_aumc_inf(name)
        # mean input time of the regimen (infusions: start + duration/2), dose-weighted
        mit = sum(e.amount_mg * (e.start_h + e.duration_h / 2) for e in regimen.events) / dose
        mrt = aumc / auc_inf - mit
        out.update({"cl_L_per_h": cl, "mrt_h": mrt, "vss_L": cl * mrt})
    else:
        out.update({"cl_L_per_h": None, "mrt_h": None, "vss_L": None})
    return out


def compute_metrics(sol: Solution, regimen: Regimen, bsa_m2: float | None = None,
                    body_weight_kg: float | None = None, peaks: Solution | None = None) -> dict[str, Any]:
    """All metrics of one simulation as a JSON-ready mapping (keys carry units).

    ``bsa_m2`` adds plasma CL and Vss per m^2 (human dosing); without it, ``body_weight_kg`` adds them per kg
    (``cl_L_per_h_per_kg``, ``vss_L_per_kg``: how mouse and rat clearances are reported). ``peaks``:
    :func:`nanodds.analysis.peaks.peak_solution` of ``sol`` when the caller has it already (default: made here).
    """
    m = sol.model
    pk = peak_solution(sol) if peaks is None else peaks  # peaks inside the first output step after a bolus
    res: dict[str, Any] = {"dose_total_mg": regimen.total_mg, "solver": sol.method}
    for name in PLASMA:
        if name in m.observables:
            res[name] = plasma_metrics(sol, name, regimen, pk)
    for part in ("plasma_metabolite", "plasma_micelle"):
        if part in res:
            # dose / AUC is not a clearance of a metabolite (what is formed, not administered) nor of the drug held
            # in vehicle micelles (a part of plasma drug)
            res[part].update({"cl_L_per_h": None, "mrt_h": None, "vss_L": None})
    if bsa_m2:
        res["plasma_total"]["cl_L_per_h_per_m2"] = (res["plasma_total"]["cl_L_per_h"] or float("nan")) / bsa_m2
        res["plasma_total"]["vss_L_per_m2"] = (res["plasma_total"]["vss_L"] or float("nan")) / bsa_m2
    elif body_weight_kg:
        res["plasma_total"]["cl_L_per_h_per_kg"] = (res["plasma_total"]["cl_L_per_h"] or float("nan")) / body_weight_kg
        res["plasma_total"]["vss_L_per_kg"] = (res["plasma_total"]["vss_L"] or float("nan")) / body_weight_kg
    tissues: dict[str, Any] = {}
    for organ in m.volumes_L:
        key = f"tissue_{organ}"
        auc_t, auc_inf = sol.observe_auc(key)
        cmax, tmax = cmax_tmax(pk.times_h, pk.observe(key))
        tissues[organ] = {"auc_mg_h_per_L": auc_inf if np.isfinite(auc_inf) else auc_t,
                          "auc_0_t_mg_h_per_L": auc_t, "cmax_mg_per_L": cmax, "tmax_h": tmax}
        # released drug only (what acts on and harms the tissue; encapsulated drug in its vessels excluded)
        rel = f"tissue_released_{organ}"
        r_auc_t, r_auc_inf = sol.observe_auc(rel)
        tissues[organ]["released_auc_mg_h_per_L"] = r_auc_inf if np.isfinite(r_auc_inf) else r_auc_t
        tissues[organ]["released_cmax_mg_per_L"] = float(pk.observe(rel).max())
    res["tissues"] = tissues
    if "sites" in m.meta:
        res["sites"] = site_metrics(sol, m.meta["sites"], pk)
    if "tumour" in m.volumes_L:
        res["tumour"] = tumour_metrics(sol, regimen, tissues, pk)
    if len(regimen.events) > 1:
        res["plasma_total"]["fluctuation"] = plasma_fluctuation(sol, regimen)
    mb = sol.mass_balance_rel_error()
    res["mass_balance"] = mb
    res["mass_balance_rel_error"] = max(mb.values())
    return res


def plasma_fluctuation(sol: Solution, regimen: Regimen) -> dict[str, Any]:
    """Peak-trough fluctuation of total plasma drug over the last complete dosing interval in the window.

    A regimen running past the simulated window is judged on its last interval that ends inside it; with
    none, every value is null and ``reason`` says why. The trough at the interval's end is the value just
    before a bolus given then (exact: the bolus's contribution to the read-out is removed).
    """
    t = sol.times_h
    found = last_dosing_interval([e.start_h for e in regimen.events], float(t[-1]))
    if isinstance(found, str):
        return {"interval_h": None, "cmax_mg_per_L": None, "cmin_mg_per_L": None, "cavg_mg_per_L": None,
                "ptf_percent": None, "reason": found}
    t0, t1 = found
    w = sol.model.observables["plasma_total"].weights
    c = sol.observe("plasma_total")
    at_t1 = sum(e.amount_mg for e in sol.dose_events
                if e.duration_h == 0 and abs(e.start_h - t1) <= same_time_tol_h(t1))
    c_end = float(np.interp(t1, t, c)) - at_t1 * float(sol.model.dose_vector @ w)
    return fluctuation_percent(t, c, sol.cum_int @ w, t0, t1, c_end=c_end)


def tumour_metrics(sol: Solution, regimen: Regimen, tissues: dict[str, Any],
                   peaks: Solution | None = None) -> dict[str, Any]:
    """Delivery efficiency DE(t) = % of injected drug (and carrier) in the tumour; targeting index.

    DE at 24 and 168 h is read on ``sol``; the maxima (``*demax*``) on ``peaks`` (default ``sol``).
    """
    t = sol.times_h
    pk = sol if peaks is None else peaks
    dose = regimen.total_mg
    amount = sol.observe("amount_tumour")
    de = 100.0 * amount / dose
    out: dict[str, Any] = {}
    for th in DE_TIMES_H:
        if th <= t[-1]:
            out[f"de{int(th)}_percent"] = value_at(t, de, th)
    de_pk = 100.0 * pk.observe("amount_tumour") / dose
    imax = int(np.argmax(de_pk))
    out["demax_percent"], out["de_tmax_h"] = float(de_pk[imax]), float(pk.times_h[imax])
    if "carrier_amount_tumour" in sol.model.observables:
        carrier_dose = dose * sol.model.per_mg_group["carrier"]
        cde = 100.0 * sol.observe("carrier_amount_tumour") / carrier_dose
        for th in DE_TIMES_H:
            if th <= t[-1]:
                out[f"carrier_de{int(th)}_percent"] = value_at(t, cde, th)
        out["carrier_demax_percent"] = float(100.0 * pk.observe("carrier_amount_tumour").max() / carrier_dose)
        if "carrier_label_amount_tumour" in sol.model.observables:  # labelled-carrier measurement (intact + digested)
            lde = 100.0 * sol.observe("carrier_label_amount_tumour") / carrier_dose
            for th in DE_TIMES_H:
                if th <= t[-1]:
                    out[f"carrier_label_de{int(th)}_percent"] = value_at(t, lde, th)
            out["carrier_label_demax_percent"] = float(100.0 * pk.observe("carrier_label_amount_tumour").max()
                                                       / carrier_dose)
    heart = tissues["heart"]["auc_mg_h_per_L"]
    out["auc_mg_h_per_L"] = tissues["tumour"]["auc_mg_h_per_L"]
    out["cmax_mg_per_L"] = tissues["tumour"]["cmax_mg_per_L"]
    out["targeting_index_tumour_vs_heart"] = tissues["tumour"]["auc_mg_h_per_L"] / heart if heart > 0 else None
    c = sol.observe("tissue_tumour")
    th_, _ = terminal_half_life_h(t, c)
    out["t_half_h"] = th_
    return out


def site_metrics(sol: Solution, names: tuple[str, ...], peaks: Solution | None = None) -> dict[str, Any]:
    """Per disease site: released, unbound and total drug AUC and peak (mg h/L, mg/L), peak carrier and, at a wall
    where ligand-coated carriers adhere, the wall-bound carrier at the end (mg). Peaks are read on ``peaks``
    (default ``sol``)."""
    pk = sol if peaks is None else peaks
    out: dict[str, Any] = {}
    for s in names:
        row: dict[str, Any] = {}
        for key, obs in (("released", f"site_released_{s}"), ("unbound", f"site_unbound_{s}"),
                         ("total", f"site_total_{s}")):
            auc_t, auc_inf = sol.observe_auc(obs)
            row[f"{key}_auc_mg_h_per_L"] = auc_inf if np.isfinite(auc_inf) else auc_t
            row[f"{key}_cmax_mg_per_L"] = float(pk.observe(obs).max())
        row["carrier_peak_mg"] = float(pk.observe(f"site_carrier_amount_{s}").max())
        if f"carrier:site.{s}.wall" in sol.model.names:  # a wall with ligand-coated carriers adhering
            row["wall_carrier_end_mg"] = float(sol.observe(f"site_wall_carrier_{s}")[-1])
        out[s] = row
    return out
