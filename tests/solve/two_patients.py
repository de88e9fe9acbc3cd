"""Shared fixture of the batched linear solver tests: two human patients of the Doxil example with an off-grid
infusion end and a later off-grid bolus, and observables that include sink-weighted mass balances."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from nanodds.engine import build
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"


def two_patients() -> tuple[list, list, dict[str, np.ndarray]]:
    """``(linear models, dose events, observables)`` of two patients (58 and 91 kg)."""
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["regimen"] = [{"route": "iv_infusion", "dose": "50 mg", "duration": "1 h"},
                      {"route": "iv_bolus", "dose": "20 mg", "start": "30.05 h"}]
    models, events = [], []
    for bw in (58.0, 91.0):
        scn = parse_scenario(dict(raw, subject={"body_weight": f"{bw} kg", "height": "170 cm"}))
        models.append(build(scn).linear())
        events.append(scn.regimen.events)
    obs = {k: np.array([m.observables[k].weights for m in models]) for k in ("plasma_total", "tissue_heart")}
    for g, mask in models[0].groups.items():
        obs[f"mass_{g}"] = mask.astype(float)  # weighs the elimination sinks
    return models, events, obs
