"""Validation rows: Onivyde (liposomal irinotecan, SN-38 as its metabolite) and free irinotecan.

Observed values: validation/data/catalog_human_pk.csv (role ``validation``; never used to set a parameter).
SN-38 is compared through the ``plasma_metabolite`` observable (drugs/irinotecan.yaml ``metabolite`` block,
nanodds.model.metabolite). Not compared, because the engine cannot express it: Gupta 1997 urinary recovery of
irinotecan (15 %): the engine reports no cumulative urinary excretion.
"""

from __future__ import annotations

from validation.catalog_checks import CRIT, catalog_run, observed
from validation.checks import Row

ONIVYDE = "human Onivyde 70 mg/m2 (total irinotecan)"
IRINOTECAN = "human irinotecan 145 mg/m2, 1.5 h (free drug)"
ONIVYDE_SN38 = "human Onivyde 70 mg/m2 (SN-38 metabolite)"
# Measured with drug_loading 0.470 (label lipid composition, products.yaml onivyde block): total irinotecan falls
# with an apparent t1/2 of 57 h over 6-48 h and 60 h over 48-96 h while the Doxil-calibrated MPS capacity is loaded,
# 39 h over 96-168 h and 19 h over 168-240 h as the captured lipid is digested; the terminal fit (window from 25, 50
# or 75 % of Tmax-336 h, best adjusted R^2) takes the late, fast part: 15.3 h. Before the loading fix (Doxil's 0.1253,
# 3.75x the lipid) the same rows read t1/2 152 h, AUC 5548 mg.h/L and SN-38 t1/2 250 h.
_ONI_T_HALF_T5 = ("terminal t1/2 15.3 h vs 44.9 h: with the label lipid dose (drug_loading 0.470) the saturable, "
                  "Doxil-calibrated MPS gives a concave decline (apparent t1/2 57-60 h over 6-96 h, 39 h over "
                  "96-168 h, 19 h over 168-240 h) and the terminal fit takes the late fast part; the label population "
                  "estimate 25.8 h is met (0.59) but not the Table 5 geometric mean. Not tuned: no Onivyde release "
                  "rate or PEG-density MPS factor was found in retrieved text to set independently")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (ONIVYDE, "plasma t_half_h (Table 5 geometric mean)"): _ONI_T_HALF_T5,
}


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
    # SN-38 formed from released irinotecan (plasma_metabolite observable, mg/L of SN-38)
    v, src = observed("onivyde", "t_half_h", "SN-38", drug="sn38")
    out.append(Row(ONIVYDE_SN38, "plasma_metabolite t_half_h (label population estimate)", "h", v,
                   float(om["plasma_metabolite"]["t_half_h"]), CRIT, src))
    # protein-bound irinotecan (free minus unbound) as a fraction of total, by AUC; the label gives an upper bound
    bound = (om["plasma_free"]["auc_inf_mg_h_per_L"] - om["plasma_unbound"]["auc_inf_mg_h_per_L"]) \
        / oni["auc_inf_mg_h_per_L"]
    v, src = observed("onivyde", "fraction_protein_bound_total")
    out.append(Row(ONIVYDE, f"protein-bound fraction of total: 1 - predicted/{v:g}", "-", 1.0,
                   1.0 - bound / v, f"direction: protein-bound fraction of total below {v:g}", src))
    pt = catalog_run("irinotecan")["plasma_total"]
    for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("vss_L_per_m2", "L/m2"), ("t_half_h", "h")):
        v, src = observed("irinotecan", metric)
        out.append(Row(IRINOTECAN, f"plasma {metric}", unit, v, float(pt[metric]), CRIT, src))
    return out
