"""Validation rows: Onivyde (liposomal irinotecan, SN-38 as its metabolite) and free irinotecan.

Observed values: validation/data/catalog_human_pk.csv and validation/data/onivyde_table5_human_pk.csv (label
Table 5 at 50 and 70 mg/m2: total irinotecan and total SN-38; role ``validation``; never used to set a parameter).
SN-38 is compared through the ``plasma_metabolite`` observable (drugs/irinotecan.yaml ``metabolite`` block,
nanodds.model.metabolite: hepatic formation plus gut, plasma and tumour carboxylesterase sites; two-phase SN-38
disposition with enterohepatic recycling calibrated on free-irinotecan data only,
validation/data/sn38_free_irinotecan_calibration.csv). Not compared,
because the engine cannot express it: Gupta 1997 urinary recovery of irinotecan (15 %): the engine reports no
cumulative urinary excretion.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_spec
from nanodds.engine import simulate
from nanodds.specs.scenario import parse_scenario
from validation.catalog_checks import CRIT, POINTS, WINDOW, catalog_run, observed
from validation.checks import HERE, Row

ONIVYDE = "human Onivyde 70 mg/m2 (total irinotecan)"
IRINOTECAN = "human irinotecan 145 mg/m2, 1.5 h (free drug)"
ONIVYDE_SN38 = "human Onivyde 70 mg/m2 (SN-38 metabolite)"
ONIVYDE_50 = "human Onivyde 50 mg/m2 (total irinotecan)"
ONIVYDE_SN38_50 = "human Onivyde 50 mg/m2 (SN-38 metabolite)"
ONIVYDE_DOSE = "human Onivyde 50 vs 70 mg/m2 (total irinotecan)"
TABLE5 = HERE / "data" / "onivyde_table5_human_pk.csv"
# History: with Doxil's drug_loading (0.1253, 3.75x the lipid) the rows read t1/2 152 h, AUC 5548 mg.h/L and SN-38
# t1/2 250 h; with the label loading (0.470) and the former saturating human capacity (25 mg/kg) the Table 5 t1/2
# read 15.3 h; with the linear-PK human carrier (capacity 222 mg/kg) it is 40.5 h and passes.
_SN38_CMAX = ("SN-38 Cmax {pred} vs {obs} ng/mL (one-phase SN-38 before: {before}): SN-38 is formed where "
              "carboxylesterases act on released irinotecan (liver CES1/CES2 via the calibrated formation fraction, "
              "intestinal CES2, plasma BChE, tumour when present; drugs/irinotecan.yaml metabolite block) and has a "
              "two-phase disposition calibrated on free irinotecan only (drugs/sn38.yaml: fast glucuronidation, CL "
              "30 L/h, plus enterohepatic recycling g 0.5, k_r 0.0295 1/h; validation/data/"
              "sn38_free_irinotecan_calibration.csv). After free irinotecan 125 mg/m2 the model SN-38 now peaks at "
              "1.7 h (end of infusion 1.5 h) at 13.6 ng/mL (before: 28 h, 2.6 ng/mL). After Onivyde the profile "
              "follows formation from released irinotecan: {c2} ng/mL at 2 h, a dip at 24 h and Cmax at {tmax} h, AUC/"
              "Cmax {shape} h vs observed {oshape} h. Most of the miss is the amount: the SN-38 AUC per mg irinotecan "
              "is about half the observed (AUC rows, unchanged by the disposition because both phases are calibrated "
              "on the same free-drug AUC): liposomal irinotecan gets no more conversion per mg than free drug in the "
              "model, and no human macrophage/MPS conversion rate was found")
_SN38_AUC_50 = ("SN-38 AUC 134 vs 290 ng.h/mL (ratio 0.46; 0.46 with the one-phase SN-38 disposition, 0.49 before the "
                "tissue-formation sites): the model SN-38 AUC is dose-proportional and about half the observed SN-38 "
                "per mg irinotecan (188 ng.h/mL at 70 mg/m2 passes at 0.53), while the observed AUC per mg/m2 is 15 % "
                "higher at 50 than at 70 mg/m2. Total formation is set on free irinotecan (Mathijssen 2001 AUC_inf, "
                "with the gut and plasma sites and the two-phase SN-38 disposition: formation fraction 0.04235, CL 30 "
                "L/h, recycled fraction 0.5), and digested liposomal irinotecan enters the same organ pools as free "
                "irinotecan, so liposomal irinotecan gets no more conversion per mg than free drug: the gut site even "
                "takes a share from the liver, where most liposomes are digested (first pass). A larger per-mg "
                "conversion of liposomal irinotecan (e.g. inside MPS or tumour macrophages, Kalra 2014) would need a "
                "measured human rate")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (ONIVYDE_SN38, "plasma_metabolite cmax_mg_per_L (Table 5 geometric mean)"):
        _SN38_CMAX.format(pred=0.96, obs=2.64, before=0.86, c2=0.82, tmax=71, shape=196, oshape=134),
    (ONIVYDE_SN38_50, "plasma_metabolite cmax_mg_per_L (Table 5 geometric mean)"):
        _SN38_CMAX.format(pred=0.70, obs=2.09, before=0.63, c2=0.59, tmax=71, shape=193, oshape=139),
    (ONIVYDE_SN38_50, "plasma_metabolite AUC_inf (single dose) vs AUCss (Table 5 geometric mean)"): _SN38_AUC_50,
}


@cache
def _run_dose(dose_mg_m2: float) -> dict[str, Any]:
    """Metrics of the catalogue Onivyde scenario at another label dose (same carrier, infusion and window)."""
    spec = product_spec("onivyde", WINDOW["onivyde"], POINTS)
    spec["regimen"][0]["dose"] = f"{dose_mg_m2:g} mg/m^2"
    scn = parse_scenario(spec)
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def _table5(dose_mg_m2: float, drug: str, metric: str) -> tuple[float, str]:
    """Value and source of one row of onivyde_table5_human_pk.csv."""
    df = pd.read_csv(TABLE5, comment="#")
    sel = df[(df.role == "validation") & (df.dose_mg_per_m2 == dose_mg_m2) & (df.drug == drug)
             & (df.metric == metric)]
    assert len(sel) == 1, (dose_mg_m2, drug, metric)
    return float(sel.value.iloc[0]), f"{sel.source.iloc[0]}, {sel.statistic.iloc[0]}"


def _table5_rows(om: dict[str, Any]) -> list[Row]:
    """Label Table 5: total irinotecan at 50 mg/m2, total SN-38 at 50 and 70 mg/m2, and dose-linearity of AUC."""
    out: list[Row] = []
    m50 = _run_dose(50.0)
    t50 = m50["plasma_total"]
    for q, metric, pred, unit in (
            ("plasma cmax_mg_per_L (Table 5 geometric mean)", "cmax_mg_per_L", t50["cmax_mg_per_L"], "mg/L"),
            ("plasma AUC_inf (single dose) vs AUCss (Table 5 geometric mean)", "auc_ss_mg_h_per_L",
             t50["auc_inf_mg_h_per_L"], "mg.h/L"),
            ("plasma t_half_h (Table 5 geometric mean)", "t_half_h", t50["t_half_h"], "h")):
        v, src = _table5(50.0, "irinotecan", metric)
        out.append(Row(ONIVYDE_50, q, unit, v, float(pred), CRIT, src))
    for case, dose, m in ((ONIVYDE_SN38_50, 50.0, m50), (ONIVYDE_SN38, 70.0, om)):
        sn = m["plasma_metabolite"]
        for q, metric, pred, unit in (
                ("plasma_metabolite cmax_mg_per_L (Table 5 geometric mean)", "cmax_mg_per_L", sn["cmax_mg_per_L"],
                 "mg/L"),
                ("plasma_metabolite AUC_inf (single dose) vs AUCss (Table 5 geometric mean)", "auc_ss_mg_h_per_L",
                 sn["auc_inf_mg_h_per_L"], "mg.h/L")):
            v, src = _table5(dose, "sn38", metric)
            out.append(Row(case, q, unit, v, float(pred), CRIT, src))
    # the label calls Cmax and AUC dose-linear over 50-155 mg/m2: compare AUC per mg/m2 at 70 relative to 50
    a70, src70 = observed("onivyde", "auc_ss_mg_h_per_L")
    a50, src50 = _table5(50.0, "irinotecan", "auc_ss_mg_h_per_L")
    pred = (om["plasma_total"]["auc_inf_mg_h_per_L"] / 70.0) / (t50["auc_inf_mg_h_per_L"] / 50.0)
    out.append(Row(ONIVYDE_DOSE, "dose-normalised AUC, 70 / 50 mg/m2", "-", (a70 / 70.0) / (a50 / 50.0), float(pred),
                   CRIT, f"{src70}; {src50}"))
    return out


def rows() -> list[Row]:
    """Onivyde and free-irinotecan rows."""
    out: list[Row] = []
    om = catalog_run("onivyde")
    oni = om["plasma_total"]
    for q, metric, stat, pred, unit in (
            ("plasma t_half_h (label population estimate)", "t_half_h", "population", oni["t_half_h"], "h"),
            ("plasma t_half_h (Table 5 geometric mean)", "t_half_h", "geometric", oni["t_half_h"], "h"),
            ("plasma vss_L vs label V", "v_L", "", oni["vss_L"], "L"),
            ("plasma cmax_mg_per_L", "cmax_mg_per_L", "", oni["cmax_mg_per_L"], "mg/L"),
            # AUC over a dosing interval at steady state equals the single-dose AUC_inf under linear PK
            ("plasma AUC_inf (single dose) vs AUCss", "auc_ss_mg_h_per_L", "", oni["auc_inf_mg_h_per_L"],
             "mg.h/L")):
        v, src = observed("onivyde", metric, stat)
        out.append(Row(ONIVYDE, q, unit, v, float(pred), CRIT, src))
    # SN-38 formed from released irinotecan in liver, gut and plasma (plasma_metabolite observable, mg/L of SN-38)
    v, src = observed("onivyde", "t_half_h", "SN-38", drug="sn38")
    out.append(Row(ONIVYDE_SN38, "plasma_metabolite t_half_h (label population estimate)", "h", v,
                   float(om["plasma_metabolite"]["t_half_h"]), CRIT, src))
    # protein-bound irinotecan (free minus unbound) as a fraction of total, by AUC; the label gives an upper bound
    bound = (om["plasma_free"]["auc_inf_mg_h_per_L"] - om["plasma_unbound"]["auc_inf_mg_h_per_L"]) \
        / oni["auc_inf_mg_h_per_L"]
    v, src = observed("onivyde", "fraction_protein_bound_total")
    out.append(Row(ONIVYDE, f"protein-bound fraction of total: 1 - predicted/{v:g}", "-", 1.0,
                   1.0 - bound / v, f"direction: protein-bound fraction of total below {v:g}", src))
    out += _table5_rows(om)
    pt = catalog_run("irinotecan")["plasma_total"]
    for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("vss_L_per_m2", "L/m2"), ("t_half_h", "h")):
        v, src = observed("irinotecan", metric)
        out.append(Row(IRINOTECAN, f"plasma {metric}", unit, v, float(pt[metric]), CRIT, src))
    return out
