"""The disk memo of unit conversions and parsed data files: exact values, off when asked, damage falls back."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanodds.io.disk_memo as dm
from nanodds.errors import InputError
from nanodds.specs import params as P
from nanodds.specs.regimen import dose_to_mg
from nanodds.units import CACHE_ENV, _convert, to_canonical


def _boom() -> float:
    raise AssertionError("computed although memoised")


def test_memo_round_trip_off_and_damage(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    memo = dm.Memo("t")
    assert memo.get("k", lambda: 0.1 + 0.2, dm.is_float) == 0.1 + 0.2
    memo.save()
    (path,) = (tmp_path / "t").glob("*.json")
    assert dm.Memo("t").get("k", _boom, dm.is_float) == 0.1 + 0.2  # read back from disk, exact
    rejected = dm.Memo("t")
    assert rejected.get("k", lambda: 7.0, lambda v: False) == 7.0  # an entry failing its check: computed
    rejected.save()
    path.write_text('{"k": 0.3', encoding="utf-8")  # cut by a crash or a concurrent writer
    damaged = dm.Memo("t")
    assert damaged.get("k", lambda: 0.5, dm.is_float) == 0.5
    damaged.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {"k": 0.5}  # replaced by a whole file, parsable
    monkeypatch.setenv(CACHE_ENV, "off")
    off = dm.Memo("t")
    assert off.get("k", lambda: 0.25, dm.is_float) == 0.25
    off.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {"k": 0.5}  # off: nothing read, nothing written


def test_memo_is_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(dm, "MEMO_MAX_ENTRIES", 3)
    memo = dm.Memo("t")
    for i in range(5):
        assert memo.get(str(i), lambda i=i: float(i), dm.is_float) == float(i)
    assert len(memo._new) == 3  # memory bounded within a process
    memo.save()
    (path,) = (tmp_path / "t").glob("*.json")
    assert json.loads(path.read_text(encoding="utf-8")) == {"0": 0.0, "1": 1.0, "2": 2.0}
    later = dm.Memo("t")
    for i in (7, 8):
        later.get(str(i), lambda i=i: float(i), dm.is_float)
    later.save()
    assert json.loads(path.read_text(encoding="utf-8")) == {"2": 2.0, "7": 7.0, "8": 8.0}  # the newest kept


UNITS = st.sampled_from([("nm", "nm"), ("um", "nm"), ("mg/m^2", "mg/m**2"), ("day", "h"), ("mL/min", "L/h"),
                         ("degC", "degC"), ("degF", "degC"), ("percent", "1"), ("g", "mg")])


@settings(max_examples=40, deadline=None)
@given(x=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), units=UNITS)
def test_memoised_conversion_is_pints_to_the_bit(tmp_path_factory, x: float, units: tuple[str, str]) -> None:
    folder = tmp_path_factory.mktemp("memo")
    text, target = f"{x!r} {units[0]}", units[1]
    try:
        want = _convert(text, target, "f")
    except InputError:
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(folder))
        mp.setattr(dm, "UNITS", dm.Memo("units"))
        cold = dm.UNITS.get(dm.memo_key("to", text, target), lambda: _convert(text, target, "f"), dm.is_float)
        dm.UNITS.save()
        warm = dm.Memo("units").get(dm.memo_key("to", text, target), _boom, dm.is_float)
    assert math.copysign(1, warm) == math.copysign(1, want) and warm == want == cold


def test_warm_conversions_keep_every_check(tmp_path, monkeypatch) -> None:
    """Only pint's conversion is memoised: limits, signs, absolute zero and missing heights still act."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(dm, "UNITS", dm.Memo("units"))
    for _ in range(2):  # cold, then from the memo
        assert to_canonical("-5 degC", "degC", "t") == -5.0
        with pytest.raises(InputError, match="absolute zero"):
            to_canonical("-300 degC", "degC", "t")
        with pytest.raises(InputError, match="> 0"):
            to_canonical("-2 h", "h", "t", positive=True)
        with pytest.raises(InputError, match="dimension"):
            to_canonical("3 mg", "h", "t")
        assert dose_to_mg("50 mg/m^2", "d", 70.0, 1.9) == 50.0 * 1.9
        assert dose_to_mg("2 mg/kg", "d", 70.0, None) == 2.0 * 70.0
        with pytest.raises(InputError, match="no height"):
            dose_to_mg("50 mg/m^2", "d", 70.0, None)
        with pytest.raises(InputError, match="quantity with units"):
            dose_to_mg("9", "d", 70.0, None)
        dm.UNITS.save()
        monkeypatch.setattr(dm, "UNITS", dm.Memo("units"))


def test_every_packaged_data_file_round_trips_through_the_cache(tmp_path, monkeypatch) -> None:
    files = sorted(p.relative_to(P.DATA_ROOT).as_posix() for p in P.DATA_ROOT.rglob("*.yaml"))
    assert len(files) > 20
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    for rel in files:
        try:
            tree = P.load_yaml.__wrapped__(rel)
        except P.DataFileError:
            continue  # not a parameter file (schema of its own)
        assert P._decode(json.loads(json.dumps(P._encode(tree)))) == tree
        again = P.load_yaml.__wrapped__(rel)  # from the cache
        assert again == tree and type(again) is type(tree)


def test_damaged_data_cache_entry_is_parsed_again(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    rel = "validity/ranges.yaml"
    want = P.load_yaml.__wrapped__(rel)
    (entry,) = (tmp_path / "data").glob("*.json")
    for bad in ('["D", {"result_limits": ["P", "not a number", "1", "x"]}]', "[", '{"D": 1}'):
        entry.write_text(bad, encoding="utf-8")
        assert P.load_yaml.__wrapped__(rel) == want
        assert P._decode(json.loads(entry.read_text(encoding="utf-8"))) == want  # replaced


def test_cache_off_writes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("pathlib.Path.home", lambda: tmp_path)
    P.load_yaml.__wrapped__("validity/ranges.yaml")
    assert not any(tmp_path.rglob("*.json"))


def test_every_memoising_module_is_in_the_fingerprint() -> None:
    """A module whose code computes memoised values must be fingerprinted, or a change to its code would keep
    serving the old values (silently wrong doses: ``specs/regimen.py`` memoised dose kinds unfingerprinted)."""
    from pathlib import Path

    package = Path(dm.__file__).resolve().parents[1]
    users = {p.relative_to(package).as_posix() for p in package.rglob("*.py")
             if p.name != "disk_memo.py" and any(s in p.read_text(encoding="utf-8")
                                                 for s in ("UNITS.get(", "cached_tree("))}
    assert "specs/regimen.py" in users
    assert users <= set(dm._SOURCES), sorted(users - set(dm._SOURCES))
