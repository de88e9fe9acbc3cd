"""Accuracy of the saturable population path after IV boluses, at every time it solves (grid and peak times).

Usage: ``PYTHONPATH=src python benchmarks/probe_saturable_bolus.py EXAMPLE one|two|inf|inf2 [DOSE_SCALE] [SEEDS]
[SECOND_START]``
e.g. ``doxorubicin_free_human.yaml two 2 5,11,23 "83.6 h"``: 50 mg/m2 x DOSE_SCALE as one bolus at 0 h or two
(the second at SECOND_START, default 100 h; ``inf``/``inf2``: the same as 1 h infusions), patients of
``sample_patients(1, seed)``; prints the six observables (all with ``PROBE_ALL=1``)
with the largest error relative to their peak against ``solve_stiff`` at rtol 1e-11 (not a test; ~5 s per case).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

import nanodds.population.batch_solve as bs
from nanodds.population.fast import PopulationModel
from nanodds.population.reference import errors_vs_stiff
from nanodds.population.run import observed
from nanodds.population.virtual import sample_patients
from nanodds.specs.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def main(argv: list[str]) -> None:
    example, doses = argv[0], argv[1]
    scale = float(argv[2]) if len(argv) > 2 else 1.0
    seeds = [int(s) for s in argv[3].split(",")] if len(argv) > 3 else [5, 11, 23]
    second = argv[4] if len(argv) > 4 else "100 h"
    raw = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    dose = f"{50 * scale} mg/m^2"
    route = {"route": "iv_infusion", "duration": "1 h"} if doses.startswith("inf") else {"route": "iv_bolus"}
    raw["regimen"] = [{**route, "dose": dose}]
    if doses in ("two", "inf2"):
        raw["regimen"].append({**route, "dose": dose, "start": second})
    raw["simulation"] = dict(raw.get("simulation", {}), saturable=True)
    pm = PopulationModel(parse_scenario(raw), raw["regimen"])
    names = list(observed(pm))
    seen: dict[str, object] = {}
    orig = bs._on_grid

    def keep_all_times(res, grid, solve_grid, keep):  # the solve's own times, before the slice to the grid
        seen["res"], seen["t"] = res, solve_grid
        return orig(res, grid, solve_grid, keep)

    bs._on_grid = keep_all_times
    worst: dict[str, tuple[float, float]] = {}
    for seed in seeds:
        pts = sample_patients(1, seed)
        bs.simulate_population(pm, pts, names)
        res, t = seen["res"], seen["t"]
        for o, (e, at) in errors_vs_stiff(pm, raw, pts, {o: res.observables[o][0] for o in names}, t).items():
            if e > worst.get(o, (0.0, 0.0))[0]:
                worst[o] = (e, at)
    for o, (e, tt) in sorted(worst.items(), key=lambda x: -x[1][0])[:None if os.environ.get("PROBE_ALL") else 6]:
        print(f"{o:28s} {e:.2e} of its peak at t = {tt:.4f} h")


if __name__ == "__main__":
    main(sys.argv[1:])
