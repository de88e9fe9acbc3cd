"""Validation rows: DaunoXome (DSPC/cholesterol liposomal daunorubicin citrate) against free daunorubicin.

Observed values: validation/data/daunoxome_human_pk.csv (role ``validation``; never used to set a parameter).
Independence: DaunoXome runs with the conventional_liposome carrier defaults (data/carriers/carriers.yaml), whose
MPS rate was derived from MYOCET's plasma t1/2 and whose release rate is an assumption: no DaunoXome number set
them. The daunorubicin drug file (data/drugs/daunorubicin.yaml) sets its clearance from the free-drug Vd and t1/2
of the Renal Drug Handbook / Swiss label (calibration data, not used here); the free-daunorubicin rows below
(Forssen & Ross 1994) are a different study. The catalogue block keeps the carrier defaults except the 45 nm
size (Weissig 2014): the DaunoXome lipid content (drug_loading) was not found in retrieved text and is left at the
default. DaunoXome runs from its catalogue spec (1-h infusion, label) at each study's dose; free daunorubicin
is the same spec without carrier as a 15-min infusion (assumption; the study's infusion was not retrieved).
Yeo 1999's half-life is the engine's terminal half-life over the 7-day window (Yeo reports the terminal phase of
a biexponential fit). Gill 1995's tabulated half-life is the FIRST (alpha) phase: Gill's abstract calls it the
"alpha half-life" and Drummond 1999 Table 4's footnote says a single tabulated value is the first exponent's; it is
compared with the engine's first-phase t1/2, a log-linear fit over the 2 h after the end of the infusion (the
definition the Myocet first-phase calibration uses for the same table). Until session 3 this row compared the
terminal t1/2 (23.1 h) with it, a mismatch of definitions; the model's 1.5-24 h decay (4.0 h) was already stated
in that row's miss reason, so the corrected row is not a blind prediction. The criterion, fixed before the
results, is predicted/observed within 2-fold.
"""

from __future__ import annotations

from functools import cache
from math import log
from typing import Any

import numpy as np

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, dosed
from validation.checks import BLIND, ECHO, HERE, POST_HOC, Row, observed_in

DATA = HERE / "data" / "daunoxome_human_pk.csv"
WINDOW = "168 h"  # the catalogue's one-cycle window
POINTS = 337
LIPO_INFUSION_H = 1.0  # DaunoXome US label: over 60 minutes (catalogue scenario)
FREE_INFUSION_H = 0.25  # assumption: conventional daunorubicin as a short (15-min) infusion
FIRST_PHASE_H = 2.0  # h after the end of infusion fitted for the first-phase t1/2 (as the Myocet calibration)

GILL = "human DaunoXome 40 mg/m2 (Gill 1995)"
YEO = "human DaunoXome 100 mg/m2 (Yeo 1999, HCC)"
FREE = "human daunorubicin 80 mg/m2 (free drug; Forssen & Ross 1994)"
VS = "human DaunoXome 40 vs free daunorubicin 80 mg/m2"

_TAIL = ("the engine's terminal phase is free daunorubicin redistributing from tissues after the carrier is gone, "
         "at < 0.25 mg/L from 24 h ({tail}); over 1.5-24 h the model's DaunoXome decays with t1/2 4.0 h. The "
         "published half-lives are the liposomal phase: with HPLC separating the forms (children, sampling to 72 h; "
         "Bellott 2001 doi:10.1007/s002800000206, abstract verified) liposomal drug is 95.8 % of the plasma AUC "
         "(t1/2 5.23 h) and free daunorubicin 2.5 % (t1/2 16.6 h)")
_FREE = ("free-daunorubicin CL of the drug file is 102.8 L/h (label Vd 39.2 L/kg x ln2 / t1/2 18.5 h, calibration "
         "data; model 101.4 L/h); Forssen & Ross 1994 report 13.38 L/h, 7.6-fold lower. The calibrated value is "
         "corroborated by an independent HPLC study that separates parent and daunorubicinol (Interfant-99 infants "
         "and children, repub.eur.nl/pub/19401 abstract, verified: CL 43.9 L/h/m2, i.e. 83 L/h at 1.89 m2, 1.2x "
         "below the drug file and 6.2x above Forssen & Ross), so the drug file keeps it. In Forssen & Ross's row the "
         "0.77 h is the first-exponent half-life (Table 4 footnote), and its Vd 1055 L with CL 13.38 L/h imply a "
         "~55-h terminal phase, 3x the label's 18.5 h; their assay was not retrieved; an assay counting "
         "daunorubicinol (apparent CL 19.1 vs 43.9 L/h/m2 for the "
         "parent in the same infant study) would give parent + metabolite ~3.3x the parent AUC, i.e. ~3x of the "
         "gap (a hypothesis, not verified)")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (YEO, "plasma t_half_h"): _TAIL.format(tail="terminal t1/2 23.1 h") + ": predicted/observed 3.1 against "
    "the terminal 7.4 h of a biexponential fit. Yeo's sampling window was not retrieved: a log-linear fit of the "
    "model over the 48 or 72 h after the infusion gives 4.7 or 4.8 h (within 2-fold), the 7-day terminal phase "
    "23.1 h, so the row keeps the engine's terminal metric and stays a miss",
    (FREE, "plasma cl_L_per_h"): _FREE + ": predicted/observed 7.6",
    (FREE, "plasma vss_L vs reported Vd"): "Rodgers & Rowland Kp without DNA binding under-predict daunorubicin "
    "distribution (the drug file records Vss ~8x below the label Vd 39.2 L/kg = 2744 L; the model's free-drug "
    "terminal t1/2 is 3.5 h vs the label's 18.5 h): 320 vs 1055 L, predicted/observed 0.30. A DNA-binding block "
    "with daunorubicin's own K (7e5 1/M, Chaires 1982) and the tissue DNA capacities of the doxorubicin file raised "
    "it only to 385 L (tried in session 2, not committed)",
    (VS, "CL DaunoXome / CL free daunorubicin"): "the free-drug CL is 7.6x above Forssen & Ross (see the free "
    "CL row) while DaunoXome CL is within 2-fold: predicted/observed 0.20 (with the infant-study free CL of 83 L/h "
    "the ratio would be about 0.0115, still ~0.24 of the observed 0.047)",
}


