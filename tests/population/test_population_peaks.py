"""Population Cmax and Tmax are the model's peaks after a bolus, not the output grid's.

Measured before (human free doxorubicin, 50 mg/m2 IV bolus, the example's 0.5 h grid): heart Cmax read on the
grid 0.38x the peak, lung 0.05x; the saturable path's lung trajectory was 9e-5 of its peak off a tight stiff
solve (its graded substeps took the first interval in 32 equal steps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanodds.population.batch_solve import SATURABLE_DECAY_H, SATURABLE_FINE_SUBSTEPS, simulate_population
from nanodds.population.fast import PopulationModel
from nanodds.population.reference import single_patient
from nanodds.population.run import observed
from nanodds.population.saturable import BOLUS_ONSET, _steps, graded_substeps, substeps_within
from nanodds.population.virtual import sample_patients
from nanodds.solve.stiff import solve_stiff
from nanodds.specs.regimen import DoseEvent
from nanodds.specs.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OBS = ["plasma_total", "tissue_heart", "tissue_lung", "tissue_liver"]


def _pm(example: str, bolus: bool, saturable: bool) -> tuple[PopulationModel, dict]:
    raw = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    if bolus:
        raw["regimen"] = [{"route": "iv_bolus", "dose": "50 mg/m^2"}]
    raw["simulation"] = dict(raw.get("simulation", {}), saturable=saturable)
    return PopulationModel(parse_scenario(raw), raw["regimen"]), raw


@pytest.fixture(scope="module")
def free_bolus() -> tuple[PopulationModel, dict]:
    return _pm("doxorubicin_free_human.yaml", bolus=True, saturable=False)


def test_bolus_cmax_is_the_peak_within_1_percent(free_bolus):
    """Criterion: each patient's Cmax equals the largest value on a 3,000-point log grid of the first step to 1 %
    (was 0.38x heart, 0.05x lung) and Tmax lies inside that step; the trajectories stay on the output grid."""
    pm, _ = free_bolus
    pts = sample_patients(8, 3)
    grid = pm.t_grid
    res = simulate_population(pm, pts, OBS)
    fine = np.union1d(grid, np.geomspace(1e-5, grid[1], 3000))
    ref = simulate_population(pm, pts, OBS, t_grid=fine)
    for o in ("tissue_heart", "tissue_lung"):
        assert res.observables[o].shape == (8, len(grid))
        np.testing.assert_allclose(res.cmax[o], ref.cmax[o], rtol=0.01)
        assert np.all((res.tmax_h[o] > 0.0) & (res.tmax_h[o] < grid[1]))
        grid_read = res.observables[o].max(axis=1)
        assert np.all(grid_read < 0.5 * ref.cmax[o])
    # the trajectories on the grid are those of a solve on the grid alone (exact linear solver)
    for o in OBS:
        again = simulate_population(pm, pts, [o], t_grid=grid[:3])
        np.testing.assert_allclose(res.observables[o][:, :3], again.observables[o], rtol=1e-11, atol=0.0)


def test_infusion_adds_no_times():
    """An infusion's peak is bracketed by its end on the grid: no bolus times are added, the plasma peaks at the
    end itself; the heart's peak a few minutes later, between output times, is the model's (refined where the
    grid may miss it by more than the bar, never below the grid's maximum; see tests/solve/test_batched_peaks.py)."""
    pm, _ = _pm("doxil_vs_doxorubicin_human.yaml", bolus=False, saturable=False)
    pts = sample_patients(4, 1)
    res = simulate_population(pm, pts, ["plasma_total", "tissue_heart"])
    grid = simulate_population(pm, pts, ["plasma_total", "tissue_heart"], peak_rtol=None)
    assert res.observables["plasma_total"].shape == (4, len(pm.t_grid))
    assert np.all(np.isin(res.tmax_h["plasma_total"], pm.t_grid))
    assert np.all(np.isin(grid.tmax_h["tissue_heart"], pm.t_grid))
    assert np.all(res.cmax["tissue_heart"] >= grid.cmax["tissue_heart"])
    dense = simulate_population(pm, pts, ["tissue_heart"], t_grid=np.union1d(pm.t_grid, np.linspace(0.9, 1.4, 5001)),
                                peak_rtol=None)
    top = dense.cmax["tissue_heart"]  # at 1.009-1.010 h, 1-2 min after the end
    assert np.all(res.cmax["tissue_heart"] >= top * (1 - 1e-3)) and np.all(res.cmax["tissue_heart"] <= top)


def test_saturable_bolus_peak_and_accuracy():
    """Saturable path after a bolus: Cmax within 2 % of the tight stiff solve's peak (its own log grid) and the
    trajectories within 1e-6 of their peak (was 9e-5 for the lung: the first interval's 32 equal substeps)."""
    pm, raw = _pm("doxorubicin_free_human.yaml", bolus=True, saturable=True)
    pts = sample_patients(1, 5)
    res = simulate_population(pm, pts, OBS)
    m, events = single_patient(pm, raw, pts)
    grid = pm.t_grid
    fine = np.union1d(grid, np.geomspace(1e-5, grid[1], 2000))
    ref = solve_stiff(m, events, fine, rtol=1e-11)
    on = np.isin(fine, grid)
    for o in OBS:
        y = ref.y @ m.observables[o].weights
        assert res.cmax[o][0] == pytest.approx(y.max(), rel=0.02), o
        assert np.max(np.abs(res.observables[o][0] - y[on])) <= 1e-6 * y.max(), o


def _bolus_errors(example: str, scale: float, second_h: float | None, seeds: list[int]) -> dict[str, float]:
    """Worst |saturable population - solve_stiff(rtol 1e-11)| on the output grid / the reference's peak (log grid
    after each bolus) per observable (all the command line reports), 50 mg/m2 x ``scale`` IV bolus at 0 h and
    again at ``second_h``."""
    raw = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    dose = {"route": "iv_bolus", "dose": f"{50 * scale} mg/m^2"}
    raw["regimen"] = [dose] + ([dict(dose, start=f"{second_h} h")] if second_h is not None else [])
    raw["simulation"] = dict(raw.get("simulation", {}), saturable=True)
    pm = PopulationModel(parse_scenario(raw), raw["regimen"])
    names = list(observed(pm))
    worst = dict.fromkeys(names, 0.0)
    for seed in seeds:
        pts = sample_patients(1, seed)
        res = simulate_population(pm, pts, names)
        m, events = single_patient(pm, raw, pts)
        grid = pm.t_grid
        after = np.geomspace(1e-5, grid[1], 400)
        fine = np.union1d(grid, np.concatenate([e.start_h + after for e in events]))
        ref = solve_stiff(m, events, fine, rtol=1e-11)
        on = np.isin(fine, grid)
        for o in names:
            y = ref.y @ m.observables[o].weights
            if y.max() > 0:
                worst[o] = max(worst[o], float(np.max(np.abs(res.observables[o][0] - y[on])) / y.max()))
    return worst


@pytest.mark.parametrize(("example", "scale", "second_h", "seeds"), [
    ("doxorubicin_free_human.yaml", 2.0, 83.6, [1, 3]),  # was 1.9e-6 (marrow): saturable.BOLUS_GRADING
    ("doxil_vs_doxorubicin_human.yaml", 1.0, None, [2]),  # was 1.8e-6 (spleen, ~32 h): BOLUS_GRADING
    ("doxil_vs_doxorubicin_human.yaml", 2.0, 24.0, [6]),  # 2.3e-6 (spleen) without saturable.BOLUS_ONSET
])
def test_saturable_boluses_within_1e6(example, scale, second_h, seeds):
    """Criterion: every observable within 1e-6 of its peak after boluses (50 mg/m2 x scale, second at second_h)."""
    errors = _bolus_errors(example, scale, second_h, seeds)
    assert len(errors) >= 24
    assert max(errors.values()) <= 1e-6, max(errors.items(), key=lambda x: x[1])


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 10**6), scale=st.floats(0.5, 2.0), second_h=st.floats(24.0, 120.0))
def test_saturable_bolus_accuracy_over_patients_and_doses(seed, scale, second_h):
    """Invariant: free doxorubicin, two boluses (x0.5-2 of 50 mg/m2, the second 24-120 h after the first), any
    patient: every observable within 1e-6 of its peak (a second bolus 24 h after the first reached 1.4e-6 with the
    graded substeps alone; the step-doubling refinement, substep_control.refine_substeps, covers it)."""
    errors = _bolus_errors("doxorubicin_free_human.yaml", scale, second_h, [seed])
    assert max(errors.values()) <= 1e-6, max(errors.items(), key=lambda x: x[1])


