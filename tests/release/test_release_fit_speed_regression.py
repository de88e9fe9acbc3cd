"""The fast fitting path finds the optimum of an exhaustive multi-start computed in the same test run.

``fit_all`` (default: data-driven starts plus 3 seeded random restarts, stopping early when a restart agrees
with the best optimum) is compared with an exhaustive multi-start run here and now: the same starts plus 17
more random restarts, with the early stop disabled (``fitting._AGREE_RTOL = -1``, ``n_starts=21``). No SSR is
pinned to a number, so a SciPy or BLAS update that moves optima in the last digits changes both sides alike.

Properties, per model and profile:

- the exhaustive search is never worse than the fast path (its starts include the fast path's);
- the fast path is no worse than the exhaustive search within ``REL_TOL`` relative (``ABS_TOL`` %² for exact
  interpolations, SSR ~ 1e-27), a tolerance stated here before the result: least_squares stops at
  ``ftol = 1e-8`` relative change of the cost, so optima reached from different starts agree to about that.

Known miss (documented since commit 2969836, before the speed-up): on the benchmark profile Peppas-Sahlin 1
with the default 4 starts stops in a local optimum (SSR about 134 instead of about 106 %²) because the
heuristic start and the first random restart agree on it. It is marked ``xfail(strict=True)``: the test
fails if the fast path starts finding the global optimum, so the note cannot outlive the behaviour.

A small subset of models (those with lag times, fractional exponents or several shape parameters, where
multi-start matters) on the benchmark profile and two Shah 1998 batch means keeps the test fast.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nanodds.release import fitting
from nanodds.release.models import MODELS

SHAH = Path(__file__).resolve().parents[2] / "validation" / "data" / "dissolution" / "shah1998_table4.csv"
REL_TOL, ABS_TOL = 1e-6, 1e-9  # relative, and %² for exact interpolations
SUBSET = ("first_order_tlag_fmax", "korsmeyer_peppas_tlag", "hopfenberg_tlag", "makoid_banakar",
          "peppas_sahlin_1", "weibull_tlag", "gompertz", "hill_tlag")
PROFILES = ("bench", "b1", "b4")
KNOWN_MISSES = {("bench", "peppas_sahlin_1"): "local optimum with the default 4 starts (SSR ~134 vs ~106)"}


def _profiles() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    t = np.array([0.0, 5, 10, 15, 20, 30, 45, 60, 75, 90, 105, 120])
    y = MODELS["weibull_tlag"](t, 30.0, 0.9, 8.0) + np.random.default_rng(0).normal(0.0, 0.5, t.size)
    out = {"bench": (t, y)}
    data = pd.read_csv(SHAH)
    for batch, g in data.groupby("batch"):
        mean = g.groupby("time_min")["percent_released"].mean()
        out[str(batch)] = (mean.index.to_numpy(float), mean.to_numpy(float))
    return out


def _ssr(t: np.ndarray, y: np.ndarray, **kw) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {f.model: f.stats["SSR"] for f in fitting.fit_all(t, y, models=list(SUBSET), **kw)}


@pytest.fixture(scope="module")
def ssr_pairs() -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """(fast, exhaustive) SSR per model, per profile, computed in this run."""
    profiles = _profiles()
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for name in PROFILES:
            t, y = profiles[name]
            fast = _ssr(t, y)
            mp.setattr(fitting, "_AGREE_RTOL", -1.0)
            exhaustive = _ssr(t, y, n_starts=21)
            mp.undo()
            out[name] = (fast, exhaustive)
    return out


def test_subset_in_catalogue():
    assert set(SUBSET) <= set(MODELS)


def _cases():
    for profile in PROFILES:
        for model in SUBSET:
            marks = ()
            if (profile, model) in KNOWN_MISSES:
                marks = pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(profile, model)])
            yield pytest.param(profile, model, marks=marks, id=f"{profile}-{model}")


@pytest.mark.parametrize(("profile", "model"), list(_cases()))
def test_fast_path_reaches_exhaustive_optimum(ssr_pairs, profile, model):
    fast, exhaustive = ssr_pairs[profile]
    assert fast[model] is not None and exhaustive[model] is not None
    assert fast[model] <= exhaustive[model] * (1 + REL_TOL) + ABS_TOL, (fast[model], exhaustive[model])


@pytest.mark.parametrize("profile", PROFILES)
def test_exhaustive_never_worse_than_fast(ssr_pairs, profile):
    fast, exhaustive = ssr_pairs[profile]
    for model in SUBSET:
        assert exhaustive[model] <= fast[model] * (1 + REL_TOL) + ABS_TOL, model


def test_known_miss_is_a_real_local_optimum(ssr_pairs):
    """The documented miss is what it says: the exhaustive search finds a clearly lower SSR (> 10 %)."""
    for profile, model in KNOWN_MISSES:
        fast, exhaustive = ssr_pairs[profile]
        assert fast[model] > 1.1 * exhaustive[model], (profile, model)
