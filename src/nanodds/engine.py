"""Scenario -> model -> solution: the thin facade the CLI, web app and population code call."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nanodds.model.assemble import ModelInputs, build_model, default_environments
from nanodds.model.structure import Model
from nanodds.solve.api import solve
from nanodds.solve.solution import Solution
from nanodds.specs.scenario import Scenario, environments_for

METRIC_TIMES_H = (24.0, 168.0)
"""Times always on the grid so that DE24/DE168 are exact values, not interpolations."""


def output_grid(scn: Scenario) -> np.ndarray:
    """Uniform output times (h) over the duration, plus dose times and the metric times."""
    grid = np.linspace(0.0, scn.duration_h, scn.points)
    extra = [t for t in (*METRIC_TIMES_H, *(e.start_h for e in scn.regimen.events)) if t <= scn.duration_h]
    return np.union1d(grid, extra)


def build(scn: Scenario, carrier_overrides: dict[str, float] | None = None) -> Model:
    """Assemble the model of a scenario (its nanoformulation, or free drug when ``carrier`` is None)."""
    envs = environments_for(scn, default_environments())
    windows = ()
    if scn.hyperthermia is not None:
        hot = dict(envs)
        for kind in ("tumour", "tumour_vascular"):  # the heated region: its interstitium and its blood
            hot[kind] = replace(envs[kind], temperature_c=scn.hyperthermia.temperature_c)
        h = scn.hyperthermia
        windows = ((h.start_h, h.start_h + h.duration_h, hot),)
    inp = ModelInputs(physiology=scn.physiology, drug=scn.drug, carrier=scn.carrier,
                      flow_scale=scn.flow_scale, environments=envs, saturable=scn.saturable, windows=windows,
                      carrier_overrides=tuple(sorted((carrier_overrides or {}).items())))
    model = build_model(inp)
    if scn.vehicle is not None:
        from nanodds.model.vehicle import load_vehicle, with_vehicle

        vehicle = load_vehicle(scn.vehicle, scn.physiology.hematocrit)
        model = with_vehicle(model, scn.physiology, scn.drug, vehicle, scn.regimen.events, scn.duration_h)
    return model


def simulate(scn: Scenario, t_grid: np.ndarray | None = None,
             carrier_overrides: dict[str, float] | None = None) -> Solution:
    """Simulate a scenario on its output grid (or ``t_grid``)."""
    model = build(scn, carrier_overrides)
    grid = output_grid(scn) if t_grid is None else np.asarray(t_grid, dtype=float)
    return solve(model, scn.regimen.events, grid, backend=scn.solver)
