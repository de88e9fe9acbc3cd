"""Virtual patients: covariate distributions (``data/population/covariates.yaml``) and sampling.

:func:`load_covariates` reads and checks a covariate file (the packaged one by default) into a
:class:`CovariateSpec`; :func:`sample_patients` draws a reproducible table of patients from it.

Sampling rules (all truncations by rejection, so the kept draws follow the truncated distributions and
correlations are preserved):

* ``sex``: female with probability ``female_fraction``;
* ``age_y``: normal(mean, sd) truncated to [min, max] years;
* ``body_weight_kg`` and ``height_cm`` per sex: ``ln BW ~ N(ln median, sigma_w)``, ``height ~ N(mean, sd)``
  with correlation ``weight_height_correlation`` between ``ln BW`` and height; the pair is truncated
  jointly to the weight and height ranges; ``bsa_m2`` by Mosteller;
* factors (dimensionless multipliers of the reference individual's parameters): log-normal with median 1,
  ``sigma = sqrt(ln(1 + cv^2))``, truncated to [min_factor, max_factor]. ``hepatic_factor`` multiplies the
  hepatic intrinsic clearance, ``mps_uptake_factor`` the MPS extraction, ``mps_capacity_factor`` the MPS
  capacity per kg organ, ``epr_factor`` the tumour extravasation coefficient;
* ``gfr_factor`` = age factor x log-normal (see the yaml header), truncated to [min_factor, max_factor];
* ``ugt1a1_genotype`` from the genotype frequencies (renormalised), ``ugt1a1_activity`` its relative SN-38
  glucuronidation, which scales the SN-38 glucuronidation of an irinotecan model (process tag
  ``metabolite_hepatic_clearance``); models without SN-38 ignore it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.io.yaml_safe import read_yaml_file
from nanodds.specs.params import DataFileError, Param, _check, load_yaml
from nanodds.specs.physiology import bsa_mosteller_m2
from nanodds.specs.validity import check_finite

FACTORS = ("hepatic", "mps_uptake", "mps_capacity", "epr")
"""Log-normal factor blocks of the covariate file (besides ``renal``)."""

PACKAGED = "population/covariates.yaml"


@dataclass(frozen=True)
class LogNormalFactor:
    """A multiplicative factor, log-normal with median 1, truncated to [lo, hi]."""

    cv: float
    lo: float
    hi: float

    @property
    def sigma(self) -> float:
        return float(np.sqrt(np.log1p(self.cv * self.cv)))


@dataclass(frozen=True)
class CovariateSpec:
    """Covariate distributions in canonical units (years, kg, cm, mL/min).

    ``weight`` and ``height`` map ``"male"``/``"female"`` to (median kg, cv) and (mean cm, sd cm).
    """

    female_fraction: float
    age: tuple[float, float, float, float]  # mean, sd, min, max (y)
    weight: dict[str, tuple[float, float]]
    weight_range: tuple[float, float]
    height: dict[str, tuple[float, float]]
    height_range: tuple[float, float]
    rho: float
    renal: dict[str, float]
    factors: dict[str, LogNormalFactor]
    ugt1a1_frequency: dict[str, float]
    ugt1a1_activity: dict[str, float]


def _get(d: dict[str, Any], path: str, unit: str) -> float:
    node: Any = d
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise InputError(f"covariates.{path}", None, f"a value in {unit}")
        node = node[key]
    if not isinstance(node, Param):
        raise InputError(f"covariates.{path}", node, f"a {{value, unit, source}} leaf in {unit}")
    try:
        value = node.to(unit)
    except Exception as exc:
        raise InputError(f"covariates.{path}", f"{node.value} {node.unit}", f"a value in {unit}") from exc
    return check_finite(value, f"{node.value} {node.unit}", f"covariates.{path}", unit)


def _positive(path: str, v: float) -> float:
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"covariates.{path}", v, "a finite value > 0")
    return v


def _nonneg(path: str, v: float) -> float:
    if not np.isfinite(v) or v < 0:
        raise InputError(f"covariates.{path}", v, "a finite value >= 0 (a CV cannot be negative)")
    return v


def _range(path: str, lo: float, hi: float) -> tuple[float, float]:
    if not lo < hi:
        raise InputError(f"covariates.{path}", (lo, hi), "min < max")
    return lo, hi


COVARIATE_KEYS: dict[str, set[str]] = {
    "": {"population", "female_fraction", "age", "body_weight", "height", "weight_height_correlation", "renal",
         "ugt1a1", *FACTORS},
    "age": {"mean", "sd", "min", "max"},
    "body_weight": {"male", "female", "min", "max"}, "body_weight.male": {"median", "cv"},
    "body_weight.female": {"median", "cv"},
    "height": {"male", "female", "min", "max"}, "height.male": {"mean", "sd"}, "height.female": {"mean", "sd"},
    "renal": {"reference_gfr", "reference_age", "decline_per_year", "cv", "min_factor", "max_factor"},
    "ugt1a1": {"genotype_frequency", "relative_glucuronidation"},
    **{f: {"cv", "min_factor", "max_factor"} for f in FACTORS},
}
"""Keys a covariate file may have, per dotted block (a typo would otherwise be read as a missing optional block)."""


def _check_keys(d: dict[str, Any]) -> None:
    for where, allowed in COVARIATE_KEYS.items():
        node: Any = d
        for key in where.split(".") if where else ():
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            reject_unknown_keys(node, allowed, f"covariates.{where}" if where else "covariates")


def parse_covariates(d: dict[str, Any]) -> CovariateSpec:
    """Check a covariate mapping (leaves already :class:`Param`) and convert it to canonical units."""
    _check_keys(d)
    ff = _get(d, "female_fraction", "1")
    if not 0 <= ff <= 1:
        raise InputError("covariates.female_fraction", ff, "a fraction in [0, 1]")
    age = (_get(d, "age.mean", "year"), _nonneg("age.sd", _get(d, "age.sd", "year")),
           *_range("age", _positive("age.min", _get(d, "age.min", "year")), _get(d, "age.max", "year")))
    weight, height = {}, {}
    for sex in ("male", "female"):
        weight[sex] = (_positive(f"body_weight.{sex}.median", _get(d, f"body_weight.{sex}.median", "kg")),
                       _nonneg(f"body_weight.{sex}.cv", _get(d, f"body_weight.{sex}.cv", "1")))
        height[sex] = (_positive(f"height.{sex}.mean", _get(d, f"height.{sex}.mean", "cm")),
                       _nonneg(f"height.{sex}.sd", _get(d, f"height.{sex}.sd", "cm")))
    w_rng = _range("body_weight", _positive("body_weight.min", _get(d, "body_weight.min", "kg")),
                   _get(d, "body_weight.max", "kg"))
    h_rng = _range("height", _positive("height.min", _get(d, "height.min", "cm")), _get(d, "height.max", "cm"))
    rho = _get(d, "weight_height_correlation", "1")
    if not -1 <= rho <= 1:
        raise InputError("covariates.weight_height_correlation", rho, "a correlation in [-1, 1]")
    renal = {"reference_gfr": _positive("renal.reference_gfr", _get(d, "renal.reference_gfr", "mL/min")),
             "reference_age": _get(d, "renal.reference_age", "year"),
             "decline_per_year": _nonneg("renal.decline_per_year", _get(d, "renal.decline_per_year", "mL/min/year")),
             "cv": _nonneg("renal.cv", _get(d, "renal.cv", "1"))}
    lo, hi = _range("renal", _positive("renal.min_factor", _get(d, "renal.min_factor", "1")),
                    _get(d, "renal.max_factor", "1"))
    renal.update(min_factor=lo, max_factor=hi)
    factors = {}
    for f in FACTORS:
        cv = _nonneg(f"{f}.cv", _get(d, f"{f}.cv", "1"))
        lo, hi = _range(f, _positive(f"{f}.min_factor", _get(d, f"{f}.min_factor", "1")),
                        _get(d, f"{f}.max_factor", "1"))
        if not lo <= 1 <= hi:
            raise InputError(f"covariates.{f}", (lo, hi), "a range containing the median factor 1")
        factors[f] = LogNormalFactor(cv, lo, hi)
    ugt = d.get("ugt1a1")
    freq, act = {}, {}
    if ugt is not None:
        if not isinstance(ugt, dict) or set(ugt.get("genotype_frequency", {})) != set(
                ugt.get("relative_glucuronidation", {})):
            raise InputError("covariates.ugt1a1", "genotypes", "the same genotypes in genotype_frequency and "
                             "relative_glucuronidation")
        for g in ugt["genotype_frequency"]:
            freq[g] = _nonneg(f"ugt1a1.genotype_frequency.{g}", _get(d, f"ugt1a1.genotype_frequency.{g}", "1"))
            act[g] = _nonneg(f"ugt1a1.relative_glucuronidation.{g}",
                             _get(d, f"ugt1a1.relative_glucuronidation.{g}", "1"))
        total = sum(freq.values())
        if freq and not total > 0:
            raise InputError("covariates.ugt1a1.genotype_frequency", total, "frequencies with a sum > 0")
        freq = {g: v / total for g, v in freq.items()}
    return CovariateSpec(ff, age, weight, w_rng, height, h_rng, rho, renal, factors, freq, act)


def load_covariates(path: str | Path | None = None) -> CovariateSpec:
    """Read a covariate YAML file (the packaged ``data/population/covariates.yaml`` by default).

    Raises
    ------
    InputError
        One line naming the field, for a missing file, a leaf without unit/source or an impossible value
        (negative CV, correlation outside [-1, 1], weight <= 0, min >= max, ...).
    """
    if path is None:
        return parse_covariates(load_yaml(PACKAGED))
    raw = read_yaml_file(path, "covariates", prefix="covariates")
    try:
        d = _check(raw, "covariates")
    except DataFileError as exc:
        raise InputError("covariates", str(exc), "every leaf {value, unit, source}") from exc
    if not isinstance(d, dict):
        raise InputError("covariates", str(path), "a mapping")
    return parse_covariates(d)


def _truncated_lognormal(rng: np.random.Generator, f: LogNormalFactor, n: int) -> np.ndarray:
    out = np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        x = np.exp(f.sigma * rng.standard_normal(len(todo)))
        ok = (x >= f.lo) & (x <= f.hi)
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
        if not len(todo):
            return out
    raise InputError("covariates", f, "a truncation range with a non-negligible probability")


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, n: int) -> np.ndarray:
    out = np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        x = mean + sd * rng.standard_normal(len(todo))
        ok = (x >= lo) & (x <= hi)
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
        if not len(todo):
            return out
    raise InputError("covariates.age", (mean, sd, lo, hi), "a truncation range with a non-negligible probability")


def _body_size(rng: np.random.Generator, spec: CovariateSpec, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(female)
    bw, ht = np.empty(n), np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        z1 = rng.standard_normal(len(todo))
        z2 = spec.rho * z1 + np.sqrt(1.0 - spec.rho ** 2) * rng.standard_normal(len(todo))
        fem = female[todo]
        med = np.where(fem, spec.weight["female"][0], spec.weight["male"][0])
        cv = np.where(fem, spec.weight["female"][1], spec.weight["male"][1])
        w = med * np.exp(np.sqrt(np.log1p(cv * cv)) * z1)
        h = np.where(fem, spec.height["female"][0], spec.height["male"][0]) + \
            np.where(fem, spec.height["female"][1], spec.height["male"][1]) * z2
        ok = (w >= spec.weight_range[0]) & (w <= spec.weight_range[1]) & \
             (h >= spec.height_range[0]) & (h <= spec.height_range[1])
        bw[todo[ok]], ht[todo[ok]] = w[ok], h[ok]
        todo = todo[~ok]
        if not len(todo):
            return bw, ht
    raise InputError("covariates.body_weight", spec.weight_range, "ranges with a non-negligible probability")


def sample_patients(n: int, seed: int = 0, spec: CovariateSpec | None = None) -> pd.DataFrame:
    """Draw ``n`` virtual patients (reproducible for a given seed).

    Parameters
    ----------
    n : int
        Number of patients (>= 1).
    seed : int
        Seed of ``numpy.random.default_rng``.
    spec : CovariateSpec, optional
        Distributions; the packaged covariate file by default.

    Returns
    -------
    pandas.DataFrame
        One row per patient: ``ID`` (0..n-1), ``sex`` ("F"/"M"), ``age_y`` (y), ``body_weight_kg`` (kg),
        ``height_cm`` (cm), ``bsa_m2`` (m^2, Mosteller), ``gfr_factor``, ``hepatic_factor``,
        ``mps_uptake_factor``, ``mps_capacity_factor``, ``epr_factor`` (dimensionless, 1 = reference
        individual), ``ugt1a1_genotype``, ``ugt1a1_activity`` (relative SN-38 glucuronidation).
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise InputError("n", n, "an integer >= 1")
    spec = load_covariates() if spec is None else spec
    rng = np.random.default_rng(seed)
    female = rng.random(n) < spec.female_fraction
    age = _truncated_normal(rng, *spec.age, n)
    bw, ht = _body_size(rng, spec, female)
    r = spec.renal
    age_factor = 1.0 - r["decline_per_year"] * np.maximum(0.0, age - r["reference_age"]) / r["reference_gfr"]
    renal_iiv = LogNormalFactor(r["cv"], r["min_factor"], r["max_factor"])
    gfr = np.clip(age_factor, r["min_factor"], None) * _truncated_lognormal(rng, renal_iiv, n)
    gfr = np.clip(gfr, r["min_factor"], r["max_factor"])
    cols: dict[str, Any] = {
        "ID": np.arange(n, dtype=np.int64), "sex": np.where(female, "F", "M"), "age_y": age,
        "body_weight_kg": bw, "height_cm": ht,
        "bsa_m2": np.array([bsa_mosteller_m2(h, w) for h, w in zip(ht, bw, strict=True)]),
        "gfr_factor": gfr,
    }
    for f in FACTORS:
        cols[f"{f}_factor"] = _truncated_lognormal(rng, spec.factors[f], n)
    if spec.ugt1a1_frequency:
        g = list(spec.ugt1a1_frequency)
        pick = rng.choice(len(g), size=n, p=np.array([spec.ugt1a1_frequency[k] for k in g]))
        cols["ugt1a1_genotype"] = np.array(g, dtype=object)[pick]
        cols["ugt1a1_activity"] = np.array([spec.ugt1a1_activity[k] for k in g])[pick]
    return pd.DataFrame(cols)
