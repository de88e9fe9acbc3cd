"""Simulation outputs: a tidy time-course table, an xarray Dataset and NaN-safe JSON."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nanodds.io.netcdf import timecourse_attrs
from nanodds.solve.solution import Solution

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TIMECOURSE_COLUMNS", "timecourse_blocks", "timecourse_csv", "timecourse_frame", "to_jsonable", "to_xarray",
           "write_json"]

TIMECOURSE_COLUMNS: tuple[str, ...] = ("time_h", "compartment", "species", "amount_mg", "conc_mg_per_L")


def _col(sol: Solution, names: list[str]) -> np.ndarray:
    """Summed amount (mg) of the named states (zeros when none exist)."""
    idx = [sol.model.index(n) for n in names if n in sol.model.names]
    if not idx:
        return np.zeros(sol.times_h.size)
    return sol.y[:, idx].sum(axis=1)


def _prefixed(sol: Solution, prefix: str) -> list[str]:
    return [n for n in sol.model.names if n.startswith(prefix)]


def timecourse_frame(sol: Solution) -> pd.DataFrame:
    """Tidy long table of the time course.

    Columns ``time_h, compartment, species, amount_mg, conc_mg_per_L``:

    * ``plasma``: species ``free``, ``encapsulated``, ``total`` (and ``carrier`` with a carrier).
      Concentrations are the plasma observables; amounts are the venous pool states
      (``free:venous_blood``, ``encapsulated:venous_plasma``, ``carrier:venous_plasma``).
    * ``arterial``: the arterial pool amounts (same species; concentration NaN), so that every state of
      the drug is in the table.
    * each organ (incl. ``tumour``): ``free`` (state ``free:<organ>`` plus its sub-pools such as
      ``free:<organ>.bound``), ``encapsulated`` (sum of
      ``encapsulated:<organ>.*``), ``total``, and ``carrier`` (sum of ``carrier:<organ>.*``, mg carrier)
      with a carrier; concentration = amount / organ volume.
    * ``eliminated``: one row per sink, species ``<species>:<route>`` (e.g. ``free:hepatic``); amount only,
      concentration NaN.
    """
    import pandas as pd  # lazy: ~0.3-0.6 s of start-up

    t = sol.times_h
    parts = [pd.DataFrame({"time_h": t, "compartment": c, "species": s, "amount_mg": a, "conc_mg_per_L": k})
             for c, s, a, k in timecourse_blocks(sol)]
    return pd.concat(parts, ignore_index=True)[list(TIMECOURSE_COLUMNS)]


def timecourse_blocks(sol: Solution) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """The blocks of :func:`timecourse_frame`, in its row order: (compartment, species, amount_mg (T,),
    conc_mg_per_L (T,))."""
    m = sol.model
    t = sol.times_h
    has_carrier = "carrier" in m.groups
    parts: list[tuple[str, str, np.ndarray, np.ndarray]] = []

    def add(compartment: str, species: str, amount: np.ndarray, conc: np.ndarray | float) -> None:
        parts.append((compartment, species, np.asarray(amount, dtype=float),
                      np.broadcast_to(np.asarray(conc, dtype=float), t.shape)))

    nan = float("nan")
    free_ven = _col(sol, ["free:venous_blood"])
    enc_ven = _col(sol, ["encapsulated:venous_plasma"])
    add("plasma", "free", free_ven, sol.observe("plasma_free"))
    add("plasma", "encapsulated", enc_ven, sol.observe("plasma_encapsulated"))
    add("plasma", "total", free_ven + enc_ven, sol.observe("plasma_total"))
    if has_carrier:
        add("plasma", "carrier", _col(sol, ["carrier:venous_plasma"]), sol.observe("plasma_carrier"))
    free_art = _col(sol, ["free:arterial_blood"])
    enc_art = _col(sol, ["encapsulated:arterial_plasma"])
    add("arterial", "free", free_art, nan)
    add("arterial", "encapsulated", enc_art, nan)
    add("arterial", "total", free_art + enc_art, nan)
    if has_carrier:
        add("arterial", "carrier", _col(sol, ["carrier:arterial_plasma"]), nan)
    for organ, vol in m.volumes_L.items():
        # released drug in the organ: its free pool plus any bound sub-pool (e.g. free:<organ>.bound)
        free = _col(sol, [f"free:{organ}", *_prefixed(sol, f"free:{organ}.")])
        enc = _col(sol, _prefixed(sol, f"encapsulated:{organ}."))
        add(organ, "free", free, free / vol)
        add(organ, "encapsulated", enc, enc / vol)
        add(organ, "total", free + enc, (free + enc) / vol)
        if has_carrier:
            car = _col(sol, _prefixed(sol, f"carrier:{organ}."))
            add(organ, "carrier", car, car / vol)
    for i in m.sinks:
        name = m.names[int(i)]
        species, _, route = name.partition(":sink.")
        add("eliminated", f"{species}:{route}", sol.y[:, int(i)], nan)
    return parts


def timecourse_csv(sol: Solution) -> str:
    """:func:`timecourse_frame` as CSV text, the same bytes as ``timecourse_frame(sol).to_csv(index=False)``
    (tested) without importing pandas: floats in their shortest round-trip form, NaN as an empty field."""
    t = list(map(repr, sol.times_h.tolist()))
    empty = [""] * len(t)
    lines = [",".join(TIMECOURSE_COLUMNS)]
    for comp, species, amount, conc in timecourse_blocks(sol):
        head = f"{_csv_field(comp)},{_csv_field(species)}"
        lines.extend(f"{ti},{head},{a},{c}" for ti, a, c in zip(t, _texts(amount, empty), _texts(conc, empty),
                                                                strict=True))
    return "\n".join(lines) + "\n"


def _texts(values: np.ndarray, empty: list[str]) -> list[str]:
    """CSV fields of a float column: ``repr`` (shortest round-trip), NaN as ``""`` (``empty``: all-NaN column)."""
    nan = np.isnan(values)
    if nan.all():
        return empty
    out = list(map(repr, values.tolist()))
    for i in np.flatnonzero(nan).tolist():
        out[i] = ""
    return out


def _csv_field(text: str) -> str:
    """A text field as the csv module (and pandas) quote it: only when it holds a delimiter, quote or newline."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_xarray(sol: Solution):
    """The solution as an :class:`xarray.Dataset`.

    ``amount_mg`` (dims ``time, state``) holds every state; each observable is a variable over ``time``
    with its unit in ``attrs["units"]``.
    """
    import xarray as xr

    m = sol.model
    ds = xr.Dataset(
        {"amount_mg": (("time", "state"), np.asarray(sol.y, dtype=float),
                       {"units": "mg", "long_name": "amount in each model state"})},
        coords={"time": ("time", np.asarray(sol.times_h, dtype=float), {"units": "h"}),
                "state": ("state", np.array(m.names, dtype=str))},
    )
    for name, obs in m.observables.items():
        ds[name] = ("time", sol.y @ obs.weights, {"units": obs.unit, "long_name": obs.label})
    ds["volume_L"] = ("organ", np.array(list(m.volumes_L.values()), dtype=float), {"units": "L"})
    ds = ds.assign_coords(organ=("organ", np.array(list(m.volumes_L), dtype=str)))
    ds.attrs.update(timecourse_attrs(sol))
    return ds


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy types, tuples and paths to JSON types; NaN and +-inf become None."""
    if isinstance(obj, Mapping):  # dicts and read-only mappings (a model's FrozenMap)
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented, strictly valid JSON (no NaN/Infinity tokens), atomically; returns the path.

    See :func:`nanodds.io.atomic.write_json`.
    """
    from nanodds.io.atomic import write_json as atomic_write_json

    return atomic_write_json(path, obj)
