"""One forward-model interface for fitting, sensitivity, design and populations.

``ForwardModel(scenario, names, outputs).simulate(params, times_h)`` maps a parameter matrix (one row per run,
one column per name, canonical units) and output times to observables of every run: trajectories on the
times and their exact AUCs (pints-style ``simulate(parameters, times) -> observables``, vectorised over runs).
Callers never assemble models or pick solvers themselves.

Parameters a run may set:

* every name of :mod:`nanodds.analysis.model_params` (``diameter``, ``release_rate_blood``, carrier-file
  scalars, ...), applied through :class:`~nanodds.analysis.model_params.ScenarioModel`;
* ``release_rate`` (1/h): ``release_rate_blood`` and ``release_rate_tissue`` together (the setting of the
  release-rate sweep, :mod:`nanodds.analysis.release_design`);
* ``pegylated`` (0 or 1): the carrier with or without PEG, parsed from the scenario mapping as the scenario
  loader would (needs ``raw``; rejected where PEG does not change the model);
* regimen: ``dose`` (mg per administration), ``dose_interval`` (h) and ``dose_count`` (integer), for a
  scenario whose regimen is one repeated dose; ``dose_multiplier`` (-) scales every administration of any
  regimen (e.g. a subject's total dose over the scenario's).

Solving: when the runs are linear (saturation off, or ``linear=True``), share one state structure and have no
stimulus schedule, all runs are solved together by the exact batched solver
(:func:`nanodds.solve.batched.solve_linear_batch`); otherwise each run is solved by
:func:`nanodds.solve.api.solve` with the scenario's backend, exactly as ``nanodds simulate`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanodds.analysis.model_params import ScenarioModel, param_unit
from nanodds.errors import InputError
from nanodds.model.structure import Model
from nanodds.specs.regimen import DoseEvent
from nanodds.specs.scenario import Scenario

__all__ = ["EXTRA_PARAMS", "ForwardModel", "ForwardResult", "forward_param_unit"]

EXTRA_PARAMS: dict[str, tuple[str, str]] = {
    "release_rate": ("1/h", "first-order release rate in blood and tissue alike"),
    "pegylated": ("1", "carrier with (1) or without (0) PEG"),
    "dose": ("mg", "amount of each administration"),
    "dose_interval": ("h", "time between administrations"),
    "dose_count": ("1", "number of administrations"),
    "dose_multiplier": ("1", "factor on every administered amount"),
}
REGIMEN = ("dose", "dose_interval", "dose_count")
"""Parameters that rebuild a one-item regimen."""
Output = str | Callable[[Model], np.ndarray]
"""An output: a model observable's name, or a function giving read-out weights (n,) for a model."""
CHUNK = 256
"""Runs whose models are held in memory and solved together."""


def forward_param_unit(scn: Scenario, name: str) -> str:
    """Canonical unit of a forward-model parameter (InputError naming the allowed names otherwise)."""
    if name == "release_rate":
        param_unit(scn, "release_rate_blood")
    if name in EXTRA_PARAMS:
        if name in ("release_rate", "pegylated") and scn.carrier is None:
            raise InputError(f"params.{name}", name, "a parameter of a scenario with a carrier")
        return EXTRA_PARAMS[name][0]
    try:
        return param_unit(scn, name)
    except InputError as exc:
        if exc.field == "params":
            raise InputError("params", name, f"{exc.allowed}, or {', '.join(EXTRA_PARAMS)}") from None
        raise


@dataclass(frozen=True)
class ForwardResult:
    """Outputs of R runs on T output times.

    Attributes
    ----------
    times_h : ndarray, shape (T,)
    observables : dict of ndarray, shape (R, T)
        Each output on the times (after any bolus given at a time).
    auc_t, auc_inf : dict of ndarray, shape (R,)
        Exact AUC over ``[0, times_h[-1]]`` and to infinity with no further dose (``inf`` when the output
        weighs an elimination sink).
    mass_balance_rel_error : ndarray, shape (R,)
        Worst mass-balance error of each run (NaN on the batched path, which keeps no state trajectories).
    """

    times_h: np.ndarray
    observables: dict[str, np.ndarray]
    auc_t: dict[str, np.ndarray]
    auc_inf: dict[str, np.ndarray]
    mass_balance_rel_error: np.ndarray


