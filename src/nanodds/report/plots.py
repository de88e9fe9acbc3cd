"""PNG plots of a simulation and of a nano vs conventional comparison (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nanodds.solve.solution import Solution

__all__ = ["MAIN_ORGANS", "plot_arms", "plot_comparison", "plot_simulation"]

MAIN_ORGANS: tuple[str, ...] = ("heart", "liver", "spleen", "kidney", "lung", "marrow", "skin", "muscle", "tumour")


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _positive(y: np.ndarray) -> np.ndarray:
    """NaN where not > 0 (log axes)."""
    y = np.asarray(y, dtype=float)
    return np.where(y > 0, y, np.nan)


def _has_positive(y: np.ndarray) -> bool:
    return bool(np.any(np.asarray(y) > 0))


def _clip_log(ax, decades: float = 6.0) -> None:
    """Limit a log y axis to ``decades`` below its highest plotted value."""
    hi = [np.nanmax(ln.get_ydata()) for ln in ax.get_lines() if np.any(np.isfinite(ln.get_ydata()))]
    if hi:
        top = max(hi)
        ax.set_ylim(bottom=max(ax.get_ylim()[0], top * 10.0 ** -decades), top=top * 2.0)


def _organs(sol: Solution) -> list[str]:
    return [o for o in MAIN_ORGANS if o in sol.model.volumes_L]


def plot_simulation(sol: Solution, metrics: dict[str, Any] | None, out_dir: str | Path) -> list[Path]:
    """Write ``plasma.png``, ``tissues.png`` and (with a tumour) ``tumour.png``; returns the paths."""
    plt = _plt()
    out = Path(out_dir)
    t = sol.times_h
    written: list[Path] = []

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, label, style in (("plasma_total", "total", "-"), ("plasma_encapsulated", "encapsulated", "--"),
                               ("plasma_free", "released (free)", ":")):
        c = sol.observe(name)
        if _has_positive(c):
            ax.plot(t, _positive(c), style, label=label)
    ax.set_yscale("log")
    _clip_log(ax)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("plasma concentration (mg/L)")
    title = "Plasma drug"
    if metrics and metrics.get("plasma_total", {}).get("t_half_h"):
        title += f" (terminal t1/2 {metrics['plasma_total']['t_half_h']:.3g} h)"
    ax.set_title(title)
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    written.append(_save(fig, out / "plasma.png", plt))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for organ in _organs(sol):
        c = sol.observe(f"tissue_{organ}")
        if _has_positive(c):
            ax.plot(t, _positive(c), label=organ, lw=2.2 if organ in ("tumour", "heart") else 1.2)
    ax.set_yscale("log")
    _clip_log(ax)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("tissue total drug (mg/L)")
    ax.set_title("Tissue concentrations")
    ax.legend(ncol=2, fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    written.append(_save(fig, out / "tissues.png", plt))

    if "tumour" in sol.model.volumes_L:
        dose = float(metrics["dose_total_mg"]) if metrics and metrics.get("dose_total_mg") else \
            float(sol.dosed.get("drug", 0.0))
        fig, ax = plt.subplots(figsize=(7, 4.5))
        if dose > 0:
            ax.plot(t, 100.0 * sol.observe("amount_tumour") / dose, label="drug (free + encapsulated)")
            if "carrier_amount_tumour" in sol.model.observables and sol.dosed.get("carrier", 0.0) > 0:
                ax.plot(t, 100.0 * sol.observe("carrier_amount_tumour") / sol.dosed["carrier"], "--",
                        label="carrier")
        ax.set_xlabel("time (h)")
        ax.set_ylabel("delivery efficiency DE(t) (% of dose in tumour)")
        ax.set_title("Tumour delivery")
        ax.legend()
        ax.grid(True, alpha=0.3)
        written.append(_save(fig, out / "tumour.png", plt))
    return written


def _auc(sol: Solution, name: str) -> float:
    auc_t, auc_inf = sol.observe_auc(name)
    return auc_inf if np.isfinite(auc_inf) else auc_t


def plot_comparison(sol_nano: Solution, sol_conv: Solution, out_dir: str | Path,
                    filename: str = "comparison.png") -> Path:
    """Write ``filename`` (default ``comparison.png``): plasma total and unbound drug of both formulations, and
    tissue AUC bars of the drug that acts (released, and unbound in tissue water) beside total drug (log scales).

    The bars are labelled with the nano / conventional ratio of released drug: the number that says whether the
    carrier brought more active drug to the tumour and less to the heart, marrow and skin.
    """
    plt = _plt()
    out = Path(out_dir)
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(18, 5.0))
    _plasma_panel(ax1, ((sol_nano, "nanoformulation", "C0"), (sol_conv, "conventional", "C1")), fontsize=8)

    organs = [o for o in _organs(sol_nano) if o in sol_conv.model.volumes_L]
    x = np.arange(len(organs))
    for ax, prefix, title in ((ax2, "tissue_released_", "What acts: released drug AUC (unbound + cell-bound)"),
                              (ax3, "tissue_", "Total drug AUC (encapsulated + released)")):
        a_nano = np.array([_auc(sol_nano, f"{prefix}{o}") for o in organs])
        a_conv = np.array([_auc(sol_conv, f"{prefix}{o}") for o in organs])
        ax.bar(x - 0.2, _positive(a_nano), 0.4, label="nanoformulation", color="C0")
        ax.bar(x + 0.2, _positive(a_conv), 0.4, label="conventional", color="C1")
        if _has_positive(np.concatenate([a_nano, a_conv])):
            ax.set_yscale("log")
        for xi, a, b in zip(x, a_nano, a_conv, strict=True):
            if a > 0 and b > 0:
                ax.annotate(f"{a / b:.2g}x", (xi, max(a, b)), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, organs, rotation=30)
        ax.set_ylabel("tissue AUC (mg h/L)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", which="both", alpha=0.3)
    return _save(fig, out / filename, plt)


def plot_arms(sols: list[Solution], labels: list[str], out_dir: str | Path, filename: str = "comparison.png") -> Path:
    """Write ``filename``: plasma total and unbound drug of every arm, and tissue AUC bars of the drug that acts
    (released: unbound + cell-bound) beside total drug, one bar per arm (log scales). The first arm is the
    reference; each other arm's released-drug bar is labelled with its ratio to the reference."""
    plt = _plt()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(18, 5.0))
    _plasma_panel(ax1, [(sol, label, f"C{i}") for i, (sol, label) in enumerate(zip(sols, labels, strict=True))],
                  fontsize=7)
    organs = [o for o in _organs(sols[0]) if all(o in s.model.volumes_L for s in sols)]
    x = np.arange(len(organs))
    width = 0.8 / len(sols)
    for ax, prefix, title in ((ax2, "tissue_released_", "What acts: released drug AUC (unbound + cell-bound)"),
                              (ax3, "tissue_", "Total drug AUC (encapsulated + released)")):
        aucs = [np.array([_auc(s, f"{prefix}{o}") for o in organs]) for s in sols]
        for i, (a, label) in enumerate(zip(aucs, labels, strict=True)):
            xi = x - 0.4 + width * (i + 0.5)
            ax.bar(xi, _positive(a), width, label=label, color=f"C{i}")
            if i and prefix == "tissue_released_":
                for xj, v, r in zip(xi, a, aucs[0], strict=True):
                    if v > 0 and r > 0:
                        ax.annotate(f"{v / r:.2g}x", (xj, v), ha="center", va="bottom", fontsize=6)
        if _has_positive(np.concatenate(aucs)):
            ax.set_yscale("log")
        ax.set_xticks(x, organs, rotation=30)
        ax.set_ylabel("tissue AUC (mg h/L)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, axis="y", which="both", alpha=0.3)
    return _save(fig, Path(out_dir) / filename, plt)


def _save(fig, path: Path, plt) -> Path:
    from nanodds.io.atomic import save_figure

    fig.tight_layout()
    try:
        return save_figure(fig, path, dpi=110)
    finally:
        plt.close(fig)


def _plasma_panel(ax, arms, fontsize: int) -> None:
    """Plasma total (solid) and unbound (dotted) drug of each ``(solution, label, colour)`` arm, log scale."""
    for sol, label, colour in arms:
        for name, style, what in (("plasma_total", "-", "total"), ("plasma_unbound", ":", "unbound")):
            c = sol.observe(name)
            if _has_positive(c):
                ax.plot(sol.times_h, _positive(c), style, color=colour, label=f"{label}, {what}")
    ax.set_yscale("log")
    _clip_log(ax)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("plasma drug (mg/L)")
    ax.set_title("Plasma: total vs unbound drug")
    ax.legend(fontsize=fontsize)
    ax.grid(True, which="both", alpha=0.3)
