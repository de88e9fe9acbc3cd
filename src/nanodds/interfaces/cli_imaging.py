"""``nanodds imaging``: the region curves an imaging study of a labelled carrier would measure.

``nanodds imaging SCENARIO.yaml --label 89Zr --out DIR [--activity "10 MBq"] [--scan-times 1,4,24,48,72 h]
[--no-decay-correction] [--recovery 1] [--label-follows carrier|drug]`` writes ``imaging.csv`` (tidy region
curves), ``imaging.json`` (%ID/g per region at the scan times, tumour-to-muscle and tumour-to-blood ratios) and
``imaging.png`` (carrier-label %ID/g curves beside the drug's own tumour and heart %ID/g, same simulation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from nanodds.errors import InputError
from nanodds.interfaces.common import output_dir
from nanodds.io.runfolder import run_folder

__all__ = ["cmd_imaging", "parse_scan_times", "register"]

DEFAULT_SCAN_TIMES = "1,4,24,48,72 h"
PLOT_REGIONS = ("blood", "liver", "spleen", "kidney", "lung", "heart", "muscle", "tumour")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``imaging`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "imaging", help="PET/SPECT/MRI region curves of a labelled carrier (%%ID, %%ID/g, MBq, delta R2)",
        description="Attach an imaging label (64Cu, 89Zr, 111In, 99mTc, 18F, or iron_oxide for MRI) to the "
                    "carrier of a scenario and write the region curves a scan would measure. The label is "
                    "assumed to stay with the carrier; tissue density 1 g/mL; no partial-volume loss unless "
                    "--recovery is given.")
    p.add_argument("scenario", help="scenario YAML file (one labelled injection)")
    p.add_argument("--label", required=True, help="64Cu, 89Zr, 111In, 99mTc, 18F or iron_oxide")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--activity", default=None, help="injected activity, e.g. '10 MBq' (adds activity_MBq)")
    p.add_argument("--scan-times", nargs="+", default=[DEFAULT_SCAN_TIMES],
                   help="scan times, e.g. 1,4,24,48,72 h (unit last; h by default)")
    p.add_argument("--no-decay-correction", action="store_true",
                   help="report what the scanner counts (decayed), not values referenced to injection")
    p.add_argument("--recovery", type=float, default=1.0,
                   help="partial-volume recovery coefficient applied at the scan times (default 1: none)")
    p.add_argument("--label-follows", choices=("carrier", "drug"), default="carrier",
                   help="label on the carrier (default) or on the drug")
    p.add_argument("--iron-fraction", type=float, default=None,
                   help="iron_oxide only: iron mass fraction of the carrier (default bare magnetite 0.7236)")
    p.add_argument("--field", type=float, default=1.5, help="iron_oxide only: field strength, 1.5 or 3 T")
    p.add_argument("--no-plots", action="store_true", help="skip imaging.png")
    p.set_defaults(func=cmd_imaging)


def parse_scan_times(tokens: list[str] | str) -> list[float]:
    """``["1,4,24", "h"]`` or ``"1,4,24 h"`` or ``"30,90 min"`` -> times in h."""
    from nanodds.units import to_canonical

    text = " ".join(tokens) if isinstance(tokens, list) else str(tokens)
    parts = text.replace(",", " ").split()
    unit = "h"
    if parts and not _is_number(parts[-1]):
        unit = parts.pop()
    if not parts or not all(_is_number(x) for x in parts):
        raise InputError("scan-times", text, "comma-separated numbers with one unit, e.g. '1,4,24,48,72 h'")
    return [to_canonical(f"{x} {unit}", "h", "scan-times", nonnegative=True) for x in parts]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@run_folder()
def cmd_imaging(args: argparse.Namespace) -> int:
    """Run ``imaging``; returns the exit code."""
    from nanodds.analysis.imaging import contrast_ratios, imaging_schedule, load_label, region_curves
    from nanodds.engine import output_grid, simulate
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.specs.scenario import load_scenario
    from nanodds.units import to_canonical

    lab = load_label(args.label, args.field)  # unknown label: one-line InputError before any work
    scn = load_scenario(args.scenario)
    mbq = to_canonical(args.activity, "MBq", "activity", positive=True) if args.activity is not None else None
    scans = parse_scan_times(args.scan_times)
    if max(scans) > scn.duration_h:
        raise InputError("scan-times", max(scans), f"times within the simulated 0-{scn.duration_h:g} h")
    out = output_dir(args.out, create=False)
    sol = simulate(scn, np.union1d(output_grid(scn), scans))  # scan times on the grid: exact samples
    decay = not args.no_decay_correction
    kw = {"label_follows": args.label_follows, "injected_MBq": mbq, "iron_fraction": args.iron_fraction,
          "field_T": args.field}
    curves = region_curves(sol, lab.name, decay, **kw)
    drug = region_curves(sol, lab.name, True, label_follows="drug",
                         regions=[r for r in ("tumour", "heart") if r in sol.model.volumes_L])
    sched = imaging_schedule(curves[curves["region"] != "eliminated"], scans, args.recovery)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "imaging.csv", curves)
    per_g = {str(r): g["percent_id_per_g"].tolist() for r, g in sched.groupby("region", sort=False)}
    summary = {
        "scenario": scn.name, "label": lab.name, "modality": lab.modality,
        "half_life_h": lab.half_life_h if np.isfinite(lab.half_life_h) else None,
        "label_follows": args.label_follows, "decay_corrected": decay, "injected_activity_MBq": mbq,
        "recovery_coefficient": args.recovery, "scan_times_h": scans,
        "percent_id_per_g": per_g, "ratios": contrast_ratios(sched),
        "assumptions": ["label stays with the " + args.label_follows + " (no detachment, no free-label "
                        "redistribution)", "tissue density 1 g/mL", "one labelled injection",
                        "organ regions include their residual blood", "blood = central venous + arterial pools"],
    }
    if lab.modality == "MRI":
        summary["delta_R2_per_s"] = {str(r): g["delta_R2_per_s"].tolist()
                                     for r, g in sched.groupby("region", sort=False)}
        summary["r2_per_mM_s"] = lab.r2_per_mM_s
    write_json(out / "imaging.json", summary)
    if not args.no_plots:
        _plot(curves, drug, lab.name, decay, scn.name, out / "imaging.png")
    ratios = summary["ratios"]
    if "tumour_to_muscle" in ratios:
        last = len(scans) - 1
        print(f"{lab.name} at {scans[last]:g} h: tumour {per_g['tumour'][last]:.3g} %ID/g, tumour/muscle "
              f"{ratios['tumour_to_muscle'][last]:.3g}, tumour/blood {ratios['tumour_to_blood'][last]:.3g}")
    print(f"wrote {out / 'imaging.csv'}, imaging.json" + ("" if args.no_plots else " and imaging.png"))
    return 0


def _plot(curves, drug, label: str, decay: bool, title: str, path: Path) -> None:
    from nanodds.io.atomic import save_figure
    from nanodds.report.plots import _plt

    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for region in PLOT_REGIONS:
        g = curves[curves["region"] == region]
        if not g.empty and np.any(g["percent_id_per_g"] > 0):
            ax1.plot(g["time_h"], g["percent_id_per_g"].where(g["percent_id_per_g"] > 0), label=region,
                     lw=2.2 if region == "tumour" else 1.2)
    ax1.set_title(f"{label}-labelled carrier ({'decay-corrected' if decay else 'not decay-corrected'})")
    for region, ls in (("tumour", "-"), ("heart", "--")):
        g = drug[drug["region"] == region]
        if not g.empty:
            ax2.plot(g["time_h"], g["percent_id_per_g"].where(g["percent_id_per_g"] > 0), ls, label=region)
    ax2.set_title("drug itself (released + encapsulated)")
    for ax in (ax1, ax2):
        ax.set_yscale("log")
        ax.set_xlabel("time (h)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    ax1.set_ylabel("%ID/g")
    tops = [np.nanmax(y) for ax in (ax1, ax2) for ln in ax.get_lines()
            if np.any(np.isfinite(y := np.asarray(ln.get_ydata(), dtype=float)))]
    top = max(tops) if tops else 1.0
    ax1.set_ylim(top * 1e-4, top * 2)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
