"""Validation rows: AmBisome (liposomal amphotericin B) and conventional amphotericin B deoxycholate.

Criterion, stated before the results: predicted/observed within 2-fold (``CRIT``).
Observed values: validation/data/ambisome_human_pk.csv (role ``validation``; never used to set a parameter).
Independence: the amphotericin B clearance (data/drugs/amphotericin_b.yaml) and the AmBisome mps_multiplier
(products.yaml, validation/calibrate_products.py) come from Bekersky 2002 (healthy volunteers, 2 mg/kg AmBisome and
0.6 mg/kg AMB-DOC; validation/data/ambisome_bekersky2002_calibration.csv), which is not used here. Rows: day-1 PK of
Walsh 1998 (neutropenic patients; the study behind the label 12.3 table) at 1, 2.5 and 5 mg/kg over 2 h, and the
conventional drug's ~15-day terminal half-life (0.6 mg/kg over 2 h, single dose, 30-day window).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_spec
from nanodds.engine import simulate
from nanodds.specs.scenario import parse_scenario
from validation.catalog_checks import CRIT
from validation.checks import HERE, Row, observed_in

DATA = HERE / "data" / "ambisome_human_pk.csv"
WINDOW, POINTS = "168 h", 337
CONV_WINDOW, CONV_POINTS = "720 h", 721
DOSES = (1.0, 2.5, 5.0)


def case(dose: float) -> str:
    """Row case name of one AmBisome dose."""
    return f"human AmBisome {dose:g} mg/kg day 1 (total amphotericin B)"


CONV = "human amphotericin B deoxycholate 0.6 mg/kg (free drug)"
_WINDOW_TH = ("the model's AmBisome terminal phase is the slow return of MPS-captured and tissue drug (release "
              "0.005 1/h, free-drug Vss ~4 L/kg from R&R Kp); Walsh 1998 fitted day-1 t1/2 over a 24-h dosing interval")
_LOW_CL = ("the model clears liposomal drug from plasma mainly by saturable MPS capture and slow release; its CL "
           "at the calibration dose (2 mg/kg) is 3 mL/h/kg against ~10 in Bekersky 2002 healthy volunteers and 21-51 "
           "in the Walsh 1998 patients, and MPS saturation lowers it further with dose; the Cmax-calibrated multiplier "
           "does not fix CL (one free rate, two behaviours): the model lacks a fast non-MPS loss of drug from the "
           "liposome (transfer to lipoproteins/tissue membranes)")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (case(1), "plasma vss_L_per_kg"): _LOW_CL + ": predicted/observed 4.03",
    (case(1), "plasma cl_mL_per_h_per_kg"): _LOW_CL + ": predicted/observed 0.16",
    (case(1), "plasma auc_mg_h_per_L"): _LOW_CL + ": predicted/observed 5.02",
    (case(1), "plasma t_half_h"): _WINDOW_TH + ": predicted/observed 35.4",
    (case(2.5), "plasma cl_mL_per_h_per_kg"): _LOW_CL + ": predicted/observed 0.07",
    (case(2.5), "plasma auc_mg_h_per_L"): _LOW_CL + ": predicted/observed 9.22",
    (case(2.5), "plasma t_half_h"): _WINDOW_TH + ": predicted/observed 50.5",
    (case(5), "plasma cl_mL_per_h_per_kg"): _LOW_CL + ": predicted/observed 0.1",
    (case(5), "plasma auc_mg_h_per_L"): _LOW_CL + ": predicted/observed 8.5",
    (case(5), "plasma t_half_h"): _WINDOW_TH + ": predicted/observed 104",
}


def observed(form: str, dose: float, metric: str) -> tuple[float, str]:
    """Value and source of one row of ambisome_human_pk.csv."""
    return observed_in(DATA.name, formulation=form, dose_mg_per_kg=dose, metric=metric)


@cache
def run(arm: str, dose: float) -> tuple[dict[str, Any], float]:
    """Plasma-total metrics and body weight (kg) of 'ambisome' or 'conventional' (no carrier) at ``dose`` mg/kg."""
    if arm == "ambisome":
        spec = product_spec("ambisome", WINDOW, POINTS)
    else:
        spec = product_spec("ambisome", CONV_WINDOW, CONV_POINTS)
        spec.pop("carrier")
        spec["name"] = "amphotericin B deoxycholate"
    spec["regimen"] = [{"route": "iv_infusion", "dose": f"{dose:g} mg/kg", "duration": "2 h"}]
    scn = parse_scenario(spec)
    m = compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["plasma_total"]
    return m, float(scn.physiology.body_weight_kg)


def rows() -> list[Row]:
    """Walsh 1998 day-1 Vss, CL, AUC, t1/2 at three doses; conventional amphotericin B terminal t1/2."""
    out: list[Row] = []
    for dose in DOSES:
        m, bw = run("ambisome", dose)
        pred = {"vss_L_per_kg": m["vss_L"] / bw, "cl_mL_per_h_per_kg": 1000.0 * m["cl_L_per_h"] / bw,
                "auc_mg_h_per_L": m["auc_inf_mg_h_per_L"], "t_half_h": m["t_half_h"]}
        units = {"vss_L_per_kg": "L/kg", "cl_mL_per_h_per_kg": "mL/h/kg", "auc_mg_h_per_L": "mg.h/L", "t_half_h": "h"}
        for metric, p in pred.items():
            v, src = observed("ambisome", dose, metric)
            out.append(Row(case(dose), f"plasma {metric}", units[metric], v, float(p), CRIT, src))
    m, _ = run("conventional", 0.6)
    v, src = observed("amphotericin_b_deoxycholate", 0.6, "t_half_h")
    out.append(Row(CONV, "plasma terminal t_half_h", "h", v, float(m["t_half_h"]), CRIT, src))
    return out
