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
