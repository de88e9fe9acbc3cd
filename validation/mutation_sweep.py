"""Mutation sweep of the command line: bad input must give exit 2 and one line, never a traceback or NaN.

Each case takes a shipped example (``examples/``), changes one thing, and runs the command a user would run in a
fresh process (``python -m nanodds.interfaces.cli``):

- ``names``: every name-valued leaf of every example scenario (a text without digits: a carrier type, a preset, a
  method...) replaced by a list and by a mapping (deterministic);
- ``leaves``: ``--n`` random leaves of random example scenarios replaced by a value from :data:`VALUES` and run
  through a random scenario command (``--seed``);
- ``csv``: ``--n`` random cells of the release and PK-fit example tables replaced by a value from
  :data:`CELLS` and run through ``release fit``, ``release compare`` or ``fit``.

A case is a defect when the exit code is neither 0 nor 2, when stderr holds a traceback or an internal error, or
when a JSON file the run wrote holds NaN or Infinity. This sweep found the defects fixed on 2026-12-05 (a list or
mapping where a name is expected, an observation 1e12 h after the dose, trial sizes at extreme inputs...); it is
not part of ``make test`` (minutes per hundred cases): ``make sweep``, or
``python -m validation.mutation_sweep [names|leaves|csv] [--n N] [--seed S] [--out FILE.csv]``. Exit 1 if any
case is a defect.
"""

from __future__ import annotations

import argparse
import copy
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from nanodds.io.atomic import write_text

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
VALUES: tuple[Any, ...] = ("abc", -1, 0, 1e12, None, [], {}, "-5 mg", "5 parsec", True, "nan", "1e400 h")
"""Replacement leaf values: wrong types, signs, magnitudes and units (assumption: the classes of bad input a
scenario file meets)."""
CELLS: tuple[str, ...] = ("", "abc", "-1", "0", "1e12", "nan", "inf", "1,5", "1e400", "12%", "+5")
"""Replacement table cells (assumption: as :data:`VALUES`, for CSV text)."""
PER_CASE_TIMEOUT_S = 600
"""A case that runs longer is a defect (assumption: the slowest example command takes ~1 min here)."""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nanodds.interfaces.cli", *args]


def _scenarios() -> list[Path]:
    """Example scenarios (not design spaces or sensitivity parameter files)."""
    out = []
    for p in sorted(EX.glob("*.yaml")):
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and not {"objectives", "variables"} & set(raw) and "label_fit" not in p.name \
                and not all(isinstance(v, dict) and {"low", "high"} <= set(v) for v in raw.values()):
            out.append(p)
    return out


def _command(raw: dict[str, Any], pick: str, path: str, out: str) -> list[str]:
    if "payloads" in raw:
        return _cli("combination", path, "--out", out)
    if "oral" in raw:
        return _cli("oral", path, "--out", out)
    extra = {"simulate": ["--no-plots"], "compare": ["--no-plots"], "population": ["--n", "3", "--no-plots"],
             "safety": ["--no-plots"], "export-sbml": []}[pick]
    return _cli(pick, path, "--out", out, *extra)


