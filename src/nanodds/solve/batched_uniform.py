"""The batched exact solver's chunk on a uniform output grid from 0, possibly with a few extra output times.

The dose responses are superposed on the uniform grid ``t_k = k h`` (:func:`solve_chunk_uniform`): only
``E(h) = expm(K h)``, its powers and off-grid propagators ``expm(K delta) v`` (``0 < delta < h``, applied to
vectors along ``E(h)``'s squaring chain, never formed) are needed. Extra output times between grid points (a
scenario's infusion ends and metric times, :func:`nanodds.engine.output_grid`) are read from the same sources:
``x(t*) = sum_s c_s E(h)^n_s expm(K r_s) b_s`` with ``t* - tau_s = n_s h + r_s``, so a grid with extras keeps
this path instead of stepping through every breakpoint.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from nanodds.solve.batched_blocks import BILINEAR_C, Chunk, bilinear_levels, mv, propagate, propagate_bilinear
from nanodds.specs.regimen import DoseEvent

_TOL = 1e-12
MAX_EXTRA = 64
"""Most output times off the uniform grid that :func:`uniform_base` accepts (each costs ~log2(T) vector
products per source; the stepping path costs a block product per segment)."""


def uniform_step(t_grid: np.ndarray) -> float | None:
    """Step of a uniform grid from 0 (to 1e-12), else None."""
    T = len(t_grid)
    if T < 3 or t_grid[0] != 0.0:
        return None
    h = float(t_grid[-1]) / (T - 1)
    return h if np.max(np.abs(t_grid - h * np.arange(T))) <= 1e-12 * t_grid[-1] else None


def uniform_base(t_grid: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The uniform part of an output grid.

    Parameters
    ----------
    t_grid : ndarray, shape (T,)
        Increasing output times (h).

    Returns
    -------
    (h, base) or None
        Step ``h`` (h) and the indices ``base`` of the points ``k h``, ``k = 0 .. n`` (to 1e-12 relative), when
        ``t_grid`` is such a grid from 0 to its last time plus at most :data:`MAX_EXTRA` other times; else None.
    """
    h = uniform_step(t_grid)
    if h is not None:
        return h, np.arange(len(t_grid))
    if len(t_grid) < 3 or t_grid[0] != 0.0:
        return None
    tend = float(t_grid[-1])
    n = round(tend / float(np.median(np.diff(t_grid))))
    if n < 2:
        return None
    h = tend / n
    k = np.rint(t_grid / h)
    on = np.abs(t_grid - k * h) <= 1e-12 * tend
    base = np.flatnonzero(on)
    if len(base) != n + 1 or not np.array_equal(k[base], np.arange(n + 1)) or len(t_grid) - n - 1 > MAX_EXTRA:
        return None
    return h, base


def _power_mv(pw: list[np.ndarray], n: int, x: np.ndarray) -> np.ndarray:
    """``E^n x`` from ``pw = [E, E^2, E^4, ...]``: one matrix-vector product per bit (the top power repeated)."""
    top = len(pw) - 1
    for j in range(top):
        if (n >> j) & 1:
            x = mv(pw[j], x)
    for _ in range(n >> top):
        x = mv(pw[top], x)
    return x


