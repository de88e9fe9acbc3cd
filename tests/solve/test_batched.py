"""Batched population solver against the single-subject exact solver, and its mass balance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.engine import build
from nanodds.solve.batched import solve_linear_batch
from nanodds.solve.linear import solve_linear
from nanodds.specs.regimen import DoseEvent
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"
OBS = ("plasma_total", "plasma_free", "tissue_tumour", "amount_liver")
GRID = np.linspace(0.0, 168.0, 400)
RTOL = 1e-9


def _population(conventional: bool, weights_kg: list[float]):
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if conventional:
        raw.pop("carrier")
    models, events = [], []
    for bw in weights_kg:
        r = dict(raw, subject={"body_weight": f"{bw:.3f} kg", "height": "170 cm"})
        scn = parse_scenario(r)
        models.append(build(scn).linear())
        events.append(scn.regimen.events)
    return models, events


def _observe(models):
    obs = {k: np.array([m.observables[k].weights for m in models]) for k in OBS}
    for g, mask in models[0].groups.items():
        obs[f"mass_{g}"] = mask.astype(float)  # amount in body + eliminated (mg)
    return obs


def _check_against_single(models, events, res, obs):
    for i, m in enumerate(models):
        sol = solve_linear(m, events[i], res.times_h)
        for k, w in obs.items():
            wi = w[i] if w.ndim == 2 else w
            ref = sol.y @ wi
            scale = np.max(np.abs(ref))
            np.testing.assert_allclose(res.observables[k][i], ref, rtol=0, atol=RTOL * scale, err_msg=k)
            assert res.cmax[k][i] == pytest.approx(ref.max(), rel=RTOL)
            auc_t = float(sol.cum_int[-1] @ wi)
            assert res.auc_t[k][i] == pytest.approx(auc_t, rel=RTOL), k
            if k in OBS:
                _, auc_inf = sol.observe_auc(k)
                assert res.auc_inf[k][i] == pytest.approx(auc_inf, rel=RTOL), k
            else:
                assert np.isinf(res.auc_inf[k][i])


def _mass_balance(models, res, given_mg):
    for g, per_mg in models[0].per_mg_group.items():
        total = given_mg[:, -1:] * per_mg
        err = np.max(np.abs(res.observables[f"mass_{g}"] - given_mg * per_mg) / total)
        assert err < 1e-9, (g, err)


@pytest.mark.parametrize("conventional", [False, True], ids=["doxil", "conventional"])
def test_batch_matches_single_and_conserves_mass(conventional):
    rng = np.random.default_rng(7)
    weights = list(70.0 * rng.lognormal(0.0, 0.2, size=3))
    models, events = _population(conventional, weights)
    obs = _observe(models)
    K = np.array([m.K for m in models])
    dv = np.array([m.dose_vector for m in models])
    res = solve_linear_batch(K, dv, events, GRID, obs, chunk=2)  # two chunks
    _check_against_single(models, events, res, obs)
    amounts = np.array([[e.amount_mg for e in ev] for ev in events])
    ev = events[0][0]
    given = amounts[:, :1] * np.clip((GRID - ev.start_h) / ev.duration_h, 0.0, 1.0)[None]
    _mass_balance(models, res, given)


def test_shared_events_with_amounts_boluses_off_grid():
    """Shared timing, per-patient amounts, a bolus between output times and an infusion restart."""
    models, _ = _population(False, [58.0, 81.0])
    events = [DoseEvent(0.0, 1.0, 0.0), DoseEvent(30.3, 1.0, 2.5), DoseEvent(100.05, 1.0, 0.0)]
    amounts = np.array([[40.0, 60.0, 25.0], [55.0, 70.0, 35.0]])
    obs = _observe(models)
    K = np.array([m.K for m in models])
    dv = np.array([m.dose_vector for m in models])
    res = solve_linear_batch(K, dv, events, GRID, obs, amounts_mg=amounts)
    per_patient = [[DoseEvent(e.start_h, a, e.duration_h) for e, a in zip(events, row, strict=True)]
                   for row in amounts]
    _check_against_single(models, per_patient, res, obs)
    given = np.zeros((2, len(GRID)))
    for e, a in zip(events, amounts.T, strict=True):
        frac = np.clip((GRID - e.start_h) / e.duration_h, 0, 1) if e.duration_h else GRID >= e.start_h
        given += a[:, None] * frac[None]
    _mass_balance(models, res, given)


def test_shared_rate_matrix_scales_linearly_with_dose():
    (m,), (ev,) = _population(True, [70.0])
    obs = {"plasma_total": m.observables["plasma_total"].weights}
    res = solve_linear_batch(m.K, m.dose_vector, list(ev), GRID, obs, amounts_mg=np.array([1.0, 3.0]))
    np.testing.assert_allclose(res.observables["plasma_total"][1], 3 * res.observables["plasma_total"][0],
                               rtol=1e-12, atol=1e-15)
    assert res.auc_inf["plasma_total"][1] == pytest.approx(3 * res.auc_inf["plasma_total"][0], rel=1e-12)


def test_non_uniform_grid_matches_single():
    """General path (runs of equal steps, per-segment propagators): a grid with uneven steps and extra points."""
    weights = [52.0, 88.0]
    models, events = _population(False, weights)
    obs = _observe(models)
    K = np.array([m.K for m in models])
    dv = np.array([m.dose_vector for m in models])
    grid = np.unique(np.concatenate([np.linspace(0.0, 168.0, 150), [0.3, 0.95, 1.02, 30.0, 100.5]]))
    res = solve_linear_batch(K, dv, events, grid, obs, workers=1)
    _check_against_single(models, events, res, obs)


def test_uniform_and_general_paths_agree_and_threads_do_not_matter():
    models, _ = _population(False, [61.0, 74.0, 103.0])
    events = [DoseEvent(0.0, 1.0, 1.0), DoseEvent(24.05, 1.0, 0.0), DoseEvent(50.0, 1.0, 3.3)]
    amounts = np.array([[50.0, 10.0, 20.0], [70.0, 5.0, 30.0], [90.0, 12.0, 25.0]])
    obs = _observe(models)
    K = np.array([m.K for m in models])
    dv = np.array([m.dose_vector for m in models])
    uni = solve_linear_batch(K, dv, events, GRID, obs, amounts_mg=amounts, chunk=1)  # threaded chunks
    one = solve_linear_batch(K, dv, events, GRID, obs, amounts_mg=amounts, chunk=2, workers=1)
    bumped = GRID.copy()
    bumped[-2] -= 1e-3  # not uniform: general path
    gen = solve_linear_batch(K, dv, events, bumped, obs, amounts_mg=amounts, workers=1)
    for k in obs:
        np.testing.assert_array_equal(uni.observables[k], one.observables[k])
        scale = np.abs(uni.observables[k]).max()
        np.testing.assert_allclose(uni.observables[k][:, :-2], gen.observables[k][:, :-2], rtol=0, atol=1e-10 * scale)
        np.testing.assert_allclose(uni.auc_t[k][:, None], gen.auc_t[k][:, None], rtol=1e-9)  # same T


def test_pruned_states_and_block_expm():
    """Observing drug only drops the carrier block; results equal a solve that must keep every state."""
    from scipy.linalg import expm

    from nanodds.solve.batched import expm_batch
    from nanodds.solve.batched_blocks import block_order, relevant_states
    models, events = _population(False, [70.0, 95.0])
    m = models[0]
    K = np.array([mm.K for mm in models])
    dv = np.array([mm.dose_vector for mm in models])
    w = {"plasma_total": np.array([mm.observables["plasma_total"].weights for mm in models])}
    pattern = np.any(K != 0, axis=0)
    keep = relevant_states(pattern, w["plasma_total"].any(axis=0))
    assert not any(keep[i] for i, n in enumerate(m.names) if n.startswith("carrier:"))
    small = solve_linear_batch(K, dv, events, GRID, w, workers=1)
    full = solve_linear_batch(K, dv, events, GRID, {**w, "carrier": m.groups["carrier"].astype(float)}, workers=1)
    np.testing.assert_allclose(small.observables["plasma_total"], full.observables["plasma_total"], rtol=0,
                               atol=1e-10 * full.observables["plasma_total"].max())
    np.testing.assert_allclose(small.auc_inf["plasma_total"], full.auc_inf["plasma_total"], rtol=1e-10)
    ns = np.setdiff1d(np.arange(m.n), m.sinks)
    order, bounds = block_order(pattern[np.ix_(ns, ns)])
    Kn = K[:, ns[order]][:, :, ns[order]]
    for a in range(len(bounds) - 1):  # block lower-triangular
        assert not np.any(Kn[:, bounds[a]:bounds[a + 1], bounds[a + 1]:])
    for h in (0.01, 0.168, 5.0):
        E = expm_batch(Kn * h)
        for i in range(2):
            ref = expm(Kn[i] * h)
            np.testing.assert_allclose(E[i], ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_states_no_dose_reaches_are_dropped_and_the_solve_stays_exact():
    """A random compartment model: states the dose never reaches (zero from the zero start) are not solved, those
    it reaches are (the pattern of ``expm(K) d`` decides, an independent definition), and the observables equal
    the dense ``expm`` of the whole model, also for observables that weigh a dropped state."""
    from scipy.linalg import expm

    from nanodds.solve.batched_blocks import solver_structure
    rng = np.random.default_rng(7)
    n, sink = 14, 13
    pattern = rng.random((n, n)) < 0.12
    np.fill_diagonal(pattern, False)
    pattern[sink] = True  # every state drains into the sink, which sends nothing on
    pattern[:, sink] = False
    K = np.where(pattern, rng.uniform(0.1, 5.0, (n, n)), 0.0)
    K[3, :] = 0.0
    K[:, 3] = 0.0
    K[3, 4], K[sink, 3] = 0.0, 2.0  # state 3: drains, receives nothing (never dosed: always zero)
    K[5, 3] = 40.0  # ... but would feed state 5 fast
    K -= np.diag(K.sum(axis=0))
    dv = np.zeros(n)
    dv[0] = 1.0
    reached = np.abs(expm(K * 2.0) @ dv) > 0
    assert not reached[3]
    W = {"all_but_sink": np.r_[np.ones(n - 1), 0.0], "state3": np.eye(n)[3], "state5": np.eye(n)[5]}
    observed = np.ones(n, dtype=bool)
    ns, kept_sinks, _, _ = solver_structure(K != 0, observed, np.array([sink]), dv != 0)
    assert set(ns.tolist()) == set(np.flatnonzero(reached[:sink]).tolist()) and kept_sinks.tolist() == [sink]
    ns_all, *_ = solver_structure(K != 0, observed, np.array([sink]))
    assert 3 in ns_all  # without the dose's support every state that reaches an observable is solved
    grid = np.linspace(0.0, 24.0, 49)
    res = solve_linear_batch(K[None], dv[None], [DoseEvent(0.0, 10.0, 0.0), DoseEvent(5.0, 4.0, 2.0)], grid, W,
                             workers=1)
    for k, w in W.items():
        ref = np.array([_exact(K, dv, t) @ w for t in grid])
        np.testing.assert_allclose(res.observables[k][0], ref, rtol=0, atol=1e-10 * max(1.0, np.abs(ref).max()))


def _exact(K: np.ndarray, dv: np.ndarray, t: float) -> np.ndarray:
    """State at t of a 10 mg bolus at 0 and 4 mg infused over 5-7 h (dense expm; the infusion by an augmented
    matrix)."""
    from scipy.linalg import expm
    x = 10.0 * expm(K * t) @ dv
    n = len(dv)
    aug = np.zeros((n + 1, n + 1))
    aug[:n, :n], aug[:n, n] = K, dv * 2.0  # 2 mg/h
    on = max(0.0, min(t, 7.0) - 5.0)
    if on > 0:
        x += expm(K * max(0.0, t - 7.0)) @ (expm(aug * on)[:n, n])
    return x
