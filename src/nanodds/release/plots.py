"""PNG plots of release fits and profile comparisons (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nanodds.release.fitting import FitResult


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_fits(
    t: np.ndarray, y: np.ndarray, fits: list[FitResult], out: Path, profile: str, time_unit: str, top: int = 5,
    stem: str | None = None,
) -> list[Path]:
    """Draw the data with the ``top`` ranked fits and their residuals; returns the two PNG paths.

    The files are ``fits_<stem>.png`` and ``residuals_<stem>.png``; ``stem`` defaults to the sanitised
    profile name (:func:`nanodds.io.atomic.safe_stems`); pass the stems of all profiles of a run so that two
    names that sanitise alike do not overwrite each other.
    """
    from nanodds.io.atomic import safe_stems, save_figure

    stem = stem or safe_stems([profile])[profile]
    plt = _plt()
    best = [f for f in fits if f.ok][: max(top, 1)]
    grid = np.linspace(0.0, float(np.max(t)) * 1.02, 300)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.plot(t, y, "ko", label="data (mean)")
    for f in best:
        ax.plot(grid, f.predict(grid), label=f"{f.rank}. {f.model}")
    ax.set(xlabel=f"time [{time_unit}]", ylabel="released [%]", title=f"Release fits: {profile}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        p_fit = save_figure(fig, out / f"fits_{stem}.png")
    finally:
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for f in best:
        ax.plot(t, y - f.predict(t), "o-", ms=4, label=f.model)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set(xlabel=f"time [{time_unit}]", ylabel="residual (observed − fitted) [%]",
           title=f"Residuals: {profile}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        p_res = save_figure(fig, out / f"residuals_{stem}.png")
    finally:
        plt.close(fig)
    return [p_fit, p_res]


def plot_comparison(res: dict[str, Any], out: Path) -> Path:
    """Mean reference and test profiles with the time points used for f1/f2 marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    t = np.asarray(res["times"])
    ax.plot(t, res["mean_reference"], "o-", label=f"reference {res['reference']}")
    ax.plot(t, res["mean_test"], "s-", label=f"test {res['test']}")
    for tp in res["time_points"]:
        ax.axvline(tp, color="0.8", lw=0.8, zorder=0)
    ax.axhline(85.0, color="0.5", ls="--", lw=0.8)
    ax.set(xlabel=f"time [{res['time_unit']}]", ylabel="released [%]",
           title=f"f1 = {res['f1']:.2f}, f2 = {res['f2']:.2f} (rule {res['rule']})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    from nanodds.io.atomic import save_figure

    try:
        return save_figure(fig, out / "comparison.png")
    finally:
        plt.close(fig)
