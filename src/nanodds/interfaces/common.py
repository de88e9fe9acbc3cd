"""Helpers shared by the command modules."""

from __future__ import annotations

import os
from pathlib import Path

from nanodds.errors import InputError


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
