"""Loading sourced parameter files from ``nanodds/data``.

Every leaf is ``{value, unit, source}``; :func:`load_yaml` checks that and :func:`value_in` converts a leaf to
a canonical float with pint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from nanodds.errors import InputError
from nanodds.units import ureg

DATA_ROOT = Path(str(resources.files("nanodds") / "data"))


CITATION_TAGS = ("doi", "label", "smpc", "pmid", "icrp", "isbn", "pubchem", "drugbank")
"""A source must contain one of these (a traceable citation) or start with 'assumption'/'derived'."""


class DataFileError(RuntimeError):
    """A parameter file in the package violates the value/unit/source schema."""


@dataclass(frozen=True)
class Param:
    """One sourced parameter."""

    value: float
    unit: str
    source: str

    def to(self, unit: str) -> float:
        """Value converted to ``unit`` (a pint unit string)."""
        q = ureg().Quantity(self.value, self.unit if self.unit not in ("1", "") else "")
        return float(q.to(unit if unit not in ("1",) else "").magnitude)


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _check(node: Any, where: str) -> Any:
    if _is_leaf(node):
        missing = {"value", "unit", "source"} - set(node)
        if missing:
            raise DataFileError(f"{where}: parameter lacks {sorted(missing)}")
        if not isinstance(node["value"], int | float) or isinstance(node["value"], bool):
            raise DataFileError(f"{where}: value {node['value']!r} is not a number")
        src = str(node["source"]).strip()
        if not src or not (src.lower().startswith(("assumption", "derived")) or
                           any(tag in src.lower() for tag in CITATION_TAGS)):
            raise DataFileError(f"{where}: source must cite a DOI/label or start with 'assumption:'")
        unit = str(node["unit"])
        try:
            ureg().Unit(unit if unit != "1" else "")
        except Exception as exc:
            raise DataFileError(f"{where}: unit {unit!r} is not understood by pint") from exc
        return Param(float(node["value"]), unit, src)
    if isinstance(node, dict):
        return {k: _check(v, f"{where}.{k}") for k, v in node.items()}
    if isinstance(node, list):
        return [_check(v, f"{where}[{i}]") for i, v in enumerate(node)]
    return node


@lru_cache(maxsize=64)
def load_yaml(relpath: str) -> dict[str, Any]:
    """Load ``nanodds/data/<relpath>`` and turn every leaf into a :class:`Param`.

    Raises
    ------
    DataFileError
        If a leaf is missing its unit or source.
    """
    from nanodds.io.yaml_safe import read_yaml_file

    if not (DATA_ROOT / relpath).is_file():
        raise FileNotFoundError(2, "No such file", str(DATA_ROOT / relpath))
    try:
        raw = read_yaml_file(DATA_ROOT / relpath, relpath, prefix=relpath, mapping=False, bounded=False)
    except InputError as exc:  # a packaged file: its defect is ours, not the user's
        raise DataFileError(str(exc)) from None
    return _check(raw, relpath)


def available(folder: str) -> list[str]:
    """Names (file stems) of the YAML files in ``nanodds/data/<folder>``."""
    return sorted(p.stem for p in (DATA_ROOT / folder).glob("*.yaml"))


def require(mapping: dict[str, Any], key: str, field: str, kind: str) -> Any:
    """``mapping[key]`` or an :class:`InputError` listing what is allowed."""
    if key not in mapping:
        raise InputError(field, key, f"one of {', '.join(sorted(mapping))} ({kind})")
    return mapping[key]
