"""One interface over the solver backends."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nanodds.model.structure import Model
from nanodds.solve.linear import PropagatorCache, solve_linear
from nanodds.solve.solution import Solution
from nanodds.solve.threads import single_blas_thread
from nanodds.specs.regimen import DoseEvent

BACKENDS = ("auto", "linear", "stiff")


def solve(model: Model, events: Sequence[DoseEvent], t_grid: np.ndarray, backend: str = "auto",
          cache: PropagatorCache | None = None) -> Solution:
    """Solve ``model`` under ``events`` on ``t_grid``.

    ``auto`` takes the exact linear path when the model has no saturable term and the stiff path
    otherwise; ``linear`` ignores saturable terms (their unsaturated limit). ``cache`` holds the linear
    path's propagators (default: the solver's shared, content-keyed cache).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    with single_blas_thread():
        if backend == "linear" or (backend == "auto" and not model.saturable):
            return solve_linear(model.linear() if model.saturable else model, events, t_grid, cache=cache)
        from nanodds.solve.stiff import solve_stiff  # scipy.integrate (~0.3 s): only saturable models need it

        return solve_stiff(model, events, t_grid)
