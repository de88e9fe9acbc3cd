"""Structure for the batched exact solver: relevant states, block-triangular order and block ``expm``.

* :func:`relevant_states`: only states that can reach an observed state (through the union of all
  patients' transfers) influence the observables; the others (in the linear Doxil model the whole
  ``carrier:*`` block: carrier kinetics never feed the drug states unless saturation couples them) are
  dropped before any matrix work. The kept set is closed under inflow, so the kept subsystem is exact.
  Given the dosed states, states that no dose reaches are dropped too: they stay exactly zero from a zero start
  (in the Doxil model the encapsulated interstitium of the nine organs whose continuous endothelium a 100 nm
  liposome does not cross, 9 of 61 states), and what they would send on is zero.
* :func:`block_order`: strongly connected components of the transfer graph in topological order, merged
  into a few consecutive groups, make K block lower-triangular (encapsulated core -> encapsulated
  interstitial/phagocyte states -> free drug); products, solves and exponentials of such matrices stay
  block lower-triangular, so only the ``nb (nb+1)/2`` lower blocks are ever computed.
* :func:`nanodds.solve.block_expm.expm_steps` (block arithmetic and Pade ``expm``, in its own module)
  gives ``expm(K h)`` for several step sizes of one stack of patients.
* :class:`Chunk`, :func:`propagate` (runs of equal steps), :func:`propagate_bilinear` (observables of a long
  run as one product ``(A E^(qc)) (E^(j+1) x)``) for :mod:`nanodds.solve.batched` and
  :mod:`nanodds.solve.batched_uniform` (uniform grids: dose responses superposed).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from nanodds.solve.block_expm import expm_steps, inverse, solve_lower
from nanodds.solve.block_taylor import taylor_steps_applied
from nanodds.solve.dense_blocks import workspace

BLOCK = 32
"""Output steps advanced per batched matmul in a run of equal steps (a power of two)."""
MIN_BLOCK = 16
"""Consecutive strongly connected components are merged until a block has at least this many states."""

_TOL = 1e-12
FINE_LOG2 = (4, 6)
"""A chunk keeps ``expm(K h / 16)`` and ``expm(K h / 256)`` of its output step h (:meth:`Chunk.fine`): the steps
of the exact values between output times where a peak is refined, in two rounds
(:mod:`nanodds.solve.batched_peaks`; 16 as ``analysis.peaks.PEAK_WINDOW_POINTS``)."""
EXPM_METHOD = "taylor"
"""Propagators of the linear population path: degree-20 Taylor (products only; ~15 % less CPU than the Pade-13
path, whose batched solve of small matrices is slow; same accuracy, tested against scipy's expm)."""


def relevant_states(pattern: np.ndarray, observed: np.ndarray, sources: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the states that reach an observed state; ``pattern[i, j]``: transfer j -> i.

    ``sources`` (bool, optional): the states a dose enters; then only the states that are also reached from a
    source are kept. From a zero start the others stay exactly zero, whatever the rates: nothing flows into them
    from a state that is ever nonzero, so dropping them (and their outflow, zero times a rate) changes no
    observable. The kept set is then closed under inflow from any nonzero state.
    """
    pat = pattern.copy()
    np.fill_diagonal(pat, False)
    keep = observed.copy()
    while True:
        new = keep | pat[keep].any(axis=0)
        if np.array_equal(new, keep):
            break
        keep = new
    if sources is None:
        return keep
    reached = np.asarray(sources, dtype=bool).copy()
    while True:
        new = reached | pat[:, reached].any(axis=1)
        if np.array_equal(new, reached):
            return keep & reached
        reached = new


def block_order(pattern: np.ndarray, min_block: int = MIN_BLOCK) -> tuple[np.ndarray, list[int]]:
    """Permutation and block bounds making a matrix with nonzeros ``pattern`` block lower-triangular.

    Returns ``order`` (indices into the states) and ``bounds`` ``[0, b1, ..., m]`` in the new order.
    """
    m = len(pattern)
    if m == 0:
        return np.arange(0), [0, 0]
    ncomp, lab = connected_components(csr_matrix(pattern), directed=True, connection="strong")
    dep = np.zeros((ncomp, ncomp), dtype=bool)  # dep[a, b]: component a receives from component b
    ii, jj = np.nonzero(pattern)
    dep[lab[ii], lab[jj]] = True
    np.fill_diagonal(dep, False)
    done = np.zeros(ncomp, dtype=bool)
    topo: list[int] = []
    first = np.full(ncomp, m)
    np.minimum.at(first, lab, np.arange(m))  # a component's smallest state: labels play no part in the order,
    by_first = np.argsort(first)  # so a pattern already in this order gives the identity (see solver_structure)
    while len(topo) < ncomp:  # Kahn; ready components by their smallest state
        ready = [int(c) for c in by_first if not done[c] and not dep[c][~done].any()]
        for c in ready:
            done[c] = True
        topo.extend(ready)
    order: list[int] = []
    bounds = [0]
    for c in topo:
        order.extend(np.flatnonzero(lab == c).tolist())
        if len(order) - bounds[-1] >= min_block:
            bounds.append(len(order))
    if bounds[-1] != m:
        if len(bounds) > 1 and m - bounds[-1] < min_block // 2:
            bounds[-1] = m
        else:
            bounds.append(m)
    return np.array(order, dtype=int), bounds


def solver_structure(pattern: np.ndarray, observed: np.ndarray, sinks: np.ndarray,
                     sources: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    """States of the exact linear solve and their block lower-triangular order (memoised by content).

    Parameters
    ----------
    pattern : ndarray of bool, shape (n, n)
        Transfers ``j -> i`` present in some patient.
    observed : ndarray of bool, shape (n,)
        States some observable weighs.
    sinks : ndarray of int
        Elimination states.
    sources : ndarray of bool, shape (n,), optional
        States some dose enters (from a zero start); default: every state may hold drug.

    Returns
    -------
    ns : ndarray of int
        Kept non-sink states (those that reach an observed state and, given ``sources``, are reached from a
        dose), in block lower-triangular order.
    kept_sinks : ndarray of int
        The sinks among the kept states.
    unordered : ndarray of int
        ``ns`` in increasing order (for the elimination check).
    bounds : tuple of int
        Block bounds in the order of ``ns`` (immutable, like the read-only arrays: the result is shared).

    A pattern already in this order (``ns`` first, then the kept sinks) gives ``ns = 0 .. len(ns) - 1`` and the
    kept sinks right after: :class:`Chunk` then takes its blocks as views, with no gather.
    """
    pattern = np.ascontiguousarray(pattern, dtype=bool)
    observed = np.ascontiguousarray(observed, dtype=bool)
    sinks = np.ascontiguousarray(sinks, dtype=np.int64)
    src = None if sources is None else np.ascontiguousarray(sources, dtype=bool).tobytes()
    return _structure(pattern.tobytes(), pattern.shape[0], observed.tobytes(), sinks.tobytes(), src)


@lru_cache(maxsize=64)
def _structure(pattern_b: bytes, n: int, observed_b: bytes, sinks_b: bytes,
               sources_b: bytes | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    pattern = np.frombuffer(pattern_b, dtype=bool).reshape(n, n)
    observed = np.frombuffer(observed_b, dtype=bool)
    sinks = np.frombuffer(sinks_b, dtype=np.int64)
    sources = None if sources_b is None else np.frombuffer(sources_b, dtype=bool)
    keep = relevant_states(pattern, observed, sources)
    unordered = np.setdiff1d(np.flatnonzero(keep), sinks)
    order, bounds = block_order(pattern[np.ix_(unordered, unordered)])
    out = (unordered[order], sinks[keep[sinks]], unordered)
    for a in out:
        a.setflags(write=False)
    return (*out, tuple(bounds))


class Chunk:
    """Constant per-chunk data: blocks of K, effective observable weights and a propagator cache."""

    def __init__(self, K: np.ndarray, ns: np.ndarray, sinks: np.ndarray, W: np.ndarray,
                 cache: dict[float, list[np.ndarray]], bounds: Sequence[int], rows: np.ndarray | None = None,
                 private: bool = False) -> None:
        """``rows``: the patients of K and W (a shared K or W, leading 1, is kept whole); one gather each.
        ``private``: the cache is this chunk's alone (its propagators may live in the thread's workspace)."""
        self.private = private
        self.bounds = bounds
        pk = slice(None) if rows is None or K.shape[0] == 1 else rows[:, None, None]
        pw = slice(None) if rows is None or W.shape[0] == 1 else rows[:, None, None]
        contiguous = rows is not None and len(rows) > 0 and bool(np.all(np.diff(rows) == 1))
        mn, ms = len(ns), len(sinks)
        if np.array_equal(ns, np.arange(mn)) and np.array_equal(sinks, np.arange(mn, mn + ms)) and \
                (rows is None or contiguous):  # states already in the solver's order: views, no gather
            pk = slice(None) if rows is None or K.shape[0] == 1 else slice(rows[0], rows[-1] + 1)
            pw = slice(None) if rows is None or W.shape[0] == 1 else slice(rows[0], rows[-1] + 1)
            self.Kn, self.Ks = K[pk, :mn, :mn], K[pk, mn:mn + ms, :mn]
            self.Wn, self.Ws = W[pw, :, :mn], W[pw, :, mn:mn + ms]
        else:
            if contiguous and K.shape[0] > 1:
                n = K.shape[1]  # contiguous patients: one take of the flat entries (~4x faster than 3-d indexing)
                flat = K[rows[0]:rows[-1] + 1].reshape(len(rows), n * n)
                self.Kn = np.take(flat, (ns[:, None] * n + ns).ravel(), axis=1).reshape(len(rows), mn, mn)
                self.Ks = np.take(flat, (sinks[:, None] * n + ns).ravel(), axis=1).reshape(len(rows), ms, mn)
            else:
                self.Kn = K[pk, ns[:, None], ns]  # (p, m, m) gathered at once: no copy of the full K
                self.Ks = K[pk, sinks[:, None], ns]
            self.Wn = W[pw, np.arange(W.shape[1])[:, None], ns]  # (1 or p, nobs, m)
            self.Ws = W[pw, np.arange(W.shape[1])[:, None], sinks]
        WsKs = self.Ws @ self.Ks  # (1 or p, nobs, m); zero unless an observable weighs a sink
        if np.any(WsKs != 0):  # W_s Ks K^{-1} = (K^{-T} (W_s Ks)^T)^T
            self.WG = np.swapaxes(solve_lower(self.Kn, bounds, np.swapaxes(WsKs, 1, 2), transpose=True), 1, 2)
        else:
            self.WG = np.zeros((1, *WsKs.shape[1:]))
        self.A = self.Wn + self.WG
        self._Kinv: np.ndarray | None = None
        self._powers = cache
        self._fine: dict[tuple[float, int], np.ndarray] = {}

    @property
    def Kinv(self) -> np.ndarray:
        """``K^{-1}`` of the non-sink block (p, m, m), computed on first use (block forward substitution)."""
        if self._Kinv is None:
            self._Kinv = inverse(self.Kn, self.bounds)
        return self._Kinv

    def solve(self, R: np.ndarray) -> np.ndarray:
        """``K^{-1} R`` for vectors R (p, m) or (p, m, k), without forming the inverse."""
        if self._Kinv is not None:
            return np.matmul(self._Kinv, R) if R.ndim == 3 else mv(self._Kinv, R)
        if R.ndim == 2:
            return solve_lower(self.Kn, self.bounds, R[..., None])[..., 0]
        return solve_lower(self.Kn, self.bounds, R)

    def prepare(self, hs: np.ndarray, counts: dict[float, int] | None = None) -> None:
        """Compute the propagators of all runs of ``hs`` at once (shared ``K^2, K^4, K^6``); ``counts``:
        number of powers wanted for a step size (default from the run length)."""
        need: dict[float, tuple[float, int]] = {}
        for _, L, h in _runs(hs):
            key = round(h, 12)
            cnt = max(_levels(L), (counts or {}).get(key, 0))
            if len(self._powers.get(key, ())) < cnt and need.get(key, (h, 0))[1] < cnt:
                need[key] = (h, cnt)
        todo = [(k, h, c) for k, (h, c) in need.items() if k not in self._powers]
        if todo:
            out = expm_steps(self.Kn, self.bounds, [h for _, h, _ in todo], [c - 1 for _, _, c in todo],
                             method=EXPM_METHOD)
            for (k, _, _), pw in zip(todo, out, strict=True):
                self._powers[k] = pw

    def offgrid(self, h: float, count: int, pairs: Sequence[tuple[float, np.ndarray]]) -> list[np.ndarray]:
        """Cache ``[E, E^2, ...]`` (``count`` entries, ``E = expm(K h)``) and return ``expm(K delta) v`` for each
        ``(delta, v)`` of ``pairs`` (``0 < delta < h``, ``v`` (p, m)).

        With the Taylor path and ``E`` not yet cached (a chunk of its own patients) the off-grid propagators are
        applied as vector products along ``E``'s squaring chain (:func:`block_taylor.taylor_steps_applied`), never
        formed; otherwise (a shared K already cached, or the Pade path) as the matrices ``expm(K delta)``.
        """
        key = round(h, 12)
        if EXPM_METHOD == "taylor" and key not in self._powers:
            fine: dict[int, np.ndarray] = {}
            pw, moved = taylor_steps_applied(self.Kn, self.bounds, h, count - 1, pairs, scratch=self.private,
                                             fine_out=fine, fine_log2=FINE_LOG2)
            self._powers[key] = pw
            self._fine.update({(key, lv): F for lv, F in fine.items()})
            return moved
        self.prepare(np.array([h, *(d for d, _ in pairs)]), {key: count})
        return [mv(self.powers(d, 1)[0], v) for d, v in pairs]

    def fine(self, h: float, level: int = FINE_LOG2[0]) -> np.ndarray:
        """``expm(K h / 2^level)`` (p, m, m): kept from ``E``'s own squaring chain when :meth:`offgrid` built it
        (levels :data:`FINE_LOG2`), else computed now."""
        key = (round(h, 12), level)
        if key not in self._fine:
            self._fine[key] = expm_steps(self.Kn, self.bounds, [h / 2.0**level], method=EXPM_METHOD)[0][0]
        return self._fine[key]

    def powers(self, h: float, count: int) -> list[np.ndarray]:
        """``[E, E^2, E^4, ...]`` with ``E = expm(K h)``, at least ``count`` entries (<= log2 BLOCK + 1)."""
        key = round(h, 12)
        pw = self._powers.get(key)
        if pw is None:
            pw = expm_steps(self.Kn, self.bounds, [h], method=EXPM_METHOD)[0]
            self._powers[key] = pw
        while len(pw) < count:
            pw.append(pw[-1] @ pw[-1])
        return pw


def _runs(hs: np.ndarray):
    """Runs of equal steps: (start, length, h)."""
    keys = np.round(hs, 12)
    k, m = 0, len(hs)
    while k < m:
        end = k + 1
        while end < m and keys[end] == keys[k]:
            end += 1
        yield k, end - k, float(hs[k])
        k = end


def _levels(L: int) -> int:
    return 1 if L < 4 else min(int(np.log2(BLOCK)) + 1, int(np.ceil(np.log2(L))) + 1)


def propagate(ch: Chunk, dev: np.ndarray, hs: np.ndarray, emit: np.ndarray) -> np.ndarray:
    """Advance ``dev`` (p, m) over the steps ``hs``; ``emit[:, k]`` receives ``A @ dev`` after step k
    (shape (p, nobs, len(hs))). Returns the final ``dev``."""
    for k, L, h in _runs(hs):
        end = k + L
        if L < 4:
            E = ch.powers(h, 1)[0]
            for i in range(k, end):
                dev = np.matmul(E, dev[..., None])[..., 0]
                emit[:, :, i] = np.matmul(ch.A, dev[..., None])[..., 0]
        else:
            pw = ch.powers(h, _levels(L))
            # doubling: V holds E^1 d ... E^c d as columns; E^c V gives the next c
            V = np.matmul(pw[0], dev[..., None])
            lev = 0
            while V.shape[2] < min(L, BLOCK):
                V = np.concatenate([V, pw[lev] @ V], axis=2)
                lev += 1
            c = V.shape[2]
            done = 0
            while True:
                take = min(c, L - done)
                emit[:, :, k + done:k + done + take] = ch.A @ V[:, :, :take]
                done += take
                if done >= L:
                    dev = V[:, :, take - 1].copy()
                    break
                V = pw[lev] @ V  # pw[lev] = E^c
    return dev


def mv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Batched matrix-vector product ``M[p] @ v[p]`` (M may have a leading 1)."""
    return np.matmul(M, v[..., None])[..., 0]


BILINEAR_C = 128
"""Columns ``E^1 x .. E^c x`` of the bilinear read-out (a power of two)."""


def bilinear_levels(L: int) -> int:
    """Powers ``E^(2^j)`` needed by :func:`propagate_bilinear` for a run of ``L`` steps."""
    return int(np.log2(BILINEAR_C)) + 1


@lru_cache(maxsize=64)
def _triangular_plan(bounds: tuple[int, ...]) -> tuple[tuple[tuple[slice, slice], ...],
                                                       tuple[tuple[slice, slice], ...]]:
    """Slices for products with a block lower-triangular matrix M of ``bounds``, skipping its zero upper blocks.

    ``rows``: ``(inner, cols)`` per column block j (``R M`` restricted to columns ``cols`` is ``R[:, inner] M[inner,
    cols]``, ``inner = bounds[j]:``); ``columns``: ``(rows, inner)`` per row block i (``M V`` restricted to ``rows``
    is ``M[rows, inner] V[inner]``, ``inner = :bounds[i+1]``). One block: the whole product.
    """
    nb = len(bounds) - 1
    rows = tuple((slice(bounds[j], bounds[-1]), slice(bounds[j], bounds[j + 1])) for j in range(nb))
    cols = tuple((slice(bounds[i], bounds[i + 1]), slice(0, bounds[i + 1])) for i in range(nb))
    return rows, cols


def propagate_bilinear(ch: Chunk, x: np.ndarray, L: int, h: float, emit: np.ndarray) -> np.ndarray:
    """``emit[:, :, i] = A E^(i+1) x`` for ``i < L`` (E = expm(K h)); returns ``E^L x``.

    Only observables are needed on the grid: with ``i = q c + j`` they are ``(A E^(qc))_o (E^(j+1) x)``, one
    batched product of the ``nobs nq x m`` rows ``A E^(qc)`` (``nq = ceil(L/c)`` products ``nobs x m x m``)
    with the ``m x c`` columns ``E^(j+1) x`` (doubling with ``E, E^2, ..., E^(c/2)``), whose result is already
    in (observable, time) order: about ``nobs m + (c + nobs nq) m^2 / L`` per step and patient instead of
    ``m^2 + nobs m``.
    """
    c = BILINEAR_C
    p, nobs, m = x.shape[0], ch.A.shape[1], x.shape[1]
    nq = -(-L // c)
    pw = ch.powers(h, bilinear_levels(L))
    Ec = pw[int(np.log2(c))]
    # rows q nobs + o = (A E^(qc))_o, each group of nobs rows written in place (no stacking or transposes)
    row_blocks, col_blocks = _triangular_plan(tuple(ch.bounds))
    B = workspace("bilinear_rows", (p, nq * nobs, m))
    B[:, :nobs] = ch.A
    for q in range(1, nq):  # row times block lower-triangular: column block j needs only rows bounds[j]: of Ec
        prev, nxt = B[:, (q - 1) * nobs:q * nobs], B[:, q * nobs:(q + 1) * nobs]
        for inner, cols in row_blocks:
            np.matmul(prev[:, :, inner], Ec[:, inner, cols], out=nxt[:, :, cols])
    V = workspace("bilinear_columns", (p, m, c))  # columns E^1 x .. E^c x, filled by doubling in place
    V[:, :, 0] = mv(pw[0], x)
    k = 1
    while k < c:  # block lower-triangular times columns: row block i needs only rows :bounds[i+1] of V
        P = pw[k.bit_length() - 1]
        for rows, inner in col_blocks:
            np.matmul(P[:, rows, inner], V[:, inner, :k], out=V[:, rows, k:2 * k])
        k *= 2
    for q in range(nq):  # straight into the output (strided views are BLAS operands)
        take = min(c, L - q * c)
        np.matmul(B[:, q * nobs:(q + 1) * nobs], V[:, :, :take], out=emit[:, :, q * c:q * c + take])
    r = L - (nq - 1) * c
    y = V[:, :, r - 1].copy()  # V is this thread's workspace
    for _ in range(nq - 1):
        y = mv(Ec, y)
    return y
