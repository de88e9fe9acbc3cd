"""``nanodds oral SCENARIO.yaml --out DIR``: oral formulations (coarse suspension, nanosuspension, ...) compared.

Writes ``DIR/oral.json`` (scenario summary, one record per formulation, plasma time courses), ``DIR/oral.csv``
(the table) and ``DIR/oral.png`` (plasma concentration and relative bioavailability). The scenario format is
described in ``docs/oral.md``; it is parsed (and checked) before anything is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nanodds.interfaces.common import output_dir, status
from nanodds.io.runfolder import run_folder
from nanodds.specs.scenario import read_yaml

__all__ = ["cmd_oral", "register"]

COLUMNS = ("formulation", "prandial_state", "si_solubility_factor", "fa", "fa_lymph", "fh_portal", "bioavailability_F",
           "cmax_mg_per_L", "tmax_h", "auc_inf_mg_h_per_L", "relative_F_vs_reference")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``oral`` to the ``nanodds`` parser."""
    p = subparsers.add_parser("oral", help="oral nanoformulations vs a coarse suspension (Fa, F, Cmax, AUC, Frel)",
                              description="Simulate oral formulations of a drug (dissolution, transit, portal and "
                                          "lymphatic absorption, whole-body PBPK) and compare them.")
    p.add_argument("scenario", help="oral scenario YAML file (see docs/oral.md)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    p.set_defaults(func=cmd_oral)


def _plot(curves: dict[str, dict[str, Any]], df: Any, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from nanodds.io.atomic import save_figure

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, cur in curves.items():
        ax1.plot(cur["time_h"], cur["plasma_mg_per_L"] * 1e3, label=name)
    ax1.set_xlabel("time [h]")
    ax1.set_ylabel("plasma drug [ug/L]")
    ax1.set_yscale("symlog", linthresh=1e-2)
    ax1.legend(fontsize=8)
    ax1.set_title(title, fontsize=9)
    ax2.bar(df["formulation"], df["relative_F_vs_reference"])
    ax2.set_yscale("log")
    ax2.set_ylabel(f"AUC relative to {df.attrs.get('reference', 'reference')}")
    ax2.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.tight_layout()
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)


@run_folder()
def cmd_oral(args: argparse.Namespace) -> int:
    from nanodds.analysis.oral import parse_oral_scenario, run_oral_comparison
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.specs.scenario_kind import check_kind

    osc = parse_oral_scenario(check_kind(read_yaml(args.scenario), args.scenario, "oral"))
    out = output_dir(args.out, create=False)
    with status(f"simulating {len(osc.formulations)} oral formulations..."):
        df, curves = run_oral_comparison(osc)
    df.attrs["reference"] = osc.reference
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "oral.csv", df)
    write_json(out / "oral.json", {
        "scenario": osc.name, "drug": osc.systemic.drug.name, "species": osc.systemic.species,
        "dose_mg": osc.dose_mg, "reference": osc.reference,
        "formulations": df.to_dict(orient="records"),
        "timecourses": {k: {kk: vv.tolist() for kk, vv in v.items()} for k, v in curves.items()},
    })
    if not args.no_plots:
        _plot(curves, df, out / "oral.png", f"{osc.name}: {osc.systemic.drug.name} {osc.dose_mg:g} mg oral")
    for rec in df[list(COLUMNS)].to_dict(orient="records"):
        print("  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()))
    print(f"wrote {out / 'oral.json'}, oral.csv" + ("" if args.no_plots else ", oral.png"))
    return 0
