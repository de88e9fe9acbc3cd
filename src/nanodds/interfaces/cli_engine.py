"""``nanodds simulate`` and ``nanodds compare``: run a scenario and write metrics, time courses and plots.

``nanodds simulate SCENARIO.yaml --out DIR`` writes ``DIR/metrics.json``, ``DIR/timecourse.csv``,
``DIR/timecourse.nc`` (netCDF3, scipy engine) and ``plasma.png``, ``tissues.png`` (``tumour.png``).

``nanodds compare SCENARIO.yaml --out DIR`` writes ``DIR/comparison.json``, ``DIR/comparison.png`` and
``DIR/nano/`` and ``DIR/conventional/`` (``metrics.json``, ``timecourse.csv``).

The scenario is parsed (and checked) before anything is written; only the files named above are
(over)written in ``DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nanodds.interfaces.common import output_dir
from nanodds.interfaces.common import status as _status  # shared progress helper (kept name: imported by others)
from nanodds.io.runfolder import run_folder

__all__ = ["cmd_compare", "cmd_simulate", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and ``compare`` to the ``nanodds`` parser."""
    sim = subparsers.add_parser("simulate", help="simulate a scenario; write metrics, time course, plots",
                                description="Simulate one scenario (YAML) and write its outputs.")
    sim.add_argument("scenario", help="scenario YAML file")
    sim.add_argument("--out", required=True, help="output directory (created if missing)")
    sim.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    sim.set_defaults(func=cmd_simulate)

    cmp_ = subparsers.add_parser("compare", help="nanoformulation vs the conventional drug, or two or more arms",
                                 description="One scenario: simulate its nanoformulation and the conventional "
                                             "drug at the same dose and regimen; write both and the ratios. "
                                             "Two or more scenarios: simulate each as an arm (e.g. three "
                                             "formulations of one drug; one species and horizon) and write one "
                                             "tidy table (comparison.csv) and one plot, ratios to the first arm.")
    cmp_.add_argument("scenario", help="scenario YAML file (with a carrier when it is the only one)")
    cmp_.add_argument("more_scenarios", nargs="*", metavar="SCENARIO",
                      help="further arms: every scenario is then an arm, the first the reference")
    cmp_.add_argument("--out", required=True, help="output directory (created if missing)")
    cmp_.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    cmp_.set_defaults(func=cmd_compare)


def _write_run(sol: Any, metrics: dict[str, Any], out: Path, netcdf: bool) -> None:
    from nanodds.io.atomic import write_text, write_timecourse_nc
    from nanodds.io.outputs import timecourse_csv, write_json

    write_json(out / "metrics.json", metrics)
    write_text(out / "timecourse.csv", timecourse_csv(sol))  # the bytes pandas writes, without importing it
    if netcdf:  # written directly: xarray's netCDF writer imports dask and distributed (~0.5 s)
        write_timecourse_nc(out / "timecourse.nc", sol)


def _fmt(v: Any, spec: str = ".4g") -> str:
    if v is None:
        return "-"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f != f:  # NaN
        return "-"
    return format(f, spec)


SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("AUCinf plasma total", "plasma_total.auc_inf_mg_h_per_L", "mg h/L"),
    ("Cmax plasma total", "plasma_total.cmax_mg_per_L", "mg/L"),
    ("t1/2 terminal", "plasma_total.t_half_h", "h"),
    ("CL", "plasma_total.cl_L_per_h", "L/h"),
    ("CL per kg body weight", "plasma_total.cl_L_per_h_per_kg", "L/h/kg"),
    ("Vss", "plasma_total.vss_L", "L"),
    ("Vss per kg body weight", "plasma_total.vss_L_per_kg", "L/kg"),
    ("AUCinf plasma unbound", "plasma_unbound.auc_inf_mg_h_per_L", "mg h/L"),
    ("AUC heart (total drug)", "tissues.heart.auc_mg_h_per_L", "mg h/L"),
    ("AUC heart, released drug", "tissues.heart.released_auc_mg_h_per_L", "mg h/L"),
    ("Cmax heart, released drug", "tissues.heart.released_cmax_mg_per_L", "mg/L"),
    ("AUC tumour", "tumour.auc_mg_h_per_L", "mg h/L"),
    ("DE24 tumour", "tumour.de24_percent", "% dose"),
    ("DEmax tumour", "tumour.demax_percent", "% dose"),
    ("targeting index (tumour/heart AUC)", "tumour.targeting_index_tumour_vs_heart", "-"),
)


