"""Validation rows: oral nanocrystal vs micronised suspension (megestrol acetate, fasted healthy humans).

Observed values: validation/data/oral_megestrol_human.csv (role ``validation``; never used to set a
parameter). The drug's hepatic clearance was calibrated on a different dataset (Jang 2014 part I, FED
nanocrystal AUC; validation/data/oral_megestrol_calibration.csv); the particle sizes, solubility, permeability,
the bile-salt concentrations (FaSSIF, oral/gi_physiology.yaml) and the micellar solubilisation (Mithani 1996
correlation with log P) and every other oral parameter are a-priori values in src/nanodds/data/oral/.

Criteria (fixed before the results): predicted/observed within 2-fold for the nano/micronised ratios
(relative bioavailability and Cmax ratio, dose-normalised for the label table, as published for Jang 2014),
Tmax, the absolute fasting Cmax and AUC and the 150 -> 625 mg AUC dose proportionality; direction rows
(nano/micronised - 1 > 0) for the sign of the nanocrystal benefit. Absolute values also depend on the
calibrated clearance; the ratios do not (linear systemic model, same liver for both forms).
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from nanodds.analysis.oral import compare_oral_formulations
from validation.checks import BLIND, FOLD, HERE, Row

DRUG = "megestrol_acetate"
NANO, MICRO = "megace_es_nanocrystal", "megace_os_micronised"
CRIT = f"within {FOLD:g}-fold"
DURATION_H = 120.0  # Jang 2014 sampled to 120 h (AUClast); label AUC is to infinity (exact in the model)
POINTS = 1201  # 0.1 h grid: Cmax/Tmax are read on the output grid
LABEL = "oral human fasting Megace ES 625 mg vs Megace OS 800 mg (label Table 1)"
JANG = "oral human fasting nanocrystal 625 mg vs Megace OS 800 mg (Jang 2014 part III)"
DOSE_PROP = "oral human fasting Megace ES 150 vs 625 mg (label Table 1)"
_SRC_LABEL = "MEGACE ES label Table 1 (fasting); AUCs also Deschamps 2009 doi:10.2147/IJN.S6308"
_SRC_JANG = "Jang 2014 Drug Des Devel Ther doi:10.2147/DDDT.S62176 abstract"

# Written after the results (never used to change a parameter). Measured with bile-salt micellar solubilisation
# (fasted SI 3 mM taurocholate, Mithani 1996 log SR = 2.234 + 0.606 log P at log P 3.2: K = 0.81, total solubility
# 3.6 ug/mL vs aqueous 2 ug/mL; free fraction 0.55; micelle-bound drug absorbed like free drug): both forms stay
# solubility-limited (dose number 625 / (0.0036 mg/mL x 250 mL) ~ 690). Fa 0.63 % (nanocrystal 625 mg) and 0.42 %
# (micronised 800 mg), up from 0.36 % / 0.25 % with the aqueous solubility alone, while the observed fasting AUCs
# against the fed-calibrated CL/F (23.3 L/h) imply F of about 45 % and 26 %. The saturated absorptive flux is at
# most ka Cs_tot V_SI = 1.23 /h x 0.0036 mg/mL x 105 mL = 0.47 mg/h. Even the fed bile salt (10 mM, total 7.4 ug/mL)
# gives Fa 1.2 %; closing the gap needs ~100-fold more intestinal solubility than the sourced bile micelles give.
_SOL = ("solubility-limited in the model even with bile-micelle solubilisation (FaSSIF 3 mM taurocholate, Mithani "
        "1996 correlation: total 3.6 vs aqueous 2 ug/mL): Fa 0.63 % nano / 0.42 % micronised vs ~45 % / ~26 % "
        "implied by the observed AUCs; the remaining ~70-fold gap is not explained by sourced bile-salt "
        "solubilisation (fed 10 mM: Fa 1.2 %). Audited (tests/model/test_oral.py): no arithmetic bug, the saturated "
        "portal flux is ka Cs_tot V_SI = 1.234 /h x 3.61 ug/mL x 105 mL = 0.468 mg/h (Peff 3e-4 cm/s = 1.08 cm/h, "
        "each of the 7 compartments saturated on its own 15 mL); Peff 2 pi R L Cs = 12.9-25.7 mg/h only if the whole "
        "300-600 cm intestine were filled (2.9-5.8 L) against 82-105 mL of fasted small-bowel water measured by MRI")
_CMAX = ("both forms solubility-limited in the model, so the nanocrystal gains only faster re-saturation and the "
         "Ostwald-Freundlich factor (x1.13 at 200 nm diameter): its fast, dissolution-rate-limited absorption "
         "of a large dose fraction (observed Tmax 1.7 h vs 5.9 h) needs a much higher intestinal solubility, and "
         "more than that: in a diagnostic run with the solubility x100 (Fa 36 % / 25 %, AUCs 9.6 / 8.7 mg.h/L) the "
         "dose-normalised Cmax ratio stays 1.45 and the nano Tmax 4.1 h, because 5 um particles still dissolve "
         "faster than SI transit (the observed micronised profile is dissolution-limited); " + _SOL)
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (LABEL, "Cmax ratio nano/micronised (dose-normalised)"): "predicted 1.49 vs observed 7.76; " + _CMAX,
    (JANG, "Cmax ratio nano 625 / micronised 800 mg"): "predicted 1.16 vs observed 6.7; " + _CMAX,
    (LABEL, "nanocrystal Tmax"): ("predicted 6.5 h vs 1.72 h: the saturated-solution flux (0.47 mg/h) keeps "
                                  "absorbing along the whole small intestine, and the 7-tank transit tail keeps the "
                                  "compartments saturated for ~7.4 h on average (3.9 mg absorbed / 0.53 mg/h with "
                                  "the x1.13 Ostwald-Freundlich factor) against a 3.3 h mean SI transit; " + _SOL),
    (LABEL, "nanocrystal Cmax"): "predicted 0.0092 vs 1.133 mg/L (123x low); " + _SOL,
    (LABEL, "nanocrystal AUCinf"): "predicted 0.168 vs 12.1 mg.h/L (72x low); " + _SOL,
    (LABEL, "micronised Cmax"): "predicted 0.0079 vs 0.187 mg/L (24x low); " + _SOL,
    (LABEL, "micronised AUCinf"): "predicted 0.146 vs 8.94 mg.h/L (61x low); " + _SOL,
    (DOSE_PROP, "AUCinf ratio 625/150 mg (proportional = 4.17)"): (
        "predicted 1.14 vs observed 3.96: a solubility-limited absorption is nearly dose-independent (Fa 2.3 % at "
        "150 mg, 0.63 % at 625 mg) while the nanocrystal's AUC is observed close to dose-proportional; " + _SOL),
}


@cache
def observed_table() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "oral_megestrol_human.csv", comment="#", dtype={"dose_mg": str})


def observed(study: str, formulation: str, dose: str, metric: str) -> float:
    df = observed_table()
    sel = df[(df.study == study) & (df.formulation == formulation) & (df.dose_mg == dose) & (df.metric == metric)]
    if len(sel) != 1:
        raise KeyError((study, formulation, dose, metric))
    return float(sel["value"].iloc[0])


@cache
def run(formulation: str, dose_mg: float) -> dict[str, float]:
    """Model metrics of one formulation at one dose (fasted human, reference physiology)."""
    df = compare_oral_formulations(DRUG, "human", dose_mg, [formulation], duration=f"{DURATION_H:g} h",
                                   points=POINTS)
    return {k: float(v) for k, v in df.iloc[0].items() if isinstance(v, int | float)}


_APRIORI = ("oral parameters a-priori, set up before any result (ae9a49c); CL from Jang 2014 part I fed, not "
            "this label table")
_RATIO = _APRIORI + "; CL cancels in the ratio"
_JANG = ("Jang 2014 part III (fasting, nano vs Megace OS): the calibrating CL came from part I (fed nanocrystal) of "
         "the same paper, but CL cancels in this ratio")


def rows() -> list[Row]:
    """Nano vs micronised ratios and directions, Tmax, absolute fasting exposure, dose proportionality."""
    nano, micro = run(NANO, 625.0), run(MICRO, 800.0)
    out: list[Row] = []
    # dose-normalised ratios of the label table
    auc_n, auc_m = observed("label_table1", NANO, "625", "auc_inf"), observed("label_table1", MICRO, "800", "auc_inf")
    cmx_n, cmx_m = observed("label_table1", NANO, "625", "cmax"), observed("label_table1", MICRO, "800", "cmax")
    frel_obs = (auc_n / 625.0) / (auc_m / 800.0)
    cr_obs = (cmx_n / 625.0) / (cmx_m / 800.0)
    frel = (nano["auc_inf_mg_h_per_L"] / 625.0) / (micro["auc_inf_mg_h_per_L"] / 800.0)
    cr = (nano["cmax_mg_per_L"] / 625.0) / (micro["cmax_mg_per_L"] / 800.0)
    out.append(Row(LABEL, "relative F nano/micronised (dose-normalised AUCinf ratio)", "-", frel_obs, frel, CRIT,
                   _SRC_LABEL, BLIND, _RATIO))
    out.append(Row(LABEL, "Cmax ratio nano/micronised (dose-normalised)", "-", cr_obs, cr, CRIT, _SRC_LABEL, BLIND,
                   _RATIO))
    # The former 'relative F - 1' and 'Cmax ratio - 1' direction rows were the same two label ratios as the rows
    # above with a sign criterion, so they duplicated them and are gone.
    for form, res, dose in ((NANO, nano, "625"), (MICRO, micro, "800")):
        tag = "nanocrystal" if form == NANO else "micronised"
        out.append(Row(LABEL, f"{tag} Tmax", "h", observed("label_table1", form, dose, "tmax"), res["tmax_h"],
                       CRIT, _SRC_LABEL, BLIND, _APRIORI))
        out.append(Row(LABEL, f"{tag} Cmax", "mg/L", observed("label_table1", form, dose, "cmax") / 1e3,
                       res["cmax_mg_per_L"], CRIT, _SRC_LABEL, BLIND, _APRIORI))
        out.append(Row(LABEL, f"{tag} AUCinf", "mg.h/L", observed("label_table1", form, dose, "auc_inf") / 1e3,
                       res["auc_inf_mg_h_per_L"], CRIT, _SRC_LABEL, BLIND, _APRIORI))
    # Jang 2014: ratios at the doses given (not dose-normalised), AUC to the last sample (120 h)
    out.append(Row(JANG, "Cmax ratio nano 625 / micronised 800 mg", "-",
                   observed("jang2014_part3", "nanocrystal_vs_megace_os", "625 vs 800", "cmax_ratio"),
                   nano["cmax_mg_per_L"] / micro["cmax_mg_per_L"], CRIT, _SRC_JANG, BLIND, _JANG))
    out.append(Row(JANG, "AUC0-120h ratio nano 625 / micronised 800 mg", "-",
                   observed("jang2014_part3", "nanocrystal_vs_megace_os", "625 vs 800", "auclast_ratio"),
                   nano["auc_0_t_mg_h_per_L"] / micro["auc_0_t_mg_h_per_L"], CRIT, _SRC_JANG, BLIND, _JANG))
    # dose proportionality of the nanocrystal (tests whether absorption is solubility-limited)
    low = run(NANO, 150.0)
    out.append(Row(DOSE_PROP, "AUCinf ratio 625/150 mg (proportional = 4.17)", "-",
                   auc_n / observed("label_table1", NANO, "150", "auc_inf"),
                   nano["auc_inf_mg_h_per_L"] / low["auc_inf_mg_h_per_L"], CRIT, _SRC_LABEL, BLIND, _RATIO))
    return out
