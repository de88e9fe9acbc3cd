"""Model-independent dissolution-profile metrics: MDT, DE, f1, f2 and bootstrap f2.

Formulas (``R_t``, ``T_t`` mean percent released of reference and test at the ``n`` selected times):

- ``f1 = 100·Σ|R_t − T_t| / Σ R_t`` (difference factor, Moore & Flanner 1996)
- ``f2 = 50·log10(100 / sqrt(1 + Σ(R_t − T_t)²/n))`` (similarity factor, Moore & Flanner 1996;
  FDA 1997; EMA 2010)
- ``MDT = Σ t̂_j·ΔM_j / Σ ΔM_j``, ``t̂_j`` the midpoint of interval j and ``ΔM_j`` the amount released in
  it (Costa & Sousa Lobo 2001, Eur J Pharm Sci 13:123, doi:10.1016/S0928-0987(01)00095-1)
- ``DE = 100·∫₀^τ y dt / (100·τ)`` (%), trapezoidal area up to the last time τ (Khan 1975,
  J Pharm Pharmacol 27:48)

Time-point selection rules for f1/f2 (``rule``):

Time zero is never a point of f1/f2, whatever the rule: both profiles are 0 % there by definition, so the
point carries no information and only inflates n (EMA 2010, Appendix I: "zero excluded"; FDA 1997 likewise).

- ``"all"``: every common time point after time zero.
- ``"ema"``: EMA Guideline on the investigation of bioequivalence (CPMP/EWP/QWP/1401/98 Rev. 1, 2010),
  Appendix I: time zero excluded; "not more than one mean value of > 85 % dissolved for any of the
  formulations" -> points up to and including the first time at which *either* mean exceeds 85 %.
- ``"fda"``: FDA Guidance for Industry, Dissolution Testing of Immediate Release Solid Oral Dosage Forms
  (1997), Appendix I: time zero excluded; "only one measurement should be considered after 85 %
  dissolution of both products" -> points up to and including the first time at which *both* means
  reach 85 %.

Bootstrap f2 (Shah et al. 1998, Pharm Res 15:889, doi:10.1023/A:1011976615750): units (tablets) are
resampled with replacement within each batch, the mean profiles and f2 recomputed on the time points
selected from the observed means; percentile and BCa intervals (Efron 1987, JASA 82:171,
doi:10.1080/01621459.1987.10478410) with the two-sample jackknife acceleration of Davison & Hinkley (1997,
Bootstrap Methods and their Application, §5.3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from nanodds.errors import InputError, known

__all__ = [
    "RULES",
    "bootstrap_f2",
    "compare_profiles",
    "dissolution_efficiency",
    "f1",
    "f2",
    "mdt",
    "select_points",
]

RULES: tuple[str, ...] = ("all", "ema", "fda")


def _pair(ref: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r, t = np.asarray(ref, float), np.asarray(test, float)
    if r.shape != t.shape or r.ndim != 1 or r.size == 0:
        raise InputError("profiles", f"shapes {r.shape} and {t.shape}", "two 1-D profiles of equal length")
    return r, t


def f1(ref: np.ndarray, test: np.ndarray) -> float:
    """Difference factor f1 (%) of two mean profiles (percent released at the same times)."""
    r, t = _pair(ref, test)
    return float(100.0 * np.sum(np.abs(r - t)) / np.sum(r))


def f2(ref: np.ndarray, test: np.ndarray) -> float:
    """Similarity factor f2 of two mean profiles (percent released at the same times).

    ``ref``/``test`` may also be stacks ``(..., n_times)``; f2 is then computed along the last axis.
    """
    r, t = np.asarray(ref, float), np.asarray(test, float)
    msd = np.mean((r - t) ** 2, axis=-1)
    out = 50.0 * np.log10(100.0 / np.sqrt(1.0 + msd))
    return float(out) if np.ndim(out) == 0 else out


def mdt(t: np.ndarray, y: np.ndarray) -> float:
    """Mean dissolution time (time unit of ``t``) of a mean profile ``y`` (%), from time 0."""
    t, y = _with_origin(t, y)
    dm = np.diff(y)
    if np.sum(dm) <= 0:
        return float("nan")
    mid = 0.5 * (t[1:] + t[:-1])
    return float(np.sum(mid * dm) / np.sum(dm))


def dissolution_efficiency(t: np.ndarray, y: np.ndarray, tau: float | None = None) -> float:
    """Dissolution efficiency DE (%) up to ``tau`` (default: last time), trapezoidal area from time 0."""
    t, y = _with_origin(t, y)
    tau = float(t[-1]) if tau is None else float(tau)
    if tau <= 0:
        raise InputError("tau", tau, "a positive time")
    keep = t <= tau
    tt, yy = t[keep], y[keep]
    if tt[-1] < tau:
        tt, yy = np.append(tt, tau), np.append(yy, np.interp(tau, t, y))
    area = float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt)))
    return 100.0 * area / (100.0 * tau)


def _with_origin(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, y = np.asarray(t, float), np.asarray(y, float)
    order = np.argsort(t)
    t, y = t[order], y[order]
    if t[0] > 0:
        t, y = np.insert(t, 0, 0.0), np.insert(y, 0, 0.0)
    return t, y


def select_points(times: np.ndarray, ref_mean: np.ndarray, test_mean: np.ndarray, rule: str) -> np.ndarray:
    """Boolean mask of the time points used for f1/f2 under ``rule`` (see module docstring)."""
    rule = str(rule).lower()
    if not known(rule, RULES):
        raise InputError("rule", rule, "one of " + ", ".join(RULES))
    times = np.asarray(times, float)
    mask = times > 0  # time zero excluded under every rule
    if rule == "all":
        return mask
    reached = (ref_mean > 85.0) | (test_mean > 85.0) if rule == "ema" else (
        (ref_mean >= 85.0) & (test_mean >= 85.0))
    hits = np.nonzero(reached & mask)[0]
    if hits.size:
        mask[hits[0] + 1:] = False
    return mask


def _jackknife_acceleration(ref: np.ndarray, test: np.ndarray, mask: np.ndarray) -> float:
    """BCa acceleration from two-sample jackknife influence values (Davison & Hinkley 1997, §5.3)."""
    num, den = 0.0, 0.0
    for which, units in (("ref", ref), ("test", test)):
        n = units.shape[0]
        if n < 2:
            return 0.0
        loo = (units.sum(axis=0) - units) / (n - 1)  # leave-one-out means (n, times)
        other = (test if which == "ref" else ref).mean(axis=0)
        pairs = (loo[:, mask], np.broadcast_to(other[mask], loo[:, mask].shape))
        vals = f2(*pairs) if which == "ref" else f2(pairs[1], pairs[0])
        infl = (n - 1) * (vals.mean() - vals)
        num += np.sum(infl**3) / n**3
        den += np.sum(infl**2) / n**2
    return float(num / (6.0 * den**1.5)) if den > 0 else 0.0


def bootstrap_f2(
    ref_units: np.ndarray,
    test_units: np.ndarray,
    mask: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.90,
) -> dict[str, Any]:
    """Bootstrap distribution and confidence intervals of f2.

    Parameters
    ----------
    ref_units, test_units : numpy.ndarray
        Percent released (%) per unit, shape ``(n_units, n_times)`` on common times.
    mask : numpy.ndarray
        Time points used (from :func:`select_points` on the observed means); kept fixed.
    n_boot : int
        Number of bootstrap replicates.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    confidence : float
        Two-sided confidence level (0.90 is the regulatory convention: similar if the lower bound ≥ 50).

    Returns
    -------
    dict
        ``n, seed, confidence, f2_observed, f2_boot_mean, f2_boot_sd, f2_ci_percentile, f2_ci_bca,
        bca_z0, bca_acceleration``.
    """
    if int(n_boot) < 10:
        raise InputError("bootstrap", n_boot, "at least 10 replicates")
    if not 0 < confidence < 1:
        raise InputError("confidence", confidence, "a number between 0 and 1")
    ref, test = np.asarray(ref_units, float), np.asarray(test_units, float)
    if ref.shape[0] < 2 or test.shape[0] < 2:
        raise InputError("replicate", f"{ref.shape[0]} and {test.shape[0]} units",
                         "at least 2 units (tablets) per batch for a bootstrap")
    rng = np.random.default_rng(seed)
    n_boot = int(n_boot)
    theta = f2(ref.mean(axis=0)[mask], test.mean(axis=0)[mask])
    boot = np.empty(n_boot)
    chunk = 2000
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        ir = rng.integers(0, ref.shape[0], size=(b, ref.shape[0]))
        it = rng.integers(0, test.shape[0], size=(b, test.shape[0]))
        boot[start:start + b] = f2(ref[ir].mean(axis=1)[:, mask], test[it].mean(axis=1)[:, mask])
    alpha = (1.0 - confidence) / 2.0
    pct = np.quantile(boot, [alpha, 1.0 - alpha])
    frac = (np.sum(boot < theta) + 0.5 * np.sum(boot == theta)) / n_boot
    z0 = float(ndtri(np.clip(frac, 1.0 / (n_boot + 1), n_boot / (n_boot + 1))))
    a = _jackknife_acceleration(ref, test, mask)
    z = ndtri(np.array([alpha, 1.0 - alpha]))
    adj = ndtr(z0 + (z0 + z) / (1.0 - a * (z0 + z)))
    bca = np.quantile(boot, np.clip(adj, 0.0, 1.0))
    return {
        "n": n_boot,
        "seed": int(seed),
        "confidence": float(confidence),
        "f2_observed": float(theta),
        "f2_boot_mean": float(boot.mean()),
        "f2_boot_sd": float(boot.std(ddof=1)),
        "f2_ci_percentile": [float(pct[0]), float(pct[1])],
        "f2_ci_bca": [float(bca[0]), float(bca[1])],
        "bca_z0": z0,
        "bca_acceleration": a,
    }


def compare_profiles(
    times: np.ndarray,
    ref_units: np.ndarray,
    test_units: np.ndarray,
    rule: str = "ema",
    n_boot: int | None = None,
    seed: int = 0,
    confidence: float = 0.90,
) -> dict[str, Any]:
    """Compare a test with a reference profile: f1, f2 (mean profiles), MDT, DE, optional bootstrap f2.

    Parameters
    ----------
    times : numpy.ndarray
        Common time points (data time unit).
    ref_units, test_units : numpy.ndarray
        Percent released (%), shape ``(n_units, n_times)`` (a single row for a mean profile).
    rule : {"all", "ema", "fda"}
        Time-point selection rule for f1/f2.
    n_boot : int, optional
        Bootstrap replicates (no bootstrap when ``None`` or 0).
    """
    times = np.asarray(times, float)
    ref, test = np.atleast_2d(np.asarray(ref_units, float)), np.atleast_2d(np.asarray(test_units, float))
    if ref.shape[1] != times.size or test.shape[1] != times.size:
        raise InputError("time", f"{times.size} times", "one value per time point for every unit")
    rm, tm = ref.mean(axis=0), test.mean(axis=0)
    mask = select_points(times, rm, tm, rule)
    if mask.sum() < 1:
        raise InputError("time_points", [], f"at least one time point left by rule {rule!r}")
    out: dict[str, Any] = {
        "rule": rule,
        "time_points": [float(x) for x in times[mask]],
        "f1": f1(rm[mask], tm[mask]),
        "f2": f2(rm[mask], tm[mask]),
        "n_units": {"reference": int(ref.shape[0]), "test": int(test.shape[0])},
        "mean_reference": [float(x) for x in rm],
        "mean_test": [float(x) for x in tm],
        "times": [float(x) for x in times],
        "MDT": {"reference": mdt(times, rm), "test": mdt(times, tm)},
        "DE": {"reference": dissolution_efficiency(times, rm), "test": dissolution_efficiency(times, tm)},
    }
    if mask.sum() < 3:
        out["note"] = "fewer than 3 time points: guidelines ask for at least 3 (zero excluded)"
    if n_boot:
        out["bootstrap"] = bootstrap_f2(ref, test, mask, n_boot=n_boot, seed=seed, confidence=confidence)
    return out
