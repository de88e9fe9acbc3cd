"""Peaks between output times: maxima of tissues and carriers that rise and fall within one output step.

After an IV bolus a tissue's blood content, a fast-equilibrating free drug or a fast-clearing carrier can peak within
seconds to minutes, long before the next output time: read on the output grid, the heart Cmax of free doxorubicin
after a mouse bolus was 0.14x the model's own peak (1,001 points over a week, peak at 30 s), the tumour Demax of a
220 nm silica particle 0.67x (measured 2026-12-04, ``tests/analysis/test_peaks.py``). :func:`peak_solution` solves
the same model and doses again on the output grid plus log-spaced times inside the first output step after each
bolus, when some observable has a local maximum at the first output time after a bolus (otherwise the solution
is returned as it is); the peak metrics of
:func:`nanodds.analysis.metrics.compute_metrics` are read on it. AUCs stay exact on any grid and are not re-read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nanodds.solve.solution import Solution, same_time_tol_h

__all__ = ["PEAK_FIRST_H", "PEAK_POINTS", "peak_solution", "peak_times", "refined_times"]

PEAK_FIRST_H = 1e-4
"""First refined time after a bolus (h; 0.36 s): below the fastest tissue peaks measured (~6 s, heart blood)."""
PEAK_POINTS = 48
"""Log-spaced times from :data:`PEAK_FIRST_H` to the next output time (a ratio of ~1.2-1.3 between neighbours for
steps of 0.1-10 h: a smooth peak is then read within ~1-3 %)."""


def _boluses(sol: Solution) -> list[float]:
    return sorted({e.start_h for e in sol.dose_events if e.duration_h == 0})


def refined_times(sol: Solution) -> np.ndarray:
    """Times (h) inside the first output step after each bolus of ``sol``: see :func:`peak_times`."""
    return peak_times(sol.times_h, _boluses(sol))


def peak_times(times_h: np.ndarray, bolus_h: Sequence[float], points: int = PEAK_POINTS) -> np.ndarray:
    """Times (h) inside the first output step after each bolus: ``t_d + geomspace(PEAK_FIRST_H, step)``.

    Parameters
    ----------
    times_h : ndarray
        Output times (h), increasing.
    bolus_h : sequence of float
        Start times of the boluses (h).
    points : int
        Log-spaced points from :data:`PEAK_FIRST_H` to the next output time, that time included.

    Returns
    -------
    ndarray
        Sorted times not on ``times_h``; a bolus at or after the last output time, or one whose next output time
        is within :data:`PEAK_FIRST_H`, adds none.
    """
    t = np.asarray(times_h, dtype=float)
    out: list[np.ndarray] = []
    for td in sorted(set(bolus_h)):
        j = int(np.searchsorted(t, td + same_time_tol_h(td), side="right"))
        if j >= len(t):
            continue
        step = float(t[j]) - td
        if step <= PEAK_FIRST_H:
            continue
        out.append(td + np.geomspace(PEAK_FIRST_H, step, points)[:-1])
    return np.setdiff1d(np.concatenate(out), t) if out else np.empty(0)


def _peaks_after_a_bolus(sol: Solution) -> bool:
    """Some observable has a local maximum at the first output time after a bolus (its peak may lie before it):
    its largest value there, or a higher point than both neighbours (an early spike that decays before a later
    rise, which the largest value alone would not show)."""
    t = sol.times_h
    firsts = {int(np.searchsorted(t, td + same_time_tol_h(td), side="right")) for td in _boluses(sol)}
    firsts = sorted(j for j in firsts if j < len(t))
    if not firsts:
        return False
    Y = sol.y @ np.stack([o.weights for o in sol.model.observables.values()], axis=1)  # (T, observables)
    if np.isin(np.argmax(Y, axis=0), firsts).any():
        return True
    inner = [j for j in firsts if j + 1 < len(t)]
    return bool(inner) and bool(np.any((Y[inner] > Y[[j - 1 for j in inner]]) & (Y[inner] > Y[[j + 1 for j in inner]])))


def peak_solution(sol: Solution) -> Solution:
    """``sol``, or the same model and doses solved on its grid plus :func:`refined_times` when a peak may lie
    inside the first output step after a bolus (same back-end family: exact linear or stiff)."""
    if not _peaks_after_a_bolus(sol):
        return sol
    extra = refined_times(sol)
    if not len(extra):
        return sol
    from nanodds.solve.api import solve

    backend = "linear" if sol.method == "linear-expm" else "stiff"
    return solve(sol.model, sol.dose_events, np.union1d(sol.times_h, extra), backend=backend)
