"""``nanodds sensitivity`` (global Sobol indices) and ``nanodds fit`` (parameter estimation from data).

``nanodds sensitivity SCENARIO.yaml --params params.yaml --n 256 --out DIR`` writes ``sobol.json``,
``sobol.csv`` and ``sobol.png``; ``params.yaml`` maps parameter names to ``{low, high[, log]}`` with units.

``nanodds fit SCENARIO.yaml DATA.csv --params p1,p2 --out DIR`` writes ``fit.json`` (estimates, standard
errors, 95% CIs, correlation), ``fit_predictions.csv`` and ``fit.png`` (goodness of fit).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from nanodds.interfaces.common import output_dir, status
from nanodds.io.runfolder import run_folder
from nanodds.io.yaml_safe import read_yaml_file

__all__ = ["cmd_fit", "cmd_sensitivity", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sensitivity`` and ``fit`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "sensitivity", help="global Sobol sensitivity of plasma/heart AUC, tumour DE24 and targeting index",
        description="Sobol first-order and total indices (Saltelli sampling, SALib) of the scenario outcomes "
                    "to parameters sampled uniformly (or log-uniformly) within the given ranges.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--params", required=True, help="YAML: {name: {low: '100 mg/kg', high: '400 mg/kg', log: false}}")
    p.add_argument("--n", type=int, default=256, help="base sample size, a power of two (runs: n (D + 2))")
    p.add_argument("--seed", type=int, default=0, help="seed of the Sobol sequence and the bootstrap")
    p.add_argument("--linear", action="store_true", help="drop saturation (fast exact batched path)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--no-plots", action="store_true", help="skip sobol.png")
    p.set_defaults(func=cmd_sensitivity)

    f = subparsers.add_parser(
        "fit", help="fit model parameters to observed concentrations (weighted least squares in log space)",
        description="Estimate parameters from a tidy table (ID, time_h, compartment, value, unit[, dose_mg, "
                    "weight]) by nonlinear least squares on log concentrations; standard errors and CIs from "
                    "the Jacobian.")
    f.add_argument("scenario", help="scenario YAML file (regimen, subject, formulation)")
    f.add_argument("data", help="CSV data file")
    f.add_argument("--params", required=True, help="comma-separated parameter names, e.g. mps_extraction_total,"
                                                   "drug_clearance_multiplier")
    f.add_argument("--out", required=True, help="output directory (created if missing)")
    f.add_argument("--linear", action="store_true", help="drop saturation (exact linear path)")
    f.add_argument("--no-plots", action="store_true", help="skip fit.png")
    f.set_defaults(func=cmd_fit)


@run_folder(inputs=("scenario", "params"))
def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run ``sensitivity``; returns the exit code."""
    from nanodds.analysis.model_params import parse_param_specs
    from nanodds.analysis.sensitivity import plot_sobol, scenario_sensitivity
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.limits import check_int
    from nanodds.specs.scenario import load_scenario

    check_int(args.n, "n", 1, "sensitivity_max_n")
    check_int(args.seed, "seed", 0, "seed_max")
    scn = load_scenario(args.scenario)
    raw = read_yaml_file(args.params, "params", prefix="params")
    specs = parse_param_specs(scn, raw)
    out = output_dir(args.out, create=False)
    bar = not args.no_progress and sys.stderr.isatty()  # a rich bar on a terminal; piped, a plain line
    runs = f"{args.n * (len(specs) + 2)} runs of {scn.name} ({len(specs)} parameters, N = {args.n})"
    with status(f"sensitivity: {runs}...", spinner=False) if not args.no_progress else contextlib.nullcontext():
        res = scenario_sensitivity(scn, specs, args.n, seed=args.seed, linear=True if args.linear else None,
                                   progress=bar)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "sobol.csv", res.table)
    write_json(out / "sobol.json", {"scenario": scn.name, **res.to_dict()})
    if not args.no_plots:
        plot_sobol(res, out / "sobol.png", f"{scn.name}: Sobol indices, N = {res.n}")
    for o, t in res.table.groupby("outcome", sort=False):
        top = t.sort_values("ST", ascending=False).iloc[0]
        print(f"{o}: most influential {top['parameter']} (ST = {top['ST']:.2f} +/- {top['ST_conf']:.2f})")
    print(f"wrote {out / 'sobol.json'}, sobol.csv" + ("" if args.no_plots else " and sobol.png")
          + f" ({len(res.samples)} runs)")
    return 0


@run_folder(inputs=("scenario", "data"))
def cmd_fit(args: argparse.Namespace) -> int:
    """Run ``fit``; returns the exit code."""
    from nanodds.analysis.fitting import fit_scenario, plot_fit, read_observations
    from nanodds.io.atomic import write_csv
    from nanodds.io.outputs import write_json
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)
    names = [s.strip() for s in args.params.split(",") if s.strip()]
    data = read_observations(args.data)
    out = output_dir(args.out, create=False)
    with status(f"fitting {', '.join(names)} to {len(data)} observations of {data['ID'].nunique()} subjects..."):
        res = fit_scenario(scn, data, names, linear=True if args.linear else None)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "fit.json", {"scenario": scn.name, **res.to_dict()})
    write_csv(out / "fit_predictions.csv", res.predictions)
    if not args.no_plots:
        plot_fit(res, out / "fit.png", scn.name)
    for name, est, lo, hi in zip(res.names, res.estimates, res.ci_low, res.ci_high, strict=True):
        print(f"{name} = {est:.4g} (95% CI {lo:.4g} - {hi:.4g})")
    print(f"wrote {out / 'fit.json'}, fit_predictions.csv" + ("" if args.no_plots else " and fit.png"))
    return 0
