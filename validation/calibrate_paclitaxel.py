"""Calibration of the paclitaxel family's two fitted parameters, on label data only (never on validation rows).

1. ``clearance.human.hepatic_blood`` of drugs/paclitaxel.yaml: the four TAXOL US label Table 1 total body
   clearances (validation/data/taxol_label_clearance_calibration.csv), each label arm (dose, infusion time)
   simulated WITH the Cremophor EL vehicle (data/vehicles/cremophor_el.yaml) over the catalogue's 168-h window;
   the value makes the mean log(predicted / label) CL over the four arms zero (secant iteration on ln CL_H,
   |mean log ratio| < 1e-3).
2. ``release_rate_blood`` / ``release_rate_tissue`` of the ``albumin_nanoparticle`` carrier (carriers.yaml): the
   ABRAXANE label says paclitaxel is 'evenly distributed into blood cells and plasma' after administration
   (validation/data/paclitaxel_abraxane_label_bp_calibration.csv, read as blood:plasma 1.0). A 130-nm particle
   cannot enter erythrocytes, so a particle-bound share ``p`` of plasma paclitaxel lowers the blood:plasma ratio
   from its particle-free value ``BP0`` (1.07 in human blood, Sparreboom 1999, cremophor_el.yaml) to
   ``BP0 - p (BP0 - (1 - Hct))``; the label ratio gives ``p``, and the rate (equal in blood and tissue) is the one
   whose particle-bound share of the plasma AUC after the catalogue's Abraxane 260 mg/m2 over 30 min equals ``p``
   (bisection on ln k). Reading the label AUC-wise (not at one sampling time) is an assumption.

Sparreboom 2005 and Gardner 2008 (the Abraxane/Taxol validation rows, catalog_human_pk.csv) are never read here.
Run ``python -m validation.calibrate_paclitaxel`` to print the fit, ``--write`` to store both values (the data
files' source strings quote the printed arm table and must be updated by hand when the values change).
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_spec
from nanodds.engine import simulate
from nanodds.specs.params import DATA_ROOT, load_yaml
from nanodds.specs.scenario import Scenario, parse_scenario
from validation.catalog_checks import POINTS, WINDOW, conventional
from validation.checks import HERE

DRUG_FILE = DATA_ROOT / "drugs" / "paclitaxel.yaml"
CARRIERS = DATA_ROOT / "carriers" / "carriers.yaml"
LABEL_CL = "taxol_label_clearance_calibration.csv"
LABEL_BP = "paclitaxel_abraxane_label_bp_calibration.csv"
TOL = 1e-3


def _calibration(name: str) -> pd.DataFrame:
    df = pd.read_csv(HERE / "data" / name, comment="#")
    return df[df.role == "calibration"]


def taxol_label_arms() -> list[tuple[float, float, float]]:
    """(dose mg/m2, infusion h, label total CL L/h/m2) of each TAXOL label arm."""
    return [(float(r.dose_mg_per_m2), float(r.infusion_h), float(r.value)) for r in _calibration(LABEL_CL).itertuples()]


def _with_hepatic(scn: Scenario, hepatic_L_per_h: float | None) -> Scenario:
    if hepatic_L_per_h is None:
        return scn
    return replace(scn, drug=replace(scn.drug, hepatic_blood_cl_L_per_h=hepatic_L_per_h))


def _metrics(scn: Scenario) -> dict[str, Any]:
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def taxol_cl(hepatic_L_per_h: float, dose_mg_m2: float, infusion_h: float) -> float:
    """Total plasma CL (L/h/m2) of one Taxol arm (paclitaxel + Cremophor EL) at a hepatic blood clearance (L/h)."""
    scn = replace(conventional("abraxane", dose_mg_m2, infusion_h), vehicle="cremophor_el")
    return float(_metrics(_with_hepatic(scn, hepatic_L_per_h))["plasma_total"]["cl_L_per_h_per_m2"])


def mean_log_ratio(hepatic_L_per_h: float) -> float:
    """Mean over the label arms of ln(predicted / label CL)."""
    return float(np.mean([math.log(taxol_cl(hepatic_L_per_h, d, h) / obs) for d, h, obs in taxol_label_arms()]))


def fit_hepatic(start_L_per_h: float, max_iter: int = 20) -> float:
    """Hepatic blood clearance (L/h) with |mean ln(predicted/label CL)| < TOL (secant on ln CL_H)."""
    x0, x1 = math.log(start_L_per_h), math.log(start_L_per_h * 1.1)
    f0, f1 = mean_log_ratio(math.exp(x0)), mean_log_ratio(math.exp(x1))
    for _ in range(max_iter):
        if abs(f1) < TOL:
            return math.exp(x1)
        x0, x1 = x1, x1 - f1 * (x1 - x0) / (f1 - f0)
        f0, f1 = f1, mean_log_ratio(math.exp(x1))
    raise RuntimeError(f"hepatic clearance fit did not converge (last mean log ratio {f1:.2e})")


def target_particle_share() -> float:
    """Particle-bound share of plasma paclitaxel implied by the ABRAXANE label's blood:plasma statement (-)."""
    bp_label = float(_calibration(LABEL_BP).set_index("metric").loc["blood_plasma_ratio", "value"])
    bp0 = load_yaml("vehicles/cremophor_el.yaml")["micelle_calibration"]["blood_plasma_ratio_without"].to("1")
    hct = load_yaml("physiology/human.yaml")["hematocrit"].to("1")
    return (bp0 - bp_label) / (bp0 - (1.0 - hct))


