"""``nanodds export-sbml``: write a scenario's model and regimen as SBML L3V2.

``nanodds export-sbml SCENARIO.yaml --out DIR [--formulation nano|conventional] [--linear]`` writes
``DIR/model.xml`` and ``DIR/manifest.json`` like every other run folder (:mod:`nanodds.io.runfolder`). An
``--out`` ending in ``.xml`` (the file the command took before) is refused with one line naming the folder form.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nanodds.errors import InputError
from nanodds.interfaces.common import output_dir
from nanodds.io.runfolder import run_folder

__all__ = ["SBML_NAME", "cmd_export_sbml", "register"]

SBML_NAME = "model.xml"
"""File name of the SBML document in the ``--out`` folder."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export-sbml`` to the ``nanodds`` parser."""
    p = subparsers.add_parser(
        "export-sbml", help="export the scenario's model and dosing as SBML Level 3 Version 2",
        description="Export the built model (states in mg, rates in 1/h, saturable MPS uptake, doses as "
                    "initial amounts, events and infusion reactions, observables as assignment rules) "
                    "for libRoadRunner, COPASI or any SBML tool.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", required=True, help=f"output directory (created if missing): {SBML_NAME} and manifest.json")
    p.add_argument("--formulation", choices=("nano", "conventional"), default="nano",
                   help="the scenario's carrier formulation (default) or the conventional free drug")
    p.add_argument("--linear", action="store_true", help="drop the saturable terms (unsaturated limit)")
    p.set_defaults(func=cmd_export_sbml)


def check_out_folder(out: str) -> None:
    """Refuse an ``--out`` that names an SBML file (``*.xml``): ``--out`` is a folder for every command."""
    if Path(out).suffix.lower() == ".xml":
        raise InputError("--out", out, f"a folder (export-sbml writes FOLDER/{SBML_NAME} and manifest.json, like "
                                       f"every command), e.g. --out {Path(out).with_suffix('')}")


def cmd_export_sbml(args: argparse.Namespace) -> int:
    """Run ``export-sbml``; returns the exit code."""
    check_out_folder(args.out)  # before the run folder is created
    return _export(args)


@run_folder()
def _export(args: argparse.Namespace) -> int:
    from nanodds.engine import build
    from nanodds.io.sbml import write_sbml
    from nanodds.specs.scenario import load_scenario

    scn = load_scenario(args.scenario)
    if args.formulation == "conventional":
        scn = scn.conventional()
    elif scn.carrier is None:
        raise InputError("formulation", "nano", "conventional (the scenario has no carrier)")
    out = output_dir(args.out)
    model = build(scn)
    if args.linear or not scn.saturable:
        model = model.linear()
    path = write_sbml(model, scn.regimen.events, out / SBML_NAME, name=scn.name)
    print(f"wrote {path} ({model.n} species, {len(model.saturable)} saturable terms, "
          f"{len(scn.regimen.events)} dose events)")
    return 0
