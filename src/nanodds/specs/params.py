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

from nanodds.errors import InputError, known
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
        """Value converted to ``unit`` (a pint unit string; pint's result, memoised on disk by value and units)."""
        from nanodds.io.disk_memo import UNITS, is_float, memo_key

        return UNITS.get(memo_key("param", self.value, self.unit, unit), lambda: self._to(unit), is_float)

    def _to(self, unit: str) -> float:
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
    from nanodds.io.disk_memo import cached_tree
    from nanodds.io.yaml_safe import parse_yaml, read_text_file

    path = DATA_ROOT / relpath
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    try:
        text = read_text_file(path, relpath, bounded=False)
    except InputError as exc:  # a packaged file: its defect is ours, not the user's
        raise DataFileError(str(exc)) from None

    def parse() -> Any:
        try:
            raw = parse_yaml(text, relpath, source=str(path), prefix=relpath, mapping=False, bounded=False)
        except InputError as exc:
            raise DataFileError(str(exc)) from None
        return _check(raw, relpath)

    return cached_tree(relpath, text.encode("utf-8"), parse, _encode, _decode)  # a warm run parses nothing


def _encode(node: Any) -> Any:
    """A checked tree as JSON data: ``["P", value, unit, source]``, ``["D", {...}]``, ``["L", [...]]``,
    ``["S", scalar]``; ``TypeError`` for anything else (e.g. a YAML date: that file is then not cached)."""
    if isinstance(node, Param):
        return ["P", node.value, node.unit, node.source]
    if isinstance(node, dict):
        return ["D", {k: _encode(v) for k, v in node.items()}]
    if isinstance(node, list):
        return ["L", [_encode(v) for v in node]]
    if node is None or isinstance(node, str | int | float):
        return ["S", node]
    raise TypeError(f"not cached: {type(node).__name__}")


def _decode(node: Any) -> Any:
    """Inverse of :func:`_encode`; ``ValueError``/``TypeError`` on anything else (a damaged cache entry)."""
    tag, body = node[0], node[1]
    if tag == "P" and len(node) == 4 and type(body) is float and isinstance(node[2], str) \
            and isinstance(node[3], str):
        return Param(body, node[2], node[3])
    if tag == "D" and type(body) is dict:
        return {k: _decode(v) for k, v in body.items()}
    if tag == "L" and type(body) is list:
        return [_decode(v) for v in body]
    if tag == "S" and (body is None or type(body) in (str, int, float, bool)):
        return body
    raise ValueError(f"damaged cache entry: {tag!r}")


def available(folder: str) -> list[str]:
    """Names (file stems) of the YAML files in ``nanodds/data/<folder>``."""
    return sorted(p.stem for p in (DATA_ROOT / folder).glob("*.yaml"))


def require(mapping: dict[str, Any], key: str, field: str, kind: str) -> Any:
    """``mapping[key]`` or an :class:`InputError` listing what is allowed."""
    if not known(key, mapping):
        raise InputError(field, key, f"one of {', '.join(sorted(mapping))} ({kind})")
    return mapping[key]
