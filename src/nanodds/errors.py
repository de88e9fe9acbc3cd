"""User-facing error type: one line naming the field, the value and what is allowed."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input.

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
        super().__init__(f"{field}: got {value!r}; allowed: {allowed}")


def reject_unknown_keys(raw: dict, allowed: set[str] | frozenset[str], where: str = "") -> None:
    """Raise :class:`InputError` for the first key of ``raw`` not in ``allowed`` (sorted, so deterministic).

    ``where`` is the dotted path of ``raw`` (empty at the top level).
    """
    unknown = set(raw) - set(allowed)
    if unknown:
        k = sorted(unknown)[0]
        prefix = f"{where}." if where else ""
        raise InputError(f"{prefix}{k}", raw[k], f"known keys: {', '.join(sorted(allowed))}")
