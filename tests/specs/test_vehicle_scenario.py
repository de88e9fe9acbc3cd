"""The scenario field ``vehicle`` (solubilising micelles, e.g. Taxol's Cremophor EL) end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nanodds.engine import build, simulate
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.model.vehicle import MICELLE
from nanodds.specs.scenario import load_scenario, parse_scenario, read_yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "taxol_cremophor_human.yaml"


def _short(vehicle: str | None) -> dict:
    raw = read_yaml(EXAMPLE)
    raw["simulation"] = {"duration": "24 h", "points": 49}
    if vehicle is None:
        raw.pop("vehicle")
    else:
        raw["vehicle"] = vehicle
    return raw


def test_vehicle_adds_micellar_state_and_keeps_mass() -> None:
    scn = parse_scenario(_short("cremophor_el"))
    model = build(scn)
    assert MICELLE in model.names and len(model.k_schedule) > 0
    sol = simulate(scn)
    free = simulate(parse_scenario(_short(None)))
    # micelles hold drug in plasma: more total plasma drug, less unbound drug relative to total
    tot, tot0 = sol.observe("plasma_total"), free.observe("plasma_total")
    unb, unb0 = sol.observe("plasma_unbound"), free.observe("plasma_unbound")
    assert np.max(tot) > 1.5 * np.max(tot0)
    i = int(np.argmax(tot0))
    assert unb[i] / tot[i] < 0.7 * unb0[i] / tot0[i]
    assert max(abs(v) for v in sol.mass_balance_rel_error().values()) < 1e-9


def test_unknown_vehicle_is_one_line_error(tmp_path, capsys) -> None:
    with pytest.raises(InputError, match="vehicle"):
        parse_scenario(_short("olive_oil"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("vehicle: cremophor_el", "vehicle: olive_oil"))
    assert main(["simulate", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cremophor_el" in err
    assert not (tmp_path / "o").exists()


def test_example_runs_through_cli(tmp_path) -> None:
    assert load_scenario(EXAMPLE).vehicle == "cremophor_el"
    assert main(["simulate", str(EXAMPLE), "--out", str(tmp_path / "t")]) == 0
    m = json.loads((tmp_path / "t" / "metrics.json").read_text())
    assert "plasma_micelle" in m
