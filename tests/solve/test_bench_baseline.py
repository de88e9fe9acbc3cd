"""The benchmark's LSODA baseline solves the same model as the engine (so its timings compare like with like)."""

from __future__ import annotations

import numpy as np
from benchmarks.bench_engine import EXAMPLE, lsoda

from nanodds.engine import build
from nanodds.solve.api import solve
from nanodds.specs.scenario import load_scenario


def test_lsoda_baseline_matches_engine_linear_and_saturable() -> None:
    scn = load_scenario(EXAMPLE)
    model = build(scn)
    grid = np.linspace(0.0, 48.0, 97)
    w = model.observables["plasma_total"].weights
    for saturable, backend in ((False, "linear"), (True, "stiff")):
        ref = lsoda(model, scn.regimen.events, grid, saturable=saturable) @ w
        ours = solve(model, scn.regimen.events, grid, backend=backend).observe("plasma_total")
        assert np.max(np.abs(ours - ref)) / np.max(ours) < 1e-5, (saturable, backend)
