"""No solver state is shared through the model: derived models, re-solves and cache reuse give fresh-build answers.

Issue #10 part 1: propagators were cached in ``model.meta`` keyed by ``id(K)`` and derived models copied that
dict, so a derived model could reuse another model's propagator; ``meta["dose_events"]`` was overwritten by
every solve, so an earlier Solution's dosing and mass balance changed after a later solve.
"""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import pytest

from nanodds.analysis.model_params import CLEARANCE, ScenarioModel, scale_clearance
from nanodds.engine import build, output_grid
from nanodds.solve.api import solve
from nanodds.solve.linear import PropagatorCache, solve_linear
from nanodds.solve.stiff import solve_stiff
from nanodds.specs.regimen import DoseEvent
from nanodds.specs.scenario import parse_scenario

OBS = ("plasma_total", "plasma_free", "tissue_liver")


def _scenario(carrier: bool = True):
    raw = {"species": "mouse", "drug": "doxorubicin", "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "simulation": {"duration": "72 h", "points": 73}, "tumour": {}}
    if carrier:
        raw["carrier"] = {"type": "pegylated_liposome"}
    return parse_scenario(raw)


def _max_rel_diff(a, b) -> float:
    return max(float(np.max(np.abs(a.observe(k) - b.observe(k))) / np.max(np.abs(b.observe(k)))) for k in OBS)


def test_clearance_scaled_models_match_fresh_builds() -> None:
    """Derive many clearance-scaled models from one base (the ids of freed K arrays get reused)."""
    scn = _scenario(carrier=False)
    base = build(scn).linear()
    grid = output_grid(scn)
    solve(base, scn.regimen.events, grid)  # warm whatever cache exists
    worst = 0.0
    for mult in np.linspace(0.3, 3.0, 12):
        derived = scale_clearance(base, float(mult))
        got = solve(derived, scn.regimen.events, grid)
        fresh = solve(scale_clearance(build(scn).linear(), float(mult)), scn.regimen.events, grid,
                      cache=PropagatorCache())
        worst = max(worst, _max_rel_diff(got, fresh))
        del derived, got
        gc.collect()
    assert worst < 1e-9


def test_scenario_model_evaluations_match_fresh_builds() -> None:
    """The path of fitting and Sobol: one ScenarioModel evaluated at changing clearance multipliers."""
    scn = _scenario(carrier=True)
    sm = ScenarioModel(scn, linear=True)
    grid = output_grid(scn)
    solve(sm.model({}), scn.regimen.events, grid)
    worst = 0.0
    for mult in np.linspace(0.3, 3.0, 10):
        values = {CLEARANCE: float(mult)}
        derived = sm.model(values)
        got = solve(derived, scn.regimen.events, grid)
        fresh = solve(ScenarioModel(scn, linear=True).model(values), scn.regimen.events, grid,
                      cache=PropagatorCache())
        worst = max(worst, _max_rel_diff(got, fresh))
        del derived, got
        gc.collect()
    assert worst < 1e-9


def test_first_solution_unaffected_by_later_solve() -> None:
    scn = _scenario(carrier=True)
    model = build(scn)
    grid = output_grid(scn)
    first = solve(model, [DoseEvent(0.0, 0.1, 0.0)], grid)
    before = first.mass_balance_rel_error()
    given_before = first.dosed_until("drug").copy()
    solve(model, [DoseEvent(0.0, 0.3, 0.0), DoseEvent(24.0, 0.2, 1.0)], grid)
    after = first.mass_balance_rel_error()
    assert max(before.values()) < 1e-11
    assert after == before
    np.testing.assert_array_equal(first.dosed_until("drug"), given_before)
    assert first.dose_events == (DoseEvent(0.0, 0.1, 0.0),)


@pytest.mark.parametrize("saturable", [False, True])
def test_solve_writes_nothing_into_the_model(saturable: bool) -> None:
    scn = replace(_scenario(carrier=True), saturable=saturable, duration_h=24.0)
    model = build(scn)
    meta_before = dict(model.meta)
    K_before = model.K.copy()
    solve(model, scn.regimen.events, np.linspace(0.0, 24.0, 25))
    assert dict(model.meta).keys() == meta_before.keys()
    np.testing.assert_array_equal(model.K, K_before)


def test_model_is_a_value() -> None:
    model = build(_scenario(carrier=True))
    with pytest.raises(TypeError):
        model.meta["dose_events"] = ()  # type: ignore[index]
    with pytest.raises(ValueError):
        model.K[0, 0] = 1.0
    with pytest.raises(TypeError):
        model.groups["drug"] = np.zeros(model.n, bool)  # type: ignore[index]
    derived = scale_clearance(model, 2.0)
    with pytest.raises(TypeError):
        derived.meta["x"] = 1  # type: ignore[index]
    with pytest.raises(ValueError):
        derived.meta["K_parts"]["hepatic_clearance"][0, 0] = 1.0
    # the per-process split of the derived model still adds up to its K
    np.testing.assert_allclose(sum(derived.meta["K_parts"].values()), derived.K, atol=1e-12)


def test_propagator_cache_is_keyed_by_content_and_bounded() -> None:
    scn = _scenario(carrier=False)
    model = build(scn).linear()
    grid = output_grid(scn)
    cache = PropagatorCache(max_blocks=2)
    ref = solve_linear(model, scn.regimen.events, grid, cache=cache)
    assert len(cache) == 1
    same_content = replace(model, K=model.K.copy())  # another array, same numbers: a cache hit
    again = solve_linear(same_content, scn.regimen.events, grid, cache=cache)
    assert len(cache) == 1 and cache.hits >= 1
    np.testing.assert_array_equal(again.y, ref.y)
    for mult in (0.5, 2.0, 4.0):
        solve_linear(scale_clearance(model, mult), scn.regimen.events, grid, cache=cache)
    assert len(cache) == 2
    # a memory bound: one block is bigger than the budget, so only the block in use is kept
    small = PropagatorCache(max_bytes=1)
    for mult in (0.5, 2.0):
        out = solve_linear(scale_clearance(model, mult), scn.regimen.events, grid, cache=small)
    assert len(small) == 1
    np.testing.assert_allclose(out.y, solve_linear(scale_clearance(model, 2.0), scn.regimen.events, grid,
                                                   cache=PropagatorCache()).y, rtol=0, atol=0)


def test_cached_data_files_are_not_written_by_model_building() -> None:
    """``load_yaml`` hands out one cached mapping per file: building and solving must leave it as read."""
    from pathlib import Path

    from nanodds.analysis.metrics import compute_metrics
    from nanodds.engine import simulate
    from nanodds.specs.params import load_yaml
    from nanodds.specs.scenario import load_scenario

    examples = Path(__file__).resolve().parents[2] / "examples"
    for name in ("doxil_vs_doxorubicin_human.yaml", "taxol_cremophor_human.yaml",
                 "thermosensitive_liposome_hyperthermia_mouse.yaml"):
        scn = load_scenario(examples / name)
        compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)
    for relpath in ("carriers/mouse.yaml", "carriers/human.yaml", "carriers/carriers.yaml",
                    "physiology/human.yaml", "physiology/mouse.yaml", "drugs/doxorubicin.yaml",
                    "drugs/paclitaxel.yaml", "vehicles/cremophor_el.yaml"):
        assert load_yaml(relpath) == load_yaml.__wrapped__(relpath), relpath


