"""Design optimiser: NSGA-II (pymoo) over a design space, every evaluation through the shared forward model.

The optimiser works on the unit cube; :meth:`Design.decode` maps a point to the variables (linear or log
ranges; integers by rounding; PEG on at >= 0.5). Each generation's population is evaluated in one call of
:meth:`nanodds.analysis.forward.ForwardModel.simulate` (batched on the exact linear path; runs whose dose
times differ are grouped by their output grid, which is the grid ``nanodds simulate`` would use for that
design). Objectives to maximise are negated for pymoo; constraints are ``g <= 0``. The Pareto front is the
non-dominated set of all feasible evaluations (not only the last generation). Seeded: the same space, scenario
and seed give the same evaluations.

References: Deb K, Pratap A, Agarwal S, Meyarivan T. A fast and elitist multiobjective genetic algorithm:
NSGA-II. IEEE Trans Evol Comput 2002;6:182, doi:10.1109/4235.996017; Blank J, Deb K. pymoo: Multi-objective
optimization in Python. IEEE Access 2020;8:89497, doi:10.1109/ACCESS.2020.2990567.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.forward import ForwardModel
from nanodds.design.space import CARRIER_VARIABLES, DesignSpace, Variable
from nanodds.specs.regimen import Regimen, dose_to_mg
from nanodds.specs.scenario import Scenario
from nanodds.units import to_canonical

__all__ = ["Design", "DesignResult", "run_design"]


@dataclass(frozen=True)
class DesignResult:
    """All evaluations (``evaluations``) and the Pareto rows (``pareto``), tidy tables."""

    evaluations: pd.DataFrame
    pareto: pd.DataFrame
    space: DesignSpace


class Design:
    """A scenario, its mapping and a design space: decoding, evaluation and runnable design scenarios."""

    def __init__(self, scn: Scenario, raw: Mapping[str, Any], space: DesignSpace) -> None:
        self.scn, self.raw, self.space = scn, raw, space
        self.outputs = {f"objective:{o.name}": o.metric.weights for o in space.objectives}
        self.outputs.update({f"constraint:{i}": c.metric.weights for i, c in enumerate(space.constraints)})
        self.fm = ForwardModel(scn, [v.name for v in space.variables], self.outputs, raw=raw)
        self._max = any(m.metric.stat == "max" for m in (*space.objectives, *space.constraints))

    def decode(self, U: np.ndarray) -> np.ndarray:
        """Unit-cube points (rows) -> variable values in the variables' units."""
        U = np.clip(np.atleast_2d(np.asarray(U, dtype=float)), 0.0, 1.0)
        X = np.empty_like(U)
        for j, v in enumerate(self.space.variables):
            u = U[:, j]
            if v.kind == "boolean":
                X[:, j] = (u >= 0.5).astype(float)
            elif v.kind == "integer":
                X[:, j] = np.clip(np.floor(v.low + u * (v.high - v.low + 1)), v.low, v.high)
            elif v.log:  # clipped: exp(log(high)) may round above high
                X[:, j] = np.clip(np.exp(np.log(v.low) + u * (np.log(v.high) - np.log(v.low))), v.low, v.high)
            else:
                X[:, j] = np.clip(v.low + u * (v.high - v.low), v.low, v.high)
        return X

    def _canonical(self, v: Variable, x: float) -> float:
        if v.name == "dose":
            return dose_to_mg(_text(x, v.unit), "dose", self.scn.physiology.body_weight_kg, self.scn.bsa_m2)
        if v.name == "dose_interval":
            return to_canonical(_text(x, "h"), "h", "dose_interval")
        return float(x)

    def evaluate(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Metric values of each design row (variables' units): ``objective:<name>``, ``constraint:<i>``."""
        C = np.array([[self._canonical(v, x) for v, x in zip(self.space.variables, row, strict=True)] for row in X])
        grids = [self._grid(c) for c in C]
        out = {k: np.empty(len(X)) for k in self.outputs}
        groups: dict[bytes, list[int]] = {}
        for i, g in enumerate(grids):
            groups.setdefault(g.tobytes(), []).append(i)
        metrics = {f"objective:{o.name}": o.metric for o in self.space.objectives}
        metrics.update({f"constraint:{i}": c.metric for i, c in enumerate(self.space.constraints)})
        for rows in groups.values():
            res = self.fm.simulate(C[rows], grids[rows[0]])
            for k, m in metrics.items():
                out[k][rows] = m.from_forward(res, k)
            if self._max:
                self._refine_peaks(C, rows, grids[rows[0]], res, metrics, out)
        return out

    def _refine_peaks(self, C: np.ndarray, rows: list[int], grid: np.ndarray, res: Any,
                      metrics: dict[str, Any], out: dict[str, np.ndarray]) -> None:
        """``max`` metrics whose peak lies between output times (not only after a bolus): runs whose grid maximum
        the parabola through it and its neighbours exceeds by more than ``PEAK_RTOL`` are run again with uniform
        times around it (:func:`nanodds.analysis.peaks.grid_peak_windows`), up to ``PEAK_ROUNDS`` times, as
        ``metrics.json`` refines its peaks (:func:`nanodds.analysis.peaks.peak_solution`)."""
        from nanodds.analysis.peaks import PEAK_ROUNDS, grid_peak_windows

        keys = [k for k, m in metrics.items() if m.stat == "max"]
        for r_i, r in enumerate(rows):
            t, obs = grid, {k: res.observables[k][r_i] for k in keys}
            for _ in range(PEAK_ROUNDS):
                extra = np.concatenate([grid_peak_windows(t, obs[k]) for k in keys])
                if not extra.size:
                    break
                t = np.union1d(t, extra)
                again = self.fm.simulate(C[[r]], t)
                obs = {k: again.observables[k][0] for k in keys}
                for k in keys:
                    out[k][r] = max(out[k][r], float(obs[k].max()))

    def _grid(self, c: np.ndarray) -> np.ndarray:
        """The scenario's output grid for this design's regimen; with a ``max`` metric also the peak times after
        each bolus (:func:`nanodds.analysis.peaks.peak_times`), so ``max`` is the peak, as in ``metrics.json``."""
        from nanodds.analysis.peaks import peak_times
        from nanodds.engine import output_grid

        events = self.fm.events_of(c)
        grid = output_grid(replace(self.scn, regimen=Regimen(events)))
        if not self._max:
            return grid
        return np.union1d(grid, peak_times(grid, [e.start_h for e in events if e.duration_h == 0]))

    def scenario_mapping(self, x: np.ndarray, design_id: str) -> dict[str, Any]:
        """The scenario mapping (YAML-ready) of design row ``x``: runnable by ``nanodds simulate``."""
        raw = copy.deepcopy(dict(self.raw))
        vals = {v.name: (v, float(xv)) for v, xv in zip(self.space.variables, x, strict=True)}
        raw["name"] = f"{raw.get('name', 'scenario')} [design {design_id}]"
        raw["description"] = (f"Design {design_id} of `nanodds design`: "
                              + ", ".join(f"{v.column} = {_num(xv)}" for v, xv in vals.values()))
        if any(n in vals for n in CARRIER_VARIABLES):
            carrier = raw["carrier"] if isinstance(raw["carrier"], Mapping) else {"type": raw["carrier"]}
            carrier = dict(carrier)
            if "diameter" in vals:
                carrier["diameter"] = _text(vals["diameter"][1], "nm")
            if "zeta" in vals:
                carrier["zeta"] = _text(vals["zeta"][1], "mV")
            if "ligand_density" in vals:
                lig = carrier["ligand"]
                carrier["ligand"] = {**(lig if isinstance(lig, Mapping) else {"type": lig}),
                                     "density": float(vals["ligand_density"][1])}
            if "pegylated" in vals:
                carrier["pegylated"] = bool(vals["pegylated"][1])
            rates = {k: vals[n][1] for n in ("release_rate", "release_rate_blood", "release_rate_tissue")
                     if n in vals for k in (["rate_blood", "rate_tissue"] if n == "release_rate" else
                                            [n.replace("release_", "")])}
            if rates:
                from nanodds.analysis.model_params import current_value

                release = dict(carrier.get("release") or {"model": "first_order"})
                for k, name in (("rate_blood", "release_rate_blood"), ("rate_tissue", "release_rate_tissue")):
                    release[k] = _text(rates.get(k, current_value(self.scn, name)), "1/h")
                carrier["release"] = release
            raw["carrier"] = carrier
        if any(n in vals for n in ("dose", "dose_interval", "dose_count")):
            reg = raw["regimen"]
            item = dict(reg if isinstance(reg, Mapping) else reg[0])
            if "dose" in vals:
                item["dose"] = _text(vals["dose"][1], vals["dose"][0].unit)
            if "dose_interval" in vals:
                item["every"] = _text(vals["dose_interval"][1], "h")
            if "dose_count" in vals:
                item["count"] = int(vals["dose_count"][1])
            raw["regimen"] = [item]
        return raw


def _text(x: float, unit: str) -> str:
    """A value with its unit as the scenario loader reads it back exactly (``repr`` of the float)."""
    return f"{float(x)!r} {unit}"


def _num(x: float) -> str:
    return f"{float(x):.6g}"


def run_design(design: Design, progress: Callable[[str], None] | None = None) -> DesignResult:
    """Run NSGA-II on ``design.space`` and tabulate every evaluation and the Pareto front."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    sp = design.space
    nv, no, nc = len(sp.variables), len(sp.objectives), len(sp.constraints)
    signs = np.array([-1.0 if o.direction == "max" else 1.0 for o in sp.objectives])
    records: list[dict[str, Any]] = []

    class _Problem(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=nv, n_obj=no, n_ieq_constr=2 * nc, xl=0.0, xu=1.0)
            self.generation = 0

        def _evaluate(self, U: np.ndarray, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            self.generation += 1
            X = design.decode(U)
            vals = design.evaluate(X)
            F = np.column_stack([signs[i] * vals[f"objective:{o.name}"] for i, o in enumerate(sp.objectives)])
            G = []
            for i, c in enumerate(sp.constraints):
                y = vals[f"constraint:{i}"]
                G.append(y - c.high if c.high is not None else np.zeros(len(X)))
                G.append(c.low - y if c.low is not None else np.zeros(len(X)))
            out["F"] = F
            if nc:
                out["G"] = np.column_stack(G)
            for r in range(len(X)):
                rec: dict[str, Any] = {"design_id": f"d{len(records):04d}", "generation": self.generation}
                rec.update({v.column: float(X[r, j]) for j, v in enumerate(sp.variables)})
                rec.update({o.column: float(vals[f"objective:{o.name}"][r]) for o in sp.objectives})
                rec.update({c.column: float(vals[f"constraint:{i}"][r]) for i, c in enumerate(sp.constraints)})
                rec["feasible"] = bool(not nc or np.all(np.column_stack(G)[r] <= 0))
                records.append(rec)
            if progress is not None:
                feas = [r for r in records if r["feasible"]]
                pick = {"max": max, "min": min}
                best = ", ".join(f"{o.name} {o.direction} {pick[o.direction](r[o.column] for r in feas):.4g}"
                                 for o in sp.objectives) if feas else "no feasible design yet"
                progress(f"generation {self.generation}/{sp.generations}: {len(records)} evaluations; best "
                         f"{best}")

    algorithm = NSGA2(pop_size=sp.population, eliminate_duplicates=True)
    minimize(_Problem(), algorithm, ("n_gen", sp.generations), seed=sp.seed, verbose=False)
    ev = pd.DataFrame(records)
    feas = ev[ev["feasible"]].drop_duplicates(subset=[v.column for v in sp.variables])
    if len(feas):
        F = np.column_stack([signs[i] * feas[o.column].to_numpy() for i, o in enumerate(sp.objectives)])
        front = NonDominatedSorting().do(F, only_non_dominated_front=True)
        pareto = feas.iloc[np.sort(front)].sort_values([sp.objectives[0].column],
                                                      ascending=sp.objectives[0].direction == "min")
    else:
        pareto = feas
    return DesignResult(ev, pareto.reset_index(drop=True), sp)
