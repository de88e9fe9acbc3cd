"""Atomic writers: a failing or full-disk write never leaves a truncated file under the final name."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nanodds.io.atomic as atomic
from nanodds.io.atomic import (
    TMP_MARK,
    atomic_write,
    safe_stems,
    save_figure,
    write_csv,
    write_json,
    write_netcdf,
    write_parquet,
    write_text,
)

FRAME = pd.DataFrame({"time_h": np.arange(1000.0), "amount_mg": np.linspace(0.0, 1.0, 1000)})


def _temporaries(d: Path) -> list[Path]:
    return [p for p in d.rglob("*") if TMP_MARK in p.name]


def test_error_after_the_temporary_file_is_written_keeps_the_previous_file(tmp_path):
    final = tmp_path / "metrics.json"
    final.write_text('{"old": true}\n')

    def half_then_fail(p: Path) -> None:
        p.write_text('{"new": ')  # a truncated document on disk, under the temporary name
        raise RuntimeError("killed after writing")

    with pytest.raises(RuntimeError):
        atomic_write(final, half_then_fail)
    assert json.loads(final.read_text()) == {"old": True}
    assert _temporaries(tmp_path) == []


def test_disk_full_while_writing_leaves_no_file(tmp_path):
    def enospc(p: Path) -> None:
        FRAME.iloc[:10].to_csv(p)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as err:
        atomic_write(tmp_path / "timecourse.csv", enospc)
    assert err.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_disk_full_at_fsync_leaves_no_file(tmp_path, monkeypatch):
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    for write, name in ((lambda p: write_csv(p, FRAME), "a.csv"), (lambda p: write_parquet(p, FRAME), "a.parquet"),
                        (lambda p: write_json(p, {"a": 1}), "a.json"), (lambda p: write_text(p, "# x\n"), "a.md")):
        with pytest.raises(OSError):
            write(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_every_writer_produces_a_readable_file(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    write_csv(tmp_path / "a.csv", FRAME)
    write_parquet(tmp_path / "sub" / "a.parquet", FRAME)  # missing folder created
    write_json(tmp_path / "a.json", {"x": float("nan"), "y": np.float64(2.0)})
    write_text(tmp_path / "a.xml", "<sbml/>\n")
    write_netcdf(tmp_path / "a.nc", xr.Dataset({"v": ("t", FRAME["amount_mg"].to_numpy())}))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    save_figure(fig, tmp_path / "a.png")
    plt.close(fig)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), FRAME)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sub" / "a.parquet"), FRAME)
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": None, "y": 2.0}
    assert xr.open_dataset(tmp_path / "a.nc", engine="scipy")["v"].size == len(FRAME)
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _temporaries(tmp_path) == []


def test_names_that_sanitise_alike_get_distinct_stems():
    stems = safe_stems(["A/B", "A B", "plain", "Ab", "ab"])
    assert stems["plain"] == "plain"
    assert stems["A/B"] != stems["A B"] and stems["A/B"].startswith("A_B-") and stems["A B"].startswith("A_B-")
    assert stems["Ab"].casefold() != stems["ab"].casefold()  # case-insensitive file systems
    assert safe_stems(["A B", "A/B"]) == {k: stems[k] for k in ("A B", "A/B")}  # independent of order


@given(st.lists(st.text(max_size=12), max_size=8))
def test_stems_are_safe_and_unique(names):
    stems = safe_stems(names)
    assert set(stems) == set(names)
    assert len({s.casefold() for s in stems.values()}) == len(stems)
    for s in stems.values():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", s) and not s.startswith(".")
