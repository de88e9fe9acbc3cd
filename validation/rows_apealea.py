"""Validation rows: Apealea (paclitaxel micellar, XR17 retinoid micelles; catalogue key ``apealea``).

Observed values: validation/data/paclitaxel_apealea_borga2019_human.csv (Borga et al. Adv Ther 2019, first-in-man
dose escalation, role ``validation``; never used to set a parameter). The product runs from its catalogue scenario
(carrier ``polymeric_micelle`` with Apealea's own overrides: 25 nm and release 220.4 1/h, DERIVED by
validation/calibrate_micelle.py from the qualitative 'micelles seem to disintegrate rapidly in the blood' of Borga
et al. 2019, doi:10.1007/s12325-019-01058-6, read as 95 % released within one circulation time: an assumption) at
250 mg/m2 over 1 h, simulated over the study's 24-h sampling window: the terminal t1/2 is then fitted on the same
span as in the study and AUCinf is extrapolated from it (the study used a two-compartment fit of the 24-h data).
Not compared: the study's mean Cmax/AUC per dose level (not in the abstract). Genexol-PM rows: rows_genexol.py.
With the micelles releasing within seconds, 9.5 % of the plasma AUC stays micelle-bound and the rows test the
model's free paclitaxel; it is cleared and distributed more than in this 24-h study (see KNOWN_MISSES). The
t1/2 row passes (14.7 vs 8.8 h, 1.67x) with the same deep distribution that makes the residual-AUC rows miss.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_scenario
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, POINTS
from validation.checks import BLIND, ECHO, Row, RowClass, observed_in

APEALEA = "human Apealea 250 mg/m2, 1 h (total paclitaxel, 24-h sampling)"
DATA = "paclitaxel_apealea_borga2019_human.csv"
WINDOW_H = "24 h"  # Borga 2019: plasma sampled over 24 h in cycle 1

_FREE = ("with release in seconds (220.4 1/h; 9.5 % of the plasma AUC micelle-bound) the rows test the model's "
         "free paclitaxel, whose disposition (hepatic CL fitted with the Cremophor vehicle to the TAXOL label, "
         "tubulin binding giving Vss about 500-630 L/m2) is faster and deeper than in this 24-h study: the same model "
         "gives Abraxane 30.7 vs 21.1 L/h/m2 (Sparreboom 2005, a pass) and this study's micellar paclitaxel is "
         "cleared 1.6x slower than that nab-paclitaxel. Possible reasons, none tested: XR17 holding paclitaxel in "
         "plasma as Cremophor EL does (the study's CL is close to Taxol's label 12.2 L/h/m2 at 175 mg/m2 over 3 h), "
         "the 24-h two-compartment analysis (its Vss 63 L/m2 is far below the Taxol label's 227-688 L/m2), and a "
         "fivefold interindividual range. Not fixed by slowing the release: the release rate that would reproduce "
         "the study's CL (about 8 1/h) has no evidence behind it. Before (unsourced 0.5 1/h): CL 1.23 L/h/m2, "
         "t1/2 10.4 h, residual 0.0098, 97 % of plasma AUC micellar")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (APEALEA, "plasma cl_L_per_h_per_m2"): "predicted 31.7 vs 13.4 L/h/m2 (2.4x): " + _FREE,
    (APEALEA, "residual AUC after 24 h / AUCinf"): (
        "predicted 0.234 vs 0.057 (4.1x): the model's 24-h terminal phase (t1/2 14.7 h) still carries much of "
        "the AUC (slow return of tubulin-bound paclitaxel), whereas the study's curve had almost finished by "
        "24 h; " + _FREE),
    (APEALEA, "residual AUC after 10 h / AUCinf"): "predicted 0.405 vs 0.157 (2.6x): " + _FREE,
    (APEALEA, "plasma vss_L_per_m2"): (
        "predicted 500 vs 63.3 L/m2 (7.9x; model Vss from the 24-h window's NCA with the extrapolated "
        "terminal phase, the study's from a two-compartment fit of 24-h data): " + _FREE),
}


@cache
def apealea_run() -> dict[str, Any]:
    """Metrics of the catalogue's Apealea scenario over the study's 24-h sampling window (plus AUC 0-10 h)."""
    scn = product_scenario("apealea", WINDOW_H, POINTS)
    sol = simulate(scn)
    out = compute_metrics(sol, scn.regimen, scn.bsa_m2)
    cum = sol.cum_int @ sol.model.observables["plasma_total"].weights  # running AUC of total plasma drug (mg h/L)
    out["auc_0_10h_mg_h_per_L"] = float(np.interp(10.0, sol.times_h, cum))
    return out


_BORGA = "Borga 2019 set nothing: micelle release derived from 'rapidly dissociated' (316647d), no Apealea PK used"
_CLASS: dict[str, tuple[RowClass, str]] = {
    "cl_L_per_h_per_m2": (ECHO, "micelles release within one circulation time, so total CL is the free paclitaxel "
                                "CL: the hepatic CL 61.3 L/h fitted on the TAXOL label (calibrate_paclitaxel)"),
    "t_half_h": (BLIND, _BORGA + "; within criterion since added (4e63b70)"),
}


def rows() -> list[Row]:
    """Apealea total-paclitaxel CL, terminal t1/2, Vss and residual AUC after 24 h and after 10 h."""
    run = apealea_run()
    pt = run["plasma_total"]
    out = []
    for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("t_half_h", "h")):
        v, src = observed_in(DATA, formulation="apealea", metric=metric)
        out.append(Row(APEALEA, f"plasma {metric}", unit, v, float(pt[metric]), CRIT, src, *_CLASS[metric]))
    v, src = observed_in(DATA, formulation="apealea", metric="vss_L_per_m2")
    out.append(Row(APEALEA, "plasma vss_L_per_m2", "L/m2", v, float(pt["vss_L_per_m2"]), CRIT, src, BLIND, _BORGA))
    for hours, auc_before in ((24, pt["auc_0_t_mg_h_per_L"]), (10, run["auc_0_10h_mg_h_per_L"])):
        v, src = observed_in(DATA, formulation="apealea", metric=f"residual_auc_after_{hours}h")
        resid = 1.0 - auc_before / pt["auc_inf_mg_h_per_L"]
        out.append(Row(APEALEA, f"residual AUC after {hours} h / AUCinf", "1", v, float(resid), CRIT, src, BLIND,
                       _BORGA))
    return out
