"""The time-course writers that avoid pandas and xarray produce what those libraries would."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import xarray as xr

from nanodds.engine import simulate
from nanodds.io.atomic import write_timecourse_nc
from nanodds.io.outputs import timecourse_csv, timecourse_frame, to_xarray
from nanodds.specs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ["doxil_vs_doxorubicin_human.yaml", "taxol_cremophor_human.yaml",
             "thermosensitive_liposome_hyperthermia_mouse.yaml"]


@pytest.fixture(scope="module", params=SCENARIOS)
def sol(request):
    return simulate(load_scenario(ROOT / "examples" / request.param))


def test_netcdf_reads_back_as_the_xarray_dataset(sol, tmp_path) -> None:
    path = write_timecourse_nc(tmp_path / "tc.nc", sol)
    with xr.open_dataset(path) as ds:
        got = ds.load()
    want = to_xarray(sol)
    assert got.identical(want)
    # and as xarray's own writer would have written it
    want.to_netcdf(tmp_path / "ref.nc", engine="scipy", format="NETCDF3_64BIT")
    with xr.open_dataset(tmp_path / "ref.nc") as ref:
        assert got.identical(ref.load())
    assert got.attrs["dosed_drug_mg"] == sol.dosed["drug"]  # doubles, not 32-bit floats


def test_netcdf_non_ascii_state_names(sol, tmp_path) -> None:
    """Strings are UTF-8 character arrays whose width is in bytes (a non-ASCII name must survive)."""
    from dataclasses import replace

    names = list(sol.model.names)
    names[0] = names[0] + "-µ"
    other = replace(sol, model=replace(sol.model, names=tuple(names)))
    path = write_timecourse_nc(tmp_path / "u.nc", other)
    with xr.open_dataset(path) as ds:
        assert ds["state"].values[0] == names[0]
        assert ds.identical(to_xarray(other))


def test_csv_is_the_bytes_pandas_writes(sol) -> None:
    assert timecourse_csv(sol) == timecourse_frame(sol).to_csv(index=False)


def test_csv_quotes_like_pandas() -> None:
    import pandas as pd

    from nanodds.io.outputs import _csv_field

    for text in ("plain", "a,b", 'say "x"', "line\nbreak"):
        want = pd.DataFrame({"c": [text]}).to_csv(index=False).split("\n", 1)[1].rstrip("\n")
        assert _csv_field(text) == want


def test_pint_cache_damaged_falls_back(tmp_path, monkeypatch) -> None:
    """A damaged pint cache (e.g. a file cut by a concurrent writer) costs time, never the units."""
    import nanodds.units as u

    monkeypatch.setenv(u.CACHE_ENV, str(tmp_path))
    u.ureg.cache_clear()
    try:
        reg = u.ureg()
        assert reg.Quantity("50 mg/m**2").to("mg/m**2").magnitude == 50.0
        files = [p for p in (tmp_path / "pint").iterdir() if p.suffix == ".pickle"]
        assert files, "pint wrote no cache"
        for p in files:
            p.write_bytes(pickle.dumps({"not": "a registry"})[:5])
        u.ureg.cache_clear()
        reg2 = u.ureg()
        assert reg2.Quantity("2 h").to("min").magnitude == pytest.approx(120.0)
        monkeypatch.setenv(u.CACHE_ENV, "off")
        assert u.cache_dir() is None
        u.ureg.cache_clear()
        assert u.ureg().cache_folder is None
    finally:
        u.ureg.cache_clear()
