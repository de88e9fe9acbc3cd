"""PD/safety section of a nano vs conventional comparison, and the therapeutic-index summary.

Each read-out is driven by the drug that acts at its site (see :mod:`nanodds.analysis.acting`): myelosuppression
by unbound drug in marrow, tumour growth inhibition by unbound drug in the tumour, cardiotoxicity by released drug
in the heart (cumulative cardio-equivalent dose), the hand-foot syndrome proxy by unbound drug in the skin of the
palms and soles (:mod:`.extremity_skin`: the PBPK skin plus liposomes that extravasate there; the whole skin when the
drug's PD file has no ``extremity_skin`` block).

Therapeutic index, per toxicity ``k``: ``TI_k = (efficacy_nano / efficacy_conv) / (toxicity_k,nano /
toxicity_k,conv)``; > 1 favours the nanoformulation. Efficacy is the tumour's unbound drug AUC (and, separately,
TGI); toxicities are heart released AUC, marrow nadir depth ``1 - nadir/baseline`` and palm/sole skin unbound AUC.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.analysis.compare import ratio
from nanodds.analysis.pd.cardio import cardio_summary
from nanodds.analysis.pd.exposure import time_above_h, time_within_h
from nanodds.analysis.pd.extremity_skin import extremity_skin_unbound
from nanodds.analysis.pd.friberg import simulate_friberg, summarise_friberg
from nanodds.analysis.pd.params import PDParams, has_pd, load_pd
from nanodds.analysis.pd.simeoni import simulate_simeoni, summarise_tgi
from nanodds.analysis.peaks import peak_solution
from nanodds.solve.solution import Solution
from nanodds.specs.scenario import Scenario

__all__ = ["DRIVERS", "arm_pd", "pd_section"]

#: driver name in the PD file -> observable
DRIVERS = {"marrow_unbound": "tissue_unbound_marrow", "plasma_unbound": "plasma_unbound",
           "tumour_unbound": "tissue_unbound_tumour"}


def _driver(sol: Solution, driver: str):
    return sol.times_h, sol.observe(DRIVERS[driver])


def arm_pd(p: PDParams, sol: Solution, acting: dict[str, Any], tumour_volume_mL: float | None,
           curves: dict[str, Any] | None = None, scn: Scenario | None = None) -> dict[str, Any]:
    """PD read-outs of one arm (``curves`` collects the time courses for plotting when given; ``scn``, the arm's
    scenario, adds the palm/sole skin satellite when the PD file has an ``extremity_skin`` block)."""
    out: dict[str, Any] = {}
    if p.friberg is not None:
        tt, rel = simulate_friberg(p.friberg, *_driver(sol, p.friberg.driver))
        out["myelosuppression"] = {"driver": DRIVERS[p.friberg.driver], **summarise_friberg(p.friberg, tt, rel)}
        if curves is not None:
            curves["neutrophils"] = (tt, rel)
    if p.simeoni is not None and "tumour" in sol.model.volumes_L:
        td, w = simulate_simeoni(p.simeoni, *_driver(sol, p.simeoni.driver), w0_mL=tumour_volume_mL)
        out["tumour_growth"] = {"driver": DRIVERS[p.simeoni.driver], "t_day": td, "size_mL": w}
        if curves is not None:
            curves["tumour"] = (td, w)
    exposure: dict[str, Any] = {}
    pk = peak_solution(sol)  # Cmax and hours above a level also inside the first output step after a bolus
    for site in ("tumour", "heart", "marrow", "skin"):
        name = f"tissue_unbound_{site}"
        if name not in sol.model.observables:
            continue
        t, c = pk.times_h, pk.observe(name)
        row = {"unbound_auc_mg_h_per_L": acting.get(site, {}).get("unbound_auc_mg_h_per_L"),
               "unbound_cmax_mg_per_L": float(c.max())}
        if p.toxic_unbound_mg_per_L is not None:
            row["hours_above_toxic"] = time_above_h(t, c, p.toxic_unbound_mg_per_L)
        if p.effective_unbound_mg_per_L is not None:
            row["hours_above_effective"] = time_above_h(t, c, p.effective_unbound_mg_per_L)
            if p.toxic_unbound_mg_per_L is not None:
                row["hours_in_window"] = time_within_h(t, c, p.effective_unbound_mg_per_L, p.toxic_unbound_mg_per_L)
        exposure[site] = row
    if p.extremity_skin is not None and scn is not None and "tissue_unbound_skin" in sol.model.observables:
        t, c = sol.times_h, extremity_skin_unbound(scn, sol, p.extremity_skin)
        # AUC over the simulated window (trapezoid) for both arms: the satellite has no exact tail
        row = {"unbound_auc_window_mg_h_per_L": float(np.trapezoid(c, t)), "unbound_cmax_mg_per_L": float(c.max())}
        if p.toxic_unbound_mg_per_L is not None:
            row["hours_above_toxic"] = time_above_h(t, c, p.toxic_unbound_mg_per_L)
        exposure["extremity_skin"] = row
    out["exposure"] = exposure
    return out


def pd_section(scn: Scenario, doc: dict[str, Any], sol_nano: Solution, sol_conv: Solution,
               curves: dict[str, Any] | None = None) -> dict[str, Any]:
    """The comparison's ``pd`` section: both arms' read-outs, cardiotoxicity, TGI and the therapeutic index.

    Returns ``{"available": False, "reason": ...}`` when the drug has no PD file.
    """
    if not has_pd(scn.drug.name):
        return {"available": False, "reason": f"no PD parameters for {scn.drug.name} (nanodds/data/pd/)"}
    p = load_pd(scn.drug.name, scn.drug.molecular_weight_g_per_mol)
    tv = scn.physiology.tumour.volume_L * 1e3 if scn.physiology.tumour is not None else None
    cn, cc = ({}, {}) if curves is not None else (None, None)
    nano = arm_pd(p, sol_nano, doc["nano"].get("acting", {}), tv, cn, scn)
    conv = arm_pd(p, sol_conv, doc["conventional"].get("acting", {}), tv, cc, scn.conventional())
    if curves is not None:
        curves.update({"nano": cn, "conventional": cc})
    sec: dict[str, Any] = {"available": True, "source_file": p.source_file, "nano": nano, "conventional": conv}
    if "tumour_growth" in nano and p.simeoni is not None:
        td, w_ctrl = simulate_simeoni(p.simeoni, None, None, w0_mL=tv)
        for arm in (nano, conv):
            g = arm.pop("tumour_growth")
            arm["tgi"] = {"driver": g["driver"], **summarise_tgi(g["t_day"], g["size_mL"], w_ctrl)}
        if curves is not None:
            curves["control_tumour"] = (td, w_ctrl)
    if p.cardio is not None and scn.bsa_m2:
        dose_n = doc["dose_mg"]["nano"] / scn.bsa_m2
        dose_c = doc["dose_mg"]["conventional"] / scn.bsa_m2
        per_mg = ratio(ratio(doc["nano"]["acting"]["heart"]["released_auc_mg_h_per_L"], doc["dose_mg"]["nano"]),
                       ratio(doc["conventional"]["acting"]["heart"]["released_auc_mg_h_per_L"],
                             doc["dose_mg"]["conventional"]))
        if per_mg is not None:
            n = p.cardio.reference_cycles
            nano["cardiotoxicity"] = cardio_summary(p.cardio, dose_n, per_mg, n)
            conv["cardiotoxicity"] = cardio_summary(p.cardio, dose_c, 1.0, n)
    elif p.cardio is not None:
        sec["cardiotoxicity_note"] = "cumulative-dose limits are per m^2: needs a human scenario (body surface area)"
    sec["therapeutic_index"] = therapeutic_index(nano, conv)
    return sec


#: How each toxicity endpoint's nano-vs-conventional DIRECTION fared against the clinic (PEG-liposomal vs
#: conventional doxorubicin, O'Brien et al. 2004 Ann Oncol 15:440, doi:10.1093/annonc/mdh097), as measured by
#: tests/analysis/test_pd.py (a miss is kept there as a strict xfail, so a model change that fixes it fails that test
#: until this table is updated; two directions pass only post hoc, and say so). Every therapeutic-index line carries
#: its status, so a summary never presents an endpoint whose direction the model gets wrong as a benefit.
HAND_FOOT = "hand-foot syndrome proxy (palm/sole skin unbound AUC)"
DIRECTION_CHECKS: dict[str, str] = {
    "cardiotoxicity (heart released drug per cycle)":
        "direction checked: less cardiotoxicity with PEG-liposomal doxorubicin, as in O'Brien 2004",
    "myelosuppression (nadir depth)":
        "direction checked, post hoc: shallower nadir with PEG-liposomal doxorubicin, as in O'Brien 2004, only "
        "since the Friberg drug effect was uncapped while this row was a known miss (slope assumed; the direction "
        "holds for slopes 3-500 L/mg)",
    HAND_FOOT:
        "direction checked, post hoc: more palm/sole skin unbound drug with PEG-liposomal doxorubicin, as in "
        "O'Brien 2004 (48% vs 2% hand-foot syndrome), only since liposome extravasation and dermal-macrophage "
        "release were added to a palm/sole skin satellite while this row was a known miss; both rates are "
        "assumptions (the direction needs palm/sole extravasation above ~0.55x the assumed value, or above ~1.8x "
        "without macrophage uptake)",
}


def therapeutic_index(nano: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    """Efficacy and toxicity ratios (nano / conventional) and ``TI_k`` per toxicity (> 1 favours nano)."""
    def g(arm: dict[str, Any], *path: str) -> Any:
        cur: Any = arm
        for k in path:
            cur = cur.get(k) if isinstance(cur, dict) else None
        return cur

    eff = ratio(g(nano, "exposure", "tumour", "unbound_auc_mg_h_per_L"),
                g(conv, "exposure", "tumour", "unbound_auc_mg_h_per_L"))
    tox = {
        "cardiotoxicity (heart released drug per cycle)":
            ratio(g(nano, "cardiotoxicity", "cardio_equivalent_per_cycle_mg_per_m2"),
                  g(conv, "cardiotoxicity", "cardio_equivalent_per_cycle_mg_per_m2")),
        "myelosuppression (nadir depth)":
            ratio(1 - g(nano, "myelosuppression", "nadir_relative"), 1 - g(conv, "myelosuppression", "nadir_relative"))
            if g(nano, "myelosuppression") and g(conv, "myelosuppression") else None,
        HAND_FOOT:
            ratio(g(nano, "exposure", "extremity_skin", "unbound_auc_window_mg_h_per_L"),
                  g(conv, "exposure", "extremity_skin", "unbound_auc_window_mg_h_per_L"))
            if g(nano, "exposure", "extremity_skin") else
            ratio(g(nano, "exposure", "skin", "unbound_auc_mg_h_per_L"),
                  g(conv, "exposure", "skin", "unbound_auc_mg_h_per_L")),
    }
    out: dict[str, Any] = {"efficacy_ratio_tumour_unbound_auc": eff, "toxicity_ratios": tox,
                           "ti": {k: ratio(eff, v) for k, v in tox.items()},
                           "direction_checks": {k: DIRECTION_CHECKS[k] for k in tox}}
    tn, tc = g(nano, "tgi", "tgi_percent"), g(conv, "tgi", "tgi_percent")
    if tn is not None and tc is not None:
        out["tgi_percent"] = {"nano": tn, "conventional": tc}
    return out
