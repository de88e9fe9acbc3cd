"""The compiled BDF kernel built ahead of time, for a process that solves once (``nanodds simulate``).

numba's import and first dispatch cost a fresh process more (~0.4 s) than scipy's whole BDF solve of an example,
so the one-shot command cannot use the JIT kernel (:mod:`nanodds.solve.bdf_kernel`). Here the very same Python
function, :func:`nanodds.solve.bdf_kernel.bdf_segment` (with the functions it calls), is compiled with
``numba.pycc`` into a CPython extension module that needs only numpy at run time. The module lives in nanodds'
cache directory (:func:`nanodds.units.cache_dir` / ``aot``), its name keyed by the content of the kernel's sources,
its signature, numpy's version and the interpreter's ABI, so any change of them builds a new one.

* :func:`load_kernel` imports it with the plain import machinery (no numba), or returns None when it is absent,
  fails to load or is disabled; the caller then solves with scipy's BDF, as before (never a different answer
  than one of the two cross-checked back-ends).
* :func:`build` compiles it (needs numba and a C compiler), checks it against the JIT kernel on a small
  saturable problem, and only then moves it into place (atomically). A failed build leaves a ``.failed`` note
  (its reason) so that it is not retried for the same key.
* :func:`start_background_build` launches ``python -m nanodds.solve.bdf_aot`` detached, once, when the module is
  missing: the first run takes scipy's path, later runs the compiled kernel. The module targets numba's
  generic CPU model of the architecture, so a cache shared between machines is safe.

``NANODDS_AOT`` (:data:`AOT_ENV`): ``auto`` (default) loads and builds in the background; ``load`` loads a built
module but never starts a build; ``off`` neither (scipy's BDF).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import sysconfig
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nanodds.units import CACHE_ENV, cache_dir

AOT_ENV = "NANODDS_AOT"
"""Environment variable: ``auto`` (default), ``load`` or ``off`` (see the module docstring)."""
MODES = ("auto", "load", "off")
SIGNATURE = ("i8(f8[:, ::1], i8[::1], i8[::1], f8[::1], f8[::1], f8[::1], f8[::1], i8[::1], i8[::1], i8[::1], "
             "i8[::1], i8[::1], i8[::1], i8[::1], i8[::1], f8[::1], f8, f8, f8[::1], f8, f8, i8, f8[:, ::1], "
             "i8[::1])")
"""numba signature of ``bdf_segment`` in the module: C-contiguous float64/int64 arrays (:func:`call` converts)."""
SOURCES = ("bdf_kernel.py", "newton_lu.py", "bdf_common.py", "numba_kernels.py")
"""Files of this package whose code is compiled into the module (their bytes are part of its key)."""
LOCK_STALE_S = 3600.0
"""A build lock older than this (s) is taken as left by a build that died; another build may start."""
_DTYPES = (float,) + (np.int64,) * 2 + (float,) * 4 + (np.int64,) * 8
"""dtypes of the read-only array arguments of ``bdf_segment`` (``K`` to the last LU array): converted by :func:`call`;
the arrays it writes (``z``, ``out``, ``stats``) are checked instead."""
log = logging.getLogger(__name__)


def mode() -> str:
    """The :data:`AOT_ENV` setting (unknown values count as ``off``, logged)."""
    value = os.environ.get(AOT_ENV, "auto").strip().lower() or "auto"
    if value not in MODES:
        log.warning("%s=%r is not one of %s: the ahead-of-time kernel is off", AOT_ENV, value, ", ".join(MODES))
        return "off"
    return value


@lru_cache(maxsize=1)
def module_name() -> str:
    """Name of the extension module: ``nanodds_bdf_`` and 20 hex digits of its key."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in SOURCES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for part in (SIGNATURE, np.__version__, sys.implementation.cache_tag, sysconfig.get_config_var("EXT_SUFFIX"),
                 sys.platform):
        h.update(str(part).encode() + b"\0")
    return "nanodds_bdf_" + h.hexdigest()[:20]


