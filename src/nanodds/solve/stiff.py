"""Stiff solver for models with saturable (capacity-limited) MPS uptake.

Two back-ends, cross-checked against each other in the tests: the compiled variable-order BDF of
:mod:`nanodds.solve.bdf_kernel` (default) and ``scipy.integrate.solve_ivp`` (``BDF`` or ``Radau``), which also
takes over any segment the compiled stepper fails on.

``y' = K y + r`` minus, for each capacity-limited transfer j, ``k_j min(1, y_pc_j / cap_j) y_src_j``
moved back from its destination to its source (K holds the unsaturated transfer). The
state is augmented with its integral ``S`` and with
``S2 = int S`` so that AUC and AUMC come out of the same integration (no trapezoid). The Jacobian is
analytic. Tails beyond the last time use the linear system with the saturation frozen at its final value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from nanodds.model.structure import Model
from nanodds.solve.linear import _Block, breakpoints, input_rate
from nanodds.solve.solution import Solution, same_time_tol_h
from nanodds.specs.regimen import DoseEvent

if TYPE_CHECKING:
    import scipy.sparse as sp

COMPILED = "compiled"
"""The compiled BDF back-end (:mod:`nanodds.solve.bdf_kernel`); ``Solution.method`` names it ``bdf-numba``."""
AHEAD_OF_TIME = "compiled-aot"
"""The same kernel compiled ahead of time (:mod:`nanodds.solve.bdf_aot`; ``Solution.method`` ``bdf-aot``), which
imports no numba; scipy's :data:`ONE_SHOT_FALLBACK` when that module is not built (a build is then started in
the background, see :func:`nanodds.solve.bdf_aot.start_background_build`)."""
ONE_SHOT_FALLBACK = "BDF"
"""scipy method of :data:`AHEAD_OF_TIME` when the ahead-of-time module is absent."""
FALLBACK_METHOD = "Radau"
"""Method a segment is retried with when the requested one fails (the solution's ``method`` then names both)."""
MAX_STEPS_PER_H = 100_000
"""Bound on the compiled stepper's steps per hour of a segment (a runaway step-size control fails, then the
segment is retried with :data:`FALLBACK_METHOD`; ~10 steps per hour are taken on the examples)."""
RTOL = 1e-10
ATOL_REL = 1e-14  # absolute tolerance per mg dosed


class Saturation:
    """The capacity-limited transfers of a model: their saturated part, added back to ``dy/dt``. States ``y`` are
    one vector (n,) or a stack (m, n) (:func:`nanodds.analysis.peaks` evaluates slopes at many times at once)."""

    def __init__(self, model: Model) -> None:
        st = model.saturable
        self.src = np.array([s.src for s in st], dtype=int)
        self.dst = np.array([s.dst for s in st], dtype=int)
        self.pc = np.array([s.pc for s in st], dtype=int)
        self.k = np.array([s.rate_per_h for s in st])
        self.cap = np.array([s.capacity_mg for s in st])

    def occupancy(self, y: np.ndarray) -> np.ndarray:
        return np.clip(y[..., self.pc] / self.cap, 0.0, 1.0)

    def withdrawn(self, y: np.ndarray) -> np.ndarray:
        """Saturated part of each transfer (mg/h)."""
        return self.k * self.occupancy(y) * y[..., self.src]

    def apply(self, dy: np.ndarray, y: np.ndarray) -> None:
        f = self.withdrawn(y)
        np.add.at(dy.T, self.src, f.T)  # .T: the state axis first, for a vector and a stack alike
        np.subtract.at(dy.T, self.dst, f.T)

    def jac_sparse(self, y: np.ndarray, size: int) -> sp.csc_matrix:
        """Saturation part of the Jacobian as a sparse (size x size) matrix."""
        import scipy.sparse as sp

        occ = self.occupancy(y)
        inside = (y[self.pc] > 0) & (y[self.pc] < self.cap)
        dsrc = self.k * occ
        dpc = np.where(inside, self.k * y[self.src] / self.cap, 0.0)
        rows = np.concatenate([self.src, self.dst, self.src, self.dst])
        cols = np.concatenate([self.src, self.src, self.pc, self.pc])
        vals = np.concatenate([dsrc, -dsrc, dpc, -dpc])
        return sp.csc_matrix((vals, (rows, cols)), shape=(size, size))

    def frozen(self, K: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Rate matrix with the saturation held at its value in state ``y``."""
        Kf = K.copy()
        occ = self.occupancy(y)
        np.add.at(Kf, (self.src, self.src), self.k * occ)
        np.subtract.at(Kf, (self.dst, self.src), self.k * occ)
        return Kf


def _augmented_jacobian(K: np.ndarray, n: int) -> sp.csc_matrix:
    """Sparse Jacobian of (y, S, S2) without the saturation terms: [[K,0,0],[I,0,0],[0,I,0]]."""
    import scipy.sparse as sp

    eye = sp.identity(n, format="csc")
    zero = sp.csc_matrix((n, n))
    return sp.bmat([[sp.csc_matrix(K), zero, zero], [eye, zero, zero], [zero, eye, zero]], format="csc")


@lru_cache(maxsize=32)
def _lu_structure(pattern_bits: bytes, n: int) -> tuple[np.ndarray, ...]:
    """Elimination order and filled structure of a Newton-matrix pattern (cached by the pattern's content)."""
    from nanodds.solve.bdf_common import elimination_order

    pattern = np.unpackbits(np.frombuffer(pattern_bits, dtype=np.uint8), count=n * n).reshape(n, n)
    return elimination_order(pattern.astype(bool))


class _Compiled:
    """Per-solve inputs of the compiled stepper: saturation arrays and the Newton matrix's LU structure."""

    def __init__(self, model: Model, sat: Saturation, bps: np.ndarray, kernel: Any) -> None:
        n = model.n
        self.kernel = kernel
        pattern = np.eye(n, dtype=bool)
        for a in bps[:-1]:
            pattern |= model.k_at(float(a)) != 0
        for rows in (sat.src, sat.dst):
            pattern[rows, sat.src] = True
            pattern[rows, sat.pc] = True
        self.lu = _lu_structure(np.packbits(pattern).tobytes(), n)
        self.sat = (sat.k.astype(float), sat.cap.astype(float), sat.src.astype(np.int64),
                    sat.dst.astype(np.int64), sat.pc.astype(np.int64))

    def segment(self, K: np.ndarray, r: np.ndarray, z: np.ndarray, a: float, b: float, t_eval: np.ndarray,
                rtol: float, atol: float) -> tuple[bool, np.ndarray]:
        """Integrate ``[a, b]`` from ``z`` (overwritten with the end state); states at ``t_eval`` (< ``b``)."""
        from nanodds.solve.bdf_aot import call
        from nanodds.solve.bdf_common import OK

        nz = K != 0
        kp = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64)
        ki = np.nonzero(nz)[1].astype(np.int64)
        out = np.empty((len(t_eval), len(z)))
        stats = np.zeros(3, dtype=np.int64)
        max_steps = int(MAX_STEPS_PER_H * max(1.0, b - a))
        status = call(self.kernel, K, kp, ki, K[nz], r, *self.sat, *self.lu, z, a, b, t_eval, rtol, atol, max_steps,
                      out, stats)
        return status == OK, out


def solve_stiff(model: Model, events: Sequence[DoseEvent], t_grid: np.ndarray,
                method: str = COMPILED, rtol: float | None = None) -> Solution:
    """Integrate the nonlinear model with an implicit method and an analytic Jacobian.

    Parameters
    ----------
    method : str
        :data:`COMPILED` (the compiled BDF, default), :data:`AHEAD_OF_TIME` (the same kernel without numba, or
        scipy's BDF when it is not built) or a stiff ``scipy.integrate.solve_ivp`` method taking a sparse
        Jacobian (``BDF`` or ``Radau``).
    rtol : float
        Relative tolerance (default :data:`RTOL`; the mass balance holds to rounding whatever its value).

    A segment on which ``method`` fails is retried with scipy's :data:`FALLBACK_METHOD`; ``Solution.method`` is
    then e.g. ``"stiff-bdf-numba+radau"``.
    """
    t_grid = np.asarray(t_grid, dtype=float)
    events = tuple(events)
    n = model.n
    sat = Saturation(model)
    dv = model.dose_vector
    total = max(sum(e.amount_mg for e in events), 1e-300)
    atol = ATOL_REL * total * max(1.0, float(np.max(dv)))
    tol = RTOL if rtol is None else rtol
    z = np.zeros(3 * n)
    t_end = float(t_grid[-1])
    bps = breakpoints(events, model, t_end)
    kernel, name = _kernel(method)
    if kernel is None and method == AHEAD_OF_TIME:
        method = ONE_SHOT_FALLBACK
    compiled = _Compiled(model, sat, bps, kernel) if kernel is not None else None
    used = {name if compiled is not None else method.lower()}
    out = np.empty((len(t_grid), 3 * n))
    boluses = sorted((e.start_h, e.amount_mg) for e in events if e.duration_h == 0)
    bi = 0

    def apply_boluses(t: float) -> None:
        nonlocal bi
        while bi < len(boluses) and boluses[bi][0] <= t + same_time_tol_h(t):
            z[:n] += boluses[bi][1] * dv
            bi += 1

    apply_boluses(0.0)
    gi = 0
    if t_grid[0] == 0.0:
        out[0] = z
        gi = 1
    for a, b in pairwise(bps):
        K = model.k_at(a)
        r = input_rate(events, 0.5 * (a + b)) * dv
        j = gi
        while j < len(t_grid) and t_grid[j] < b - same_time_tol_h(b):
            j += 1
        if compiled is not None:
            z_try = z.copy()
            done, seg = compiled.segment(K, r, z_try, a, b, t_grid[gi:j], tol, atol)
            if done:
                out[gi:j] = seg
                z = z_try
            else:
                # the compiled stepper's step-size control gave up (e.g. at the kink of min(1, occupancy)
                # right after a bolus): scipy's implicit Runge-Kutta method takes the segment
                out[gi:j], z = _scipy_segment(K, r, sat, z, a, b, t_grid[gi:j], FALLBACK_METHOD, tol, atol)
                used.add(FALLBACK_METHOD.lower())
        else:
            seg, z, m_used = _scipy_segment_with_fallback(K, r, sat, z, a, b, t_grid[gi:j], method, tol, atol)
            out[gi:j] = seg
            used.add(m_used.lower())
        gi = j
        apply_boluses(b)
        if gi < len(t_grid) and abs(t_grid[gi] - b) <= same_time_tol_h(b):
            out[gi] = z
            gi += 1
    y, S, S2 = out[:, :n], out[:, n:2 * n], out[:, 2 * n:]
    aumc = t_end * S[-1] - S2[-1]
    sinks = model.sinks
    ns = np.setdiff1d(np.arange(n), sinks)
    blk = _Block(sat.frozen(model.k_at(t_end), y[-1]), ns, sinks)
    tail = np.full(n, np.inf)
    tail_u = np.full(n, np.inf)
    if blk.regular:
        st = -blk.solve(y[-1, ns])
        tail[ns] = st
        tail_u[ns] = -blk.solve(t_end * y[-1, ns] + st)
    dosed = {g: sum(e.amount_mg for e in events) * model.per_mg_group[g] for g in model.groups}
    return Solution(model, t_grid, y, S, aumc, tail, tail_u, dosed, "stiff-" + "+".join(sorted(used)), events)


def _kernel(method: str) -> tuple[Any, str]:
    """(``bdf_segment`` of ``method``, its name in ``Solution.method``), or (None, "") for scipy's methods and for
    :data:`AHEAD_OF_TIME` when its module is absent (whose build is then started in the background)."""
    if method == COMPILED:
        from nanodds.solve.bdf_kernel import bdf_segment

        return bdf_segment, "bdf-numba"
    if method == AHEAD_OF_TIME:
        from nanodds.solve import bdf_aot

        kernel = bdf_aot.load_kernel()
        if kernel is None:
            bdf_aot.start_background_build()
            return None, ""
        return kernel, "bdf-aot"
    return None, ""


def _scipy_segment(K: np.ndarray, r: np.ndarray, sat: Saturation, z: np.ndarray, a: float, b: float,
                   t_out: np.ndarray, method: str, rtol: float, atol: float) -> tuple[np.ndarray, np.ndarray]:
    """One segment with ``scipy.integrate.solve_ivp``: (states at ``t_out``, state at ``b``); raises on failure."""
    sol = _scipy_try(K, r, sat, z, a, b, t_out, method, rtol, atol)
    if not sol.success:
        raise RuntimeError(f"stiff solver failed on [{a}, {b}] h: {method}: {sol.message}")
    return sol.y[:, :-1].T, sol.y[:, -1].copy()


def _scipy_segment_with_fallback(K: np.ndarray, r: np.ndarray, sat: Saturation, z: np.ndarray, a: float,
                                 b: float, t_out: np.ndarray, method: str, rtol: float,
                                 atol: float) -> tuple[np.ndarray, np.ndarray, str]:
    """:func:`_scipy_segment` with ``method``, retried with :data:`FALLBACK_METHOD` if it fails."""
    sol = _scipy_try(K, r, sat, z, a, b, t_out, method, rtol, atol)
    if sol.success:
        return sol.y[:, :-1].T, sol.y[:, -1].copy(), method
    if method == FALLBACK_METHOD:
        raise RuntimeError(f"stiff solver failed on [{a}, {b}] h: {sol.message}")
    # BDF's step-size control can stall at the kink of min(1, occupancy) right after a bolus (e.g. free
    # doxorubicin, 2 mg/kg at 0 and 31 h in a mouse); the implicit Runge-Kutta method steps over it
    first = sol.message
    sol = _scipy_try(K, r, sat, z, a, b, t_out, FALLBACK_METHOD, rtol, atol)
    if not sol.success:
        raise RuntimeError(f"stiff solver failed on [{a}, {b}] h: {method}: {first}; {FALLBACK_METHOD}: "
                           f"{sol.message}")
    return sol.y[:, :-1].T, sol.y[:, -1].copy(), FALLBACK_METHOD


def _scipy_try(K: np.ndarray, r: np.ndarray, sat: Saturation, z: np.ndarray, a: float, b: float,
               t_out: np.ndarray, method: str, rtol: float, atol: float):  # scipy OdeResult
    from scipy.integrate import solve_ivp

    n = K.shape[0]

    def rhs(_t: float, zz: np.ndarray) -> np.ndarray:
        y = zz[:n]
        dy = K @ y + r
        sat.apply(dy, y)
        return np.concatenate([dy, y, zz[n:2 * n]])

    J_base = _augmented_jacobian(K, n)

    def jac(_t: float, zz: np.ndarray) -> sp.csc_matrix:
        return J_base + sat.jac_sparse(zz[:n], 3 * n)

    t_eval = np.concatenate([t_out, [b]])
    return solve_ivp(rhs, (a, b), z, method=method, jac=jac, t_eval=t_eval, rtol=rtol, atol=atol)
