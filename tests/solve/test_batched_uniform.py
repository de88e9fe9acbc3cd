"""Uniform output grids with a few extra times: the superposition path against the stepping path and the
single-patient solver; trajectories kept on request; whole blocks on threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from tests.solve.two_patients import two_patients

import nanodds.solve.batched as batched
from nanodds.solve.batched import solve_linear_batch
from nanodds.solve.batched_uniform import MAX_EXTRA, uniform_base
from nanodds.solve.linear import solve_linear
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"
BASE = np.linspace(0.0, 168.0, 1000)
# an infusion end and a metric time between grid points, a bolus exactly at an extra time, one just after
EXTRA = [1.0, 24.0, 30.05, 30.2, 167.95]


def test_uniform_base_finds_the_grid_and_its_extras() -> None:
    grid = np.union1d(BASE, EXTRA)
    h, base = uniform_base(grid)
    assert h == pytest.approx(168.0 / 999, rel=1e-14)
    np.testing.assert_array_equal(grid[base], BASE)
    h0, base0 = uniform_base(BASE)
    assert h0 == h
    np.testing.assert_array_equal(base0, np.arange(1000))
    assert uniform_base(np.geomspace(0.1, 168.0, 50)) is None  # not from 0
    assert uniform_base(np.concatenate([[0.0], np.geomspace(0.1, 168.0, 50)])) is None
    crowded = np.union1d(BASE, np.linspace(0.05, 160.05, MAX_EXTRA + 1))
    assert uniform_base(crowded) is None  # too many extras: the stepping path


def test_extra_times_match_the_stepping_path_and_the_single_patient_solver(monkeypatch) -> None:
    grid = np.union1d(BASE, EXTRA)
    models, events, obs = two_patients()
    K, dv = np.array([m.K for m in models]), np.array([m.dose_vector for m in models])
    res = solve_linear_batch(K, dv, events, grid, obs, workers=1)
    with monkeypatch.context() as mp:
        mp.setattr(batched, "uniform_base", lambda t: None)
        step = solve_linear_batch(K, dv, events, grid, obs, workers=1)
    for k in obs:
        scale = np.abs(step.observables[k]).max(axis=1, keepdims=True)
        assert np.max(np.abs(res.observables[k] - step.observables[k]) / scale) <= 1e-10, k
        np.testing.assert_allclose(res.auc_t[k], step.auc_t[k], rtol=1e-10)
        np.testing.assert_allclose(res.cmax[k], step.cmax[k], rtol=1e-10)
    for i, m in enumerate(models):
        sol = solve_linear(m, events[i], grid)
        for k, w in obs.items():
            ref = sol.y @ (w[i] if w.ndim == 2 else w)
            assert np.max(np.abs(res.observables[k][i] - ref)) <= 1e-9 * np.abs(ref).max(), k
        at = int(np.searchsorted(grid, 30.05))  # the bolus at an extra time is in that time's value
        assert res.observables["mass_drug"][i, at] - res.observables["mass_drug"][i, at - 1] > 19.0  # 20 mg given
        assert res.observables["mass_drug"][i, at] == pytest.approx(sol.y[at] @ obs["mass_drug"], rel=1e-9)


def test_kept_trajectories_and_summaries_of_the_rest() -> None:
    models, events, obs = two_patients()
    K, dv = np.array([m.K for m in models]), np.array([m.dose_vector for m in models])
    grid = np.union1d(BASE, EXTRA)
    full = solve_linear_batch(K, dv, events, grid, obs, workers=1)
    part = solve_linear_batch(K, dv, events, grid, obs, workers=1, trajectories=["tissue_heart"])
    assert set(part.observables) == {"tissue_heart"}
    np.testing.assert_array_equal(part.observables["tissue_heart"], full.observables["tissue_heart"])
    for k in obs:
        np.testing.assert_array_equal(part.cmax[k], full.cmax[k])
        np.testing.assert_array_equal(part.tmax_h[k], full.tmax_h[k])
        np.testing.assert_array_equal(part.auc_inf[k], full.auc_inf[k])
        np.testing.assert_array_equal(full.cmax[k], full.observables[k].max(axis=1))
    with pytest.raises(ValueError, match="trajectories"):
        solve_linear_batch(K, dv, events, grid, obs, trajectories=["plasma_free"])


def test_blocks_on_threads_give_the_serial_results_in_order() -> None:
    """iter_population's whole blocks on worker threads: the same numbers, in the same order, as one thread."""
    from nanodds.population.batch_solve import iter_population
    from nanodds.population.fast import PopulationModel
    from nanodds.population.virtual import sample_patients

    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 300, "saturable": False}
    pm = PopulationModel(parse_scenario(raw), raw["regimen"])
    pts = sample_patients(70, 4)
    names = ["plasma_total", "tissue_heart"]
    serial = list(iter_population(pm, pts, names, block=16, workers=1))
    threaded = list(iter_population(pm, pts, names, block=16, workers=2, trajectories=["plasma_total"]))
    assert [r for r, _ in serial] == [r for r, _ in threaded] and len(serial) == 5
    for (_, a), (_, b) in zip(serial, threaded, strict=True):
        np.testing.assert_array_equal(a.observables["plasma_total"], b.observables["plasma_total"])
        assert set(b.observables) == {"plasma_total"}
        for k in names:
            np.testing.assert_array_equal(a.auc_inf[k], b.auc_inf[k])
            np.testing.assert_array_equal(a.cmax[k], b.cmax[k])


def test_kept_states_assembly_equals_the_full_model_solve() -> None:
    """simulate_population assembles only the states that reach an observable (and the sinks): the same K entries
    as the full assembly, and the same results as the solver given the full K."""
    from nanodds.population.batch_solve import simulate_population
    from nanodds.population.fast import PopulationModel
    from nanodds.population.virtual import sample_patients

    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 400, "saturable": False}
    pm = PopulationModel(parse_scenario(raw), raw["regimen"])
    pts = sample_patients(12, 8)
    names = ["plasma_total", "tissue_released_tumour", "amount_tumour"]
    keep = pm.kept_states(names)
    assert set(pm.sinks) <= set(keep) and len(keep) < pm.n  # the carrier block that feeds no drug state is left
    full_K = pm.rate_matrices(pts)
    np.testing.assert_array_equal(pm.rate_matrices(pts, keep), full_K[:, keep[:, None], keep])
    dropped = np.setdiff1d(np.arange(pm.n), keep)
    W = pm.weights(pts, names)
    assert all(not np.any(W[k][:, dropped]) for k in names)
    res = simulate_population(pm, pts, names, saturable=False)
    ref = solve_linear_batch(full_K, pm.dose_vector, pm.events, pm.t_grid, W, amounts_mg=pm.amounts(pts),
                             sinks=pm.sinks)
    for k in names:
        scale = np.abs(ref.observables[k]).max(axis=1, keepdims=True)
        assert np.max(np.abs(res.observables[k] - ref.observables[k]) / scale) <= 1e-12, k
        np.testing.assert_allclose(res.auc_t[k], ref.auc_t[k], rtol=1e-12)
        np.testing.assert_allclose(res.auc_inf[k], ref.auc_inf[k], rtol=1e-12)
