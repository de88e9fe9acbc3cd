"""Unit handling at the boundaries (pint), canonical plain floats inside.

Canonical units: time h, volume L, mass mg, length nm, body mass kg, flow L/h, concentration mg/L.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pint

from nanodds.errors import InputError

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


@lru_cache(maxsize=1)
def ureg() -> pint.UnitRegistry:
    """The package-wide pint registry (created once)."""
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
