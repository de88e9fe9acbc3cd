"""``nanodds combination SCENARIO.yaml --out DIR``: co-loaded payloads (e.g. Vyxeos) vs the free cocktail.

Writes ``combination.json`` (per-payload metrics nano and free, carrier dose, ratio maintenance, optional PD),
``ratio.csv`` (time_h, compartment, formulation, molar_ratio, pair) and ``ratio.png`` (molar ratio over time,
nano vs free, with the target ratio and its +/- band). See docs/combination.md.

:func:`comparison_doc` and :func:`write_comparison` give a co-loaded catalogue product (``nanodds catalog run
vyxeos``) the ``nanodds compare`` layout: one compare document (``nano``, ``conventional``, ``ratios``) per drug,
plus the molar ratio over time and the hours it stays within the band.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanodds.errors import InputError
from nanodds.interfaces.common import output_dir, status
from nanodds.io.runfolder import run_folder
from nanodds.specs.scenario import read_yaml

if TYPE_CHECKING:
    import pandas as pd

    from nanodds.analysis.combination import CombinationResult

__all__ = ["cmd_combination", "comparison_doc", "register", "write_comparison"]

#: compartments whose ratio time course goes into comparison.json (the full set is in ratio.csv)
DOC_RATIO_COMPARTMENTS = ("plasma", "marrow")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``combination`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "combination", help="carrier with several payloads: molar ratio over time, nano vs free cocktail",
        description="Simulate each payload of a co-loaded carrier with the single-drug engine and as the free "
                    "cocktail; report the molar ratio over time and how long it stays near the target.")
    p.add_argument("scenario", help="combination scenario YAML (payloads: [...], shared carrier and timing)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--synergy", nargs="?", const="pd/vyxeos_synergy.yaml", default=None,
                   help="add PD interaction curves at the marrow (default file: pd/vyxeos_synergy.yaml under "
                        "nanodds/data, or a path relative to it)")
    p.add_argument("--no-plots", action="store_true", help="skip ratio.png")
    p.set_defaults(func=cmd_combination)


def ratio_frame(res: CombinationResult) -> pd.DataFrame:
    """Tidy table time_h, compartment, formulation, molar_ratio, pair."""
    import numpy as np
    import pandas as pd

    from nanodds.analysis.combination import ratio_series

    t = res.times_h
    parts = [pd.DataFrame({"time_h": t, "compartment": s["compartment"], "formulation": s["formulation"],
                           "molar_ratio": s["ratio"], "pair": s["pair"]}) for s in ratio_series(res)]
    df = pd.concat(parts, ignore_index=True)
    df["molar_ratio"] = df["molar_ratio"].astype(float).replace([np.inf, -np.inf], np.nan)
    return df


def plot_ratio(res: CombinationResult, path: Path, title: str) -> None:
    """Molar ratio vs time (log scale), nano (solid) vs free (dashed), target line and band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nanodds.analysis.combination import ratio_series
    from nanodds.io.atomic import save_figure

    comb = res.combination
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    colours = {"plasma": "C0", "plasma_encapsulated": "C2", "marrow": "C3", "tumour": "C4"}
    for s in ratio_series(res):
        r = np.where(np.asarray(s["ratio"]) > 0, s["ratio"], np.nan)
        ls = "-" if s["formulation"] == "nano" else "--"
        lab = f"{s['formulation']} {s['compartment']}" + (f" ({s['pair']})" if len(comb.pairs) > 1 else "")
        ax.plot(res.times_h, r, ls, color=colours.get(s["compartment"], "k"), label=lab, lw=1.4)
    for tgt in set(comb.target_molar_ratios):
        ax.axhline(tgt, color="k", lw=1.0, label=f"target 1:{tgt:g}")
        ax.axhspan(tgt * (1 - comb.tolerance), tgt * (1 + comb.tolerance), color="0.85", zorder=0)
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1e3)
    ax.set_xlabel("time (h)")
    ax.set_ylabel(f"molar ratio {comb.pairs[0]}" if len(comb.pairs) == 1 else "molar ratio (payload : reference)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)


@run_folder(data_files=lambda args: synergy_file(args.synergy))
def cmd_combination(args: argparse.Namespace) -> int:
    """Run ``combination``; returns the exit code."""
    from nanodds.analysis.combination import combination_pd, parse_combination, simulate_combination, summarise
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.specs.scenario_kind import check_kind

    comb = parse_combination(check_kind(read_yaml(args.scenario), args.scenario, "combination"))
    out = output_dir(args.out, create=False)
    params = synergy_params(args.synergy, "synergy")
    with status("simulating the co-loaded carrier and the free cocktail..."):
        res = simulate_combination(comb)
    doc = summarise(res)
    if params is not None:
        pd_doc = combination_pd(res, params)
        doc["pd"] = {"site": pd_doc["site"], "basis": pd_doc["basis"], "reference": pd_doc["reference"],
                     "partner": pd_doc["partner"], "source_file": args.synergy,
                     "nano": pd_doc["nano"]["summary"], "free": pd_doc["free"]["summary"]}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "combination.json", doc)
    write_csv(out / "ratio.csv", ratio_frame(res))
    if not args.no_plots:
        plot_ratio(res, out / "ratio.png", comb.name)
    for key, v in doc["ratio_maintenance"].items():
        if "|plasma|" in key:
            w = ", ".join(f"{k}: {v[k]['hours_within']:.1f} h" for k in v if k.endswith("h") and "-" in k)
            print(f"{key.replace('|', ' ')} within +/-{100 * comb.tolerance:g}% of {v['target']:.4g}:1: {w}")
    print(f"wrote {out / 'combination.json'}, ratio.csv" + ("" if args.no_plots else " and ratio.png"))
    return 0