def module_path(folder: Path | None = None) -> Path | None:
    """Where the module is (or would be) built; None when nanodds' cache is off."""
    if folder is None:
        base = cache_dir()
        if base is None:
            return None
        folder = base / "aot"
    return folder / (module_name() + sysconfig.get_config_var("EXT_SUFFIX"))


@lru_cache(maxsize=4)
def load_kernel(path: Path | None = None) -> Any:
    """``bdf_segment`` of the built module (a C function taking :func:`call`'s arguments), or None.

    None when the module is absent, :data:`AOT_ENV` is ``off``, or the module fails to import (logged).
    """
    if mode() == "off":
        return None
    path = module_path() if path is None else path
    if path is None or not path.is_file():
        return None
    return _import_kernel(path)


def _import_kernel(path: Path) -> Any:
    """``bdf_segment`` of the extension module at ``path`` (plain import machinery), or None (logged)."""
    from importlib.util import module_from_spec, spec_from_file_location

    try:
        spec = spec_from_file_location(module_name(), path)
        assert spec is not None and spec.loader is not None
        mod = module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.bdf_segment
    except Exception as exc:  # a damaged or foreign file: scipy's path instead, never a crash
        log.warning("ahead-of-time BDF kernel %s did not load (%s): using scipy's BDF", path, exc)
        return None


def call(kernel: Any, *args: Any) -> int:
    """Call ``kernel`` (JIT or ahead-of-time ``bdf_segment``) with its arguments in the declared dtypes.

    The ahead-of-time module does not check its arguments' types (numba's dispatcher does, for the JIT kernel):
    every array is converted here to the C-contiguous float64/int64 array of :data:`SIGNATURE`; arrays that
    are written (``z``, ``out``, ``stats``) must already be so.
    """
    arrays = [np.ascontiguousarray(a, dtype=d) for a, d in zip(args[:15], _DTYPES, strict=True)]
    z, t0, t1, t_eval, rtol, atol, max_steps, out, stats = args[15:]
    for name, a, d in (("z", z, float), ("out", out, float), ("stats", stats, np.int64)):
        if a.dtype != d or not a.flags.c_contiguous:
            raise TypeError(f"bdf_segment: {name} must be a C-contiguous {np.dtype(d)} array")
    return int(kernel(*arrays, z, float(t0), float(t1), np.ascontiguousarray(t_eval, dtype=float),
                      float(rtol), float(atol), int(max_steps), out, stats))


