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


def to_canonical(text: Any, unit: str, field: str, *, positive: bool = False,
                 nonnegative: bool = False) -> float:
    """Parse a value with units and return it as a float in ``unit``.

    Parameters
    ----------
    text : str or float
        ``"85 nm"``; a bare number is taken to already be in ``unit``.
    unit : str
        Target unit, e.g. ``"nm"``.
    field : str
        Dotted field name used in error messages.
    positive, nonnegative : bool
        Reject zero/negative values.
    """
    reg = ureg()
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        q = parse_quantity(text, field)
        try:
            value = float(q.to(unit if unit != "1" else "").magnitude)
        except pint.DimensionalityError as exc:
            target = reg.Unit(unit)
            raise InputError(field, text, f"a quantity with the dimension of {target:~} "
                             f"({target.dimensionality})") from exc
    if value != value:  # NaN
        raise InputError(field, text, "a finite number")
    if positive and value <= 0:
        raise InputError(field, text, f"a value > 0 {unit}".rstrip())
    if nonnegative and value < 0:
        raise InputError(field, text, f"a value >= 0 {unit}".rstrip())
    return value
