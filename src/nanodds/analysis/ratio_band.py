"""Time a molar ratio spends within a band around its target (co-loaded carriers, :mod:`.combination`)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DEFAULT_TOLERANCE", "ratio_maintenance"]

DEFAULT_TOLERANCE = 0.2
"""Relative half-width of the band (+/-20 %), the default of a combination scenario's ``ratio_tolerance``."""


def ratio_maintenance(t: np.ndarray, ratio: np.ndarray, target: float, windows: tuple[tuple[float, float], ...],
                      tol: float = DEFAULT_TOLERANCE) -> dict[str, Any]:
    """Time within ``target * (1 +/- tol)`` over each window, and the time-averaged |ln(ratio/target)|.

    The indicator is evaluated on the grid and integrated with the trapezoid rule (undefined ratios count as
    outside); ``first_exit_h`` is the first grid time after which the ratio leaves the band, having been in it.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(np.log(ratio / target))
    inside = np.isfinite(dev) & (np.abs(ratio / target - 1.0) <= tol)
    out: dict[str, Any] = {"target": target, "tolerance": tol}
    for a, b in windows:
        m = (t >= a) & (t <= b)
        tw, iw, dw = t[m], inside[m].astype(float), dev[m]
        hours = float(np.sum(np.diff(tw) * 0.5 * (iw[1:] + iw[:-1]))) if tw.size > 1 else 0.0
        ok = np.isfinite(dw)
        mean_dev = float(np.trapezoid(dw[ok], tw[ok]) / (tw[ok][-1] - tw[ok][0])) if ok.sum() > 1 else None
        out[f"{a:g}-{b:g}h"] = {"hours_within": hours, "fraction_within": hours / (b - a),
                                "mean_abs_log_deviation": mean_dev}
    entered = np.flatnonzero(inside)
    exit_h = None
    if entered.size:
        after = np.flatnonzero(~inside[entered[0]:])
        exit_h = float(t[entered[0] + after[0]]) if after.size else None
    out["first_exit_h"] = exit_h
    for th in (24.0, 72.0):
        if th <= t[-1]:
            out[f"ratio_at_{int(th)}h"] = float(np.interp(th, t, ratio))
    return out
