"""CSV reading: layouts, auto-detection, time unit and bad input."""

from __future__ import annotations

import pytest

from nanodds.errors import InputError
from nanodds.release.dataio import read_release_csv


def _write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_long_layout_autodetect(tmp_path):
    p = _write(tmp_path, "Batch,Tablet,Time (h),% released\nA,1,0,0\nA,1,1,40\nA,2,0,0\nA,2,1,44\n")
    d = read_release_csv(p, percent_col="% released")
    assert d.time_unit == "h" and d.has_replicates and d.profiles == ["A"]
    t, y = d.mean_profile("A")
    assert t.tolist() == [0.0, 1.0] and y.tolist() == [0.0, 42.0]


def test_wide_layout_and_declared_unit(tmp_path):
    p = _write(tmp_path, "t,ref,test\n0,0,0\n10,30,35\n20,60,62\n")
    d = read_release_csv(p, time_unit="s")
    assert d.time_unit == "s" and d.profiles == ["ref", "test"] and not d.has_replicates
    assert d.mean_profile("test")[1].tolist() == [0.0, 35.0, 62.0]
    with pytest.raises(InputError) as exc:
        d.mean_profile("nope")
    assert exc.value.field == "profile"


def test_negative_time(tmp_path):
    p = _write(tmp_path, "time_min,percent\n0,0\n-5,10\n10,20\n")
    with pytest.raises(InputError) as exc:
        read_release_csv(p)
    assert exc.value.field == "time_min" and exc.value.value == -5.0


def test_text_in_numeric_column(tmp_path):
    p = _write(tmp_path, "time_min,percent\n0,0\n5,abc\n10,20\n")
    with pytest.raises(InputError) as exc:
        read_release_csv(p)
    assert exc.value.field == "percent" and exc.value.value == "abc"


def test_bad_unit_and_missing_column(tmp_path):
    p = _write(tmp_path, "time,percent\n0,0\n")
    with pytest.raises(InputError) as exc:
        read_release_csv(p, time_unit="fortnight")
    assert exc.value.field == "time_unit"
    with pytest.raises(InputError) as exc:
        read_release_csv(p, time_col="tiempo")
    assert exc.value.field == "time_column"
    q = _write(tmp_path, "a,b\n1,2\n", "q.csv")
    with pytest.raises(InputError):
        read_release_csv(q)
