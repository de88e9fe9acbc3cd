"""The compiled BDF built ahead of time (``nanodds.solve.bdf_aot``): same results as the JIT kernel, the fallback
to scipy's BDF when it cannot be built or loaded, and a one-shot ``simulate`` that imports neither numba nor
scipy.integrate when it is built.

Contract, stated before the results: the ahead-of-time module is the JIT kernel's Python source compiled another
way (neither with fast-math, so no reordering of floating-point operations), so its states, integrals and AUMC
equal the JIT kernel's bit for bit (the build itself refuses a module that differs on its check problem), and so
stay within the JIT kernel's cross-checks against scipy (tests/solve/test_stiff_compiled.py); without it the
one-shot method is scipy's BDF exactly (same arrays as ``method="BDF"``) and says so in ``Solution.method``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nanodds.engine import build as build_model
from nanodds.engine import output_grid
from nanodds.solve import bdf_aot
from nanodds.solve.stiff import AHEAD_OF_TIME, solve_stiff
from nanodds.specs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("doxorubicin_doxil_human", "doxil_vs_doxorubicin_mouse_4t1")


@pytest.fixture(scope="module")
def aot_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A nanodds cache directory holding a freshly built ahead-of-time module (one build for this file)."""
    cache = tmp_path_factory.mktemp("cache")
    bdf_aot.build(cache / "aot")
    return cache


@pytest.fixture
def use_cache(monkeypatch: pytest.MonkeyPatch):
    """Point nanodds' cache at a folder for this test (the loader's memo is cleared before and after)."""
    def use(cache: Path, mode: str = "load") -> None:
        monkeypatch.setenv("NANODDS_CACHE_DIR", str(cache))
        monkeypatch.setenv(bdf_aot.AOT_ENV, mode)
        bdf_aot.load_kernel.cache_clear()

    yield use
    bdf_aot.load_kernel.cache_clear()


@pytest.mark.parametrize("name", EXAMPLES)
def test_ahead_of_time_kernel_matches_the_jit_kernel(name: str, aot_cache: Path, use_cache) -> None:
    use_cache(aot_cache)
    scn = load_scenario(ROOT / "examples" / f"{name}.yaml")
    model, grid = build_model(scn), output_grid(scn)
    aot = solve_stiff(model, scn.regimen.events, grid, method=AHEAD_OF_TIME)
    jit = solve_stiff(model, scn.regimen.events, grid)
    assert aot.method == "stiff-bdf-aot" and jit.method == "stiff-bdf-numba"
    for got, want in ((aot.y, jit.y), (aot.cum_int, jit.cum_int), (aot.aumc, jit.aumc),
                      (aot.tail_int, jit.tail_int)):
        np.testing.assert_array_equal(got, want)
    assert max(aot.mass_balance_rel_error().values()) <= 1e-9


