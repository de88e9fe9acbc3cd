"""Validation rows: Genexol-PM (paclitaxel in mPEG-PDLLA micelles; catalogue key ``genexol_pm``).

Observed value: validation/data/paclitaxel_genexol_lim2010_human.csv (Lim WT et al. Ann Oncol 2010;21:382, weekly
1-h infusions of 80-200 mg/m2 in 24 Asian patients, median total-body clearance; role ``validation``, never used
to set a parameter). The product runs from its catalogue scenario (carrier ``polymeric_micelle``, whose release
rate 220.4 1/h is DERIVED by validation/calibrate_micelle.py from Burt et al. 1999's qualitative 'rapidly
dissociated from the micellar components in the blood', read as 95 % released within one circulation time: an
assumption) at the study's MTD, 180 mg/m2 over 1 h, over the catalogue's 168-h window (one weekly interval), for
the reference adult (BSA 1.89 m2; the cohort's BSA is not in the retrieved abstract and Asian adults are
typically smaller, which would lower the observed L/h relative to the model's). Not compared: Kim TY et al. Clin
Cancer Res 2004;10:3708 (3-h infusions; no PK number in its retrieved abstract) and Lim's approximate
dose-proportionality ratios (any near-linear model meets a 2-fold criterion on them).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, dosed
from validation.checks import ECHO, Row, observed_in

DOSE_MG_M2, INFUSION_H = 180.0, 1.0  # Lim 2010: MTD of the weekly 1-h schedule
WINDOW_H = "168 h"  # one weekly dosing interval (the study's sampling window was not retrieved)
GENEXOL = "human Genexol-PM 180 mg/m2, 1 h weekly (total paclitaxel)"
DATA = "paclitaxel_genexol_lim2010_human.csv"

KNOWN_MISSES: dict[tuple[str, str], str] = {}


@cache
def genexol_run() -> dict[str, Any]:
    """Metrics of the catalogue's Genexol-PM scenario at 180 mg/m2 over 1 h, over one week."""
    scn = dosed("genexol_pm", DOSE_MG_M2, INFUSION_H, WINDOW_H)
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def rows() -> list[Row]:
    """Genexol-PM total-paclitaxel clearance (L/h) against Lim 2010's median."""
    v, src = observed_in(DATA, formulation="genexol_pm", metric="cl_L_per_h")
    pt = genexol_run()["plasma_total"]
    return [Row(GENEXOL, "plasma cl_L_per_h", "L/h", v, float(pt["cl_L_per_h"]), CRIT, src, ECHO,
                "micelles release within one circulation time, so total CL is the free paclitaxel CL: the "
                "hepatic CL 61.3 L/h fitted on the TAXOL label (calibrate_paclitaxel)")]
