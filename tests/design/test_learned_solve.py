"""``tumour_delivery: learned``: parsing only predicts; the root solve runs at model assembly, once per content
(:mod:`nanodds.design.learned_solve`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient
from tests.design.test_scenario_link import EXAMPLE, _raw
from tests.web.conftest import make_app

from nanodds.design import learned_solve
from nanodds.design.learned_solve import TumourSolver, content_key, reference_experiment
from nanodds.design.scenario_link import settings
from nanodds.engine import build, simulate
from nanodds.population.batch_solve import simulate_population
from nanodds.population.fast import PopulationModel, patient_scenario
from nanodds.specs.scenario import parse_scenario


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> tuple[TumourSolver, list[tuple[Any, float, float]]]:
    """A fresh process-wide solver and the list of root solves it ran (the real solve underneath)."""
    fresh = TumourSolver()
    monkeypatch.setattr(learned_solve, "DEFAULT_SOLVER", fresh)
    calls: list[tuple[Any, float, float]] = []
    real = learned_solve.solve_tumour

    def counting(reference: Any, de24: float, de168: float) -> learned_solve.TumourSolve:
        calls.append((reference, de24, de168))
        return real(reference, de24, de168)

    monkeypatch.setattr(learned_solve, "solve_tumour", counting)
    return fresh, calls


def test_parsing_records_the_prediction_without_solving(solves) -> None:
    """Parsing (linear and the saturable example) maps and predicts only; the first model assembly solves."""
    _, calls = solves
    scn = parse_scenario(_raw())
    sat = parse_scenario(yaml.safe_load(EXAMPLE.read_text()))
    assert calls == []
    lt = scn.learned_tumour
    assert scn.tumour_delivery == "learned" and lt.pred("DE24_pred") > 0 and lt.pred("DE168_pred") > 0
    ref = lt.reference  # the database's experiment: one IV bolus of the first dose, mechanistic tumour
    assert len(ref.regimen.events) == 1 and ref.regimen.events[0].amount_mg == scn.regimen.first_dose_mg
    assert ref.learned_tumour is None and ref.tumour_delivery == "mechanistic" and ref.duration_h == 168.0
    assert sat.learned_tumour.reference.solver == sat.solver
    sol = simulate(scn)
    assert len(calls) == 1 and calls[0][1:] == (lt.pred("DE24_pred"), lt.pred("DE168_pred"))
    solved = sol.model.meta["learned_tumour"]  # the model (so the Solution) records what it was built with
    assert solved.learned is lt and solved.solve.entry_scale != 1.0
    mech = build(parse_scenario(_raw(tumour_delivery="mechanistic")), dict(solved.overrides))
    np.testing.assert_array_equal(sol.model.K, mech.K)


def test_web_validate_does_not_solve(solves, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, calls = solves
    monkeypatch.delenv("NANODDS_DATABASE_URL", raising=False)
    monkeypatch.delenv("NANODDS_TOKEN", raising=False)
    with TestClient(make_app(tmp_path, start_runner=False)) as c:
        r = c.post("/api/scenarios/validate", json={"yaml": EXAMPLE.read_text()})
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["warnings"] == []
    assert calls == []


def test_same_content_is_solved_once(solves) -> None:
    """Another name, a second dose and a longer horizon do not enter the solve: one root solve, one answer."""
    solver, calls = solves
    a = parse_scenario(_raw())
    b = parse_scenario(_raw(name="other", regimen=[{"route": "iv_bolus", "dose": "5 mg/kg"},
                                                   {"route": "iv_bolus", "dose": "5 mg/kg", "start": "72 h"}],
                            simulation={"duration": "240 h", "points": 241, "saturable": False}))
    assert content_key(a.learned_tumour.reference, 1.0, 0.5) == content_key(b.learned_tumour.reference, 1.0, 0.5)
    sa, sb = simulate(a), simulate(b)
    build(a)
    assert len(calls) == 1 and solver.misses == 1 and solver.hits == 2
    assert sa.model.meta["learned_tumour"].solve == sb.model.meta["learned_tumour"].solve


def test_different_carrier_is_solved_again(solves) -> None:
    """Same prediction (the database has no PEG column), different carrier kinetics: a different key, two
    solves, different tumour parameters."""
    solver, calls = solves
    peg = parse_scenario(_raw({"diameter": "100 nm"}))
    conv = parse_scenario(_raw({"type": "conventional_liposome", "diameter": "100 nm"}))
    assert peg.learned_tumour.prediction == conv.learned_tumour.prediction
    sp, sc = simulate(peg), simulate(conv)
    assert len(calls) == 2 and solver.misses == 2 and solver.hits == 0
    assert sp.model.meta["learned_tumour"].overrides != sc.model.meta["learned_tumour"].overrides


def test_key_covers_targets_and_solve_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = parse_scenario(_raw(tumour_delivery="mechanistic"))
    key = content_key(ref, 1.0, 0.5)
    assert content_key(ref, 1.0, 0.5) == key
    assert content_key(ref, 1.0, 0.5000001) != key and content_key(ref, 1.1, 0.5) != key
    assert content_key(reference_experiment(ref), 1.0, 0.5) == key  # the reference is idempotent
    rtol = settings()["solve_rtol"]
    tighter = dict(settings(), solve_rtol=replace(rtol, value=rtol.value / 10))
    monkeypatch.setattr(learned_solve, "settings", lambda: tighter)
    assert content_key(ref, 1.0, 0.5) != key
    with pytest.raises(TypeError, match="cannot encode object"):
        learned_solve._encode(object(), learned_solve.hashlib.blake2b())


def test_cache_drops_least_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache bookkeeping only (the solve replaced by a recorder): bounded, least recently used dropped."""
    calls: list[float] = []
    monkeypatch.setattr(learned_solve, "solve_tumour", lambda ref, d24, d168: calls.append(d24) or (d24, d168))
    ref = parse_scenario(_raw(tumour_delivery="mechanistic"))
    solver = TumourSolver(max_entries=2)
    for d24 in (1.0, 2.0, 1.0, 3.0, 1.0, 2.0):  # 1 used after 2: 3 evicts 2, not 1
        assert solver.solve(ref, d24, 0.5) == (d24, 0.5)
    assert calls == [1.0, 2.0, 3.0, 2.0] and len(solver) == 2
    with pytest.raises(ValueError, match="max_entries"):
        TumourSolver(max_entries=0)


