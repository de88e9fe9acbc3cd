"""The one YAML loader (:mod:`nanodds.io.yaml_safe`) and the one-line value display of :class:`InputError`."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.errors import InputError, show_value
from nanodds.io.yaml_safe import parse_yaml, read_yaml_file
from nanodds.limits import limit


def _err(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "scenario", source="s.yaml", **kw)
    return exc.value


@pytest.mark.parametrize(("text", "field"), [
    ("a: 1\na: 2\n", "a"),
    ("a:\n  b: 1\n  c: 2\n  b: 3\n", "a.b"),
    ("regimen:\n  - {dose: 1 mg, dose: 2 mg}\n", "regimen[0].dose"),
    ("x: [[{k: 1, k: 1}]]\n", "x[0][0].k"),
])
def test_duplicate_keys_at_any_depth_name_the_field_and_both_lines(text: str, field: str) -> None:
    e = _err(text)
    assert e.field == field
    assert "already set on line" in str(e) and "repeated on line" in str(e)


def test_last_one_wins_is_what_plain_safe_load_would_do() -> None:
    """The reason for the check: PyYAML keeps the last value silently."""
    assert yaml.safe_load("a: 1\na: 2\n") == {"a": 2}


def test_merge_keys_are_not_duplicates() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "f")
    assert doc["other"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(("key", "kind"), [("1", "number"), ("yes", "boolean"), ("null", "null"),
                                            ("2020-01-01", "date"), ("1.5", "number")])
def test_keys_must_be_text(key: str, kind: str) -> None:
    e = _err(f"carrier:\n  {key}: x\n")
    assert e.field == f"carrier.{key}" and kind in str(e)
    assert parse_yaml(f"carrier:\n  '{key}': x\n", "f") == {"carrier": {key: "x"}}  # quoted: fine


def test_alias_bomb_is_refused_by_counting_not_expanding() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, c in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{c}: &{c} [" + ", ".join([f"*{prev}"] * 10) + "]")
    e = _err("\n".join(lines) + "\n")
    assert "yaml_max_nodes" in str(e) and "input_limits.yaml" in str(e)


def test_a_few_aliases_are_fine() -> None:
    assert parse_yaml("a: &a {x: 1}\nb: *a\nc: *a\n", "f") == {"a": {"x": 1}, "b": {"x": 1}, "c": {"x": 1}}


def test_recursive_alias_and_depth() -> None:
    assert "inside itself" in str(_err("name: &a [*a]\n"))
    deep = "a: " + "[" * (limit("yaml_max_depth") + 5) + "]" * (limit("yaml_max_depth") + 5) + "\n"
    assert "yaml_max_depth" in str(_err(deep))


@pytest.mark.parametrize(("text", "words"), [("", "empty"), ("- a\n", "list"), ("hello\n", "single value"),
                                             ("a: [\n", "valid YAML"), ("a: 1\n---\nb: 2\n", "valid YAML")])
def test_not_a_mapping_or_not_yaml(text: str, words: str) -> None:
    assert words in str(_err(text))


def test_files_size_encoding_directory(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * limit("yaml_max_bytes") + b"\n")
    with pytest.raises(InputError, match="yaml_max_bytes"):
        read_yaml_file(big, "params")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as exc:
        read_yaml_file(latin, "params")
    assert exc.value.field == "params" and "line 1" in str(exc.value)
    with pytest.raises(InputError, match="not a directory"):
        read_yaml_file(tmp_path, "params")
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffname: caf\u00e9\n".encode())
    assert read_yaml_file(bom, "params") == {"name": "caf\u00e9"}


def test_scenario_reader_uses_the_loader(tmp_path) -> None:
    from nanodds.specs.scenario import load_scenario

    p = tmp_path / "s.yaml"
    p.write_text("species: mouse\ndrug: doxorubicin\nregimen: [{dose: 9 mg/kg}]\nspecies: human\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert exc.value.field == "species"


text_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8)
values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                      lambda c: st.lists(c, max_size=3) | st.dictionaries(text_keys, c, max_size=3), max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(text_keys, values, min_size=1, max_size=5))
def test_round_trip_equals_safe_load(doc: dict) -> None:
    """On documents without duplicates the loader returns exactly what yaml.safe_load returns."""
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert parse_yaml(text, "f") == yaml.safe_load(text)


@settings(max_examples=60, deadline=None)
@given(values)
def test_shown_values_are_one_short_line(v) -> None:
    s = show_value(v, 40)
    assert "\n" not in s and len(s) <= 43


def test_values_shown_as_written() -> None:
    assert str(InputError("x", np.float64(0.5), "y")) == "x: got 0.5; allowed: y"
    assert str(InputError("x", np.array([1.0, 2.5]), "y")) == "x: got [1.0, 2.5]; allowed: y"
    assert str(InputError("x", np.int64(3), "y")) == "x: got 3; allowed: y"
    assert str(InputError("x", None, "y")) == "x: got nothing; allowed: y"
    assert str(InputError("x", True, "y")) == "x: got true; allowed: y"
    assert str(InputError("x", "a\nb", "one\n  line")) == "x: got 'a\\nb'; allowed: one line"
    long = str(InputError("x", "z" * 10_000, "y"))
    assert len(long) < 200 and "..." in long
    loop: list = []
    loop.append(loop)
    assert "..." in str(InputError("x", loop, "y"))
