"""Shared fixtures: the example design scenario (linear, fast) as mapping, scenario and model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nanodds.engine import build
from nanodds.specs.scenario import parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIO = EXAMPLES / "design_peg_liposome_mouse.yaml"
SPACE = EXAMPLES / "design_space_peg_liposome.yaml"


@pytest.fixture(scope="session")
def base():
    raw = yaml.safe_load(SCENARIO.read_text())
    scn = parse_scenario(raw)
    return raw, scn, build(scn)

