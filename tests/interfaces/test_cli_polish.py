"""Issue #14 polish: progress lines when stderr is piped, and scenario kinds that name the right command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nanodds.interfaces.cli import main
from nanodds.specs.scenario_kind import scenario_kind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORAL = EXAMPLES / "oral_nanosuspension_vs_coarse.yaml"
COMBINATION = EXAMPLES / "vyxeos_combination_human.yaml"
SINGLE = EXAMPLES / "doxil_vs_doxorubicin_mouse_4t1.yaml"

FAST = {
    "name": "fast progress test",
    "species": "human",
    "subject": {"body_weight": "70 kg", "height": "170 cm"},
    "drug": "doxorubicin",
    "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
    "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
    "simulation": {"duration": "24 h", "points": 49, "saturable": False},
}


def _fast_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(yaml.safe_dump(FAST))
    return path


def test_piped_stderr_shows_one_plain_line_per_step(tmp_path, capsys):
    """Under pytest stderr is not a terminal: each step prints ``nanodds: ...`` (no spinner, no escapes)."""
    assert main(["simulate", str(_fast_scenario(tmp_path)), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "nanodds: simulating fast progress test..." in err
    assert "nanodds: writing outputs..." in err
    assert not any("\x1b" in line for line in err)


def test_progress_lines_reach_a_pipe_from_a_real_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "nanodds.interfaces.cli", "simulate", str(_fast_scenario(tmp_path)),
         "--out", str(tmp_path / "o"), "--no-plots"],
        capture_output=True, text=True, env=dict(os.environ), check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[:2] == ["nanodds: simulating fast progress test...",
                                            "nanodds: writing outputs..."]
    assert "nanodds:" not in proc.stdout  # progress never pollutes stdout


@pytest.mark.parametrize(("path", "kind"), [(ORAL, "oral"), (COMBINATION, "combination"), (SINGLE, "single")])
def test_shipped_examples_have_the_expected_kind(path, kind):
    assert scenario_kind(yaml.safe_load(path.read_text())) == kind


@pytest.mark.parametrize(("command", "path", "expected"), [
    ("simulate", ORAL, "this is an oral scenario: use `nanodds oral {}`"),
    ("compare", ORAL, "this is an oral scenario: use `nanodds oral {}`"),
    ("simulate", COMBINATION, "this is a combination scenario: use `nanodds combination {}`"),
    ("oral", COMBINATION, "this is a combination scenario: use `nanodds combination {}`"),
    ("oral", SINGLE, "this is a single-formulation scenario: use `nanodds simulate {}`"),
    ("combination", SINGLE, "this is a single-formulation scenario: use `nanodds simulate {}`"),
    ("combination", ORAL, "this is an oral scenario: use `nanodds oral {}`"),
])
def test_wrong_command_names_the_right_one(tmp_path, capsys, command, path, expected):
    out = tmp_path / "o"
    assert main([command, str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"nanodds: error: {expected.format(path)}"]
    assert not out.exists()  # nothing written
