"""Job bodies, run in a worker process: the same library calls as the CLI commands.

Each task takes the stored inputs, a working directory and a ``progress(fraction, message)`` callback, and
returns a JSON-ready result. Bad input raises :class:`nanodds.errors.InputError` (one line on the job).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nanodds.errors import InputError, RangeWarning, known
from nanodds.io.outputs import to_jsonable
from nanodds.web.inputs import parse_scenario_text, parse_yaml_text
from nanodds.web.settings import Limits

__all__ = ["KINDS", "PLOT_SERIES", "run_task", "series"]

Progress = Callable[[float, str], None]

#: (compartment, species) pairs drawn in the web plots, concentration in mg/L.
PLOT_SERIES: tuple[tuple[str, str], ...] = (
    ("plasma", "total"), ("plasma", "free"), ("plasma", "encapsulated"), ("tumour", "total"),
    ("tumour", "free"), ("heart", "total"), ("heart", "free"), ("liver", "total"), ("spleen", "total"),
)
#: Largest number of points per plotted series (the stored result is thinned; the CLI writes the full table).
MAX_PLOT_POINTS = 400


def series(sol: Any) -> dict[str, Any]:
    """Concentration time courses (mg/L) of :data:`PLOT_SERIES`, thinned to :data:`MAX_PLOT_POINTS`."""
    from nanodds.io.outputs import timecourse_frame

    df = timecourse_frame(sol)
    t = np.asarray(sol.times_h, dtype=float)
    idx = np.unique(np.linspace(0, t.size - 1, min(t.size, MAX_PLOT_POINTS)).round().astype(int))
    out: dict[str, Any] = {"time_h": t[idx].tolist(), "conc_mg_per_L": {}}
    for comp, spec in PLOT_SERIES:
        rows = df[(df["compartment"] == comp) & (df["species"] == spec)]
        if len(rows) == t.size:
            out["conc_mg_per_L"][f"{comp} {spec}"] = rows["conc_mg_per_L"].to_numpy(dtype=float)[idx].tolist()
    return out


def _warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RangeWarning)))


def _simulate(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.analysis.metrics import compute_metrics
    from nanodds.engine import simulate

    _, scn, notes = parse_scenario_text(inputs["scenario"], Limits.from_data())
    progress(0.1, f"simulating {scn.name}")
    with warnings.catch_warnings(record=True) as caught:  # tumour_delivery: learned warns when it solves
        warnings.simplefilter("always", RangeWarning)
        sol = simulate(scn)
    notes = list(dict.fromkeys(notes + _warnings(caught)))
    progress(0.8, "computing metrics")
    metrics = {"scenario": scn.name, **compute_metrics(sol, scn.regimen, scn.bsa_m2)}
    return {"scenario": scn.name, "method": sol.method, "metrics": metrics, "warnings": notes,
            "arms": [{"label": scn.name, "series": series(sol)}]}


def _compare(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    limits = Limits.from_data()
    if inputs.get("arms"):
        from nanodds.analysis.compare import compare_arms

        arms = inputs["arms"]
        parsed = [parse_scenario_text(a["scenario"], limits, f"arms[{i}].scenario") for i, a in enumerate(arms)]
        labels = [str(a.get("label") or p[1].name) for a, p in zip(arms, parsed, strict=True)]
        progress(0.1, f"simulating {len(arms)} arms")
        doc, sols = compare_arms([p[1] for p in parsed], labels)
        notes = [n for p in parsed for n in p[2]]
        return {"mode": "arms", "doc": doc, "warnings": notes,
                "arms": [{"label": lab, "series": series(s)} for lab, s in zip(labels, sols, strict=True)]}
    from nanodds.analysis.compare import require_carrier, run_comparison

    if inputs.get("product"):
        from nanodds.catalog.products import product_scenario

        scn, notes = product_scenario(inputs["product"]), []
    else:
        _, scn, notes = parse_scenario_text(inputs["scenario"], limits)
    require_carrier(scn)
    progress(0.1, "simulating nano and conventional")
    doc, sol_nano, sol_conv = run_comparison(scn)
    conv = f"{scn.comparator.name} (conventional)" if scn.comparator is not None else "conventional drug"
    return {"mode": "nano_vs_conventional", "doc": doc, "warnings": notes,
            "arms": [{"label": f"{scn.name} (nano)", "series": series(sol_nano)},
                     {"label": conv, "series": series(sol_conv)}]}


def _release_data(inputs: dict[str, Any], workdir: Path):
    from nanodds.release.dataio import read_release_csv

    return read_release_csv(workdir / "data.csv", time_unit=inputs.get("time_unit"))


def _release_fit(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.release.fitting import fit_all, normalise_weight
    from nanodds.release.models import parse_model_list

    data = _release_data(inputs, workdir)
    weight = normalise_weight(inputs.get("weight", "none"))
    models = parse_model_list(inputs.get("models", "all"))
    rank_by = inputs.get("rank_by", "AIC")
    names = [inputs["profile"]] if inputs.get("profile") else list(data.profiles)
    out: dict[str, Any] = {"time_unit": data.time_unit, "weight": weight, "rank_by": rank_by,
                           "fitted_to": "mean profile", "profiles": {}}
    for i, name in enumerate(names):
        progress(i / max(len(names), 1), f"fitting profile {name}")
        t, y = data.mean_profile(name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fits = fit_all(t, y, [m.name for m in models], weight=weight, rank_by=rank_by,
                           n_starts=int(inputs.get("starts", 4)), seed=int(inputs.get("seed", 0)))
        tt = np.linspace(0.0, float(np.max(t)), 120)
        curves = {f.model: np.asarray(f.predict(tt), dtype=float).tolist() for f in fits if f.ok}
        out["profiles"][name] = {
            "time": t.tolist(), "percent": y.tolist(), "best": next((f.model for f in fits if f.ok), None),
            "warnings": sorted({str(w.message) for w in caught if not issubclass(w.category, RuntimeWarning)}),
            "models": [f.to_dict() for f in fits], "curve_time": tt.tolist(), "curves": curves}
    return out


def _release_compare(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.release.profiles import compare_profiles

    data = _release_data(inputs, workdir)
    t_ref, ref = data.unit_matrix(inputs["reference"])
    t_test, test = data.unit_matrix(inputs["test"])
    common = np.intersect1d(t_ref, t_test)
    if common.size == 0:
        raise InputError("time", t_test.tolist(), f"time points shared with the reference {t_ref.tolist()}")
    boot = int(inputs.get("bootstrap") or 0)
    if boot and not data.has_replicates:
        raise InputError("bootstrap", boot, "0 unless the data have a replicate (tablet) column")
    progress(0.2, "comparing profiles")
    res = compare_profiles(common, ref[:, np.isin(t_ref, common)], test[:, np.isin(t_test, common)],
                           rule=inputs.get("rule", "ema"), n_boot=boot or None, seed=int(inputs.get("seed", 0)),
                           confidence=float(inputs.get("confidence", 0.90)))
    return {"reference": inputs["reference"], "test": inputs["test"], "time_unit": data.time_unit, **res}


def _population(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.population.run import run_population

    parse_scenario_text(inputs["scenario"], Limits.from_data())
    path = workdir / "scenario.yaml"
    path.write_text(inputs["scenario"], encoding="utf-8")
    n = int(inputs["n"])
    chunk = max(1, -(-n // 10))  # ten chunks: ten progress steps
    out = workdir / "population"
    done = threading.Event()

    def watch() -> None:  # progress = finished chunk files / chunks
        total = -(-n // chunk)
        while not done.wait(0.5):
            k = len(list((out / "chunks").glob("part-*.parquet"))) if (out / "chunks").is_dir() else 0
            progress(0.95 * k / total, f"{k} of {total} chunks ({min(k * chunk, n)} of {n} patients)")

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    try:
        summary = run_population(path, n, out, seed=int(inputs.get("seed", 0)), chunk=chunk, scheduler="inline",
                                 target_auc=inputs.get("target_auc"), progress=False)
    finally:
        done.set()
        th.join()
    import pandas as pd

    pop = pd.read_parquet(out / "population.parquet")
    cols = [c for c in ("plasma_total_auc_inf", "plasma_total_cmax") if c in pop.columns]
    return {"summary": summary, "values": {c: pop[c].astype(float).tolist() for c in cols}}


def _sensitivity(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.analysis.model_params import parse_param_specs
    from nanodds.analysis.sensitivity import scenario_sensitivity

    limits = Limits.from_data()
    _, scn, notes = parse_scenario_text(inputs["scenario"], limits)
    specs = parse_param_specs(scn, parse_yaml_text(inputs["params"], "params", limits))
    progress(0.05, f"Sobol analysis, {len(specs)} parameters")
    res = scenario_sensitivity(scn, specs, int(inputs.get("n", 64)), seed=int(inputs.get("seed", 0)),
                               linear=True if inputs.get("linear") else None, progress=False)
    return {"scenario": scn.name, "warnings": notes, **res.to_dict()}


def _design(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    import json

    from nanodds.design.optimise import Design, run_design
    from nanodds.design.outputs import write_design
    from nanodds.design.space import parse_space
    from nanodds.engine import build

    limits = Limits.from_data()
    raw, scn, notes = parse_scenario_text(inputs["scenario"], limits)
    space = parse_space(parse_yaml_text(inputs["space"], "space", limits), scn, raw, build(scn))
    design = Design(scn, raw, space)
    total = max(space.generations, 1)
    state = {"k": 0}

    def line(msg: str) -> None:
        state["k"] += 1
        progress(min(0.95, state["k"] / total), msg)

    result = run_design(design, progress=line)
    write_design(workdir / "design", design, result, plots=False)
    doc = json.loads((workdir / "design" / "design.json").read_text(encoding="utf-8"))
    return {"warnings": notes, **doc}


def _predict(inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    from nanodds.design.predict import predict_delivery
    from nanodds.interfaces.cli_predict import read_input

    df = read_input(str(workdir / "data.csv"))
    progress(0.2, f"predicting {len(df)} rows")
    pred = predict_delivery(df)
    return {"rows": pred.astype(object).where(pred.notna(), None).to_dict(orient="records")}


KINDS: dict[str, Callable[[dict[str, Any], Path, Progress], dict[str, Any]]] = {
    "simulate": _simulate, "compare": _compare, "release_fit": _release_fit, "release_compare": _release_compare,
    "population": _population, "sensitivity": _sensitivity, "design": _design, "predict_delivery": _predict,
}


def run_task(kind: str, inputs: dict[str, Any], workdir: Path, progress: Progress) -> dict[str, Any]:
    """Run job ``kind`` on ``inputs`` in ``workdir``; returns its JSON-ready result."""
    if not known(kind, KINDS):
        raise InputError("kind", kind, f"one of {', '.join(KINDS)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RangeWarning)  # already reported when the job was submitted
        result = KINDS[kind](inputs, workdir, progress)
    progress(1.0, "done")
    return to_jsonable(result)
