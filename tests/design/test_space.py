"""The design space parser: every bad input is one InputError naming the field; every accepted key acts."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from tests.design.space_checks import assert_rejected

from nanodds.design.space import parse_space
from nanodds.errors import InputError
from nanodds.specs.scenario import parse_scenario

SPACE = Path(__file__).resolve().parents[2] / "examples" / "design_space_peg_liposome.yaml"

GOOD = yaml.safe_load(SPACE.read_text())


def _space(**changes):
    s = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def _vars(**v):
    return _space(variables=v)


def test_example_space_parses(base):
    raw, scn, model = base
    sp = parse_space(GOOD, scn, raw, model)
    assert [v.column for v in sp.variables] == ["diameter_nm", "pegylated", "release_rate_per_h", "dose_mg_per_kg",
                                                "dose_count"]
    assert [o.column for o in sp.objectives] == ["tumour_released_auc_mg_h_per_L", "heart_released_auc_mg_h_per_L",
                                                 "mps_load_mg_h"]
    assert sp.constraints[0].high == 400.0 and sp.constraints[0].low is None
    assert (sp.population, sp.generations, sp.seed) == (16, 6, 1)
    assert sp.variables[2].log and sp.variables[2].low == 0.001


BAD = [
    ("top-level key", _space(extra=1), "extra"),
    ("variables missing", _space(variables=None), "variables"),
    ("no variables", _vars(), "variables"),
    ("unknown variable", _vars(size={"low": "60 nm", "high": "90 nm"}), "variables.size"),
    ("ligand density without a ligand", _vars(ligand_density={"low": 10, "high": 500}), "variables.ligand_density"),
    ("zeta alias", _vars(zeta_potential={"low": "-30 mV", "high": "0 mV"}), "variables.zeta_potential"),
    ("bare number", _vars(diameter={"low": 60, "high": "150 nm"}), "variables.diameter.low"),
    ("wrong unit", _vars(diameter={"low": "60 h", "high": "150 nm"}), "variables.diameter.low"),
    ("high below low", _vars(diameter={"low": "150 nm", "high": "60 nm"}), "variables.diameter.high"),
    ("below manufacturable", _vars(diameter={"low": "20 nm", "high": "150 nm"}), "variables.diameter.low"),
    ("above manufacturable", _vars(diameter={"low": "60 nm", "high": "400 nm"}), "variables.diameter.high"),
    ("release above bound", _vars(release_rate={"low": "0.01 1/h", "high": "100 1/h"}), "variables.release_rate.high"),
    ("missing high", _vars(diameter={"low": "60 nm"}), "variables.diameter.high"),
    ("range key", _vars(diameter={"low": "60 nm", "high": "90 nm", "step": "1 nm"}), "variables.diameter.step"),
    ("log not bool", _vars(diameter={"low": "60 nm", "high": "90 nm", "log": "yes"}), "variables.diameter.log"),
    ("peg values", _vars(pegylated=[True]), "variables.pegylated"),
    ("rate twice", _vars(release_rate={"low": "0.01 1/h", "high": "1 1/h"},
                         release_rate_blood={"low": "0.01 1/h", "high": "1 1/h"}), "variables.release_rate"),
    ("dose unit", _vars(dose={"low": "3 h", "high": "9 mg/kg"}), "variables.dose.low"),
    ("count not int", _vars(dose_count={"low": 1, "high": 2.5}), "variables.dose_count.high"),
    ("count log", _vars(dose_count={"low": 1, "high": 2, "log": True}), "variables.dose_count.log"),
    ("schedule past duration", _vars(dose_count={"low": 1, "high": 3}), "variables.dose_count"),
    ("objectives missing", _space(objectives=None), "objectives"),
    ("objective key", _space(objectives=[{"name": "a", "metric": "tumour AUC", "direction": "max", "w": 1}]),
     "objectives[0].w"),
    ("objective name", _space(objectives=[{"name": "Tumour AUC", "metric": "tumour AUC", "direction": "max"}]),
     "objectives[0].name"),
    ("direction", _space(objectives=[{"name": "a", "metric": "tumour AUC", "direction": "up"}]),
     "objectives[0].direction"),
    ("metric words", _space(objectives=[{"name": "a", "metric": "tumour exposure", "direction": "max"}]),
     "objectives[0].metric"),
    ("metric organ", _space(objectives=[{"name": "a", "metric": "pancreas AUC", "direction": "max"}]),
     "objectives[0].metric"),
    ("metric concentrations added", _space(objectives=[{"name": "a", "metric": "liver+spleen AUC",
                                                         "direction": "min"}]), "objectives[0].metric"),
    ("metric phagocytes", _space(objectives=[{"name": "a", "metric": "brain phagocyte carrier AUC",
                                              "direction": "min"}]), "objectives[0].metric"),
    ("duplicate objective", _space(objectives=[{"name": "a", "metric": "tumour AUC", "direction": "max"},
                                               {"name": "a", "metric": "heart AUC", "direction": "min"}]),
     "objectives"),
    ("constraint bare number", _space(constraints=[{"metric": "heart AUC", "max": 5}]), "constraints[0].max"),
    ("constraint unit", _space(constraints=[{"metric": "heart AUC", "max": "5 mg/L"}]), "constraints[0].max"),
    ("constraint bound", _space(constraints=[{"metric": "heart AUC"}]), "constraints[0]"),
    ("optimiser key", _space(optimiser={"population": 4, "generations": 2, "workers": 2}), "optimiser.workers"),
    ("population", _space(optimiser={"population": 1, "generations": 2}), "optimiser.population"),
    ("budget cap", _space(optimiser={"population": 200, "generations": 200}), "optimiser"),
    ("seed", _space(optimiser={"seed": -1}), "optimiser.seed"),
    ("description", _space(description=3), "description"),
]


@pytest.mark.parametrize(("label", "space", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_space_is_one_line_naming_the_field(base, label, space, field):
    assert_rejected(space, base, field)


def test_carrier_rules_depend_on_the_scenario(base):
    raw, _, model = base
    plga = parse_scenario({**raw, "carrier": {"type": "plga_nanoparticle"}})
    with pytest.raises(InputError, match="manufacturable") as exc:  # PLGA: 100-200 nm
        parse_space(_vars(diameter={"low": "60 nm", "high": "150 nm"}), plga, raw, model)
    assert exc.value.field == "variables.diameter.low"
    mech = parse_scenario({**raw, "carrier": {"type": "pegylated_liposome",
                                              "release": {"model": "weibull", "td": "10 h", "beta": 1.0}}})
    with pytest.raises(InputError, match="first_order") as exc:
        parse_space(_vars(release_rate={"low": "0.01 1/h", "high": "1 1/h"}), mech, raw, model)
    two = {**raw, "regimen": [{"dose": "3 mg/kg"}, {"dose": "3 mg/kg", "start": "24 h"}]}
    with pytest.raises(InputError, match="one regimen item"):
        parse_space(_vars(dose={"low": "3 mg/kg", "high": "9 mg/kg"}), parse_scenario(two), two, model)


def test_decoded_designs_stay_inside_the_bounds(base):
    """Invariant: any unit-cube point decodes to values inside every variable's bounds, of the right kind."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from nanodds.design.optimise import Design

    raw, scn, model = base
    design = Design(scn, raw, parse_space(GOOD, scn, raw, model))
    nv = len(design.space.variables)

    @settings(max_examples=200, deadline=None)
    @given(arrays(float, (3, nv), elements=st.floats(0.0, 1.0)))
    def check(U):
        X = design.decode(U)
        for j, v in enumerate(design.space.variables):
            assert np.all((X[:, j] >= v.low) & (X[:, j] <= v.high))
            if v.kind in ("integer", "boolean"):
                assert np.all(X[:, j] == np.round(X[:, j]))

    check()
