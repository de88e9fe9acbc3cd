"""Global (Sobol) sensitivity of delivery outcomes to design, carrier and physiology parameters.

Variance-based indices (Saltelli 2002 / 2010 estimators through SALib): for an outcome ``Y = f(X)`` with
independent inputs uniform on their ranges,

* first order ``S1_i = Var(E[Y | X_i]) / Var(Y)`` (the share of the variance due to ``X_i`` alone);
* total ``ST_i = E[Var(Y | X_~i)] / Var(Y)`` (``X_i`` with all its interactions).

The inputs are drawn from a scrambled Sobol sequence (``N (D + 2)`` model runs for ``D`` parameters, ``N`` a
power of two); confidence intervals come from bootstrap resampling. A range may be log-uniform
(``log: true``). Outcomes of a scenario (:data:`OUTCOMES`): plasma total-drug AUC0-inf, heart AUC0-inf,
tumour delivery efficiency DE24 (% of the dose in the tumour at 24 h) and the tumour/heart AUC targeting
index. The runs go through the shared forward model (:class:`nanodds.analysis.forward.ForwardModel`): all at
once by the exact batched solver when the model is linear with no stimulus schedule, otherwise one by one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.model_params import ParamSpec
from nanodds.errors import InputError
from nanodds.specs.scenario import Scenario

__all__ = ["OUTCOMES", "SobolResult", "plot_sobol", "scenario_outcomes", "scenario_sensitivity",
           "sobol_analysis"]

OUTCOMES: dict[str, str] = {
    "plasma_auc_mg_h_per_L": "plasma total drug AUC0-inf (mg h/L)",
    "heart_auc_mg_h_per_L": "heart total drug AUC0-inf (mg h/L)",
    "tumour_de24_percent": "tumour DE24 (% of dose)",
    "tumour_heart_targeting_index": "tumour/heart AUC ratio (-)",
}


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of each outcome.

    Attributes
    ----------
    table : DataFrame
        One row per (outcome, parameter): ``S1, S1_conf, ST, ST_conf`` (``*_conf``: half-width of the
        ``conf_level`` bootstrap interval).
    params : list of ParamSpec
    n : int
        Base sample size (``n (D + 2)`` evaluations).
    samples : ndarray, shape (n (D + 2), D)
        The inputs, canonical units.
    outputs : dict of ndarray
        Each outcome at each sample.
    conf_level : float
    """

    table: pd.DataFrame
    params: list[ParamSpec]
    n: int
    samples: np.ndarray
    outputs: dict[str, np.ndarray]
    conf_level: float
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (indices, parameter ranges, outcome means and SDs)."""
        return {
            "method": "Sobol indices, Saltelli sampling and estimators (SALib), bootstrap CIs",
            "n_base": self.n, "evaluations": len(self.samples), "conf_level": self.conf_level,
            "parameters": [{"name": p.name, "unit": p.unit, "low": p.low, "high": p.high, "log": p.log}
                           for p in self.params],
            "outcomes": {k: {"mean": float(np.mean(v)), "sd": float(np.std(v))} for k, v in self.outputs.items()},
            "indices": self.table.to_dict(orient="records"), "notes": list(self.notes),
        }


def _check_n(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 2 or n & (n - 1):
        raise InputError("n", n, "a power of two >= 2 (Sobol sequence), e.g. 256")


def sobol_analysis(func: Callable[[np.ndarray], Mapping[str, np.ndarray]], params: Sequence[ParamSpec], n: int,
                   *, seed: int = 0, num_resamples: int = 200, conf_level: float = 0.95) -> SobolResult:
    """Sobol first-order and total indices of every output of ``func``.

    Parameters
    ----------
    func : callable
        Maps a sample matrix ``X`` (rows = samples, columns = ``params`` in canonical units) to
        ``{outcome: values}`` with one value per row.
    params : sequence of ParamSpec
        Ranges (uniform, or log-uniform when ``log``).
    n : int
        Base sample size, a power of two.
    seed : int
        Seeds the scrambled Sobol sequence and the bootstrap.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    _check_n(n)
    params = list(params)
    if not params:
        raise InputError("parameters", params, "at least one parameter")
    d = len(params)
    problem = {"num_vars": d, "names": [p.name for p in params], "bounds": [[0.0, 1.0]] * d}
    U = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    lo = np.array([np.log(p.low) if p.log else p.low for p in params])
    hi = np.array([np.log(p.high) if p.log else p.high for p in params])
    X = lo + U * (hi - lo)
    logs = np.array([p.log for p in params])
    X[:, logs] = np.exp(X[:, logs])
    outputs = {k: np.asarray(v, dtype=float) for k, v in func(X).items()}
    rows = []
    for name, y in outputs.items():
        if y.shape != (len(X),) or not np.all(np.isfinite(y)):
            raise RuntimeError(f"outcome {name}: expected {len(X)} finite values")
        if np.ptp(y) == 0:
            s1 = st = np.zeros(d)
            s1c = stc = np.zeros(d)
        else:
            r = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                      conf_level=conf_level, seed=seed)
            s1, s1c, st, stc = r["S1"], r["S1_conf"], r["ST"], r["ST_conf"]
        rows += [{"outcome": name, "parameter": p.name, "S1": float(s1[i]), "S1_conf": float(s1c[i]),
                  "ST": float(st[i]), "ST_conf": float(stc[i])} for i, p in enumerate(params)]
    table = pd.DataFrame(rows)
    notes = _outside_unit_interval(table, n)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return SobolResult(table, params, n, X, outputs, conf_level, tuple(notes))