def observed(form: str, metric: str) -> tuple[float, str]:
    """Value and source of one row of daunoxome_human_pk.csv."""
    return observed_in(DATA.name, formulation=form, metric=metric)


def _scenario(dose_mg_m2: float, carrier: bool) -> Any:
    """The DaunoXome catalogue spec at ``dose_mg_m2``; without carrier: free daunorubicin, 15-min infusion."""
    return dosed("daunoxome", dose_mg_m2, LIPO_INFUSION_H if carrier else FREE_INFUSION_H, WINDOW, POINTS, carrier,
                 "free")


@cache
def run(dose_mg_m2: float, carrier: bool = True) -> dict[str, Any]:
    """Plasma-total metrics of DaunoXome (carrier) or free daunorubicin at one dose; adds ``first_phase_t_half_h``
    (h): log-linear fit of plasma total over ``FIRST_PHASE_H`` after the end of the infusion."""
    scn = _scenario(dose_mg_m2, carrier)
    sol = simulate(scn)
    out = dict(compute_metrics(sol, scn.regimen, scn.bsa_m2)["plasma_total"])
    t, c = sol.times_h, sol.observe("plasma_total")
    t_end = max(e.start_h + e.duration_h for e in scn.regimen.events)
    sel = (t >= t_end - 1e-9) & (t <= t_end + FIRST_PHASE_H + 1e-9)
    out["first_phase_t_half_h"] = log(2.0) / -float(np.polyfit(t[sel], np.log(c[sel]), 1)[0])
    return out


_CONV_DEFAULT = ("conventional_liposome default MPS multiplier set from Myocet vs Doxil t1/2 (EU SmPC), no "
                 "DaunoXome PK; within criterion or missing since added (3b7d5e8), no change made for it")


def rows() -> list[Row]:
    """Gill 1995 (40 mg/m2), Yeo 1999 (100 mg/m2), free daunorubicin (80 mg/m2) and the CL ratio."""
    out: list[Row] = []
    g = run(40.0)
    v, src = observed("daunoxome", "first_phase_t_half_h")
    out.append(Row(GILL, f"plasma first-phase t1/2 (log-linear, {FIRST_PHASE_H:g} h after the infusion)", "h", v,
                   float(g["first_phase_t_half_h"]), CRIT, src, POST_HOC,
                   "a known miss (terminal t1/2 23.1 vs 4.0 h) until the row's metric was changed to the first "
                   "phase, whose 4-h decay the old miss reason stated (017b041)"))
    for metric, unit in (("auc_inf_mg_h_per_L", "mg.h/L"), ("cl_L_per_h", "L/h")):
        v, src = observed("daunoxome", metric)
        out.append(Row(GILL, f"plasma {metric}", unit, v, float(g[metric]), CRIT, src, BLIND, _CONV_DEFAULT))
    v, src = observed("daunoxome", "vd_L")
    out.append(Row(GILL, "plasma vss_L vs reported Vd", "L", v, float(g["vss_L"]), CRIT, src, BLIND, _CONV_DEFAULT))
    y = run(100.0)
    for metric, unit in (("cl_L_per_h", "L/h"), ("t_half_h", "h")):
        v, src = observed("daunoxome_hcc", metric)
        out.append(Row(YEO, f"plasma {metric}", unit, v, float(y[metric]), CRIT, src, BLIND, _CONV_DEFAULT))
    f = run(80.0, carrier=False)
    v, src = observed("daunorubicin", "cl_L_per_h")
    out.append(Row(FREE, "plasma cl_L_per_h", "L/h", v, float(f["cl_L_per_h"]), CRIT, src, ECHO,
                   "the model's free daunorubicin CL is daunorubicin.yaml's label-derived clearance (calibration "
                   "input, 102.8 L/h)"))
    v, src = observed("daunorubicin", "vd_L")
    out.append(Row(FREE, "plasma vss_L vs reported Vd", "L", v, float(f["vss_L"]), CRIT, src, BLIND,
                   "Vss from Rodgers-Rowland Kp (not fitted); Forssen & Ross set nothing"))
    cl_lip, _ = observed("daunoxome", "cl_L_per_h")
    cl_free, _ = observed("daunorubicin", "cl_L_per_h")
    out.append(Row(VS, "CL DaunoXome / CL free daunorubicin", "-", cl_lip / cl_free,
                   float(g["cl_L_per_h"] / f["cl_L_per_h"]), CRIT, "Drummond 1999 Pharmacol Rev Table 4", ECHO,
                   "the denominator is the label-derived daunorubicin CL (calibration input); the numerator is "
                   "the Gill CL row"))
    return out
