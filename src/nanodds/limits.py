"""Bounds on the size of user input, read from ``data/limits/input_limits.yaml`` (value, unit, reason).

Each bound has a name; an input beyond it is refused with an :class:`~nanodds.errors.InputError` whose
message names the bound (:func:`limit_ref`), so a user who really needs more knows what to change.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from nanodds.errors import InputError

LIMITS_FILE = "limits/input_limits.yaml"


@lru_cache(maxsize=1)
def _limits() -> dict[str, Any]:
    from nanodds.specs.params import load_yaml

    return load_yaml(LIMITS_FILE)


def limit(name: str) -> int:
    """The bound ``name`` of ``data/limits/input_limits.yaml`` as an integer (bytes, counts or characters)."""
    return int(_limits()[name].value)


def limit_ref(name: str) -> str:
    """How an error message names the bound: ``limit max_dose_events in data/limits/input_limits.yaml``."""
    return f"limit {name} in nanodds/data/{LIMITS_FILE}"


def check_int(value: Any, field: str, lo: int, limit_name: str | None = None, hi: int | None = None) -> int:
    """``value`` as an int in ``lo .. hi`` (``hi`` from the bound ``limit_name`` when given).

    Raises
    ------
    InputError
        Not an integer (bools are not integers here), below ``lo`` or above the bound, naming the bound.
    """
    top = limit(limit_name) if limit_name is not None else hi
    where = f" ({limit_ref(limit_name)})" if limit_name is not None else ""
    allowed = f"an integer from {lo} to {top}{where}" if top is not None else f"an integer >= {lo}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, value, allowed)
    if value < lo or (top is not None and value > top):
        raise InputError(field, value, allowed)
    return value
