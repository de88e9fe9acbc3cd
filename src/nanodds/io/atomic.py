"""Atomic file writers: every output goes to a temporary name in its final directory, then ``os.replace``.

A reader (or a later run) therefore sees either the previous complete file or the new complete file, never a
truncated one, whatever happens to the writing process (exception, full disk, ``SIGKILL``). Each writer

1. creates missing parent directories (and tells the active :class:`~nanodds.io.runfolder.RunFolder`, which
   removes the ones it created if the run fails),
2. writes to ``.<name>.<random>.nanodds-tmp<suffix>`` beside the final file (same file system, so the rename
   is atomic; the suffix is kept so that libraries choosing a format by extension still do),
3. flushes the data to disk (``os.fsync`` of the file), renames it over the final name and fsyncs the
   directory so the rename itself survives a power cut,
4. reports the final path to the active run folder (which records its SHA-256 and size in ``manifest.json``).

On any error the temporary file is removed and the error propagates; the final name is untouched.
Temporary files left by a killed process are hidden (dot) files matching :data:`TMP_MARK`; the next run
into the folder removes them (see :class:`~nanodds.io.runfolder.RunFolder`).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

__all__ = ["TMP_MARK", "atomic_write", "safe_stems", "save_figure", "write_bytes", "write_csv", "write_json",
           "write_netcdf", "write_parquet", "write_text"]

TMP_MARK = ".nanodds-tmp"
"""Part of every temporary file name (``.<name>.<random>.nanodds-tmp<suffix>``)."""


class _Recorder(Protocol):
    def before_write(self) -> None: ...

    def made_dir(self, path: Path) -> None: ...

    def wrote(self, path: Path, keep_on_failure: bool) -> None: ...


#: the run folder receiving the paths written in this context (set by RunFolder.__enter__)
ACTIVE: contextvars.ContextVar[_Recorder | None] = contextvars.ContextVar("nanodds_run_folder", default=None)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory file descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def _make_parents(directory: Path, rec: _Recorder | None) -> None:
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    directory.mkdir(parents=True, exist_ok=True)
    if rec is not None:
        for m in reversed(missing):
            rec.made_dir(m)


def atomic_write(path: str | Path, write: Callable[[Path], Any], *, keep_on_failure: bool = False,
                 run_output: bool = True) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` atomically; returns ``path``.

    Parameters
    ----------
    path : str or Path
        Final file name.
    write : callable
        Writes the complete file to the temporary path it is given (e.g. ``lambda p: df.to_csv(p)``).
    keep_on_failure : bool
        Keep this file when the enclosing run fails (population chunks a re-run resumes from).
    run_output : bool
        ``False`` for files that are not outputs of the active run (nanodds' own disk caches): they are neither
        recorded in its manifest nor removed when it fails.
    """
    final = Path(path)
    rec = ACTIVE.get() if run_output else None
    if rec is not None:
        rec.before_write()
    _make_parents(final.parent, rec)
    tmp = final.with_name(f".{final.stem}.{secrets.token_hex(4)}{TMP_MARK}{final.suffix}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)
    if rec is not None:
        rec.wrote(final, keep_on_failure)
    return final


def write_bytes(path: str | Path, data: bytes, **kw: Any) -> Path:
    """Write ``data`` atomically."""
    return atomic_write(path, lambda p: p.write_bytes(data), **kw)


def write_text(path: str | Path, text: str, **kw: Any) -> Path:
    """Write ``text`` (UTF-8) atomically: JSON, CSV, Markdown, SBML XML, HTML."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), **kw)


def write_json(path: str | Path, obj: Any, **kw: Any) -> Path:
    """Write ``obj`` as indented, strictly valid JSON (NaN and infinities become ``null``) atomically."""
    from nanodds.io.outputs import to_jsonable

    return write_text(path, json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n", **kw)


def write_csv(path: str | Path, df: Any, **kw: Any) -> Path:
    """Write a DataFrame as CSV (no index) atomically."""
    return atomic_write(path, lambda p: df.to_csv(p, index=False), **kw)


def write_parquet(path: str | Path, df: Any, **kw: Any) -> Path:
    """Write a DataFrame as Parquet (no index) atomically."""
    return atomic_write(path, lambda p: df.to_parquet(p, index=False), **kw)


def write_netcdf(path: str | Path, ds: Any, **kw: Any) -> Path:
    """Write an xarray Dataset as netCDF3 (scipy engine, 64-bit offsets) atomically."""
    return atomic_write(path, lambda p: ds.to_netcdf(p, engine="scipy", format="NETCDF3_64BIT"), **kw)


def write_timecourse_nc(path: str | Path, sol: Any, **kw: Any) -> Path:
    """Write a solution's time course as netCDF3 atomically, without xarray (:mod:`nanodds.io.netcdf`; xarray
    reads it back as :func:`nanodds.io.outputs.to_xarray` of the solution)."""
    from nanodds.io.netcdf import write_timecourse_netcdf

    return atomic_write(path, lambda p: write_timecourse_netcdf(p, sol), **kw)


def save_figure(fig: Any, path: str | Path, dpi: int = 110, **kw: Any) -> Path:
    """Save a matplotlib figure atomically (format from the final suffix, e.g. png, svg, pdf)."""
    final = Path(path)
    fmt = final.suffix.lstrip(".") or "png"
    return atomic_write(final, lambda p: fig.savefig(p, dpi=dpi, format=fmt), **kw)


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _sanitise(name: str) -> str:
    s = _UNSAFE.sub("_", name).strip("._") or "unnamed"
    return s[:80]


def safe_stems(names: Iterable[str]) -> dict[str, str]:
    """File-name stems for names taken from data (profiles, payload labels, arms); never two alike.

    Each name is sanitised (runs of characters outside ``A-Za-z0-9_.-`` become ``_``; leading/trailing dots and
    underscores dropped; at most 80 characters). Names whose stems collide, compared case-insensitively (as on
    case-insensitive file systems), all get ``-`` plus the first 8 hex digits of the SHA-256 of the original
    name, so the result depends only on the set of names, not on their order.

    Returns
    -------
    dict
        ``{name: stem}`` for each distinct name.
    """
    uniq = list(dict.fromkeys(str(n) for n in names))
    stem = {n: _sanitise(n) for n in uniq}
    groups: dict[str, list[str]] = {}
    for n, s in stem.items():
        groups.setdefault(s.casefold(), []).append(n)
    for members in groups.values():
        if len(members) > 1:
            for n in members:
                stem[n] = f"{stem[n]}-{hashlib.sha256(n.encode()).hexdigest()[:8]}"
    if len({s.casefold() for s in stem.values()}) != len(stem):  # pragma: no cover - a SHA-256 prefix clash
        raise ValueError(f"file names of {uniq} collide after de-duplication")
    return stem