def test_one_shot_simulate_with_the_module_imports_no_numba_and_no_scipy_integrate(aot_cache: Path,
                                                                                   tmp_path: Path) -> None:
    scenario = ROOT / "examples" / "doxorubicin_doxil_human.yaml"
    code = ("import sys; from nanodds.interfaces.cli import main; "
            f"rc = main(['simulate', {str(scenario)!r}, '--no-plots', '--out', {str(tmp_path / 'out')!r}]); "
            "print(rc, *sorted(m for m in ('numba', 'scipy.integrate', 'scipy.optimize') if m in sys.modules))")
    env = {**os.environ, "NANODDS_CACHE_DIR": str(aot_cache), bdf_aot.AOT_ENV: "load"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip().splitlines()[-1] == "0", done.stdout + done.stderr
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["solver"] == "stiff-bdf-aot"


def test_without_a_compiler_the_build_fails_cleanly_and_scipy_solves(tmp_path: Path, use_cache,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No C compiler: the build fails at once with the reason, leaves no module and a ``.failed`` note, no
    background build is started for that key again, and the one-shot method is scipy's BDF, exactly."""
    use_cache(tmp_path, mode="auto")
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    with pytest.raises(RuntimeError, match="no C compiler"):
        bdf_aot.build()
    path = bdf_aot.module_path()
    assert not path.exists() and "no C compiler" in path.with_name(path.name + ".failed").read_text()
    launched = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: launched.append(a))
    assert bdf_aot.start_background_build() is False and launched == []
    scn = load_scenario(ROOT / "examples" / "doxorubicin_doxil_human.yaml")
    model, grid = build_model(scn), output_grid(scn)
    sol = solve_stiff(model, scn.regimen.events, grid, method=AHEAD_OF_TIME)
    ref = solve_stiff(model, scn.regimen.events, grid, method="BDF")
    assert sol.method == "stiff-bdf"
    np.testing.assert_array_equal(sol.y, ref.y)
    np.testing.assert_array_equal(sol.cum_int, ref.cum_int)


def test_a_damaged_module_is_not_used(tmp_path: Path, use_cache, caplog: pytest.LogCaptureFixture) -> None:
    use_cache(tmp_path)
    path = bdf_aot.module_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a shared library")
    assert bdf_aot.load_kernel() is None
    assert "did not load" in caplog.text


def test_background_build_is_launched_once_and_only_in_auto_mode(tmp_path: Path, use_cache,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    launched, envs = [], []
    monkeypatch.setattr(subprocess, "Popen", lambda args, **k: (launched.append(args), envs.append(k["env"])))
    for mode in ("load", "off"):
        use_cache(tmp_path, mode=mode)
        assert bdf_aot.start_background_build() is False
    use_cache(tmp_path, mode="auto")
    assert bdf_aot.start_background_build() is True
    assert bdf_aot.start_background_build() is False  # the first build holds the lock
    assert len(launched) == 1 and launched[0][1:3] == ["-m", "nanodds.solve.bdf_aot"]
    import nanodds

    # the child builds from these very sources (their hash names the module), not from another nanodds on its path
    assert envs[0]["PYTHONPATH"].split(os.pathsep)[0] == str(Path(nanodds.__file__).resolve().parents[1])
    lock = Path(launched[0][-1])
    assert lock.is_file()
    monkeypatch.setattr(bdf_aot, "build", lambda: (_ for _ in ()).throw(RuntimeError("no compiler")))
    assert bdf_aot.main(["--lock", str(lock)]) == 1 and not lock.exists()  # the build's end frees the lock


def test_cache_off_or_aot_off_means_scipy(tmp_path: Path, use_cache, aot_cache: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    use_cache(aot_cache, mode="off")
    assert bdf_aot.load_kernel() is None
    use_cache(aot_cache, mode="load")
    monkeypatch.setenv("NANODDS_CACHE_DIR", "off")
    assert bdf_aot.module_path() is None and bdf_aot.load_kernel() is None


def test_kernel_arguments_are_checked(aot_cache: Path, use_cache) -> None:
    """The ahead-of-time module does not check dtypes itself: ``call`` converts inputs and refuses outputs it
    cannot write in place."""
    use_cache(aot_cache)
    kernel = bdf_aot.load_kernel()
    assert kernel is not None
    bdf_aot.check_against_jit(kernel)
    z = np.zeros((9, 2))[:, 0]  # not contiguous
    with pytest.raises(TypeError, match="z must be"):
        bdf_aot.call(kernel, *([np.zeros(1)] * 15), z, 0.0, 1.0, np.zeros(0), 1e-10, 1e-14, 10, np.zeros((0, 9)),
                     np.zeros(3, dtype=np.int64))


def test_build_command_keeps_a_module_that_loads(aot_cache: Path, use_cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m nanodds.solve.bdf_aot`` with the module built does not rebuild it, whatever ``NANODDS_AOT``
    says (with ``off`` a rebuild once failed its own load check and left a ``.failed`` note)."""
    monkeypatch.setattr(bdf_aot, "build", lambda: (_ for _ in ()).throw(AssertionError("rebuilt")))
    for mode in ("off", "load"):
        use_cache(aot_cache, mode=mode)
        assert bdf_aot.main([]) == 0
    path = bdf_aot.module_path()
    assert path.is_file() and not path.with_name(path.name + ".failed").exists()
