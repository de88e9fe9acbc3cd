"""Solver output: state trajectories plus exact integrals (AUC, AUMC) and tails to infinity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nanodds.model.structure import Model, freeze, readonly
from nanodds.specs.regimen import DoseEvent

SAME_TIME_REL = 1e-12
"""Relative tolerance (scaled by max(1 h, t)) within which two times are one instant. The solvers apply a bolus
at an output time this close to it, so the dose accounting counts it there too (a dose at 4.000000000000001 h
reported at the 4.0 h grid point after the bolus is not a mass-balance error)."""


PEAK_RTOL = 1e-3
"""Relative amount by which a peak between output times may exceed the highest value read on the grid before it is
refined: the single-scenario path (:func:`nanodds.analysis.peaks.interior_peak_times`) and the batched linear
population path (:mod:`nanodds.solve.batched_peaks`) use this one bar."""


def same_time_tol_h(t_h: float) -> float:
    """Absolute tolerance (h) within which a time equal to ``t_h`` is the same instant."""
    return SAME_TIME_REL * max(1.0, abs(t_h))


@dataclass(frozen=True)
class Solution:
    """Trajectories of every state on the output grid and their exact time integrals.

    Attributes
    ----------
    model : Model
    times_h : ndarray, shape (T,)
    y : ndarray, shape (T, n)
        Amounts (mg) at each output time (after any bolus given at that time).
    cum_int : ndarray, shape (T, n)
        ``int_0^t y dt`` (mg h), exact.
    aumc : ndarray, shape (n,)
        ``int_0^T t y dt`` (mg h^2) over the simulated window.
    tail_int, tail_aumc : ndarray, shape (n,)
        ``int_T^inf y dt`` and ``int_T^inf t y dt`` with no further dosing (inf where the state is not
        eliminated).
    dosed : dict
        Administered amount of each mass group (mg).
    method : str
        ``"linear-expm"``, ``"stiff-bdf-numba"`` (compiled BDF) or ``"stiff-bdf"``/``"stiff-radau"`` (scipy), with
        ``+radau`` when a segment fell back to scipy's Radau.
    dose_events : tuple of DoseEvent
        The administrations this solution was computed for (its dosing and mass balance read them).

    A solution owns what produced it: the model (immutable), a read-only copy of the output grid, its
    read-only trajectories and its dose events; nothing solved later can change it.
    """

    model: Model
    times_h: np.ndarray
    y: np.ndarray
    cum_int: np.ndarray
    aumc: np.ndarray
    tail_int: np.ndarray
    tail_aumc: np.ndarray
    dosed: Mapping[str, float]
    method: str
    dose_events: tuple[DoseEvent, ...] = ()

    def __post_init__(self) -> None:
        for name in ("times_h", "y", "cum_int", "aumc", "tail_int", "tail_aumc"):
            object.__setattr__(self, name, readonly(np.asarray(getattr(self, name), dtype=float)))
        object.__setattr__(self, "dosed", freeze(self.dosed))
        object.__setattr__(self, "dose_events", tuple(self.dose_events))

    def observe(self, name: str) -> np.ndarray:
        """Trajectory of an observable (its unit is ``model.observables[name].unit``)."""
        return self.y @ self.model.observables[name].weights

    def observe_auc(self, name: str) -> tuple[float, float]:
        """(AUC0-T, AUC0-inf) of an observable, exact."""
        w = self.model.observables[name].weights
        auc_t = float(self.cum_int[-1] @ w)
        nz = w != 0
        tail = self.tail_int[nz] @ w[nz] if np.all(np.isfinite(self.tail_int[nz])) else np.inf
        return auc_t, float(auc_t + tail)

    def observe_aumc_inf(self, name: str) -> float:
        """AUMC0-inf (unit x h^2) of an observable, exact."""
        w = self.model.observables[name].weights
        nz = w != 0
        if not np.all(np.isfinite(self.tail_aumc[nz])):
            return float("inf")
        return float(self.aumc[nz] @ w[nz] + self.tail_aumc[nz] @ w[nz])

    def mass_balance_rel_error(self) -> dict[str, float]:
        """max over time of |in body + eliminated - dosed so far| / total dosed, per mass group."""
        out = {}
        for g, mask in self.model.groups.items():
            total = self.dosed.get(g, 0.0)
            if total <= 0:
                continue
            have = self.y[:, mask].sum(axis=1)
            given = self.dosed_until(g)
            out[g] = float(np.max(np.abs(have - given)) / total)
        return out

    def dosed_until(self, group: str) -> np.ndarray:
        """Cumulative administered amount of a group at each output time (mg)."""
        per_mg = self.model.per_mg_group[group]
        t = self.times_h
        given = np.zeros_like(t)
        for e in self.dose_events:
            start, amount, dur = e.start_h, e.amount_mg, e.duration_h
            if dur > 0:
                given += amount * per_mg * np.clip((t - start) / dur, 0.0, 1.0)
            else:
                given += amount * per_mg * (t >= start - same_time_tol_h(start))
        return given
