"""``nanodds release``: fit empirical release models and compare dissolution profiles.

Subcommands
-----------
``nanodds release fit DATA.csv --out DIR [--models a,b] [--weight none|1/y|1/y2] [--profile NAME]
[--time-unit min] [--rank-by AIC|BIC|MSC|R2adj]`` writes ``DIR/fits.json`` and PNG plots.

``nanodds release compare DATA.csv --reference R --test T [--rule all|ema|fda] [--bootstrap N --seed S]
--out DIR`` writes ``DIR/comparison.json`` (and a PNG of the mean profiles).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from nanodds.errors import InputError, known
from nanodds.interfaces.common import output_dir, status
from nanodds.io.atomic import safe_stems
from nanodds.io.outputs import write_json
from nanodds.io.runfolder import run_folder
from nanodds.release.dataio import TIME_UNITS, ReleaseData, read_release_csv
from nanodds.release.fit_stats import RANK_KEYS
from nanodds.release.fitting import FitResult, fit_all, normalise_weight
from nanodds.release.models import parse_model_list
from nanodds.release.profiles import RULES, compare_profiles

__all__ = ["cmd_compare", "cmd_fit", "register"]


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="CSV file, long (profile, replicate, time, percent) or wide layout")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--time-unit", choices=TIME_UNITS, default=None,
                   help="unit of the time column (default: from its name, else min)")
    p.add_argument("--time-col", default=None, help="time column (default: auto-detect)")
    p.add_argument("--percent-col", default=None, help="percent-released column (default: auto-detect)")
    p.add_argument("--profile-col", default=None, help="profile/batch column (default: auto-detect)")
    p.add_argument("--replicate-col", default=None, help="replicate/tablet column (default: auto-detect)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``release`` command group to the ``nanodds`` parser."""
    rel = subparsers.add_parser("release", help="drug-release model fitting and profile comparison",
                                description="Empirical release models (DDSolver class) and f1/f2.")
    sub = rel.add_subparsers(dest="release_command", required=True)

    fit = sub.add_parser("fit", help="fit release models to a profile and rank them")
    _add_data_args(fit)
    fit.add_argument("--models", default="all", help="comma-separated model names (default: all)")
    fit.add_argument("--weight", default="none", help="none, 1/y or 1/y2 (default: none)")
    fit.add_argument("--profile", default=None, help="profile to fit (default: every profile)")
    fit.add_argument("--rank-by", default="AIC", choices=list(RANK_KEYS), help="ranking criterion")
    fit.add_argument("--starts", type=int, default=4, help="multi-start count per model (default: 4)")
    fit.add_argument("--seed", type=int, default=0, help="seed of the restarts (default: 0)")
    fit.add_argument("--top", type=int, default=5, help="models drawn in the plots (default: 5)")
    fit.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    fit.set_defaults(func=cmd_fit)

    cmp_ = sub.add_parser("compare", help="f1, f2 (and bootstrap f2) of a test vs a reference profile")
    _add_data_args(cmp_)
    cmp_.add_argument("--reference", required=True, help="reference profile name")
    cmp_.add_argument("--test", required=True, help="test profile name")
    cmp_.add_argument("--rule", default="ema", choices=RULES, help="time-point rule (default: ema)")
    cmp_.add_argument("--bootstrap", type=int, default=0, help="bootstrap replicates (default: none)")
    cmp_.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    cmp_.add_argument("--confidence", type=float, default=0.90, help="bootstrap CI level (default: 0.90)")
    cmp_.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    cmp_.set_defaults(func=cmd_compare)


def _read(args: argparse.Namespace) -> ReleaseData:
    from nanodds.limits import check_int

    p = Path(args.data)
    if p.is_dir():
        raise InputError("data", args.data, "a CSV file, not a directory")
    if not p.is_file():
        raise InputError("data", args.data, "an existing CSV file")
    check_int(args.seed, "seed", 0, "seed_max")
    if args.release_command == "fit":
        check_int(args.starts, "starts", 1, "release_fit_max_starts")
        check_int(args.top, "top", 0, hi=None)
    else:
        if args.bootstrap != 0:
            check_int(args.bootstrap, "bootstrap", 10, "bootstrap_max")
        if not 0 < args.confidence < 1:  # also refuses NaN
            raise InputError("confidence", args.confidence, "a confidence level between 0 and 1, e.g. 0.90")
    return read_release_csv(args.data, time_unit=args.time_unit, time_col=args.time_col,
                            percent_col=args.percent_col, profile_col=args.profile_col,
                            replicate_col=args.replicate_col)


def _fit_dict(fit: FitResult, unit: str) -> dict[str, Any]:
    d = fit.to_dict()
    d["units"] = {k: v.replace("T", unit) for k, v in d["units"].items()}
    return d