#: Summary rows shown only when the metrics have them (per kg: scenarios without a BSA, i.e. mouse and rat).
OPTIONAL_ROWS: frozenset[str] = frozenset({"plasma_total.cl_L_per_h_per_kg", "plasma_total.vss_L_per_kg"})

def summary_rows(metrics: dict[str, Any]) -> list[tuple[str, str, str]]:
    """:data:`SUMMARY_ROWS` plus, per disease site (``sites:``), its released, unbound and total drug AUC and the
    carrier bound to its wall."""
    rows = list(SUMMARY_ROWS)
    for s, row in metrics.get("sites", {}).items():
        rows += [(f"AUC site {s}, released drug", f"sites.{s}.released_auc_mg_h_per_L", "mg h/L"),
                 (f"AUC site {s}, unbound drug", f"sites.{s}.unbound_auc_mg_h_per_L", "mg h/L"),
                 (f"AUC site {s}, total drug", f"sites.{s}.total_auc_mg_h_per_L", "mg h/L")]
        if "wall_carrier_end_mg" in row:
            rows.append((f"site {s}: carrier on the wall at the end", f"sites.{s}.wall_carrier_end_mg", "mg"))
    return rows


#: Summary rows that the what-acts headline already shows (total drug AUC at tumour and heart, targeting index).
HEADLINE_DUPLICATES: frozenset[str] = frozenset({"tissues.heart.auc_mg_h_per_L", "tumour.auc_mg_h_per_L",
                                                 "tumour.targeting_index_tumour_vs_heart",
                                                 "tissues.heart.released_auc_mg_h_per_L"})

def _headline_label(row: dict[str, Any]) -> str:
    """``AUC tumour: unbound (efficacy)``-style row label of a headline row (rich markup escaped)."""
    from rich.markup import escape

    role = f" ({row['role']})" if row.get("role") else ""
    what = "TI" if row["unit"] == "-" else row["quantity"]
    return escape(f"{what} {row['site']}: {row['measure']}{role}")


def _print_table(table: Any) -> None:
    from rich.console import Console

    Console(file=sys.stdout, width=None if sys.stdout.isatty() else 110).print(table)


def learned_section(sol: Any) -> dict[str, Any]:
    """``{"tumour_delivery": ...}`` (prediction, interval, domain, solved parameters) of a solution whose model was
    built from a learned scenario (``model.meta["learned_tumour"]``), else ``{}``."""
    lt = sol.model.meta.get("learned_tumour")
    return {} if lt is None else {"tumour_delivery": lt.to_dict()}


def print_learned(sol: Any) -> None:
    """Console lines of ``tumour_delivery: learned``: prediction with its 90 % interval, domain, notes."""
    lt = sol.model.meta.get("learned_tumour")
    if lt is None:
        return
    print(lt.summary_line())
    if lt.notes:
        print("learned tumour delivery notes: " + "; ".join(lt.notes))


