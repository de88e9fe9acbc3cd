"""Whole-process timing of ``nanodds simulate --no-plots`` against libRoadRunner's load + simulate of the same
scenario's SBML export, in pairs (A B A B ...), so that a drift of the machine's speed moves both sides.

``python benchmarks/bench_startup.py [SCENARIO] [RUNS]`` (default: the Doxil human example, 10 pairs):

1. exports the scenario's SBML (``nanodds export-sbml``) into a temporary folder;
2. builds the ahead-of-time BDF kernel if it is missing (``python -m nanodds.solve.bdf_aot``; what the first
   ``simulate`` of a saturable scenario starts in the background), then runs one warm-up of each command (it
   fills nanodds' disk caches, as any earlier run on the machine would);
3. times RUNS pairs: A = ``nanodds simulate SCENARIO --no-plots --out DIR``, B = ``python
   benchmarks/bench_population_rr.py rr-simulate model.xml T_END POINTS`` (load, compile, simulate; rtol 1e-6),
   each a fresh process; wall from a monotonic clock around the child, cpu (user + system) from the operating
   system's accounting of the reaped child;
4. prints the stiff back-end that ``simulate`` used, the median of each side and the median of the pair ratios
   A/B (below 1: nanodds is faster).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxorubicin_doxil_human.yaml"


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall s, cpu s) of one child process run to completion (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str]) -> int:
    scenario = Path(argv[0]) if argv else EXAMPLE
    runs = int(argv[1]) if len(argv) > 1 else 10
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(scenario)
    nanodds = [sys.executable, "-c", "import sys; from nanodds.interfaces.cli import main; sys.exit(main())"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*nanodds, "export-sbml", str(scenario), "--out", f"{tmp}/sbml"], check=True,
                       stdout=subprocess.DEVNULL)
        a = [*nanodds, "simulate", str(scenario), "--no-plots", "--out", f"{tmp}/out"]
        b = [sys.executable, str(ROOT / "benchmarks" / "bench_population_rr.py"), "rr-simulate",
             f"{tmp}/sbml/model.xml", repr(scn.duration_h), str(scn.points)]
        subprocess.run([sys.executable, "-m", "nanodds.solve.bdf_aot"], check=False, stdout=subprocess.DEVNULL)
        timed(a), timed(b)  # warm-up: caches and the operating system's file cache
        pairs = [(timed(a), timed(b)) for _ in range(runs)]
        solver = json.loads(Path(f"{tmp}/out/metrics.json").read_text())["solver"]
    med = statistics.median
    print(f"{scenario.name}: {runs} pairs, load average {os.getloadavg()[0]:.1f}, nanodds solver {solver}")
    for i, what in enumerate(("wall", "cpu")):
        ra, rb = [p[0][i] for p in pairs], [p[1][i] for p in pairs]
        ratio = med(x / y for x, y in zip(ra, rb, strict=True))
        print(f"{what}: nanodds {med(ra):.3f} s, libRoadRunner {med(rb):.3f} s, median pair ratio {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
