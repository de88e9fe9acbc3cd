"""``nanodds population SCENARIO.yaml --n N --out DIR``: a virtual population in restartable chunks.

Writes ``DIR/chunks/part-XXXXX.parquet`` per finished chunk, then ``DIR/population.parquet``,
``DIR/summary.json`` and ``DIR/population.png`` (not with ``--no-plots``; see :mod:`nanodds.population.run`).
"""

from __future__ import annotations

import argparse

from nanodds.errors import InputError
from nanodds.population.run import MAX_N

__all__ = ["cmd_population", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``population`` to the ``nanodds`` parser."""
    p = subparsers.add_parser("population", help="simulate a virtual population (chunked, restartable, Dask)",
                              description="Sample N virtual patients, simulate them in chunks and write "
                                          "per-patient metrics, a summary and a plot.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--n", type=int, required=True, help=f"number of patients (1..{MAX_N}, more with --force)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0, help="random seed of the covariate sampling (default 0)")
    p.add_argument("--chunk", type=int, default=500, help="patients per chunk / parquet part (default 500)")
    p.add_argument("--scheduler", default=None,
                   help="inline (this process), local (LocalCluster) or tcp://HOST:PORT; default inline up to "
                        "20000 patients, local above")
    p.add_argument("--force", action="store_true", help=f"allow N > {MAX_N}; overwrite a different run in DIR")
    p.add_argument("--target-auc", type=float, default=None,
                   help="target plasma_total AUC0-inf (mg h/L): personalised doses and a dosing comparison")
    p.add_argument("--covariates", default=None, help="covariate YAML (default: the packaged file)")
    p.add_argument("--no-plots", action="store_true", help="skip population.png")
    p.set_defaults(func=cmd_population)


def check_scheduler(sched: str | None) -> None:
    """``inline``, ``local`` or ``tcp://HOST:PORT`` (``tls://`` needs TLS certificates nanodds does not take)."""
    allowed = "inline, local or a Dask scheduler address tcp://HOST:PORT"
    if sched is None or sched in ("inline", "local"):
        return
    if sched.startswith("tls://"):
        raise InputError("--scheduler", sched, f"{allowed} (tls:// needs a TLS configuration nanodds does not take)")
    host, _, port = sched.removeprefix("tcp://").rpartition(":")
    if not sched.startswith("tcp://") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("--scheduler", sched, allowed)


def cmd_population(args: argparse.Namespace) -> int:
    """Run the population command; print a one-line result."""
    from nanodds.interfaces.common import output_dir
    from nanodds.limits import check_int
    from nanodds.population.run import run_population

    check_int(args.seed, "--seed", 0, "seed_max")
    check_scheduler(args.scheduler)
    output_dir(args.out, create=False, field="--out")
    from nanodds.interfaces.common import status

    def step(message: str) -> None:  # a plain line per chunk when piped (the rich bar on a terminal)
        with status(message, spinner=False):
            pass

    s = run_population(args.scenario, args.n, args.out, seed=args.seed, chunk=args.chunk,
                       scheduler=args.scheduler, force=args.force, target_auc=args.target_auc,
                       covariates=args.covariates, plots=not args.no_plots, on_step=step)
    median = s["metrics"].get("plasma_total_auc_inf", {}).get("median")
    shown = f"{median:.4g}" if isinstance(median, float) else str(median)  # summary.json keeps full precision
    print(f"{s['n']} patients ({s['solver']}, {s['scheduler']}) in {s['elapsed_s']:.1f} s; plasma_total "
          f"AUC0-inf median {shown} mg h/L; wrote {args.out}/population.parquet, summary.json"
          + ("" if args.no_plots else ", population.png"))
    med = {k: v.get("median") for k, v in s["metrics"].items()}
    for site in ("tumour", "heart", "marrow", "skin"):  # what acts (released, unbound) beside total drug
        keys = (f"tissue_unbound_{site}_auc_inf", f"tissue_released_{site}_auc_inf", f"tissue_{site}_auc_inf")
        if all(k in med for k in keys):
            print(f"  {site} AUC0-inf median (mg h/L): unbound {med[keys[0]]:.4g}, released {med[keys[1]]:.4g}, "
                  f"total (encapsulated + released) {med[keys[2]]:.4g}")
    return 0