@run_folder(inputs=("data",))
def cmd_fit(args: argparse.Namespace) -> int:
    """Run ``release fit``; returns the exit code."""
    data = _read(args)
    weight = normalise_weight(args.weight)
    models = parse_model_list(args.models)
    if args.profile is not None and not known(args.profile, data.profiles):
        raise InputError("profile", args.profile, f"a profile of the data: {', '.join(data.profiles)}")
    names = [args.profile] if args.profile else data.profiles
    out = output_dir(args.out)
    result: dict[str, Any] = {"data": str(args.data), "time_unit": data.time_unit, "weight": weight,
                              "rank_by": args.rank_by, "fitted_to": "mean profile", "profiles": {}}
    fitted: dict[str, tuple[np.ndarray, np.ndarray, list[FitResult]]] = {}
    stems = safe_stems(names)  # plot file names: distinct even when two profile names sanitise alike
    for name in _progress(names, "fitting profiles"):
        t, y = data.mean_profile(name)
        # on a terminal with several profiles the progress bar shows them; otherwise a spinner or a plain line
        with status(f"fitting {len(models)} release models to profile {name}...", spinner=len(names) < 2), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fits = fit_all(t, y, [m.name for m in models], weight=weight, rank_by=args.rank_by,
                           n_starts=args.starts, seed=args.seed)
        notes = sorted({str(w.message) for w in caught if not issubclass(w.category, RuntimeWarning)})
        for note in notes:
            print(f"nanodds: warning: profile {name}: {note}", file=sys.stderr)
        result["profiles"][name] = {
            "n_points": int(t.size), "time": t.tolist(), "percent": y.tolist(), "warnings": notes,
            "best": next((f.model for f in fits if f.ok), None),
            "models": [_fit_dict(f, data.time_unit) for f in fits],
        }
        if not args.no_plots:
            result["profiles"][name]["plots"] = [f"fits_{stems[name]}.png", f"residuals_{stems[name]}.png"]
        fitted[name] = (t, y, fits)
    write_json(out / "fits.json", result)
    if not args.no_plots:
        from nanodds.release.plots import plot_fits

        with status("plotting fits..."):
            for name, (t, y, fits) in fitted.items():
                plot_fits(t, y, fits, out, name, data.time_unit, top=args.top, stem=stems[name])
    for name, (_, _, fits) in fitted.items():
        best = [f for f in fits if f.ok][:3]
        summary = ", ".join(f"{f.model} ({args.rank_by} {f.stats[args.rank_by]:.3g})" for f in best)
        print(f"{name}: best {summary}")
    print(f"wrote {out / 'fits.json'}")
    return 0


@run_folder(inputs=("data",))
def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``release compare``; returns the exit code."""
    data = _read(args)
    out = output_dir(args.out)
    t_ref, ref = data.unit_matrix(args.reference)
    t_test, test = data.unit_matrix(args.test)
    common = np.intersect1d(t_ref, t_test)
    if common.size == 0:
        raise InputError("time", t_test.tolist(), f"time points shared with the reference {t_ref.tolist()}")
    ref = ref[:, np.isin(t_ref, common)]
    test = test[:, np.isin(t_test, common)]
    if args.bootstrap and not data.has_replicates:
        raise InputError("bootstrap", args.bootstrap, "0 unless the data have a replicate (tablet) column")
    boot = f", {args.bootstrap} bootstrap replicates" if args.bootstrap else ""
    with status(f"comparing {args.test} with {args.reference} ({args.rule} rule{boot})..."):
        res = compare_profiles(common, ref, test, rule=args.rule, n_boot=args.bootstrap or None,
                               seed=args.seed, confidence=args.confidence)
    res = {"data": str(args.data), "reference": args.reference, "test": args.test,
           "time_unit": data.time_unit, **res}
    write_json(out / "comparison.json", res)
    if not args.no_plots:
        from nanodds.release.plots import plot_comparison

        plot_comparison(res, out)
    line = f"{args.test} vs {args.reference} ({args.rule}): f1 = {res['f1']:.2f}, f2 = {res['f2']:.2f}"
    if "bootstrap" in res:
        lo, hi = res["bootstrap"]["f2_ci_bca"]
        line += f", bootstrap {100 * args.confidence:.0f}% BCa CI [{lo:.2f}, {hi:.2f}]"
    print(line)
    print(f"wrote {out / 'comparison.json'}")
    return 0


def _progress(items: list[str], label: str):
    """Iterate with a rich progress bar on an interactive terminal (silent otherwise)."""
    if len(items) < 2 or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import track

    yield from track(items, description=label, transient=True)
