"""A command's ``--out`` folder: exclusive lock, atomic files, a manifest written last, cleanup on failure.

Every command that writes into ``--out`` runs inside ``with RunFolder(...)`` (the CLI commands through
:func:`run_folder`). While it is open:

* the folder is created if missing and locked (``fcntl.flock`` on ``DIR/.nanodds.lock``, non-blocking): a
  second run into the same folder at the same time is refused with one line (:class:`InputError`, exit 2);
* temporary files left in the folder by a killed run (``*.nanodds-tmp*``) are removed;
* every file written through :mod:`nanodds.io.atomic` is recorded. Just before the first one is written, an
  existing ``manifest.json`` is removed, so a folder whose re-run is interrupted is never marked complete (a
  run that fails before writing anything leaves a previous run's folder as it was);
* on success ``manifest.json`` is written last (atomically): nanodds version, command and arguments, SHA-256 of
  every input file, UTC start and end times, each file this run wrote with its SHA-256 and size, and
  ``"complete": true``;
* on failure (any exception, including Ctrl-C) the files this run wrote are removed (except those written
  with ``keep_on_failure``, e.g. population chunks a re-run resumes from), then the folders it created, if
  empty (so a failed run into a new folder leaves no folder).

Files already in the folder that this run did not write (e.g. plots of an earlier run made without
``--no-plots``) are left alone: they may be the user's. The manifest lists them under ``not_from_this_run``
(path only, no hash), so it vouches only for what this run produced. A ``SIGKILL`` cannot be cleaned up
after: files under their final names are still complete (atomic rename) and no manifest says complete.
The lock file is removed when the run ends; POSIX only (``fcntl``).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nanodds.errors import InputError
from nanodds.io.atomic import ACTIVE, TMP_MARK, file_sha256, write_json
from nanodds.io.paths import check_writable_path

__all__ = ["LOCK_NAME", "MANIFEST_NAME", "RunFolder", "run_folder"]

LOCK_NAME = ".nanodds.lock"
MANIFEST_NAME = "manifest.json"
MAX_LISTED = 1000
"""At most this many files are listed under ``not_from_this_run`` (an --out pointed at a large folder)."""


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _jsonable_args(args: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if not callable(v)}


class RunFolder:
    """Context manager owning one run's ``--out`` folder (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The output folder (created, with its parents, if missing).
    command : str
        Command name recorded in the manifest, e.g. ``"simulate"``.
    arguments : mapping
        Arguments recorded in the manifest (JSON-able values; callables are dropped).
    inputs : mapping
        ``{argument name: file path}`` of the input files to hash (None values are skipped).
    field : str
        Name of the output argument in error messages (default ``"--out"``).
    """

    def __init__(self, path: str | Path, command: str, arguments: Mapping[str, Any] | None = None,
                 inputs: Mapping[str, str | Path | None] | None = None, field: str = "--out") -> None:
        self.path = Path(path)
        self.command = command
        self.arguments = _jsonable_args(arguments or {})
        self.inputs = {k: Path(v) for k, v in (inputs or {}).items() if v is not None}
        self.field = field
        self._fd: int | None = None
        self._created: list[Path] = []
        self._written: dict[Path, bool] = {}
        self._started = ""
        self._token: Any = None
        self._stale_cleared = False

    # -- recorder interface used by nanodds.io.atomic ------------------------------------------------------
    def made_dir(self, path: Path) -> None:
        """Remember a directory this run created (removed on failure when empty)."""
        self._created.append(path)

    def before_write(self) -> None:
        """Remove a previous run's manifest before this run changes anything."""
        if not self._stale_cleared:
            (self.path / MANIFEST_NAME).unlink(missing_ok=True)
            self._stale_cleared = True

    def wrote(self, path: Path, keep_on_failure: bool = False) -> None:
        """Record a file this run wrote (its hash goes into the manifest)."""
        self._written[Path(path).resolve()] = keep_on_failure

    # -- context manager -----------------------------------------------------------------------------------
    def __enter__(self) -> RunFolder:
        check_writable_path(self.path, self.field, "a directory path")  # too-long name, file as parent, ...
        if self.path.exists() and not self.path.is_dir():
            raise InputError(self.field, str(self.path), "a directory path (not an existing file)")
        missing = []
        d = self.path
        while not d.exists():
            missing.append(d)
            d = d.parent
        self.path.mkdir(parents=True, exist_ok=True)
        self._created = list(reversed(missing))
        try:
            self._fd = self._lock()
        except BaseException:
            self._remove_created_dirs()
            raise
        self._started = _utc_now()
        self._remove_stale_temporaries()
        self._token = ACTIVE.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        ACTIVE.reset(self._token)
        try:
            if exc_type is None:
                try:
                    self._write_manifest()
                except BaseException:  # e.g. the disk filled up on the manifest itself
                    self._clean_up()
                    raise
            else:
                self._clean_up()
        finally:
            self._unlock()

    # -- lock ----------------------------------------------------------------------------------------------
    def _lock(self) -> int:
        lock = self.path / LOCK_NAME
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise InputError(self.field, str(self.path), f"a folder no other nanodds run is using (another "
                                 f"run holds its {LOCK_NAME}: wait for it or choose another folder)") from None
            # the previous holder unlinks the lock file before releasing it: make sure we locked the live file
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
            os.close(fd)

    def _unlock(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            (self.path / LOCK_NAME).unlink()
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
        self._remove_created_dirs()  # only those left empty (a failed run into a new folder)

    # -- end of run ----------------------------------------------------------------------------------------
    def _remove_stale_temporaries(self) -> None:
        for p in self.path.rglob(f".*{TMP_MARK}*"):
            if p.is_file():
                p.unlink(missing_ok=True)

    def _others(self) -> list[str]:
        mine = set(self._written)
        out = []
        for p in sorted(self.path.rglob("*")):
            rel = p.relative_to(self.path).as_posix()
            if p.is_file() and p.resolve() not in mine and rel not in (LOCK_NAME, MANIFEST_NAME):
                if len(out) == MAX_LISTED:
                    out.append("... (more files not listed)")
                    break
                out.append(rel)
        return out

    def _write_manifest(self) -> None:
        import nanodds

        self.before_write()
        files = {}
        for p in sorted(self._written):
            if p.is_file():
                files[p.relative_to(self.path.resolve()).as_posix()] = {"sha256": file_sha256(p),
                                                                       "bytes": p.stat().st_size}
        manifest = {
            "nanodds_version": nanodds.__version__, "command": self.command, "arguments": self.arguments,
            "inputs": {k: {"path": str(v), "sha256": file_sha256(v) if v.is_file() else None}
                       for k, v in self.inputs.items()},
            "started_utc": self._started, "finished_utc": _utc_now(),
            "files": files, "not_from_this_run": self._others(), "complete": True,
        }
        token = ACTIVE.set(None)  # the manifest does not list itself
        try:
            write_json(self.path / MANIFEST_NAME, manifest)
        finally:
            ACTIVE.reset(token)

    def _clean_up(self) -> None:
        for p, keep in self._written.items():
            if not keep:
                p.unlink(missing_ok=True)

    def _remove_created_dirs(self) -> None:
        for d in sorted(self._created, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty
        self._created = [d for d in self._created if d.exists()]


def _command_name(args: Any) -> str:
    parts = [getattr(args, "command", None)]
    parts += [getattr(args, k, None) for k in ("release_command", "catalog_command")]
    return " ".join(str(p) for p in parts if p)


def run_folder(inputs: Iterable[str] = ("scenario",),
               data_files: Callable[[Any], Mapping[str, str | Path | None]] | None = None) -> Callable:
    """Decorator for a ``cmd_*(args)`` function: run it inside ``RunFolder(args.out, ...)``.

    ``inputs`` names the attributes of ``args`` holding input file paths (hashed into the manifest when they
    name files); ``data_files(args)`` may add packaged data files the command reads (e.g. a catalogue entry).
    """
    names = tuple(inputs)

    def deco(func: Callable[[Any], int]) -> Callable[[Any], int]:
        @functools.wraps(func)
        def wrapper(args: Any) -> int:
            files: dict[str, str | Path | None] = {k: getattr(args, k, None) for k in names}
            files = {k: v for k, v in files.items() if v is not None and Path(v).is_file()}
            if data_files is not None:
                files.update(data_files(args))
            with RunFolder(args.out, _command_name(args), vars(args), files):
                return func(args)

        return wrapper

    return deco

