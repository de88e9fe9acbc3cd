"""Non-compartmental helpers on exact model output: terminal slope, Cmax/Tmax, fluctuation."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

TERMINAL_WINDOW_STARTS = (0.25, 0.5, 0.75)
"""Candidate starts of the terminal-phase window, as fractions of the post-Tmax time span."""
MIN_TERMINAL_POINTS = 3


def terminal_half_life_h(t: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """Terminal half-life (h) by log-linear regression, and the adjusted R^2 of the chosen fit.

    The window is chosen among those starting at 25, 50 and 75 % of the span between Tmax and the last
    time, by the highest adjusted R^2 (PKNCA/WinNonlin "best fit" rule applied to windows instead of point
    counts, since the model output is dense). Returns (nan, nan) when fewer than 3 positive points exist.
    """
    i_max = int(np.argmax(c))
    t_after, c_after = t[i_max:], c[i_max:]
    ok = c_after > 0
    t_after, c_after = t_after[ok], c_after[ok]
    if len(t_after) < MIN_TERMINAL_POINTS:
        return float("nan"), float("nan")
    best = (float("nan"), -np.inf)
    span = t_after[-1] - t_after[0]
    for frac in TERMINAL_WINDOW_STARTS:
        sel = t_after >= t_after[0] + frac * span
        if sel.sum() < MIN_TERMINAL_POINTS:
            continue
        x, yv = t_after[sel], np.log(c_after[sel])
        slope, intercept = np.polyfit(x, yv, 1)
        resid = yv - (slope * x + intercept)
        ss_tot = float(np.sum((yv - yv.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
        n = sel.sum()
        r2_adj = 1.0 - (1.0 - r2) * (n - 1) / (n - 2)
        if slope < 0 and r2_adj > best[1]:
            best = (float(np.log(2) / -slope), r2_adj)
    return best[0], float(best[1]) if np.isfinite(best[1]) else float("nan")


def cmax_tmax(t: np.ndarray, c: np.ndarray) -> tuple[float, float]:
    """Highest value on the output grid and its time."""
    i = int(np.argmax(c))
    return float(c[i]), float(t[i])


def value_at(t: np.ndarray, c: np.ndarray, t_query: float) -> float:
    """Value at an output time (the grid includes the metric times; linear interpolation otherwise)."""
    return float(np.interp(t_query, t, c))


def last_dosing_interval(starts_h: Sequence[float], t_end_h: float) -> tuple[float, float] | str:
    """The last complete dosing interval [t0, t1] (h) inside the simulated window [0, ``t_end_h``].

    Candidates are the intervals between consecutive dose starts and, when the regimen's last dose is in the
    window, the interval of the same length after it; the latest one lying wholly inside the window is
    taken. Doses after the window (a regimen longer than the simulation) only shorten the choice.

    Returns
    -------
    tuple of float or str
        ``(t0, t1)``, or the reason why no interval qualifies.
    """
    s = sorted(set(float(x) for x in starts_h))
    if len(s) < 2:
        return "a single dose time: no dosing interval"
    if s[-1] + (s[-1] - s[-2]) <= t_end_h:
        return s[-1], s[-1] + (s[-1] - s[-2])
    inside = [(a, b) for a, b in pairwise(s) if b <= t_end_h]
    if inside:
        return inside[-1]
    return (f"no complete dosing interval inside the simulated window [0, {t_end_h:g}] h "
            f"(doses at {', '.join(f'{x:g}' for x in s[:4])}{', ...' if len(s) > 4 else ''} h)")


def fluctuation_percent(t: np.ndarray, c: np.ndarray, cum_auc: np.ndarray, t0: float, t1: float,
                        c_end: float | None = None) -> dict:
    """Peak-trough fluctuation over the dosing interval [t0, t1]: (Cmax - Cmin) / Cavg * 100.

    ``Cavg = AUC_tau / tau`` with the exact cumulative AUC at the interval's ends. Cmax and Cmin are taken over
    the output times in [t0, t1) and the value at the end of the interval, ``c_end`` (the value just before
    a dose given at t1; default: the output at t1). The interval must lie inside the output times.
    """
    if not (t[0] <= t0 < t1 <= t[-1]):
        raise ValueError(f"dosing interval [{t0:g}, {t1:g}] h is not inside the output times "
                         f"[{t[0]:g}, {t[-1]:g}] h")
    sel = (t >= t0) & (t < t1)
    end = float(np.interp(t1, t, c)) if c_end is None else float(c_end)
    vals = np.concatenate([c[sel], [float(np.interp(t0, t, c)), end]])
    cmax, cmin = float(vals.max()), float(vals.min())
    auc_tau = float(np.interp(t1, t, cum_auc) - np.interp(t0, t, cum_auc))
    cavg = auc_tau / (t1 - t0)
    return {"interval_h": [t0, t1], "cmax_mg_per_L": cmax, "cmin_mg_per_L": cmin,
            "cavg_mg_per_L": cavg, "ptf_percent": 100.0 * (cmax - cmin) / cavg if cavg > 0 else float("nan")}
