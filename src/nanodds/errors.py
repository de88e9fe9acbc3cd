"""User-facing error type: one line naming the field, the value and what is allowed."""

from __future__ import annotations

import re
from typing import Any

VALUE_MAX_CHARS_FALLBACK = 120
"""Used only if the limits file cannot be read while an error is being formatted (it is packaged data)."""


class InputError(ValueError):
    """Bad user input.

    The message is one line, ``field: got VALUE; allowed: ALLOWED``. ``VALUE`` is shown as the user wrote it
    (numpy scalars and arrays as plain numbers and lists, YAML ``null`` as ``nothing``, booleans as
    ``true``/``false``) and cut to the bound ``error_value_max_chars`` of ``data/limits/input_limits.yaml``.

    Parameters
    ----------
    field : str
        Dotted path of the offending field, e.g. ``"carrier.diameter"``.
    value : object
        The value that was given.
    allowed : str
        What would have been accepted, in words.
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(field, value, allowed)

    def __str__(self) -> str:
        return one_line(f"{self.field}: got {show_value(self.value)}; allowed: {self.allowed}")


def one_line(text: str) -> str:
    """``text`` with every run of whitespace that contains a line break replaced by one space."""
    return re.sub(r"\s*[\r\n]+\s*", " ", str(text)).strip()


def _max_chars() -> int:
    try:
        from nanodds.limits import limit

        return limit("error_value_max_chars")
    except Exception:  # formatting an error must never raise another one
        return VALUE_MAX_CHARS_FALLBACK


def show_value(value: Any, max_chars: int | None = None) -> str:
    """``value`` as the user wrote it, on one line, cut to ``max_chars`` characters (with the full length)."""
    limit = _max_chars() if max_chars is None else max_chars
    parts: list[str] = []
    size = [0]

    def emit(s: str) -> bool:
        parts.append(s)
        size[0] += len(s)
        return size[0] <= limit

    _render(value, emit, set())
    text = one_line("".join(parts))
    if size[0] > limit or len(text) > limit:
        text = text[:limit].rstrip() + "..."
    return text


def show_text(text: str) -> str:
    """Free ``text`` (not a value) on one line, cut like a value (:func:`show_value`) but without quotes."""
    limit = _max_chars()
    text = one_line(text)
    return text if len(text) <= limit else text[:limit].rstrip() + "..."


def _render(v: Any, emit: Any, seen: set[int]) -> bool:
    """Write ``v`` piece by piece through ``emit``; stop (return False) once ``emit`` says the budget is spent."""
    if v is None:
        return emit("nothing")
    if isinstance(v, bool):
        return emit("true" if v else "false")
    item = getattr(v, "item", None)
    if callable(item) and getattr(v, "ndim", None) == 0:  # numpy scalar or 0-d array
        v = item()
    elif hasattr(v, "tolist") and getattr(v, "ndim", 0) > 0:  # numpy array
        v = v.tolist()
    if isinstance(v, bool) or v is None:
        return _render(v, emit, seen)
    if isinstance(v, str):
        return emit(repr(v))
    if isinstance(v, int | float):
        return emit(repr(v))
    if isinstance(v, list | tuple | set | frozenset | dict):
        if id(v) in seen:
            return emit("...")
        seen.add(id(v))
        is_map = isinstance(v, dict)
        if not emit("{" if is_map else "["):
            return False
        items = v.items() if is_map else v
        for i, x in enumerate(items):
            if i and not emit(", "):
                return False
            if is_map:
                k, x = x
                if not (_render(k, emit, seen) and emit(": ")):
                    return False
            if not _render(x, emit, seen):
                return False
        return emit("}" if is_map else "]")
    return emit(str(v))


def known(value: Any, allowed: Any) -> bool:
    """``value in allowed`` for a value as a scenario file gives it: a list or mapping where a name is expected
    is simply not among the choices (``[] in dict`` would raise ``TypeError`` instead of the field's message)."""
    return isinstance(value, str | int | float | bool | type(None)) and value in allowed


def reject_unknown_keys(raw: dict, allowed: set[str] | frozenset[str], where: str = "") -> None:
    """Raise :class:`InputError` for the first key of ``raw`` not in ``allowed`` (sorted, so deterministic).

    ``where`` is the dotted path of ``raw`` (empty at the top level).
    """
    unknown = set(raw) - set(allowed)
    if unknown:
        k = sorted(unknown, key=str)[0]
        prefix = f"{where}." if where else ""
        raise InputError(f"{prefix}{k}", raw[k], f"known keys: {', '.join(sorted(allowed))}")


class ResultError(InputError):
    """A simulation result that cannot be physically true (mass not conserved, more than 100 % of the dose
    delivered, NaN/inf, negative amounts). Raised instead of writing the result; it names the inputs that led
    there. A subclass of :class:`InputError` so that the CLI prints it as one line and exits 2.

    Parameters
    ----------
    quantity : str
        The result that failed, e.g. ``"mass_balance_rel_error"``.
    value : object
        Its value.
    allowed : str
        What a valid result satisfies.
    inputs : str
        The inputs that led there, e.g. ``"subject.body_weight='1e-30 kg'"``.
    """

    def __init__(self, quantity: str, value: object, allowed: str, inputs: str) -> None:
        super().__init__(f"result {quantity}", value, f"{allowed} (impossible result; inputs: {inputs})")
        self.inputs = inputs


class RangeWarning(UserWarning):
    """A parseable input outside the range in which the model was built and checked.

    The message names the field, the value as written and the validated range with its source; the CLI prints
    it as one line ``nanodds: warning: ...`` on stderr.
    """
