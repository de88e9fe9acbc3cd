"""README command lines that read shipped example data run exactly as written (only ``--out`` is redirected)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nanodds.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Backticked command lines of the README that name a shipped data file (examples/*.csv).
DATA_LINES = sorted(set(re.findall(r"`(nanodds [^`]*examples/[^`]*\.csv[^`]*)`", README)))


def test_release_lines_use_shipped_data():
    assert any(line.startswith("nanodds release fit ") for line in DATA_LINES), DATA_LINES
    assert any(line.startswith("nanodds release compare ") for line in DATA_LINES), DATA_LINES


@pytest.mark.parametrize("line", DATA_LINES)
def test_readme_data_line_runs(line, tmp_path, monkeypatch):
    argv = shlex.split(line)[1:]
    assert "--out" in argv, f"README line without --out: {line}"
    argv[argv.index("--out") + 1] = str(tmp_path / "out")
    monkeypatch.chdir(ROOT)
    assert main(argv) == 0
    assert any((tmp_path / "out").iterdir())
