"""Peaks between output times in the batched exact solver: Cmax and Tmax of the model, not of the grid.

On a uniform grid ``t_k = k h`` a tissue that peaks hours after an infusion is read up to a few % low (measured
2026-12-05, Doxil example, 1,001 points over 336 h, 20 patients: skin released drug 1.9-2.5 %, adipose total
0.6-0.9 %, tumour unbound up to 0.7 %). :func:`refine_peaks` takes each (patient, observable) whose grid maximum
at ``t_k`` has a parabola through ``t_(k-1), t_k, t_(k+1)`` peaking above it by more than ``rtol``, and reads the
observable exactly at 16 times in each of the two steps around it: the state at the step's start is rebuilt from
the state just after the last dose source (``x = E^(k - k_s) x_s``, one batched product per bit of ``k - k_s``),
then advanced with ``F = expm(K h / 16)`` (kept from the chunk's own squaring chain). A step into which a dose
source enters (a bolus or an infusion edge inside it or at its end) is left to the grid (the bolus peaks have their
own times, see :func:`nanodds.analysis.peaks.peak_times`; an infusion's end is an output time of the population
path). All of a patient's steps go as columns of one product per time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from nanodds.solve.batched_blocks import FINE_LOG2, Chunk
from nanodds.solve.solution import PEAK_RTOL

__all__ = ["PEAK_RTOL", "refine_peaks"]

PARABOLA_SAFETY = 0.5
"""The parabola's rise is compared with this fraction of ``rtol``: an estimate from three values misjudges an
asymmetric peak (measured: muscle total, Doxil example on 1,001 points, estimate below 1e-3, true 1.09e-3)."""


def _rise(ym: np.ndarray, y0: np.ndarray, yp: np.ndarray) -> np.ndarray:
    """How far the parabola through three equally spaced values peaks above the middle one (0 unless it is
    concave)."""
    a, b = 0.5 * (ym + yp) - y0, 0.5 * (yp - ym)  # y0 + b x + a x^2, x in steps
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a < 0, -b * b / (4.0 * np.where(a < 0, a, -1.0)), 0.0)


def _slots(keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each row's distinct ``keys`` (ints >= 0) where ``valid``, ascending, as columns (rows, S); a row with fewer
    is padded with 0 (a valid index: computed, not used)."""
    big = int(keys.max(initial=0)) + 1
    cand = np.sort(np.where(valid, keys, big), axis=1)
    cand[:, 1:][cand[:, 1:] == cand[:, :-1]] = big
    cand.sort(axis=1)
    S = int((cand < big).sum(axis=1).max())
    return np.where(cand[:, :S] < big, cand[:, :S], 0)


def _flagged(full: np.ndarray, base: np.ndarray, kb: np.ndarray, rtol: float, k0s: np.ndarray) -> np.ndarray:
    """Which (patient, observable) pairs, whose maximum sits at uniform point ``kb`` (-1: at another output time),
    may peak more than ``rtol`` above it: the parabola through the maximum and its uniform neighbours says so, or a
    dose source enters within a step of it (uniform indices ``k0s``: there the trajectory has a kink, e.g. at an
    infusion's end, and the parabola misjudges it; measured: unbound drug in the tumour 0.5 % above its grid
    maximum right after the Doxil infusion, parabola 0.09 %)."""
    Tb = len(base)
    if Tb < 3:
        return np.zeros(kb.shape, dtype=bool)
    kc = base[np.clip(kb, 1, Tb - 2)][..., None]
    km, kp = base[np.clip(kb - 1, 0, Tb - 1)][..., None], base[np.clip(kb + 1, 0, Tb - 1)][..., None]
    y0 = np.take_along_axis(full, kc, 2)[..., 0]
    rise = _rise(np.take_along_axis(full, km, 2)[..., 0], y0, np.take_along_axis(full, kp, 2)[..., 0])
    near = (np.abs(kb[..., None] - k0s) <= 1).any(axis=-1)
    return (kb > 0) & (kb < Tb - 1) & (y0 > 0) & ((rise > PARABOLA_SAFETY * rtol * y0) | near)


