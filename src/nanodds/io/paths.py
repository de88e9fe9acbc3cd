"""Checks of output paths before anything is written: one-line :class:`~nanodds.errors.InputError` s."""

from __future__ import annotations

import os
from pathlib import Path

from nanodds.errors import InputError

__all__ = ["check_writable_path"]


def check_writable_path(path: Path, field: str, what: str = "a path") -> None:
    """Refuse a path that cannot be created: a file as a parent, a too-long name, an unwritable ancestor."""
    anc = path.absolute()
    missing: list[str] = []
    while not os.path.exists(anc):  # os.path: False (not an exception) for a too-long name
        missing.append(anc.name)
        if anc.parent == anc:
            break
        anc = anc.parent
    if os.path.exists(anc) and not os.path.isdir(anc):
        raise InputError(field, str(path), f"{what} inside a directory ({anc} is a file)")
    try:
        name_max = os.pathconf(anc, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = None
    if name_max and any(len(os.fsencode(n)) > name_max for n in missing):
        raise InputError(field, str(path), f"{what} whose names have at most {name_max} bytes (the file "
                                           "system's limit)")
    target = path if os.path.exists(path) else anc
    if not os.access(target, os.W_OK | os.X_OK):
        raise InputError(field, str(path), f"{what} you may write to ({target} is not writable)")
