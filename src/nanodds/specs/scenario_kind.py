"""Which command a scenario file belongs to: single-formulation, oral or combination.

The three scenario kinds share the YAML format but not their top-level keys: an oral scenario has an ``oral``
section, a combination scenario a ``payloads`` list, every other mapping is a single-formulation scenario
(``simulate``, ``compare``, ...). Giving a file to the wrong command is one line naming the right one
(:class:`WrongCommandError`, exit 2) instead of an unknown-key error about the first foreign key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nanodds.errors import InputError

__all__ = ["WrongCommandError", "check_kind", "scenario_kind"]

#: Scenario kind -> the command that runs it and the top-level key that marks it (None: the default kind).
KIND_COMMANDS = {"single": "simulate", "oral": "oral", "combination": "combination"}
_MARKERS = (("oral", "oral"), ("payloads", "combination"))


class WrongCommandError(InputError):
    """A scenario of one kind given to the command of another; the message names the right command."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__("scenario", str(path), f"a scenario for this command ({kind} scenario given)")
        self.kind = kind
        self.path = str(path)

    def __str__(self) -> str:
        label = "single-formulation" if self.kind == "single" else self.kind
        return f"this is {'an' if label[0] in 'aeiou' else 'a'} {label} scenario: " \
               f"use `nanodds {KIND_COMMANDS[self.kind]} {self.path}`"


def scenario_kind(doc: Any) -> str:
    """``"oral"``, ``"combination"`` or ``"single"`` for a parsed scenario document (by its top-level keys)."""
    if isinstance(doc, dict):
        for key, kind in _MARKERS:
            if key in doc:
                return kind
    return "single"


def check_kind(doc: Any, path: str | Path, expected: str) -> Any:
    """Return ``doc`` when it is an ``expected``-kind scenario, else raise :class:`WrongCommandError`."""
    kind = scenario_kind(doc)
    if kind != expected:
        raise WrongCommandError(path, kind)
    return doc