@run_folder()
def cmd_simulate(args: argparse.Namespace) -> int:
    """Run ``simulate``; returns the exit code."""
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)  # every input error surfaces before anything is written
    out = output_dir(args.out)
    from nanodds.analysis.compare import arm_metrics
    from nanodds.engine import simulate
    from nanodds.solve.api import ONE_SHOT_STIFF_METHOD

    with _status(f"simulating {scn.name}..."):
        sol = simulate(scn, stiff_method=ONE_SHOT_STIFF_METHOD)
        metrics = arm_metrics(scn, sol)
    metrics = {"scenario": scn.name, **metrics, **learned_section(sol)}
    with _status("writing outputs..."):
        _write_run(sol, metrics, out, netcdf=True)
        if not args.no_plots:
            from nanodds.report.plots import plot_simulation

            plot_simulation(sol, metrics, out)
    from rich.table import Table

    from nanodds.analysis.compare import get_path

    table = Table(title=f"{scn.name} ({sol.method})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for label, key, unit in summary_rows(metrics):
        if (key.startswith("tumour.") and "tumour" not in metrics) or \
                (key in OPTIONAL_ROWS and get_path(metrics, key) is None):
            continue
        table.add_row(label, _fmt(get_path(metrics, key)), unit)
    table.add_row("mass balance (max rel. error)", _fmt(metrics["mass_balance_rel_error"], ".2e"), "-")
    _print_table(table)
    print_learned(sol)
    print(f"wrote {out / 'metrics.json'}, timecourse.csv, timecourse.nc"
          + ("" if args.no_plots else " and plots"))
    return 0


def _more_scenarios(args: argparse.Namespace) -> dict[str, str]:
    """The further arms' scenario files, hashed into the manifest as ``scenario[1]``, ``scenario[2]``, ..."""
    return {f"scenario[{i}]": p for i, p in enumerate(getattr(args, "more_scenarios", None) or [], start=1)}


@run_folder(data_files=_more_scenarios)
def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``compare``; returns the exit code."""
    if args.more_scenarios:
        from nanodds.interfaces.cli_compare_arms import compare_arms_command

        return compare_arms_command(args)
    from nanodds.analysis.compare import require_carrier, run_comparison
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)
    require_carrier(scn)
    out = output_dir(args.out)
    with _status(f"simulating nano and conventional ({scn.conventional_definition()['name']})..."):
        doc, sol_nano, sol_conv = run_comparison(scn)
        from nanodds.analysis.pd.summary import pd_section

        doc["pd"] = pd_section(scn, doc, sol_nano, sol_conv)
    doc.update(learned_section(sol_nano))
    write_comparison(out, doc, sol_nano, sol_conv, plots=not args.no_plots)
    print_comparison(doc, scn.name)
    print_learned(sol_nano)
    from nanodds.interfaces.cli_safety import print_pd

    print_pd(doc)
    print(f"wrote {out / 'comparison.json'}, nano/, conventional/"
          + ("" if args.no_plots else " and comparison.png"))
    return 0


def write_comparison(out: Path, doc: dict[str, Any], sol_nano: Any, sol_conv: Any, plots: bool) -> None:
    """Write ``comparison.json``, ``nano/`` and ``conventional/`` (metrics, time course) and the plot."""
    from nanodds.io.outputs import write_json

    with _status("writing outputs..."):
        for sub, sol in (("nano", sol_nano), ("conventional", sol_conv)):
            _write_run(sol, doc[sub], out / sub, netcdf=False)
        write_json(out / "comparison.json", doc)
        if plots:
            from nanodds.report.plots import plot_comparison

            plot_comparison(sol_nano, sol_conv, out)


def print_comparison(doc: dict[str, Any], title: str) -> None:
    """Print the nano vs conventional summary table of a comparison document."""
    from rich.table import Table

    from nanodds.analysis.compare import get_path, ratio

    conv = doc.get("conventional_definition", {}).get("name", "conventional")
    table = Table(title=f"{title}: nano vs conventional ({conv})")
    for col in ("metric", "nano", "conventional", "ratio", "unit"):
        table.add_column(col, justify="left" if col in ("metric", "unit") else "right")
    m_nano, m_conv = doc["nano"], doc["conventional"]
    if "dose_mg" in doc:
        table.add_row("dose (total)", _fmt(doc["dose_mg"]["nano"]), _fmt(doc["dose_mg"]["conventional"]),
                      _fmt(ratio(doc["dose_mg"]["nano"], doc["dose_mg"]["conventional"]), ".3g"), "mg")
    if doc.get("headline"):
        table.add_section()
        table.add_row("[bold]WHAT ACTS[/bold]: unbound = free in tissue water; released = unbound + bound in "
                      "cells (not in carriers)", "", "", "", "")
        for row in doc["headline"]:
            if row["acts"]:
                table.add_row(_headline_label(row), _fmt(row["nano"]), _fmt(row["conventional"]),
                              _fmt(row["ratio"], ".3g"), row["unit"])
        table.add_section()
        table.add_row("[bold]TOTAL drug[/bold]: encapsulated + released (what a tissue assay reports)",
                      "", "", "", "")
        for row in doc["headline"]:
            if not row["acts"]:
                table.add_row(_headline_label(row), _fmt(row["nano"]), _fmt(row["conventional"]),
                              _fmt(row["ratio"], ".3g"), row["unit"])
        table.add_section()
    for label, key, unit in summary_rows(m_nano):
        if doc.get("headline") and key in HEADLINE_DUPLICATES:
            continue
        if key.startswith("tumour.") and "tumour" not in m_nano:
            continue
        if key in OPTIONAL_ROWS and get_path(m_nano, key) is None and get_path(m_conv, key) is None:
            continue
        r = doc["ratios"][key] if key in doc["ratios"] else ratio(get_path(m_nano, key), get_path(m_conv, key))
        table.add_row(label, _fmt(get_path(m_nano, key)), _fmt(get_path(m_conv, key)), _fmt(r, ".3g"), unit)
    table.add_row("mass balance (max rel. error)", _fmt(m_nano["mass_balance_rel_error"], ".2e"),
                  _fmt(m_conv["mass_balance_rel_error"], ".2e"), "", "-")
    _print_table(table)
