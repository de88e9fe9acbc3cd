"""``--out`` folders: manifest written last with true hashes, one run at a time, nothing half-done left behind."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import nanodds.io.atomic as atomic
from nanodds.interfaces.cli import main
from nanodds.io.atomic import TMP_MARK
from nanodds.io.runfolder import LOCK_NAME, MANIFEST_NAME, RunFolder

FAST = {
    "name": "fast test",
    "species": "human",
    "subject": {"body_weight": "70 kg", "height": "170 cm"},
    "drug": "doxorubicin",
    "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
    "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
    "tumour": {"volume": "20 mL"},
    "simulation": {"duration": "48 h", "points": 97, "saturable": False},
}
RUN_FILES = {"metrics.json", "timecourse.csv", "timecourse.nc"}


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "scenario.yaml"
    p.write_text(yaml.safe_dump(FAST, sort_keys=False), encoding="utf-8")
    return p


def _simulate(scenario: Path, out: Path, *extra: str) -> int:
    return main(["simulate", str(scenario), "--out", str(out), "--no-plots", *extra])


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST_NAME).read_text())


def _temporaries(d: Path) -> list[Path]:
    return [p for p in d.rglob("*") if TMP_MARK in p.name]


def test_manifest_lists_every_file_with_its_hash_and_the_inputs(scenario, tmp_path):
    out = tmp_path / "run"
    (out).mkdir()
    (out / "notes.txt").write_text("mine")  # a file the run did not write: left alone, not vouched for
    assert _simulate(scenario, out) == 0
    m = _manifest(out)
    assert m["complete"] is True and m["command"] == "simulate" and m["nanodds_version"]
    assert m["arguments"]["scenario"] == str(scenario) and m["arguments"]["no_plots"] is True
    assert m["inputs"]["scenario"]["sha256"] == _sha(scenario)
    assert set(m["files"]) == RUN_FILES
    for name, rec in m["files"].items():
        assert rec["sha256"] == _sha(out / name) and rec["bytes"] == (out / name).stat().st_size
    assert m["not_from_this_run"] == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    assert not (out / LOCK_NAME).exists() and _temporaries(out) == []


def test_compare_manifest_covers_sub_folders(scenario, tmp_path):
    out = tmp_path / "cmp"
    assert main(["compare", str(scenario), "--out", str(out), "--no-plots"]) == 0
    files = _manifest(out)["files"]
    assert {"comparison.json", "nano/metrics.json", "conventional/timecourse.csv"} <= set(files)
    assert all(files[k]["sha256"] == _sha(out / k) for k in files)


def test_failed_run_into_a_new_folder_leaves_no_folder(scenario, tmp_path, monkeypatch):
    import nanodds.io.netcdf as netcdf

    def broken(path, sol):  # metrics.json and timecourse.csv are already written when this raises
        raise RuntimeError("netCDF writer crashed")

    monkeypatch.setattr(netcdf, "write_timecourse_netcdf", broken)
    out = tmp_path / "new" / "deeper"
    assert _simulate(scenario, out) == 1  # cli.main: one "internal error" line, no traceback
    assert not (tmp_path / "new").exists()


def test_failed_rerun_removes_its_files_and_the_old_manifest(scenario, tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert _simulate(scenario, out) == 0
    real = Path.write_text

    def crash_after_temp(self, *a, **k):  # the temporary CSV file is complete, then the process "dies"
        real(self, *a, **k)
        if "timecourse" in self.name:
            raise RuntimeError("killed")

    monkeypatch.setattr(Path, "write_text", crash_after_temp)
    assert _simulate(scenario, out) == 1  # cli.main: one "internal error" line, no traceback
    assert not (out / MANIFEST_NAME).exists()  # an interrupted re-run is never marked complete
    assert not (out / "metrics.json").exists()  # written by the failed run: removed
    assert (out / "timecourse.csv").is_file()  # the earlier run's file was never replaced: still whole
    assert _temporaries(out) == [] and not (out / LOCK_NAME).exists()


def test_input_error_leaves_a_complete_folder_as_it_was(scenario, tmp_path, capsys):
    out = tmp_path / "run"
    assert _simulate(scenario, out) == 0
    before = {p.name: _sha(p) for p in out.iterdir()}
    assert main(["simulate", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert {p.name: _sha(p) for p in out.iterdir()} == before


def test_disk_full_run_leaves_no_folder(scenario, tmp_path, monkeypatch, capsys):
    real = os.fsync
    calls = []

    def full_on_second(fd):  # the first file lands, the disk fills on the second
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(atomic.os, "fsync", full_on_second)
    assert _simulate(scenario, tmp_path / "full") == 1  # cli.main: environment failure, one line
    assert "No space left on device" in capsys.readouterr().err
    assert not (tmp_path / "full").exists()


def test_second_run_into_a_locked_folder_is_refused(scenario, tmp_path, capsys):
    out = tmp_path / "busy"
    with RunFolder(out, "other"):
        assert _simulate(scenario, out) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("nanodds: error: --out") and "another run" in err and LOCK_NAME in err
    assert not (out / "metrics.json").exists()
    assert _simulate(scenario, out) == 0  # lock released


HOLDER = """
import sys
from nanodds.io.runfolder import RunFolder
with RunFolder(sys.argv[1], "holder"):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_concurrent_process_is_refused_with_one_line(scenario, tmp_path):
    out = tmp_path / "busy"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = subprocess.run([sys.executable, "-m", "nanodds.interfaces.cli", "simulate", str(scenario),
                                 "--out", str(out), "--no-plots"], capture_output=True, text=True)
    finally:
        holder.communicate("")
    assert second.returncode == 2
    assert len(second.stderr.strip().splitlines()) == 1 and "--out" in second.stderr
    assert holder.returncode == 0 and not (out / "metrics.json").exists()


KILLED = """
import sys
from pathlib import Path
from nanodds.interfaces.cli import main
real = Path.write_text
def stall(self, text, *a, **k):
    if "timecourse" not in self.name:
        return real(self, text, *a, **k)
    with open(self, "w") as fh:
        fh.write("time_h,compartment\\n0.0,pla")  # a partial file on disk
    print("writing", flush=True)
    sys.stdin.read()  # wait here until killed
Path.write_text = stall
main(["simulate", sys.argv[1], "--out", sys.argv[2], "--no-plots"])
"""


def test_sigkill_mid_write_leaves_no_truncated_file_and_no_complete_manifest(scenario, tmp_path):
    out = tmp_path / "run"
    assert _simulate(scenario, out) == 0
    old_csv = _sha(out / "timecourse.csv")
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(scenario), str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()
    assert not (out / MANIFEST_NAME).exists()
    assert _sha(out / "timecourse.csv") == old_csv  # the partial file exists only under a temporary name
    json.loads((out / "metrics.json").read_text())  # replaced whole
    assert _temporaries(out)
    assert _simulate(scenario, out) == 0  # the next run removes the leftovers and completes
    assert _temporaries(out) == [] and _manifest(out)["complete"] is True


def test_disk_full_on_the_manifest_removes_the_run(scenario, tmp_path, monkeypatch):
    import nanodds.io.runfolder as runfolder

    def no_space(path, obj, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runfolder, "write_json", no_space)
    assert _simulate(scenario, tmp_path / "full") == 1  # cli.main: environment failure, one line
    assert not (tmp_path / "full").exists()