def test_split_intervals_keep_their_step_length():
    """``substeps_within``: no substep longer than the coarse interval's, about one step per added time; with the
    onset grading (saturable.BOLUS_ONSET) the steps just after each bolus are shorter, later ones unchanged."""
    events = (DoseEvent(0.0, 10.0, 0.0), DoseEvent(30.0, 5.0, 0.0))
    grid = np.linspace(0.0, 48.0, 97)
    counts = graded_substeps(events, grid, SATURABLE_FINE_SUBSTEPS, SATURABLE_DECAY_H)
    extra = np.concatenate([np.geomspace(1e-4, 0.5, 20)[:-1], 30.0 + np.geomspace(1e-4, 0.5, 20)[:-1]])
    fine = np.union1d(grid, extra)
    sub = substeps_within(events, grid, counts, fine, onset=None)
    coarse_pts, fine_pts = _steps(events, grid), _steps(events, fine)
    assert len(sub) == len(fine_pts) - 1
    parent = np.searchsorted(coarse_pts, fine_pts[:-1], side="right") - 1
    longest = np.diff(coarse_pts)[parent] / counts[parent]
    assert np.all(np.diff(fine_pts) / sub <= longest * (1 + 1e-12))
    assert counts.sum() <= sub.sum() <= counts.sum() + len(extra)
    count, scale_h = BOLUS_ONSET
    graded = substeps_within(events, grid, counts, fine)
    assert np.all(graded >= sub)
    since = fine_pts[:-1] - np.where(fine_pts[:-1] >= 30.0, 30.0, 0.0)
    step = np.diff(fine_pts) / graded
    assert np.all(step <= np.diff(coarse_pts)[parent] / (count * np.exp(-since / scale_h)) * (1 + 1e-12))
    late = since > 10 * scale_h * np.log(count)
    np.testing.assert_array_equal(graded[late], sub[late])
    assert graded.sum() - sub.sum() <= 2 * (count * scale_h / 0.5 + 20)