def test_population_with_learned_solves_once(solves) -> None:
    """Two population models (4 builds each) pay one root solve; the typical patient is the scenario's own
    result (1e-9), and the EPR factor scales the learned entry rate, not the mechanistic one."""
    _, calls = solves
    raw = _raw()
    scn = parse_scenario(raw)
    pm = PopulationModel(scn, raw["regimen"])
    PopulationModel(parse_scenario(raw), raw["regimen"])
    assert len(calls) == 1
    bw = scn.physiology.body_weight_kg
    pts = {"body_weight_kg": np.array([bw, 0.8 * bw, 1.25 * bw]), "height_cm": np.full(3, np.nan)}
    grid = np.array([0.0, 24.0, 168.0])
    res = simulate_population(pm, pts, ["amount_tumour"], t_grid=grid)
    sol = simulate(scn, t_grid=grid)
    np.testing.assert_allclose(res.observables["amount_tumour"][0], sol.observe("amount_tumour"), rtol=1e-9)
    assert np.all(np.isfinite(res.observables["amount_tumour"]))
    entry = dict(sol.model.meta["learned_tumour"].overrides)["tumour_extravasation_coefficient"]
    _, ov = patient_scenario(scn, bw, epr_factor=2.0)
    assert ov["tumour_extravasation_coefficient"] == pytest.approx(2.0 * entry, rel=1e-12)
    assert len(calls) == 1


def test_web_simulate_reports_a_solve_warning(solves, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The solve now runs in the job, not at parsing: its one-line warning (a target the whole-body model cannot
    reach) still reaches the run's warnings."""
    from nanodds.web import tasks

    _, calls = solves
    counting = learned_solve.solve_tumour

    def unreachable(reference: Any, de24: float, de168: float) -> learned_solve.TumourSolve:
        sv = counting(reference, de24, de168)
        return replace(sv, notes=(f"predicted DE168 {de168:.3g} % not reachable by the whole-body model",))

    monkeypatch.setattr(learned_solve, "solve_tumour", unreachable)
    out = tasks._simulate({"scenario": yaml.safe_dump(_raw())}, tmp_path, lambda *_: None)
    assert len(calls) == 1
    assert any("tumour_delivery: learned: predicted DE168" in w and "not reachable" in w for w in out["warnings"])
