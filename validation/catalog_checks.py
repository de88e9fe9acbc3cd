"""Shared helpers for the catalogue's human validation rows (validation/data/catalog_human_pk.csv).

The rows themselves live in one module per product family (``validation/rows_*.py``, discovered by
:func:`validation.checks.all_rows`), each with its ``rows()`` and ``KNOWN_MISSES``. The criterion is fixed
before the results by :class:`validation.checks.Row`: predicted/observed within 2-fold, or the stated sign for
direction rows. Products run from their own catalogue scenarios
(:func:`nanodds.catalog.products.product_scenario`: label dose, infusion and one-cycle window); the
conventional drug runs from the same spec without the carrier, at the dose and infusion time of its study.
Nothing here sets a parameter.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from nanodds.analysis.metrics import compute_metrics
from nanodds.catalog.products import product_scenario, product_spec
from nanodds.engine import simulate
from nanodds.specs.scenario import parse_scenario
from validation.checks import FOLD, HERE

POINTS = 300
# Simulated windows: the catalogue's one-cycle windows (Onivyde 14 d, Abraxane 7 d); the conventional arm
# uses its product's window (the studies' own sampling windows were not retrieved).
WINDOW = {"onivyde": "336 h", "abraxane": "168 h"}
CRIT = f"within {FOLD:g}-fold"


def dosed(product: str, dose_mg_m2: float, infusion_h: float, window: str, points: int = POINTS,
          carrier: bool = True, free_name: str = "free"):
    """The product's catalogue scenario at a study's dose (mg/m2) and infusion time; ``carrier=False``: the drug
    alone (named ``"<free_name> <drug> <dose> mg/m2"``)."""
    spec = product_spec(product, window, points)
    if not carrier:
        spec.pop("carrier")
        spec["name"] = f"{free_name} {spec['drug']} {dose_mg_m2:g} mg/m2"
    spec["regimen"] = [{"route": "iv_infusion", "dose": f"{dose_mg_m2:g} mg/m^2", "duration": f"{infusion_h:g} h"}]
    return parse_scenario(spec)


def conventional(product: str, dose_mg_m2: float, infusion_h: float, window: str | None = None):
    """The product's catalogue spec without carrier, at the conventional study's dose and infusion."""
    return dosed(product, dose_mg_m2, infusion_h, window or WINDOW[product], carrier=False)


@cache
def catalog_run(arm: str) -> dict[str, Any]:
    """Metrics of one arm: 'onivyde', 'abraxane' (catalogue scenarios) or 'irinotecan', 'taxol' (free drug)."""
    if arm in WINDOW:
        scn = product_scenario(arm, WINDOW[arm], POINTS)
    else:
        scn = {"irinotecan": lambda: conventional("onivyde", 145.0, 1.5),
               "taxol": lambda: conventional("abraxane", 175.0, 3.0)}[arm]()
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)


def fraction_unbound(m: dict[str, Any]) -> float:
    """Plasma unbound fraction by AUC (unbound / total)."""
    return m["plasma_unbound"]["auc_inf_mg_h_per_L"] / m["plasma_total"]["auc_inf_mg_h_per_L"]


@cache
def _table() -> pd.DataFrame:
    df = pd.read_csv(HERE / "data" / "catalog_human_pk.csv", comment="#")
    return df[df.role == "validation"]


def observed(form: str, metric: str, statistic: str = "", drug: str | None = None) -> tuple[float, str]:
    """Value and source of one validation number of catalog_human_pk.csv (parent drug unless ``drug``)."""
    df = _table()
    of_drug = (df.drug != "sn38") if drug is None else (df.drug == drug)
    sel = df[(df.formulation == form) & of_drug & (df.metric == metric)
             & df.statistic.str.contains(statistic, regex=False)]
    assert len(sel) == 1, (form, metric, statistic)
    return float(sel.value.iloc[0]), str(sel.source.iloc[0])
