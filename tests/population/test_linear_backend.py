"""The linear population path's Taylor propagators against the exact paths it replaces or reproduces."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nanodds.solve.batched_blocks as bb
from nanodds.engine import build
from nanodds.population.batch_solve import simulate_population
from nanodds.population.fast import PopulationModel, patient_scenario
from nanodds.solve.block_expm import expm_steps
from nanodds.solve.block_taylor import THETA_TAYLOR20
from nanodds.solve.linear import solve_linear
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"
RAW = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
RAW["simulation"] = {"duration": "168 h", "points": 1000, "saturable": False}
GRID = np.linspace(0.0, 168.0, 1000)
OBS = ["plasma_total", "plasma_unbound", "tissue_heart", "tissue_released_tumour", "tissue_liver"]


@pytest.fixture(scope="module")
def pm() -> PopulationModel:
    return PopulationModel(parse_scenario(RAW), RAW["regimen"])


def test_taylor_theta_bounds_the_remainder_by_the_unit_roundoff() -> None:
    tail = sum(THETA_TAYLOR20**k / math.factorial(k) for k in range(21, 60))
    assert tail <= 2.0**-53
    assert sum((THETA_TAYLOR20 * 1.1) ** k / math.factorial(k) for k in range(21, 60)) > 2.0**-53  # not loose


@settings(max_examples=12, deadline=None)
@given(st.integers(2, 40), st.floats(-3.0, 3.0), st.sampled_from([0.0123, 0.168, 1.0, 37.0]))
def test_taylor_expm_matches_scipy_on_random_compartmental_stacks(n: int, log_scale: float, h: float) -> None:
    rng = np.random.default_rng(n)
    K = rng.exponential(10.0**log_scale, size=(3, n, n)) * (rng.random((3, n, n)) < 0.3)
    K[:, np.arange(n), np.arange(n)] = 0.0
    K[:, np.arange(n), np.arange(n)] = -K.sum(axis=1) - rng.exponential(10.0**log_scale, size=(3, n))
    E = expm_steps(K, [0, n], [h], [2], method="taylor")[0]
    for p in range(3):
        ref = sla.expm(K[p] * h)
        scale = max(np.abs(ref).max(), 1e-300)
        assert np.abs(E[0][p] - ref).max() <= 1e-11 * max(scale, 1.0)
        assert np.abs(E[2][p] - np.linalg.matrix_power(ref, 4)).max() <= 1e-10 * max(scale, 1.0)


patient = st.fixed_dictionaries({
    "body_weight_kg": st.floats(40.0, 140.0), "height_cm": st.floats(150.0, 200.0),
    "gfr_factor": st.floats(0.3, 1.5), "hepatic_factor": st.floats(0.3, 2.0),
    "mps_uptake_factor": st.floats(0.2, 3.0), "epr_factor": st.floats(0.1, 10.0)})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pts=st.lists(patient, min_size=1, max_size=3))
def test_taylor_population_path_matches_the_pade_path_and_the_single_patient_solver(pm, pts, monkeypatch) -> None:
    cols = {k: np.array([p[k] for p in pts]) for k in pts[0]}
    res = simulate_population(pm, cols, OBS, t_grid=GRID, saturable=False)
    with monkeypatch.context() as m:
        m.setattr(bb, "EXPM_METHOD", "pade")
        old = simulate_population(pm, cols, OBS, t_grid=GRID, saturable=False)
    for o in OBS:
        scale = np.abs(old.observables[o]).max(axis=1, keepdims=True)
        assert np.max(np.abs(res.observables[o] - old.observables[o]) / scale) <= 1e-9
        np.testing.assert_allclose(res.auc_t[o], old.auc_t[o], rtol=1e-9)
        np.testing.assert_allclose(res.auc_inf[o], old.auc_inf[o], rtol=1e-9)
    i = 0  # the first patient through the model build and the single-patient exact solver
    scn = parse_scenario(dict(RAW, subject={"body_weight": f"{pts[i]['body_weight_kg']!r} kg",
                                            "height": f"{pts[i]['height_cm']!r} cm"}))
    factors = {k: v for k, v in pts[i].items() if k.endswith("_factor")}
    ps, ov = patient_scenario(scn, scn.physiology.body_weight_kg, scn.physiology.height_cm, **factors)
    model = build(ps, ov)
    sol = solve_linear(model.linear(), scn.regimen.events, GRID)
    for o in OBS:
        ref = sol.y @ model.observables[o].weights
        assert np.max(np.abs(res.observables[o][i] - ref)) <= 1e-9 * np.abs(ref).max()
        assert res.auc_inf[o][i] == pytest.approx(sol.observe_auc(o)[1], rel=1e-9)
