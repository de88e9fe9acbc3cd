"""Weighted nonlinear least-squares fitting of release models (DDSolver class).

Each model is fitted with :func:`scipy.optimize.least_squares` (trust-region reflective, bounds) from the
data-driven initial guess plus ``n_starts - 1`` deterministic random restarts; the best objective wins.
Weights follow DDSolver: ``"none"`` (w = 1), ``"1/y"`` and ``"1/y2"`` (w = 1/y²); points with y ≤ 0 get
no finite 1/y weight and are left out of weighted fits (with a warning). Statistics are defined in
:mod:`nanodds.release.fit_stats` and ``docs/release_fitting.md``.
"""

from __future__ import annotations

import itertools
import warnings
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

try:  # scipy's trust-region-reflective core, called without least_squares' per-call wrapping
    from scipy.optimize._lsq.common import make_strictly_feasible
    from scipy.optimize._lsq.least_squares import TERMINATION_MESSAGES
    from scipy.optimize._lsq.trf import trf as _trf
except ImportError:  # pragma: no cover - private scipy layout changed: use the public function
    _trf = None

from nanodds.errors import InputError
from nanodds.release.fit_inputs import WEIGHTS, _weights, check_profile, normalise_weight
from nanodds.release.fit_stats import RANK_KEYS, fit_statistics, parameter_uncertainty
from nanodds.release.model_base import ReleaseModel, summarise
from nanodds.release.models import get_model, parse_model_list

__all__ = ["WEIGHTS", "FitResult", "check_profile", "fit_all", "fit_model", "rank_fits"]


