"""Validated input ranges (``data/validity/ranges.yaml``): warn outside them, refuse absurd magnitudes.

A parseable value outside the range in which the model was built and checked still runs but emits a
:class:`~nanodds.errors.RangeWarning` naming the field, the value as written and the range. Magnitudes beyond
``magnitude_limit`` (canonical units) have no physical meaning and are :class:`~nanodds.errors.InputError`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from nanodds.errors import InputError, RangeWarning
from nanodds.specs.params import Param, load_yaml

DATA_FILE = "validity/ranges.yaml"


def _ranges() -> dict[str, Any]:
    return load_yaml(DATA_FILE)


def magnitude_limit() -> float:
    """Largest |value| (in a field's canonical unit) that still has a physical meaning."""
    return _ranges()["magnitude_limit"].to("1")


def check_finite(value: float, written: Any, field: str, unit: str = "") -> float:
    """``value`` if finite and within :func:`magnitude_limit`, else an :class:`InputError` naming the field."""
    lim = magnitude_limit()
    if not math.isfinite(value) or abs(value) > lim:
        what = f"a finite value of magnitude at most {lim:g} {unit}".rstrip()
        raise InputError(field, written, what)
    return value


def _node(key: str, qualifier: str | None) -> dict[str, Any] | None:
    node = _ranges().get(key)
    if node is None:
        return None
    if "low" not in node:
        node = node.get(qualifier) if qualifier in node else node.get("default")
    return node


def validated_range(key: str, unit: str, qualifier: str | None = None) -> tuple[float, float] | None:
    """(low, high) of ``key`` (for ``qualifier``: species or carrier type) in ``unit``; None if not tabulated.

    A qualifier missing from the table falls back to its ``default`` entry when there is one.
    """
    node = _node(key, qualifier)
    if node is None:
        return None
    return node["low"].to(unit), node["high"].to(unit)


def error_limit(key: str, unit: str, qualifier: str | None = None, side: str = "high") -> float | None:
    """The ``error_high`` (or ``error_low``) limit of ``key`` in ``unit``: beyond it a value is an error."""
    node = _node(key, qualifier) or {}
    p = node.get(f"error_{side}")
    return p.to(unit) if isinstance(p, Param) else None


def check_range(field: str, value: float, written: Any, key: str, unit: str,
                qualifier: str | None = None, note: str = "") -> bool:
    """Refuse ``value`` (in ``unit``) beyond the error limits of ``key``; warn outside its validated range.

    ``note`` follows the value in the message, e.g. ``" (0.2 L/kg of body weight)"``.

    Returns
    -------
    bool
        True when it warned (:class:`RangeWarning`), so that callers can name out-of-range inputs in later errors.

    Raises
    ------
    InputError
        Beyond ``error_low``/``error_high``: no physical meaning is left.
    """
    lo_err, hi_err = error_limit(key, unit, qualifier, "low"), error_limit(key, unit, qualifier, "high")
    shown = "" if unit in ("", "1") else f" {unit}"  # a dimensionless range has no unit to print
    if (lo_err is not None and value < lo_err) or (hi_err is not None and value > hi_err):
        lo_s = f"{lo_err:g}" if lo_err is not None else "-"
        hi_s = f"{hi_err:g}" if hi_err is not None else "-"
        who = f" for {qualifier}" if qualifier else ""
        raise InputError(field, written, f"{lo_s} to {hi_s}{shown}{who} (beyond it the value has no physical "
                         f"meaning; data/{DATA_FILE} '{key}')")
    rng = validated_range(key, unit, qualifier)
    if rng is None or rng[0] <= value <= rng[1]:
        return False
    lo, hi = rng
    who = f" for {qualifier}" if qualifier else ""
    warnings.warn(f"{field}: got {written!r}{note}; validated range{who}: {lo:g} to {hi:g}{shown} (the range in which "
                  f"the model was built and checked; results outside it are extrapolations; see data/{DATA_FILE} "
                  f"'{key}')", RangeWarning, stacklevel=3)
    return True
