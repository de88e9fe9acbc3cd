"""Benchmark: fit the whole release-model catalogue to one mean profile (target < 1 s).

Run: ``.venv/bin/python benchmarks/bench_release_fit.py``. Not a test.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from nanodds.release.fitting import fit_all
from nanodds.release.models import MODELS


def main(repeats: int = 3) -> float:
    """Fit all models to a 12-point Weibull-with-lag profile; print and return the best time (s)."""
    t = np.array([0.0, 5, 10, 15, 20, 30, 45, 60, 75, 90, 105, 120])
    y = MODELS["weibull_tlag"](t, 30.0, 0.9, 8.0) + np.random.default_rng(0).normal(0.0, 0.5, t.size)
    best = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_all(t, y)  # warm-up (imports, caches)
        for _ in range(repeats):
            t0 = time.perf_counter()
            fits = fit_all(t, y)
            best = min(best, time.perf_counter() - t0)
    n_ok = sum(f.ok for f in fits)
    print(f"fit-all: {len(fits)} models ({n_ok} ok) on {t.size} points in {best:.3f} s (best of {repeats})")
    print(f"best model by AIC: {fits[0].model}")
    return best


if __name__ == "__main__":
    main()
