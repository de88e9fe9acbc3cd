"""Exposure read-outs of a concentration time course: time above a threshold, time within a window."""

from __future__ import annotations

import numpy as np

__all__ = ["time_above_h", "time_within_h"]


def _segments(t_h: np.ndarray, c: np.ndarray, test) -> float:
    """Hours where ``test(c)`` holds, with linear interpolation of crossings inside each output interval."""
    t = np.asarray(t_h, dtype=float)
    c = np.asarray(c, dtype=float)
    fine = np.linspace(0.0, 1.0, 33)
    total = 0.0
    for i in range(len(t) - 1):
        cc = c[i] + (c[i + 1] - c[i]) * fine
        ok = test(cc)
        total += (t[i + 1] - t[i]) * float(np.mean(0.5 * (ok[1:] + ok[:-1])))
    return total


def time_above_h(t_h: np.ndarray, c: np.ndarray, threshold: float) -> float:
    """Hours with ``c > threshold`` (linear interpolation between output times, resolution 1/32 interval)."""
    return _segments(t_h, c, lambda x: (x > threshold).astype(float))


def time_within_h(t_h: np.ndarray, c: np.ndarray, low: float, high: float) -> float:
    """Hours with ``low <= c <= high`` (the therapeutic window)."""
    return _segments(t_h, c, lambda x: ((x >= low) & (x <= high)).astype(float))