def test_stiff_solver_steps_over_a_stalled_bdf_segment() -> None:
    """Free doxorubicin (saturable DNA binding), 2 mg/kg at 0 and 31 h: scipy's BDF stalls after the second
    bolus at rtol 1e-10; the segment is retried with Radau and the result keeps its mass balance (found by
    hypothesis in tests/analysis/test_fluctuation.py). The compiled BDF (default) steps through it and agrees."""
    raw = {"species": "mouse", "drug": "doxorubicin",
           "regimen": [{"route": "iv_bolus", "dose": "2 mg/kg", "every": "31 h", "count": 2}],
           "simulation": {"duration": "32 h", "points": 97}}
    scn = parse_scenario(raw)
    model = build(scn)
    assert model.saturable
    sol = solve_stiff(model, scn.regimen.events, output_grid(scn), method="BDF")
    assert sol.method == "stiff-bdf+radau"
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    radau = solve_stiff(model, scn.regimen.events, output_grid(scn), method="Radau")
    w = model.observables["plasma_total"].weights
    np.testing.assert_allclose(sol.y @ w, radau.y @ w, rtol=1e-6)
    compiled = solve(model, scn.regimen.events, output_grid(scn))
    assert compiled.method == "stiff-bdf-numba"
    assert max(compiled.mass_balance_rel_error().values()) < 1e-9
    np.testing.assert_allclose(compiled.y @ w, radau.y @ w, rtol=1e-6)


def test_compiled_stiff_segment_that_fails_is_retried_with_radau(monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment the compiled stepper gives up on (here: a step budget of 1 per hour) is solved by scipy's
    Radau; the solution names both and matches Radau alone."""
    import nanodds.solve.stiff as stiff

    raw = {"species": "mouse", "drug": "doxorubicin",
           "regimen": [{"route": "iv_bolus", "dose": "2 mg/kg", "every": "31 h", "count": 2}],
           "simulation": {"duration": "32 h", "points": 97}}
    scn = parse_scenario(raw)
    model = build(scn)
    monkeypatch.setattr(stiff, "MAX_STEPS_PER_H", 1)
    sol = solve_stiff(model, scn.regimen.events, output_grid(scn))
    assert sol.method == "stiff-bdf-numba+radau"
    radau = solve_stiff(model, scn.regimen.events, output_grid(scn), method="Radau")
    np.testing.assert_allclose(sol.y, radau.y, rtol=0, atol=1e-12 * np.abs(radau.y).max())
