"""``nanodds export-sbml``: write a scenario's model and regimen as SBML L3V2.

``nanodds export-sbml SCENARIO.yaml --out FILE.xml [--formulation nano|conventional] [--linear]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nanodds.errors import InputError
from nanodds.io.paths import check_writable_path

__all__ = ["cmd_export_sbml", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export-sbml`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "export-sbml", help="export the scenario's model and dosing as SBML Level 3 Version 2",
        description="Export the built model (states in mg, rates in 1/h, saturable MPS uptake, doses as "
                    "initial amounts, events and infusion reactions, observables as assignment rules) "
                    "for libRoadRunner, COPASI or any SBML tool.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", required=True, help="output SBML file (.xml)")
    p.add_argument("--formulation", choices=("nano", "conventional"), default="nano",
                   help="the scenario's carrier formulation (default) or the conventional free drug")
    p.add_argument("--linear", action="store_true", help="drop the saturable terms (unsaturated limit)")
    p.set_defaults(func=cmd_export_sbml)


def cmd_export_sbml(args: argparse.Namespace) -> int:
    """Run ``export-sbml``; returns the exit code."""
    from nanodds.engine import build
    from nanodds.io.sbml import write_sbml
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)
    if args.formulation == "conventional":
        scn = scn.conventional()
    elif scn.carrier is None:
        raise InputError("formulation", "nano", "conventional (the scenario has no carrier)")
    out = Path(args.out)
    check_writable_path(out, "out", "a file path")
    if out.is_dir():
        raise InputError("out", args.out, "a file path (not a directory)")
    model = build(scn)
    if args.linear or not scn.saturable:
        model = model.linear()
    write_sbml(model, scn.regimen.events, out, name=scn.name)
    print(f"wrote {out} ({model.n} species, {len(model.saturable)} saturable terms, "
          f"{len(scn.regimen.events)} dose events)")
    return 0
