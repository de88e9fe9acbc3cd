"""`zeta` and `ligand_density` as named model parameters (sensitivity, fitting, design, forward model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.analysis.forward import ForwardModel
from nanodds.analysis.model_params import ScenarioModel, current_value, param_unit, parse_param_specs, with_zeta
from nanodds.engine import build
from nanodds.errors import InputError
from nanodds.specs.scenario import parse_scenario

RAW = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / "design_targeted_liposome_mouse.yaml")
                     .read_text())


def _parsed(zeta=None, density=None, mps=None):
    car = dict(RAW["carrier"])
    if zeta is not None:
        car["zeta"] = f"{zeta!r} mV"
    if density is not None:
        car["ligand"] = {**car["ligand"], "density": density}
    if mps is not None:
        car["mps_multiplier"] = mps
    return parse_scenario({**RAW, "carrier": car})


@settings(max_examples=12, deadline=None)
@given(zeta=st.floats(-50, 50), density=st.floats(1, 2000))
def test_parameters_give_the_model_of_the_scenario_written_with_them(zeta, density):
    """Setting zeta/ligand_density on the model equals writing them in the scenario (to rounding)."""
    m = ScenarioModel(_parsed(), linear=True).model({"zeta": zeta, "ligand_density": density})
    ref = build(_parsed(zeta, density)).linear()
    np.testing.assert_allclose(m.K, ref.K, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(m.dose_vector, ref.dose_vector)


def test_fixed_mps_multiplier_wins_over_zeta():
    """As in a scenario: an explicit mps_multiplier is kept whatever the zeta; otherwise charge raises it."""
    fixed, free = _parsed(mps=0.7), _parsed()
    assert fixed.carrier.mps_explicit and not free.carrier.mps_explicit
    assert with_zeta(fixed.carrier, -45.0).mps_multiplier == 0.7
    assert with_zeta(free.carrier, -45.0).mps_multiplier == pytest.approx(_parsed(zeta=-45.0).carrier.mps_multiplier,
                                                                           rel=1e-14)
    assert with_zeta(free.carrier, -45.0).mps_multiplier > free.carrier.mps_multiplier


def test_units_current_values_and_signed_ranges():
    scn = _parsed()
    assert param_unit(scn, "zeta") == "mV" and param_unit(scn, "ligand_density") == "1"
    assert current_value(scn, "zeta") == -15.0
    assert current_value(scn, "ligand_density") == 200.0  # the peptide class default
    spec = parse_param_specs(scn, {"zeta": {"low": "-40 mV", "high": "10 mV"}})[0]
    assert (spec.low, spec.high) == (-40.0, 10.0)
    with pytest.raises(InputError, match="a value"):  # other parameters stay non-negative
        parse_param_specs(scn, {"diameter": {"low": "-40 nm", "high": "10 nm"}})
    untargeted = parse_scenario({**RAW, "carrier": {"type": "pegylated_liposome"}})
    with pytest.raises(InputError, match="carrier with a ligand") as exc:
        param_unit(untargeted, "ligand_density")
    assert exc.value.field == "params.ligand_density"
    assert current_value(untargeted, "zeta") == 0.0  # unstated zeta counts as neutral


def test_forward_model_batches_surface_parameters():
    fm = ForwardModel(_parsed(), ["zeta", "ligand_density"], ["tissue_released_tumour"])
    P = np.array([[-15.0, 200.0], [-40.0, 200.0], [-15.0, 1000.0]])
    r = fm.simulate(P, np.linspace(0.0, 168.0, 169))
    auc = r.auc_t["tissue_released_tumour"]
    one = [fm.simulate(p[None], np.linspace(0.0, 168.0, 169)).auc_t["tissue_released_tumour"][0] for p in P]
    np.testing.assert_allclose(auc, one, rtol=1e-9)
    assert auc[1] < auc[0] and auc[2] < auc[0]  # more MPS capture; more liver off-target binding
    with pytest.raises(InputError, match="ligands per particle > 0"):
        fm.simulate(np.array([[-15.0, 0.0]]), np.linspace(0.0, 168.0, 169))
