"""AI-assisted PBPK under study-grouped CV: tumour time courses from out-of-fold predicted parameters.

For every data set, the tumour parameters predicted by a forest that never saw its study are run through
:mod:`nanodds.design.tumour_pbpk` and compared with the measured tumour %ID of ``timecourses.csv`` (median fold
error per time window) and with DE24 / Demax of ``datasets.csv``. The authors' fitted parameters give the
ceiling (how well the PBPK structure itself reproduces the data).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from nanodds.design.cv import metrics
from nanodds.design.tumour_pbpk import TUMOUR_PARAMS, tumour_time_course

__all__ = ["TIME_WINDOWS_H", "timecourse_cv"]

TIME_WINDOWS_H: tuple[float, ...] = (0.0, 1.0, 4.0, 12.0, 24.0, 48.0, 168.0)
"""Edges (h) of the time windows in which the time-course fold errors are summarised."""
DEMAX_GRID_H = np.geomspace(0.1, 168.0, 120)
"""Times (h) on which the maximum of the simulated tumour %ID (Demax) is taken."""


def timecourse_cv(df: pd.DataFrame, param_log_pred: np.ndarray, timecourses: pd.DataFrame) -> dict[str, Any]:
    """Fold errors of the PBPK time courses with predicted and with fitted tumour parameters.

    Parameters
    ----------
    df : pandas.DataFrame
        Training rows (``ID``, ``BW``, ``DE24``, ``Demax`` and the fitted :data:`TUMOUR_PARAMS`).
    param_log_pred : numpy.ndarray
        Out-of-fold log10 predictions of the tumour parameters, rows aligned with ``df``.
    timecourses : pandas.DataFrame
        ``ID, Time, Tumor`` (% of injected dose in the tumour).

    Returns
    -------
    dict
        ``windows``: per time window the number of points and the median fold error with predicted and with
        fitted parameters; ``DE24``/``Demax``: :func:`~nanodds.design.cv.metrics` of the PBPK values with
        predicted and with fitted parameters.
    """
    tc = timecourses[timecourses["Tumor"] > 0]
    obs_by_id = {i: g for i, g in tc.groupby("ID")}
    grid = np.unique(np.concatenate([DEMAX_GRID_H, [24.0]]))
    rows: list[tuple[float, float, float]] = []
    de = {k: np.zeros((len(df), 2)) for k in ("DE24", "Demax")}
    for r, (_, row) in enumerate(df.iterrows()):
        fitted = {k: float(row[k]) for k in TUMOUR_PARAMS}
        pred = dict(zip(TUMOUR_PARAMS, (10 ** param_log_pred[r]).tolist(), strict=True))
        g = obs_by_id.get(row["ID"])
        times = np.unique(np.concatenate([grid, g["Time"].to_numpy() if g is not None else []]))
        sims = [tumour_time_course(p, float(row["BW"]), times) for p in (pred, fitted)]
        for c, s in enumerate(sims):
            de["DE24"][r, c] = s[times == 24.0][0]
            de["Demax"][r, c] = s[np.isin(times, grid)].max()
        if g is not None:
            for t, o in zip(g["Time"], g["Tumor"], strict=True):
                k = int(np.flatnonzero(times == t)[0])
                rows.append((float(t), np.log10(sims[0][k] / o), np.log10(sims[1][k] / o)))
    e = pd.DataFrame(rows, columns=["t", "pred", "fitted"])
    windows = []
    for lo, hi in itertools.pairwise(TIME_WINDOWS_H):
        sel = e[(e["t"] > lo) & (e["t"] <= hi)]
        windows.append({"from_h": lo, "to_h": hi, "n": len(sel),
                        "mfe_predicted": float(10 ** sel["pred"].abs().median()) if len(sel) else None,
                        "mfe_fitted": float(10 ** sel["fitted"].abs().median()) if len(sel) else None})
    out: dict[str, Any] = {"windows": windows, "n_points": len(e)}
    for k, arr in de.items():
        y = np.log10(df[k].to_numpy(dtype=float))
        out[k] = {"predicted": metrics(y, np.log10(arr[:, 0])), "fitted": metrics(y, np.log10(arr[:, 1]))}
    return out
