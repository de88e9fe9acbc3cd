"""Compiled (numba) inner loop of the saturable ETD2 population solver, one patient at a time.

The numpy version marched all patients of a chunk together, one time step at a time: every step streamed the
chunk's stacked propagators (~80 kB per patient) from memory and paid numpy's per-call overhead four times.
Here each patient is marched through all its steps while its own propagators stay in the core's cache, and the
loop releases the GIL (``nogil``) so that chunks run on all cores from a thread pool. The arithmetic is the
same ETD2 predictor with two corrections (:mod:`nanodds.population.saturable` states the scheme); the kernel
is compiled on first use and cached on disk (``cache=True``) in nanodds' cache directory
(:func:`nanodds.units.cache_dir` / ``numba``, beside pint's cache) unless ``NUMBA_CACHE_DIR`` is set; with
``NANODDS_CACHE_DIR=off`` numba keeps its own default (``__pycache__`` beside this file when writable).
"""

from __future__ import annotations

import os

import numpy as np

from nanodds.units import cache_dir

if (_cache := cache_dir()) is not None:  # read by numba at import: keep compiled kernels out of the source tree
    os.environ.setdefault("NUMBA_CACHE_DIR", str(_cache / "numba"))

from numba import njit

_FAST = {"reassoc", "contract"}
"""Let LLVM reorder the sums of the matrix-vector products into SIMD lanes (no change beyond rounding)."""


@njit(cache=True, nogil=True, fastmath=_FAST)
def _withdrawn(x: np.ndarray, k: np.ndarray, cap: np.ndarray, src: np.ndarray, pc: np.ndarray,
               out: np.ndarray) -> None:
    """``out_j = k_j min(1, max(0, x_pc_j / cap_j)) x_src_j`` (mg/h)."""
    for j in range(src.shape[0]):
        th = x[pc[j]] / cap[j]
        if th < 0.0:
            th = 0.0
        elif th > 1.0:
            th = 1.0
        out[j] = k[j] * th * x[src[j]]


@njit(cache=True, nogil=True, fastmath=_FAST)
def etd2_march(EP1: np.ndarray, P2: np.ndarray, hval: np.ndarray, step_h: np.ndarray, nsub: np.ndarray,
               span_h: np.ndarray, yp: np.ndarray, rvec: np.ndarray, step_rate: np.ndarray, bolus: np.ndarray,
               dn: np.ndarray, is_out: np.ndarray, W: np.ndarray, k: np.ndarray, cap: np.ndarray,
               src: np.ndarray, pc: np.ndarray, rows: np.ndarray, out: np.ndarray, x_end: np.ndarray,
               cint: np.ndarray, injected: np.ndarray) -> None:
    """March every patient of a chunk over all intervals (ETD2, predictor and two corrections).

    Parameters
    ----------
    EP1 : ndarray (Q, p, m, m + M)
        ``[E | K^{-1}(E - I) U]`` per step size ``hval[q]`` (h) and patient.
    P2 : ndarray (Q, p, m, M)
        ``K^{-1}(K^{-1}(E - I) U / h - U)``.
    step_h, nsub, span_h, step_rate : ndarray (J,)
        Per interval between consecutive time points: the step-size index, the number of steps, its length (h)
        and the index of the infusion state (rows of ``yp``/``rvec``).
    yp, rvec : ndarray (R, p, m)
        Steady state ``-K^{-1} r`` (mg) and input ``r`` (mg/h) of each infusion state.
    bolus : ndarray (p, J + 1)
        Bolus amount (mg) given at each time point.
    dn : ndarray (m,)
        State distribution of 1 mg dosed.
    is_out : ndarray of bool (J + 1,)
        Whether the time point is an output time.
    W : ndarray (p, nobs, m)
        Observable weights.
    k, cap : ndarray (p, M)
        Saturable rate constants (1/h) and capacities (mg).
    src, pc : ndarray of int (M,)
        Source and capacity-defining states of each saturable term.
    rows : ndarray of int
        States that any ``src``/``pc`` refers to (the corrections only need these).
    out : ndarray (nobs, p, T)
        Filled with the observables at the output times.
    x_end, cint, injected : ndarray (p, m), (p, M), (p, m)
        Filled with the final state, ``int c dt`` (trapezoid, as the scheme assumes) and the boluses plus the
        integrated infusion input.
    """
    p, m = x_end.shape
    M = src.shape[0]
    J = nsub.shape[0]
    nobs = W.shape[1]
    nr = rows.shape[0]
    for i in range(p):
        x = np.zeros(m)
        inj = np.zeros(m)
        ci = np.zeros(M)
        v = np.empty(m + M)
        base = np.empty(m)
        c0 = np.empty(M)
        c1 = np.empty(M)
        dc = np.empty(M)
        xr = np.empty(m)
        for a in range(m):
            x[a] = bolus[i, 0] * dn[a]
            inj[a] = x[a]
        oi = 0
        for j in range(J + 1):
            if is_out[j]:
                for o in range(nobs):
                    s = 0.0
                    for a in range(m):
                        s += W[i, o, a] * x[a]
                    out[o, i, oi] = s
                oi += 1
            if j == J:
                break
            q = step_h[j]
            h = hval[q]
            rs = step_rate[j]
            for _ in range(nsub[j]):
                _withdrawn(x, k[i], cap[i], src, pc, c0)
                for a in range(m):
                    v[a] = x[a] - yp[rs, i, a]
                for b in range(M):
                    v[m + b] = c0[b]
                for a in range(m):
                    s = yp[rs, i, a]
                    for b in range(m + M):
                        s += EP1[q, i, a, b] * v[b]
                    base[a] = s
                _withdrawn(base, k[i], cap[i], src, pc, c1)
                for _it in range(2):
                    for b in range(M):
                        dc[b] = c1[b] - c0[b]
                    for r in range(nr):
                        a = rows[r]
                        s = base[a]
                        for b in range(M):
                            s += P2[q, i, a, b] * dc[b]
                        xr[a] = s
                    _withdrawn(xr, k[i], cap[i], src, pc, c1)
                for b in range(M):
                    dc[b] = c1[b] - c0[b]
                    ci[b] += 0.5 * h * (c0[b] + c1[b])
                for a in range(m):
                    s = base[a]
                    for b in range(M):
                        s += P2[q, i, a, b] * dc[b]
                    x[a] = s
            for a in range(m):
                inj[a] += rvec[rs, i, a] * span_h[j] + bolus[i, j + 1] * dn[a]
                x[a] += bolus[i, j + 1] * dn[a]
        for a in range(m):
            x_end[i, a] = x[a]
            injected[i, a] = inj[a]
        for b in range(M):
            cint[i, b] = ci[b]
