"""Helpers shared by the command modules."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from nanodds.errors import InputError
from nanodds.io.paths import check_writable_path


def output_dir(path: str, *, create: bool = True, field: str = "out") -> Path:
    """The ``--out`` directory: refuse an impossible path; create it (and parents) unless ``create`` is False.

    Commands check it before simulating (``create=False``) so that bad input leaves nothing behind: an
    existing file, a parent that is a file, a name longer than the file system allows or a directory that
    cannot be written are one-line :class:`InputError` s naming ``field`` before any work is done.
    """
    out = Path(path)
    check_writable_path(out, field, "a directory path")
    if os.path.exists(out) and not os.path.isdir(out):
        raise InputError(field, path, "a directory path (not an existing file)")
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(field, path, f"a directory that can be created ({exc.strerror or exc})") from None
    return out


@contextlib.contextmanager
def status(message: str, *, spinner: bool = True) -> Iterator[None]:
    """Progress of one step of long work, on stderr.

    A rich spinner when stderr is a terminal; otherwise (piped, redirected to a log) one plain line
    ``nanodds: MESSAGE`` per step, so that a batch job shows where it is. stdout is never touched.
    ``spinner=False``: nothing on a terminal (for a step that draws its own rich progress bar there; two live
    displays cannot share a terminal), the same plain line when piped.
    """
    if not sys.stderr.isatty():
        print(f"nanodds: {message}", file=sys.stderr, flush=True)
        yield
        return
    if not spinner:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield
