"""Dense block lower-triangular products and solves of the linear population path, against plain numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.solve.two_patients import two_patients

from nanodds.solve.batched import solve_linear_batch
from nanodds.solve.batched_blocks import BILINEAR_C, Chunk
from nanodds.solve.block_expm import solve_lower
from nanodds.solve.dense_blocks import dmul
from nanodds.solve.linear import solve_linear

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"


def _stack(rng: np.random.Generator, p: int, bounds: list[int]) -> np.ndarray:
    """Random block lower-triangular stack with a dominant (regular) diagonal."""
    m = bounds[-1]
    M = rng.standard_normal((p, m, m))
    for i in range(len(bounds) - 1):
        M[:, bounds[i]:bounds[i + 1], bounds[i + 1]:] = 0.0
    M[:, np.arange(m), np.arange(m)] += 3.0 * m
    return M


sizes = st.lists(st.integers(1, 9), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None)
@given(sizes, st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_dmul_equals_the_dense_product_and_keeps_the_upper_blocks_zero(sz: list[int], p: int, seed: int) -> None:
    bounds = [0, *np.cumsum(sz).tolist()]
    rng = np.random.default_rng(seed)
    A, B = _stack(rng, p, bounds), _stack(rng, p, bounds)
    out = np.full_like(A, np.nan)  # garbage in the upper blocks must be overwritten
    C = dmul(A, B, bounds, out=out)
    assert C is out
    np.testing.assert_allclose(C, A @ B, rtol=1e-13, atol=1e-12 * np.abs(A @ B).max())
    shared = dmul(A[:1], B, bounds)  # a shared (leading 1) factor broadcasts
    np.testing.assert_allclose(shared, A[:1] @ B, rtol=1e-13, atol=1e-12 * np.abs(shared).max())


@settings(max_examples=25, deadline=None)
@given(sizes, st.integers(1, 4), st.integers(1, 3), st.booleans(), st.integers(0, 2**31 - 1))
def test_solve_lower_equals_numpy_solve(sz: list[int], p: int, k: int, transpose: bool, seed: int) -> None:
    bounds = [0, *np.cumsum(sz).tolist()]
    rng = np.random.default_rng(seed)
    K = _stack(rng, p, bounds)
    R = rng.standard_normal((p, bounds[-1], k))
    X = solve_lower(K, bounds, R, transpose=transpose)
    ref = np.linalg.solve(np.swapaxes(K, 1, 2) if transpose else K, R)
    np.testing.assert_allclose(X, ref, rtol=1e-12, atol=1e-14)
    X1 = solve_lower(K[:1], bounds, R, transpose=transpose)  # shared K, per-patient right-hand sides
    np.testing.assert_allclose(X1, np.linalg.solve(np.swapaxes(K[:1], 1, 2) if transpose else K[:1], R),
                               rtol=1e-12, atol=1e-14)


def test_chunk_solves_without_the_inverse_and_reads_sinks_through_the_transposed_solve() -> None:
    rng = np.random.default_rng(3)
    bounds = [0, 4, 9]
    p, n = 3, 11  # states 9 and 10 are sinks fed by the non-sink states
    K = np.zeros((p, n, n))
    K[:, :9, :9] = -_stack(rng, p, bounds)
    K[:, 9:, :9] = rng.random((p, 2, 9))
    W = rng.random((p, 2, n))
    ns, sinks = np.arange(9), np.array([9, 10])
    ch = Chunk(K, ns, sinks, W, {}, bounds, np.arange(p))
    Kinv = np.linalg.inv(K[:, :9, :9])
    np.testing.assert_allclose(ch.WG, W[:, :, 9:] @ K[:, 9:, :9] @ Kinv, rtol=1e-12)
    R = rng.standard_normal((p, 9))
    np.testing.assert_allclose(ch.solve(R), (Kinv @ R[..., None])[..., 0], rtol=1e-12)
    np.testing.assert_allclose(ch.Kinv, Kinv, rtol=1e-12)  # on demand; afterwards solves use it
    np.testing.assert_allclose(ch.solve(R), (Kinv @ R[..., None])[..., 0], rtol=1e-12)


def test_bilinear_read_out_with_sink_weighted_observables_matches_the_single_patient_solver() -> None:
    """1,000 uniform points (the bilinear read-out, > 4 x BILINEAR_C steps) of concentrations and of mass
    balances that weigh the elimination sinks, an off-grid infusion end and a later off-grid bolus."""
    grid = np.linspace(0.0, 168.0, 1000)
    assert len(grid) - 1 > 4 * BILINEAR_C
    models, events, obs = two_patients()
    res = solve_linear_batch(np.array([m.K for m in models]), np.array([m.dose_vector for m in models]), events,
                             grid, obs, workers=1)
    for i, m in enumerate(models):
        sol = solve_linear(m, events[i], grid)
        for k, w in obs.items():
            wi = w[i] if w.ndim == 2 else w
            ref = sol.y @ wi
            assert np.max(np.abs(res.observables[k][i] - ref)) <= 1e-9 * np.abs(ref).max(), k
            assert abs(res.auc_t[k][i] - sol.cum_int[-1] @ wi) <= 1e-9 * abs(sol.cum_int[-1] @ wi), k


def test_linear_population_solve_runs_on_one_blas_thread(monkeypatch) -> None:
    """The chunks' products are small (30-60 states) and the chunks already run on threads: BLAS must not
    add its own threads (measured 4x the CPU with them), whatever the caller's BLAS setting."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import nanodds.solve.batched as batched

    seen: list[int] = []
    orig = batched._solve_group

    def spy(*args: object, **kwargs: object) -> object:
        seen.extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
        return orig(*args, **kwargs)

    monkeypatch.setattr(batched, "_solve_group", spy)
    rng = np.random.default_rng(5)
    bounds = [0, 3, 7]
    K = np.zeros((4, 8, 8))
    K[:, :7, :7] = -_stack(rng, 4, bounds) / 30.0
    K[:, 7, :7] = -K[:, :7, :7].sum(axis=1)  # column sums zero: all outflow into the sink
    with threadpool_limits(limits=2, user_api="blas"):
        res = solve_linear_batch(K, np.eye(8)[0], [], np.linspace(0.0, 1.0, 5), {"a": np.eye(8)[6]})
    assert res.observables["a"].shape == (4, 5)
    assert seen and all(n == 1 for n in seen)


