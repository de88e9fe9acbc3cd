"""Shared check for scenario input refusals: the parser's InputError and the CLI's one line with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario


def assert_scenario_refused(raw: dict, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``raw`` is refused naming ``field``: parsing raises, and ``nanodds simulate`` prints one line, exit 2."""
    with pytest.raises(InputError) as exc:
        parse_scenario(raw)
    assert str(exc.value).startswith(f"{field}:")
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(raw))
    assert main(["simulate", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0] and "Traceback" not in err[0]