def _leaves(o: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from _leaves(v, (*path, i))
    else:
        yield path, o


def _set(o: Any, path: tuple, value: Any) -> None:
    for p in path[:-1]:
        o = o[p]
    o[path[-1]] = value


def _scenario_case(tmp: Path, i: int, base: Path, path: tuple, value: Any, pick: str) -> tuple[str, list[str]]:
    raw = yaml.safe_load(base.read_text(encoding="utf-8"))
    _set(raw, path, copy.deepcopy(value))
    f = tmp / f"s{i}.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    label = f"{base.name}: {'.'.join(map(str, path))} = {value!r}"
    return label, _command(raw, pick, str(f), str(tmp / f"o{i}"))


def cases_names(tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """Every name-valued leaf (once per dotted key) as a list and as a mapping."""
    seen: set[str] = set()
    i = 0
    for base in _scenarios():
        raw = yaml.safe_load(base.read_text(encoding="utf-8"))
        for path, v in _leaves(raw):
            key = ".".join(str(p) for p in path if not isinstance(p, int))
            if not isinstance(v, str) or re.search(r"\d", v) or key in seen or key in ("name", "description"):
                continue
            seen.add(key)
            for value in (["a"], {"a": 1}):
                i += 1
                yield _scenario_case(tmp, i, base, path, value, "simulate")


def cases_leaves(tmp: Path, n: int, rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    """``n`` random leaves, values and commands."""
    bases = _scenarios()
    for i in range(n):
        base = rng.choice(bases)
        path, _ = rng.choice(list(_leaves(yaml.safe_load(base.read_text(encoding="utf-8")))))
        yield _scenario_case(tmp, i, base, path, rng.choice(VALUES),
                             rng.choice(["simulate", "compare", "population", "safety", "export-sbml"]))


def cases_csv(tmp: Path, n: int, rng: random.Random) -> Iterator[tuple[str, list[str]]]:
    """``n`` random cells of the release and PK-fit example tables."""
    tables = {"release": (EX / "release_batches.csv").read_text(encoding="utf-8").splitlines(),
              "fit": (EX / "doxil_label_plasma_human.csv").read_text(encoding="utf-8").splitlines()}
    for i in range(n):
        which = rng.choice(["release fit", "release compare", "fit"])
        lines = list(tables["fit" if which == "fit" else "release"])
        r = rng.randrange(len(lines))
        cells = lines[r].split(",")
        c = rng.randrange(len(cells))
        cells[c] = f'"{v}"' if "," in (v := rng.choice(CELLS)) else v
        lines[r] = ",".join(cells)
        f = tmp / f"c{i}.csv"
        f.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = str(tmp / f"co{i}")
        argv = {"release fit": _cli("release", "fit", str(f), "--out", out, "--no-plots", "--models",
                                    "weibull,first_order,higuchi", "--starts", "2"),
                "release compare": _cli("release", "compare", str(f), "--reference", "b0", "--test", "b1",
                                        "--out", out, "--no-plots"),
                "fit": _cli("fit", str(EX / "doxil_label_fit_human.yaml"), str(f), "--params",
                            "mps_extraction_total", "--out", out, "--no-plots", "--linear")}[which]
        yield f"{which}: row {r} column {c} = {cells[c]!r}", argv


def run_case(label: str, argv: list[str]) -> dict[str, Any]:
    """Run one case; its exit code, last stderr line and whether it is a defect (and why)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=PER_CASE_TIMEOUT_S, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"case": label, "exit": None, "last_line": "", "defect": f"timeout {PER_CASE_TIMEOUT_S} s"}
    lines = p.stderr.strip().splitlines()
    why = ""
    if p.returncode not in (0, 2):
        why = f"exit {p.returncode}"
    elif "Traceback" in p.stderr or "internal error" in p.stderr:
        why = "traceback or internal error"
    elif p.returncode == 0 and "--out" in argv:
        out = Path(argv[argv.index("--out") + 1])
        for j in sorted(out.rglob("*.json")) if out.is_dir() else []:
            text = j.read_text(encoding="utf-8")
            if re.search(r"\bNaN\b|\bInfinity\b", text):
                why = f"NaN or Infinity in {j.name}"
                break
    return {"case": label, "exit": p.returncode, "last_line": lines[-1] if lines else "", "defect": why}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", choices=("names", "leaves", "csv", "all"), default="all")
    ap.add_argument("--n", type=int, default=40, help="random cases per random mode")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="CSV of every case")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        gens = []
        if args.mode in ("names", "all"):
            gens.append(cases_names(tmp))
        if args.mode in ("leaves", "all"):
            gens.append(cases_leaves(tmp, args.n, rng))
        if args.mode in ("csv", "all"):
            gens.append(cases_csv(tmp, args.n, rng))
        for gen in gens:
            for label, cmd in gen:
                row = run_case(label, cmd)
                rows.append(row)
                flag = f"DEFECT ({row['defect']})" if row["defect"] else f"exit {row['exit']}"
                print(f"[{len(rows)}] {flag}: {label} :: {row['last_line'][:140]}", flush=True)
    table = pd.DataFrame(rows)
    if args.out:
        write_text(args.out, table.to_csv(index=False))
    bad = table[table["defect"] != ""]
    print(f"{len(table)} cases, {len(bad)} defects")
    for _, r in bad.iterrows():
        print(f"  {r['defect']}: {r['case']} :: {r['last_line']}")
    return 1 if len(bad) else 0


if __name__ == "__main__":
    sys.exit(main())
