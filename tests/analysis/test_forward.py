"""The shared forward model: vectorised runs equal one-at-a-time runs; regimen and PEG parameters act."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.analysis.forward import ForwardModel
from nanodds.engine import output_grid, simulate
from nanodds.errors import InputError
from nanodds.specs.scenario import parse_scenario

RAW = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "design_peg_liposome_mouse.yaml")
                     .read_text())
OUT = ["plasma_total", "tissue_released_tumour", "carrier_amount_liver"]


@pytest.fixture(scope="module")
def scn():
    return parse_scenario(RAW)


def test_batched_equals_one_at_a_time(scn):
    """Criterion: every output of a 5-run call equals the 1-run calls to 1e-9 (relative)."""
    fm = ForwardModel(scn, ["diameter", "release_rate", "pegylated", "dose"], OUT, raw=RAW)
    X = np.array([[60.0, 0.001, 1, 0.1], [85.0, 0.01, 0, 0.15], [120.0, 0.1, 1, 0.2], [150.0, 1.0, 0, 0.12],
                  [180.0, 0.03, 1, 0.18]])
    t = output_grid(scn)
    many = fm.simulate(X, t)
    for r in range(len(X)):
        one = fm.simulate(X[r:r + 1], t)
        for k in OUT:
            np.testing.assert_allclose(many.observables[k][r], one.observables[k][0], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(many.auc_t[k][r], one.auc_t[k][0], rtol=1e-9)
            np.testing.assert_allclose(many.auc_inf[k][r], one.auc_inf[k][0], rtol=1e-9)
    # the parameters act: different runs, different outputs
    assert len(np.unique(np.round(many.auc_t["tissue_released_tumour"], 9))) == len(X)


def test_one_run_equals_the_engine(scn):
    """A run with the scenario's own values equals ``simulate`` of the scenario (exact linear path)."""
    fm = ForwardModel(scn, ["diameter"], OUT)
    res = fm.simulate(np.array([[scn.carrier.diameter_nm]]), output_grid(scn))
    sol = simulate(scn)
    for k in OUT:
        np.testing.assert_allclose(res.observables[k][0], sol.observe(k), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res.auc_t[k][0], sol.observe_auc(k)[0], rtol=1e-9)


def test_schedule_parameters_rebuild_the_regimen(scn):
    fm = ForwardModel(scn, ["dose", "dose_interval", "dose_count"], OUT)
    ev = fm.events_of([0.2, 24.0, 3])
    assert [(e.start_h, e.amount_mg) for e in ev] == [(0.0, 0.2), (24.0, 0.2), (48.0, 0.2)]
    t = np.linspace(0.0, 336.0, 50)
    one, three = fm.simulate(np.array([[0.2, 24.0, 1], [0.2, 24.0, 3]]), t).auc_t["plasma_total"]
    assert three > 2.5 * one  # linear kinetics, three doses inside the window
    with pytest.raises(InputError):
        fm.events_of([0.2, 24.0, 1.5])


def test_dose_multiplier_scales_linear_kinetics(scn):
    fm = ForwardModel(scn, ["dose_multiplier"], OUT)
    t = output_grid(scn)
    res = fm.simulate(np.array([[1.0], [2.5]]), t)
    assert [e.amount_mg for e in fm.events_of([2.5])] == [2.5 * e.amount_mg for e in scn.regimen.events]
    for k in OUT:
        np.testing.assert_allclose(res.auc_t[k][1], 2.5 * res.auc_t[k][0], rtol=1e-9)
    with pytest.raises(InputError, match="dose_multiplier"):
        fm.events_of([0.0])


def test_stiff_path_runs_one_by_one_and_matches_single_calls():
    raw = {**RAW, "simulation": {"duration": "48 h", "points": 49, "saturable": True}}
    scn = parse_scenario(raw)
    fm = ForwardModel(scn, ["release_rate"], ["tissue_released_tumour"])
    t = output_grid(scn)
    both = fm.simulate(np.array([[0.01], [0.1]]), t)
    single = fm.simulate(np.array([[0.1]]), t)
    assert both.auc_t["tissue_released_tumour"][1] == single.auc_t["tissue_released_tumour"][0]
    assert np.all(both.mass_balance_rel_error < 1e-9)


def test_peg_must_act(scn):
    with pytest.raises(InputError, match="PEG"):
        ForwardModel(scn, ["pegylated"], OUT, raw={**RAW, "carrier": {"type": "pegylated_liposome",
                                                                         "mps_multiplier": 1.0}})
    with pytest.raises(InputError, match="params"):
        ForwardModel(scn, ["size"], OUT)