def build(folder: Path | None = None) -> Path:
    """Compile the module into ``folder`` (default: the cache's ``aot``), check it, and return its path.

    Raises
    ------
    RuntimeError
        When numba.pycc or the C compiler fails, or the built module disagrees with the JIT kernel on the
        check problem; the reason is also written to ``<module>.failed``.
    """
    import shutil
    import tempfile
    import warnings

    path = module_path(folder)
    if path is None:
        raise RuntimeError(f"nanodds' cache is off ({CACHE_ENV}=off): nowhere to build the module")
    path.parent.mkdir(parents=True, exist_ok=True)
    failed = path.with_name(path.name + ".failed")
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=path.parent))
    try:
        if c_compiler() is None:  # before numba's ~10 s of code generation, which would be lost
            raise RuntimeError(f"no C compiler ({os.environ.get('CC') or sysconfig.get_config_var('CC')!r} is "
                               "not on PATH; set CC to one)")
        with warnings.catch_warnings():  # numba.pycc is pending deprecation in numba; its output is checked below
            warnings.simplefilter("ignore")
            from numba.pycc import CC

            from nanodds.solve import bdf_kernel

            cc = CC(module_name())
            cc.output_dir = str(tmp)
            cc.verbose = False
            cc.export("bdf_segment", SIGNATURE)(bdf_kernel.bdf_segment.py_func)
            cc.compile()
        built = tmp / path.name
        got = _import_kernel(built)
        if got is None:
            raise RuntimeError("the built module did not load")
        check_against_jit(got)
        os.replace(built, path)
    except Exception as exc:
        failed.write_text(f"{type(exc).__name__}: {exc}\n")
        raise RuntimeError(f"building the ahead-of-time BDF kernel failed: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed.unlink(missing_ok=True)
    load_kernel.cache_clear()
    return path


def c_compiler() -> str | None:
    """Path of the C compiler that ``numba.pycc`` will call (``CC``, else Python's build configuration), or None."""
    import shlex
    import shutil

    words = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    return shutil.which(words[0]) if words else None


def check_against_jit(kernel: Any) -> None:
    """Raise unless ``kernel`` gives the JIT kernel's states, bit for bit, on a small saturable problem."""
    from nanodds.solve.bdf_kernel import bdf_segment

    results = [_check_problem(k) for k in (kernel, bdf_segment)]
    if not all(np.array_equal(a, b) for a, b in zip(*results, strict=True)):
        raise RuntimeError("the ahead-of-time kernel differs from the JIT kernel on the check problem")


def _check_problem(kernel: Any) -> tuple[np.ndarray, ...]:
    """A three-state chain with one saturable transfer, 0-48 h, through ``kernel``: (status, end state, outputs)."""
    from nanodds.solve.bdf_common import OK, elimination_order

    K = np.array([[-1.5, 0.0, 0.0], [1.0, -0.2, 0.0], [0.5, 0.2, 0.0]])  # central -> MPS -> sink, 1/h
    ksat, cap = np.array([1.0]), np.array([0.3])  # saturable uptake of the central state, 1/h and mg
    src, dst, pc = (np.array([i], dtype=np.int64) for i in (0, 1, 1))
    pattern = (K != 0) | np.eye(3, dtype=bool)
    pattern[[0, 1], 1] = True
    nz = K != 0
    kp = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64)
    z = np.zeros(9)
    z[0] = 2.0  # mg
    t_eval = np.linspace(0.0, 47.0, 48)
    out = np.empty((48, 9))
    stats = np.zeros(3, dtype=np.int64)
    status = call(kernel, K, kp, np.nonzero(nz)[1], K[nz], np.zeros(3), ksat, cap, src, dst, pc,
                  *elimination_order(pattern), z, 0.0, 48.0, t_eval, 1e-10, 1e-14, 100_000, out, stats)
    if status != OK:
        raise RuntimeError(f"check problem: status {status}")
    return np.array([status]), z, out, stats


def start_background_build() -> bool:
    """Launch a detached build of the module when it is missing and may be built; True when one was launched.

    Nothing happens when :data:`AOT_ENV` is not ``auto``, the cache is off, the module exists, an earlier build
    for the same key failed (``.failed``), or another build holds the lock (younger than :data:`LOCK_STALE_S`).
    """
    path = module_path()
    if mode() != "auto" or path is None or path.is_file():
        return False
    failed = path.with_name(path.name + ".failed")
    lock = path.with_name(path.name + ".lock")
    if failed.is_file():
        log.info("the ahead-of-time BDF kernel is not built (%s): using scipy's BDF", failed.read_text().strip())
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if lock.is_file() and time.time() - lock.stat().st_mtime > LOCK_STALE_S:
            lock.unlink(missing_ok=True)
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError:  # another build runs, or the cache is not writable
        return False
    import subprocess

    # the child imports this very nanodds (same sources, same key), wherever the parent found it
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    with os.fdopen(fd, "w") as fh, open(path.with_name(path.name + ".log"), "w") as err:
        fh.write(str(os.getpid()))
        subprocess.Popen([sys.executable, "-m", __name__, "--lock", str(lock)], stdin=subprocess.DEVNULL,
                         stdout=err, stderr=err, env=env, start_new_session=True, close_fds=True)
    log.info("building the ahead-of-time BDF kernel in the background: this run uses scipy's BDF")
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m nanodds.solve.bdf_aot [--force] [--lock FILE]``: build the module now unless it is built and
    loads (``--force``: in any case); the lock file is removed at the end."""
    argv = sys.argv[1:] if argv is None else argv
    lock = Path(argv[argv.index("--lock") + 1]) if "--lock" in argv else None
    try:
        path = module_path()
        if "--force" not in argv and path is not None and path.is_file() and _import_kernel(path) is not None:
            print(path)
            return 0
        print(build())
        return 0
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        if lock is not None:
            lock.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
