"""Two-drug PD interaction on simulated exposure: Emax (Hill) single agents, Bliss independence, and a Loewe
combination with a molar-ratio-dependent interaction index.

Single agent i: ``E_i = C_i^h_i / (C_i^h_i + EC50_i^h_i)`` (fraction of cells killed, Emax 1).
Bliss independence (no interaction): ``E_bliss = 1 - (1 - E_A)(1 - E_B)``.
Loewe with interaction: the combined effect E solves ``C_A / IC_A(E) + C_B / IC_B(E) = CI(r)`` with
``IC_i(E) = EC50_i (E / (1 - E))^(1/h_i)`` and ``r = C_B / C_A`` (molar); CI < 1 is synergy (the mixture acts as
if its doses were 1/CI times larger), CI = 1 Loewe additivity, CI > 1 antagonism. ``CI(r)`` is lowest at the
optimal ratio and rises to ``ci_far`` away from it (``data/pd/vyxeos_synergy.yaml`` for the parameters and
their sources; most are assumptions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.specs.params import Param, load_yaml

__all__ = ["SynergyParams", "bliss", "combination_effect", "emax", "interaction_index", "load_synergy",
           "pd_time_courses"]


@dataclass(frozen=True)
class SynergyParams:
    """Parameters of a two-drug interaction (concentrations in umol/L)."""

    reference: str
    partner: str
    ec50_ref_uM: float
    hill_ref: float
    ec50_par_uM: float
    hill_par: float
    optimal_ratio: float
    ci_optimum: float
    ci_far: float
    ratio_width: float


SYNERGY_UNITS: dict[str, str] = {"ec50_reference": "umol/L", "hill_reference": "1", "ec50_partner": "umol/L",
                                 "hill_partner": "1", "optimal_ratio": "1", "ci_optimum": "1", "ci_far": "1",
                                 "ratio_width": "1"}
"""Every number a synergy file must give (``{value, unit, source}``) and its canonical unit."""


def load_synergy(relpath: str = "pd/vyxeos_synergy.yaml") -> SynergyParams:
    """Load a sourced interaction file from ``nanodds/data``."""
    return synergy_from_mapping(load_yaml(relpath))


def synergy_from_mapping(d: Any, field: str = "synergy") -> SynergyParams:
    """Build :class:`SynergyParams` from a checked synergy mapping (leaves already :class:`Param`).

    Raises
    ------
    InputError
        A missing or unknown key, a name that is not text, a number without unit or of the wrong dimension.
    """
    if not isinstance(d, dict):
        raise InputError(field, d, "a mapping with reference, partner and " + ", ".join(SYNERGY_UNITS))
    reject_unknown_keys(d, {"reference", "partner", *SYNERGY_UNITS}, field)
    for k in ("reference", "partner"):
        if not isinstance(d.get(k), str) or not d[k].strip():
            raise InputError(f"{field}.{k}", d.get(k), "a drug name, e.g. daunorubicin")
    for k, unit in SYNERGY_UNITS.items():
        p = d.get(k)
        if not isinstance(p, Param):
            raise InputError(f"{field}.{k}", p, f"{{value, unit: {unit}, source}}")
        try:
            p.to(unit)
        except Exception:  # pint: DimensionalityError or an undefined unit
            raise InputError(f"{field}.{k}.unit", p.unit, f"a unit convertible to {unit}") from None
    return SynergyParams(
        reference=str(d["reference"]), partner=str(d["partner"]),
        ec50_ref_uM=d["ec50_reference"].to("umol/L"), hill_ref=d["hill_reference"].to("1"),
        ec50_par_uM=d["ec50_partner"].to("umol/L"), hill_par=d["hill_partner"].to("1"),
        optimal_ratio=d["optimal_ratio"].to("1"), ci_optimum=d["ci_optimum"].to("1"),
        ci_far=d["ci_far"].to("1"), ratio_width=d["ratio_width"].to("1"))


def emax(c: np.ndarray, ec50: float, hill: float) -> np.ndarray:
    """Fractional effect of one drug (Emax 1)."""
    c = np.clip(np.asarray(c, dtype=float), 0.0, None)
    ch = c ** hill
    return ch / (ch + ec50 ** hill)


def bliss(ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    """Bliss independence: the expected effect of two non-interacting drugs."""
    return 1.0 - (1.0 - ea) * (1.0 - eb)


def interaction_index(ratio: np.ndarray, p: SynergyParams) -> np.ndarray:
    """Loewe interaction index CI(r) (NaN ratio, e.g. one drug absent: 1, additivity)."""
    r = np.asarray(ratio, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(r / p.optimal_ratio) / p.ratio_width
        ci = p.ci_far - (p.ci_far - p.ci_optimum) * np.exp(-0.5 * z * z)
    return np.where(np.isfinite(ci), ci, 1.0)


def combination_effect(ca: np.ndarray, cb: np.ndarray, p: SynergyParams) -> tuple[np.ndarray, np.ndarray]:
    """Combined effect by Loewe additivity scaled by CI(C_B/C_A), and the CI used; concentrations in umol/L."""
    ca = np.clip(np.atleast_1d(np.asarray(ca, dtype=float)), 0.0, None)
    cb = np.clip(np.atleast_1d(np.asarray(cb, dtype=float)), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = interaction_index(np.where(ca > 0, cb / np.where(ca > 0, ca, 1.0), np.nan), p)
    ci = np.where((ca > 0) & (cb > 0), ci, 1.0)
    # bisection on the logit of E: g(E) = C_A/IC_A(E) + C_B/IC_B(E) - CI decreases with E
    lo = np.full(ca.shape, -60.0)
    hi = np.full(ca.shape, 60.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        odds = np.exp(mid)
        g = ca / (p.ec50_ref_uM * odds ** (1.0 / p.hill_ref)) + cb / (p.ec50_par_uM * odds ** (1.0 / p.hill_par)) - ci
        lo = np.where(g > 0, mid, lo)
        hi = np.where(g > 0, hi, mid)
    e = 1.0 / (1.0 + np.exp(-0.5 * (lo + hi)))
    return np.where((ca > 0) | (cb > 0), e, 0.0), ci


def pd_time_courses(t: np.ndarray, c_ref_uM: np.ndarray, c_par_uM: np.ndarray, p: SynergyParams) -> dict[str, Any]:
    """Effect curves over time at one site and their time averages (mean effect over the simulated window)."""
    t = np.asarray(t, dtype=float)
    if t.size < 2:
        raise InputError("times", t.size, "at least two time points")
    ea = emax(c_ref_uM, p.ec50_ref_uM, p.hill_ref)
    eb = emax(c_par_uM, p.ec50_par_uM, p.hill_par)
    eab, ci = combination_effect(c_ref_uM, c_par_uM, p)
    eb_ = bliss(ea, eb)
    span = t[-1] - t[0]

    def avg(x: np.ndarray) -> float:
        return float(np.trapezoid(x, t) / span)

    return {"effect_reference": ea, "effect_partner": eb, "effect_bliss": eb_, "effect_combination": eab,
            "interaction_index": ci,
            "summary": {"mean_effect_reference": avg(ea), "mean_effect_partner": avg(eb),
                        "mean_effect_bliss": avg(eb_), "mean_effect_combination": avg(eab),
                        "mean_interaction_index": avg(ci),
                        "hours_synergistic": float(np.sum(np.diff(t) * 0.5 * ((ci[1:] < 1) + (ci[:-1] < 1))))}}
