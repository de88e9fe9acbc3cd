"""``nanodds release-sweep``: tumour free-drug exposure against a first-order release rate.

``nanodds release-sweep SCENARIO.yaml --rates 0.001,0.003,0.01 --out DIR`` writes ``DIR/sweep.csv`` (one
row per rate), ``DIR/sweep.json`` (the table and the optimum, compared with Harashima et al. 1999's
0.06 1/h) and ``DIR/sweep.png`` (tumour free-drug AUC against the rate, log x, Harashima's rate marked).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from nanodds.errors import InputError
from nanodds.interfaces.common import output_dir
from nanodds.io.runfolder import run_folder

__all__ = ["cmd_release_sweep", "parse_rates", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``release-sweep`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "release-sweep", help="tumour free-drug AUC vs first-order release rate (Harashima 1999 optimum)",
        description="Re-simulate a carrier scenario with first-order release k (blood = tissue) for each "
                    "rate and report tumour free-drug AUC, total tumour AUC, heart free AUC and plasma AUC.")
    p.add_argument("scenario", help="scenario YAML file (with a carrier and a tumour)")
    p.add_argument("--rates", default=None,
                   help="comma-separated release rates in 1/h (default 0,0.001,0.003,...,10)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--no-plots", action="store_true", help="skip sweep.png")
    p.set_defaults(func=cmd_release_sweep)


def parse_rates(text: str | None) -> list[float]:
    """``"0.001, 0.01,0.1"`` -> [0.001, 0.01, 0.1]; each rate finite and >= 0."""
    from nanodds.analysis.release_design import DEFAULT_RATES_PER_H

    if text is None:
        return list(DEFAULT_RATES_PER_H)
    rates = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            r = float(part)
        except ValueError:
            raise InputError("rates", part, "comma-separated numbers in 1/h, e.g. 0.001,0.01,0.1") from None
        if not (math.isfinite(r) and r >= 0):
            raise InputError("rates", part, "release rates >= 0 (1/h)")
        rates.append(r)
    if not rates:
        raise InputError("rates", text, "at least one release rate")
    from nanodds.limits import limit, limit_ref

    if len(rates) > limit("release_sweep_max_rates"):
        raise InputError("rates", text, f"at most {limit('release_sweep_max_rates')} rates "
                                        f"({limit_ref('release_sweep_max_rates')})")
    return rates


def _plot(df: Any, optimum: dict[str, Any], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nanodds.io.atomic import save_figure

    pos = df[df["rate_per_h"] > 0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(pos["rate_per_h"], pos["tumour_free_auc_mg_h_per_L"], "o-", label="tumour free drug AUC0-T")
    zero = df[df["rate_per_h"] == 0]
    if len(zero):
        ax.axhline(float(zero["tumour_free_auc_mg_h_per_L"].iloc[0]), color="0.6", ls=":",
                   label="no release (k = 0)")
    ax.axvline(optimum["harashima_1999_rate_per_h"], color="tab:red", ls="--",
               label="Harashima 1999 optimum 0.06 1/h")
    best = optimum["refined_rate_per_h"] or optimum["rate_per_h"]
    if best > 0:
        ax.axvline(best, color="tab:green", ls="-.", label=f"model optimum {best:.3g} 1/h")
    ax.set_xscale("log")
    ax.set_xlabel("first-order release rate k (1/h), blood = tissue")
    ax.set_ylabel("tumour free-drug AUC (mg h/L)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)


@run_folder()
def cmd_release_sweep(args: argparse.Namespace) -> int:
    """Run ``release-sweep``; returns the exit code."""
    from nanodds.analysis.release_design import release_rate_sweep
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)  # input errors surface before anything is written
    rates = parse_rates(args.rates)
    out = output_dir(args.out, create=False)
    df = release_rate_sweep(scn, rates)
    out.mkdir(parents=True, exist_ok=True)
    optimum = df.attrs["optimum"]
    write_csv(out / "sweep.csv", df)
    write_json(out / "sweep.json", {"scenario": scn.name, "duration_h": scn.duration_h,
                                    "optimum": optimum, "rows": df.to_dict(orient="records")})
    if not args.no_plots:
        _plot(df, optimum, scn.name, out / "sweep.png")
    best = optimum["refined_rate_per_h"] or optimum["rate_per_h"]
    edge = "" if optimum["interior"] else " (at the edge of the grid)"
    print(f"{scn.name}: tumour free-drug AUC0-{scn.duration_h:g}h is highest at k = {best:.3g} 1/h{edge}, "
          f"{optimum['ratio_to_harashima']:.2g} x Harashima 1999's 0.06 1/h")
    print(f"wrote {out / 'sweep.csv'}, sweep.json" + ("" if args.no_plots else " and sweep.png"))
    return 0
