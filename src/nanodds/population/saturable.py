"""Batched saturable kinetics for many patients: exponential time differencing over stacked patients.

The model is ``y' = K y + r(t) + U c(y)`` with ``K`` the unsaturated linear matrix, ``r`` the infusion input
and ``c_j = k_j min(1, y_pc_j / cap_j) y_src_j`` the saturated part of each capacity-limited transfer
(``U[:, j] = e_src - e_dst`` gives it back to its source). Per step ``h`` the linear part is propagated
exactly with ``E = expm(K h)`` and the saturation enters through the exponential integrator of second order
(ETD2, trapezoidal in ``c``; Cox & Matthews 2002, J Comput Phys 176:430)::

    y1 = y_p + E (y0 - y_p) + h phi1(hK) U c0 + h phi2(hK) U (c1 - c0)

with ``y_p = -K^{-1} r`` and ``c1`` from a predictor and two corrections. ``c`` is smooth and slow
(``k_j h`` and the occupancy changes per step are small), the stiff transport is exact. The matrices
``E``, ``h phi1 U = K^{-1}(E - I) U`` and ``h phi2 U = K^{-1}(h phi1 U / h - U)`` are computed once per
step size and chunk of patients (stacked Pade expm). AUC is exact for the scheme's trajectory:
``int y = K^{-1}(y_T - y_0 - boluses - int r - U int c)`` with ``int c`` accumulated by the trapezoid that
the scheme itself assumes; the tail to infinity uses the saturation frozen at ``T``.
Only observables are stored (patients x observables x times), never the states over time.

The propagators are set up per chunk with stacked numpy (one Pade ``expm`` per interval length, step counts
rounded up to powers of two so that the finer steps' propagators are squarings); the time marching runs in a
compiled kernel one patient at a time (:func:`nanodds.solve.numba_kernels.etd2_march`), chunks on threads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nanodds.solve.batched import BatchResult
from nanodds.solve.batched_blocks import block_order, relevant_states
from nanodds.solve.block_expm import expm_steps, inverse
from nanodds.specs.regimen import DoseEvent

_TOL = 1e-12
_KEY_DIGITS = 10
"""Interval lengths (h) equal to this many decimals share their propagators (linspace rounding)."""
_OUT_BLOCK = 64


def _mv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.matmul(M, v[..., None])[..., 0]


def _steps(events: Sequence[DoseEvent], t_grid: np.ndarray) -> np.ndarray:
    pts = set(np.round(t_grid, 12).tolist())
    t_end = float(t_grid[-1])
    for e in events:
        for t in (e.start_h, e.start_h + e.duration_h):
            if 0.0 <= t <= t_end:
                pts.add(round(t, 12))
    return np.array(sorted(pts | {0.0}))


BURST_SUBSTEPS = 32
BURST_H = 0.5
"""Short-scale grading after each dose (:func:`graded_substeps`). Measured on the Doxil human model, 1,000
points over a week, second dose of half the first as a bolus at 83.6 h, against ``solve_stiff`` at rtol 1e-11:
1.4e-4 relative error without it (all of it in the first minutes after the bolus), 5.5e-7 with 32 / 0.5 h;
the default regimen (1 h infusion) takes 6 % more steps for the same 4.9e-7."""
BOLUS_GRADING = ((64, 0.5), (16, 4.0), (8, 24.0))
"""Substeps after each IV bolus, as (count, time scale h) pairs: ``count`` substeps at the bolus falling as
``exp(-dt / scale)`` (:func:`graded_substeps`, the largest count of all scales is taken). Assumption: a bolus
starts the saturable terms far from equilibrium (the MPS or DNA binding sites fill, or an already full capacity
is crossed, within minutes; ``min(1, occupancy)`` has a kink there, where the trapezoid in ``c`` of ETD2 is only
first order) and the saturation relaxes over hours to days; an infusion ramps over its duration and keeps the
coarser default grading (the benchmark's steps and accuracy are unchanged). Measured against ``solve_stiff`` at
rtol 1e-11, all observables the command line reports, at every solved time, patients of ``sample_patients(1,
1..12)`` (``benchmarks/probe_saturable_bolus.py``): free doxorubicin 50 mg/m2 x1-2 as one bolus or two (second at
83.6 or 100 h), Doxil example x0.5-2 as one bolus or two: worst 1.9e-6 (marrow, spleen) with the default grading
alone, 9.8e-7 with these (1.29-1.47x the steps). A second bolus only 24 h after the first (onto a still
saturated capacity) needs :data:`BOLUS_ONSET` as well (docs/population_tools.md, "Peaks after a bolus")."""
BOLUS_ONSET = (256, 0.05)
"""(count, time scale h): inside the first output interval after a bolus (split at the peak times,
:func:`substeps_within`) each piece gets the step length of ``count`` substeps per output interval falling as
``exp(-dt / scale)`` from the bolus, evaluated at the piece's start: graded steps for the first minutes only
(~25 steps per bolus). Assumption: the kink of ``min(1, occupancy)`` is crossed within minutes of a bolus given
onto a capacity still full from the previous dose. Measured (as :data:`BOLUS_GRADING`, patients 1-12): second
bolus 24 h after the first, free doxorubicin marrow 1.4e-6 -> 7.2e-7, Doxil x2 spleen 2.5e-6 -> 8.9e-7, for 1-2 %
more steps (256 equal substeps over the whole first interval instead: 1.2-1.3x the steps)."""


def solve_saturable_batch(K: np.ndarray, dose_vector: np.ndarray, sinks: np.ndarray,
                          terms: tuple[np.ndarray, np.ndarray, np.ndarray], k: np.ndarray, cap: np.ndarray,
                          events: Sequence[DoseEvent], amounts_mg: np.ndarray, t_grid: np.ndarray,
                          observe: Mapping[str, np.ndarray], chunk: int = 256, substeps: int | Sequence[int] = 1,
                          workers: int | None = None) -> BatchResult:
    """Saturable population solve (ETD2 over stacked patients).

    Parameters
    ----------
    K : ndarray (P, n, n)
        Unsaturated rate matrices (1/h).
    dose_vector : ndarray (n,)
        Where 1 mg of drug goes.
    sinks : ndarray of int
        Elimination states (not propagated; observables must not weigh them).
    terms : (src, dst, pc) index arrays, each (m,)
    k, cap : ndarray (P, m)
        Unsaturated rate constants (1/h) and capacities (mg) of the saturable transfers.
    events : sequence of DoseEvent
        Shared timing; per-patient amounts in ``amounts_mg`` (P, E), mg.
    t_grid : ndarray (T,)
        Output times (h) from 0.
    observe : mapping name -> weights (P, n) or (n,)
    chunk : int
        Patients per batch.
    substeps : int or sequence of int
        Integration steps per interval between output/dose times (accuracy ~ 1/substeps^2); a sequence gives
        one count per interval of the merged output/dose time points (e.g. finer steps where saturation
        changes fast, see :func:`graded_substeps`). Each count is rounded up to a power of two, so that the
        propagators of all step sizes of an interval length come from one Pade ``expm`` and squarings.
    workers : int, optional
        Threads over chunks (default: the CPU count; numpy's BLAS/LAPACK calls release the GIL).
    """
    K = np.asarray(K, dtype=float)
    P, n, _ = K.shape
    t_grid = np.asarray(t_grid, dtype=float)
    src_all, dst_all, pc_all = (np.asarray(a, dtype=int) for a in terms)
    if np.any(np.isin(np.r_[src_all, dst_all, pc_all], sinks)):
        raise ValueError("saturable terms must act on non-sink states")
    names = list(observe)
    Wfull = np.stack([np.broadcast_to(np.asarray(observe[q], dtype=float), (P, n)) for q in names], axis=1)
    if np.any(Wfull[:, :, sinks] != 0):
        raise ValueError("observables of the saturable population solver must not weigh elimination states")
    used, on = _solved_states(np.any(K != 0, axis=0), (src_all, dst_all, pc_all), np.any(Wfull != 0, axis=(0, 1)),
                              np.asarray(dose_vector) != 0)
    ns = np.setdiff1d(np.flatnonzero(used), sinks)
    order, bounds = block_order(np.any(K[:, ns][:, :, ns] != 0, axis=0))  # block lower-triangular order
    ns = ns[order]
    pos = -np.ones(n, dtype=int)
    pos[ns] = np.arange(len(ns))
    src, dst, pc = (pos[a[on]] for a in (src_all, dst_all, pc_all))
    k, cap = np.asarray(k)[:, on], np.asarray(cap)[:, on]
    m, M = len(ns), len(src)
    U = np.zeros((m, M))
    np.add.at(U, (src, np.arange(M)), 1.0)
    np.add.at(U, (dst, np.arange(M)), -1.0)
    W = Wfull[:, :, ns]
    dn = np.asarray(dose_vector, dtype=float)[ns]
    am = np.asarray(amounts_mg, dtype=float).reshape(P, len(events))
    pts = _steps(events, t_grid)
    nsub = np.broadcast_to(np.asarray(substeps, dtype=int), (len(pts) - 1,))
    if np.any(nsub < 1):
        raise ValueError("substeps must be >= 1 per interval")
    nsub = 2 ** np.ceil(np.log2(nsub)).astype(int)  # powers of two: the propagators come from squarings
    is_out = np.isin(np.round(pts, 12), np.round(t_grid, 12))
    T, nobs = len(t_grid), len(names)
    obs = np.empty((nobs, P, T))
    auc_t = np.empty((nobs, P))
    auc_inf = np.empty((nobs, P))
    def work(c0: int) -> None:
        sl = slice(c0, min(c0 + chunk, P))
        o, a, ai = _chunk(K[sl][:, ns][:, :, ns], dn, U, src, pc, k[sl], cap[sl], events, am[sl], pts, is_out,
                          W[sl], nsub, bounds)
        obs[:, sl], auc_t[:, sl], auc_inf[:, sl] = o, a, ai

    starts = range(0, P, chunk)
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers > 1 and len(starts) > 1:  # numpy's BLAS/LAPACK calls release the GIL
        with ThreadPoolExecutor(min(workers, len(starts))) as ex:
            list(ex.map(work, starts))
    else:
        for c0 in starts:
            work(c0)
    observables = {q: obs[i] for i, q in enumerate(names)}
    imax = {q: np.argmax(v, axis=1) for q, v in observables.items()}
    return BatchResult(t_grid, observables, {q: auc_t[i] for i, q in enumerate(names)},
                       {q: auc_inf[i] for i, q in enumerate(names)},
                       {q: np.take_along_axis(v, imax[q][:, None], 1)[:, 0] for q, v in observables.items()},
                       {q: t_grid[imax[q]] for q in names})


def _solved_states(pattern: np.ndarray, terms: tuple[np.ndarray, np.ndarray, np.ndarray], observed: np.ndarray,
                   dosed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States the saturable solve needs, and which saturable terms can act.

    From the zero start a state no dose reaches (through the transfers ``pattern[i, j]``: j -> i of any patient,
    and the saturable transfers src -> dst) stays exactly zero, and so does the flux of a term whose source is
    such a state: neither is solved. Of the rest, only states that reach an observed state or a term's source,
    destination or pool matter (the others never act back). The pools of the acting terms are kept even if always
    zero.

    Returns
    -------
    keep : ndarray of bool (n,)
    acting : ndarray of bool (M,)
        Terms whose source some dose reaches.
    """
    src, dst, pc = terms
    pat = np.array(pattern, dtype=bool)
    pat[dst, src] = True
    targets = observed.copy()
    targets[src] = targets[dst] = targets[pc] = True
    keep = relevant_states(pat, targets, dosed)
    acting = keep[src]
    keep[pc[acting]] = True
    return keep, acting


def _chunk(Kn: np.ndarray, dn: np.ndarray, U: np.ndarray, src: np.ndarray, pc: np.ndarray, k: np.ndarray,
           cap: np.ndarray, events: Sequence[DoseEvent], am: np.ndarray, pts: np.ndarray, is_out: np.ndarray,
           W: np.ndarray, nsub: np.ndarray, bounds: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from nanodds.solve.numba_kernels import etd2_march  # compiled on first use (cached on disk)

    p, m, _ = Kn.shape
    Kinv = inverse(Kn, bounds)
    KiU = Kinv @ U
    spans = np.diff(pts)
    # one Pade expm per distinct interval length L at its finest step L / N (N a power of two), the coarser
    # steps L / n by squaring (``extra``): few interval lengths (grid spacing, dose/infusion-end splits)
    span_key = np.round(spans, _KEY_DIGITS)
    finest: dict[float, int] = {}
    for key, ns in zip(span_key.tolist(), nsub.tolist(), strict=True):
        finest[key] = max(finest.get(key, 1), ns)
    lengths = list(finest)
    levels = [int(np.log2(finest[L])) for L in lengths]
    powers = expm_steps(Kn, bounds, [L / finest[L] for L in lengths], levels)
    hs: dict[tuple[float, int], int] = {}
    for key, ns in zip(span_key.tolist(), nsub.tolist(), strict=True):
        hs.setdefault((key, ns), len(hs))
    step_h = np.array([hs[key, ns] for key, ns in zip(span_key.tolist(), nsub.tolist(), strict=True)])
    Q, M = len(hs), U.shape[1]
    hval = np.array([L / ns for L, ns in hs])
    EP1 = np.empty((Q, p, m, m + M))
    P2 = np.empty((Q, p, m, M))
    for (L, ns), q in hs.items():
        i_len = lengths.index(L)
        E = powers[i_len][levels[i_len] - int(np.log2(ns))]  # expm(K L / ns) = expm(K L / N)^(N / ns)
        P1 = Kinv @ (E @ U) - KiU  # K^{-1} (E - I) U
        EP1[q, :, :, :m] = E
        EP1[q, :, :, m:] = P1
        P2[q] = Kinv @ P1 / hval[q] - KiU
    # infusion states: which infusions run over each interval (constant input between time points)
    infusions = [i for i, e in enumerate(events) if e.duration_h > 0]
    mids = 0.5 * (pts[:-1] + pts[1:])
    keys = [tuple(i for i in infusions if events[i].start_h <= t < events[i].start_h + events[i].duration_h)
            for t in mids]
    states = sorted(set(keys) | {()})
    step_rate = np.array([states.index(a) for a in keys], dtype=np.int64)
    yp = np.zeros((len(states), p, m))
    rvec = np.zeros((len(states), p, m))
    for s_i, active in enumerate(states):
        if active:
            rate = sum(am[:, i] / events[i].duration_h for i in active)
            rvec[s_i] = rate[:, None] * dn
            yp[s_i] = -_mv(Kinv, rvec[s_i])
    bolus = np.zeros((p, len(pts)))
    for i, e in enumerate(events):
        if e.duration_h == 0:
            hit = np.flatnonzero(np.abs(pts - e.start_h) <= _TOL * max(1.0, e.start_h))
            if hit.size:
                bolus[:, hit[0]] += am[:, i]
    rows = np.unique(np.concatenate([src, pc]))
    out = np.empty((W.shape[1], p, int(is_out.sum())))
    x, cint, injected = np.empty((p, m)), np.empty((p, M)), np.empty((p, m))
    etd2_march(EP1, P2, hval, step_h.astype(np.int64), nsub.astype(np.int64), spans, yp, rvec,
               step_rate, bolus, dn, is_out, np.ascontiguousarray(W), np.ascontiguousarray(k),
               np.ascontiguousarray(cap), src.astype(np.int64), pc.astype(np.int64), rows.astype(np.int64), out,
               x, cint, injected)
    S = _mv(Kinv, x - injected - cint @ U.T)  # int_0^T y dt
    auc = np.einsum("pom,pm->op", W, S)
    occ = np.clip(x[:, pc] / cap, 0.0, 1.0) * k  # frozen saturation for the tail
    Kf = Kn.copy()
    for j in range(len(src)):  # withdrawn k theta y_src goes back from dst to src: column src_j += k theta U_j
        Kf[:, :, src[j]] += occ[:, j, None] * U[None, :, j]
    tail = -np.einsum("pom,pm->op", W, np.linalg.solve(Kf, x[..., None])[..., 0])
    return out, auc, auc + tail


def graded_substeps(events: Sequence[DoseEvent], t_grid: np.ndarray, fine: int, decay_h: float,
                    burst: int = BURST_SUBSTEPS, burst_h: float = BURST_H,
                    bolus: Sequence[tuple[int, float]] = BOLUS_GRADING) -> np.ndarray:
    """Substeps per interval: ``fine`` right after each dose, falling as ``exp(-dt / decay_h)`` to 1.

    The saturable uptake changes fastest just after a dose (the capacity fills within hours) and the ETD2
    error made there carries over to later times; later intervals need one step each. The end of an infusion
    counts as a dose (the input stops: the saturation turns). A bolus fills the MPS
    within minutes: ``burst`` substeps falling over ``burst_h`` cover the first intervals after each dose
    (the larger of the two counts is taken). After an IV bolus the finer ``bolus`` scales apply as well.

    Parameters
    ----------
    fine : int
        Substeps of an interval that starts at a dose (>= 1).
    decay_h : float
        Time scale (h) over which the count falls back to 1.
    burst : int
        Substeps of the first interval after a dose from the short scale (>= 1; 1 = none; default
        :data:`BURST_SUBSTEPS`).
    burst_h : float
        Time scale (h) of the short scale (default :data:`BURST_H`).
    bolus : sequence of (int, float)
        ``(count, scale_h)`` pairs applied after each bolus (``duration_h == 0``) only: ``count`` substeps
        falling as ``exp(-dt / scale_h)`` (default :data:`BOLUS_GRADING`; ``()`` = none).
    """
    pts = _steps(events, t_grid)
    starts = np.array([e.start_h for e in events] + [e.start_h + e.duration_h for e in events if e.duration_h > 0])
    boluses = np.array([e.start_h for e in events if e.duration_h == 0])
    out = np.ones(len(pts) - 1, dtype=int)
    for j, a in enumerate(pts[:-1]):
        since = a - starts[starts <= a + _TOL]
        if since.size:
            dt = float(since.min())
            out[j] = max(1, int(np.ceil(fine * np.exp(-dt / decay_h))), int(np.ceil(burst * np.exp(-dt / burst_h))))
        since = a - boluses[boluses <= a + _TOL]
        if since.size:
            dt = float(since.min())
            out[j] = max([int(out[j])] + [int(np.ceil(c * np.exp(-dt / s))) for c, s in bolus])
    return out


def substeps_within(events: Sequence[DoseEvent], t_grid: np.ndarray, counts: np.ndarray,
                    fine_grid: np.ndarray, onset: tuple[int, float] | None = BOLUS_ONSET) -> np.ndarray:
    """Substeps per interval of ``fine_grid`` (``t_grid`` plus times inside its intervals) that keep the step
    lengths of ``counts`` (per interval of ``t_grid``, as :func:`graded_substeps` gives them).

    An interval of ``t_grid`` with ``n`` substeps of length ``L / n`` that is split at added times gets, on each
    piece of length ``l``, ``ceil(n l / L)`` substeps: no step longer than before, and the added output times cost
    about one step each (not ``n`` each, as :func:`graded_substeps` on ``fine_grid`` would give right after a dose).
    After a bolus, ``onset = (count, scale_h)`` gives a piece starting ``dt`` after it at least
    ``ceil(count exp(-dt / scale_h) l / L)`` substeps (default :data:`BOLUS_ONSET`; ``None`` = none): steps graded
    with the time since the bolus inside the split interval.
    """
    coarse, fine = _steps(events, t_grid), _steps(events, fine_grid)
    parent = np.clip(np.searchsorted(coarse, fine[:-1] + _TOL, side="right") - 1, 0, len(counts) - 1)
    frac = np.diff(fine) / (coarse[parent + 1] - coarse[parent])
    n = counts[parent] * frac
    boluses = np.sort([e.start_h for e in events if e.duration_h == 0])
    if onset is not None and boluses.size:
        latest = np.searchsorted(boluses, fine[:-1] + _TOL, side="right") - 1  # the last bolus at or before
        dt = fine[:-1] - boluses[np.maximum(latest, 0)]
        n = np.where(latest >= 0, np.maximum(n, onset[0] * np.exp(-np.maximum(dt, 0.0) / onset[1]) * frac), n)
    return np.maximum(1, np.ceil(n - _TOL)).astype(int)
