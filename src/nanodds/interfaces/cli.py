"""``nanodds`` command line: a thin shell over the library.

Each command group lives in its own module exposing ``register(subparsers)``; the module sets
``func`` on its parser. Bad input (:class:`nanodds.errors.InputError`) prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from nanodds.errors import InputError, RangeWarning

COMMAND_MODULES: tuple[str, ...] = (
    "nanodds.interfaces.cli_engine",
    "nanodds.interfaces.cli_release",
    "nanodds.interfaces.cli_design",
    "nanodds.interfaces.cli_design_opt",
    "nanodds.interfaces.cli_export",
    "nanodds.interfaces.cli_analysis",
    "nanodds.interfaces.cli_catalog",
    "nanodds.interfaces.cli_population",
    "nanodds.interfaces.cli_oral",
    "nanodds.interfaces.cli_combination",
    "nanodds.interfaces.cli_imaging",
    "nanodds.interfaces.cli_predict",
    "nanodds.interfaces.cli_serve",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(2, f"nanodds: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered command."""
    parser = _Parser(prog="nanodds", description="Nanomedicine drug delivery simulator.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _print_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """Range warnings as one line ``nanodds: warning: ...`` on stderr (no source line)."""
    print(f"nanodds: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nanodds`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("always", RangeWarning)
        shown, printed = warnings.showwarning, set()

        def show(message: Warning | str, category: type[Warning], *a: Any, **k: Any) -> None:
            if not issubclass(category, RangeWarning):
                shown(message, category, *a, **k)
            elif str(message) not in printed:  # the same input parsed twice (e.g. compare) warns once
                printed.add(str(message))
                _print_warning(message, category)

        warnings.showwarning = show
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        code = args.func(args)
    except InputError as exc:
        print(f"nanodds: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"nanodds: error: file not found: {exc.filename}", file=sys.stderr)
        return 2
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
