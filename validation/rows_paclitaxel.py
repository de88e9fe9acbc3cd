"""Validation rows: Abraxane (albumin-bound paclitaxel) against Taxol (paclitaxel in Cremophor EL).

Observed values: validation/data/catalog_human_pk.csv (role ``validation``; never used to set a parameter).
Paclitaxel binds microtubules in tissues (drugs/paclitaxel.yaml ``intracellular_binding``). The Taxol arm is the
free-paclitaxel catalogue spec at the study's dose and infusion plus Cremophor EL micelles in plasma
(:mod:`nanodds.model.vehicle`, data/vehicles/cremophor_el.yaml) through the scenario field ``vehicle:
cremophor_el``; ``catalog_run('taxol')`` (validation/catalog_checks.py) stays the vehicle-free arm.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from validation.catalog_checks import CRIT, catalog_run, conventional, fraction_unbound, observed
from validation.checks import Row

ABRAXANE = "human Abraxane 260 mg/m2 (total paclitaxel)"
TAXOL = "human Taxol 175 mg/m2, 3 h (paclitaxel + Cremophor EL micelles)"
ABX_VS_TAXOL = "human Abraxane 260 vs Taxol 175 mg/m2"

_PARTICLE = ("particle-bound paclitaxel counts in total plasma drug until released (albumin_nanoparticle "
             "release_rate_blood 10 1/h, an assumption): encapsulated AUC 10.9 of 24.6 mg.h/L")
_TRAP = ("Cremophor EL micelles (phi = 6.1 x % Cremophor, from Sparreboom 1999's in-vitro blood:plasma drop) hold "
         "paclitaxel in the central plasma, where the engine's organs cannot extract it (the micellar state does not "
         "circulate through organs), and the hepatic clearance they divide was calibrated on the TAXOL label's "
         "total clearances, which already include the micellar trapping: the trapping is counted twice")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (ABRAXANE, "plasma cl_L_per_h_per_m2"): (
        _PARTICLE + ", so total CL is 10.56 L/h/m2 (ratio 0.4997, at the 2-fold edge); the released part alone "
        "(13.7 mg.h/L) gives 19.0 L/h/m2. The observed CL needs a particle AUC below ~10 % of the total, i.e. "
        "dissociation within well under a minute; no measured rate was retrieved, so the rate is not changed"),
    (ABRAXANE, "plasma vss_L_per_m2"): (
        _PARTICLE + ": the particle AUC lowers CL and hence Vss (95 L/m2 vs 664). Free paclitaxel at the same "
        "dose and infusion, with microtubule binding, gives Vss 261 L/m2 (423 without saturation of the 264 mg "
        "of binding sites)"),
    (TAXOL, "plasma cl_L_per_h_per_m2"): (
        _TRAP + ": predicted 6.21 vs 14.76 L/h/m2 (ratio 0.42); without micelles it was 17.94. The observed "
        "fu drop (0.024 vs 0.063 for Abraxane, 2.6x) with only a 1.43x CL drop indicates micellar drug is "
        "largely extracted in vivo"),
    (TAXOL, "plasma vss_L_per_m2"): (
        _TRAP + ": micellar drug stays in plasma, so Vss falls to 91 L/m2 (433 observed; 305 without micelles)"),
}


@cache
def taxol_run() -> dict[str, Any]:
    """Metrics of Taxol 175 mg/m2 over 3 h: free paclitaxel plus Cremophor EL micelles in plasma."""
    scn = replace(conventional("abraxane", 175.0, 3.0), vehicle="cremophor_el")  # scenario field 'vehicle'
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def rows() -> list[Row]:
    """Abraxane, Taxol and the Abraxane-vs-Taxol clearance direction."""
    out: list[Row] = []
    runs = {"abraxane": catalog_run("abraxane"), "taxol": taxol_run()}
    for case, arm in ((ABRAXANE, "abraxane"), (TAXOL, "taxol")):
        pt = runs[arm]["plasma_total"]
        for metric, unit in (("cl_L_per_h_per_m2", "L/h/m2"), ("vss_L_per_m2", "L/m2"), ("t_half_h", "h")):
            v, src = observed(arm, metric)
            out.append(Row(case, f"plasma {metric}", unit, v, float(pt[metric]), CRIT, src))
        v, src = observed(arm, "fraction_unbound")
        out.append(Row(case, "plasma fraction_unbound (AUC unbound / AUC total)", "1", v,
                       fraction_unbound(runs[arm]), CRIT, src))
    cl = {a: runs[a]["plasma_total"]["cl_L_per_h_per_m2"] for a in runs}
    ratio_obs = observed("abraxane", "cl_L_per_h_per_m2")[0] / observed("taxol", "cl_L_per_h_per_m2")[0]
    out.append(Row(ABX_VS_TAXOL, f"CL Abraxane / CL Taxol - 1 (observed 21.13/14.76 = {ratio_obs:.2f})", "-", 1.0,
                   cl["abraxane"] / cl["taxol"] - 1.0,
                   "direction: Abraxane CL higher than Taxol (the nanoformulation raises clearance)",
                   "Sparreboom 2005 Clin Cancer Res 11:4136 abstract"))
    return out