def refine_peaks(ch: Chunk, full: np.ndarray, base: np.ndarray, kb: np.ndarray, h: float,
                 states: Mapping[int, np.ndarray], powers: list[np.ndarray], A: np.ndarray,
                 offset: Callable[[np.ndarray], np.ndarray],
                 rtol: float = PEAK_RTOL) -> tuple[np.ndarray, np.ndarray] | None:
    """Maxima between output times of a chunk's observables on a uniform grid.

    Parameters
    ----------
    ch : Chunk
        The chunk that was solved (its ``fine`` step is ``expm(K h / 16)``).
    full : ndarray (p, nobs, T)
        Observables at the output times, of which ``base`` are the uniform points ``k h``.
    kb : ndarray of int (p, nobs)
        Uniform point (index into ``base``) of each pair's maximum over all output times; -1 where it sits at
        another output time (a source's own time, e.g. an infusion's end: the kink itself; or the times after a
        bolus): not refined.
    h : float
        Step (h).
    states : mapping k0 -> ndarray (p, m)
        The superposition's state just after the sources injected at uniform index ``k0`` (see
        :func:`nanodds.solve.batched_uniform.solve_chunk_uniform`).
    powers : list of ndarray (p, m, m)
        ``[E, E^2, E^4, ...]``, ``E = expm(K h)``.
    A : ndarray (p, nobs, m)
        Effective observable weights on the solved states.
    offset : callable
        ``offset(t)`` for times ``t`` (p, S) returns the part of the observables not in ``A x`` (p, nobs, S)
        (infusion and sink terms at those times).

    Returns
    -------
    (cmax, tmax_h) or None
        Refined maxima (p, nobs) and their times (h) where a window was read (elsewhere ``-inf`` / NaN), or None
        when no pair needs it.
    """
    k0s = np.array(sorted(states), dtype=int)
    flag = _flagged(full, base, kb, rtol, k0s)
    if not flag.any():
        return None
    # the two steps around the maximum, each read unless a source enters inside it or at its end
    sides = [(kb - 1, flag & ~(kb[..., None] == k0s).any(axis=-1)),
             (kb, flag & ~(kb[..., None] + 1 == k0s).any(axis=-1))]
    if not any(ok.any() for _, ok in sides):
        return None
    p = full.shape[0]
    start = _slots(np.concatenate([k for k, _ in sides], axis=1), np.concatenate([ok for _, ok in sides], axis=1))
    S = start.shape[1]
    X = np.zeros((p, A.shape[2], S))
    top = len(powers) - 1
    last = np.searchsorted(k0s, start, side="right") - 1  # the last source at or before each start
    for i in np.unique(last[last >= 0]):  # x_start = E^(start - k) x_k, x_k the state just after source k
        sel = last == i
        n = np.where(sel, start - k0s[i], 0)
        Z = np.repeat(states[int(k0s[i])][:, :, None], S, axis=2)
        for j in range(top):
            bit = ((n >> j) & 1).astype(bool)
            if bit.any():
                Z = np.where(bit[:, None, :], powers[j] @ Z, Z)
        reps = n >> top
        for r in range(int(reps.max())):
            Z = np.where((reps > r)[:, None, :], powers[top] @ Z, Z)
        X = np.where(sel[:, None, :], Z, X)
    l1, l2 = FINE_LOG2
    dt1 = h / 2**l1
    t0 = start * h
    Ys, Xs = _scan(ch.fine(h, l1), X, A, 2**l1, offset, t0, dt1)
    # each flagged pair's slot
    pairs = []
    for k, ok in sides:
        r, o = np.nonzero(ok)
        pairs.append((r, o, np.argmax(start[r] == k[r, o][:, None], axis=1)))
    r, o, sl = (np.concatenate(x) for x in zip(*pairs, strict=True))
    y = Ys[:, r, o, sl]  # (16, pairs)
    j1 = np.argmax(y, axis=0)
    best, when = y[j1, np.arange(len(r))], t0[r, sl] + (j1 + 1) * dt1
    # second round where the maximum of the first is inside its step and the parabola through it and its
    # neighbours (the step's start value before the first point) may still rise more than the bar
    y_start = full[r, o, base[start[r, sl]]]
    prev = np.where(j1 > 0, y[np.maximum(j1 - 1, 0), np.arange(len(r))], y_start)
    nxt = y[np.minimum(j1 + 1, 2**l1 - 1), np.arange(len(r))]
    again = (j1 < 2**l1 - 1) & (_rise(prev, best, nxt) > PARABOLA_SAFETY * rtol * best)
    if again.any():
        b2v, w2 = _second_round(ch, h, (l1, l2), X, Xs, A, offset, t0, r[again], sl[again], j1[again],
                                o[again])
        up = b2v > best[again]
        idx = np.flatnonzero(again)[up]
        best[idx], when[idx] = b2v[up], w2[up]
    cmax = np.full(kb.shape, -np.inf)
    tmax = np.full(kb.shape, np.nan)
    order = np.argsort(best, kind="stable")  # a pair read on both sides keeps its larger value (written last)
    cmax[r[order], o[order]] = best[order]
    tmax[r[order], o[order]] = when[order]
    return cmax, tmax