def solve_chunk_uniform(ch: Chunk, dn: np.ndarray, ds: np.ndarray, events: Sequence[DoseEvent], am: np.ndarray,
                        t_grid: np.ndarray, h: float, out: np.ndarray | None = None,
                        base: np.ndarray | None = None, peak_rtol: float | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """The batched solver's chunk on a uniform grid ``t_k = k h``, by superposition of the dose responses.

    A bolus ``a`` at ``tau`` gives ``a E(t - tau) d``, an infusion edge (rate ``+-R`` from ``tau``) gives
    ``+-R (E(t - tau) - I) v`` with ``v = K^{-1} d``, for ``t >= tau``. With ``k0`` the first grid index at or
    after ``tau`` and ``delta = t_k0 - tau``, each source is the vector ``c E(delta) base`` injected at ``k0``
    into one trajectory ``x_k = E(h) x_(k-1) + injections``: only ``E(h)`` (and its powers) and ``E(delta)``
    are needed, never the propagators of the off-grid steps to and from a breakpoint. Observables are
    ``A x_k - rho_k A v + g_k (Ws ds - WG d)`` (``rho``: net infusion rate switched on, ``g``: mg given by
    ``t_k``); ``int_0^T y = K^{-1} (y_T - g_T d)`` and the sinks' AUC follow in closed form.

    ``base``: indices of the uniform points in ``t_grid`` (default all, see :func:`uniform_base`); the other
    times are read as ``A x(t*)`` with ``x(t*)`` summed over the sources given by then (module docstring).

    Returns the observables (p, nobs, T), AUC0-T and AUC0-inf (p, nobs), and with ``peak_rtol`` Cmax and Tmax
    (p, nobs): the grid's maximum, or the model's between output times where higher
    (:func:`nanodds.solve.batched_peaks.refine_peaks`); else None.
    """
    p = dn.shape[0]
    T = len(t_grid)
    base = np.arange(T) if base is None else base
    tb = t_grid[base]
    Tb = len(tb)
    extra = np.zeros(0, dtype=int) if len(base) == T else np.setdiff1d(np.arange(T), base)
    tend = float(t_grid[-1])
    A = np.broadcast_to(ch.A, (p, *ch.A.shape[1:]))
    v = ch.solve(dn)
    rho, g = _inputs_at(events, am, t_grid[None])  # rate running and mg given, (p, T)
    gint = np.zeros(p)
    srcs = []  # (k0, delta, coefficient (p,), base vector (p, m), tau)
    for i, e in enumerate(events):
        a = am[:, i]
        edges = [(e.start_h, a, dn)] if e.duration_h == 0 else \
            [(e.start_h, a / e.duration_h, v), (e.start_h + e.duration_h, -a / e.duration_h, v)]
        for tau, c, b in edges:
            tol = _TOL * max(1.0, abs(tau))
            if tau > tend + tol:
                continue
            k0 = int(np.searchsorted(tb, tau - tol))
            delta = float(tb[k0]) - tau
            srcs.append((k0, 0.0 if abs(delta) <= tol else delta, c, b, tau))
        if e.duration_h == 0:
            gint += a * max(tend - e.start_h, 0.0)
        else:
            dur, u, R = e.duration_h, tend - e.start_h, a / e.duration_h
            gint += R * (0.0 if u <= 0 else u * u / 2 if u <= dur else dur * dur / 2 + dur * (u - dur))
    # extra times: every source given by t* as (n, r) with t* - tau = n h + r, 0 <= r < h
    late = []  # (extra position, n, coefficient, base vector, r)
    for pos, ti in enumerate(t_grid[extra]):
        for _, _, c, b, tau in srcs:
            if tau <= ti + _TOL * max(1.0, abs(tau)):
                u = max(float(ti) - tau, 0.0)
                n = int(np.floor(u / h))
                r = u - n * h
                if r >= h * (1.0 - 1e-12):  # u on a grid multiple up to rounding
                    n, r = n + 1, 0.0
                late.append((pos, n, c, b, 0.0 if r <= _TOL * max(1.0, u) else r))
    pairs = [(d, b) for _, d, _, b, _ in srcs if d > 0] + [(r, b) for *_, b, r in late if r > 0]
    moved = ch.offgrid(h, bilinear_levels(Tb - 1), pairs)
    inj: dict[int, np.ndarray] = {}
    for k0, d, c, b, _ in srcs:
        w = c[:, None] * (moved.pop(0) if d > 0 else b)
        inj[k0] = inj[k0] + w if k0 in inj else w
    pw = ch.powers(h, bilinear_levels(Tb - 1))
    E = pw[0]
    full = np.empty((p, A.shape[1], T)) if out is None else out
    # uniform points are written in place, in runs between the extra times (no (p, nobs, T) copy)
    gaps = np.flatnonzero(np.diff(base) > 1) + 1  # uniform positions that follow an extra time

    def advance(x: np.ndarray, a: int, b: int) -> np.ndarray:
        """From the state at uniform point a - 1, write points a .. b - 1; returns the state at b - 1."""
        cuts = [a, *gaps[(gaps > a) & (gaps < b)].tolist(), b]
        for s0, s1 in itertools.pairwise(cuts):
            emit = full[:, :, base[s0]:base[s0] + s1 - s0]
            if s1 - s0 > 4 * BILINEAR_C:
                x = propagate_bilinear(ch, x, s1 - s0, h, emit)
            else:
                x = propagate(ch, x, np.full(s1 - s0, h), emit)
        return x

    x = np.zeros_like(dn)
    ks = sorted(inj)
    full[:, :, base[:ks[0] if ks else Tb]] = 0.0
    after: dict[int, np.ndarray] = {}  # the state just after each injection (peaks between output times)
    for si, ka in enumerate(ks):
        x = x + inj[ka]
        if peak_rtol is not None:
            after[ka] = x
        kb = ks[si + 1] if si + 1 < len(ks) else Tb
        full[:, :, base[ka]] = mv(A, x)
        if kb - ka > 1:
            x = advance(x, ka + 1, kb)
        if kb < Tb:
            x = mv(E, x)
    if extra.size:
        xe = np.zeros((len(extra), *dn.shape))
        for pos, n, c, b, r in late:
            xe[pos] += c[:, None] * _power_mv(pw, n, moved.pop(0) if r > 0 else b)
        for pos, col in enumerate(extra):
            full[:, :, col] = mv(A, xe[pos])
    q1 = mv(ch.Ws, ds) - mv(np.broadcast_to(ch.WG, (p, *ch.WG.shape[1:])), dn)
    if np.any(q1 != 0) and np.any(g != 0):
        full += q1[:, :, None] * g[:, None, :]
    on = np.flatnonzero(np.any(rho != 0, axis=0))  # infusion running
    Av = mv(A, v)
    if on.size:
        full[:, :, on[0]:on[-1] + 1] -= Av[:, :, None] * rho[:, None, on[0]:on[-1] + 1]
    peaks = None
    if peak_rtol is not None:  # Cmax and Tmax (p, nobs) of the model: the grid's, and between output times
        from nanodds.solve.batched_peaks import refine_peaks

        def offset(t: np.ndarray) -> np.ndarray:  # -rho(t) A v + g(t) q1 at times t (p, S)
            rate, given = _inputs_at(events, am, t)
            return q1[:, :, None] * given[:, None, :] - Av[:, :, None] * rate[:, None, :]

        im = np.argmax(full, axis=2)
        cmax, tmax = np.take_along_axis(full, im[:, :, None], axis=2)[:, :, 0], t_grid[im]
        where = np.full(T, -1)
        where[base] = np.arange(Tb)
        fine = refine_peaks(ch, full, base, where[im], h, after, pw, A, offset, peak_rtol)
        if fine is not None:
            up = fine[0] > cmax
            cmax, tmax = np.where(up, fine[0], cmax), np.where(up, fine[1], tmax)
        peaks = (cmax, tmax)
    yT = x - rho[:, -1:] * v
    KiyT = ch.solve(yT)  # one right-hand side: K^{-1} (yT - g_T d) = K^{-1} yT - g_T v
    S = KiyT - g[:, -1:] * v
    auc = mv(A, S) + q1 * gint[:, None]
    ainf = auc - mv(ch.Wn, KiyT)
    ainf[:, np.any(ch.Ws != 0, axis=(0, 2))] = np.inf
    return full, auc, ainf, peaks


def _inputs_at(events: Sequence[DoseEvent], am: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Infusion rate running (mg/h) and amount given so far (mg) at times ``t`` (p, S), per patient (``am`` (p, E)
    mg; ``t`` (1, S) for times shared by the patients). An edge at t (to 1e-12 relative) has happened: a dose
    starting at t is given or running, an infusion ending at t has stopped."""
    shape = np.broadcast_shapes(t.shape, (am.shape[0], 1))
    rate = np.zeros(shape)
    given = np.zeros(shape)
    for i, e in enumerate(events):
        a = am[:, i][:, None]
        since = t - e.start_h
        started = since >= -_TOL * max(1.0, e.start_h)
        if e.duration_h == 0:
            given += np.where(started, a, 0.0)
        else:
            end = e.start_h + e.duration_h
            R = a / e.duration_h
            rate += np.where(started & (t < end - _TOL * max(1.0, end)), R, 0.0)
            given += R * np.clip(since, 0.0, e.duration_h)
    return rate, given
