"""``nanodds design SCENARIO.yaml --space SPACE.yaml --out DIR``: multi-objective carrier and regimen design.

Reads the scenario and the design space (:mod:`nanodds.design.space`), checks both before anything runs or is
written, runs NSGA-II (:mod:`nanodds.design.optimise`; one progress line per generation on stderr, also when
piped) and writes ``pareto.csv``, ``all_evaluations.csv``, ``design.json``, ``pareto.png`` and
``designs/<id>.yaml`` (:mod:`nanodds.design.outputs`).
"""

from __future__ import annotations

import argparse
import sys

from nanodds.interfaces.common import output_dir
from nanodds.io.runfolder import run_folder

__all__ = ["cmd_design", "load_design", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``design`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "design", help="Pareto-optimal carrier/regimen designs (NSGA-II) over a design space",
        description="Vary carrier size, PEG, release rate, dose and schedule within manufacturable bounds; "
                    "optimise objectives such as tumour released-drug AUC (up) and heart exposure (down).")
    p.add_argument("scenario", help="scenario YAML file (the base formulation)")
    p.add_argument("--space", required=True, help="design space YAML file (variables, objectives, ...)")
    p.add_argument("--out", required=True, help="output directory (created if missing)")
    p.add_argument("--no-plots", action="store_true", help="skip pareto.png")
    p.set_defaults(func=cmd_design)


def load_design(scenario_path: str, space_path: str):  # type: ignore[no-untyped-def]
    """Parse a scenario file and a design space file into a :class:`nanodds.design.optimise.Design`."""
    from nanodds.design.optimise import Design
    from nanodds.design.space import parse_space
    from nanodds.engine import build
    from nanodds.specs.scenario import parse_scenario, read_yaml

    raw = read_yaml(scenario_path)
    scn = parse_scenario(raw)
    space = parse_space(read_yaml(space_path, "space"), scn, raw, build(scn))
    return Design(scn, raw, space)


@run_folder(inputs=("scenario", "space"))
def cmd_design(args: argparse.Namespace) -> int:
    """Run ``design``; returns the exit code."""
    from nanodds.design.optimise import run_design
    from nanodds.design.outputs import write_design

    design = load_design(args.scenario, args.space)  # every input error before anything is written
    out = output_dir(args.out, create=False)
    sp = design.space
    print(f"{design.scn.name}: {len(sp.variables)} variables, {len(sp.objectives)} objectives, "
          f"population {sp.population} x {sp.generations} generations (seed {sp.seed})", file=sys.stderr, flush=True)
    result = run_design(design, progress=lambda line: print(line, file=sys.stderr, flush=True))
    out.mkdir(parents=True, exist_ok=True)
    from nanodds.interfaces.common import status

    with status("writing outputs..."):
        write_design(out, design, result, plots=not args.no_plots)
    print(f"{len(result.pareto)} Pareto designs of {len(result.evaluations)} evaluations; wrote {out / 'pareto.csv'}, "
          f"all_evaluations.csv, design.json, designs/" + ("" if args.no_plots else " and pareto.png"))
    return 0
