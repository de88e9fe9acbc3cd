"""``nanodds compare A.yaml B.yaml [C.yaml ...] --out DIR``: two or more arms side by side.

Each scenario file is one arm (with or without a carrier: e.g. free doxorubicin, Doxil and a Myocet-like
non-PEGylated liposome); the first is the reference of every ratio. All arms must share the species and the
simulated horizon (:func:`nanodds.analysis.compare.check_comparable`; otherwise one line, exit 2, nothing
written). Writes ``DIR/comparison.csv`` (tidy: one row per arm and metric, with the ratio to the reference),
``DIR/comparison.json``, ``DIR/comparison.png`` (unless ``--no-plots``) and ``DIR/<arm>/`` (``metrics.json``,
``timecourse.csv``); prints the what-acts headline (released and unbound drug at the tumour and the toxicity
sites) beside total drug for every arm.

The single-scenario form (nanoformulation vs its conventional drug) is :func:`nanodds.interfaces.cli_engine.
cmd_compare`, unchanged.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nanodds.errors import InputError
from nanodds.interfaces.common import output_dir, status

__all__ = ["arm_labels", "compare_arms_command", "load_arms", "print_arms"]


def load_arms(paths: list[str]) -> list[Any]:
    """Parse every arm's scenario file; an error names the file (``B.yaml: carrier.diameter: got ...``)."""
    from nanodds.specs.scenario import load_scenario

    scenarios = []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except InputError as exc:
            raise InputError(f"{path}: {exc.field}", exc.value, exc.allowed) from None
    return scenarios


def arm_labels(scenarios: list[Any], paths: list[str]) -> list[str]:
    """Arm labels: the scenario names, or the file names when two scenarios share a name."""
    names = [s.name for s in scenarios]
    if len(set(names)) == len(names):
        return names
    stems = [Path(p).name for p in paths]
    if len(set(stems)) != len(stems):
        raise InputError("scenario", paths, "distinct files (each arm once)")
    return stems


def compare_arms_command(args: argparse.Namespace) -> int:
    """Run the multi-arm form of ``compare``; returns the exit code."""
    from nanodds.analysis.compare import arms_headline, arms_table, check_comparable, compare_arms

    paths = [args.scenario, *args.more_scenarios]
    scenarios = load_arms(paths)
    labels = arm_labels(scenarios, paths)
    check_comparable(scenarios, paths)  # before anything is written; the message names the files
    out = output_dir(args.out)

    def progress(i: int, label: str) -> None:
        print_status(f"simulating arm {i + 1}/{len(labels)}: {label}...")

    doc, sols = compare_arms(scenarios, labels, progress=progress)
    doc = {"mode": "arms", "scenarios": dict(zip(labels, paths, strict=True)), **doc,
           "headline": arms_headline(doc)}
    table = arms_table(doc)
    write_arms(out, doc, table, sols, plots=not args.no_plots)
    print_arms(doc)
    print(f"wrote {out / 'comparison.csv'}, comparison.json, one folder per arm"
          + ("" if args.no_plots else " and comparison.png"))
    return 0


def print_status(message: str) -> None:
    """One progress step (:func:`nanodds.interfaces.common.status`) that wraps no work of its own."""
    with status(message):
        pass


def write_arms(out: Path, doc: dict[str, Any], table: list[dict[str, Any]], sols: list[Any], plots: bool) -> None:
    """Write ``comparison.csv``, ``comparison.json``, ``<arm>/`` (metrics, time course) and ``comparison.png``."""
    import pandas as pd

    from nanodds.interfaces.cli_engine import _write_run
    from nanodds.io.atomic import safe_stems, write_csv
    from nanodds.io.outputs import write_json

    labels = list(doc["arms"])
    stems = safe_stems(labels)
    with status("writing outputs..."):
        for label, sol in zip(labels, sols, strict=True):
            _write_run(sol, doc["arms"][label], out / stems[label], netcdf=False)
        write_csv(out / "comparison.csv", pd.DataFrame(table))
        write_json(out / "comparison.json", {**doc, "folders": stems})
        if plots:
            from nanodds.report.plots import plot_arms

            plot_arms(sols, labels, out)


def print_arms(doc: dict[str, Any]) -> None:
    """Print every arm side by side: dose, what acts, total drug, plasma; ratios to the reference arm."""
    from rich.markup import escape
    from rich.table import Table

    from nanodds.analysis.compare import get_path, ratio
    from nanodds.interfaces.cli_engine import (
        HEADLINE_DUPLICATES,
        OPTIONAL_ROWS,
        SUMMARY_ROWS,
        _fmt,
        _headline_label,
        _print_table,
    )

    ref, arms = doc["reference"], doc["arms"]
    others = [a for a in arms if a != ref]
    table = Table(title=escape(f"{len(arms)} arms; ratios to the reference (ref): {ref}"))
    table.add_column("metric", min_width=28)
    for a in arms:
        table.add_column(escape(a) + (" (ref)" if a == ref else ""), justify="right")
    for a in others:
        table.add_column(escape(f"{a} / ref"), justify="right")
    table.add_column("unit")
    blank = [""] * (len(arms) + len(others) + 1)

    def row(label: str, values: dict[str, Any], unit: str, spec: str = ".4g", ratios: bool = True) -> None:
        table.add_row(label, *(_fmt(values.get(a), spec) for a in arms),
                      *(_fmt(ratio(values.get(a), values.get(ref)), ".3g") if ratios else "" for a in others), unit)

    row("dose (total)", doc["dose_mg"], "mg")
    for acts, title in ((True, "[bold]WHAT ACTS[/bold]: unbound = free in tissue water; released = unbound + "
                               "bound in cells (not in carriers)"),
                        (False, "[bold]TOTAL drug[/bold]: encapsulated + released (what a tissue assay reports)")):
        table.add_section()
        table.add_row(title, *blank)
        for h in doc["headline"]:
            if h["acts"] is acts:
                row(_headline_label(h), h["values"], h["unit"])
    table.add_section()
    for label, key, unit in SUMMARY_ROWS:
        values = {a: get_path(m, key) for a, m in arms.items()}
        missing = all(v is None for v in values.values())
        if key in HEADLINE_DUPLICATES or ((key in OPTIONAL_ROWS or key.startswith("tumour.")) and missing):
            continue
        row(label, values, unit)
    row("mass balance (max rel. error)", {a: m["mass_balance_rel_error"] for a, m in arms.items()}, "-", ".2e",
        ratios=False)
    _print_table(table)
