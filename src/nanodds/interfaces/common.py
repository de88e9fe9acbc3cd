"""Helpers shared by the command modules."""

from __future__ import annotations

from pathlib import Path

from nanodds.errors import InputError


def output_dir(path: str, *, create: bool = True) -> Path:
    """The ``--out`` directory: refuse an existing file; create it (and parents) unless ``create`` is False.

    Commands check it before simulating (``create=False``) so that bad input leaves nothing behind.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError("out", path, "a directory path (not an existing file)")
    if create:
        out.mkdir(parents=True, exist_ok=True)
    return out
