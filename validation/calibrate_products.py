"""Calibration of product-specific carrier rates in the catalogue (run after the species carriers).

Four catalogue products scale the species' MPS uptake with an ``mps_multiplier`` that no independent source
fixes; each is calibrated on a study that is NOT among the product's validation rows:

- Marqibo (``marqibo`` block): total-vincristine CL after 2.0 mg/m2 over 1 h equals the geometric midpoint of
  the 131-445 mL/h range of Bedikian et al. 2006 (validation/data/marqibo_bedikian2006_calibration.csv).
- Vyxeos (``vyxeos`` block, linear MPS): the total-daunorubicin terminal t1/2 after the first 90-min infusion
  equals the phase-1 trial's "t1/2 ~24 h" (Feldman et al. 2012; validation/data/vyxeos_feldman2012_calibration.csv).
- AmBisome (``ambisome`` block): the liposome (carrier) terminal t1/2 after 2 mg/kg over 2 h equals the 147 h of
  the 14C-cholesterol liposome marker in healthy volunteers (Bekersky et al. 2001; validation/data/
  ambisome_bekersky2002_calibration.csv). The drug's transfer out of the liposome (release rate) is derived in
  products.yaml from the same calibration studies, not fitted here.
- Myocet (``myocet`` block): the first-phase t1/2 of total doxorubicin (log-linear fit over the 2 h after the end
  of a 1-h infusion of 60 mg/m2) equals the geometric mean of the five first-phase t1/2 of TLC D-99 in Cowens 1993
  and Conley 1993 (via Drummond et al. 1999 Table 4; validation/data/myocet_drummond1999_calibration.csv).

All multiply the species' MPS extraction (carriers/human.yaml), so they must be re-derived whenever the human
carrier is recalibrated: ``python -m validation.calibrate --write`` runs this step last.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from nanodds.analysis.combination import parse_combination
from nanodds.analysis.metrics import compute_metrics, plasma_metrics
from nanodds.catalog.products import product_spec
from nanodds.engine import simulate
from nanodds.specs.params import DATA_ROOT, load_yaml
from nanodds.specs.scenario import parse_scenario
from validation.checks import HERE

PRODUCTS = DATA_ROOT / "catalog" / "products.yaml"


def _calibration_row(name: str, metric: str) -> pd.Series:
    df = pd.read_csv(HERE / "data" / name, comment="#")
    sel = df[(df.metric == metric) & (df.role == "calibration")]
    assert len(sel) == 1, (name, metric)
    return sel.iloc[0]


def marqibo_target() -> tuple[dict[str, Any], float]:
    """(scenario spec at the Bedikian dose, target CL in L/h: geometric midpoint of the reported range)."""
    row = _calibration_row("marqibo_bedikian2006_calibration.csv", "cl_L_per_h")
    spec = product_spec("marqibo")
    spec["regimen"] = [{"route": "iv_infusion", "dose": f"{row.dose_mg_per_m2:g} mg/m^2",
                        "duration": f"{row.infusion_h:g} h"}]
    return spec, math.sqrt(float(row.range_low) * float(row.range_high))


def marqibo_cl(spec: dict[str, Any], multiplier: float) -> float:
    """Total-vincristine CL (L/h) of ``spec`` with the carrier's ``mps_multiplier`` set."""
    s = copy.deepcopy(spec)
    s["carrier"]["mps_multiplier"] = multiplier
    scn = parse_scenario(s)
    return float(compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["plasma_total"]["cl_L_per_h"])


def vyxeos_target() -> tuple[dict[str, Any], float]:
    """(first Vyxeos infusion as a combination spec, target t1/2 in h of the calibration row's drug)."""
    row = _calibration_row("vyxeos_feldman2012_calibration.csv", "t_half_h")
    spec = product_spec("vyxeos", "168 h", 337)
    spec["regimen"] = [{k: v for k, v in spec["regimen"][0].items() if k not in ("every", "count")}]
    spec["calibration_drug"] = str(row.drug)
    return spec, float(row.value)


def vyxeos_t_half(spec: dict[str, Any], multiplier: float) -> float:
    """Total-drug terminal t1/2 (h) of the calibration drug in the Vyxeos spec with ``mps_multiplier`` set."""
    s = copy.deepcopy(spec)
    drug = s.pop("calibration_drug")
    s["carrier"]["mps_multiplier"] = multiplier
    scn = next(p.scenario for p in parse_combination(s).payloads if p.drug == drug)
    return float(compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["plasma_total"]["t_half_h"])


def ambisome_target() -> tuple[dict[str, Any], float]:
    """(AmBisome spec at the Bekersky dose, target liposome-marker terminal t1/2 in h).

    Target: 147 h, 14C-cholesterol-labelled AmBisome, 2 mg/kg over 2 h in healthy volunteers (Bekersky et al.
    J Clin Pharmacol 2001; validation/data/ambisome_bekersky2002_calibration.csv), sampled for one week (168-h
    window). The liposome's own loss from plasma (MPS capture, this multiplier) is what the lipid marker measures;
    the validation rows (Walsh 1998 patients, amphotericin B only) are a different study.
    """
    row = _calibration_row("ambisome_bekersky2002_calibration.csv", "lipid_marker_t_half_h")
    spec = product_spec("ambisome", "168 h", 673)
    spec["regimen"] = [{"route": "iv_infusion", "dose": f"{row.dose_mg_per_kg:g} mg/kg",
                        "duration": f"{row.infusion_h:g} h"}]
    return spec, float(row.value)


