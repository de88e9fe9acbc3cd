"""Exact solution of linear kinetics: matrix-exponential propagators and closed-form integrals.

Between breakpoints (dose starts/ends, stimulus windows) the system ``y' = K y + r`` has constant K and r.
With ``y_p = -K^{-1} r`` each output step is ``y(t+h) = y_p + expm(K h) (y(t) - y_p)``; the integral over a
step is ``K^{-1} (y1 - y0 - r h)`` and the first moment ``K^{-1} (t1 y1 - t0 y0 - S - r (t1^2 - t0^2)/2)``,
both exact. Sinks (elimination states) do not feed back and are accumulated from those integrals. The
tails to infinity are ``-K^{-1} y_T`` and ``-K^{-1} (T y_T + S_tail)``.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import scipy.linalg as sla

from nanodds.model.structure import Model
from nanodds.solve.solution import Solution, same_time_tol_h
from nanodds.specs.regimen import DoseEvent

COND_LIMIT = 1e13
"""Above this condition number the non-sink rate matrix is treated as singular (a non-eliminated state)."""
MAX_CACHE_BYTES = 64 * 2**20
"""Memory the default :class:`PropagatorCache` may hold (64 MiB: about 40 rate matrices of 100 states with
their factors and 16 propagators each); least recently used matrices are dropped beyond it."""
MAX_STEPS_PER_BLOCK = 64
"""Step lengths whose propagator ``expm(K h)`` one block keeps (oldest dropped)."""


def breakpoints(events: Sequence[DoseEvent], model: Model, t_end: float) -> np.ndarray:
    """Times where the input rate or the rate matrix changes, within [0, t_end]."""
    pts = {0.0, t_end}
    for e in events:
        pts.add(e.start_h)
        if e.duration_h > 0:
            pts.add(e.start_h + e.duration_h)
    for t0, _ in model.k_schedule:
        pts.add(t0)
    return np.array(sorted(p for p in pts if 0.0 <= p <= t_end))


def input_rate(events: Sequence[DoseEvent], t_mid: float) -> float:
    """Total infusion rate (mg/h) active at ``t_mid``."""
    return float(sum(e.rate_mg_per_h for e in events
                     if e.duration_h > 0 and e.start_h <= t_mid < e.start_h + e.duration_h))


class _Block:
    """Non-sink block of one rate matrix with its LU factors and propagator cache."""

    def __init__(self, K: np.ndarray, ns: np.ndarray, sinks: np.ndarray) -> None:
        self.K = K[np.ix_(ns, ns)]
        self.Ks = K[np.ix_(sinks, ns)]
        self.lu = None
        self.cond = np.inf
        if self.K.size:
            lu = sla.lu_factor(self.K, check_finite=False)
            rcond, _ = sla.lapack.dgecon(lu[0], np.linalg.norm(self.K, 1), norm="1")
            self.cond = 1.0 / rcond if rcond > 0 else np.inf
            if self.cond < COND_LIMIT:
                self.lu = lu
        self.regular = self.lu is not None
        # sinks' inflow per unit integral of the non-sink states, through K^-1: G = Ks K^-1
        self.G = sla.lu_solve(self.lu, self.Ks.T, trans=1).T if self.lu is not None else None
        self._expm: OrderedDict[float, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Memory held (bytes): the blocks, their factors and the cached propagators."""
        fixed = self.K.nbytes + self.Ks.nbytes
        if self.lu is not None:
            fixed += self.lu[0].nbytes + self.G.nbytes
        with self._lock:
            return fixed + sum(E.nbytes for E in self._expm.values())

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        assert self.lu is not None
        return sla.lu_solve(self.lu, rhs)

    def expm(self, h: float) -> np.ndarray:
        key = round(h, 12)
        with self._lock:
            E = self._expm.get(key)
        if E is None:
            E = sla.expm(self.K * h)
            E.flags.writeable = False
            with self._lock:
                self._expm[key] = E
                while len(self._expm) > MAX_STEPS_PER_BLOCK:
                    self._expm.popitem(last=False)
        return E

    def step_integrals(self, y0: np.ndarray, r: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray,
                                                                                 np.ndarray]:
        """Singular fallback: (y1, S, S2) from one augmented exponential (Van Loan)."""
        n = self.K.shape[0]
        A = np.zeros((3 * n + 1, 3 * n + 1))
        A[:n, :n] = self.K
        A[:n, n] = r
        A[n + 1:2 * n + 1, :n] = np.eye(n)
        A[2 * n + 1:, n + 1:2 * n + 1] = np.eye(n)
        z0 = np.concatenate([y0, [1.0], np.zeros(2 * n)])
        z = sla.expm(A * h) @ z0
        return z[:n], z[n + 1:2 * n + 1], z[2 * n + 1:]


