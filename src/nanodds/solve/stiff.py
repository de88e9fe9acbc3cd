"""Stiff solver for models with saturable (capacity-limited) MPS uptake.

``y' = K y + r`` minus, for each capacity-limited transfer j, ``k_j min(1, y_pc_j / cap_j) y_src_j``
moved back from its destination to its source (K holds the unsaturated transfer). The
state is augmented with its integral ``S`` and with
``S2 = int S`` so that AUC and AUMC come out of the same integration (no trapezoid). The Jacobian is
analytic. Tails beyond the last time use the linear system with the saturation frozen at its final value.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from nanodds.model.structure import Model
from nanodds.solve.linear import _Block, breakpoints, input_rate
from nanodds.solve.solution import Solution, same_time_tol_h
from nanodds.specs.regimen import DoseEvent

FALLBACK_METHOD = "Radau"
"""Method a segment is retried with when the requested one fails (the solution's ``method`` then names both)."""
RTOL = 1e-10
ATOL_REL = 1e-14  # absolute tolerance per mg dosed


class _Saturation:
    def __init__(self, model: Model) -> None:
        st = model.saturable
        self.src = np.array([s.src for s in st], dtype=int)
        self.dst = np.array([s.dst for s in st], dtype=int)
        self.pc = np.array([s.pc for s in st], dtype=int)
        self.k = np.array([s.rate_per_h for s in st])
        self.cap = np.array([s.capacity_mg for s in st])

    def occupancy(self, y: np.ndarray) -> np.ndarray:
        return np.clip(y[self.pc] / self.cap, 0.0, 1.0)

    def withdrawn(self, y: np.ndarray) -> np.ndarray:
        """Saturated part of each transfer (mg/h)."""
        return self.k * self.occupancy(y) * y[self.src]

    def apply(self, dy: np.ndarray, y: np.ndarray) -> None:
        f = self.withdrawn(y)
        np.add.at(dy, self.src, f)
        np.subtract.at(dy, self.dst, f)

    def jac_sparse(self, y: np.ndarray, size: int) -> sp.csc_matrix:
        """Saturation part of the Jacobian as a sparse (size x size) matrix."""
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
    eye = sp.identity(n, format="csc")
    zero = sp.csc_matrix((n, n))
    return sp.bmat([[sp.csc_matrix(K), zero, zero], [eye, zero, zero], [zero, eye, zero]], format="csc")


def solve_stiff(model: Model, events: Sequence[DoseEvent], t_grid: np.ndarray,
                method: str = "BDF", rtol: float | None = None) -> Solution:
    """Integrate the nonlinear model with an implicit method and an analytic Jacobian.

    Parameters
    ----------
    method : str
        A stiff ``scipy.integrate.solve_ivp`` method taking a sparse Jacobian (``BDF`` or ``Radau``); BDF
        with the sparse Jacobian was the fastest on the Doxil model here.
    rtol : float
        Relative tolerance (the mass balance holds to rounding whatever its value).

    A segment on which ``method`` fails is retried with :data:`FALLBACK_METHOD`; ``Solution.method`` is
    then e.g. ``"stiff-bdf+radau"``.
    """
    t_grid = np.asarray(t_grid, dtype=float)
    events = tuple(events)
    n = model.n
    sat = _Saturation(model)
    dv = model.dose_vector
    total = max(sum(e.amount_mg for e in events), 1e-300)
    atol = ATOL_REL * total * max(1.0, float(np.max(dv)))
    z = np.zeros(3 * n)
    t_end = float(t_grid[-1])
    bps = breakpoints(events, model, t_end)
    used = {method.lower()}
    out = np.empty((len(t_grid), 3 * n))
    boluses = sorted((e.start_h, e.amount_mg) for e in events if e.duration_h == 0)
    bi = 0

    def apply_boluses(t: float) -> None:
        nonlocal bi
        while bi < len(boluses) and boluses[bi][0] <= t + 1e-12:
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

        def rhs(_t: float, zz: np.ndarray, K: np.ndarray = K, r: np.ndarray = r) -> np.ndarray:
            y = zz[:n]
            dy = K @ y + r
            sat.apply(dy, y)
            return np.concatenate([dy, y, zz[n:2 * n]])

        J_base = _augmented_jacobian(K, n)

        def jac(_t: float, zz: np.ndarray, J_base: sp.csc_matrix = J_base) -> sp.csc_matrix:
            return J_base + sat.jac_sparse(zz[:n], 3 * n)

        j = gi
        while j < len(t_grid) and t_grid[j] < b - same_time_tol_h(b):
            j += 1
        t_eval = np.concatenate([t_grid[gi:j], [b]])
        tol = RTOL if rtol is None else rtol
        sol = solve_ivp(rhs, (a, b), z, method=method, jac=jac, t_eval=t_eval, rtol=tol, atol=atol)
        if not sol.success and method != FALLBACK_METHOD:
            # BDF's step-size control can stall at the kink of min(1, occupancy) right after a bolus
            # (e.g. free doxorubicin, 2 mg/kg at 0 and 31 h in a mouse); the implicit Runge-Kutta method
            # steps over it at the same tolerance
            first = sol.message
            sol = solve_ivp(rhs, (a, b), z, method=FALLBACK_METHOD, jac=jac, t_eval=t_eval, rtol=tol, atol=atol)
            if sol.success:
                used.add(FALLBACK_METHOD.lower())
            else:
                sol.message = f"{method}: {first}; {FALLBACK_METHOD}: {sol.message}"
        if not sol.success:
            raise RuntimeError(f"stiff solver failed on [{a}, {b}] h: {sol.message}")
        out[gi:j] = sol.y[:, :-1].T
        z = sol.y[:, -1].copy()
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
