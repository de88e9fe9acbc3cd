"""Shared assertion of the design-space tests."""

from __future__ import annotations

import pytest


def assert_rejected(space, base_tuple, field: str) -> None:
    """``parse_space`` rejects ``space`` for the scenario ``(raw, scn, model)`` in one line naming ``field``."""
    from nanodds.design.space import parse_space
    from nanodds.errors import InputError

    raw, scn, model = base_tuple
    with pytest.raises(InputError) as exc:
        parse_space(space, scn, raw, model)
    assert exc.value.field == field
    assert "\n" not in str(exc.value)
