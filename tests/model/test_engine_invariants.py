"""Invariants of the assembled engine: mass balance, solver agreement, exact integrals, dose scaling."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from nanodds.engine import build, simulate
from nanodds.model.hindrance import glomerular_sieving, renkin
from nanodds.solve.linear import solve_linear
from nanodds.solve.stiff import solve_stiff
from nanodds.specs.physiology import bsa_mosteller_m2
from nanodds.specs.scenario import parse_scenario


def scenario(species: str = "mouse", dose: str = "5 mg/kg", carrier: dict | None = None,
             regimen: list | None = None, duration: str = "72 h", saturable: bool = False,
             tumour: bool = True):
    raw = {"species": species, "drug": "doxorubicin",
           "regimen": regimen or [{"route": "iv_bolus", "dose": dose}],
           "simulation": {"duration": duration, "points": 145, "saturable": saturable}}
    if carrier is not None:
        raw["carrier"] = carrier
    if tumour:
        raw["tumour"] = {}
    return parse_scenario(raw)


@settings(max_examples=8, deadline=None)
@given(dose=st.floats(0.1, 50.0), diameter=st.floats(3.0, 300.0), infusion=st.floats(0.1, 6.0),
       cycles=st.integers(1, 3), ctype=st.sampled_from(["pegylated_liposome", "plga_nanoparticle",
                                                        "dendrimer", "polymeric_micelle"]))
def test_mass_balance_linear(dose: float, diameter: float, infusion: float, cycles: int, ctype: str) -> None:
    reg = [{"route": "iv_infusion", "dose": f"{dose} mg/kg", "duration": f"{infusion} h",
            "every": "24 h", "count": cycles}]
    scn = scenario(carrier={"type": ctype, "diameter": f"{diameter} nm"}, regimen=reg)
    sol = simulate(scn)
    for group, err in sol.mass_balance_rel_error().items():
        assert err < 1e-9, (group, err)
    assert np.all(sol.y > -1e-9 * dose)


def test_mass_balance_stiff_saturated() -> None:
    scn = scenario(species="human", dose="50 mg/m^2", carrier={"type": "pegylated_liposome"},
                   saturable=True, duration="96 h", tumour=False)
    scn = replace(scn, physiology=replace(scn.physiology, height_cm=170.0))
    sol = simulate(scn)
    assert sol.method.startswith("stiff")
    assert max(sol.mass_balance_rel_error().values()) < 1e-9


def test_linear_and_stiff_agree_without_saturation() -> None:
    scn = scenario(carrier={"type": "pegylated_liposome"}, saturable=True)
    model = build(scn)
    # every capacity (MPS, DNA binding) far beyond reach: the saturable terms become linear
    model = replace(model, saturable=tuple(replace(t, capacity_mg=1e30) for t in model.saturable))
    grid = np.linspace(0, 72, 145)
    lin = solve_linear(model.linear(), scn.regimen.events, grid)
    stf = solve_stiff(model, scn.regimen.events, grid)
    c_lin, c_stf = lin.observe("plasma_total"), stf.observe("plasma_total")
    assert np.allclose(c_lin, c_stf, rtol=1e-6, atol=1e-9 * c_lin.max())
    assert lin.observe_auc("plasma_total")[0] == pytest.approx(stf.observe_auc("plasma_total")[0], rel=1e-6)
    assert lin.observe_auc("tissue_liver")[1] == pytest.approx(stf.observe_auc("tissue_liver")[1], rel=1e-5)


def test_saturation_lowers_clearance() -> None:
    """Capacity-limited MPS: a larger dose is cleared more slowly (dose-normalised AUC rises)."""
    aucs = []
    for dose in ("1 mg/kg", "20 mg/kg"):
        scn = scenario(dose=dose, carrier={"type": "pegylated_liposome"}, saturable=True, tumour=False)
        sol = simulate(scn)
        aucs.append(sol.observe_auc("plasma_total")[0] / scn.regimen.total_mg)
    assert aucs[1] > aucs[0]


def test_exact_auc_matches_quadrature_of_ode() -> None:
    """The closed-form AUC equals a tightly integrated ODE with an integral state (not a trapezoid)."""
    scn = scenario(carrier={"type": "pegylated_liposome"}, duration="48 h")
    model = build(scn).linear()
    sol = solve_linear(model, scn.regimen.events, np.array([0.0, 48.0]))
    w = model.observables["plasma_total"].weights
    n = model.n
    y0 = scn.regimen.events[0].amount_mg * model.dose_vector

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        return np.concatenate([model.K @ z[:n], [w @ z[:n]]])

    ref = solve_ivp(rhs, (0, 48), np.concatenate([y0, [0.0]]), method="Radau", rtol=1e-11, atol=1e-14)
    assert sol.observe_auc("plasma_total")[0] == pytest.approx(ref.y[-1, -1], rel=1e-6)


def test_linear_dose_proportionality() -> None:
    a = simulate(scenario(dose="1 mg/kg", carrier={"type": "pegylated_liposome"}))
    b = simulate(scenario(dose="3 mg/kg", carrier={"type": "pegylated_liposome"}))
    assert np.allclose(3 * a.observe("plasma_total"), b.observe("plasma_total"), rtol=1e-10)


def test_conventional_has_no_carrier_states() -> None:
    scn = scenario(carrier={"type": "pegylated_liposome"})
    model = build(scn.conventional())
    assert not any(n.startswith(("carrier:", "encapsulated:")) for n in model.names)


def test_renal_filtration_only_for_small_particles() -> None:
    small = simulate(scenario(carrier={"type": "dendrimer", "diameter": "4 nm"}))
    large = simulate(scenario(carrier={"type": "dendrimer", "diameter": "20 nm"}))
    i_s = small.model.index("carrier:sink.renal")
    assert small.y[-1, i_s] > 100 * large.y[-1, large.model.index("carrier:sink.renal")]
    assert glomerular_sieving(4.0, 5.5, 0.5) > 0.9 > 0.01 > glomerular_sieving(8.0, 5.5, 0.5)


def test_hindrance_properties() -> None:
    assert renkin(0.0, 100.0) == pytest.approx(1.0)
    assert renkin(100.0, 100.0) == 0.0
    vals = [renkin(d, 400.0) for d in (20, 50, 100, 200, 300)]
    assert all(a > b for a, b in pairwise(vals))


def test_bsa_mosteller() -> None:
    # Mosteller 1987: BSA = sqrt(170 cm * 70 kg / 3600) = 1.818 m^2
    assert bsa_mosteller_m2(170.0, 70.0) == pytest.approx(1.8181, rel=1e-4)


def test_larger_particles_extravasate_less_into_tumour() -> None:
    de = []
    for d in ("60 nm", "300 nm"):
        sol = simulate(scenario(carrier={"type": "pegylated_liposome", "diameter": d}, duration="24 h"))
        de.append(sol.observe("carrier_amount_tumour")[-1])
    assert de[0] > de[1]
