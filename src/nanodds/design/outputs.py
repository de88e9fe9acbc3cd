"""Files of a design run, each written atomically through :mod:`nanodds.io.atomic`.

``pareto.csv`` (the front: ``design_id``, variables with units in the column names, objectives, constraint
metrics), ``all_evaluations.csv`` (every evaluation, with ``generation`` and ``feasible``), ``design.json``
(space, optimiser settings, front), ``pareto.png`` (pairwise objective scatter, front highlighted) and
``designs/<design_id>.yaml`` (each Pareto point as a scenario for ``nanodds simulate``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import yaml

from nanodds.design.optimise import Design, DesignResult
from nanodds.io.atomic import write_bytes as atomic_write
from nanodds.io.outputs import to_jsonable

__all__ = ["write_design"]


def _plot(result: DesignResult, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objs = result.space.objectives
    ev, front = result.evaluations, result.pareto
    cols = [o.column for o in objs]
    if len(cols) == 1:  # one objective: against the first variable
        pairs = [(result.space.variables[0].column, cols[0])]
    else:
        pairs = [(cols[i], cols[j]) for i in range(len(cols)) for j in range(i + 1, len(cols))]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.6 * len(pairs), 4.0), squeeze=False)
    for ax, (x, y) in zip(axes[0], pairs, strict=True):
        ok = ev["feasible"]
        ax.scatter(ev.loc[ok, x], ev.loc[ok, y], s=12, c="0.6", label="evaluated (feasible)")
        if (~ok).any():
            ax.scatter(ev.loc[~ok, x], ev.loc[~ok, y], s=12, marker="x", c="0.8", label="infeasible")
        ax.scatter(front[x], front[y], s=30, c="tab:red", label="Pareto front")
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        if x.startswith("release_rate") or x.startswith("dose_interval"):
            ax.set_xscale("log")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def write_design(out: Path, design: Design, result: DesignResult, *, plots: bool = True) -> list[Path]:
    """Write the design run into ``out``; returns the paths written."""
    sp = result.space
    written = [atomic_write(out / "pareto.csv", result.pareto.to_csv(index=False).encode()),
               atomic_write(out / "all_evaluations.csv", result.evaluations.to_csv(index=False).encode())]
    vcols = [v.column for v in sp.variables]
    for _, row in result.pareto.iterrows():
        doc = design.scenario_mapping(row[vcols].to_numpy(dtype=float), str(row["design_id"]))
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        written.append(atomic_write(out / "designs" / f"{row['design_id']}.yaml", text.encode()))
    summary: dict[str, Any] = {
        "scenario": design.scn.name, "description": sp.description,
        "method": "NSGA-II (pymoo), Deb 2002 doi:10.1109/4235.996017; front = non-dominated feasible evaluations",
        "optimiser": {"population": sp.population, "generations": sp.generations, "seed": sp.seed,
                      "evaluations": len(result.evaluations)},
        "variables": [{"name": v.name, "column": v.column, "unit": v.unit, "low": v.low, "high": v.high,
                       "log": v.log, "kind": v.kind} for v in sp.variables],
        "objectives": [{"name": o.name, "metric": o.metric.text, "direction": o.direction, "unit": o.metric.unit,
                        "column": o.column} for o in sp.objectives],
        "constraints": [{"metric": c.metric.text, "min": c.low, "max": c.high, "unit": c.metric.unit,
                         "column": c.column} for c in sp.constraints],
        "pareto": result.pareto.to_dict(orient="records"),
    }
    text = json.dumps(to_jsonable(summary), indent=2, allow_nan=False) + "\n"
    written.append(atomic_write(out / "design.json", text.encode()))
    if plots:
        written.append(atomic_write(out / "pareto.png", _plot(result, f"{design.scn.name}: design front")))
    return written
