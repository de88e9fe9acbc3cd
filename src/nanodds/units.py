"""Unit handling at the boundaries (pint), canonical plain floats inside.

Canonical units: time h, volume L, mass mg, length nm, body mass kg, flow L/h, concentration mg/L.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any


def _import_pint() -> Any:
    """``import pint`` without its optional dask probe.

    ``pint.compat`` tries ``import dask`` at import time (dask arrays inside quantities, which nanodds never
    uses); that import alone is ~0.15 s of every command's start-up. While pint is imported, ``dask`` is marked
    absent; afterwards the mark is removed, so dask (population runs on a Dask cluster) imports as usual.
    """
    if "pint" in sys.modules or "dask" in sys.modules:
        import pint

        return pint
    sys.modules["dask"] = None  # type: ignore[assignment]  # makes `import dask` raise ImportError
    try:
        import pint
    finally:
        del sys.modules["dask"]
    return pint


pint = _import_pint()

from nanodds.errors import InputError  # noqa: E402  (after pint, on purpose)

CACHE_ENV = "NANODDS_CACHE_DIR"
"""Directory of nanodds' caches (default: ``$XDG_CACHE_HOME/nanodds`` or ``~/.cache/nanodds``); ``off`` disables
them. Holds pint's parsed unit definitions (pint's own disk cache, keyed by the definitions' content)."""

CANONICAL: dict[str, str] = {
    "time": "h",
    "volume": "L",
    "mass": "mg",
    "length": "nm",
    "body_mass": "kg",
    "flow": "L/h",
    "rate": "1/h",
    "concentration": "mg/L",
    "dose_per_mass": "mg/kg",
    "dose_per_area": "mg/m**2",
    "area": "m**2",
    "height": "cm",
    "temperature": "degC",
    "dimensionless": "",
}


def cache_dir() -> Path | None:
    """nanodds' cache directory (see :data:`CACHE_ENV`), or None when caching is off."""
    env = os.environ.get(CACHE_ENV, "")
    if env.strip().lower() == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nanodds"


@lru_cache(maxsize=1)
def ureg() -> pint.UnitRegistry:
    """The package-wide pint registry (created once per process).

    Parsing pint's unit definitions takes ~0.3 s; pint's disk cache (:func:`cache_dir` / ``pint``) brings it to
    ~0.03 s. Any failure of the cache (unwritable directory, a file cut by a concurrent writer) falls back to
    parsing the definitions, so the cache can only change the time, never the units.
    """
    folder = cache_dir()
    reg = None
    if folder is not None:
        try:
            (folder / "pint").mkdir(parents=True, exist_ok=True)
            reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder / "pint")
        except Exception:  # OSError, pickle errors of a damaged cache, ...: parse the definitions instead
            reg = None
    if reg is None:
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    reg.define("percent_ = 0.01 = pct")
    return reg


def parse_quantity(text: Any, field: str) -> pint.Quantity:
    """Parse ``"85 nm"`` / ``"50 mg/m^2"`` / a number into a pint quantity.

    Raises
    ------
    InputError
        If the text is not a number followed by a unit pint understands.
    """
    reg = ureg()
    if isinstance(text, bool):
        raise InputError(field, text, "a number with a unit, e.g. '85 nm'")
    if isinstance(text, int | float):
        return reg.Quantity(float(text), "")
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, "a number with a unit, e.g. '85 nm'")
    try:
        q = reg.Quantity(text.strip().replace("^", "**"))
    except Exception as exc:  # pint raises several unrelated types
        raise InputError(field, text, "a number with a unit pint understands, e.g. '85 nm'") from exc
    if not isinstance(q, pint.Quantity):
        q = reg.Quantity(float(q), "")
    return q


def with_unit(value: float, unit: str) -> str:
    """``"0.01 1/h"``: a canonical float written back as a quantity string (exact: ``repr`` round-trips), for
    specs built in code that are parsed again by :func:`to_canonical` (which refuses bare numbers)."""
    return f"{float(value)!r} {unit}"


def is_bare(q: pint.Quantity) -> bool:
    """True for a number without any unit (``"9"``); ``"9 mg/kg"`` is dimensionless but not bare."""
    return not dict(q.unit_items())


def is_dimensionless(unit: str) -> bool:
    """True for the dimensionless target units ``""`` and ``"1"`` (and e.g. ``"percent"``)."""
    return unit in ("", "1") or ureg().Unit(unit).dimensionless


def to_canonical(text: Any, unit: str, field: str, *, positive: bool = False,
                 nonnegative: bool = False) -> float:
    """Parse a value with units and return it as a float in ``unit``.

    Parameters
    ----------
    text : str or float
        ``"85 nm"``. A bare number is accepted only when ``unit`` is dimensionless; for a dimensioned field it
        is an error (``9`` for a dose is not 9 mg/kg).
    unit : str
        Target unit, e.g. ``"nm"``.
    field : str
        Dotted field name used in error messages.
    positive, nonnegative : bool
        Reject zero/negative values.

    Raises
    ------
    InputError
        One line naming the field, the value as written and what is allowed: a bare number for a dimensioned
        field, a wrong dimension, NaN or infinity, a magnitude beyond
        :func:`nanodds.specs.validity.magnitude_limit` (no physical meaning), a sign not allowed.
    """
    from nanodds.specs.validity import check_finite

    reg = ureg()
    if isinstance(text, int | float) and not isinstance(text, bool):
        if not is_dimensionless(unit):
            raise InputError(field, text, f"a quantity with units, e.g. '{text} {unit}'")
        value = float(text)
    else:
        q = parse_quantity(text, field)
        if is_bare(q) and not is_dimensionless(unit):
            raise InputError(field, text, f"a quantity with units, e.g. '{q.magnitude:g} {unit}'")
        try:
            value = float(q.to(unit if unit != "1" else "").magnitude)
        except pint.DimensionalityError as exc:
            target = reg.Unit(unit)
            raise InputError(field, text, f"a quantity with the dimension of {target:~} "
                             f"({target.dimensionality})") from exc
        except OverflowError as exc:
            raise InputError(field, text, f"a finite value in {unit}") from exc
    check_finite(value, text, field, unit)
    if reg.Unit(unit or "").dimensionality == {"[temperature]": 1}:
        kelvin = reg.Quantity(value, unit).to("K").magnitude
        if kelvin <= 0:
            raise InputError(field, text, "a temperature above absolute zero (-273.15 degC)")
    if positive and value <= 0:
        raise InputError(field, text, f"a value > 0 {unit}".rstrip())
    if nonnegative and value < 0:
        raise InputError(field, text, f"a value >= 0 {unit}".rstrip())
    return value