def comparison_doc(res: CombinationResult, summary: dict[str, Any]) -> dict[str, Any]:
    """``compare``-schema document of a co-loaded product: per-drug compare sections and the molar ratio.

    ``drugs[label]`` is :func:`nanodds.analysis.compare.compare_metrics` of the payload's nano and free-cocktail
    metrics (keys ``nano``, ``conventional``, ``ratios``). ``molar_ratio`` has the target, band, the maintenance
    summary per ``compartment|formulation`` (``nano`` / ``conventional``) and the plasma and marrow time courses.
    """
    import numpy as np

    from nanodds.analysis.combination import ratio_series
    from nanodds.analysis.compare import compare_metrics

    comb = res.combination
    drugs = {}
    for p in comb.payloads:
        s = summary["payloads"][p.label]
        drugs[p.label] = {**compare_metrics(s["nano"], s["free"], f"{comb.name} [{p.label}]"),
                          "drug": p.drug, "dose_mg": p.dose_mg,
                          "molecular_weight_g_per_mol": p.molecular_weight_g_per_mol,
                          "encapsulated_fraction": s["encapsulated_fraction"], "drug_loading": s["drug_loading"],
                          "release": s["release"]}
    form = {"nano": "nano", "free": "conventional"}
    maintenance = {}
    for key, v in summary["ratio_maintenance"].items():
        pair, comp, f = key.split("|")
        maintenance[f"{pair}|{comp}|{form[f]}"] = v
    courses: dict[str, Any] = {"time_h": res.times_h}
    for s in ratio_series(res):
        if s["compartment"] in DOC_RATIO_COMPARTMENTS:
            r = np.asarray(s["ratio"], dtype=float)
            courses[f"{s['pair']}|{s['compartment']}|{form[s['formulation']]}"] = \
                [float(x) if np.isfinite(x) else None for x in r]
    return {
        "scenario": comb.name,
        "conventional_definition": "free cocktail: each payload without carrier at the same dose and infusion",
        "drugs": drugs,
        "molar_ratio": {"reference_payload": summary["reference_payload"], "pairs": summary["pairs"],
                        "dosed": summary["dosed_molar_ratios"], "target": summary["target_molar_ratios"],
                        "tolerance": comb.tolerance, "windows_h": summary["ratio_windows_h"],
                        "maintenance": maintenance, "time_course": courses},
        "carrier_dose_mg_per_administration": summary["carrier_dose_mg_per_administration"],
        "total_loading": summary["total_loading"],
    }


def write_comparison(res: CombinationResult, doc: dict[str, Any], out: Path, plots: bool) -> None:
    """Write ``comparison.json``, ``ratio.csv``, ``nano/<drug>/`` and ``conventional/<drug>/`` (metrics.json,
    timecourse.csv) and, with ``plots``, ``ratio.png`` and ``comparison_<drug>.png``.

    ``<drug>`` is the payload label made safe as a file name (:func:`nanodds.io.atomic.safe_stems`: distinct
    even when two labels sanitise alike); ``comparison.json`` ``file_stems`` maps each label to it.
    """
    from nanodds.interfaces.cli_engine import _write_run
    from nanodds.io.atomic import safe_stems, write_csv
    from nanodds.io.outputs import write_json

    comb = res.combination
    stems = safe_stems(p.label for p in comb.payloads)
    for p, sn, sf in zip(comb.payloads, res.nano, res.free, strict=True):
        for sub, sol in (("nano", sn), ("conventional", sf)):
            _write_run(sol, doc["drugs"][p.label][sub], out / sub / stems[p.label], netcdf=False)
    write_json(out / "comparison.json", {**doc, "file_stems": stems})
    write_csv(out / "ratio.csv", ratio_frame(res))
    if plots:
        from nanodds.report.plots import plot_comparison

        plot_ratio(res, out / "ratio.png", comb.name)
        for p, sn, sf in zip(comb.payloads, res.nano, res.free, strict=True):
            plot_comparison(sn, sf, out, filename=f"comparison_{stems[p.label]}.png")


def synergy_file(path: str | None) -> dict[str, Path]:
    """``{"synergy": file}`` of a ``--synergy`` argument (resolved under ``nanodds/data``), for the manifest."""
    from nanodds.specs.params import DATA_ROOT

    return {} if path is None else {"synergy": DATA_ROOT / path}


def synergy_params(path: str | None, field: str) -> Any:
    """The synergy parameters of ``--synergy`` (None when not given); a missing file is a one-line input error."""
    if path is None:
        return None
    from nanodds.analysis.synergy import synergy_from_mapping
    from nanodds.io.yaml_safe import read_yaml_file
    from nanodds.specs.params import DATA_ROOT, DataFileError, _check

    p = DATA_ROOT / path  # a path relative to nanodds/data, or an absolute path
    if not p.is_file():
        raise InputError(field, path, "a YAML file under nanodds/data (e.g. pd/vyxeos_synergy.yaml) or an "
                                      "absolute path to one")
    raw = read_yaml_file(p, field, prefix=field)
    try:
        checked = _check(raw, field)
    except DataFileError as exc:
        raise InputError(field, path, f"every number as {{value, unit, source}} ({exc})") from None
    return synergy_from_mapping(checked, field)
