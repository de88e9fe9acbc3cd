"""Validation rows: free (conventional) doxorubicin in adults, studies other than Gabizon 1994.

Observed values: validation/data/doxorubicin_free_human_hplc.csv (role ``validation``; abstracts only; never used to
set a parameter). The drug file (drugs/doxorubicin.yaml) takes its clearance from the label range (324-809
mL/min/m2) and its slow terminal phase from DNA binding; these rows show where that model stands against studies
with a chromatographic assay or a stated sampling window (Gabizon 1994, the Doxil comparator, gives neither in
retrieved text: validation/checks.py).

Like-for-like rule: when a study states its last sample (Piscitelli 1993: 48 h; Bulletin du Cancer 1997: 54 h), the
model half-life is fitted on the model curve up to that time (nanodds.analysis.nca.terminal_half_life_h) and the
clearance is dose / (AUC0-tlast + C(tlast) / lambda_z) with that lambda_z, as a non-compartmental analysis of the
study's window would compute it. When the abstract gives no window, the model's own terminal phase (168 h) is used
and no window is invented. Doses the abstracts do not give are simulated at ``DEFAULT_DOSE_MG_M2`` (assumption; the
model's free-doxorubicin CL and t1/2 are nearly dose-independent, tests/catalog/test_free_doxorubicin.py). The
criterion, fixed before the results: predicted / observed within 2-fold. Piscitelli's patients also received
cyclophosphamide and vincristine (not modelled). Found but not used: a German HPLC study (Thieme record
doi:10.1055/s-2008-1026889, terminal t1/2 1273 min = 21.2 h) mixes 26 children and adults on combination schedules;
Eur J Cancer 2004;40:1170 (mean CL 63.6 L/h, n=110) is already the drug file's clearance cross-check, so not
independent.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from nanodds.analysis.metrics import compute_metrics
from nanodds.analysis.nca import terminal_half_life_h
from nanodds.engine import simulate
from validation.cases import human_doxil
from validation.checks import BLIND, ECHO, FOLD, FREE_INFUSION_H, HERE, Row, RowClass

DATA = HERE / "data" / "doxorubicin_free_human_hplc.csv"
DEFAULT_DOSE_MG_M2 = 50.0  # assumption: dose used where the abstract gives none (Rossi 1987, Brenner 1985)
PISCITELLI_DOSE_MG_M2 = 58.5  # assumption: midpoint of the study's 45-72 mg/m2 range (mean dose not in abstract)
DURATION_H = 168.0
POINTS = 1009  # 10-min output grid

SOURCES = {
    "piscitelli1993": "Piscitelli 1993 Clin Pharmacol Ther 53:555 (abstract), normal hepatic function",
    "rossi1987": "Rossi 1987 Cancer Treat Rep 71:1221 (abstract), HPLC",
    "brenner1985": "Brenner 1985 Cancer Chemother Pharmacol 14:139 (abstract), HPLC",
    "bullcancer1997": "Bull Cancer 1997;84(6) 120 mg/m2 6-h infusion (abstract), HPLC",
}


def observed_rows() -> pd.DataFrame:
    """The validation rows of the data file."""
    df = pd.read_csv(DATA, comment="#")
    return df[df.role == "validation"]


@cache
def free_run(dose_mg_m2: float, infusion_h: float) -> tuple[np.ndarray, np.ndarray, float, dict]:
    """(times h, plasma total mg/L, dose mg, metrics) of free doxorubicin in the reference adult."""
    scn = human_doxil(dose_mg_m2, infusion_h, free_drug=True, duration_h=DURATION_H, points=POINTS)
    sol = simulate(scn)
    m = compute_metrics(sol, scn.regimen, scn.bsa_m2)
    return sol.times_h, sol.observe("plasma_total"), dose_mg_m2 * float(scn.bsa_m2), m


def windowed_nca(t: np.ndarray, c: np.ndarray, dose_mg: float, t_last: float) -> tuple[float, float]:
    """(terminal t1/2 h, CL L/h) from the model curve sampled up to ``t_last`` (h), as an NCA of that window.

    t1/2 by nanodds.analysis.nca.terminal_half_life_h on points with t <= t_last; CL = dose / (AUC0-tlast by
    trapezoids + C(tlast) / lambda_z).
    """
    sel = t <= t_last + 1e-9
    th, _ = terminal_half_life_h(t[sel], c[sel])
    lam = np.log(2.0) / th
    ts, cs = t[sel], c[sel]
    auc = float(np.sum(np.diff(ts) * (cs[1:] + cs[:-1]) / 2.0)) + float(cs[-1]) / lam
    return float(th), dose_mg / auc


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def predicted(study: str) -> dict[str, float]:
    """Model t1/2 (h) and CL (L/h, L/h/m2) under the study's stated design (see the module docstring)."""
    r = observed_rows()
    r = r[r.study == study].iloc[0]
    if study == "piscitelli1993":
        dose = PISCITELLI_DOSE_MG_M2
    else:
        dose = DEFAULT_DOSE_MG_M2 if _blank(r.dose_mg_per_m2) else float(r.dose_mg_per_m2)
    inf = FREE_INFUSION_H if _blank(r.infusion_h) else float(r.infusion_h)
    t, c, dose_mg, m = free_run(dose, inf)
    bsa = dose_mg / dose
    if _blank(r.last_sample_h):
        th, cl = m["plasma_total"]["t_half_h"], m["plasma_total"]["cl_L_per_h"]
    else:
        th, cl = windowed_nca(t, c, dose_mg, float(r.last_sample_h))
    return {"t_half_h": th, "cl_L_per_h": cl, "cl_L_per_h_per_m2": cl / bsa, "dose_mg_m2": dose,
            "infusion_h": inf}


