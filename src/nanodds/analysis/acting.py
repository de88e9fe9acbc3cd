"""What acts: released and unbound drug at the target (tumour) and at the sites of toxicity, beside total drug.

A nanoformulation's total tissue drug includes drug still inside carriers in the tissue's vessels, interstitium
and phagocytes; that drug neither kills tumour cells nor injures the heart until it is released. Three measures
per site, all concentrations per litre of tissue (the organ volume):

``total``
    encapsulated + released drug (``tissue_<site>``): what a tissue assay of total drug reports.
``released``
    non-encapsulated drug, exchangeable plus target-bound (``tissue_released_<site>``, DNA-bound for
    doxorubicin): what has left the carrier.
``unbound``
    unbound drug in tissue water, ``fu / Kp`` times the exchangeable drug (``tissue_unbound_<site>``, the
    assumption of :mod:`nanodds.model.tissue_binding`): the concentration a cell-kill or toxicity model is driven by.

Sites: the tumour (efficacy) and the organs of the dose-limiting toxicities of anthracyclines and other
cytotoxics: heart (anthracycline cardiomyopathy), bone marrow (myelosuppression), skin (palmar-plantar
erythrodysesthesia of PEG-liposomal doxorubicin; O'Brien et al. 2004 Ann Oncol 15:440).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.analysis.peaks import peak_solution
from nanodds.solve.solution import Solution

__all__ = ["ACTING_SITES", "MEASURES", "acting_metrics", "headline_keys"]

#: (site, role) in the order the comparison reports them.
ACTING_SITES: tuple[tuple[str, str], ...] = (
    ("tumour", "efficacy"),
    ("heart", "cardiotoxicity"),
    ("marrow", "myelosuppression"),
    ("skin", "hand-foot syndrome"),
)
#: measure -> observable prefix; ``unbound`` first (what acts), ``total`` last.
MEASURES: tuple[tuple[str, str], ...] = (
    ("unbound", "tissue_unbound_"),
    ("released", "tissue_released_"),
    ("total", "tissue_"),
)


def _auc(sol: Solution, name: str) -> float:
    auc_t, auc_inf = sol.observe_auc(name)
    return auc_inf if np.isfinite(auc_inf) else auc_t


def acting_metrics(sol: Solution, peaks: Solution | None = None) -> dict[str, Any]:
    """Exposure to unbound, released and total drug at each site present in the model, and plasma.

    AUCs are exact; each Cmax is the peak, read on ``peaks`` (:func:`nanodds.analysis.peaks.peak_solution` of
    ``sol``, made here unless given): after a mouse bolus of free doxorubicin the heart's unbound Cmax read on the
    output grid was 0.07x the peak (measured 2026-12-04, ``tests/analysis/test_acting_peaks.py``).

    Returns
    -------
    dict
        ``{site: {"role", "<measure>_auc_mg_h_per_L", "<measure>_cmax_mg_per_L", ...}, "plasma": {...},
        "targeting_index_unbound": tumour / heart unbound AUC}``. Sites absent from the model (no tumour) are
        left out.
    """
    obs = sol.model.observables
    pk = peak_solution(sol) if peaks is None else peaks
    out: dict[str, Any] = {}
    for site, role in ACTING_SITES:
        if f"tissue_{site}" not in obs:
            continue
        row: dict[str, Any] = {"role": role}
        for measure, prefix in MEASURES:
            name = f"{prefix}{site}"
            if name not in obs:
                continue
            row[f"{measure}_auc_mg_h_per_L"] = _auc(sol, name)
            row[f"{measure}_cmax_mg_per_L"] = float(pk.observe(name).max())
        out[site] = row
    plasma: dict[str, Any] = {}
    for measure, name in (("unbound", "plasma_unbound"), ("released", "plasma_free"), ("total", "plasma_total")):
        if name in obs:
            plasma[f"{measure}_auc_mg_h_per_L"] = _auc(sol, name)
            plasma[f"{measure}_cmax_mg_per_L"] = float(pk.observe(name).max())
    out["plasma"] = plasma
    for measure, _ in MEASURES:
        key = f"{measure}_auc_mg_h_per_L"
        t, h = out.get("tumour", {}).get(key), out.get("heart", {}).get(key)
        if t is not None and h:
            out[f"targeting_index_{measure}"] = t / h
    return out


def headline_keys(acting: dict[str, Any]) -> list[str]:
    """Dotted paths (under ``acting.``) of the headline ratios: unbound and released AUC at each site, then total."""
    keys = []
    for site, _ in ACTING_SITES:
        if site in acting:
            keys += [f"acting.{site}.{m}_auc_mg_h_per_L" for m, _ in MEASURES]
    keys += [f"acting.plasma.{m}_auc_mg_h_per_L" for m in ("unbound", "total")]
    keys += [f"acting.targeting_index_{m}" for m, _ in MEASURES if f"targeting_index_{m}" in acting]
    return keys