def abraxane_scenario(rate_per_h: float | None = None, hepatic_L_per_h: float | None = None) -> Scenario:
    """The catalogue's Abraxane scenario, optionally with another particle release rate and hepatic clearance."""
    spec = product_spec("abraxane", WINDOW["abraxane"], POINTS)
    if rate_per_h is not None:
        spec["carrier"]["release"] = {"model": "first_order", "rate_blood": f"{rate_per_h!r} 1/h",
                                      "rate_tissue": f"{rate_per_h!r} 1/h"}
    return _with_hepatic(parse_scenario(spec), hepatic_L_per_h)


def particle_share(rate_per_h: float, hepatic_L_per_h: float | None = None) -> float:
    """Particle-bound (encapsulated) share of the total plasma paclitaxel AUC after the catalogue's Abraxane."""
    m = _metrics(abraxane_scenario(rate_per_h, hepatic_L_per_h))
    return m["plasma_encapsulated"]["auc_inf_mg_h_per_L"] / m["plasma_total"]["auc_inf_mg_h_per_L"]


def fit_release(hepatic_L_per_h: float | None = None, lo: float = 1.0, hi: float = 1e4) -> float:
    """Release rate (1/h) whose particle share of plasma AUC equals :func:`target_particle_share`."""
    target = target_particle_share()
    return float(math.exp(brentq(lambda lk: math.log(particle_share(math.exp(lk), hepatic_L_per_h) / target),
                                 math.log(lo), math.log(hi), xtol=1e-3)))


def _set_value(path, anchor: str, key: str, value: float, flow: bool) -> None:
    """Replace the value of ``key`` in the block that starts at ``anchor`` (first occurrence after it)."""
    text = path.read_text(encoding="utf-8")
    at = text.index(anchor)
    pat = rf"({key}: {{value: )([0-9.eE+-]+)" if flow else rf"({key}:\n\s+value: )([0-9.eE+-]+)"
    new, n = re.subn(pat, lambda m: f"{m.group(1)}{value:.4g}", text[at:], count=1)
    if n != 1:
        raise KeyError(f"{key} after {anchor!r} in {path}")
    path.write_text(text[:at] + new, encoding="utf-8")
    load_yaml.cache_clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the fitted values in the data files")
    args = ap.parse_args(argv)
    from nanodds.solve import stiff

    stiff.RTOL = 1e-7  # the tolerance of `make calibrate` (validation/calibrate.py), so both give the same fixed point
    start = load_yaml("drugs/paclitaxel.yaml")["clearance"]["human"]["hepatic_blood"].to("L/h")
    cl_h = fit_hepatic(start)
    print(f"hepatic_blood {cl_h:.4g} L/h (start {start:.4g}); label vs model total CL (L/h/m2):")
    for d, h, obs in taxol_label_arms():
        print(f"  {d:g} mg/m2 over {h:g} h: {obs:g} vs {taxol_cl(cl_h, d, h):.3g}")
    k = fit_release(cl_h)
    print(f"albumin_nanoparticle release rate {k:.4g} 1/h (particle share of plasma AUC "
          f"{particle_share(k, cl_h):.3f}, target {target_particle_share():.3f})")
    if args.write:
        _set_value(DRUG_FILE, "  human:\n    hepatic_blood:", "hepatic_blood", cl_h, flow=False)
        for key in ("release_rate_blood", "release_rate_tissue"):
            _set_value(CARRIERS, "\nalbumin_nanoparticle:", key, k, flow=True)
        print("written:", DRUG_FILE.name, CARRIERS.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
