"""The linear population path assembles K in the exact solver's own state order and shifts K before its Taylor
propagators: both change only where the time goes, never the results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import nanodds.solve.batched_blocks as bb
from nanodds.population.batch_solve import simulate_population
from nanodds.population.fast import PopulationModel
from nanodds.population.virtual import sample_patients
from nanodds.solve.batched import solve_linear_batch
from nanodds.solve.batched_blocks import block_order
from nanodds.solve.block_taylor import THETA_TAYLOR20, _scaling, _taylor_setup
from nanodds.solve.dense_blocks import dmul, norm1
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"
NAMES = ["plasma_total", "plasma_encapsulated", "tissue_heart", "tissue_released_tumour", "amount_tumour"]


@pytest.fixture(scope="module")
def pm() -> PopulationModel:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 400, "saturable": False}
    return PopulationModel(parse_scenario(raw), raw["regimen"])


def test_solver_order_assembly_takes_views_and_equals_the_gathered_solve(pm, monkeypatch) -> None:
    states, sinks = pm.solver_states(NAMES)
    keep = pm.kept_states(NAMES)
    assert sorted(states.tolist()) == keep.tolist() and set(states[sinks]) == set(pm.sinks)
    pts = sample_patients(40, 4)
    views = []
    init = bb.Chunk.__init__

    def spy(self, K, *args, **kwargs):
        init(self, K, *args, **kwargs)
        views.append(np.shares_memory(self.Kn, K) and np.shares_memory(self.Wn, args[2]))

    monkeypatch.setattr(bb.Chunk, "__init__", spy)
    res = simulate_population(pm, pts, NAMES, saturable=False, workers=1)
    assert views and all(views)  # every chunk read its blocks in place: nothing gathered
    views.clear()
    # the same patients assembled in increasing state order: the solver gathers (and orders) the blocks itself
    ref = solve_linear_batch(pm.rate_matrices(pts, keep), pm.dose_vector[keep], pm.events, pm.t_grid,
                             pm.weights(pts, NAMES, keep), amounts_mg=pm.amounts(pts),
                             sinks=np.flatnonzero(np.isin(keep, pm.sinks)), workers=1)
    assert views and not any(views)
    for k in NAMES:
        scale = np.abs(ref.observables[k]).max(axis=1, keepdims=True)
        assert np.max(np.abs(res.observables[k] - ref.observables[k]) / scale) <= 1e-12, k
        np.testing.assert_allclose(res.auc_t[k], ref.auc_t[k], rtol=1e-12)
        np.testing.assert_allclose(res.auc_inf[k], ref.auc_inf[k], rtol=1e-12)
        np.testing.assert_array_equal(res.tmax_h[k], ref.tmax_h[k])


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.floats(0.02, 0.3), st.integers(0, 2**31 - 1))
def test_block_order_of_an_ordered_pattern_is_the_identity(n: int, density: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pattern = rng.random((n, n)) < density
    order, bounds = block_order(pattern)
    again, bounds2 = block_order(pattern[np.ix_(order, order)])
    np.testing.assert_array_equal(again, np.arange(n))
    assert bounds2 == bounds
    P = pattern[np.ix_(order, order)]
    for i in range(len(bounds) - 1):  # block lower-triangular
        assert not P[bounds[i]:bounds[i + 1], bounds[i + 1]:].any()


def test_shift_halves_the_norm_estimate_of_a_stiff_rate_matrix(pm) -> None:
    """The Doxil model's stiffest mode (~3,700 /h) sits on its most negative diagonal entry: K - mu I, mu the
    midpoint of the diagonal's range, has half the alpha of K, i.e. one squaring fewer for a 0.168 h step."""
    states, sinks = pm.solver_states(NAMES)
    K = pm.rate_matrices(sample_patients(8, 2), states)
    m = int(sinks.min())
    Kn = np.ascontiguousarray(K[:, :m, :m])
    _, bounds = block_order(np.any(Kn != 0, axis=0))
    _, alpha, mu = _taylor_setup(Kn, bounds)
    K4 = np.linalg.matrix_power(Kn, 4)
    plain = max(norm1(K4) ** 0.25, norm1(K4 @ Kn) ** 0.2)
    assert np.all(mu < 0) and alpha < 0.6 * plain
    h = 168.0 / 999
    assert _scaling(alpha, h)[0] <= _scaling(plain, h)[0] - 1
    assert alpha * _scaling(alpha, h)[1] <= THETA_TAYLOR20


def test_dmul_upper_zero_leaves_the_upper_blocks_alone() -> None:
    rng = np.random.default_rng(1)
    bounds = [0, 3, 7]
    A = np.tril(rng.standard_normal((2, 7, 7)))
    out = np.full((2, 7, 7), 5.0)
    dmul(A, A, bounds, out=out, upper_zero=True)
    assert np.all(out[:, :3, 3:] == 5.0)  # untouched: the caller vouches that they are zero already
    np.testing.assert_allclose(np.tril(out), np.tril(A @ A), rtol=1e-13, atol=1e-13)
    dmul(A, A, bounds, out=out)
    assert np.all(out[:, :3, 3:] == 0.0)


def test_states_the_dose_never_reaches_are_not_assembled(pm) -> None:
    """A 100 nm liposome crosses no continuous endothelium: the encapsulated interstitium of those organs gets
    nothing in any patient, stays zero, and is neither assembled nor solved; the fenestrated organs' is."""
    kept = {pm.names[i] for i in pm.kept_states(NAMES)}
    pattern = np.any(pm.coef != 0, axis=(0, 1))
    for organ in ("muscle", "skin", "adipose", "brain", "heart"):
        i = pm.names.index(f"encapsulated:{organ}.interstitial")
        assert not np.any(np.delete(pattern[i], i)), organ  # no inflow in any patient
        assert f"encapsulated:{organ}.interstitial" not in kept
    for organ in ("liver", "spleen", "marrow"):
        assert f"encapsulated:{organ}.interstitial" in kept
    assert "free:muscle" in kept and "encapsulated:venous_plasma" in kept