class PropagatorCache:
    """LU factors and propagators of rate matrices, keyed by the matrix's content (thread-safe, bounded).

    The key is a BLAKE2 digest of the bytes of K and of the sink indices, so two models with equal numbers
    share an entry and a model never receives another's factors (an ``id()`` can be reused once an array is
    freed; content cannot collide short of a hash collision). Least recently used matrices are dropped
    when more than ``max_blocks`` are held or they hold more than ``max_bytes``; the block in use is kept.
    """

    def __init__(self, max_blocks: int | None = None, max_bytes: int = MAX_CACHE_BYTES) -> None:
        if max_blocks is not None and max_blocks < 1:
            raise ValueError(f"max_blocks must be >= 1, got {max_blocks}")
        self.max_blocks = max_blocks
        self.max_bytes = int(max_bytes)
        self._blocks: OrderedDict[bytes, _Block] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._blocks)

    @property
    def nbytes(self) -> int:
        with self._lock:
            blocks = list(self._blocks.values())
        return sum(b.nbytes for b in blocks)

    @staticmethod
    def key(K: np.ndarray, sinks: np.ndarray) -> bytes:
        h = hashlib.blake2b(digest_size=20)
        Kc = np.ascontiguousarray(K, dtype=float)
        s = np.ascontiguousarray(sinks, dtype=np.int64)
        h.update(np.array(Kc.shape, dtype=np.int64).tobytes())
        h.update(Kc.tobytes())
        h.update(s.tobytes())
        return h.digest()

    def block(self, K: np.ndarray, ns: np.ndarray, sinks: np.ndarray) -> _Block:
        """The factored non-sink block of ``K``, built on first use."""
        key = self.key(K, sinks)
        with self._lock:
            blk = self._blocks.get(key)
            if blk is not None:
                self._blocks.move_to_end(key)
                self.hits += 1
        if blk is None:
            blk = _Block(K, ns, sinks)
            with self._lock:
                self.misses += 1
                self._blocks[key] = blk
                self._blocks.move_to_end(key)
        self._evict()
        return blk

    def _evict(self) -> None:
        with self._lock:
            sizes = {k: b.nbytes for k, b in self._blocks.items()}
            total = sum(sizes.values())
            while len(self._blocks) > 1 and (total > self.max_bytes or (
                    self.max_blocks is not None and len(self._blocks) > self.max_blocks)):
                k, _ = self._blocks.popitem(last=False)
                total -= sizes[k]

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()


DEFAULT_CACHE = PropagatorCache()
"""The cache :func:`solve_linear` uses unless given one: repeated solves (fits, sweeps) reuse factors."""


def solve_linear(model: Model, events: Sequence[DoseEvent], t_grid: np.ndarray,
                 cache: PropagatorCache | None = None) -> Solution:
    """Solve a model with its saturable terms ignored, exactly.

    Parameters
    ----------
    model : Model
    events : sequence of DoseEvent
        Administrations (mg of drug; distributed by ``model.dose_vector``).
    t_grid : ndarray
        Output times (h), increasing, starting at 0.
    cache : PropagatorCache, optional
        Where LU factors and propagators are kept (default :data:`DEFAULT_CACHE`); the model is not
        touched.
    """
    t_grid = np.asarray(t_grid, dtype=float)
    events = tuple(events)
    n = model.n
    sinks = model.sinks
    ns = np.setdiff1d(np.arange(n), sinks)
    dv = model.dose_vector
    store = DEFAULT_CACHE if cache is None else cache

    def block_at(t: float) -> _Block:
        return store.block(model.k_at(t), ns, sinks)

    t_end = float(t_grid[-1])
    bps = breakpoints(events, model, t_end)
    y = np.zeros(n)
    S = np.zeros(n)
    U = np.zeros(n)
    out_y = np.empty((len(t_grid), n))
    out_S = np.empty((len(t_grid), n))
    boluses = sorted((e.start_h, e.amount_mg) for e in events if e.duration_h == 0)
    bi = 0

    def apply_boluses(t: float) -> None:
        nonlocal bi
        while bi < len(boluses) and boluses[bi][0] <= t + 1e-12:
            y[:] += boluses[bi][1] * dv
            bi += 1

    apply_boluses(0.0)
    gi = 0
    if t_grid[0] == 0.0:
        out_y[0], out_S[0] = y, S
        gi = 1
    for a, b in itertools.pairwise(bps):
        j = gi
        while j < len(t_grid) and t_grid[j] < b - same_time_tol_h(b):
            j += 1
        pts = np.concatenate([[a], t_grid[gi:j], [b]])
        blk = block_at(a)
        r = input_rate(events, 0.5 * (a + b)) * dv
        Yn, Sn, Un, Ysk, Ssk = _segment(blk, y[ns], r[ns], r[sinks], y[sinks], pts)
        seg_y = np.empty((len(pts) - 1, n))
        seg_S = np.empty((len(pts) - 1, n))
        seg_y[:, ns], seg_y[:, sinks] = Yn, Ysk
        seg_S[:, ns] = S[ns] + Sn
        seg_S[:, sinks] = S[sinks] + Ssk
        out_y[gi:j], out_S[gi:j] = seg_y[:-1], seg_S[:-1]
        y, S = seg_y[-1].copy(), seg_S[-1].copy()
        U[ns] += Un
        gi = j
        apply_boluses(b)
        if gi < len(t_grid) and abs(t_grid[gi] - b) <= same_time_tol_h(b):
            out_y[gi], out_S[gi] = y, S
            gi += 1
    blk = block_at(t_end)
    tail = np.full(n, np.inf)
    tail_u = np.full(n, np.inf)
    if blk.regular:
        yT = y[ns]
        st = -blk.solve(yT)
        tail[ns] = st
        tail_u[ns] = -blk.solve(t_end * yT + st)
    dosed = {g: sum(e.amount_mg for e in events) * model.per_mg_group[g] for g in model.groups}
    return Solution(model, t_grid, out_y, out_S, U, tail, tail_u, dosed, "linear-expm", events)


