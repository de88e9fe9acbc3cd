"""Physiology parameter files (mouse, rat, human): schema, closure of flows and volumes, sources."""

from __future__ import annotations

import math
from typing import Any

import pytest

from nanodds.specs.params import Param, load_yaml

SPECIES = ("mouse", "rat", "human")
ORGANS = ("lung", "heart", "liver", "spleen", "gut", "kidney", "brain", "muscle", "skin",
          "adipose", "marrow", "rest")
ORGAN_FIELDS = ("volume_fraction", "flow_fraction", "vascular_fraction", "interstitial_fraction")
TOP_FIELDS = ("body_weight", "cardiac_output", "allometric_exponent_flow", "hematocrit", "gfr",
              "blood_volume_fraction", "venous_fraction_of_blood")
TUMOUR_FIELDS = ("volume", "flow_per_volume", "vascular_fraction", "interstitial_fraction", "pore_cutoff")
UNITS = {"body_weight": "kg", "height": "cm", "cardiac_output": "L/h", "gfr": "L/h",
         "blood_volume_fraction": "L/kg", "hematocrit": "1", "venous_fraction_of_blood": "1",
         "allometric_exponent_flow": "1"}


def _load(species: str) -> dict[str, Any]:
    return load_yaml(f"physiology/{species}.yaml")


def _leaves(node: Any, where: str = "") -> list[tuple[str, Param]]:
    if isinstance(node, Param):
        return [(where, node)]
    if isinstance(node, dict):
        out: list[tuple[str, Param]] = []
        for k, v in node.items():
            out += _leaves(v, f"{where}.{k}" if where else k)
        return out
    return []


@pytest.mark.parametrize("species", SPECIES)
def test_top_level_fields_and_units(species: str) -> None:
    d = _load(species)
    assert d["species"] == species
    fields = (*TOP_FIELDS, "height") if species == "human" else TOP_FIELDS
    for f in fields:
        assert isinstance(d[f], Param), f
        assert d[f].unit == UNITS[f], (f, d[f].unit)
        assert d[f].value > 0, f
    if species != "human":
        assert "height" not in d
    assert d["allometric_exponent_flow"].value == pytest.approx(0.75)
    for f in ("hematocrit", "venous_fraction_of_blood", "blood_volume_fraction"):
        assert 0.0 < d[f].value < 1.0, f


@pytest.mark.parametrize("species", SPECIES)
def test_all_organs_present_with_four_fields(species: str) -> None:
    organs = _load(species)["organs"]
    assert set(organs) == set(ORGANS)
    for organ in ORGANS:
        assert set(organs[organ]) == set(ORGAN_FIELDS), organ
        for f in ORGAN_FIELDS:
            assert isinstance(organs[organ][f], Param), (organ, f)
        assert organs[organ]["volume_fraction"].unit == "L/kg"
        for f in ("flow_fraction", "vascular_fraction", "interstitial_fraction"):
            assert organs[organ][f].unit == "1", (organ, f)


@pytest.mark.parametrize("species", SPECIES)
def test_flow_fractions_close(species: str) -> None:
    organs = _load(species)["organs"]
    assert organs["lung"]["flow_fraction"].value == 1.0
    systemic = math.fsum(organs[o]["flow_fraction"].value for o in ORGANS if o != "lung")
    assert abs(systemic - 1.0) < 1e-9
    # hepatic artery only: it must be a minor share of total hepatic (artery + portal) flow
    liver = organs["liver"]["flow_fraction"].value
    portal = organs["gut"]["flow_fraction"].value + organs["spleen"]["flow_fraction"].value
    assert liver < portal


@pytest.mark.parametrize("species", SPECIES)
def test_volume_fractions_close(species: str) -> None:
    d = _load(species)
    total = math.fsum(d["organs"][o]["volume_fraction"].value for o in ORGANS)
    total += d["blood_volume_fraction"].value
    assert 0.9 <= total <= 1.0 + 1e-9


@pytest.mark.parametrize("species", SPECIES)
def test_fractions_in_open_unit_interval(species: str) -> None:
    organs = _load(species)["organs"]
    for organ in ORGANS:
        for f in ORGAN_FIELDS:
            v = organs[organ][f].value
            if organ == "lung" and f == "flow_fraction":
                continue  # exactly 1 by definition
            assert 0.0 < v < 1.0, (organ, f, v)
        assert organs[organ]["vascular_fraction"].value + organs[organ]["interstitial_fraction"].value < 1.0


@pytest.mark.parametrize("species", SPECIES)
def test_tumour_defaults(species: str) -> None:
    t = _load(species)["tumour"]
    assert set(t) == set(TUMOUR_FIELDS)
    assert t["volume"].unit == "mL" and t["volume"].value > 0
    assert t["flow_per_volume"].unit == "mL/min/mL" and t["flow_per_volume"].value > 0
    assert t["pore_cutoff"].unit == "nm" and t["pore_cutoff"].value > 0
    for f in ("vascular_fraction", "interstitial_fraction"):
        assert 0.0 < t[f].value < 1.0, f


@pytest.mark.parametrize("species", SPECIES)
def test_every_source_non_empty(species: str) -> None:
    leaves = _leaves(_load(species))
    assert len(leaves) > 50
    for where, p in leaves:
        assert p.source.strip(), where


def test_cardiac_output_converts_with_pint() -> None:
    human = _load("human")
    assert human["cardiac_output"].to("L/min") == pytest.approx(6.5)
