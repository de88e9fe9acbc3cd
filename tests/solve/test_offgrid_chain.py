"""Off-grid propagators applied as vector products along the squaring chain, against the matrices they replace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.solve.batched_blocks import Chunk
from nanodds.solve.block_expm import expm_steps
from nanodds.solve.block_taylor import taylor_steps_applied


def _compartmental(rng: np.random.Generator, p: int, bounds: list[int], scale: float) -> np.ndarray:
    """Random block lower-triangular rate matrices (transfers >= 0, columns losing what they give, plus loss)."""
    m = bounds[-1]
    K = rng.exponential(scale, size=(p, m, m)) * (rng.random((p, m, m)) < 0.4)
    for i in range(len(bounds) - 1):
        K[:, bounds[i]:bounds[i + 1], bounds[i + 1]:] = 0.0
    K[:, np.arange(m), np.arange(m)] = 0.0
    K[:, np.arange(m), np.arange(m)] = -K.sum(axis=1) - rng.exponential(scale, size=(p, m))
    return K


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([[0, 5], [0, 3, 7], [0, 9, 12, 20]]), st.floats(-2.0, 3.5),
       st.sampled_from([0.0123, 0.168, 1.0]), st.sampled_from([0, 3, 7]),
       st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3))
def test_vector_chain_matches_the_matrix_propagator(seed: int, bounds: list[int], log_scale: float, h: float,
                                                    extra: int, fracs: list[float]) -> None:
    rng = np.random.default_rng(seed)
    K = _compartmental(rng, 3, bounds, 10.0**log_scale)
    deltas = [f * h * 2.0**extra for f in fracs]
    vecs = [rng.standard_normal((3, bounds[-1])) for _ in deltas]
    pw, moved = taylor_steps_applied(K, bounds, h, extra, list(zip(deltas, vecs, strict=True)))
    ref_pw = expm_steps(K, bounds, [h], [extra], method="taylor")[0]
    assert len(pw) == extra + 1
    for a, b in zip(pw, ref_pw, strict=True):  # the powers themselves are those of the matrix path, bit for bit
        np.testing.assert_array_equal(a, b)
    for d, v, u in zip(deltas, vecs, moved, strict=True):
        for p in range(3):
            ref = sla.expm(K[p] * d) @ v[p]
            assert np.max(np.abs(u[p] - ref)) <= 1e-11 * max(np.max(np.abs(v[p])), np.max(np.abs(ref)))


def test_vector_chain_uses_the_bits_of_the_scaled_step() -> None:
    """Deltas on exact multiples of the scaled step ``g`` (no Taylor part) and just off them agree with expm."""
    rng = np.random.default_rng(3)
    K = _compartmental(rng, 2, [0, 4, 9], 300.0)  # ||K h|| >> 1: many squarings
    h = 0.168
    _, s_moved = taylor_steps_applied(K, [0, 4, 9], h, 2, [(h, np.ones((2, 9)))])
    for p in range(2):
        np.testing.assert_allclose(s_moved[0][p], sla.expm(K[p] * h) @ np.ones(9), rtol=1e-10, atol=1e-13)
    for frac in (0.25, 0.5, 0.75, 0.5 + 1e-9, 3.0, 4.0):
        _, moved = taylor_steps_applied(K, [0, 4, 9], h, 2, [(frac * h, np.ones((2, 9)))])
        for p in range(2):
            ref = sla.expm(K[p] * frac * h) @ np.ones(9)
            assert np.max(np.abs(moved[0][p] - ref)) <= 1e-11 * max(1.0, np.max(np.abs(ref)))


def test_delta_beyond_the_chain_is_refused() -> None:
    K = _compartmental(np.random.default_rng(0), 1, [0, 3], 1.0)
    with pytest.raises(ValueError, match="delta"):
        taylor_steps_applied(K, [0, 3], 0.5, 1, [(2.5, np.ones((1, 3)))])
    with pytest.raises(ValueError, match="delta"):
        taylor_steps_applied(K, [0, 3], 0.5, 1, [(-0.1, np.ones((1, 3)))])


def test_chunk_offgrid_vector_path_matches_the_cached_matrix_path() -> None:
    """A chunk of its own patients applies E(delta) as vectors; a shared K already cached forms E(delta)."""
    rng = np.random.default_rng(5)
    bounds = [0, 6, 10]
    K = _compartmental(rng, 4, bounds, 50.0)
    W = rng.random((1, 2, 10))
    ns, sinks = np.arange(10), np.zeros(0, dtype=int)
    pairs = [(0.01, rng.random((4, 10))), (0.1, rng.random((4, 10)))]
    fresh = Chunk(K, ns, sinks, W, {}, bounds)
    moved = fresh.offgrid(0.168, 3, pairs)
    cached = Chunk(K, ns, sinks, W, {}, bounds)
    cached.prepare(np.array([0.168]), {round(0.168, 12): 3})  # E(h) already there: the matrix fallback
    ref = cached.offgrid(0.168, 3, pairs)
    for a, b in zip(moved, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)
    assert len(fresh.powers(0.168, 3)) == 3
    np.testing.assert_array_equal(fresh.powers(0.168, 3)[2], cached.powers(0.168, 3)[2])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([0, 2, 7]))
def test_scratch_chain_equals_the_fresh_chain_across_models_in_one_thread(seed: int, extra: int) -> None:
    """The private path (root, squarings and powers in the thread's workspace) gives the fresh path's powers and
    vectors bit for bit, for models of one size but other block bounds solved in turn in the same thread."""
    rng = np.random.default_rng(seed)
    models = [(_compartmental(rng, 3, b, 10.0 ** rng.uniform(-1, 3)), b) for b in ([0, 9, 20], [0, 14, 20], [0, 20])]
    for K, bounds in models + models[::-1]:
        v = rng.standard_normal((3, 20))
        pairs = [(0.0611, v), (0.168 * 2**extra, v)]
        pw, moved = taylor_steps_applied(K, bounds, 0.168, extra, pairs, scratch=True)
        pw, moved = [a.copy() for a in pw], [u.copy() for u in moved]  # valid until this thread's next call
        ref_pw, ref_moved = taylor_steps_applied(K, bounds, 0.168, extra, pairs)
        for a, b in zip(pw + moved, ref_pw + ref_moved, strict=True):
            np.testing.assert_array_equal(a, b)
