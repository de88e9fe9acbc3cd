"""Compiled (numba) variable-order BDF/NDF stepper for one scenario with saturable MPS uptake.

The scheme is the quasi-constant step size NDF/BDF family of Shampine & Reichelt, "The MATLAB ODE Suite", SIAM J.
Sci. Comput. 18 (1997) 1-22 (orders 1-5, backward differences rescaled on each step-size change, simplified
Newton iteration, local error estimate from the last correction), the same family as ``scipy.integrate``'s
``BDF`` which it replaces on the single-scenario stiff path: there the per-step Python overhead (~80 us a step)
was most of the time. Differences here: the Newton matrix ``I - c J`` is factorised without pivoting along a
fill-reducing elimination order computed once per model, and only its state block is factorised
(:mod:`nanodds.solve.newton_lu`).

The kernels are compiled on first use and cached on disk (``cache=True``) beside the population kernels
(:mod:`nanodds.solve.numba_kernels` sets the cache directory before numba is imported). The same Python functions
are also compiled ahead of time into an extension module that needs only numpy (:mod:`nanodds.solve.bdf_aot`), for
a process that solves once.
"""

from __future__ import annotations

import numpy as np

from nanodds.solve.bdf_common import FAIL_MAXSTEPS, FAIL_STEP, OK
from nanodds.solve.newton_lu import lu_factor, lu_solve
from nanodds.solve.numba_kernels import njit

MAX_ORDER = 5
NEWTON_MAXITER = 4
MIN_FACTOR = 0.2
MAX_FACTOR = 10.0
_KAPPA = np.array([0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0])
"""NDF coefficients of Shampine & Reichelt (1997), Table 1 (order 5 is plain BDF)."""
_GAMMA = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, MAX_ORDER + 1))])
_ALPHA = (1.0 - _KAPPA) * _GAMMA
_ERR_CONST = _KAPPA * _GAMMA + 1.0 / np.arange(1, MAX_ORDER + 2)
_COEF = np.stack([_GAMMA, _ALPHA, _ERR_CONST])
"""Rows: gamma, alpha and the error constant of each order (index = order)."""

@njit(cache=True)
def _rhs(z, n, kp, ki, kx, r, ksat, cap, src, dst, pc, out):
    """``out = dz/dt`` of the augmented state ``z = (y, S, S2)``."""
    for a in range(n):
        s = r[a]
        for q in range(kp[a], kp[a + 1]):
            s += kx[q] * z[ki[q]]
        out[a] = s
        out[n + a] = z[a]
        out[2 * n + a] = z[n + a]
    for j in range(src.shape[0]):
        th = z[pc[j]] / cap[j]
        th = 0.0 if th < 0.0 else (1.0 if th > 1.0 else th)
        f = ksat[j] * th * z[src[j]]
        out[src[j]] += f
        out[dst[j]] -= f


@njit(cache=True)
def _rms(x, scale):
    s = 0.0
    for i in range(x.shape[0]):
        v = x[i] / scale[i]
        s += v * v
    return np.sqrt(s / x.shape[0])


@njit(cache=True)
def _change_d(D, order, factor):
    """Rescale the backward differences ``D[:order + 1]`` to a step ``factor`` times the current one."""
    R = np.zeros((order + 1, order + 1))
    U = np.zeros((order + 1, order + 1))
    for j in range(order + 1):
        R[0, j] = 1.0
        U[0, j] = 1.0
    for i in range(1, order + 1):
        for j in range(order + 1):
            mr = 0.0 if j == 0 else (i - 1 - factor * j) / i
            mu = 0.0 if j == 0 else (i - 1 - j) / i
            R[i, j] = R[i - 1, j] * mr
            U[i, j] = U[i - 1, j] * mu
    RU = R @ U
    old = D[:order + 1].copy()
    for i in range(order + 1):
        for a in range(D.shape[1]):
            s = 0.0
            for m in range(order + 1):
                s += RU[m, i] * old[m, a]
            D[i, a] = s


@njit(cache=True)
def _dense(D, order, t, h, tq, out):
    """Backward-difference interpolant of the last step (``t - h`` to ``t``) at ``tq``."""
    for a in range(out.shape[0]):
        out[a] = D[0, a]
    p = 1.0
    for j in range(order):
        p *= (tq - (t - h * j)) / (h * (j + 1))
        for a in range(out.shape[0]):
            out[a] += D[j + 1, a] * p


