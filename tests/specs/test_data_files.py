"""Every parameter file under nanodds/data obeys the value/unit/source schema."""

from __future__ import annotations

import pytest

from nanodds.specs.params import DATA_ROOT, Param, load_yaml

FILES = sorted(str(p.relative_to(DATA_ROOT)) for p in DATA_ROOT.rglob("*.yaml"))


def _leaves(node):
    if isinstance(node, Param):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _leaves(v)
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v)


@pytest.mark.parametrize("rel", FILES)
def test_file_schema(rel: str) -> None:
    data = load_yaml(rel)  # raises DataFileError on a leaf without value/unit/source
    leaves = list(_leaves(data))
    assert leaves, f"{rel} holds no sourced parameter"
    for p in leaves:
        assert p.source.strip()


def test_all_data_folders_covered() -> None:
    folders = {f.split("/")[0] for f in FILES}
    assert {"physiology", "drugs", "carriers"} <= folders
