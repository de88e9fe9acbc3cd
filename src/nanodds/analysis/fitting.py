"""Fit model parameters to observed concentrations: weighted nonlinear least squares in log space.

Data come as a tidy long table, one observation a row: ``ID``, ``time_h``, ``compartment`` (``plasma``,
``plasma_free``, ``plasma_encapsulated``, ``plasma_unbound`` or an organ such as ``liver``, ``tumour``),
``value``, ``unit`` (any pint concentration, e.g. ``mg/L``, ``ug/mL``, ``ng/mL``, read as total drug in that
compartment; or a mass, e.g. ``ug``, read as the organ's drug amount), and optionally ``dose_mg`` (the
subject's total dose; the scenario's regimen is scaled to it) and ``weight`` (default 1).

With parameters ``p = exp(theta)`` (positive, estimated on the log scale) the fit minimises

    sum_i w_i (log c_model(t_i; p) - log c_obs,i)^2

with ``scipy.optimize.least_squares`` (trust-region reflective, forward-difference Jacobian ``J``). With the
residual variance ``s^2 = RSS / (n - k)``, ``Cov(theta) = s^2 (J^T J)^-1``; the 95% interval of each
parameter is ``exp(theta +- t_{0.975, n-k} se(theta))`` and its standard error ``p se(theta)`` (delta
method). Predictions come from the shared forward model (:class:`nanodds.analysis.forward.ForwardModel`; the
model is assembled once per structural parameter change, a subject's dose is its ``dose_multiplier``); IDs with
the same dose share one solution.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.model_params import ScenarioModel, current_value, param_unit
from nanodds.errors import InputError
from nanodds.specs.scenario import Scenario
from nanodds.specs.validity import check_range
from nanodds.units import ureg

__all__ = ["FitResult", "fit_scenario", "plot_fit", "read_observations"]

REQUIRED = ("ID", "time_h", "compartment", "value", "unit")
OPTIONAL = ("dose_mg", "weight")
DERIVED = ("value_canonical", "observable")
"""Columns :func:`read_observations` adds (recomputed when a table it returned is read again)."""
PLASMA = {"plasma": "plasma_total", "plasma_total": "plasma_total", "plasma_free": "plasma_free",
          "plasma_encapsulated": "plasma_encapsulated", "plasma_unbound": "plasma_unbound"}
_TINY = 1e-300
_AT_BOUND = 1e-6
"""An estimate within this distance (log scale, i.e. relative) of a bound sits at it (numerical: the optimiser's
projected steps stop within ~1e-8 of an active bound)."""
_NEAR_BOUND = 1e-2
"""An estimate within this distance (log scale) of a bound is tried on the bound: where the objective is no worse
there (to :data:`_SAME_COST`), the data push it onto the bound and it is reported as such. The optimiser may stop on
its step tolerance short of a bound along a flat objective (seen: 2.4e-4 short of x1000, the cost equal to 1e-14),
and whether it does hangs on the last digits of the model's solution."""
_SAME_COST = 1e-9
"""Relative difference of two residual sums of squares taken as equal (far above their rounding, ~1e-14)."""


def _unit_factor(unit: str) -> tuple[float, str]:
    """(factor to canonical, kind) for a unit string: kind ``conc`` (-> mg/L) or ``amount`` (-> mg)."""
    reg = ureg()
    try:
        q = reg.Quantity(1.0, str(unit).strip().replace("^", "**"))
    except Exception:  # pint raises several unrelated types
        raise InputError("data.unit", unit, "a concentration (mg/L, ug/mL, ng/mL) or a mass (mg, ug)") from None
    if q.check("[mass]/[length]**3"):
        return float(q.to("mg/L").magnitude), "conc"
    if q.check("[mass]"):
        return float(q.to("mg").magnitude), "amount"
    raise InputError("data.unit", unit, "a concentration (mg/L, ug/mL, ng/mL) or a mass (mg, ug)")


