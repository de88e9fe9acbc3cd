"""The time course as a netCDF3 file, written directly with :class:`scipy.io.netcdf_file` (no xarray, no dask).

``nanodds simulate`` used to build an :class:`xarray.Dataset` and call ``to_netcdf(engine="scipy")``; xarray's
writer imports dask and distributed to look for a scheduler lock, ~0.5-0.9 s of a ~3 s command. This writer
lays out the same file: xarray reads it back as a Dataset identical to :func:`nanodds.io.outputs.to_xarray`
(tested): ``amount_mg (time, state)``, one variable over ``time`` per observable, ``volume_L (organ)``, the
coordinates ``time``, ``state`` and ``organ`` (strings as UTF-8 character arrays over a ``string<N>`` dimension,
as xarray encodes them for netCDF3), ``units``/``long_name`` attributes, ``_FillValue`` NaN on every float
variable (xarray's default), and the global attributes (solver, units, species, drug, carrier, doses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nanodds.solve.solution import Solution

__all__ = ["timecourse_attrs", "write_timecourse_netcdf"]


def timecourse_attrs(sol: Solution) -> dict[str, str | float]:
    """Global attributes of the time-course file (shared with :func:`nanodds.io.outputs.to_xarray`)."""
    m = sol.model
    attrs: dict[str, str | float] = {
        "solver": sol.method, "amount_units": "mg", "time_units": "h", "concentration_units": "mg/L",
        "species": str(m.meta.get("species", "")), "drug": str(m.meta.get("drug", "")),
        "carrier": str(m.meta.get("carrier") or "none")}
    for group, amount in sol.dosed.items():
        attrs[f"dosed_{group}_mg"] = float(amount)
    return attrs


def _chars(names: list[str]) -> np.ndarray:
    """UTF-8 character array (n, max bytes), NUL padded: xarray's netCDF3 encoding of a string variable."""
    raw = [s.encode("utf-8") for s in names]
    width = max((len(b) for b in raw), default=1) or 1
    return np.array(raw, dtype=f"S{width}").view("S1").reshape(len(raw), width)


def _float_var(f: Any, name: str, dims: tuple[str, ...], data: np.ndarray, attrs: dict[str, str]) -> None:
    v = f.createVariable(name, "d", dims)
    v[...] = np.asarray(data, dtype=float)
    for k, val in attrs.items():
        setattr(v, k, val)
    v._FillValue = np.nan  # what xarray writes for float variables without an encoding


def _char_var(f: Any, name: str, values: list[str]) -> None:
    chars = _chars(values)
    dim = f"string{chars.shape[1]}"
    if dim not in f.dimensions:
        f.createDimension(dim, chars.shape[1])
    v = f.createVariable(name, "c", (name, dim))
    v[...] = chars
    v._Encoding = "utf-8"


def write_timecourse_netcdf(path: str | Path, sol: Solution) -> None:
    """Write the time course of ``sol`` to ``path`` (netCDF3 64-bit offset; not atomic by itself: callers use
    :func:`nanodds.io.atomic.write_timecourse_nc`)."""
    from scipy.io import netcdf_file

    m = sol.model
    y = np.asarray(sol.y, dtype=float)
    names = list(m.names)
    organs = list(m.volumes_L)
    f = netcdf_file(str(path), "w", version=2, maskandscale=False)
    try:
        for k, val in timecourse_attrs(sol).items():  # numpy float64: scipy writes a bare float as 32-bit
            setattr(f, k, np.float64(val) if isinstance(val, float) else val)
        f.createDimension("time", y.shape[0])
        f.createDimension("state", len(names))
        state_dim = _chars(names).shape[1]
        f.createDimension(f"string{state_dim}", state_dim)
        f.createDimension("organ", len(organs))
        _float_var(f, "amount_mg", ("time", "state"), y, {"units": "mg", "long_name": "amount in each model state"})
        _float_var(f, "time", ("time",), np.asarray(sol.times_h, dtype=float), {"units": "h"})
        for name, obs in m.observables.items():
            _float_var(f, name, ("time",), y @ obs.weights, {"units": obs.unit, "long_name": obs.label})
        _char_var(f, "state", names)
        _char_var(f, "organ", organs)
        _float_var(f, "volume_L", ("organ",), np.array(list(m.volumes_L.values()), dtype=float), {"units": "L"})
        f.flush()
    finally:
        f.close()
