"""The one YAML loader of nanodds: data only, every problem a one-line :class:`~nanodds.errors.InputError`.

Every YAML file nanodds reads (scenarios, ``--params``, ``--covariates``, ``--synergy`` and the packaged
parameter files) goes through :func:`read_yaml_file` or :func:`parse_yaml`. On top of ``yaml.safe_load`` (no
Python objects, no code) they refuse:

* a file that is not UTF-8 text, a directory, an unreadable file, a file over the bound ``yaml_max_bytes``;
* the same key twice in one mapping, at any depth (YAML would silently keep the last one);
* a key that is not text (``1:``, ``yes:``, ``null:`` become numbers, booleans, nothing in YAML 1.1);
* an alias inside its own anchor (a recursive document) and documents that expand, through aliases, to more
  than ``yaml_max_nodes`` nodes ("billion laughs") or nest deeper than ``yaml_max_depth``;
* with ``mapping=True``, a document that is not a mapping (empty, a scalar or a list).

Bounds come from ``data/limits/input_limits.yaml`` (:mod:`nanodds.limits`); packaged files are read with
``bounded=False`` (they define the bounds themselves) but with the same duplicate-key and key-type checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nanodds.errors import InputError

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same rules, faster
MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"

__all__ = ["parse_yaml", "read_text_file", "read_yaml_file"]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """``yaml.SafeLoader`` (libyaml-backed when available); the checks run on the composed node graph."""


def read_text_file(path: str | Path, field: str, *, bounded: bool = True, what: str = "YAML file") -> str:
    """Read ``path`` as UTF-8 text with one-line errors for every way it can fail.

    Parameters
    ----------
    path : str or Path
        The file the user named.
    field : str
        Field named in error messages (``scenario``, ``params``, ...).
    bounded : bool
        Refuse files over the bound ``yaml_max_bytes`` (reads at most that many bytes + 1, so that
        ``/dev/zero`` or a huge file cannot exhaust memory).
    what : str
        What the file should be, in words (``YAML file``, ``CSV file``).
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(field, str(path), f"a {what}, not a directory")
    if not p.exists():
        raise InputError(field, str(path), f"an existing {what}")
    cap = None
    if bounded:
        from nanodds.limits import limit, limit_ref

        cap = limit("yaml_max_bytes")
    try:
        with p.open("rb") as fh:
            data = fh.read(-1 if cap is None else cap + 1)
    except OSError as exc:
        raise InputError(field, str(path), f"a readable {what} ({exc.strerror or exc})") from None
    if cap is not None and len(data) > cap:
        raise InputError(field, str(path), f"a {what} of at most {cap} bytes ({limit_ref('yaml_max_bytes')})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(field, str(path), f"a UTF-8 text {what} (byte 0x{data[exc.start]:02x} on line {line} "
                                           "is not UTF-8; re-save the file as UTF-8)") from None


def read_yaml_file(path: str | Path, field: str, *, prefix: str = "", mapping: bool = True,
                   bounded: bool = True) -> Any:
    """Read and parse a YAML file the user named (see the module docstring for what is refused).

    Parameters
    ----------
    path : str or Path
        The YAML file.
    field : str
        Field of the file itself in messages (``scenario``, ``params``, ``covariates``, ``synergy``).
    prefix : str
        Dotted prefix of the fields inside the file (``""`` for a scenario, whose fields are ``carrier...``).
    mapping : bool
        Require the document to be a mapping.
    bounded : bool
        Apply the size bounds of ``data/limits/input_limits.yaml``.
    """
    text = read_text_file(path, field, bounded=bounded)
    return parse_yaml(text, field, source=str(path), prefix=prefix, mapping=mapping, bounded=bounded)


def parse_yaml(text: str, field: str, *, source: str = "<text>", prefix: str = "", mapping: bool = True,
               bounded: bool = True) -> Any:
    """Parse YAML ``text`` as data; arguments as :func:`read_yaml_file` (``source`` names the text)."""
    name = Path(source).name
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" on line {mark.line + 1}" if mark is not None else ""
            problem = exc.problem or exc.context or "not YAML"
            raise InputError(field, source, f"valid YAML ({problem}{where})") from None
        except yaml.YAMLError as exc:
            raise InputError(field, source, f"valid YAML ({exc})") from None
        if node is None:
            if mapping:
                raise InputError(field, source, "a YAML mapping of keys to values (the file is empty)")
            return None
        if mapping and not isinstance(node, MappingNode):
            raise InputError(field, _written(text, node), f"a YAML mapping of keys to values ({name} holds a "
                                                          f"{_kind(node)})")
        _Checker(text, field, name, prefix, bounded).check(node)
        try:
            return loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f" on line {mark.line + 1}" if mark is not None else ""
            raise InputError(field, source, f"valid YAML ({exc.problem}{where})") from None
    finally:
        loader.dispose()


def _written(text: str, node: Node) -> str:
    """The source text of ``node`` as the user wrote it."""
    start, end = getattr(node.start_mark, "index", None), getattr(node.end_mark, "index", None)
    if start is None or end is None:
        return str(getattr(node, "value", ""))
    return text[start:end].strip() or str(getattr(node, "value", ""))


def _kind(node: Node) -> str:
    return {ScalarNode: "single value", SequenceNode: "list", MappingNode: "mapping"}.get(type(node), "node")


class _Checker:
    """Walk a composed document once (aliases memoised by node) counting the expanded size."""

    def __init__(self, text: str, field: str, name: str, prefix: str, bounded: bool) -> None:
        self.text, self.field, self.name, self.prefix, self.bounded = text, field, name, prefix, bounded
        if bounded:
            from nanodds.limits import limit

            self.max_nodes, self.max_depth = limit("yaml_max_nodes"), limit("yaml_max_depth")
        else:
            self.max_nodes = self.max_depth = None
        self.memo: dict[int, int] = {}
        self.stack: set[int] = set()

    def check(self, root: Node) -> None:
        self._walk(root, self.prefix, 0)

    def _too_big(self) -> None:
        from nanodds.limits import limit_ref

        raise InputError(self.field, f"{self.name}: more than {self.max_nodes} values once aliases are expanded",
                         f"at most {self.max_nodes} ({limit_ref('yaml_max_nodes')})")

    def _join(self, path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def _walk(self, node: Node, path: str, depth: int) -> int:
        nid = id(node)
        if nid in self.memo:
            return self.memo[nid]
        where = path or self.field
        if nid in self.stack:
            raise InputError(where, _written(self.text, node), "no anchor used inside itself (a recursive "
                             f"alias, line {node.start_mark.line + 1} of {self.name})")
        if self.max_depth is not None and depth > self.max_depth:
            from nanodds.limits import limit_ref

            raise InputError(where, f"nesting deeper than {self.max_depth} levels in {self.name}",
                             f"at most {self.max_depth} levels ({limit_ref('yaml_max_depth')})")
        self.stack.add(nid)
        count = 1
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                if k.tag == MERGE_TAG:
                    count += self._walk(v, path, depth + 1)
                    continue
                written = _written(self.text, k)
                if not isinstance(k, ScalarNode) or k.tag != STR_TAG:
                    raise InputError(self._join(path, written), written,
                                     f"a text key (YAML reads {written} as a {_key_type(k)}; write it in quotes)")
                line = k.start_mark.line + 1
                if k.value in first:
                    raise InputError(self._join(path, k.value), _written(self.text, v),
                                     f"each key once per mapping ({k.value} is already set on line "
                                     f"{first[k.value]} of {self.name}; repeated on line {line})")
                first[k.value] = line
                count += 1 + self._walk(v, self._join(path, k.value), depth + 1)
                self._bound(count)
        elif isinstance(node, SequenceNode):
            for i, v in enumerate(node.value):
                count += self._walk(v, f"{path}[{i}]" if path else f"{self.field}[{i}]", depth + 1)
                self._bound(count)
        self.stack.discard(nid)
        self.memo[nid] = count
        return count

    def _bound(self, count: int) -> None:
        if self.max_nodes is not None and count > self.max_nodes:
            self._too_big()


def _key_type(node: Node) -> str:
    if not isinstance(node, ScalarNode):
        return _kind(node)
    return {"int": "number", "float": "number", "bool": "boolean", "null": "null (nothing)",
            "timestamp": "date"}.get(node.tag.rsplit(":", 1)[-1], node.tag.rsplit(":", 1)[-1])