def read_observations(data: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Validate a tidy observation table (CSV path or DataFrame) and add canonical columns.

    Adds ``value_canonical`` (mg/L or mg) and ``observable`` (the model read-out for plasma; organs are
    ``tissue_<organ>`` or ``amount_<organ>`` and are checked against the model in :func:`fit_scenario`).
    """
    if not isinstance(data, pd.DataFrame):
        p = Path(data)
        if not p.is_file():
            raise InputError("data", str(data), "an existing CSV file")
        try:
            data = pd.read_csv(p)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError):
            raise InputError("data", str(data), "a CSV table with a header row") from None
    df = data.copy()
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"data.{missing[0]}", None, f"a table with columns {', '.join(REQUIRED)}")
    extra = [c for c in df.columns if c not in REQUIRED + OPTIONAL + DERIVED]
    if extra:  # a misspelt 'dose_mg' would silently give every subject the scenario's dose
        raise InputError(f"data.{extra[0]}", extra[0], f"the columns {', '.join(REQUIRED)} and optionally "
                         f"{', '.join(OPTIONAL)} (every column acts)")
    if df.empty:
        raise InputError("data", "empty table", "at least one observation")
    for col in ("time_h", "value", *(c for c in ("dose_mg", "weight") if c in df.columns)):
        vals = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(vals.to_numpy(dtype=float))
        if bad.any():
            raise InputError(f"data.{col}", df[col][bad].iloc[0], "finite numbers")
        df[col] = vals.astype(float)
    checks = [("time_h", df["time_h"] < 0, "times >= 0 h"),
              ("value", df["value"] <= 0, "values > 0 (the fit is on log concentrations)")]
    if "dose_mg" in df.columns:
        checks.append(("dose_mg", df["dose_mg"] <= 0, "doses > 0 mg"))
    if "weight" in df.columns:
        checks.append(("weight", df["weight"] < 0, "weights >= 0"))
    for col, bad, allowed in checks:
        if bad.any():
            raise InputError(f"data.{col}", df[col][bad].iloc[0], allowed)
    last = int(np.argmax(df["time_h"].to_numpy()))
    written = data["time_h"].iloc[last]
    check_range("data.time_h", float(df["time_h"].iloc[last]), written.item() if hasattr(written, "item") else written,
                "time_span", "h")
    factors = {u: _unit_factor(u) for u in df["unit"].astype(str).unique()}
    df["value_canonical"] = df["value"] * df["unit"].astype(str).map(lambda u: factors[u][0])
    obs = []
    for comp, unit in zip(df["compartment"].astype(str), df["unit"].astype(str), strict=True):
        kind = factors[unit][1]
        if comp in PLASMA:
            if kind != "conc":
                raise InputError("data.unit", unit, f"a concentration for compartment {comp}")
            obs.append(PLASMA[comp])
        else:
            obs.append(f"{'tissue' if kind == 'conc' else 'amount'}_{comp}")
    df["observable"] = obs
    if "weight" not in df.columns:
        df["weight"] = 1.0
    return df


@dataclass(frozen=True)
class FitResult:
    """Estimates with uncertainty.

    Attributes
    ----------
    names, units : list of str
    estimates, se, ci_low, ci_high : ndarray
        Estimates, standard errors (delta method) and 95% interval (canonical units of ``units``).
    start : ndarray
        Initial values.
    correlation : ndarray, shape (k, k)
        Correlation of the log-parameter estimates.
    rss : float
        Weighted residual sum of squares (log scale).
    sigma_log : float
        Residual standard deviation on the log scale (~ the proportional error).
    predictions : DataFrame
        The data with ``predicted`` (canonical unit) and ``residual_log``.
    notes : tuple of str
        Why the estimates are not a result (an estimate at a bound, an infinite interval, observations the model
        cannot reach); each was also issued as a warning. Empty for a well-determined fit.
    """

    names: list[str]
    units: list[str]
    estimates: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    start: np.ndarray
    correlation: np.ndarray
    rss: float
    sigma_log: float
    n_obs: int
    success: bool
    message: str
    nfev: int
    predictions: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "method": "weighted least squares on log concentrations (scipy least_squares, trf); "
                      "Cov = s^2 (J^T J)^-1 on log parameters",
            "parameters": [{"name": n, "unit": u, "estimate": float(e), "se": float(s), "ci95_low": float(lo),
                            "ci95_high": float(hi), "start": float(x0)}
                           for n, u, e, s, lo, hi, x0 in zip(self.names, self.units, self.estimates, self.se,
                                                              self.ci_low, self.ci_high, self.start, strict=True)],
            "correlation": self.correlation.tolist(), "rss_log": self.rss, "sigma_log": self.sigma_log,
            "n_obs": self.n_obs, "success": self.success, "message": self.message, "nfev": self.nfev,
            "notes": list(self.notes),
        }


class _Objective:
    """Predictions of the observations for log-parameters ``theta``, through the shared forward model."""

    def __init__(self, scn: Scenario, df: pd.DataFrame, names: list[str], linear: bool) -> None:
        from nanodds.analysis.forward import ForwardModel

        self.scn, self.names, self.linear = scn, names, linear
        self.df = df.reset_index(drop=True)
        dose = (self.df["dose_mg"].to_numpy() if "dose_mg" in self.df.columns
                else np.full(len(self.df), scn.regimen.total_mg))
        self.groups = {float(d): np.nonzero(dose == d)[0] for d in np.unique(dose)}
        self.times = self.df["time_h"].to_numpy()
        self.obs = self.df["observable"].to_numpy()
        self.fm = ForwardModel(scn, [*names, "dose_multiplier"], sorted(set(self.obs)), linear=linear)

    def predict(self, theta: np.ndarray) -> np.ndarray:
        pred = np.empty(len(self.df))
        total = self.scn.regimen.total_mg
        for dose, rows in self.groups.items():
            grid = np.union1d([0.0], self.times[rows])
            res = self.fm.simulate(np.array([[*np.exp(theta), dose / total]]), grid)
            for name in np.unique(self.obs[rows]):
                sel = rows[self.obs[rows] == name]
                pred[sel] = res.observables[str(name)][0][np.searchsorted(grid, self.times[sel])]
        return pred

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        p = self.predict(theta)
        w = np.sqrt(self.df["weight"].to_numpy())
        return w * (np.log(np.maximum(p, _TINY)) - np.log(self.df["value_canonical"].to_numpy()))


def fit_scenario(scn: Scenario, data: pd.DataFrame | str | Path, params: Sequence[str], *,
                 start: dict[str, float] | None = None, bounds: dict[str, tuple[float, float]] | None = None,
                 linear: bool | None = None) -> FitResult:
    """Estimate ``params`` (names of :mod:`nanodds.analysis.model_params`) from observations.

    Parameters
    ----------
    scn : Scenario
        Formulation, subject and regimen of the study (doses rescaled per ID by ``dose_mg``).
    data : DataFrame or path
        Tidy observations (see :func:`read_observations`).
    params : sequence of str
    start : dict, optional
        Initial values (canonical units); default the scenario's own values.
    bounds : dict, optional
        ``(low, high)`` per parameter; default ``start / 1000 .. start * 1000``.
    linear : bool, optional
        Drop saturation (default: when the scenario's saturation is off or its solver is ``linear``).
    """
    from scipy import stats
    from scipy.optimize import least_squares

    df = read_observations(data).reset_index(drop=True)
    names = list(params)
    if not names:
        raise InputError("params", "", "at least one parameter name")
    if len(set(names)) != len(names):
        raise InputError("params", ",".join(names), "each parameter once")
    units = [param_unit(scn, n) for n in names]
    x0 = np.array([(start or {}).get(n, current_value(scn, n)) for n in names], dtype=float)
    for n, v in zip(names, x0, strict=True):
        if not v > 0:
            raise InputError(f"start.{n}", v, "a start value > 0 (parameters are fitted on a log scale)")
    lo = np.array([(bounds or {}).get(n, (v / 1e3, v * 1e3))[0] for n, v in zip(names, x0, strict=True)])
    hi = np.array([(bounds or {}).get(n, (v / 1e3, v * 1e3))[1] for n, v in zip(names, x0, strict=True)])
    if np.any(lo <= 0) or np.any(hi <= lo) or np.any(x0 < lo) or np.any(x0 > hi):
        raise InputError("bounds", dict(zip(names, zip(lo, hi, strict=True), strict=True)),
                         "0 < low <= start <= high")
    if linear is None:
        linear = not scn.saturable or scn.solver == "linear"
    probe = ScenarioModel(scn, linear=True).model({})
    unknown = sorted(set(df["observable"]) - set(probe.observables))
    if unknown:
        organs = sorted(o[7:] for o in probe.observables if o.startswith("tissue_"))
        raise InputError("data.compartment", unknown[0].split("_", 1)[1],
                         f"plasma, plasma_free, plasma_encapsulated, plasma_unbound or {', '.join(organs)}")
    obj = _Objective(scn, df, names, linear)
    k = len(names)
    if len(df) <= k:
        raise InputError("data", f"{len(df)} observations", f"more than {k} observations for {k} parameters")
    res = least_squares(obj.residuals, np.log(x0), bounds=(np.log(lo), np.log(hi)), method="trf",
                        diff_step=1e-6, x_scale=1.0)
    theta, fun = _onto_bounds(obj, res.x, np.log(lo), np.log(hi), res.fun)
    dof = len(df) - k
    rss = float(fun @ fun)
    s2 = rss / dof
    J = res.jac
    cov = s2 * np.linalg.pinv(J.T @ J)
    se_log = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    tq = float(stats.t.ppf(0.975, dof))
    est = np.exp(theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(se_log, se_log)
    pred = obj.predict(theta)
    with np.errstate(over="ignore"):  # an undetermined parameter: its interval is infinite, said in the notes
        ci_lo, ci_hi = np.exp(theta - tq * se_log), np.exp(theta + tq * se_log)
    notes = _notes(names, theta, np.log(lo), np.log(hi), ci_lo, ci_hi, df, pred)
    if not res.success:
        notes.insert(0, f"fit: the optimiser stopped without converging ({res.message}): the estimates are where it "
                        "stopped, not a minimum")
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    out = df.copy()
    out["predicted"] = pred
    out["residual_log"] = np.log(np.maximum(pred, _TINY)) - np.log(df["value_canonical"].to_numpy())
    return FitResult(names, units, est, est * se_log, ci_lo, ci_hi, x0, corr, rss, float(np.sqrt(s2)), len(df),
                     bool(res.success), str(res.message), int(res.nfev), out, tuple(notes))


def _onto_bounds(obj: _Objective, theta: np.ndarray, log_lo: np.ndarray, log_hi: np.ndarray,
                 fun: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The optimiser's estimate (log scale) with each parameter that stopped within :data:`_NEAR_BOUND` of a bound
    moved onto it where the residual sum of squares is no worse there (to :data:`_SAME_COST`), and the residuals
    there. The interval keeps the optimiser's Jacobian (at most 1 % away in log); a parameter at its bound is
    reported as not a result anyway."""
    theta = theta.copy()
    cost = float(fun @ fun)
    for i in range(len(theta)):
        for b in (log_lo[i], log_hi[i]):
            if 0.0 < abs(theta[i] - b) <= _NEAR_BOUND:
                trial = theta.copy()
                trial[i] = b
                f = np.asarray(obj.residuals(trial), dtype=float)
                c = float(f @ f)
                if c <= cost * (1.0 + _SAME_COST):
                    theta, fun, cost = trial, f, c
    return theta, fun


def _notes(names: list[str], theta: np.ndarray, log_lo: np.ndarray, log_hi: np.ndarray, ci_lo: np.ndarray,
           ci_hi: np.ndarray, df: pd.DataFrame, pred: np.ndarray) -> list[str]:
    """Why a fit's estimates are not a result: at a bound, an infinite interval, observations out of reach."""
    notes = []
    for n, t, a, b, cl, ch in zip(names, theta, log_lo, log_hi, ci_lo, ci_hi, strict=True):
        side = "lower" if t <= a + _AT_BOUND else "upper" if t >= b - _AT_BOUND else None
        if side:
            bound = np.exp(a if side == "lower" else b)
            notes.append(f"fit: {n} = {np.exp(t):.4g} sits at its {side} bound ({bound:.4g}): the data push it "
                         "beyond the bounds, so the estimate and its interval are not a result")
        elif not (np.isfinite(cl) and np.isfinite(ch) and cl > 0):
            notes.append(f"fit: the 95 % interval of {n} is not finite ({cl:.4g} to {ch:.4g}): the data do not "
                         "determine it")
    gone = np.flatnonzero(pred <= _TINY)
    if gone.size:  # log(max(p, tiny)) is flat there: those residuals cannot move the estimate, only inflate the SD
        r = df.iloc[gone[0]]
        notes.append(f"data: {gone.size} observation(s) where the fitted model predicts no drug at all (first: ID "
                     f"{r['ID']}, {r['compartment']} at {r['time_h']:g} h): their residuals do not depend on the "
                     "parameters and inflate the residual SD and the confidence intervals")
    return notes


def plot_fit(result: FitResult, path: str | Path, title: str = "") -> Path:
    """Goodness of fit: observed vs predicted (log-log, identity line) and log residuals vs time; PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = result.predictions
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.5, 4.0))
    for obs, g in d.groupby("observable"):
        a1.loglog(g["predicted"], g["value_canonical"], "o", ms=4, label=str(obs))
        a2.plot(g["time_h"], g["residual_log"], "o", ms=4, label=str(obs))
    both = d[["predicted", "value_canonical"]].to_numpy()
    lims = [both.min() / 1.5, both.max() * 1.5]
    a1.plot(lims, lims, "k--", lw=0.8)
    a1.set_xlabel("predicted (mg/L or mg)")
    a1.set_ylabel("observed (mg/L or mg)")
    a1.legend(fontsize=7)
    a2.axhline(0, color="k", lw=0.8)
    a2.set_xlabel("time (h)")
    a2.set_ylabel("log(predicted) - log(observed)")
    est = ", ".join(f"{n} = {e:.3g}" for n, e in zip(result.names, result.estimates, strict=True))
    fig.suptitle(f"{title}\n{est}; residual SD (log) {result.sigma_log:.3f}", fontsize=9)
    fig.tight_layout()
    from nanodds.io.atomic import save_figure

    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
