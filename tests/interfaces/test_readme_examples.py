"""README command lines that read shipped example data run exactly as written (only ``--out`` is redirected)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nanodds.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Backticked command lines of the README that name shipped example files (examples/...) and write a run.
DATA_LINES = sorted(set(re.findall(r"`(nanodds [^`]*examples/[^`]*--out [^`]*)`", README)))


def test_release_lines_use_shipped_data():
    assert any(line.startswith("nanodds release fit ") for line in DATA_LINES), DATA_LINES
    assert any(line.startswith("nanodds release compare ") for line in DATA_LINES), DATA_LINES


@pytest.mark.parametrize(("command", "data"), [
    ("nanodds fit ", "examples/doxil_label_plasma_human.csv"),
    ("nanodds sensitivity ", "--params examples/sensitivity_params_mouse_liposome.yaml"),
])
def test_every_command_that_reads_data_has_a_shipped_example_line(command, data):
    assert any(line.startswith(command) and data in line for line in DATA_LINES), DATA_LINES


def test_multi_arm_compare_line_is_in_the_readme():
    arms = [line for line in DATA_LINES if line.startswith("nanodds compare ") and line.count("examples/") >= 3]
    assert arms, DATA_LINES


@pytest.mark.parametrize("line", DATA_LINES)
def test_readme_data_line_runs(line, tmp_path, monkeypatch):
    argv = shlex.split(line)[1:]
    assert "--out" in argv, f"README line without --out: {line}"
    argv[argv.index("--out") + 1] = str(tmp_path / "out")
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    assert any((tmp_path / "out").iterdir())