def _scan(F: np.ndarray, X: np.ndarray, A: np.ndarray, n: int, offset: Callable[[np.ndarray], np.ndarray],
          t0: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """The observables (n, p, nobs, S) and the states ``F^j X`` (n, p, m, S) at ``t0 + j dt``, ``j = 1 .. n``, with
    ``F = expm(K dt)`` and X the states at ``t0`` (p, S): ``A F^j X`` in one product, plus the offset, affine in
    time inside a step that no source enters (constant infusion rate, amount given linear in time)."""
    p, m, S = X.shape
    Xs = np.empty((n, p, m, S))
    for j in range(n):
        X = np.matmul(F, X, out=Xs[j])
    Ys = np.moveaxis(np.matmul(A, np.moveaxis(Xs, 0, 2).reshape(p, m, n * S)).reshape(p, A.shape[1], n, S), 2, 0)
    o0 = offset(t0)
    Ys += o0 + np.arange(1, n + 1)[:, None, None, None] * (offset(t0 + dt) - o0)
    return Ys, Xs


def _second_round(ch: Chunk, h: float, levels: tuple[int, int], X0: np.ndarray, Xs: np.ndarray, A: np.ndarray,
                  offset: Callable[[np.ndarray], np.ndarray], t0: np.ndarray, r: np.ndarray, sl: np.ndarray,
                  j1: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maxima (pairs,) and times of pairs ``(r, o)`` on ``2^(l2 - l1 + 1)`` points of step ``h / 2^l2`` across
    the two first-round steps around their first-round maximum ``j1`` (slot ``sl``)."""
    l1, l2 = levels
    dt1, dt2 = h / 2**l1, h / 2**l2
    p = X0.shape[0]
    key = sl * (2**l1 + 1) + j1  # per patient: distinct (slot, first-round maximum)
    keys = np.zeros((p, len(r)), dtype=int)
    keys[r, np.arange(len(r))] = key
    mine = np.zeros((p, len(r)), dtype=bool)
    mine[r, np.arange(len(r))] = True
    slots = _slots(keys, mine)
    s_of, j_of = slots // (2**l1 + 1), slots % (2**l1 + 1)
    every = np.concatenate([X0[None], Xs], axis=0)  # state at first-round point j (0: the step's start)
    Xb = np.transpose(every[j_of, np.arange(p)[:, None], :, s_of], (0, 2, 1))  # state at j1 - 1 (point j1)
    tb = t0[np.arange(p)[:, None], s_of] + j_of * dt1
    n2 = 2 ** (l2 - l1 + 1)
    Ys, _ = _scan(ch.fine(h, l2), np.ascontiguousarray(Xb), A, n2, offset, tb, dt2)
    col = np.argmax(slots[r] == key[:, None], axis=1)
    y = Ys[:, r, o, col]
    j2 = np.argmax(y, axis=0)
    return y[j2, np.arange(len(r))], tb[r, col] + (j2 + 1) * dt2
