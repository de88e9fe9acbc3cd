"""Sample size of a two-arm comparative trial (nanoformulation vs conventional): continuous, binary, time-to-event.

Formulas (two-sided level ``alpha``, power ``1 - beta``, equal allocation unless stated):

* continuous (two-sample t-test): ``n = 2 (z_a + z_b)^2 / d^2`` per arm with ``d = delta / sigma``, then refined
  with Student t quantiles on ``2n - 2`` degrees of freedom until stable (the exact power is reported from the
  noncentral t distribution);
* binary (two proportions, normal approximation with pooled variance under H0)::

      n = [z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2)]^2 / (p1 - p2)^2   per arm

* time-to-event (log-rank, Schoenfeld 1983): events ``d = (z_a + z_b)^2 / (pi (1 - pi) ln(HR)^2)`` with
  allocation fraction ``pi`` (``4 (z_a + z_b)^2 / ln(HR)^2`` for 1:1); patients = events / P(event).

Each function returns the unrounded value and the number rounded up.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from nanodds.errors import InputError
from nanodds.limits import limit, limit_ref

__all__ = ["events_logrank", "n_two_means", "n_two_proportions"]


def _check(name: str, value: float, low: float, high: float) -> float:
    v = float(value)
    if not (low < v < high) or math.isnan(v):
        raise InputError(name, value, f"a number strictly between {low:g} and {high:g}")
    return v


def _at_most(n: float, field: str, value: Any, what: str) -> float:
    """``n`` (patients or events) if a trial could have that many, else an :class:`InputError` naming ``field``."""
    top = limit("trial_max_patients")
    if not n <= top:
        raise InputError(field, value, f"{what} for which at most {top:g} patients or events suffice (needed "
                         f"{n:.3g}; {limit_ref('trial_max_patients')})")
    return n


def _z(alpha: float, power: float) -> tuple[float, float]:
    a = _check("alpha", alpha, 0.0, 1.0)
    p = _check("power", power, 0.0, 1.0)
    return float(stats.norm.isf(a / 2)), float(stats.norm.ppf(p))  # isf: finite even for alpha ~ 1e-300


def n_two_means(delta: float, sigma: float, alpha: float = 0.05, power: float = 0.8) -> dict[str, Any]:
    """Patients per arm to detect a mean difference ``delta`` with common SD ``sigma`` (same unit)."""
    if not float(sigma) > 0:
        raise InputError("sigma", sigma, "a positive standard deviation")
    if float(delta) == 0:
        raise InputError("delta", delta, "a non-zero difference")
    d = abs(float(delta)) / float(sigma)
    if not math.isfinite(d):
        raise InputError("delta", delta, f"a finite effect size delta / sigma (got {d:g} with sigma {sigma:g})")
    za, zb = _z(alpha, power)
    r = (za + zb) / d if d > 0 else math.inf
    n_normal = _at_most(2 * r * r, "delta", delta, "an effect size delta / sigma")  # r * r: inf, not OverflowError
    n = max(2, math.ceil(n_normal))  # a t-test needs 2 patients per arm (2 degrees of freedom)
    for _ in range(100):  # t refinement
        df = 2 * n - 2
        rt = (stats.t.isf(alpha / 2, df) + stats.t.ppf(power, df)) / d
        n_t = 2 * rt * rt
        if max(2, math.ceil(n_t)) == n:
            break
        n = max(2, math.ceil(n_t))
    df = 2 * n - 2
    ncp = d * math.sqrt(n / 2)
    tc = stats.t.isf(alpha / 2, df)
    achieved = float(stats.nct.sf(tc, df, ncp) + stats.nct.cdf(-tc, df, ncp))
    if not math.isfinite(achieved):  # noncentrality far beyond the critical value: the test always rejects
        achieved = float(stats.norm.sf(tc - ncp))
    return {"effect_size_d": d, "n_per_arm_normal": n_normal, "n_per_arm": n, "n_total": 2 * n,
            "achieved_power": achieved}


def n_two_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> dict[str, Any]:
    """Patients per arm to detect response rates ``p1`` vs ``p2`` (fractions)."""
    a, b = _check("p1", p1, 0.0, 1.0), _check("p2", p2, 0.0, 1.0)
    if a == b:
        raise InputError("p2", p2, "a rate different from p1")
    za, zb = _z(alpha, power)
    pbar = (a + b) / 2
    n = _at_most((za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(a * (1 - a) + b * (1 - b))) ** 2
                 / (a - b) ** 2, "p2", p2, "response rates p1, p2")
    return {"n_per_arm_exact": n, "n_per_arm": math.ceil(n), "n_total": 2 * math.ceil(n)}


def events_logrank(hazard_ratio: float, alpha: float = 0.05, power: float = 0.8, allocation: float = 0.5,
                   p_event: float | None = None) -> dict[str, Any]:
    """Events (and, with ``p_event``, patients) for a log-rank test of ``hazard_ratio`` (Schoenfeld 1983)."""
    hr = float(hazard_ratio)
    if not hr > 0 or hr == 1:
        raise InputError("hazard_ratio", hazard_ratio, "a positive hazard ratio other than 1")
    pi = _check("allocation", allocation, 0.0, 1.0)
    za, zb = _z(alpha, power)
    d = _at_most((za + zb) ** 2 / (pi * (1 - pi) * math.log(hr) * math.log(hr)), "hazard_ratio", hazard_ratio,
                 "a hazard ratio")
    out: dict[str, Any] = {"events_exact": d, "events": math.ceil(d)}
    if p_event is not None:
        pe = _check("p_event", p_event, 0.0, 1.0 + 1e-12)
        out["patients"] = math.ceil(_at_most(math.ceil(d) / pe, "p_event", p_event, "an event probability"))
    return out
