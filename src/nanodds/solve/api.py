"""One interface over the solver backends."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nanodds.model.structure import Model
from nanodds.solve.linear import PropagatorCache, solve_linear
from nanodds.solve.solution import Solution
from nanodds.solve.stiff import AHEAD_OF_TIME
from nanodds.solve.threads import single_blas_thread
from nanodds.specs.regimen import DoseEvent

BACKENDS = ("auto", "linear", "stiff")
ONE_SHOT_STIFF_METHOD = AHEAD_OF_TIME
"""Stiff back-end of a process that solves one scenario and exits (``nanodds simulate``): the compiled BDF built
ahead of time (:data:`nanodds.solve.stiff.AHEAD_OF_TIME`, no numba import), else scipy's BDF. The JIT kernel's
fixed cost in a fresh process (numba's import and first dispatch, ~0.3-0.7 s cpu, ~100 MB) exceeds scipy's whole
solve of an example (~0.3-0.4 s); measured in docs/population_tools.md (single-scenario stiff path, start-up
fourth round)."""


def solve(model: Model, events: Sequence[DoseEvent], t_grid: np.ndarray, backend: str = "auto",
          cache: PropagatorCache | None = None, stiff_method: str | None = None) -> Solution:
    """Solve ``model`` under ``events`` on ``t_grid``.

    ``auto`` takes the exact linear path when the model has no saturable term and the stiff path
    otherwise; ``linear`` ignores saturable terms (their unsaturated limit). ``cache`` holds the linear
    path's propagators (default: the solver's shared, content-keyed cache). ``stiff_method`` is the stiff
    path's back-end (:func:`nanodds.solve.stiff.solve_stiff`'s ``method``; default its compiled BDF;
    :data:`ONE_SHOT_STIFF_METHOD` for a process that solves once).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    with single_blas_thread():
        if backend == "linear" or (backend == "auto" and not model.saturable):
            return solve_linear(model.linear() if model.saturable else model, events, t_grid, cache=cache)
        from nanodds.solve.stiff import solve_stiff  # its back-ends (numba or scipy.integrate) load on first use

        return solve_stiff(model, events, t_grid, **({} if stiff_method is None else {"method": stiff_method}))
