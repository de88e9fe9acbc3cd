"""Checks of request inputs: scenario text, per-request caps and uploaded files.

Every failure is an :class:`nanodds.errors.InputError` with the same one-line message as the CLI (the API
answers 422 ``{"detail": "<field>: got <value>; allowed: ..."}``); :class:`BinaryUpload` answers 415.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path
from typing import Any

from nanodds.errors import InputError, RangeWarning
from nanodds.specs.scenario import Scenario, parse_scenario
from nanodds.web.settings import Limits

__all__ = ["BinaryUpload", "check_caps", "check_upload", "parse_scenario_text", "parse_yaml_text"]


class BinaryUpload(InputError):
    """An upload that is not UTF-8 text (HTTP 415)."""


def parse_yaml_text(text: str, field: str, limits: Limits) -> Any:
    """Parse YAML sent in a request as data (safe loader; never executed)."""
    if not isinstance(text, str):
        raise InputError(field, text, "YAML text")
    if len(text) > limits.max_scenario_chars:
        raise InputError(field, f"{len(text)} characters", f"at most {limits.max_scenario_chars} characters")
    from nanodds.io.yaml_safe import parse_yaml  # the project's one safe loader (duplicate keys, bounds)

    return parse_yaml(text, field, mapping=False)


def parse_scenario_text(text: str, limits: Limits, field: str = "scenario") -> tuple[Any, Scenario, list[str]]:
    """YAML text -> (mapping, Scenario, range warnings), with the server's caps applied."""
    raw = parse_yaml_text(text, field, limits)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RangeWarning)
        scn = parse_scenario(raw)
    check_caps(scn, raw, limits)
    notes = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RangeWarning)))
    return raw, scn, notes


def check_caps(scn: Scenario, raw: Any, limits: Limits) -> None:
    """Refuse a horizon or a number of output times above the server's caps."""
    sim = raw.get("simulation") or {} if isinstance(raw, dict) else {}
    if scn.duration_h > limits.max_horizon_h:
        raise InputError("simulation.duration", sim.get("duration", f"{scn.duration_h:g} h"),
                         f"at most {limits.max_horizon_h:g} h on this server")
    if scn.points > limits.max_points:
        raise InputError("simulation.points", scn.points, f"at most {limits.max_points} on this server")


def check_count(field: str, value: Any, low: int, high: int) -> int:
    """An integer in [low, high], or an :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(field, value, f"an integer from {low} to {high} on this server")
    return value


def _text(content: bytes, name: str) -> str:
    if b"\x00" in content:
        raise BinaryUpload("file", name, "a UTF-8 text CSV file (this one is binary)")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BinaryUpload("file", name, "a UTF-8 text CSV file (this one is not UTF-8 text)") from None


def check_upload(content: bytes, name: str, kind: str) -> dict[str, Any]:
    """Read an upload as the CLI would and return its summary; raises :class:`InputError` otherwise.

    ``kind`` is ``release`` (a dissolution/release CSV, :func:`nanodds.release.dataio.read_release_csv`) or
    ``delivery`` (Nano-Tumor DB columns for ``predict-delivery``).
    """
    text = _text(content, name)
    if not text.strip():
        raise InputError("file", name, "a CSV file with a header row (the file is empty)")
    if kind == "release":
        from nanodds.release.dataio import read_release_csv

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "data.csv"
            path.write_text(text, encoding="utf-8")
            data = read_release_csv(path)
        return {"profiles": list(data.profiles), "rows": len(data.table), "time_unit": data.time_unit,
                "replicates": bool(data.has_replicates)}
    if kind == "delivery":
        import pandas as pd

        from nanodds.design.features import CATEGORICAL, NUMERIC

        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise InputError("file", name, f"a comma-separated CSV file ({str(exc).splitlines()[0]})") from None
        known = [c for c in df.columns if c in set(NUMERIC) | set(CATEGORICAL)]
        if not known:
            cols = ", ".join((*NUMERIC, *CATEGORICAL))
            raise InputError("file", name, f"a CSV with at least one of the columns {cols}")
        return {"rows": len(df), "columns": [str(c) for c in df.columns], "known_columns": known}
    raise InputError("kind", kind, "release or delivery")
