"""One scenario's stiff (saturable) solve in-process against libRoadRunner loaded once, in one run (not a test).

Model: the Doxil human example (101 states, 22 saturable MPS terms, one 1 h infusion), its own output grid (336 h,
1,001 points and the infusion's end). nanodds: :func:`nanodds.solve.stiff.solve_stiff` with the compiled BDF
(default) and with scipy's BDF (the previous default), rtol 1e-10 (``nanodds.solve.stiff.RTOL``) and its absolute
tolerance. libRoadRunner (CVODE): the SBML export of the same model and regimen, loaded and compiled ONCE, then per
repeat ``reset()`` and ``simulate(times=grid)`` at the same relative and absolute tolerances (matched), and at rtol
1e-6 (its usual setting). Times are medians of ``BENCH_STIFF_REPEATS`` (default 21) after a warm-up, in this
process, both sides interleaved; ratios are printed. Accuracy: max over time of ``|y - y_ref| / max|y_ref|`` of
``plasma_total`` and ``tissue_spleen`` (the saturated organ) against scipy's BDF at rtol 1e-12.

JIT: the compiled kernel's first call is timed in fresh processes, once with an empty numba cache (compile) and once
with the cache the first left (load). Run: ``python benchmarks/bench_stiff_rr.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
REPEATS = int(os.environ.get("BENCH_STIFF_REPEATS", "21"))
OBS = ("plasma_total", "tissue_spleen")

_FIRST_CALL = """
import time, numpy as np
from nanodds.engine import build, output_grid
from nanodds.specs.scenario import load_scenario
from nanodds.solve.stiff import solve_stiff
scn = load_scenario({path!r}); model = build(scn); grid = output_grid(scn)
t0 = time.perf_counter(); import nanodds.solve.bdf_kernel; t1 = time.perf_counter()
solve_stiff(model, scn.regimen.events, grid); t2 = time.perf_counter()
solve_stiff(model, scn.regimen.events, grid); t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def first_call(cache: str) -> tuple[float, float, float]:
    """(numba + kernel import, first solve, second solve) in seconds, in a fresh process with ``cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL.format(path=str(EXAMPLE))], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> int:
    import roadrunner

    from nanodds.engine import build, output_grid
    from nanodds.io.sbml import species_ids, to_sbml
    from nanodds.solve.stiff import ATOL_REL, RTOL, solve_stiff
    from nanodds.solve.threads import single_blas_thread
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(EXAMPLE)
    model = build(scn)
    events = scn.regimen.events
    grid = output_grid(scn)
    total = sum(e.amount_mg for e in events)
    atol = ATOL_REL * total * max(1.0, float(np.max(model.dose_vector)))
    rr = roadrunner.RoadRunner(to_sbml(model, events))
    rr.timeCourseSelections = ["time", *species_ids(model)]
    integ = rr.getIntegrator()
    integ.setValue("absolute_tolerance", atol)

    times = grid.tolist()  # the same output times (the grid holds the infusion's end besides 1,001 points)

    def rr_run(rtol: float) -> np.ndarray:
        integ.setValue("relative_tolerance", rtol)
        rr.reset()
        return np.asarray(rr.simulate(times=times))[:, 1:]

    with single_blas_thread():
        ref = solve_stiff(model, events, grid, method="BDF", rtol=1e-12)
        runs = {"nanodds compiled BDF": lambda: solve_stiff(model, events, grid).y,
                "nanodds scipy BDF": lambda: solve_stiff(model, events, grid, method="BDF").y,
                f"libRoadRunner rtol {RTOL:g}": lambda: rr_run(RTOL),
                "libRoadRunner rtol 1e-06": lambda: rr_run(1e-6)}
        err = {}
        for name, fn in runs.items():
            y = fn()
            err[name] = max(float(np.max(np.abs(y @ w - ref.y @ w)) / np.max(np.abs(ref.y @ w)))
                            for w in (model.observables[k].weights for k in OBS))
        t = {name: [] for name in runs}
        for _ in range(REPEATS):  # interleaved, so that a change of the machine's load hits all alike
            for name, fn in runs.items():
                t0 = time.perf_counter()
                fn()
                t[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in t.items()}
    sol = solve_stiff(model, events, grid)
    print(f"Doxil human example: {model.n} states, {len(model.saturable)} saturable terms, {len(grid)} points, "
          f"{grid[-1]:g} h; {REPEATS} interleaved repeats (median); solution method {sol.method}")
    base = med[f"libRoadRunner rtol {RTOL:g}"]
    for name, v in med.items():
        print(f"  {name:28s} {1e3 * v:8.1f} ms  (min {1e3 * min(t[name]):7.1f})  max rel err {err[name]:.1e}  "
              f"time / libRoadRunner at rtol {RTOL:g} = {v / base:.2f}")
    with tempfile.TemporaryDirectory() as cache:
        cold = first_call(cache)
        warm = first_call(cache)
    print(f"  first call in a fresh process, empty numba cache: import {cold[0]:.2f} s + compile and solve "
          f"{cold[1]:.2f} s (second solve {1e3 * cold[2]:.0f} ms)")
    print(f"  first call in a fresh process, cache present:     import {warm[0]:.2f} s + load and solve "
          f"{warm[1]:.2f} s (second solve {1e3 * warm[2]:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
