"""A command line imports only its own command's module; the command map matches what the modules register."""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nanodds.interfaces.cli import COMMAND_MODULES, COMMANDS, _Parser, build_parser


def _registered(module: str) -> set[str]:
    parser = _Parser(prog="nanodds")
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).register(sub)
    return set(sub.choices)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_command_map_matches_registration(module: str) -> None:
    assert _registered(module) == {c for c, m in COMMANDS.items() if m == module}


def test_full_parser_lists_every_command() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)
    assert set(COMMANDS.values()) == set(COMMAND_MODULES)


def test_simulate_parser_does_not_import_other_commands() -> None:
    code = ("import sys; from nanodds.interfaces.cli import build_parser; build_parser('simulate'); "
            "print(sorted(m for m in ('nanodds.interfaces.cli_release', 'nanodds.release.fit_stats', "
            "'nanodds.interfaces.cli_population', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_simulate_run_imports_no_dataframe_or_dask_stack(tmp_path) -> None:
    """A whole ``simulate --no-plots`` run: the CSV and netCDF are written without pandas/xarray (and so without
    dask/distributed), pint is imported without its dask probe, and --no-plots needs no matplotlib."""
    heavy = ("pandas", "xarray", "dask", "distributed", "matplotlib")
    code = ("import sys; from nanodds.interfaces.cli import main; "
            f"rc = main(['simulate', 'examples/doxil_vs_doxorubicin_human.yaml', '--no-plots', '--out', "
            f"{str(tmp_path / 'out')!r}]); "
            f"print(rc, sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip().splitlines()[-1] == "0 []"
    assert (tmp_path / "out" / "timecourse.nc").is_file() and (tmp_path / "out" / "timecourse.csv").is_file()


def _simulate(out: Path, cache: str, scenario: str = "examples/doxorubicin_doxil_human.yaml") -> list[str]:
    """Run ``simulate --no-plots`` in a fresh interpreter; the heavy modules it imported."""
    heavy = ("pint", "numba", "pandas", "xarray", "matplotlib", "scipy.stats", "scipy.optimize")
    code = ("import sys; from nanodds.interfaces.cli import main; "
            f"rc = main(['simulate', {scenario!r}, '--no-plots', '--out', {str(out)!r}]); "
            f"print(rc, *sorted(m for m in {heavy!r} if m in sys.modules))")
    env = {**os.environ, "NANODDS_CACHE_DIR": cache}
    out_text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                              cwd=Path(__file__).resolve().parents[2]).stdout
    rc, *mods = out_text.strip().splitlines()[-1].split()
    assert rc == "0"
    return mods


def test_warm_simulate_needs_no_pint_and_writes_the_same_bytes(tmp_path) -> None:
    """With the conversions and data files memoised (a second run), ``simulate --no-plots`` imports no pint; a
    linear scenario (exact solver) imports no numba, scipy.integrate or scipy.optimize either; the files are those
    of a run without any cache."""
    for scenario, stiff in (("examples/doxorubicin_doxil_human.yaml", True),
                            ("examples/design_peg_liposome_mouse.yaml", False)):
        cache = str(tmp_path / "cache")
        out = tmp_path / Path(scenario).stem
        assert "pint" in _simulate(out / "cold", cache, scenario)
        warm = _simulate(out / "warm", cache, scenario)
        assert not {"pint", "pandas", "xarray", "matplotlib", "scipy.stats"} & set(warm)
        if not stiff:
            assert warm == []
        _simulate(out / "off", "off", scenario)
        for name in ("metrics.json", "timecourse.csv", "timecourse.nc"):
            want = (out / "off" / name).read_bytes()
            assert (out / "cold" / name).read_bytes() == want and (out / "warm" / name).read_bytes() == want


def test_scenario_and_model_import_no_ode_integrator() -> None:
    """Loading a scenario and building its model imports no scipy.integrate (~0.3 s with scipy.optimize): only
    the stiff solver and the magnetic particle paths integrate, and they import it where they do."""
    code = ("import sys; from nanodds.specs.scenario import load_scenario; from nanodds.engine import build; "
            "build(load_scenario('examples/doxorubicin_doxil_human.yaml')); "
            "print([m for m in ('scipy.integrate', 'scipy.optimize', 'numba') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip().splitlines()[-1] == "[]"