def _convert(metric: str, p: dict[str, float]) -> float:
    return {"t_half_h": p["t_half_h"],
            "cl_mL_per_min_per_m2": p["cl_L_per_h_per_m2"] * 1000.0 / 60.0,
            "cl_L_per_min_per_m2": p["cl_L_per_h_per_m2"] / 60.0,
            "cl_L_per_min": p["cl_L_per_h"] / 60.0}[metric]


def metric_class(metric: str) -> tuple[RowClass, str]:
    """Class and reason of a free-doxorubicin row by its metric (clearance rows echo the label input)."""
    if metric.startswith("cl_"):
        return ECHO, ("the model's CL is doxorubicin.yaml's label-midpoint clearance (calibration input), "
                      "542-554 mL/min/m2 at every dose")
    return BLIND, ("terminal phase from DNA binding with k_off calibrated on mouse tissue (85d16ae); rows added "
                   "after it (5777cb4) with no parameter changed")


def rows() -> list[Row]:
    out = []
    for r in observed_rows().itertuples():
        p = predicted(r.study)
        window = "model terminal phase" if _blank(r.last_sample_h) else f"fitted 0-{r.last_sample_h:g} h"
        case = f"human free doxorubicin ({r.study}, {p['dose_mg_m2']:g} mg/m2 over {p['infusion_h']:g} h)"
        out.append(Row(case, f"plasma {r.metric} ({window})", str(r.unit), float(r.value), _convert(r.metric, p),
                       f"within {FOLD:g}-fold", SOURCES[r.study], *metric_class(str(r.metric))))
    return out


ROSSI = "human free doxorubicin (rossi1987, 50 mg/m2 over 0.25 h)"
BULL = "human free doxorubicin (bullcancer1997, 120 mg/m2 over 6 h)"
# Written after the results; never used to change a parameter.
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (ROSSI, "plasma cl_mL_per_min_per_m2 (model terminal phase)"):
        "Rossi's mean CL (200 mL/min/m2, n=7, HPLC) is below the label range the drug file's clearance comes from "
        "(324-809 mL/min/m2; model 542 mL/min/m2 from the midpoint, ratio 2.71). Piscitelli 1993 (666, n=31) and "
        "Brenner 1985 (0.55 L/min) pass, so the published studies disagree with each other by more than 2-fold; "
        "the model is not re-fitted to any of them",
    (BULL, "plasma cl_L_per_min_per_m2 (fitted 0-54 h)"):
        "the abstract's clearance 5.23 L/min/m2 (its AUC 413 ng.h/mL after 120 mg/m2 implies 4.8, and its Cmax "
        "42.6 ng/mL is as low) is 6.5x the label's upper bound (0.809 L/min/m2) and 8x Piscitelli's 0.666; the "
        "model, on the label midpoint, gives 0.55 L/min/m2 over the study's 0-54 h window (ratio 0.105). Its "
        "half-life row passes (35.2 vs 32.6 h). Full text (units, recovery) not retrievable; kept as printed",
}
