"""Building blocks of the empirical release-model catalogue.

A :class:`ReleaseModel` is declarative: a name, an equation in words, parameters with units and bounds,
a vectorised function ``f(t, *p)`` returning percent released, and an initial-guess heuristic computed
from the data. Variants (lag time, burst ``F0``, plateau ``Fmax``) are derived from a base model by the
helpers :func:`with_tlag`, :func:`with_f0` and :func:`with_fmax` so that the variant is, by construction,
the base model with one extra term.

Units: time ``t`` is in the time unit of the data (written ``T`` in unit strings, replaced by the declared
unit at output), ``F`` is percent released (%).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["DataSummary", "Param", "ReleaseModel", "lagged", "summarise", "with_f0", "with_fmax", "with_tlag"]


@dataclass(frozen=True)
class DataSummary:
    """Features of one profile used by the initial-guess heuristics.

    Attributes
    ----------
    t, y : numpy.ndarray
        Times (data time unit) and percent released (%), sorted by time.
    tmax : float
        Largest time (data time unit).
    ymax : float
        Largest percent released (%), at least 1.
    t50 : float
        Time at which ``y`` first reaches half of ``ymax`` (linear interpolation; data time unit).
    tlag : float
        Last time before the first point above 2 % of ``ymax`` (0 if the first point already is).
    """

    t: np.ndarray
    y: np.ndarray
    tmax: float
    ymax: float
    t50: float
    tlag: float


def summarise(t: np.ndarray, y: np.ndarray) -> DataSummary:
    """Compute the :class:`DataSummary` of a profile (``t`` in data time unit, ``y`` in %)."""
    order = np.argsort(t)
    t = np.asarray(t, float)[order]
    y = np.asarray(y, float)[order]
    tmax = float(max(t.max(), 1e-12))
    ymax = float(max(y.max(), 1.0))
    above = np.nonzero(y >= 0.5 * ymax)[0]
    i = int(above[0]) if above.size else len(t) - 1
    if i > 0 and y[i] > y[i - 1]:
        t50 = float(t[i - 1] + (0.5 * ymax - y[i - 1]) * (t[i] - t[i - 1]) / (y[i] - y[i - 1]))
    else:
        t50 = float(t[i])
    t50 = max(t50, 1e-3 * tmax)
    started = np.nonzero(y > 0.02 * ymax)[0]
    j = int(started[0]) if started.size else 0
    tlag = float(t[j - 1]) if j > 0 else 0.0
    return DataSummary(t=t, y=y, tmax=tmax, ymax=ymax, t50=t50, tlag=tlag)


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes
    ----------
    name : str
        Symbol as in the equation, e.g. ``"k1"``.
    unit : str
        Unit with ``T`` standing for the data time unit, e.g. ``"1/T"``, ``"%"``, ``"-"``.
    lower, upper : float or str
        Bounds; the string ``"tmax"`` means the largest observed time.
    """

    name: str
    unit: str
    lower: float | str = 0.0
    upper: float | str = np.inf

    def bound(self, which: str, summary: DataSummary) -> float:
        """Numeric lower or upper bound for this data set."""
        value = self.lower if which == "lower" else self.upper
        return summary.tmax if value == "tmax" else float(value)


Guess = Callable[[DataSummary], tuple[float, ...]]


