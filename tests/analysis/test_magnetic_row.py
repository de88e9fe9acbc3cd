"""Chertok 2008 magnetic-targeting row (validation/rows_magnetic.py): it computes what it claims.

Criterion (stated in validation/rows_magnetic.py before the row was first run): the magnet / no-magnet ratio of
the tumour's carrier exposure over the MRI window lies within 2-fold of the reported 5-fold.
"""

from __future__ import annotations

import numpy as np
import pytest
from validation.checks import BLIND
from validation.rows_magnetic import MRI_WINDOW_H, exposure_ratio, rows, scenario_raw, tumour_exposure_mg_h

from nanodds.engine import simulate
from nanodds.specs.scenario import parse_scenario


def test_row_is_blind_and_reports_the_model_ratio() -> None:
    (row,) = rows()
    assert row.klass == BLIND and row.observed == 5.0 and not row.is_direction
    assert row.predicted == exposure_ratio()


def test_exposure_is_the_exact_window_integral_of_the_tumour_carrier() -> None:
    """The trapezoid over the 601-point grid equals the solver's exact integral of the same states."""
    for magnet in (False, True):
        sol = simulate(parse_scenario(scenario_raw(magnet)))
        w = sol.model.observables["carrier_amount_tumour"].weights
        cum = sol.cum_int @ w
        t = sol.times_h
        exact = np.interp(MRI_WINDOW_H[1], t, cum) - np.interp(MRI_WINDOW_H[0], t, cum)
        assert tumour_exposure_mg_h(magnet) == pytest.approx(exact, rel=1e-4)


def test_only_the_magnet_differs_between_the_arms() -> None:
    on, off = scenario_raw(True), scenario_raw(False)
    assert {k: v for k, v in on.items() if k != "magnetic"} == off
    assert parse_scenario(off).magnetic is None
    assert parse_scenario(on).magnetic.captured_fraction > 0