@dataclass
class FitResult:
    """Outcome of fitting one model to one profile.

    Attributes
    ----------
    model : str
        Model name.
    status : str
        ``"ok"``, ``"not converged: <reason>"`` or ``"skipped: fewer points (n) than parameters (p)"``.
        Numbers are only given when the status is ``"ok"``.
    params, se, ci95 : dict
        Estimates, standard errors and 95 % confidence intervals keyed by parameter name
        (units in ``units``); ``None`` entries when the covariance is not available.
    stats : dict
        ``n, p, SSR, R2, R2adj, RMSE, AIC, BIC, MSC`` (see :mod:`nanodds.release.fit_stats`).
    """

    model: str
    status: str
    n_points: int
    weight: str
    params: dict[str, float] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    se: dict[str, float | None] = field(default_factory=dict)
    ci95: dict[str, list[float] | None] = field(default_factory=dict)
    stats: dict[str, float | None] = field(default_factory=dict)
    rank: int | None = None
    equation: str = ""

    @property
    def ok(self) -> bool:
        """True when the fit converged and numbers are available."""
        return self.status == "ok"

    def predict(self, t: np.ndarray) -> np.ndarray:
        """Fitted percent released (%) at times ``t`` (data time unit)."""
        if not self.ok:
            raise ValueError(f"{self.model}: no fitted parameters ({self.status})")
        return get_model(self.model)(t, *self.params.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (non-finite numbers become ``None``)."""
        return _jsonable(
            {
                "model": self.model, "rank": self.rank, "status": self.status, "equation": self.equation,
                "n_points": self.n_points, "weight": self.weight, "params": self.params,
                "units": self.units, "se": self.se, "ci95": self.ci95, "stats": self.stats,
            }
        )  # fmt: skip


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _tlag_starts(model: ReleaseModel, p0: np.ndarray, t: np.ndarray, t50: float) -> list[np.ndarray]:
    """Extra starts for lag-time models: Tlag at midpoints of the time grid before ``t50``.

    The objective is kinked in Tlag at every observed time, so gradient steps stall at data points;
    starting from each interval between observations avoids those local minima.
    """
    if "Tlag" not in model.param_names:
        return []
    i = model.param_names.index("Tlag")
    grid = np.unique(t)
    mids = 0.5 * (grid[1:] + grid[:-1])
    mids = mids[mids < t50][:4]
    starts = []
    for m in mids:
        x = p0.copy()
        x[i] = m
        starts.append(x)
    return starts


def _starts(model: ReleaseModel, p0: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int, seed: int):
    rng = np.random.default_rng([seed, zlib.crc32(model.name.encode())])
    for _ in range(n - 1):
        step = rng.normal(0.0, 1.0, p0.size)
        positive = lo >= 0
        x = np.where(positive, p0 * np.exp(step), p0 + step * (1.0 + np.abs(p0)))
        finite = np.isfinite(lo) & np.isfinite(hi)
        x = np.where(finite & (rng.random(p0.size) < 0.3), lo + rng.random(p0.size) * (hi - lo), x)
        span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
        yield np.clip(x, lo + 1e-6 * span, hi - 1e-6 * span)


#: a random restart whose cost agrees with the best to this relative tolerance ends the multi-start
#: (a negative value disables the early stop: every restart is run, as for exhaustive reference fits)
_AGREE_RTOL = 1e-9
_RSTEP = float(np.finfo(float).eps ** 0.5)  # scipy's relative step for 2-point differences


def _objective(m: ReleaseModel, t: np.ndarray, y: np.ndarray, sw: np.ndarray, lo: np.ndarray,
               hi: np.ndarray):
    """Weighted residual function and its forward-difference Jacobian for ``least_squares``.

    The Jacobian uses exactly scipy's ``jac="2-point"`` rule (step ``√eps·max(1, |x|)`` with the sign of
    ``x``, flipped or shortened at a bound) but evaluates all ``p`` perturbed parameter vectors in one
    broadcast model call, reusing the residuals of the last evaluated point as the base value. Callers
    run it under ``np.errstate(all="ignore")``.
    """
    func, p = m.func, len(m.params)
    tt = t[None, :]
    bounded = not np.all((lo == -np.inf) & (hi == np.inf))
    last: list[np.ndarray] = [np.full(p, np.nan), np.empty(0)]

    def resid(x: np.ndarray) -> np.ndarray:
        r = sw * (func(t, *x) - y)
        r = np.where(np.isfinite(r), r, 1e6)
        last[0], last[1] = x.copy(), r
        return r.copy()

    def jac(x: np.ndarray) -> np.ndarray:
        f0 = last[1] if (x == last[0]).all() else resid(x)
        h = _RSTEP * np.where(x >= 0, 1.0, -1.0) * np.maximum(1.0, np.abs(x))
        xh = x + h
        if bounded and ((xh < lo) | (xh > hi)).any():  # scipy's _adjust_scheme_to_bounds, 1-sided
            lower_dist, upper_dist = x - lo, hi - x
            violated = (xh < lo) | (xh > hi)
            fitting = np.abs(h) <= np.maximum(lower_dist, upper_dist)
            h = np.where(fitting, np.where(violated, -h, h),
                         np.where(upper_dist >= lower_dist, upper_dist, -lower_dist))
            xh = x + h
        cols = (x + np.diag(h)).T[:, :, None]  # row i of the (p, p) matrix is x with x_i + h_i
        f = func(tt, *cols)
        if f.shape != (p, t.size):
            f = f + np.zeros((p, t.size))
        r = sw * (f - y)
        r = np.where(np.isfinite(r), r, 1e6)
        return ((r - f0) / (xh - x)[:, None]).T

    return resid, jac


def _solve(resid, jac, x0: np.ndarray, lo: np.ndarray, hi: np.ndarray, max_nfev: int):
    """``least_squares(resid, x0, jac=jac, bounds=(lo, hi), x_scale="jac", method="trf", max_nfev=...)``.

    Same algorithm, defaults and result; scipy's trf routine is called directly when available, which
    skips the argument checking and function wrapping that ``least_squares`` repeats for every start.
    """
    if _trf is None:  # pragma: no cover
        return least_squares(resid, x0, jac=jac, bounds=(lo, hi), x_scale="jac", method="trf",
                             max_nfev=max_nfev)
    x0 = make_strictly_feasible(np.atleast_1d(x0).astype(float), lo, hi)
    f0 = resid(x0)
    res = _trf(resid, jac, x0, f0, jac(x0), lo, hi, 1e-8, 1e-8, 1e-8, max_nfev, "jac", None, "exact", {}, 0)
    res.message = TERMINATION_MESSAGES[res.status]
    res.success = res.status > 0
    return res


def fit_model(
    t: Sequence[float],
    y: Sequence[float],
    model: str | ReleaseModel,
    *,
    weight: str = "none",
    n_starts: int = 4,
    seed: int = 0,
    strict: bool = True,
    checked: bool = False,
) -> FitResult:
    """Fit one release model to a profile.

    Parameters
    ----------
    t, y : sequence of float
        Times (data time unit, ≥ 0) and percent released (%).
    model : str or ReleaseModel
        Model or its registry name (unknown name raises :class:`InputError`).
    weight : {"none", "1/y", "1/y2"}
        Weighting scheme of the residuals.
    n_starts : int
        Initial guess plus ``n_starts - 1`` seeded random restarts.
    seed : int
        Seed of the restarts (combined with the model name, so results are reproducible).
    strict : bool
        If True, fewer points than parameters raises :class:`InputError`; otherwise a ``"skipped: ..."``
        status is returned.
    checked : bool
        Skip :func:`check_profile` (already done by the caller).

    Returns
    -------
    FitResult
    """
    m = get_model(model) if isinstance(model, str) else model
    weight = normalise_weight(weight)
    t_arr, y_arr = (np.asarray(t, float), np.asarray(y, float)) if checked else check_profile(t, y)
    w = _weights(y_arr, weight)
    if weight != "none" and (w == 0).any():
        if not checked:
            warnings.warn(f"{int((w == 0).sum())} point(s) with y <= 0 left out of the {weight} fit",
                          stacklevel=2)
        keep = w > 0
        t_arr, y_arr, w = t_arr[keep], y_arr[keep], w[keep]
    n, p = t_arr.size, len(m.params)
    base = FitResult(model=m.name, status="ok", n_points=n, weight=weight, equation=m.equation,
                     units={q.name: q.unit for q in m.params})
    if n < p:
        msg = f"skipped: fewer points ({n}) than parameters ({p})"
        if strict:
            raise InputError(f"{m.name}.data", f"{n} points", f"at least {p} points (one per parameter)")
        base.status = msg
        return base
    s = summarise(t_arr, y_arr)
    lo, hi = m.bounds(s)
    with np.errstate(all="ignore"):
        best, last_msg = _multistart(m, t_arr, y_arr, np.sqrt(w), s, lo, hi, n_starts, seed)
    if best is None:
        base.status = f"not converged: {last_msg}"
        return base
    yhat = m(t_arr, *best.x)
    base.params = dict(zip(m.param_names, map(float, best.x), strict=True))
    base.stats = fit_statistics(y_arr, yhat, w, p)
    se, ci = parameter_uncertainty(best.jac, best.x, base.stats["SSR"], n, p)
    base.se = dict(zip(m.param_names, se, strict=True))
    base.ci95 = dict(zip(m.param_names, ci, strict=True))
    return base


def _multistart(m: ReleaseModel, t_arr, y_arr, sw, s, lo, hi, n_starts: int, seed: int):
    """Best ``least_squares`` result over the start points (``None`` if none converged) and last message."""
    p = len(m.params)
    resid, jac = _objective(m, t_arr, y_arr, sw, lo, hi)
    best, last_msg = None, "no start evaluated"
    p0 = m.initial_guess(s)
    fixed = [p0, *(np.clip(x, lo, hi) for x in _tlag_starts(m, p0, t_arr, s.t50))]
    for k, x0 in enumerate(itertools.chain(fixed, _starts(m, p0, lo, hi, max(1, n_starts), seed))):
        try:
            res = _solve(resid, jac, x0, lo, hi, 200 * (p + 1))
        except (ValueError, FloatingPointError) as exc:  # pragma: no cover - defensive
            last_msg = str(exc)
            continue
        finite = np.all(np.isfinite(m.func(t_arr, *res.x)))
        if res.status <= 0 or not finite:
            last_msg = res.message if finite else "non-finite model values at the optimum"
            continue
        agree = best is not None and abs(res.cost - best.cost) <= _AGREE_RTOL * max(best.cost, 1e-12)
        if k >= len(fixed) and agree:
            break  # a random restart agrees with the best optimum: further restarts are not needed
        if best is None or res.cost < best.cost:
            best = res
    if best is None:
        return None, last_msg
    if "Tlag" in m.param_names:  # (t − Tlag)^n with n < 1 has cusps at observed times: probe both sides
        i = m.param_names.index("Tlag")
        grid = np.unique(t_arr)
        k = int(np.argmin(np.abs(grid - best.x[i])))
        gap = float(np.min(np.diff(grid))) if grid.size > 1 else 1.0
        if abs(grid[k] - best.x[i]) < 0.1 * gap:
            for side in (-0.01, 0.01):
                x0 = best.x.copy()
                x0[i] = grid[k] + side * gap
                x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
                res = _solve(resid, jac, x0, lo, hi, 200 * (p + 1))
                if res.status > 0 and res.cost < best.cost:
                    best = res
    return best, last_msg


def rank_fits(fits: Iterable[FitResult], by: str = "AIC") -> list[FitResult]:
    """Order fits best first by ``AIC`` or ``BIC`` (low is best) or ``MSC``, ``R2adj`` (high is best).

    Fits without numbers (status not ``"ok"``) come last, unranked.
    """
    key = by if by in RANK_KEYS else {k.lower(): k for k in RANK_KEYS}.get(str(by).lower())
    if key is None:
        raise InputError("rank_by", by, "one of " + ", ".join(RANK_KEYS))
    sign = RANK_KEYS[key]
    fits = list(fits)
    good = [f for f in fits if f.ok and f.stats.get(key) is not None and np.isfinite(f.stats[key])]
    good.sort(key=lambda f: sign * f.stats[key])
    rest = [f for f in fits if f not in good]
    for i, f in enumerate(good, start=1):
        f.rank = i
    for f in rest:
        f.rank = None
    return good + rest


def fit_all(
    t: Sequence[float],
    y: Sequence[float],
    models: str | Iterable[str] | None = None,
    *,
    weight: str = "none",
    rank_by: str = "AIC",
    n_starts: int = 4,
    seed: int = 0,
) -> list[FitResult]:
    """Fit several models (default: the whole catalogue) and rank them.

    A single requested model with fewer points than parameters raises :class:`InputError`; in a
    multi-model fit such a model gets the status ``"skipped: fewer points (n) than parameters (p)"``.
    """
    chosen = parse_model_list(models)
    weight = normalise_weight(weight)
    t_arr, y_arr = check_profile(t, y)
    if weight != "none" and (y_arr <= 0).any():
        warnings.warn(f"{int((y_arr <= 0).sum())} point(s) with y <= 0 left out of the {weight} fits",
                      stacklevel=2)
    strict = len(chosen) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fits = [fit_model(t_arr, y_arr, m, weight=weight, n_starts=n_starts, seed=seed, strict=strict,
                          checked=True) for m in chosen]
    return rank_fits(fits, rank_by)