@dataclass(frozen=True)
class ReleaseModel:
    """An empirical dissolution/release model ``F(t)`` in percent released.

    Attributes
    ----------
    name : str
        Registry key, snake case (``"weibull_tlag_fmax"``).
    label : str
        Human-readable name (DDSolver wording where the model is in DDSolver).
    equation : str
        Equation in plain text; ``F`` in %, ``t`` in the data time unit.
    params : tuple of Param
        Parameters in the order taken by ``func``.
    func : callable
        Vectorised ``func(t, *p) -> F`` (%).
    guess : callable
        Initial-guess heuristic ``guess(summary) -> p0``.
    ddsolver : bool
        True when the model is in the DDSolver catalogue (Zhang et al. 2010).
    """

    name: str
    label: str
    equation: str
    params: tuple[Param, ...]
    func: Callable[..., np.ndarray]
    guess: Guess
    ddsolver: bool = True
    notes: str = field(default="")

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter symbols in order."""
        return tuple(p.name for p in self.params)

    def __call__(self, t: np.ndarray | float, *p: float) -> np.ndarray:
        """Percent released (%) at times ``t`` (data time unit)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(self.func(np.asarray(t, dtype=float), *p), dtype=float)

    def bounds(self, summary: DataSummary) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds for a data set."""
        lo = np.array([p.bound("lower", summary) for p in self.params])
        hi = np.array([p.bound("upper", summary) for p in self.params])
        return lo, hi

    def initial_guess(self, summary: DataSummary) -> np.ndarray:
        """Initial parameters from the data heuristic, moved strictly inside the bounds."""
        lo, hi = self.bounds(summary)
        p0 = np.asarray(self.guess(summary), dtype=float)
        span = np.where(np.isfinite(hi - lo), hi - lo, np.maximum(np.abs(p0), 1.0))
        eps = 1e-6 * span
        return np.clip(p0, lo + eps, hi - eps)


def lagged(t: np.ndarray, tlag: float) -> np.ndarray:
    """``max(t - tlag, 0)``: time since the end of the lag (data time unit)."""
    return np.maximum(t - tlag, 0.0)


TLAG = Param("Tlag", "T", 0.0, "tmax")
F0 = Param("F0", "%", -100.0, 100.0)
FMAX = Param("Fmax", "%", 0.0, 200.0)


def with_tlag(base: ReleaseModel, name: str | None = None, label: str | None = None) -> ReleaseModel:
    """Derive the lag-time variant: ``F(t) = F_base(max(t - Tlag, 0))``."""

    def func(t: np.ndarray, *p: float) -> np.ndarray:
        return base.func(lagged(t, p[-1]), *p[:-1])

    def guess(s: DataSummary) -> tuple[float, ...]:
        shifted = summarise(np.maximum(s.t - s.tlag, 0.0), s.y)
        return (*base.guess(shifted), s.tlag)

    eq = base.equation.replace("t", "(t − Tlag)")  # base equations use the letter t for time only
    return replace(
        base,
        name=name or f"{base.name}_tlag",
        label=label or f"{base.label} with Tlag",
        equation=f"{eq}, for t > Tlag (F = 0 before)",
        params=(*base.params, TLAG),
        func=func,
        guess=guess,
    )


def with_f0(base: ReleaseModel, name: str | None = None, label: str | None = None) -> ReleaseModel:
    """Derive the burst (intercept) variant: ``F(t) = F0 + F_base(t)``."""

    def func(t: np.ndarray, *p: float) -> np.ndarray:
        return p[-1] + base.func(t, *p[:-1])

    def guess(s: DataSummary) -> tuple[float, ...]:
        return (*base.guess(s), float(s.y[0]) if s.t[0] == 0 else 0.0)

    return replace(
        base,
        name=name or f"{base.name}_f0",
        label=label or f"{base.label} with F0",
        equation=f"F = F0 + {base.equation.removeprefix('F = ')}",
        params=(*base.params, F0),
        func=func,
        guess=guess,
    )


def with_fmax(base: ReleaseModel, name: str | None = None, label: str | None = None) -> ReleaseModel:
    """Derive the plateau variant: ``F(t) = Fmax/100 · F_base(t)`` (base written with 100 % plateau)."""

    def func(t: np.ndarray, *p: float) -> np.ndarray:
        return p[-1] / 100.0 * base.func(t, *p[:-1])

    def guess(s: DataSummary) -> tuple[float, ...]:
        return (*base.guess(s), s.ymax)

    return replace(
        base,
        name=name or f"{base.name}_fmax",
        label=label or f"{base.label} with Fmax",
        equation=base.equation.replace("100·", "Fmax·", 1),
        params=(*base.params, FMAX),
        func=func,
        guess=guess,
    )
