"""Substep plans of the saturable population solve chosen by an error estimate (step doubling on pilot patients).

:func:`plan_substeps` starts from the graded plan of :mod:`nanodds.population.saturable` (steps concentrated after
each dose) and refines it until the step-doubling estimate on a few pilot patients of the block is within
:data:`ERROR_TOL` of every observable's peak, so the step length follows the accuracy asked for, not the output
grid (docs/population_tools.md, "Saturable substeps chosen by an error estimate").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from nanodds.population.saturable import _steps, graded_substeps, solve_saturable_batch, substeps_within
from nanodds.solve.batched import BatchResult
from nanodds.specs.regimen import DoseEvent

ERROR_TOL = 1e-6
"""Target error of the saturable population solve, relative to each observable's peak (what
``benchmarks/probe_saturable_bolus.py`` and the tests measure against ``solve_stiff`` at rtol 1e-11)."""
MAX_REFINEMENT = 256
"""Largest factor by which :func:`refine_substeps` multiplies the graded substep counts (a power of two)."""
LOCAL_LIMIT = 3.0
"""Estimated errors up to this multiple of the tolerance are refined locally (:func:`refine_substeps`): doubling the
steps of an interval leaves ~1/4 of its error, so a local doubling cannot remove more than 3/4."""
LOCAL_TARGET = 0.8
"""A local refinement aims at this fraction of the tolerance (a margin for the estimate's own error)."""
ORDER_SAFETY = 2.0
"""Error of the coarser solve taken as ``2 |y_n - y_2n|``: exact for a first-order error (a step across the kink
of ``min(1, occupancy)``), an overestimate by 3/2 where ETD2 is second order (``4/3 |y_n - y_2n|``)."""


def pilot_rows(amounts_mg: np.ndarray, k: np.ndarray, cap: np.ndarray, fastest: int = 2) -> np.ndarray:
    """Patients of a block whose solves decide its substeps (sorted distinct row indices, at most ``fastest + 2``).

    * the ``fastest`` whose capacities fill fastest relative to the block: largest ``max_j f_pj / median_p f_pj``
      with ``f_pj = k_pj D_p / cap_pj`` (1/h; ``D_p`` the patient's total dose, mg): fast uptake onto a small
      capacity crosses ``min(1, occupancy)`` within few steps, where ETD2 errs most. Measured: 400 patients of
      the benchmark (``sample_patients(400, 1)``, Doxil, 168 h on 1,000 points, graded substeps): the eight
      largest errors (1.17e-6 to 6.0e-7 of the peak) belong to the eight highest values of this index, the
      largest two to its first two; the most saturated by dose per capacity had 3.8e-7;
    * the most saturated by dose per total capacity, ``D_p / sum_j cap_pj``;
    * the median patient of that ranking (a typical one).
    """
    am = np.asarray(amounts_mg, dtype=float)
    k, cap = np.asarray(k, dtype=float), np.asarray(cap, dtype=float)
    dose = am.sum(axis=1)
    tiny = np.finfo(float).tiny
    fill = k * dose[:, None] / np.maximum(cap, tiny)
    ref = np.median(fill, axis=0)
    rel = np.where(ref > 0, fill / np.maximum(ref, tiny), 0.0).max(axis=1) if fill.size else np.zeros(len(dose))
    by_dose = np.argsort(dose / np.maximum(cap.sum(axis=1), tiny), kind="stable")
    picks = [*np.argsort(-rel, kind="stable")[:fastest], by_dose[-1], by_dose[len(by_dose) // 2]]
    return np.unique(np.asarray(picks, dtype=int))


def estimated_error(coarse: Mapping[str, np.ndarray], fine: Mapping[str, np.ndarray]) -> float:
    """Step-doubling error estimate of ``coarse`` (observables (p, T) of one plan, ``fine`` of the doubled one):
    the largest ``ORDER_SAFETY |y_n - y_2n|`` over times and patients, relative to the observable's peak."""
    worst = 0.0
    for name, y2 in fine.items():
        peak = np.max(np.abs(y2), axis=1)
        ok = peak > 0
        if np.any(ok):
            diff = np.max(np.abs(coarse[name] - y2), axis=1)
            worst = max(worst, float(np.max(ORDER_SAFETY * diff[ok] / peak[ok])))
    return worst


def _interval_indicator(coarse: Mapping[str, np.ndarray], fine: Mapping[str, np.ndarray]) -> np.ndarray:
    """Where the error estimate grows: per interval between consecutive solve times, the largest change of
    ``(y_n - y_2n) / peak`` over observables and patients."""
    rows = []
    for name, y2 in fine.items():
        peak = np.max(np.abs(y2), axis=1)
        ok = peak > 0
        if np.any(ok):
            rows.append(np.abs(np.diff((coarse[name][ok] - y2[ok]) / peak[ok, None], axis=1)).max(axis=0))
    return np.max(rows, axis=0) if rows else np.zeros(0)


def refine_substeps(solve: Callable[[np.ndarray], Mapping[str, np.ndarray]], counts: np.ndarray,
                    owner: np.ndarray | None = None, tol: float = ERROR_TOL,
                    max_factor: int = MAX_REFINEMENT) -> tuple[np.ndarray, float]:
    """Substep counts whose estimated error is within ``tol``, by step doubling on pilot patients.

    ``solve(counts)`` returns the pilots' observables (name -> (p, T)) for one plan of substeps per interval.
    The plan is solved with every count doubled as well; if the step-doubling estimate (:func:`estimated_error`)
    of the coarser solve is within ``tol`` the plan is kept. Otherwise, if a local refinement can suffice
    (estimate within :data:`LOCAL_LIMIT` ``tol``) and ``owner`` maps each plan interval to the interval between
    solve times that holds it, the counts are doubled only where the estimate grows most
    (:func:`_interval_indicator`), on the fewest intervals that carry the share of its growth to remove;
    else every count is multiplied by the power of two that a second-order error predicts (``sqrt(error /
    tol)``, rounded up, at least 2, at most what ``max_factor`` leaves). The new plan is checked the same way,
    as long as no count exceeds ``max_factor`` times its first value. The graded plan puts steps where the
    saturation moves fast; this refinement makes the step length elsewhere follow the accuracy asked for instead
    of the output grid (one step per output interval of 0.336 h gave 1.7e-6 of the peak on the Doxil example, of
    3.36 h 1.5e-4).

    Returns
    -------
    counts : ndarray of int
        The plan to use (each count its first value times a power of two).
    error : float
        Its estimated error relative to the peak. Above ``tol`` only when ``max_factor`` did not reach it (a
        ``UserWarning`` says so).
    """
    first = np.asarray(counts, dtype=int)
    counts = first
    coarse, fine = solve(counts), solve(2 * counts)
    while True:
        err = estimated_error(coarse, fine)
        if err <= tol:
            return counts, err
        if owner is not None and err <= LOCAL_LIMIT * tol:
            g = _interval_indicator(coarse, fine)[owner]
            share = min(1.0, (1.0 - LOCAL_TARGET * tol / err) / 0.75)  # doubled steps: 1/4 of their error left
            order = np.argsort(-g, kind="stable")
            cum = np.cumsum(g[order])
            pick = order[:int(np.searchsorted(cum, share * cum[-1])) + 1] if cum[-1] > 0 else order
            new = counts.copy()
            new[pick] *= 2
        else:  # the predicted factor, or as much of it as max_factor leaves
            room = int(max_factor // np.max(counts // first))
            new = counts * min(max(2, 2 ** int(np.ceil(np.log2(np.sqrt(err / tol))))), room)
        if np.any(new > max_factor * first) or np.array_equal(new, counts):
            break
        counts = new
        coarse, fine = solve(counts), solve(2 * counts)
    warnings.warn(f"saturable population solve: estimated error {err:.1e} of the peak with up to "
                  f"{int(np.max(counts // first))}x the graded substeps exceeds {tol:.0e} (at most {max_factor}x); "
                  "results are less accurate than stated", UserWarning, stacklevel=3)
    return counts, err


def plan_substeps(K: np.ndarray, dose_vector: np.ndarray, sinks: np.ndarray,
                  terms: tuple[np.ndarray, np.ndarray, np.ndarray], k: np.ndarray, cap: np.ndarray,
                  events: Sequence[DoseEvent], amounts_mg: np.ndarray, grid: np.ndarray, solve_grid: np.ndarray,
                  observe: Mapping[str, np.ndarray], fine: int, decay_h: float,
                  tol: float = ERROR_TOL) -> tuple[np.ndarray, BatchResult | None]:
    """Substeps per interval of the saturable solve on ``solve_grid`` (``grid`` plus any peak times).

    Graded after each dose (:func:`graded_substeps` on ``grid`` with ``fine`` and ``decay_h``, then
    :func:`substeps_within` for the added times), then refined until the step-doubling estimate on the
    :func:`pilot_rows` patients is within ``tol`` of each observable's peak (:func:`refine_substeps`). The
    arguments are those of :func:`solve_saturable_batch` for all patients; the pilots are solved alone.

    Returns the counts and, when the pilots are all the patients (small blocks), their solve with those counts
    (the same call :func:`solve_saturable_batch` would make: no third solve), else None.
    """
    nsub = graded_substeps(events, grid, fine, decay_h)
    if len(solve_grid) != len(grid):  # the peak times split their interval's substeps, never add many
        nsub = substeps_within(events, grid, nsub, solve_grid)
    am = np.asarray(amounts_mg, dtype=float).reshape(len(K), len(events))
    pilots = pilot_rows(am, k, cap)
    everyone = np.array_equal(pilots, np.arange(len(K)))
    Wp = {q: w if w.ndim == 1 else w[pilots] for q, w in ((q, np.asarray(w)) for q, w in observe.items())}
    solved: dict[bytes, BatchResult] = {}

    def pilot_solve(counts: np.ndarray) -> Mapping[str, np.ndarray]:
        res = solve_saturable_batch(K[pilots], dose_vector, sinks, terms, k[pilots], cap[pilots], events,
                                    am[pilots], solve_grid, Wp, chunk=len(pilots), substeps=counts, workers=1)
        if everyone:
            solved[np.asarray(counts, dtype=np.int64).tobytes()] = res
        return res.observables

    pts = _steps(events, solve_grid)  # the plan's intervals, each inside one interval between solve times
    owner = np.clip(np.searchsorted(solve_grid, pts[:-1], side="right") - 1, 0, len(solve_grid) - 2)
    counts = refine_substeps(pilot_solve, nsub, owner, tol)[0]
    return counts, solved.get(np.asarray(counts, dtype=np.int64).tobytes())