def _outside_unit_interval(table: pd.DataFrame, n: int) -> list[str]:
    """A note when an index lies outside [0, 1] by more than its bootstrap half-width: Sobol indices are
    fractions of a variance, so the sample is too small for the estimates to mean anything."""
    out = []
    for kind in ("S1", "ST"):
        v, c = table[kind].to_numpy(), table[f"{kind}_conf"].to_numpy()
        bad = np.flatnonzero((v < -c) | (v > 1.0 + c))
        if bad.size:
            r = table.iloc[bad[0]]
            out.append(f"sensitivity: {kind} of {r['parameter']} for {r['outcome']} is {r[kind]:.3g} +/- "
                       f"{r[f'{kind}_conf']:.2g}, outside [0, 1] (a fraction of the variance): the base sample n = "
                       f"{n} is too small for the indices to mean anything; use a larger --n (e.g. 256)")
    return out


def _progress_bar(total: int, enabled: bool) -> Any:
    """A rich progress bar over ``total`` runs (a no-op context when disabled)."""
    import contextlib

    if not enabled:
        return contextlib.nullcontext(None)
    from rich.progress import Progress

    return Progress(transient=True)


def scenario_outcomes(scn: Scenario, params: Sequence[ParamSpec], X: np.ndarray, *, linear: bool | None = None,
                      progress: bool = False) -> dict[str, np.ndarray]:
    """Outcomes of ``scn`` for each row of ``X`` (columns = ``params``, canonical units).

    ``linear=None`` takes the exact linear path when the scenario's saturation is off (or its solver is
    ``linear``) and the scenario's own solver otherwise; the runs go through
    :class:`nanodds.analysis.forward.ForwardModel` (batched when linear).
    """
    from nanodds.analysis.forward import ForwardModel

    has_tumour = scn.physiology.tumour is not None
    dose = scn.regimen.total_mg
    grid = np.union1d([0.0, scn.duration_h], [24.0] if scn.duration_h >= 24.0 else [])
    names = ["plasma_total", "tissue_heart"] + (["tissue_tumour", "amount_tumour"] if has_tumour else [])
    fm = ForwardModel(scn, [p.name for p in params], names, linear=linear)
    with _progress_bar(len(X), progress) as bar:
        task = bar.add_task("solving", total=len(X)) if bar is not None else None
        res = fm.simulate(X, grid, progress=None if bar is None else
                          (lambda done, total: bar.update(task, completed=done)))
    A = {k: np.where(np.isfinite(res.auc_inf[k]), res.auc_inf[k], res.auc_t[k]) for k in names}
    out = {"plasma_auc_mg_h_per_L": A["plasma_total"], "heart_auc_mg_h_per_L": A["tissue_heart"]}
    if has_tumour:
        if 24.0 in grid:
            out["tumour_de24_percent"] = 100.0 * res.observables["amount_tumour"][:, int(np.searchsorted(grid, 24.0))] \
                / dose
        out["tumour_heart_targeting_index"] = A["tissue_tumour"] / A["tissue_heart"]
    return out


def scenario_sensitivity(scn: Scenario, params: Sequence[ParamSpec], n: int = 256, *, seed: int = 0,
                         outcomes: Sequence[str] | None = None, linear: bool | None = None,
                         progress: bool = False, conf_level: float = 0.95) -> SobolResult:
    """Sobol indices of the scenario outcomes (:data:`OUTCOMES`) to ``params``; see :func:`sobol_analysis`."""
    if outcomes is not None:
        bad = [o for o in outcomes if o not in OUTCOMES]
        if bad:
            raise InputError("outcomes", bad[0], f"one of {', '.join(OUTCOMES)}")

    def func(X: np.ndarray) -> dict[str, np.ndarray]:
        y = scenario_outcomes(scn, params, X, linear=linear, progress=progress)
        return {k: v for k, v in y.items() if outcomes is None or k in outcomes}

    return sobol_analysis(func, params, n, seed=seed, conf_level=conf_level)


def plot_sobol(result: SobolResult, path: str | Path, title: str = "") -> Path:
    """Bar chart of S1 and ST (with their confidence intervals) per outcome; PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tab = result.table
    outs = list(dict.fromkeys(tab["outcome"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(3.4 * len(outs) + 1.0, 3.8), squeeze=False, sharey=True)
    for ax, o in zip(axes[0], outs, strict=True):
        t = tab[tab["outcome"] == o]
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="first order S1")
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="total ST")
        ax.set_xticks(x, t["parameter"], rotation=40, ha="right", fontsize=8)
        ax.set_title(OUTCOMES.get(o, o), fontsize=8)
        ax.axhline(0, color="0.5", lw=0.5)
    axes[0][0].set_ylabel(f"Sobol index ({100 * result.conf_level:g}% CI)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title or f"Sobol sensitivity, N = {result.n}", fontsize=9)
    fig.tight_layout()
    from nanodds.io.atomic import save_figure

    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
