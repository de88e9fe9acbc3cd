"""Population speed against an honest libRoadRunner baseline, in one run (``make bench-pop``; not a test).

Model: the Doxil human example (full nano-PBPK), 1 week, 1,000 output points, the 16 summarised observables
(:func:`nanodds.population.run.observed` without the tumour amount), N virtual patients (>= 200,
``BENCH_POP_N``, default 400) from :func:`nanodds.population.virtual.sample_patients`.

Baseline (libRoadRunner, CVODE): the SBML export (:func:`nanodds.io.sbml.to_sbml`) of the reference patient is
loaded and compiled ONCE per process; per patient only ``reset()``, the global parameters (every transfer
``k_*``, the saturable ``ksat_*``/``cap_*`` and the ``infusion_rate_*``) and ``simulate(0, 168, 1000)``,
then the same outputs as nanodds: each observable (the patient's weights times the simulated amounts), its
trapezoid AUC0-t and its Cmax. Both cores: two worker processes, each loading the model once; the wall time
counts process start, load and compile. Relative tolerances ``BENCH_RR_RTOL`` (default ``1e-6,1e-8``: the
usual setting, and the one whose error is within 1e-6 like nanodds'), absolute 1e-12 mg.

nanodds: :func:`nanodds.population.batch_solve.simulate_population` in this process (linear exact; saturable ETD2).

Accuracy: for the first ``BENCH_POP_REF`` patients (default 4), 8 others drawn at random and the most saturated
(:func:`reference_rows`: where the saturable solve's error is largest), max over observables and time of
``|y - y_ref| / max|y_ref|`` against libRoadRunner at rtol 1e-12, atol 1e-16 mg (the tight reference).

Whole-process comparisons (CLI against the two-process loop) run this file as ``... rr-loop linear N``, with the
CLI on the scenario written by ``... write-scenario linear PATH``; ``... rr-simulate SBML T_END_H POINTS`` is
libRoadRunner's load + simulate of one exported scenario (the baseline of ``nanodds simulate``).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

if TYPE_CHECKING:
    import pandas as pd

    from nanodds.population.fast import PopulationModel

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
N = int(os.environ.get("BENCH_POP_N", "400"))
N_REF = int(os.environ.get("BENCH_POP_REF", "4"))
RTOLS = [float(x) for x in os.environ.get("BENCH_RR_RTOL", "1e-6,1e-8").split(",")]
ATOL_MG = 1e-12
T_END_H, POINTS = 168.0, 1000
GRID = np.linspace(0.0, T_END_H, POINTS)
MIN_N = 200


def population_model(saturable: bool) -> PopulationModel:
    from nanodds.population.fast import PopulationModel
    from nanodds.specs.scenario import parse_scenario

    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": f"{T_END_H} h", "points": POINTS, "saturable": saturable}
    return PopulationModel(parse_scenario(raw), raw["regimen"])


def observe_names(pm: PopulationModel) -> list[str]:
    from nanodds.population.run import observed

    return [k for k in observed(pm) if k != "amount_tumour"]


def rr_inputs(pm: PopulationModel, pts: pd.DataFrame, saturable: bool) -> dict:
    """SBML text, parameter ids and per-patient parameter values, selected species and weights."""
    from nanodds.io.sbml import species_ids, to_sbml

    model = pm.model if saturable else pm.model.linear()
    ids = species_ids(model)
    names = observe_names(pm)
    K = pm.rate_matrices(pts)
    k_sat, cap = pm.saturation(pts)
    am = pm.amounts(pts)
    P = len(K)
    off = {}
    for j, i in zip(*np.nonzero(np.any(K != 0, axis=0) & ~np.eye(pm.n, dtype=bool)), strict=True):
        off[f"k_{ids[i][2:]}__{ids[j][2:]}"] = K[:, j, i].copy()
    if saturable:
        for n_, (s, d) in enumerate(zip(pm.sat_src, pm.sat_dst, strict=True)):
            key = f"k_{ids[s][2:]}__{ids[d][2:]}"
            rest = off[key] - k_sat[:, n_]
            if np.all(np.abs(rest) <= 1e-12 * np.abs(off[key])):
                del off[key]  # the whole transfer is the saturable reaction (no linear parameter exported)
            else:
                off[key] = rest
            off[f"ksat_{n_}"] = k_sat[:, n_]
            off[f"cap_{n_}"] = cap[:, n_]
    inf = [i for i, e in enumerate(pm.events) if e.duration_h > 0]
    for k, i in enumerate(inf):
        off[f"infusion_rate_{k}"] = am[:, i] / pm.events[i].duration_h
    W = pm.weights(pts, names)
    Wall = np.stack([W[k] for k in names], axis=1)  # (P, obs, n)
    sel = np.flatnonzero(np.any(Wall != 0, axis=(0, 1)))
    return {"sbml": to_sbml(model, pm.events), "names": names, "params": off, "species": [ids[i] for i in sel],
            "W": Wall[:, :, sel], "P": P}


def _rr_load(sbml: str, species: list[str], params: list[str], rtol: float,
             atol: float) -> tuple[Any, np.ndarray]:
    import roadrunner

    rr = roadrunner.RoadRunner(sbml)
    integ = rr.getIntegrator()
    integ.setValue("relative_tolerance", rtol)
    integ.setValue("absolute_tolerance", atol)
    rr.timeCourseSelections = ["time", *species]
    known = {p: i for i, p in enumerate(rr.model.getGlobalParameterIds())}
    missing = [p for p in params if p not in known]
    if missing:
        raise RuntimeError(f"parameters not in the exported SBML: {missing[:3]}")
    return rr, np.array([known[p] for p in params], dtype=np.int32)


def rr_worker(job: dict) -> dict:
    """Load once, then per patient reset, set parameters, simulate, read the observables (one process)."""
    t0 = time.perf_counter()
    pids = list(job["params"])
    rr, index = _rr_load(job["sbml"], job["species"], pids, job["rtol"], job["atol"])
    t_load = time.perf_counter() - t0
    vals = np.stack([job["params"][k] for k in pids], axis=1)  # (p, params)
    W = job["W"]
    p = len(vals)
    obs = np.empty((p, W.shape[1], POINTS))
    t0 = time.perf_counter()
    for i in range(p):
        rr.reset()
        rr.model.setGlobalParameterValues(index, vals[i])
        Y = np.asarray(rr.simulate(0.0, T_END_H, POINTS))[:, 1:]
        obs[i] = W[i] @ Y.T
    auc = np.trapezoid(obs, GRID, axis=2)
    cmax = obs.max(axis=2)
    return {"obs": obs if job.get("keep") else None, "auc": auc, "cmax": cmax, "t_load": t_load,
            "t_loop": time.perf_counter() - t0, "p": p}


def _split(inp: dict, parts: int, rtol: float, atol: float, keep: bool = False) -> list[dict]:
    idx = np.array_split(np.arange(inp["P"]), parts)
    return [{"sbml": inp["sbml"], "species": inp["species"], "params": {k: v[ix] for k, v in inp["params"].items()},
             "W": inp["W"][ix], "rtol": rtol, "atol": atol, "keep": keep} for ix in idx]


def rr_two_process(inp: dict, rtol: float) -> tuple[float, list[dict]]:
    """Wall time (s) of the two-process libRoadRunner loop, counting pool start, load and compile."""
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(2) as pool:
        out = pool.map(rr_worker, _split(inp, 2, rtol, ATOL_MG))
    return time.perf_counter() - t0, out


def rel_err(y: np.ndarray, ref: np.ndarray) -> float:
    """max over patients and observables of max_t |y - ref| / max_t |ref|."""
    scale = np.max(np.abs(ref), axis=-1, keepdims=True)
    return float(np.max(np.abs(y - ref) / np.where(scale > 0, scale, 1.0)))


def reference_rows(pm: PopulationModel, pts: pd.DataFrame, extra: int = 2, random: int = 8) -> np.ndarray:
    """Patients whose errors are measured: the first ``N_REF``, ``random`` others drawn with a fixed seed, and the
    ``extra`` most saturated by dose per capacity and by fastest relative filling (the saturable solver's own pilot
    choices, :func:`nanodds.population.substep_control.pilot_rows`, where its error is largest)."""
    from nanodds.population.substep_control import pilot_rows

    k, cap = pm.saturation(pts)
    am = pm.amounts(pts)
    by_dose = np.argsort(-am.sum(axis=1) / cap.sum(axis=1), kind="stable")[:extra]
    drawn = np.random.default_rng(0).choice(len(pts), size=min(random, len(pts)), replace=False)
    return np.unique(np.concatenate([np.arange(min(N_REF, len(pts))), drawn, by_dose,
                                     pilot_rows(am, k, cap, fastest=extra)]))


def run_kind(saturable: bool, pts: pd.DataFrame) -> dict:
    from nanodds.population.batch_solve import simulate_population

    kind = "saturable" if saturable else "linear"
    pm = population_model(saturable)
    names = observe_names(pm)
    t0 = time.perf_counter()
    res = simulate_population(pm, pts, names, t_grid=GRID, saturable=saturable)
    t_nd = time.perf_counter() - t0
    inp = rr_inputs(pm, pts, saturable)
    rows = reference_rows(pm, pts)
    sub = pts.iloc[rows]
    inp_s = rr_inputs(pm, sub, saturable)
    ref = rr_worker(_split(inp_s, 1, 1e-12, 1e-16, keep=True)[0])["obs"]
    mine = np.stack([res.observables[k][rows] for k in names], axis=1)
    e_nd = rel_err(mine, ref)
    print(f"{kind}: N={len(pts)}, {len(names)} observables x {POINTS} points, 168 h")
    print(f"  nanodds in-process           {t_nd:8.2f} s  ({1e3 * t_nd / len(pts):.2f} ms/patient)  "
          f"max rel err {e_nd:.1e}")
    t_rr = {}
    for rtol in RTOLS:
        t, out = rr_two_process(inp, rtol)
        per_pt = sum(o["t_loop"] for o in out) / sum(o["p"] for o in out)
        load = max(o["t_load"] for o in out)
        loose = rr_worker(_split(inp_s, 1, rtol, ATOL_MG, keep=True)[0])["obs"]
        auc_rr = np.concatenate([o["auc"][:, 0] for o in out])
        d_auc = float(np.max(np.abs(res.auc_t[names[0]] - auc_rr) / np.abs(auc_rr)))
        print(f"  libRoadRunner 2 processes    {t:8.2f} s  (load+compile {load:.2f} s; {1e3 * per_pt:.2f} ms/patient "
              f"per core; rtol {rtol:g})  max rel err {rel_err(loose, ref):.1e}")
        print(f"    ratio libRoadRunner / nanodds = {t / t_nd:.2f}   (plasma AUC0-t: trapezoid vs exact, max rel "
              f"diff {d_auc:.1e})")
        t_rr[rtol] = t
    return {"t_nd": t_nd, "t_rr": t_rr, "err_nd": e_nd}


def rr_loop_only(kind: str, n: int) -> int:
    """The baseline alone as a whole process (for wall-clock comparisons with the CLI)."""
    from nanodds.population.virtual import sample_patients

    pts = sample_patients(n, 1)
    pm = population_model(kind == "saturable")
    t, _ = rr_two_process(rr_inputs(pm, pts, kind == "saturable"), RTOLS[-1])
    print(f"libRoadRunner {kind} {n} patients, 2 processes, rtol {RTOLS[-1]:g}: {t:.2f} s")
    return 0


def write_scenario(kind: str, path: str) -> int:
    """The benchmark's scenario (the example, 168 h, 1,000 points, saturable on/off) as YAML, for
    ``nanodds population PATH`` in whole-process comparisons with ``rr-loop``."""
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": f"{T_END_H} h", "points": POINTS, "saturable": kind == "saturable"}
    Path(path).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return 0


def rr_simulate(sbml_path: str, t_end_h: float, points: int) -> int:
    """libRoadRunner's load + compile + one simulation of an SBML file (rtol ``BENCH_RR_RTOL``'s first value), the
    baseline of ``nanodds simulate --no-plots`` of the scenario it was exported from (``nanodds export-sbml``)."""
    import roadrunner

    rr = roadrunner.RoadRunner(sbml_path)
    rr.getIntegrator().setValue("relative_tolerance", RTOLS[0])
    res = rr.simulate(0.0, t_end_h, points)
    print(f"libRoadRunner {sbml_path}: {res.shape[0]} points x {res.shape[1] - 1} species")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "rr-loop":
        return rr_loop_only(argv[1], int(argv[2]))
    if len(argv) == 3 and argv[0] == "write-scenario":
        return write_scenario(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "rr-simulate":
        return rr_simulate(argv[1], float(argv[2]), int(argv[3]))
    if N < MIN_N:
        raise SystemExit(f"BENCH_POP_N={N}: at least {MIN_N} patients (no extrapolation from fewer)")
    from nanodds.population.virtual import sample_patients
    from nanodds.solve.threads import single_blas_thread

    pts = sample_patients(N, 1)
    with single_blas_thread():
        for sat in (False, True):
            run_kind(sat, pts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