@njit(cache=True)
def bdf_segment(K, kp, ki, kx, r, ksat, cap, src, dst, pc, order_lu, l_ptr, l_idx, u_ptr, u_idx, z, t0, t1,
                t_eval, rtol, atol, max_steps, out, stats):
    """Integrate the augmented saturable system from ``t0`` to ``t1`` (h), with output at ``t_eval``.

    Parameters
    ----------
    K : ndarray (n, n)
        Rate matrix of the segment (1/h); ``kp, ki, kx`` the same in CSR form.
    r : ndarray (n,)
        Input rate (mg/h).
    ksat, cap : ndarray (M,)
        Saturable rate constants (1/h) and capacities (mg); ``src, dst, pc`` their source, destination and
        capacity-defining states.
    order_lu, l_ptr, l_idx, u_ptr, u_idx : ndarray of int
        Elimination order and filled structure (:func:`nanodds.solve.newton_lu.elimination_order`).
    z : ndarray (3 n,)
        State ``(y, S, S2)`` at ``t0``; overwritten with the state at ``t1``.
    t_eval : ndarray (T,)
        Output times within ``[t0, t1)``, increasing; ``out`` (T, 3 n) receives the state there.
    rtol, atol : float
        Tolerances of the error control (weights ``atol + rtol |z|``, root-mean-square norm).
    max_steps : int
        Bound on accepted plus rejected steps.
    stats : ndarray of int (3,)
        Incremented with the accepted steps, right-hand sides and factorisations.

    Returns
    -------
    int
        :data:`OK`, :data:`FAIL_STEP` (step size below rounding) or :data:`FAIL_MAXSTEPS`.
    """
    n = K.shape[0]
    N = z.shape[0]
    eps = np.finfo(np.float64).eps
    gam, alp, errc = _COEF[0], _COEF[1], _COEF[2]
    newton_tol = max(10.0 * eps / rtol, min(0.03, np.sqrt(rtol)))
    D = np.zeros((MAX_ORDER + 3, N))
    A = np.empty((n, n))
    f0 = np.empty(N)
    f1 = np.empty(N)
    scale = np.empty(N)
    ypred = np.empty(N)
    ynew = np.empty(N)
    psi = np.empty(N)
    d = np.empty(N)
    dy = np.empty(N)
    jac_y = z[:n].copy()
    span = t1 - t0
    # initial step (Hairer, Norsett & Wanner, Solving ODEs I, II.4) for an order-1 error estimate
    _rhs(z, n, kp, ki, kx, r, ksat, cap, src, dst, pc, f0)
    stats[1] += 1
    for a in range(N):
        scale[a] = atol + rtol * abs(z[a])
    d0 = _rms(z, scale)
    d1 = _rms(f0, scale)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    for a in range(N):
        ynew[a] = z[a] + h0 * f0[a]
    _rhs(ynew, n, kp, ki, kx, r, ksat, cap, src, dst, pc, f1)
    stats[1] += 1
    for a in range(N):
        dy[a] = f1[a] - f0[a]
    d2 = _rms(dy, scale) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** 0.5
    h_abs = min(100.0 * h0, h1, span)
    order = 1
    for a in range(N):
        D[0, a] = z[a]
        D[1, a] = f0[a] * h_abs
    t = t0
    h = h_abs
    t_new = t0
    err = 0.0
    safety = 0.9
    n_equal = 0
    have_lu = False
    c_lu = 0.0
    jac_current = True
    ti = 0
    steps = 0
    while t < t1:
        accepted = False
        n_iter = 0
        while not accepted:
            steps += 1
            if steps > max_steps:
                return FAIL_MAXSTEPS
            min_step = 10.0 * eps * max(abs(t), 1.0)
            if h_abs < min_step:
                return FAIL_STEP
            h = h_abs
            t_new = t + h
            if t_new >= t1 or t1 - t_new < min_step:
                t_new = t1
                _change_d(D, order, (t_new - t) / h_abs)
                n_equal = 0
                have_lu = False
                h = t_new - t
                h_abs = h
            for a in range(N):
                s = 0.0
                for j in range(order + 1):
                    s += D[j, a]
                ypred[a] = s
                scale[a] = atol + rtol * abs(s)
                s = 0.0
                for j in range(1, order + 1):
                    s += D[j, a] * gam[j]
                psi[a] = s / alp[order]
            c = h / alp[order]
            converged = False
            while True:
                if not have_lu or c != c_lu:
                    lu_factor(A, c, K, jac_y, ksat, cap, src, dst, pc, order_lu, l_ptr, l_idx, u_ptr, u_idx)
                    stats[2] += 1
                    have_lu = True
                    c_lu = c
                # simplified Newton iteration on the corrector
                for a in range(N):
                    d[a] = 0.0
                    ynew[a] = ypred[a]
                dy_norm_old = -1.0
                for it in range(NEWTON_MAXITER):
                    n_iter = it + 1
                    _rhs(ynew, n, kp, ki, kx, r, ksat, cap, src, dst, pc, f1)
                    stats[1] += 1
                    finite = True
                    for a in range(N):
                        dy[a] = c * f1[a] - psi[a] - d[a]
                        if not np.isfinite(dy[a]):
                            finite = False
                    if not finite:
                        break
                    lu_solve(A, c, dy, n, order_lu, l_ptr, l_idx, u_ptr, u_idx)
                    dy_norm = _rms(dy, scale)
                    rate = -1.0
                    if dy_norm_old > 0.0:
                        rate = dy_norm / dy_norm_old
                    if rate >= 0.0 and (rate >= 1.0 or
                                        rate ** (NEWTON_MAXITER - it) / (1.0 - rate) * dy_norm > newton_tol):
                        break
                    for a in range(N):
                        ynew[a] += dy[a]
                        d[a] += dy[a]
                    if dy_norm == 0.0 or (rate >= 0.0 and rate / (1.0 - rate) * dy_norm < newton_tol):
                        converged = True
                        break
                    dy_norm_old = dy_norm
                if converged or jac_current:
                    break
                for a in range(n):
                    jac_y[a] = ypred[a]
                jac_current = True
                have_lu = False
            if not converged:
                h_abs *= 0.5
                _change_d(D, order, 0.5)
                n_equal = 0
                have_lu = False
                continue
            safety = 0.9 * (2 * NEWTON_MAXITER + 1) / (2 * NEWTON_MAXITER + n_iter)
            for a in range(N):
                scale[a] = atol + rtol * abs(ynew[a])
                dy[a] = errc[order] * d[a]
            err = _rms(dy, scale)
            if err > 1.0:
                factor = max(MIN_FACTOR, safety * err ** (-1.0 / (order + 1)))
                h_abs *= factor
                _change_d(D, order, factor)
                n_equal = 0
                have_lu = False
            else:
                accepted = True
        stats[0] += 1
        n_equal += 1
        t_old = t
        t = t_new
        jac_current = False
        for a in range(N):
            D[order + 2, a] = d[a] - D[order + 1, a]
            D[order + 1, a] = d[a]
        for i in range(order, -1, -1):
            for a in range(N):
                D[i, a] += D[i + 1, a]
        while ti < t_eval.shape[0] and t_eval[ti] <= t:
            if t_eval[ti] >= t_old:
                _dense(D, order, t, h, t_eval[ti], out[ti])
            ti += 1
        if n_equal < order + 1:
            continue
        e_m = np.inf
        e_p = np.inf
        if order > 1:
            for a in range(N):
                dy[a] = errc[order - 1] * D[order, a]
            e_m = _rms(dy, scale)
        if order < MAX_ORDER:
            for a in range(N):
                dy[a] = errc[order + 1] * D[order + 2, a]
            e_p = _rms(dy, scale)
        f_m = 0.0 if e_m == np.inf else (e_m ** (-1.0 / order) if e_m > 0 else np.inf)
        f_0 = err ** (-1.0 / (order + 1)) if err > 0 else np.inf
        f_p = 0.0 if e_p == np.inf else (e_p ** (-1.0 / (order + 2)) if e_p > 0 else np.inf)
        best = f_0
        delta = 0
        if f_m > best:
            best = f_m
            delta = -1
        if f_p > best:
            best = f_p
            delta = 1
        order += delta
        factor = min(MAX_FACTOR, safety * best)
        h_abs *= factor
        _change_d(D, order, factor)
        n_equal = 0
        have_lu = False
    for a in range(N):
        z[a] = D[0, a]
    while ti < t_eval.shape[0]:  # output times within rounding of t1
        for a in range(N):
            out[ti, a] = z[a]
        ti += 1
    return OK
