"""Scenario builders shared by calibration and validation (human and mouse Doxil/doxorubicin runs)."""

from __future__ import annotations

from typing import Any

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from nanodds.specs.scenario import Scenario, parse_scenario

HUMAN_SUBJECT = {"body_weight": "70 kg", "height": "170 cm"}


def human_doxil(dose_mg_m2: float, infusion_h: float, *, free_drug: bool = False,
                duration_h: float = 504.0, saturable: bool = True, points: int = 505) -> Scenario:
    """Doxil (or free doxorubicin) by IV infusion in the reference adult."""
    raw: dict[str, Any] = {
        "name": f"{'doxorubicin' if free_drug else 'Doxil'} {dose_mg_m2} mg/m2",
        "species": "human", "subject": HUMAN_SUBJECT, "drug": "doxorubicin",
        "regimen": [{"route": "iv_infusion", "dose": f"{dose_mg_m2} mg/m^2", "duration": f"{infusion_h} h"}],
        "simulation": {"duration": f"{duration_h} h", "points": points, "saturable": saturable},
    }
    if not free_drug:
        raw["carrier"] = {"type": "pegylated_liposome"}
    return parse_scenario(raw)


def rodent_pld(species: str, dose_mg_kg: float, *, free_drug: bool = False, tumour: dict | None = None,
               duration_h: float = 336.0, saturable: bool = True, diameter_nm: float | None = None) -> Scenario:
    """PEGylated liposomal doxorubicin (or free drug) IV bolus in a rodent, optionally tumour-bearing."""
    raw: dict[str, Any] = {
        "name": f"{species} {'doxorubicin' if free_drug else 'PLD'} {dose_mg_kg} mg/kg",
        "species": species, "drug": "doxorubicin",
        "regimen": [{"route": "iv_bolus", "dose": f"{dose_mg_kg} mg/kg"}],
        "simulation": {"duration": f"{duration_h} h", "points": 337, "saturable": saturable},
    }
    if tumour is not None:
        raw["tumour"] = tumour
    if not free_drug:
        raw["carrier"] = {"type": "pegylated_liposome"}
        if diameter_nm is not None:
            raw["carrier"]["diameter"] = f"{diameter_nm} nm"
    return parse_scenario(raw)


def metrics_of(scn: Scenario, overrides: dict[str, float] | None = None) -> dict[str, Any]:
    """Simulate and compute metrics."""
    sol = simulate(scn, carrier_overrides=overrides)
    return compute_metrics(sol, scn.regimen, scn.bsa_m2)
