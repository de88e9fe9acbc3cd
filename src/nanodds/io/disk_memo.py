"""Content-keyed disk caches of pure results (unit conversions, parsed packaged data files), so that a warm
command runs without importing pint (~0.2 s of every start-up) or re-parsing the data files.

Both live in nanodds' cache directory (:func:`nanodds.units.cache_dir`; ``NANODDS_CACHE_DIR=off`` disables them)
and are JSON (data, never code). Every key includes a fingerprint of what produced the values: pint's unit
definitions and version, and the source of the nanodds modules that compute them; a change to any of these
selects new files. A missing, unreadable or damaged cache file is ignored (the value is computed again), and an
unwritable directory only costs time: the caches can change how long a command takes, never its results.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import threading
from collections.abc import Callable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from nanodds.io.atomic import write_text

MEMO_MAX_ENTRIES = 4096
"""Bound on the unit-conversion memo (a sweep that rebuilds scenarios converts new values each time): a process
remembers at most this many new entries (memory stays bounded), and the file keeps the newest this many."""

_SOURCES = ("units.py", "specs/params.py", "specs/regimen.py", "io/yaml_safe.py", "io/disk_memo.py")
"""nanodds modules whose code decides the cached values (relative to the package): every module that memoises
through :data:`UNITS` or :func:`cached_tree` (``specs/regimen.py``: dose kinds and their units)."""


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """SHA-256 of pint's version and unit definitions and of the nanodds sources in :data:`_SOURCES`
    (read without importing pint)."""
    h = hashlib.sha256(b"nanodds-disk-memo-1\0")
    try:
        spec = find_spec("pint")
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without a spec
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        root = Path(folder)
        h.update(" ".join(sorted(p.name for p in root.parent.glob("pint-*.dist-info"))).encode())
        for name in ("default_en.txt", "constants_en.txt"):
            f = root / name
            h.update(f.read_bytes() if f.is_file() else b"-")
    package = Path(__file__).resolve().parents[1]
    for rel in _SOURCES:
        try:
            source = (package / rel).read_bytes()
        except OSError:  # installed without sources: the version stands for them
            from nanodds import __version__

            source = f"no source; nanodds {__version__}".encode()
        h.update(rel.encode() + b"\0" + source)
    return h.hexdigest()


def _folder(kind: str) -> Path | None:
    from nanodds.units import cache_dir

    base = cache_dir()
    return None if base is None else base / kind


class Memo:
    """A persistent ``str -> JSON value`` memo of pure functions, loaded on first use, written at exit when new
    entries were added (merged with what another process wrote meanwhile)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._data: dict[str, Any] | None = None
        self._file: Path | None = None  # where it was read from, and is written back to
        self._new: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _path(self) -> Path | None:
        folder = _folder(self.kind)
        return None if folder is None else folder / f"{fingerprint()}.json"

    @staticmethod
    def _read(path: Path | None) -> dict[str, Any]:
        if path is None:
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # missing, unreadable, cut or not JSON: start empty
            return {}
        return data if isinstance(data, dict) else {}

    def _loaded(self) -> dict[str, Any]:
        if self._data is None:
            self._file = self._path()
            self._data = self._read(self._file)
        return self._data

    def get(self, key: str, compute: Callable[[], Any], check: Callable[[Any], bool]) -> Any:
        """The memoised value of ``key`` if it passes ``check``, else ``compute()`` (remembered if caching is
        on; an exception of ``compute`` propagates and nothing is remembered)."""
        if _folder(self.kind) is None:
            return compute()
        with self._lock:
            data = self._loaded()
            if key in data and check(data[key]):
                return data[key]
        value = compute()
        with self._lock:
            if len(self._new) >= MEMO_MAX_ENTRIES:
                return value
            data[key] = value
            if not self._new:
                atexit.register(self.save)
            self._new[key] = value
        return value

    def save(self) -> None:
        """Write the memo with this process' new entries (oldest dropped beyond :data:`MEMO_MAX_ENTRIES`);
        any failure only loses the memo."""
        with self._lock:
            path = self._file
            if not self._new or path is None:
                return
            merged = self._read(path)
            for key, value in self._new.items():
                merged.pop(key, None)
                merged[key] = value
            keep = dict(list(merged.items())[-MEMO_MAX_ENTRIES:])
            try:
                write_text(path, json.dumps(keep, separators=(",", ":")), run_output=False)
            except (OSError, TypeError, ValueError):
                pass
            self._new = {}


UNITS = Memo("units")
"""Unit conversions done by pint (:mod:`nanodds.units`, :class:`nanodds.specs.params.Param`)."""


def is_float(value: Any) -> bool:
    """Check of a memoised conversion: a float (JSON keeps ``1.0`` a float)."""
    return type(value) is float


def memo_key(*parts: Any) -> str:
    """One memo key from text, numbers (``repr``: exact) and booleans, with their types."""
    return json.dumps([[type(p).__name__, p if isinstance(p, str) else repr(p)] for p in parts])


def cached_tree(relpath: str, data: bytes, compute: Callable[[], Any], encode: Callable[[Any], Any],
                decode: Callable[[Any], Any]) -> Any:
    """``compute()`` (the parsed and checked tree of a packaged data file whose bytes are ``data``), from the
    disk cache when this content was parsed before with the same code and pint.

    ``encode`` turns the tree into JSON-able data (or raises ``TypeError``: then it is not cached) and
    ``decode`` back; a damaged entry (``decode`` raises) is parsed again and replaced.
    """
    folder = _folder("data")
    if folder is None:
        return compute()
    key = hashlib.sha256(f"{fingerprint()}\0{relpath}\0".encode() + data).hexdigest()
    path = folder / f"{key}.json"
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        pass
    tree = compute()
    try:
        write_text(path, json.dumps(encode(tree), separators=(",", ":"), allow_nan=False), run_output=False)
    except (OSError, TypeError, ValueError):
        pass
    return tree