def _propagate(blk: _Block, dev: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """``dev_k = expm(K h_k) ... expm(K h_1) dev`` for every k (rows), runs of equal steps by doubling.

    A run of L equal steps costs log2(L) squarings and matrix products instead of L matrix-vector products
    in Python; the powers are exact to rounding (the propagator is exact for any step).
    """
    out = np.empty((len(hs), dev.size))
    keys = np.round(hs, 12)
    k = 0
    while k < len(hs):
        j = k + 1
        while j < len(hs) and keys[j] == keys[k]:
            j += 1
        E = blk.expm(float(hs[k]))
        L = j - k
        run = out[k:j]
        run[0] = E @ dev
        filled, P = 1, E
        while filled < L:
            take = min(filled, L - filled)
            run[filled:filled + take] = run[:take] @ P.T
            filled += take
            if filled < L:
                P = P @ P
        dev = run[-1]
        k = j
    return out


def _segment(blk: _Block, y0: np.ndarray, r: np.ndarray, r_sink: np.ndarray, sink0: np.ndarray,
             pts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Propagate over the points ``pts`` (constant K and input) with exact integrals.

    Returns the non-sink states at ``pts[1:]``, their cumulative integrals since ``pts[0]``, the first
    moment over the whole segment, the sink amounts and the sinks' cumulative integrals.
    With ``G = Ks K^-1``: ``S(t) = K^-1 (y(t) - y0 - r (t - a))``, sinks ``s0 + Ks S(t) + r_s (t - a)``,
    ``int S = K^-1 (S(t) - y0 (t - a) - r (t - a)^2 / 2)``.
    """
    hs = np.diff(pts)
    a, b = float(pts[0]), float(pts[-1])
    if blk.regular:
        yp = -blk.solve(r) if np.any(r) else np.zeros_like(y0)
        Y = _propagate(blk, y0 - yp, hs) + yp
        tau = pts[1:] - a
        S = blk.solve((Y - y0 - np.outer(tau, r)).T).T
        u = blk.solve(b * Y[-1] - a * y0 - S[-1] - r * (b * b - a * a) / 2.0)
        G = blk.G
        sink_pts = sink0 + S @ blk.Ks.T + np.outer(tau, r_sink)
        int_S = (S - np.outer(tau, y0) - np.outer(tau * tau / 2.0, r)) @ G.T  # Ks int S
        sink_int = np.outer(tau, sink0) + int_S + np.outer(tau * tau / 2.0, r_sink)
        return Y, S, u, sink_pts, sink_int
    m = len(hs)
    Y = np.empty((m + 1, y0.size))
    Y[0] = y0
    s = np.empty((m, y0.size))
    uu = np.empty((m, y0.size))
    for k, h in enumerate(hs):
        Y[k + 1], s[k], s2 = blk.step_integrals(Y[k], r, h)
        uu[k] = pts[k] * s[k] + (h * s[k] - s2)
    inflow = s @ blk.Ks.T + np.outer(hs, r_sink)
    sink_pts = sink0 + np.cumsum(inflow, axis=0)
    # int over a step of sink(t) = sink(t0) h + Ks int_t0^t1 int_t0^t y + r_s h^2/2 ;
    # int_t0^t1 int_t0^t y = t1 s - u
    sink_prev = np.vstack([sink0, sink_pts[:-1]])
    t1 = pts[1:]
    ss = sink_prev * hs[:, None] + (t1[:, None] * s - uu) @ blk.Ks.T + np.outer(hs * hs / 2.0, r_sink)
    return Y[1:], np.cumsum(s, axis=0), uu.sum(axis=0), sink_pts, np.cumsum(ss, axis=0)
