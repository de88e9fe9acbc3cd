"""Population resume trusts only parts whose check record, checksum, inputs and patients match."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import nanodds.population.run as run_mod
from nanodds.interfaces.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "48 h", "points": 49, "saturable": False}
    p = tmp_path_factory.mktemp("scn") / "doxil_linear.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def _run(scenario: Path, out: Path) -> int:
    return main(["population", str(scenario), "--n", "50", "--chunk", "10", "--out", str(out), "--seed", "3"])


def test_resume_redoes_corrupted_and_unverifiable_parts(scenario, tmp_path, monkeypatch):
    out = tmp_path / "pop"
    assert _run(scenario, out) == 0
    chunks = out / "chunks"
    reference = pd.read_parquet(out / "population.parquet")
    mtimes = {p.name: p.stat().st_mtime_ns for p in chunks.glob("part-*.parquet")}
    # 1: bytes flipped (same size, still the same record); 2: truncated; 3: no check record (an older run);
    # 4: record of other inputs. Part 0 is intact.
    b = bytearray((chunks / "part-00001.parquet").read_bytes())
    b[len(b) // 2] ^= 0xFF
    (chunks / "part-00001.parquet").write_bytes(bytes(b))
    p2 = chunks / "part-00002.parquet"
    p2.write_bytes(p2.read_bytes()[: p2.stat().st_size // 2])
    (chunks / "part-00003.json").unlink()
    rec = json.loads((chunks / "part-00004.json").read_text())
    (chunks / "part-00004.json").write_text(json.dumps({**rec, "inputs_sha256": "0" * 64}))

    solved = []
    real = run_mod.run_chunk

    def counting(text, patients, target):
        solved.append(int(patients.ID.iloc[0]))
        return real(text, patients, target)

    monkeypatch.setattr(run_mod, "run_chunk", counting)
    assert _run(scenario, out) == 0
    assert sorted(solved) == [10, 20, 30, 40]
    assert (chunks / "part-00000.parquet").stat().st_mtime_ns == mtimes["part-00000.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "population.parquet"), reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and "chunks/part-00000.parquet" in manifest["files"]


def test_part_with_other_patients_is_not_trusted(scenario, tmp_path):
    out = tmp_path / "pop"
    assert _run(scenario, out) == 0
    part = out / "chunks" / "part-00000.parquet"
    rec = json.loads(part.with_suffix(".json").read_text())
    inputs = rec["inputs_sha256"]
    ids = list(range(10))
    assert run_mod.part_trusted(part, inputs, ids)
    assert not run_mod.part_trusted(part, inputs, list(range(10, 20)))
    assert not run_mod.part_trusted(part, "1" * 64, ids)


def test_failure_before_any_part_leaves_no_folder(scenario, tmp_path, monkeypatch):
    def lost(text, patients, target):
        raise RuntimeError("node lost")

    monkeypatch.setattr(run_mod, "run_chunk", lost)
    assert _run(scenario, tmp_path / "new") == 1  # cli.main: one "internal error" line, no traceback
    assert not (tmp_path / "new").exists()
