"""``nanodds safety SCENARIO --out DIR``: efficacy and safety of a nanoformulation vs the conventional drug.

Writes ``DIR/safety.json`` (the comparison document with its ``pd`` and ``nanotox`` sections), ``DIR/safety.md`` and
``DIR/safety.html`` (the same report), ``comparison.png``, ``neutrophils.png`` and ``tumour_growth.png`` (when the
drug has PD parameters and the scenario a tumour). Input errors surface before anything is written.
"""

from __future__ import annotations

import argparse

from nanodds.io.runfolder import run_folder

__all__ = ["cmd_safety", "cmd_trial_size", "register"]


def cmd_trial_size(args: argparse.Namespace) -> int:
    """Print the sample size of a two-arm trial; returns 0 (bad input: InputError naming the option)."""
    from nanodds.analysis.trial_size import events_logrank, n_two_means, n_two_proportions
    from nanodds.errors import InputError

    def need(name: str) -> float:
        v = getattr(args, name.replace("-", "_"))
        if v is None:
            raise InputError(f"--{name}", None, f"a number (required for the {args.endpoint} endpoint)")
        return float(v)

    if args.endpoint == "continuous":
        r = n_two_means(need("delta"), need("sigma"), args.alpha, args.power)
        print(f"{r['n_per_arm']} patients per arm ({r['n_total']} total); effect size d = {r['effect_size_d']:.3g}, "
              f"normal approximation {r['n_per_arm_normal']:.1f}, achieved power {r['achieved_power']:.3f}")
    elif args.endpoint == "binary":
        r = n_two_proportions(need("p1"), need("p2"), args.alpha, args.power)
        print(f"{r['n_per_arm']} patients per arm ({r['n_total']} total); unrounded {r['n_per_arm_exact']:.1f}")
    else:
        r = events_logrank(need("hr"), args.alpha, args.power, p_event=args.p_event)
        extra = f"; {r['patients']} patients at P(event) = {args.p_event:g}" if "patients" in r else ""
        print(f"{r['events']} events (Schoenfeld; unrounded {r['events_exact']:.1f}){extra}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``safety`` to the ``nanodds`` parser."""
    p = subparsers.add_parser("safety", help="efficacy and safety report: what acts, PD, therapeutic index",
                              description="Simulate a nanoformulation and its conventional counterpart; report "
                                          "released/unbound drug at tumour, heart, marrow, skin, PD read-outs "
                                          "(myelosuppression, tumour growth, cardiotoxicity, hand-foot proxy) and "
                                          "a therapeutic-index summary, as Markdown and HTML with plots.")
    p.add_argument("scenario", help="scenario YAML file (with a carrier)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--abc-factor", type=float, default=None,
                   help="accelerated blood clearance: multiply carrier MPS uptake by this factor from the second "
                        "PEGylated dose on (linear model, simulation.saturable: false)")
    p.add_argument("--cqa", help="YAML of measured quality attributes (id: {value, unit, source}) for the dossier")
    p.set_defaults(func=cmd_safety)

    t = subparsers.add_parser("trial-size", help="sample size of a two-arm trial (continuous, binary, time-to-event)",
                              description="Patients (or events) for a nano vs conventional comparative trial.")
    t.add_argument("endpoint", choices=("continuous", "binary", "survival"))
    t.add_argument("--delta", type=float, help="continuous: difference in means")
    t.add_argument("--sigma", type=float, help="continuous: common standard deviation (same unit as delta)")
    t.add_argument("--p1", type=float, help="binary: response rate, arm 1 (fraction)")
    t.add_argument("--p2", type=float, help="binary: response rate, arm 2 (fraction)")
    t.add_argument("--hr", type=float, help="survival: hazard ratio")
    t.add_argument("--p-event", type=float, help="survival: probability of an event during the trial")
    t.add_argument("--alpha", type=float, default=0.05, help="two-sided significance level (default 0.05)")
    t.add_argument("--power", type=float, default=0.8, help="power (default 0.8)")
    t.set_defaults(func=cmd_trial_size)


@run_folder(inputs=("scenario", "cqa"))
def cmd_safety(args: argparse.Namespace) -> int:
    """Run ``safety``; returns the exit code."""

    from nanodds.analysis.compare import require_carrier, run_comparison
    from nanodds.analysis.dossier import dossier, load_measured, risk_benefit
    from nanodds.analysis.pd.summary import pd_section
    from nanodds.interfaces.cli_engine import _status
    from nanodds.interfaces.common import output_dir
    from nanodds.io.atomic import write_text
    from nanodds.io.outputs import write_json
    from nanodds.report.safety import plot_pd, render_html, render_markdown
    from nanodds.specs.scenario import load_scenario, read_yaml

    scn = load_scenario(args.scenario)
    require_carrier(scn)
    measured = load_measured(args.cqa) if args.cqa else None  # input errors before anything is written
    if args.abc_factor is not None:
        from nanodds.analysis.abc import abc_start_h
        from nanodds.errors import InputError

        if abc_start_h(scn) is None:
            raise InputError("--abc-factor", args.abc_factor, "a PEGylated carrier given in two or more doses")
    raw = read_yaml(args.scenario)
    out = output_dir(args.out)
    with _status("simulating nano and conventional, then PD..."):
        doc, sol_nano, sol_conv = run_comparison(scn, abc_factor=args.abc_factor)
        if args.abc_factor is not None:
            doc["abc"] = sol_nano.model.meta["abc"]
        curves: dict = {}
        doc["pd"] = pd_section(scn, doc, sol_nano, sol_conv, curves)
        from nanodds.analysis.nanotox import screen_scenario

        doc["nanotox"] = screen_scenario(scn, sol_nano)
        doc["dossier"] = dossier(raw, measured, scn.carrier.diameter_nm if scn.carrier else None)
        doc["risk_benefit"] = risk_benefit(doc)
    plots: list[str] = []
    if not args.no_plots:
        from nanodds.report.plots import plot_comparison

        plot_comparison(sol_nano, sol_conv, out)
        plots = ["comparison.png", *plot_pd(curves, out)]
    write_json(out / "safety.json", doc)
    md = render_markdown(doc, plots)
    write_text(out / "safety.md", md)
    write_text(out / "safety.html", render_html(md, f"nanodds safety: {scn.name}"))
    print_pd(doc)
    flagged = [f for f in doc["nanotox"]["flags"] if f["flagged"]]
    print(f"nanotox screen ({doc['nanotox'].get('material') or doc['nanotox'].get('note')}): "
          + (", ".join(f"{f['hazard']} (margin {f['margin']:.3g})" if f["margin"] is not None else f["hazard"]
                       for f in flagged) or "no flags"))
    print(f"wrote {out / 'safety.md'}, safety.html, safety.json" + ("" if args.no_plots else " and plots"))
    return 0


def print_pd(doc: dict) -> None:
    """Print the PD/safety table of a comparison document that has a ``pd`` section."""
    from rich.markup import escape
    from rich.table import Table

    from nanodds.interfaces.cli_engine import _fmt, _print_table
    from nanodds.report.safety import pd_rows

    pd = doc.get("pd", {})
    if not pd.get("available"):
        print(f"PD/safety: {pd.get('reason', 'not available')}")
        return
    table = Table(title="PD / safety (driven by the drug that acts; potencies are assumptions, see report)")
    for col in ("read-out", "nano", "conventional", "unit", "driven by"):
        table.add_column(col, justify="left" if col in ("read-out", "unit", "driven by") else "right")
    for row in pd_rows(pd):
        table.add_row(*(escape(x) for x in row))
    ti = pd["therapeutic_index"]
    table.add_section()
    for k, v in ti["ti"].items():
        check = ti.get("direction_checks", {}).get(k, "")
        note = "> 1 favours nano" + ("; clinical direction MISSED, do not rely on it" if "MISSED" in check else "")
        table.add_row(escape(f"therapeutic index vs {k}"), _fmt(v, ".3g"), "", "-", escape(note))
    _print_table(table)
