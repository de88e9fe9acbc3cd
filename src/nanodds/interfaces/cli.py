"""``nanodds`` command line: a thin shell over the library.

Each command group lives in its own module exposing ``register(subparsers)``; the module sets
``func`` on its parser.

Whatever happens, the command line never shows a traceback; it prints one line on stderr and exits with:

* 0 on success;
* 2 for bad input: :class:`nanodds.errors.InputError`, argparse errors, a missing, unreadable, non-UTF-8 or
  malformed input file, an impossible output path (``nanodds: error: FIELD: got VALUE; allowed: ...``);
* 1 when the environment fails (disk full, read-only file system, quota, I/O error, out of memory);
* 130 on Ctrl-C (``nanodds: interrupted``), the shell's 128 + SIGINT;
* 141 (128 + SIGPIPE, what a shell reports for ``cmd | head``) when the reader of stdout goes away: nothing
  is printed, as for any Unix filter;
* 1 for an unexpected internal exception: ``nanodds: internal error: TYPE: MESSAGE (please report)``.
  With ``NANODDS_DEBUG=1`` in the environment the exception propagates with its traceback instead.

Python warnings are shown as one line each, ``nanodds: warning: MESSAGE``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from nanodds.errors import InputError, RangeWarning, one_line, show_text

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
    "nanodds.interfaces.cli_safety",
    "nanodds.interfaces.cli_serve",
)

COMMANDS: dict[str, str] = {
    "simulate": "nanodds.interfaces.cli_engine", "compare": "nanodds.interfaces.cli_engine",
    "release": "nanodds.interfaces.cli_release", "release-sweep": "nanodds.interfaces.cli_design",
    "design": "nanodds.interfaces.cli_design_opt", "export-sbml": "nanodds.interfaces.cli_export",
    "sensitivity": "nanodds.interfaces.cli_analysis", "fit": "nanodds.interfaces.cli_analysis",
    "catalog": "nanodds.interfaces.cli_catalog", "population": "nanodds.interfaces.cli_population",
    "oral": "nanodds.interfaces.cli_oral", "combination": "nanodds.interfaces.cli_combination",
    "imaging": "nanodds.interfaces.cli_imaging", "predict-delivery": "nanodds.interfaces.cli_predict",
    "safety": "nanodds.interfaces.cli_safety", "trial-size": "nanodds.interfaces.cli_safety",
    "serve": "nanodds.interfaces.cli_serve",
}
"""Which module registers each command: a run imports only its own command's module (importing all of them
pulls scipy.stats, xarray and more, ~2 s of a ~3 s ``simulate``); tests check this map against the modules."""

EXIT_INPUT = 2
"""Bad input (argparse's own convention)."""
EXIT_ENVIRONMENT = 1
"""The machine failed us: disk full, read-only, out of memory; also an internal error."""
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
DEBUG_ENV = "NANODDS_DEBUG"

INPUT_ERRNOS = frozenset({errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR,
                          errno.ENAMETOOLONG, errno.EEXIST, errno.ELOOP, errno.EINVAL, errno.ENOTEMPTY})
"""OS errors that a different path would fix (exit 2); every other OS error is the environment's (exit 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(EXIT_INPUT, f"nanodds: error: {one_line(message)}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every registered command, or only the module of ``command`` when it is known.

    ``nanodds --help``, no command or an unknown one get the full parser (its usage lists every command).
    """
    parser = _Parser(prog="nanodds", description="Nanomedicine drug delivery simulator.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    modules = (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _command(argv: Sequence[str] | None) -> str | None:
    """The command word of a command line (its first argument), if any."""
    args = sys.argv[1:] if argv is None else list(argv)
    return args[0] if args else None


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr itself may be gone
        print(one_line(line), file=sys.stderr, flush=True)


@contextlib.contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Every warning as one line ``nanodds: warning: ...`` (no source line); range warnings always, and each
    distinct message once (the same input parsed twice, e.g. by ``compare``, warns once)."""
    printed: set[str] = set()

    def show(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
        if str(message) not in printed:
            printed.add(str(message))
            _say(f"nanodds: warning: {message}")

    with warnings.catch_warnings():
        warnings.simplefilter("always", RangeWarning)
        warnings.showwarning = show
        yield


def _os_error(exc: OSError) -> tuple[str, int]:
    """One line and exit code for an OS error nobody turned into an InputError."""
    what = exc.strerror or type(exc).__name__
    where = f"{exc.filename}: " if exc.filename else ""
    code = EXIT_INPUT if exc.errno in INPUT_ERRNOS else EXIT_ENVIRONMENT
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"nanodds: error: {where}{what}" + (f" [{name}]" if name else ""), code


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nanodds`` console script; returns the exit code (see the module docstring)."""
    try:
        with _one_line_warnings():
            parser = build_parser(_command(argv))
            args = parser.parse_args(argv)
            code = args.func(args)
            sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
        return int(code or 0)
    except InputError as exc:
        _say(f"nanodds: error: {exc}")
        return EXIT_INPUT
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say("nanodds: interrupted")
        return EXIT_INTERRUPTED
    except MemoryError:
        _say("nanodds: error: out of memory (a smaller input, --n or simulation.points would fit)")
        return EXIT_ENVIRONMENT
    except UnicodeDecodeError as exc:
        _say(f"nanodds: error: an input file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
             "re-save it as UTF-8")
        return EXIT_INPUT
    except OSError as exc:
        line, code = _os_error(exc)
        _say(line)
        return code
    except Exception as exc:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        import yaml

        if isinstance(exc, yaml.YAMLError):
            _say(f"nanodds: error: not valid YAML ({exc})")
            return EXIT_INPUT
        _say(f"nanodds: internal error: {type(exc).__name__}: {show_text(str(exc))}; {DEBUG_ENV}=1 shows the "
             "traceback (please report)")
        return EXIT_ENVIRONMENT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
