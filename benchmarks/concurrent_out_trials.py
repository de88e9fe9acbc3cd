"""Two concurrent ``nanodds simulate`` runs (different scenarios) into one ``--out``, repeated: how many trials leave
a folder that mixes both runs' files, or holds a file from neither (two writers in one file)?

Each file of a trial is compared (SHA-256) with the same file of a run of each scenario alone.

Usage: ``python benchmarks/concurrent_out_trials.py [TRIALS] [WORKDIR]`` (default 8 trials, a temporary folder).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {"A": ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml",
             "B": ROOT / "examples" / "doxil_vs_doxorubicin_mouse_4t1.yaml"}
FILES = ("metrics.json", "timecourse.csv", "timecourse.nc", "plasma.png", "tissues.png", "tumour.png")
NANODDS = [sys.executable, "-m", "nanodds.interfaces.cli", "simulate"]


def _sha(p: Path) -> str | None:
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


def main(trials: int, work: Path) -> int:
    """Run the trials; print one line per trial and the count of interleaved ones; returns that count."""
    ref = {}
    for name, scn in SCENARIOS.items():
        d = work / f"alone_{name}"
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([*NANODDS, str(scn), "--out", str(d)], check=True, capture_output=True)
        ref[name] = {f: _sha(d / f) for f in FILES}
    mixed = 0
    for i in range(trials):
        d = work / f"trial{i}"
        shutil.rmtree(d, ignore_errors=True)
        procs = [subprocess.Popen([*NANODDS, str(s), "--out", str(d)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for s in SCENARIOS.values()]
        codes = [p.wait() for p in procs]
        errors = [p.stderr.read().strip().splitlines()[-1:] for p in procs]
        owner = {}
        for f in FILES:
            x = _sha(d / f)
            owner[f] = next((k for k in ref if ref[k][f] == x), "missing" if x is None else "neither")
        bad = len(set(owner.values())) != 1 or not set(owner.values()) <= set(SCENARIOS)
        mixed += bad
        print(f"trial {i}: exit codes {codes}, files from {owner}, interleaved={bad}, stderr {errors}", flush=True)
    print(f"{mixed} of {trials} trials interleaved")
    return mixed


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    if len(sys.argv) > 2:
        main(n, Path(sys.argv[2]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(n, Path(tmp))
