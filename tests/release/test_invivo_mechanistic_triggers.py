"""Reservoir, swelling-nanogel and erosion release usable from a scenario's carrier.release (issue #12)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from nanodds.engine import simulate
from nanodds.errors import InputError
from nanodds.release.invivo import first_order_rate_per_h
from nanodds.specs.environment import Environment
from nanodds.specs.scenario import parse_scenario

BLOOD = Environment(7.4, 37.0)
SHELL = {"core_radius": "40 nm", "shell_thickness": "10 nm", "membrane_diffusivity": "1e-21 m^2/s",
         "partition_coefficient": 1}
# 3 P b / a^2 with P = D K / h = 1e-21 / 1e-8 m/s, a = 40 nm, b = 50 nm (1/h)
K1_PER_H = 3.0 * (1e-21 / 1e-8) * 50e-9 / (40e-9) ** 2 * 3600.0


def test_saturated_reservoir_is_first_order_at_3pb_over_a2() -> None:
    spec = {"model": "reservoir", **SHELL, "loading": "5 g/L", "solubility": "5 g/L"}
    assert first_order_rate_per_h(spec, BLOOD) == pytest.approx(K1_PER_H, rel=1e-9)


def test_reservoir_with_excess_solid_releases_zero_order_to_half() -> None:
    """Cs/C0 = 0.1: zero order at k1 Cs/C0 up to 90 % release, so t50 = 0.5 / (0.1 k1)."""
    spec = {"model": "reservoir", **SHELL, "loading": "50 g/L", "solubility": "5 g/L"}
    assert first_order_rate_per_h(spec, BLOOD) == pytest.approx(math.log(2) * 0.1 * K1_PER_H / 0.5, rel=1e-6)


def test_non_swelling_nanogel_is_the_reservoir_limit() -> None:
    """Q_eq = 1: the coated nanogel keeps its geometry, k = 3 D K b / (a^2 h) as the saturated reservoir."""
    spec = {"model": "swelling_nanogel", **SHELL, "equilibrium_swelling_ratio": 1, "swelling_rate": "1 1/h"}
    assert first_order_rate_per_h(spec, BLOOD) == pytest.approx(K1_PER_H, rel=1e-6)
    swollen = {**spec, "equilibrium_swelling_ratio": 8}
    assert first_order_rate_per_h(swollen, BLOOD) > first_order_rate_per_h(spec, BLOOD)  # thinner shell


@pytest.mark.parametrize(("shape", "n"), [("sphere", 3), ("cylinder", 2), ("slab", 1)])
def test_erosion_t50_is_hopfenbergs(shape: str, n: int) -> None:
    """F = 1 - (1 - k t)^n, k = k0 / (C0 a0): t50 = (1 - 0.5^(1/n)) / k."""
    spec = {"model": "erosion", "erosion_rate": "1e-3 mg/m^2/h", "loading": "100 g/L", "radius": "50 nm",
            "shape": shape}
    k = 1e-3 / (100e3 * 1e3 * 50e-9)
    t50 = (1 - 0.5 ** (1 / n)) / k
    assert first_order_rate_per_h(spec, BLOOD) == pytest.approx(math.log(2) / t50, rel=1e-6)


def test_reservoir_release_runs_in_a_scenario_and_conserves_mass() -> None:
    raw = {"species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "pegylated_liposome", "diameter": "100 nm",
                       "release": {"model": "reservoir", **SHELL, "loading": "5 g/L", "solubility": "5 g/L"}},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "simulation": {"duration": "24 h", "points": 25}}
    slow = {**raw, "carrier": {**raw["carrier"], "release": {**raw["carrier"]["release"],
                                                               "membrane_diffusivity": "1e-22 m^2/s"}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast_sol, slow_sol = simulate(parse_scenario(raw)), simulate(parse_scenario(slow))
    assert max(fast_sol.mass_balance_rel_error().values()) < 1e-9
    enc = [np.max(s.observe("plasma_encapsulated")[-1]) for s in (fast_sol, slow_sol)]
    assert enc[0] < enc[1]  # faster membrane release leaves less drug encapsulated


@pytest.mark.parametrize(("spec", "field"), [
    ({"model": "reservoir", **SHELL, "loading": "50 g/L"}, "release.solubility"),
    ({"model": "reservoir", **SHELL, "loading": "50 g/L", "solubility": "5 g/L", "pore": 1}, "release.pore"),
    ({"model": "swelling_nanogel", **SHELL, "equilibrium_swelling_ratio": 0.5, "swelling_rate": "1 1/h"},
     "release.equilibrium_swelling_ratio"),
    ({"model": "erosion", "erosion_rate": "1e-3 mg/m^2/h", "loading": "100 g/L", "radius": "50 nm",
      "shape": "cube"}, "release.shape"),
    ({"model": "erosion", "erosion_rate": 0.001, "loading": "100 g/L", "radius": "50 nm"}, "release.erosion_rate"),
])
def test_bad_mechanistic_release_spec_names_the_field(spec: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        first_order_rate_per_h(spec, BLOOD)
    assert err.value.field == field


def test_redox_release_follows_the_compartment_glutathione() -> None:
    """k = k_ref (GSH/GSH_ref)^n + k0: the default environments give 5 uM outside cells, 5 mM inside."""
    from nanodds.model.assemble import default_environments

    envs = default_environments()
    spec = {"model": "redox", "rate_at_reference": "0.5 1/h", "reference_glutathione": "10 mM"}
    assert first_order_rate_per_h(spec, envs["phagocyte"]) == pytest.approx(0.5 * 5.0 / 10.0, rel=1e-12)
    assert first_order_rate_per_h(spec, envs["blood"]) == pytest.approx(0.5 * 0.005 / 10.0, rel=1e-12)
    sq = {**spec, "order": 2, "glutathione_independent_rate": "0.001 1/h"}
    assert first_order_rate_per_h(sq, envs["tissue"]) == pytest.approx(0.5 * (0.005 / 10) ** 2 + 0.001, rel=1e-12)
    with pytest.raises(InputError) as err:
        first_order_rate_per_h(spec, BLOOD)  # an environment without a glutathione level
    assert err.value.field == "release.model"


def test_redox_carrier_releases_inside_cells_not_in_blood_and_conserves_mass() -> None:
    raw = {"species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "pegylated_liposome", "diameter": "100 nm",
                       "release": {"model": "redox", "rate_at_reference": "0.5 1/h", "reference_glutathione": "10 mM"}},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "simulation": {"duration": "24 h", "points": 25}}
    sol = simulate(parse_scenario(raw))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    k = sol.model.K
    names = sol.model.names
    blood = k[names.index("free:venous_blood"), names.index("encapsulated:venous_plasma")]
    cell = k[names.index("free:liver"), names.index("encapsulated:liver.phagocyte")]
    assert blood == pytest.approx(0.5 * 0.005 / 10.0, rel=1e-12)
    assert cell > 1000 * blood * 0.99  # intracellular release (plus digestion) dwarfs release in blood
