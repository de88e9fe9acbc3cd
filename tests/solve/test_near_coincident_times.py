"""A dose time a few ulps from an output time is one instant for the solvers and for the dose accounting.

Regression: hypothesis found that dosing every 4.000000000000001 h (mouse, doxorubicin) reported a drug
mass-balance error of 0.5: the output grid held both 4.0 h and 4.000000000000001 h, the solver applied the bolus at
the 4.0 h point, and the accounting counted it only from 4.000000000000001 h.
"""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.engine import build, output_grid, simulate
from nanodds.solve.api import solve
from nanodds.specs.scenario import parse_scenario


def _scenario(every_h: float, carrier: bool):
    raw = {"species": "mouse", "drug": "doxorubicin",
           "regimen": [{"route": "iv_bolus", "dose": "2 mg/kg", "every": f"{every_h!r} h", "count": 2}],
           "simulation": {"duration": "6 h", "points": 97}}
    if carrier:
        raw["carrier"] = {"type": "pegylated_liposome"}
    return parse_scenario(raw)


@pytest.mark.parametrize("carrier", [False, True])
@pytest.mark.parametrize("backend", ["linear", "stiff"])
def test_dose_a_few_ulps_after_a_grid_point_keeps_mass_balance(carrier, backend):
    scn = _scenario(4.000000000000001, carrier)
    model = build(scn)
    sol = solve(model, scn.regimen.events, output_grid(scn), backend=backend)
    assert max(sol.mass_balance_rel_error().values()) < 1e-9


def test_output_grid_has_one_point_per_instant():
    grid = output_grid(_scenario(4.000000000000001, False))
    assert np.all(np.diff(grid) > 1e-9)
    assert np.count_nonzero(np.abs(grid - 4.0) < 1e-9) == 1


def test_simulate_accepts_the_near_coincident_dose():
    sol = simulate(_scenario(4.000000000000001, True))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
