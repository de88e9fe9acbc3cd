"""Batched population solves on a :class:`~nanodds.population.fast.PopulationModel`: all patients at once
(:func:`simulate_population`) or streamed block by block (:func:`iter_population`), exact linear or saturable ETD2.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.peaks import infusion_end_times, peak_times
from nanodds.errors import InputError
from nanodds.population.fast import PopulationModel
from nanodds.solve.batched import BatchResult, solve_linear_batch
from nanodds.solve.batched_peaks import PEAK_RTOL
from nanodds.solve.batched_uniform import uniform_base
from nanodds.solve.threads import single_blas_thread

__all__ = ["iter_population", "simulate_population"]


LINEAR_CHUNK = 64
"""Patients per batch of the exact linear solver: 64 x 52 x 52 doubles (~1.4 MB per stacked matrix) fit a 2 MB L2
cache. Measured 2.0 ms per patient (1 thread) vs 2.9 ms with 256 on the 61-state Doxil model (make bench); with the
peak refinement between output times (52 solved states, 10,000 patients, 2 threads) 1.47-1.52 s at 64 against
1.62 s at 32 and 1.66-1.81 s at 128 (2026-12-05)."""
SATURABLE_CHUNK = 32
"""Patients per batch of the saturable ETD2 solver: 32 against 128, 400 patients, whole process, paired: 0.79x the
wall time and 590 vs 930 MiB peak (the per-step propagators of a chunk are ~6 x 32 x 100 kB)."""
SATURABLE_FINE_SUBSTEPS = 8
SATURABLE_DECAY_H = 12.0
"""ETD2 substeps after each dose (8, falling to 1 over ~12 h; :func:`graded_substeps`, counts rounded up to
powers of two). Measured on the Doxil model, 1,000 points over 1 week, against libRoadRunner at rtol 1e-12: one
step per interval 2.4e-5 relative error (the saturation fills within hours of the dose and that error carries
over), graded 6/12 h 7.5e-7 (1,409 steps), graded 8/12 h 4.6e-7 (1,554 steps), 16/24 h 1.5e-7 (3,589 steps)
(make bench-pop)."""


def simulate_population(pm: PopulationModel, patients: Mapping[str, Any] | pd.DataFrame, observe: Sequence[str],
                        t_grid: np.ndarray | None = None, amounts_mg: np.ndarray | None = None,
                        saturable: bool | None = None, chunk: int | None = None,
                        trajectories: Sequence[str] | None = None, workers: int | None = None,
                        peak_rtol: float | None = PEAK_RTOL) -> BatchResult:
    """Solve a set of patients (linear exact, or batched saturable); observables only.

    Parameters
    ----------
    observe : sequence of str
        Observable names of the model (``plasma_total``, ``tissue_liver``, ``amount_tumour``, ...).
    amounts_mg : ndarray (p, E), optional
        Doses per patient and event (mg); default :meth:`PopulationModel.amounts`.
    saturable : bool, optional
        Use the saturable MPS terms; default: the scenario's setting (and the model has such terms).
    chunk : int, optional
        Patients per batch (memory ~ chunk x n^2 x 8 bytes x a few). Default: LINEAR_CHUNK (the stacked
        propagators of a chunk stay in a core's L2 cache) or SATURABLE_CHUNK.
    trajectories : sequence of str, optional
        Observables (of ``observe``) whose (p, T) trajectories are returned; default all. AUCs, Cmax and Tmax
        come for every observable either way.
    workers : int, optional
        Threads over the chunks of the linear solver (default: the CPU count).
    peak_rtol : float or None
        Linear kinetics: Cmax/Tmax of the model between output times where the grid maximum may be more than this
        (relative) below it (:mod:`nanodds.solve.batched_peaks`; default :data:`PEAK_RTOL`, the single-scenario
        path's bar); None: the maximum over the output times (and the times after each bolus) only.
    """
    grid = pm.t_grid if t_grid is None else np.asarray(t_grid, dtype=float)
    sat = (pm.scenario.saturable if saturable is None else saturable) and len(pm.sat_src) > 0
    am = pm.amounts(patients) if amounts_mg is None else np.asarray(amounts_mg, dtype=float)
    # Cmax/Tmax read at the peak: the solve also covers log-spaced times inside the first output step after each
    # bolus (:func:`nanodds.analysis.peaks.peak_times`) and from each infusion's end to the next output time
    # (:func:`nanodds.analysis.peaks.infusion_end_times`); peaks between output times elsewhere are refined by the
    # linear solver (``peak_rtol``); the trajectories come back on ``grid`` only
    extra = peak_times(grid, [e.start_h for e in pm.events if e.duration_h == 0])
    ends = infusion_end_times(grid, [e.start_h + e.duration_h for e in pm.events if e.duration_h > 0])
    if peak_rtol is not None and ends.size and \
            (uniform_base(grid) is None or uniform_base(np.union1d(grid, np.union1d(extra, ends)))):
        extra = np.union1d(extra, ends)  # (not where they would take the grid off the uniform solver's path)
    return _solve(pm, patients, observe, grid, np.union1d(grid, extra) if extra.size else grid, am, sat, chunk,
                  trajectories, workers, peak_rtol)


def _solve(pm: PopulationModel, patients: Mapping[str, Any] | pd.DataFrame, observe: Sequence[str],
           grid: np.ndarray, solve_grid: np.ndarray, am: np.ndarray, sat: bool, chunk: int | None,
           trajectories: Sequence[str] | None, workers: int | None, peak_rtol: float | None) -> BatchResult:
    """One solve on ``solve_grid`` (``grid`` plus peak times, or ``grid``); trajectories returned on ``grid``."""
    keep_obs = None if trajectories is None else set(trajectories)
    if not sat:  # only the states that reach an observable, assembled as such (no full K to gather from)
        keep, sinks = pm.solver_states(observe)
        with single_blas_thread():  # the assembly's products too (see solve_linear_batch)
            K = pm.rate_matrices(patients, keep, scratch=True)  # not kept past the solve
            W = pm.weights(patients, observe, keep)
            res = solve_linear_batch(K, pm.dose_vector[keep], pm.events, solve_grid, W,
                                     chunk=chunk or LINEAR_CHUNK, amounts_mg=am, sinks=sinks, workers=workers,
                                     trajectories=trajectories, peak_rtol=peak_rtol)
        return _on_grid(res, grid, solve_grid, None)
    K = pm.rate_matrices(patients)
    W = pm.weights(patients, observe)
    from nanodds.population.saturable import solve_saturable_batch
    from nanodds.population.substep_control import plan_substeps

    k, cap = pm.saturation(patients)
    terms = (pm.sat_src, pm.sat_dst, pm.sat_pc)
    nsub, res = plan_substeps(K, pm.dose_vector, pm.sinks, terms, k, cap, pm.events, am, grid, solve_grid, W,
                              SATURABLE_FINE_SUBSTEPS, SATURABLE_DECAY_H)
    if res is None:  # else the pilots were all the patients: their solve with the chosen counts is the result
        res = solve_saturable_batch(K, pm.dose_vector, pm.sinks, terms, k, cap,
                                    pm.events, am, solve_grid, W, chunk=chunk or SATURABLE_CHUNK, substeps=nsub)
    return _on_grid(res, grid, solve_grid, keep_obs)


def _on_grid(res: BatchResult, grid: np.ndarray, solve_grid: np.ndarray, keep: set[str] | None) -> BatchResult:
    """``res`` with its trajectories on ``grid`` (a subset of ``solve_grid``), only those in ``keep`` if given."""
    obs = res.observables if keep is None else {k: v for k, v in res.observables.items() if k in keep}
    if len(solve_grid) != len(grid):
        at = np.searchsorted(solve_grid, grid)
        obs = {k: v[:, at] for k, v in obs.items()}
    return replace(res, observables=obs) if obs is not res.observables else res


STREAM_CHUNK = 512
"""Patients per streamed block of :func:`iter_population` (~512 x n^2 x 8 bytes of rate matrices at a time)."""


def iter_population(pm: PopulationModel, patients: pd.DataFrame, observe: Sequence[str],
                    t_grid: np.ndarray | None = None, amounts_mg: np.ndarray | None = None,
                    saturable: bool | None = None, block: int = STREAM_CHUNK,
                    trajectories: Sequence[str] | None = None, workers: int | None = None,
                    peak_rtol: float | None = PEAK_RTOL) -> Iterator[tuple[slice, BatchResult]]:
    """Solve a population block by block, yielding ``(rows, result)`` per block of ``block`` patients.

    Same results as :func:`simulate_population` on all patients (the blocks are independent), but the rate
    matrices and observables of only a few blocks are alive at a time: memory is flat in the number of patients
    when the caller keeps only what it needs of each block (e.g. the AUCs).

    Linear kinetics: whole blocks (assembly, solve, Cmax) run on ``workers`` threads (default: the CPU count),
    one chunk thread each, so no core waits on another's serial part; results still come in order, with at most
    ``workers`` blocks ahead of the one the caller holds. BLAS stays limited to one thread from the first block to
    the end of the iteration (also while the caller works between blocks).

    Parameters
    ----------
    patients : DataFrame
        Covariates, one row per patient (``body_weight_kg`` and factors).
    amounts_mg : ndarray (P, E), optional
        Doses per patient and event (mg); default :meth:`PopulationModel.amounts` of each block.
    block : int
        Patients per block (>= 1).
    trajectories : sequence of str, optional
        Observables whose trajectories each block returns (default all; see :func:`simulate_population`).
    workers : int, optional
        Threads over whole blocks of the linear solver (default: the CPU count; 1: in the calling thread).
    peak_rtol : float or None
        Cmax/Tmax between output times (see :func:`simulate_population`).
    """
    if block < 1:
        raise InputError("block", block, "an integer >= 1")
    am_all = None if amounts_mg is None else np.asarray(amounts_mg, dtype=float)
    sat = (pm.scenario.saturable if saturable is None else saturable) and len(pm.sat_src) > 0
    blocks = [slice(c0, min(c0 + block, len(patients))) for c0 in range(0, len(patients), block)]
    nthreads = min(os.cpu_count() or 1, len(blocks)) if workers is None else min(workers, len(blocks))

    def solve(rows: slice, inner: int | None) -> BatchResult:
        return simulate_population(pm, patients.iloc[rows], observe, t_grid=t_grid,
                                   amounts_mg=None if am_all is None else am_all[rows], saturable=saturable,
                                   trajectories=trajectories, workers=inner, peak_rtol=peak_rtol)

    if sat or nthreads <= 1:
        for rows in blocks:
            yield rows, solve(rows, None)
        return
    # one BLAS thread for the whole stream: the blocks' own limits then nest inside it in any order
    with single_blas_thread(), ThreadPoolExecutor(nthreads) as ex:
        ahead = deque(ex.submit(solve, rows, 1) for rows in blocks[:nthreads])
        for i, rows in enumerate(blocks):
            res = ahead.popleft().result()
            if i + nthreads < len(blocks):
                ahead.append(ex.submit(solve, blocks[i + nthreads], 1))
            yield rows, res
