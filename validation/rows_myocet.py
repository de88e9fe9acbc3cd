"""Validation rows: Myocet (non-PEGylated liposomal doxorubicin citrate) against conventional doxorubicin.

Observed values: validation/data/myocet_human_pk.csv (role ``validation``; never used to set a parameter).
Independence: the Myocet carrier's ``mps_multiplier`` (catalog/products.yaml, validation/calibrate_products.py)
is CALIBRATED on the first-phase t1/2 of total doxorubicin after TLC D-99 (Myocet) in Cowens 1993 and Conley 1993
as tabulated by Drummond 1999 Table 4 (validation/data/myocet_drummond1999_calibration.csv: geometric mean 0.37 h);
it replaced the conventional_liposome type default derived from an unretrieved SmPC t1/2 ~2.5 h. Because a Myocet
half-life set the carrier, no Myocet half-life is a row here, and the SmPC 5.2 numbers are not used at all. The
rows use other quantities from other publications (CL and Vss at 75 mg/m2 and the encapsulated fraction, Cancer
Chemother Pharmacol 2004; the CL and Vss fold differences against conventional doxorubicin, Anticancer Drugs 2003).
They are still PARTLY dependent: CL and Vss of a liposome are tied to its plasma half-life, and the first phase
carries most of the total-drug AUC. The MPS-only attribution of the first phase is a choice (the model's existing
one for non-PEG liposomes; no sourced in-plasma leak rate was found): it puts the spleen extraction of Myocet at
its flow limit (1.0), the liver at 0.385 of the hepatic artery + portal flow and the marrow at 0.38, so part of the
observed first phase may be leakage.
The doxorubicin clearance (data/drugs/doxorubicin.yaml) is from the doxorubicin label, not from these studies.
Myocet runs from its catalogue spec at the study dose over the label's 1-h infusion (the studies' infusion
durations were not retrieved); conventional doxorubicin is the same spec without carrier, as a 15-min infusion
(assumption, as validation.checks.FREE_INFUSION_H). The criterion, fixed before the results, is predicted /
observed within 2-fold (ratios compared as ratios).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, dosed
from validation.checks import BLIND, ECHO, FREE_INFUSION_H, HERE, POST_HOC, Row, RowClass, observed_in

DATA = HERE / "data" / "myocet_human_pk.csv"
WINDOW = "168 h"  # the catalogue's one-cycle window
POINTS = 337
MYOCET_INFUSION_H = 1.0  # Myocet EU SmPC 4.2 (catalogue scenario); the studies' own durations not retrieved

MYOCET_75 = "human Myocet 75 mg/m2 (total doxorubicin)"
MYOCET_VS = "human Myocet vs conventional doxorubicin 60 mg/m2"

KNOWN_MISSES: dict[tuple[str, str], str] = {
    (MYOCET_75, "plasma vss_L_per_m2"): "with the first phase calibrated (Cowens/Conley) the model matches CL, "
    "the encapsulated share and both ratios, but its total-doxorubicin Vss is 33 L/m2 against 82: drug captured by "
    "the MPS returns as free drug only through the ~23-h phagocyte digestion (human carrier assumption), so less "
    "of the dose reaches the free drug's tissue distribution within the terminal phase (model terminal t1/2 "
    "38 h vs 52.6 h observed); predicted/observed 0.40",
}


def observed(form: str, metric: str) -> tuple[float, str]:
    """Value and source of one row of myocet_human_pk.csv."""
    return observed_in(DATA.name, formulation=form, metric=metric)


def _scenario(dose_mg_m2: float, carrier: bool) -> Any:
    """The Myocet catalogue spec at ``dose_mg_m2``; without carrier: conventional doxorubicin, 15-min infusion."""
    return dosed("myocet", dose_mg_m2, MYOCET_INFUSION_H if carrier else FREE_INFUSION_H, WINDOW, POINTS, carrier,
                 "conventional")


@cache
def run(dose_mg_m2: float, carrier: bool = True) -> dict[str, Any]:
    """Metrics (plasma_total, plasma_encapsulated, ...) of Myocet or conventional doxorubicin at one dose."""
    scn = _scenario(dose_mg_m2, carrier)
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


_FIRST_PHASE = ("the Myocet multiplier is solved on the TLC D-99 first-phase t1/2 (Cowens/Conley; ef7b71b, "
                "bc899e2), which with the plasma volume fixes CL; a known miss (0.15) before ef7b71b")
_CLASS: dict[str, tuple[RowClass, str]] = {
    "cl_L_per_h_per_m2": (ECHO, _FIRST_PHASE),
    "vss_L_per_m2": (BLIND, "no parameter set from this study; still misses after the ef7b71b recalibration"),
    "cl_ratio": (ECHO, "numerator: the Myocet CL fixed by the first-phase calibration (ef7b71b, bc899e2); "
                       "denominator: the label-midpoint doxorubicin CL (input); a known miss (0.26) before ef7b71b"),
    "vss_ratio": (POST_HOC, "a known miss (0.16, 3b7d5e8) until the Myocet multiplier was recalibrated (ef7b71b)"),
}


def rows() -> list[Row]:
    """CL, Vss and encapsulated fraction at 75 mg/m2; CL and Vss ratios against conventional doxorubicin."""
    out: list[Row] = []
    m75 = run(75.0)
    tot = m75["plasma_total"]
    for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("vss_L_per_m2", "L/m2")):
        v, src = observed("myocet", metric)
        out.append(Row(MYOCET_75, f"plasma {metric}", unit, v, float(tot[metric]), CRIT, src, *_CLASS[metric]))
    v, src = observed("myocet", "encapsulated_fraction_auc")
    encap = m75["plasma_encapsulated"]["auc_inf_mg_h_per_L"] / tot["auc_inf_mg_h_per_L"]
    out.append(Row(MYOCET_75, "encapsulated share of plasma AUC", "-", v, float(encap), CRIT, src, BLIND,
                   "release rate the conventional_liposome assumption (0.1 1/h); within criterion since added "
                   "(3b7d5e8)"))
    lip, free = run(60.0)["plasma_total"], run(60.0, carrier=False)["plasma_total"]
    for metric, key, label in (("cl_ratio", "cl_L_per_h", "CL"), ("vss_ratio", "vss_L", "Vss")):
        v, src = observed("myocet_vs_doxorubicin", metric)
        out.append(Row(MYOCET_VS, f"{label} Myocet / {label} conventional", "-", v,
                       float(lip[key] / free[key]), CRIT, src, *_CLASS[metric]))
    return out