def _uniform_regimen(events: Sequence[DoseEvent]) -> tuple[float, float, float, float, int]:
    """(start, amount, duration, interval, count) of a regimen that is one repeated dose, else InputError."""
    e0 = events[0]
    starts = np.array([e.start_h for e in events])
    steps = np.diff(starts)
    same = all(e.amount_mg == e0.amount_mg and e.duration_h == e0.duration_h for e in events)
    if not same or (len(steps) and np.ptp(steps) > 1e-9 * max(1.0, float(steps.max()))):
        raise InputError("regimen", f"{len(events)} administrations",
                         "one repeated dose (same amount, duration and interval) to vary dose or schedule")
    return e0.start_h, e0.amount_mg, e0.duration_h, float(steps[0]) if len(steps) else 0.0, len(events)


class ForwardModel:
    """``simulate(params, times_h) -> ForwardResult`` for a scenario and named parameters.

    Parameters
    ----------
    scn : Scenario
    names : sequence of str
        Parameter names (columns of ``params``); see the module docstring.
    outputs : mapping name -> Output, or sequence of observable names
    raw : mapping, optional
        The scenario mapping as loaded from YAML; needed for ``pegylated``.
    linear : bool, optional
        Drop saturable terms; default: when the scenario's saturation is off or its solver is ``linear``.
    """

    def __init__(self, scn: Scenario, names: Sequence[str], outputs: Mapping[str, Output] | Sequence[str],
                 *, raw: Mapping[str, Any] | None = None, linear: bool | None = None) -> None:
        self.scn = scn
        self.names = list(names)
        if len(set(self.names)) != len(self.names):
            raise InputError("params", ",".join(self.names), "each parameter once")
        self.units = [forward_param_unit(scn, n) for n in self.names]
        self.outputs: dict[str, Output] = dict(outputs) if isinstance(outputs, Mapping) else \
            {str(k): str(k) for k in outputs}
        self.linear = (not scn.saturable or scn.solver == "linear") if linear is None else bool(linear)
        self._regimen = _uniform_regimen(scn.regimen.events) if set(REGIMEN) & set(self.names) else None
        if self._regimen and "dose_count" in self.names and "dose_interval" not in self.names \
                and self._regimen[3] <= 0:
            raise InputError("params.dose_count", "dose_count", "with dose_interval too (the scenario gives "
                             "one administration, so no interval)")
        self._models: dict[bool, ScenarioModel] = {}
        if "pegylated" in self.names:
            self._peg_variants(raw)
        else:
            self._models[bool(scn.carrier.pegylated) if scn.carrier else False] = ScenarioModel(scn, self.linear)

    def _peg_variants(self, raw: Mapping[str, Any] | None) -> None:
        from nanodds.specs.scenario import parse_scenario

        if raw is None or not isinstance(raw.get("carrier"), Mapping | str):
            raise InputError("params.pegylated", "pegylated", "a scenario mapping with a carrier (raw=...)")
        carrier = raw["carrier"] if isinstance(raw["carrier"], Mapping) else {"type": raw["carrier"]}
        for peg in (False, True):
            scn = parse_scenario({**raw, "carrier": {**carrier, "pegylated": peg}})
            self._models[peg] = ScenarioModel(scn, self.linear)
        a, b = (self._models[p].scn.carrier for p in (False, True))
        if a.mps_multiplier == b.mps_multiplier:  # type: ignore[union-attr]
            raise InputError("params.pegylated", carrier.get("type"),
                             "a carrier type whose PEG coat changes the model (a PEGylated type without an "
                             "explicit mps_multiplier); here PEG on and off give the same model")

    @property
    def n_parameters(self) -> int:
        return len(self.names)

    def _split(self, row: np.ndarray) -> tuple[bool, dict[str, float], dict[str, float]]:
        model_vals: dict[str, float] = {}
        reg: dict[str, float] = {}
        peg = next(iter(self._models)) if len(self._models) == 1 else None
        for name, v in zip(self.names, map(float, row), strict=True):
            if not np.isfinite(v):
                raise InputError(f"params.{name}", v, "a finite value")
            if name == "pegylated":
                if v not in (0.0, 1.0):
                    raise InputError("params.pegylated", v, "0 or 1")
                peg = bool(v)
            elif name == "release_rate":
                model_vals["release_rate_blood"] = model_vals["release_rate_tissue"] = v
            elif name in (*REGIMEN, "dose_multiplier"):
                reg[name] = v
            else:
                model_vals[name] = v
        assert peg is not None
        return peg, model_vals, reg

    def events(self, reg: Mapping[str, float]) -> tuple[DoseEvent, ...]:
        """The scenario's dose events with regimen parameters ``reg`` (canonical units) applied."""
        f = reg.get("dose_multiplier", 1.0)
        if not f > 0:
            raise InputError("params.dose_multiplier", f, "a factor > 0")
        if self._regimen is None:
            ev = self.scn.regimen.events
            return ev if f == 1.0 else tuple(DoseEvent(e.start_h, e.amount_mg * f, e.duration_h) for e in ev)
        start, amount, dur, every, count = self._regimen
        amount = reg.get("dose", amount)
        every = reg.get("dose_interval", every)
        n = reg.get("dose_count", count)
        if not (amount > 0 and every >= 0 and n >= 1 and n == int(n)):
            raise InputError("params", dict(reg), "dose > 0 mg, dose_interval >= 0 h, dose_count an integer >= 1")
        if int(n) > 1 and dur > every:
            raise InputError("params.dose_interval", every, f"at least the infusion duration {dur:g} h")
        return tuple(DoseEvent(start + k * every, amount * f, dur) for k in range(int(n)))

    def events_of(self, row: Sequence[float]) -> tuple[DoseEvent, ...]:
        """The dose events of one run (parameter row in canonical units)."""
        return self.events(self._split(np.asarray(row, dtype=float))[2])

    def model(self, row: Sequence[float]) -> Model:
        """The model of one run (parameter row in canonical units)."""
        peg, vals, _ = self._split(np.asarray(row, dtype=float))
        return self._models[peg].model(vals)

    def _weights(self, model: Model, out: Output) -> np.ndarray:
        return model.observables[out].weights if isinstance(out, str) else np.asarray(out(model), dtype=float)

    def simulate(self, params: np.ndarray, times_h: np.ndarray,
                 progress: Callable[[int, int], None] | None = None) -> ForwardResult:
        """Outputs of each run (row of ``params``, canonical units) on ``times_h`` (h, increasing, from >= 0).

        ``progress(done, total)`` is called after each chunk of runs.

        Returns
        -------
        ForwardResult
            Row ``r`` of every array is run ``r``; the same numbers, run by run, as one-row calls.
        """
        from nanodds.solve.api import solve
        from nanodds.solve.batched import solve_linear_batch

        X = np.atleast_2d(np.asarray(params, dtype=float))
        if X.shape[1] != len(self.names):
            raise ValueError(f"params must have {len(self.names)} columns ({', '.join(self.names)}); got {X.shape}")
        grid = np.asarray(times_h, dtype=float)
        keys = list(self.outputs)
        traj: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        a_t: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        a_inf: dict[str, list[np.ndarray]] = {k: [] for k in keys}
        mb: list[np.ndarray] = []
        for c0 in range(0, len(X), CHUNK):
            runs = [self._split(x) for x in X[c0:c0 + CHUNK]]
            models = [self._models[p].model(v) for p, v, _ in runs]
            events = [self.events(r) for _, _, r in runs]
            W = {k: np.stack([self._weights(m, self.outputs[k]) for m in models]) for k in keys}
            same = all(m.names == models[0].names for m in models)
            if self.linear and same and not any(m.k_schedule for m in models):
                shared = all(e == events[0] for e in events)
                br = solve_linear_batch(np.stack([m.K for m in models]), np.stack([m.dose_vector for m in models]),
                                        events[0] if shared else events, grid, W, sinks=models[0].sinks)
                for k in keys:
                    traj[k].append(br.observables[k])
                    a_t[k].append(br.auc_t[k])
                    a_inf[k].append(br.auc_inf[k])
                mb.append(np.full(len(models), np.nan))
                if progress is not None:
                    progress(min(c0 + CHUNK, len(X)), len(X))
                continue
            backend = "linear" if self.linear else self.scn.solver
            for i, (m, ev) in enumerate(zip(models, events, strict=True)):
                sol = solve(m, ev, grid, backend=backend)
                for k in keys:
                    w = W[k][i]
                    traj[k].append((sol.y @ w)[None])
                    auc_t = float(sol.cum_int[-1] @ w)
                    nz = w != 0
                    tail = float(sol.tail_int[nz] @ w[nz]) if np.all(np.isfinite(sol.tail_int[nz])) else np.inf
                    a_t[k].append(np.array([auc_t]))
                    a_inf[k].append(np.array([auc_t + tail]))
                mb.append(np.array([max(sol.mass_balance_rel_error().values(), default=0.0)]))
            if progress is not None:
                progress(min(c0 + CHUNK, len(X)), len(X))
        cat = {k: np.concatenate(v) for k, v in traj.items()}
        return ForwardResult(grid, cat, {k: np.concatenate(v) for k, v in a_t.items()},
                             {k: np.concatenate(v) for k, v in a_inf.items()}, np.concatenate(mb))