@settings(max_examples=20, deadline=None)
@given(sizes, st.integers(1, 3), st.integers(2, 5), st.integers(BILINEAR_C + 1, 3 * BILINEAR_C),
       st.integers(0, 2**31 - 1))
def test_bilinear_read_out_equals_stepping_for_any_block_bounds(sz: list[int], p: int, nobs: int, L: int,
                                                                seed: int) -> None:
    """``A E^(i+1) x`` for i < L and ``E^L x`` as plain repeated products, for 1-4 diagonal blocks of any size
    (the rows ``A E^(qc)`` and the doubling columns are products block by block, skipping the zero upper ones)."""
    from nanodds.solve.batched_blocks import bilinear_levels, propagate_bilinear

    bounds = [0, *np.cumsum(sz).tolist()]
    m = bounds[-1]
    rng = np.random.default_rng(seed)
    E = _stack(rng, p, bounds)
    E /= np.abs(np.linalg.eigvals(E)).max(axis=1)[:, None, None] * 1.001  # spectral radius < 1: no overflow
    pw = [E]
    for _ in range(bilinear_levels(L) - 1):
        pw.append(pw[-1] @ pw[-1])
    h = 0.25
    W = rng.standard_normal((p, nobs, m))
    ch = Chunk(np.zeros((p, m, m)), np.arange(m), np.zeros(0, dtype=int), W, {round(h, 12): pw}, bounds,
               np.arange(p))
    x = rng.standard_normal((p, m))
    emit = np.empty((p, nobs, L))
    y = propagate_bilinear(ch, x, L, h, emit)
    ref, v = np.empty_like(emit), x
    for i in range(L):
        v = (E @ v[..., None])[..., 0]
        ref[:, :, i] = (W @ v[..., None])[..., 0]
    scale = np.abs(ref).max(axis=2, keepdims=True)
    assert np.all(np.abs(emit - ref) <= 1e-10 * scale)
    np.testing.assert_allclose(y, v, rtol=1e-9, atol=1e-12 * np.abs(x).max())
