"""Unit handling at the boundaries (pint), canonical plain floats inside.

Canonical units: time h, volume L, mass mg, length nm, body mass kg, flow L/h, concentration mg/L.

pint is imported on first use (:func:`ureg`), not with this module: the conversions of a run are memoised on
disk (:mod:`nanodds.io.disk_memo`), so that a repeated run needs no pint at all.
"""

from __future__ import annotations

import math
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanodds.errors import InputError

if TYPE_CHECKING:
    import pint


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


CACHE_ENV = "NANODDS_CACHE_DIR"
"""Directory of nanodds' caches (default: ``$XDG_CACHE_HOME/nanodds`` or ``~/.cache/nanodds``); ``off`` disables
them. Holds pint's parsed unit definitions (pint's own disk cache, keyed by the definitions' content) and
:mod:`nanodds.io.disk_memo`'s conversions and parsed data files, with which a warm run does not import pint."""

PERCENT_DEFINITION = "percent_ = 0.01 = pct"
"""The one unit nanodds adds to pint's definitions."""

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
    pint = _import_pint()
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
    reg.define(PERCENT_DEFINITION)
    return reg


def example(magnitude: Any, unit: str) -> str:
    """A valid-looking example for an error message: ``'magnitude unit'`` when the magnitude is a finite positive
    number, else ``'1 unit'`` (``'nan cm'`` or ``'-1 m'`` would suggest what is refused)."""
    ok = isinstance(magnitude, int | float) and not isinstance(magnitude, bool) and math.isfinite(magnitude) \
        and magnitude > 0
    return f"'{magnitude:g} {unit}'" if ok else f"'1 {unit}'"


def parse_quantity(text: Any, field: str, unit: str | None = None) -> pint.Quantity:
    """Parse ``"85 nm"`` / ``"50 mg/m^2"`` / a number into a pint quantity.

    ``unit``: the unit the caller wants (only for the example in an error message; default ``'85 nm'``).

    Raises
    ------
    InputError
        If the text is not a number followed by a unit pint understands.
    """
    reg = ureg()
    pint = _import_pint()
    eg = "'85 nm'" if unit in (None, "", "1") else example(None, unit)
    if isinstance(text, bool):
        raise InputError(field, text, f"a number with a unit, e.g. {eg}")
    if isinstance(text, int | float):
        return reg.Quantity(float(text), "")
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, f"a number with a unit, e.g. {eg}")
    try:
        q = reg.Quantity(text.strip().replace("^", "**"))
    except Exception as exc:  # pint raises several unrelated types
        raise InputError(field, text, f"a number with a unit pint understands, e.g. {eg}") from exc
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
    if unit in ("", "1"):
        return True
    from nanodds.io.disk_memo import UNITS, memo_key

    return UNITS.get(memo_key("dimensionless", unit), lambda: bool(ureg().Unit(unit).dimensionless),
                     lambda v: type(v) is bool)


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
    from nanodds.io.disk_memo import UNITS, is_float, memo_key
    from nanodds.specs.validity import check_finite

    if isinstance(text, int | float) and not isinstance(text, bool):
        if not is_dimensionless(unit):
            raise InputError(field, text, f"a quantity with units, e.g. {example(text, unit)}")
        value = float(text)
    else:  # pint's conversion, memoised on disk by what it depends on (the text and the unit)
        value = UNITS.get(memo_key("to", text, unit), lambda: _convert(text, unit, field), is_float)
    check_finite(value, text, field, unit)
    if UNITS.get(memo_key("temperature", unit), lambda: _is_temperature(unit), lambda v: type(v) is bool):
        kelvin = UNITS.get(memo_key("K", value, unit), lambda: float(ureg().Quantity(value, unit).to("K").magnitude),
                           is_float)
        if kelvin <= 0:
            raise InputError(field, text, "a temperature above absolute zero (-273.15 degC)")
    if positive and value <= 0:
        raise InputError(field, text, f"a value > 0 {unit}".rstrip())
    if nonnegative and value < 0:
        raise InputError(field, text, f"a value >= 0 {unit}".rstrip())
    return value


def _convert(text: Any, unit: str, field: str) -> float:
    """``text`` (a quantity string) as a float in ``unit`` by pint; errors as :func:`to_canonical`'s."""
    reg = ureg()
    pint = _import_pint()
    q = parse_quantity(text, field, unit)
    if is_bare(q) and not is_dimensionless(unit):
        raise InputError(field, text, f"a quantity with units, e.g. {example(float(q.magnitude), unit)}")
    try:
        return float(q.to(unit if unit != "1" else "").magnitude)
    except pint.DimensionalityError as exc:
        target = reg.Unit(unit)
        if target.dimensionless:
            raise InputError(field, text, "a dimensionless number, e.g. '0.5' or '50 %'") from exc
        raise InputError(field, text, f"a quantity with the dimension of {target:~} "
                         f"({target.dimensionality}), e.g. {example(None, unit)}") from exc
    except OverflowError as exc:
        raise InputError(field, text, f"a finite value in {unit}") from exc


def _is_temperature(unit: str) -> bool:
    return bool(ureg().Unit(unit or "").dimensionality == {"[temperature]": 1})
