"""Validation rows: Apealea (paclitaxel micellar, XR17 retinoid micelles; catalogue key ``apealea``).

Observed values: validation/data/paclitaxel_apealea_borga2019_human.csv (Borga et al. Adv Ther 2019, first-in-man
dose escalation, role ``validation``; never used to set a parameter). The product runs from its catalogue scenario
(carrier ``polymeric_micelle``, whose release rate 0.5 1/h is an assumption, carriers.yaml) at 250 mg/m2 over 1 h,
simulated over the study's 24-h sampling window: the terminal t1/2 is then fitted on the same span as in the study
and AUCinf is extrapolated from it (the study used a two-compartment fit of the 24-h data). Not compared: the
study's mean Cmax/AUC per dose level (not in the abstract) and any Genexol-PM row (no PK number of Kim et al. Clin
Cancer Res 2004;10:3708 was found in retrieved text; the abstract only reports roughly linear AUC and Cmax).
The t1/2 row passes for a reason that is not the study's: the model's 24-h terminal phase (10.4 h) is the
release of micelle-bound drug, not paclitaxel redistribution (see KNOWN_MISSES).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_scenario
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, POINTS
from validation.checks import Row, observed_in

APEALEA = "human Apealea 250 mg/m2, 1 h (total paclitaxel, 24-h sampling)"
DATA = "paclitaxel_apealea_borga2019_human.csv"
WINDOW_H = "24 h"  # Borga 2019: plasma sampled over 24 h in cycle 1

_MICELLE = ("the polymeric_micelle carrier's release rate 0.5 1/h (carriers.yaml, an assumption, not set on this "
            "study) keeps 97 % of the plasma paclitaxel AUC micelle-bound, so total plasma drug is cleared at the "
            "micelles' pace: CL 1.23 L/h/m2, Vss 3.1 L/m2, Cmax 78 mg/L. In the instant-release limit (diagnostic "
            "only, 1000 1/h) the same scenario gives CL 33.4 L/h/m2, t1/2 14.7 h, residual AUC after 24 h 0.24: "
            "free paclitaxel in the model is cleared 2.5-fold faster and distributes more slowly back to plasma "
            "than this study's mean; no micelle dissociation rate for XR17 micelles was found in retrieved text")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (APEALEA, "plasma cl_L_per_h_per_m2"): "predicted 1.23 vs 13.4 L/h/m2 (0.09x): " + _MICELLE,
    (APEALEA, "residual AUC after 24 h / AUCinf"): (
        "predicted 0.0098 vs 0.057: the terminal phase within 24 h is the micelle release/elimination (t1/2 10.4 "
        "h) on top of a 97 %-micellar plasma AUC, so little is left beyond 24 h; " + _MICELLE),
}


@cache
def apealea_run() -> dict[str, Any]:
    """Metrics of the catalogue's Apealea scenario over the study's 24-h sampling window."""
    scn = product_scenario("apealea", WINDOW_H, POINTS)
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def rows() -> list[Row]:
    """Apealea total-paclitaxel CL, terminal t1/2 and residual AUC after 24 h."""
    pt = apealea_run()["plasma_total"]
    out = []
    for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("t_half_h", "h")):
        v, src = observed_in(DATA, formulation="apealea", metric=metric)
        out.append(Row(APEALEA, f"plasma {metric}", unit, v, float(pt[metric]), CRIT, src))
    v, src = observed_in(DATA, formulation="apealea", metric="residual_auc_after_24h")
    resid = 1.0 - pt["auc_0_t_mg_h_per_L"] / pt["auc_inf_mg_h_per_L"]
    out.append(Row(APEALEA, "residual AUC after 24 h / AUCinf", "1", v, float(resid), CRIT, src))
    return out