def ambisome_carrier_t_half(spec: dict[str, Any], multiplier: float) -> float:
    """Terminal t1/2 (h) of the AmBisome liposome (plasma carrier) with the carrier's ``mps_multiplier`` set."""
    s = copy.deepcopy(spec)
    s["carrier"]["mps_multiplier"] = multiplier
    scn = parse_scenario(s)
    return float(plasma_metrics(simulate(scn), "plasma_carrier", scn.regimen)["t_half_h"])


MYOCET_FIRST_PHASE_H = 2.0  # h after the end of infusion over which the first-phase slope is fitted (assumption)


def myocet_target() -> tuple[dict[str, Any], float]:
    """(Myocet catalogue spec, 60 mg/m2 over 1 h on a fine 24-h grid; target first-phase t1/2 in h).

    Target: geometric mean of the first-phase t1/2 of total doxorubicin after TLC D-99 (Myocet) in Cowens 1993
    and Conley 1993 as tabulated by Drummond et al. 1999 Table 4 (validation/data/
    myocet_drummond1999_calibration.csv); the Myocet validation rows come from other studies (2003, 2004).
    """
    df = pd.read_csv(HERE / "data" / "myocet_drummond1999_calibration.csv", comment="#")
    sel = df[(df.metric == "first_phase_t_half_h") & (df.role == "calibration")]
    assert len(sel) >= 2
    spec = product_spec("myocet", "24 h", 193)
    return spec, float(math.exp(sum(math.log(v) for v in sel.value) / len(sel)))


def myocet_first_phase_t_half(spec: dict[str, Any], multiplier: float) -> float:
    """First-phase t1/2 (h) of total doxorubicin: log-linear fit over 2 h after the end of the infusion."""
    s = copy.deepcopy(spec)
    s["carrier"]["mps_multiplier"] = multiplier
    scn = parse_scenario(s)
    sol = simulate(scn)
    t, c = sol.times_h, sol.observe("plasma_total")
    t_end = max(e.start_h + e.duration_h for e in scn.regimen.events)
    sel = (t >= t_end) & (t <= t_end + MYOCET_FIRST_PHASE_H)
    slope = float(np.polyfit(t[sel], np.log(c[sel]), 1)[0])
    return math.log(2) / -slope


def _solve_multiplier(f: Callable[[float], float], target: float, lo: float = 1e-3, hi: float = 1e3) -> float:
    """Multiplier where ``f`` (monotone in it) equals ``target``, by bisection on log scale (3 significant digits)."""
    return float(math.exp(brentq(lambda lm: math.log(f(math.exp(lm)) / target), math.log(lo), math.log(hi),
                                 xtol=1e-4)))


def calibrate_products(verbose: bool = True) -> dict[str, float]:
    """Calibrated ``mps_multiplier`` of each product."""
    spec, target = marqibo_target()
    out = {"marqibo": _solve_multiplier(lambda m: marqibo_cl(spec, m), target)}
    spec, target = vyxeos_target()
    out["vyxeos"] = _solve_multiplier(lambda m: vyxeos_t_half(spec, m), target)
    spec, target = ambisome_target()
    out["ambisome"] = _solve_multiplier(lambda m: ambisome_carrier_t_half(spec, m), target)
    spec, target = myocet_target()
    out["myocet"] = _solve_multiplier(lambda m: myocet_first_phase_t_half(spec, m), target, lo=1.0, hi=3e3)
    if verbose:
        print("products:", out)
    return out


def set_product_multiplier(product: str, value: float) -> None:
    """Replace the ``mps_multiplier`` of one product's scenario carrier in products.yaml (3 significant figures)."""
    text = PRODUCTS.read_text(encoding="utf-8")
    start = re.search(rf"^  {re.escape(product)}:\n", text, re.M)
    if start is None:
        raise KeyError(f"{product} not found in {PRODUCTS}")
    nxt = re.search(r"^  [a-z0-9_]+:\n", text[start.end():], re.M)
    end = start.end() + (nxt.start() if nxt else len(text) - start.end())
    block = text[start.start():end]
    spec_at = block.index("      spec:")
    new, n = re.subn(r"(mps_multiplier: )([0-9.eE+-]+)", lambda m: f"{m.group(1)}{value:.3g}", block[spec_at:], count=1)
    if n != 1:
        raise KeyError(f"no mps_multiplier in the {product} scenario spec")
    PRODUCTS.write_text(text[:start.start()] + block[:spec_at] + new + text[end:], encoding="utf-8")
    load_yaml.cache_clear()
    from nanodds.catalog import products as catalog

    for fn in vars(catalog).values():  # catalogue readers may cache the parsed file
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
