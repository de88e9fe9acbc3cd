"""Surface charge (`zeta`) and ligand density as design variables: parsed, bounded, acting, written back."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tests.design.space_checks import assert_rejected

from nanodds.design.optimise import Design
from nanodds.design.space import parse_space
from nanodds.engine import build, simulate
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIO = EXAMPLES / "design_targeted_liposome_mouse.yaml"
SPACE = EXAMPLES / "design_space_targeted_liposome.yaml"
GOOD = yaml.safe_load(SPACE.read_text())


@pytest.fixture(scope="module")
def targeted():
    raw = yaml.safe_load(SCENARIO.read_text())
    scn = parse_scenario(raw)
    return raw, scn, build(scn)


def _vars(**v):
    s = copy.deepcopy(GOOD)
    s["variables"] = v
    return s


def test_example_space_parses_with_signed_zeta_and_bare_density(targeted):
    raw, scn, model = targeted
    sp = parse_space(GOOD, scn, raw, model)
    cols = {v.column: v for v in sp.variables}
    assert list(cols) == ["diameter_nm", "zeta_mV", "ligand_density"]
    assert (cols["zeta_mV"].low, cols["zeta_mV"].high) == (-40.0, 20.0)
    assert cols["ligand_density"].log and cols["ligand_density"].high == 1500.0


BAD = [
    ("zeta below manufacturable", _vars(zeta={"low": "-80 mV", "high": "0 mV"}), "variables.zeta.low"),
    ("zeta log", _vars(zeta={"low": "-30 mV", "high": "0 mV", "log": True}), "variables.zeta.log"),
    ("zeta unit", _vars(zeta={"low": "-30 nm", "high": "0 mV"}), "variables.zeta.low"),
    ("zeta bare number", _vars(zeta={"low": -30, "high": "0 mV"}), "variables.zeta.low"),
    ("zeta inside the neutral band", _vars(zeta={"low": "-5 mV", "high": "5 mV"}), "variables.zeta"),
    ("density below avidity range", _vars(ligand_density={"low": 2, "high": 50}), "variables.ligand_density"),
    ("density above manufacturable", _vars(ligand_density={"low": 10, "high": 1e5}), "variables.ligand_density.high"),
    ("density zero", _vars(ligand_density={"low": 0, "high": 50}), "variables.ligand_density.low"),
    ("alias", _vars(zeta_potential={"low": "-30 mV", "high": "0 mV"}), "variables.zeta_potential"),
]


@pytest.mark.parametrize(("label", "space", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_surface_variable_is_one_line_naming_the_field(targeted, label, space, field):
    assert_rejected(space, targeted, field)


def test_messages_say_why(targeted, base):
    raw, scn, model = targeted
    with pytest.raises(InputError, match="between 100 and 1000 ligands per particle"):
        parse_space(_vars(ligand_density={"low": 2, "high": 50}), scn, raw, model)
    with pytest.raises(InputError, match=r"zeta \(no variable named zeta_potential\)"):
        parse_space(_vars(zeta_potential={"low": "-30 mV", "high": "0 mV"}), scn, raw, model)
    with pytest.raises(InputError, match=r"ligand_density \(no variable named ligand\)"):
        parse_space(_vars(ligand={"low": 10, "high": 500}), scn, raw, model)
    braw, bscn, bmodel = base  # the untargeted example carrier has no ligand
    with pytest.raises(InputError, match="carrier with a ligand") as exc:
        parse_space(_vars(ligand_density={"low": 10, "high": 500}), bscn, braw, bmodel)
    assert exc.value.field == "variables.ligand_density"


def test_zeta_with_a_fixed_mps_multiplier_is_rejected_when_it_cannot_act(targeted):
    raw, _, _ = targeted
    fixed = {**raw, "carrier": {**raw["carrier"], "mps_multiplier": 1.0}}
    scn = parse_scenario(fixed)
    with pytest.raises(InputError, match=r"fixes carrier\.mps_multiplier") as exc:  # 100 nm: no renal route either
        parse_space(_vars(zeta={"low": "-40 mV", "high": "20 mV"}), scn, fixed, build(scn))
    assert exc.value.field == "variables.zeta"


def test_each_variable_changes_the_objectives(targeted):
    """A variable moved alone over its range changes tumour and heart exposure (it acts in the model)."""
    raw, scn, model = targeted
    d = Design(scn, raw, parse_space(GOOD, scn, raw, model))
    base = [100.0, -15.0, 50.0]
    for j, alt in ((1, 20.0), (1, -40.0), (2, 500.0)):
        x = list(base)
        x[j] = alt
        ev = d.evaluate(pd.DataFrame([base, x]).to_numpy())
        for k in ("objective:tumour_released_auc", "objective:heart_released_auc", "objective:mps_load"):
            assert ev[k][0] != pytest.approx(ev[k][1], rel=1e-6), (j, alt, k)


def test_design_files_write_zeta_and_density_back_and_reproduce_the_row(targeted, tmp_path):
    """Criterion: a front design's scenario file, run by `nanodds simulate`, gives its pareto.csv row to 1e-9."""
    space = tmp_path / "space.yaml"
    small = copy.deepcopy(GOOD)
    small["optimiser"] = {"population": 6, "generations": 2, "seed": 2}
    space.write_text(yaml.safe_dump(small))
    out = tmp_path / "out"
    assert main(["design", str(SCENARIO), "--space", str(space), "--out", str(out), "--no-plots"]) == 0
    front = pd.read_csv(out / "pareto.csv")
    raw, scn, model = targeted
    sp = parse_space(small, scn, raw, model)
    for _, row in front.head(2).iterrows():
        path = out / "designs" / f"{row['design_id']}.yaml"
        written = yaml.safe_load(path.read_text())["carrier"]
        assert float(written["zeta"].split()[0]) == row["zeta_mV"]
        assert written["ligand"] == {"type": "peptide", "receptor": "generic", "density": row["ligand_density"]}
        sol = simulate(load_scenario(path))
        for o in sp.objectives:
            assert o.metric.from_solution(sol) == pytest.approx(row[o.column], rel=1e-9)
    assert json.loads((out / "design.json").read_text())["optimiser"]["seed"] == 2
