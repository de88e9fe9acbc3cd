"""Oral absorption submodel: dissolution laws, particle size, lymphatic route, mass balance, IV untouched."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from nanodds.analysis.oral import auc_per_mg, parse_oral_scenario, simulate_formulation
from nanodds.engine import build
from nanodds.model.free_drug import liver_blood_flow_L_per_h
from nanodds.model.oral import (
    DissolutionPhysics,
    Formulation,
    build_oral_system,
    dissolution_partials,
    dissolution_rate,
    integrate,
    load_formulation,
    load_gi_tract,
    load_oral_drug,
    load_physics,
    ostwald_freundlich,
)
from nanodds.solve.linear import solve_linear
from nanodds.specs.params import load_yaml
from nanodds.specs.regimen import ROUTES
from nanodds.specs.scenario import parse_scenario

DRUG = load_oral_drug("paclitaxel", 853.9)
GI = load_gi_tract("human")
T_K = GI.temperature_K


def _oral(forms: list, duration: str = "24 h", points: int = 97):
    return parse_oral_scenario({"species": "human", "drug": "paclitaxel",
                                "oral": {"dose": "100 mg", "formulations": forms},
                                "simulation": {"duration": duration, "points": points}})


def test_noyes_whitney_fixed_layer_is_hixson_crowell() -> None:
    """Monodisperse powder, constant diffusion layer, sink, no Kelvin term: M^(1/3) falls linearly in time."""
    phys = DissolutionPhysics(ostwald_freundlich=False, diffusion_layer_cm=20e-4, r_floor_cm=1e-9)
    drug = replace(DRUG, solubility_mg_per_mL=0.05)
    m0, r0 = 10.0, 10e-4  # mg, cm (10 um radius)
    k = drug.diffusivity_cm2_per_h * drug.solubility_mg_per_mL / (drug.density_mg_per_cm3 * 20e-4 * r0)
    t_end = 0.95 / k  # before complete dissolution at t = 1/k
    t = np.linspace(0.0, t_end, 21)
    sol = solve_ivp(lambda _t, y: [-dissolution_rate(y[0], m0, 0.0, 1.0, r0, drug, T_K, phys)], (0, t_end), [m0],
                    t_eval=t, rtol=1e-11, atol=1e-14)
    analytic = (m0 ** (1 / 3) * (1.0 - k * t)) ** 3
    np.testing.assert_allclose(sol.y[0], analytic, rtol=1e-7, atol=1e-12)


def test_dissolution_partials_match_finite_differences() -> None:
    phys = load_physics()
    for M, n, A, r0 in ((50.0, 100.0, 0.01, 125e-7), (1e-3, 100.0, 0.2, 1e-3), (80.0, 100.0, 0.0, 5e-3)):
        an = dissolution_partials(M, n, A, 30.0, r0, DRUG, T_K, phys)
        base = dissolution_rate(M, n, A, 30.0, r0, DRUG, T_K, phys)
        for k in range(3):
            x = [M, n, A]
            e = 1e-6 * max(abs(x[k]), 1e-6)
            x[k] += e
            fd = (dissolution_rate(*x, 30.0, r0, DRUG, T_K, phys) - base) / e
            assert an[k] == pytest.approx(fd, rel=1e-3, abs=1e-9)


def test_ostwald_freundlich_limits() -> None:
    phys = load_physics()
    cs = DRUG.solubility_mg_per_mL
    small, mid, large = (ostwald_freundlich(cs, r, DRUG, T_K, phys) for r in (50e-7, 125e-7, 1.0))
    assert small > mid > large > cs
    assert large == pytest.approx(cs, rel=1e-5)
    # 2 gamma Vm / (r R T) at r = 125 nm
    vm = DRUG.molar_volume_cm3_per_mol * 1e-6
    assert mid / cs == pytest.approx(np.exp(2 * 0.05 * vm / (125e-9 * 8.314462618 * T_K)), rel=1e-12)
    assert not DissolutionPhysics(ostwald_freundlich=False).ostwald_freundlich


def _gi_fa(form: Formulation, dose: float = 100.0) -> float:
    system = build_oral_system(GI, DRUG, form, None, load_physics())
    run = integrate(system, dose, form, np.linspace(0.0, 24.0, 25))
    i = system.index
    return (run.z_end_gi[i["oral:absorbed.portal"]] + run.z_end_gi[i["oral:absorbed.lymph"]]) / dose


def test_smaller_particles_dissolve_faster_and_absorb_more() -> None:
    phys = load_physics()
    rates = [dissolution_rate(10.0, 10.0, 0.0, 100.0, d * 1e-7 / 2, DRUG, T_K, phys) for d in (20e3, 2e3, 250.0)]
    assert rates[0] < rates[1] < rates[2]
    fas = [_gi_fa(Formulation(f"d{d}", d)) for d in (20e3, 2e3, 250.0)]
    assert fas[0] < fas[1] < fas[2] < 1.0


def test_lymphatic_route_raises_F_for_high_extraction_drug() -> None:
    osc = _oral(["snedds"])
    scn = osc.systemic
    qh = liver_blood_flow_L_per_h(scn.physiology)
    hot = replace(scn, drug=replace(scn.drug, hepatic_blood_cl_L_per_h=0.9 * qh))
    model = build(hot).linear()
    snedds = load_formulation("snedds")
    portal_only = replace(snedds, name="portal_only", lymphatic_fraction=0.0)
    with_lymph, _ = simulate_formulation(hot, model, snedds, osc.dose_mg)
    without, _ = simulate_formulation(hot, model, portal_only, osc.dose_mg)
    assert with_lymph["fa"] == pytest.approx(without["fa"], rel=1e-8)
    assert with_lymph["fh_portal"] < 0.2
    assert with_lymph["bioavailability_F"] > 1.5 * without["bioavailability_F"]
    # F = Fa_portal * F_H + Fa_lymph (linear systemic model)
    for r in (with_lymph, without):
        assert r["bioavailability_F"] == pytest.approx(r["fa_portal"] * r["fh_portal"] + r["fa_lymph"], rel=1e-10)


def test_mass_balance_and_exact_auc() -> None:
    osc = _oral(["nanosuspension"])
    model = build(osc.systemic).linear()
    res, cur = simulate_formulation(osc.systemic, model, osc.formulations[0], osc.dose_mg)
    assert res["mass_balance_rel_error"] < 1e-9
    assert res["auc_inf_from_tail_mg_h_per_L"] == pytest.approx(res["auc_inf_mg_h_per_L"], rel=1e-6)
    total = res["fa"] + res["f_degraded_lumen"] + res["f_faeces"]
    assert total == pytest.approx(1.0, abs=1e-9)
    assert res["cmax_mg_per_L"] == pytest.approx(cur["plasma_mg_per_L"].max())


def test_iv_model_and_reference_unchanged() -> None:
    assert ROUTES == ("iv_bolus", "iv_infusion")
    scn = parse_scenario({"species": "human", "drug": "paclitaxel",
                          "regimen": [{"route": "iv_bolus", "dose": "100 mg"}],
                          "simulation": {"duration": "48 h", "points": 49, "saturable": False}})
    model = build(scn)
    assert not any(nm.startswith("oral:") for nm in model.names)
    sol = solve_linear(model, scn.regimen.events, np.linspace(0.0, 48.0, 49))
    _, auc_inf = sol.observe_auc("plasma_total")
    assert 100.0 * auc_per_mg(model, "free:venous_blood") == pytest.approx(auc_inf, rel=1e-9)


def test_bad_oral_scenario_is_rejected() -> None:
    from nanodds.errors import InputError

    with pytest.raises(InputError):
        _oral(["no_such_formulation"])
    with pytest.raises(InputError):
        parse_oral_scenario({"species": "human", "drug": "doxorubicin", "oral": {"dose": "10 mg"}})


def test_cli_oral_writes_outputs(tmp_path) -> None:
    from nanodds.interfaces.cli import main

    scn = tmp_path / "oral.yaml"
    scn.write_text("species: human\ndrug: paclitaxel\noral:\n  dose: 50 mg\n  reference: coarse_suspension\n"
                   "  formulations: [coarse_suspension, snedds]\nsimulation: {duration: 24 h, points: 49}\n")
    out = tmp_path / "out"
    assert main(["oral", str(scn), "--out", str(out)]) == 0
    for f in ("oral.json", "oral.csv", "oral.png"):
        assert (out / f).stat().st_size > 0
    assert main(["oral", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2


# --- bile-salt micellar solubilisation (nanodds.model.oral_micelles) ---------------------------------------------

def _fa_with(micelles, state: str = "fasted", dose: float = 100.0) -> tuple[float, float]:
    form = Formulation("d2um", 2000.0)
    system = build_oral_system(load_gi_tract("human", state), DRUG, form, None, load_physics(), micelles=micelles)
    run = integrate(system, dose, form, np.linspace(0.0, 24.0, 25))
    i = system.index
    fa = (run.z_end_gi[i["oral:absorbed.portal"]] + run.z_end_gi[i["oral:absorbed.lymph"]]) / dose
    return fa, run.mass_balance_rel_error()


def test_micelles_raise_solubility_and_lower_diffusivity() -> None:
    from nanodds.model.oral_micelles import compartment_solution, drug_in_compartment, load_micelle_constants

    mc = load_micelle_constants()
    fasted, fed = (compartment_solution(DRUG, bs, mc) for bs in (3.0, 10.0))
    assert 1.0 < fasted.solubility_factor < fed.solubility_factor
    # linear partition: K proportional to the bile-salt concentration
    assert fed.k_micelle / fasted.k_micelle == pytest.approx(10.0 / 3.0, rel=1e-12)
    for s in (fasted, fed):
        assert s.fraction_free == pytest.approx(1.0 / s.solubility_factor)
        assert mc.micelle_diffusivity_cm2_per_h < s.diffusivity_cm2_per_h < DRUG.diffusivity_cm2_per_h
    assert compartment_solution(DRUG, 0.0, mc).solubility_factor == 1.0
    # a more lipophilic drug is solubilised more (Mithani: SR rises with log P)
    assert compartment_solution(replace(DRUG, log_p=DRUG.log_p + 1), 3.0, mc).k_micelle > fasted.k_micelle
    # Ostwald-Freundlich stays a factor on the (now total) solubility
    phys = load_physics()
    d_c = drug_in_compartment(DRUG, fed)
    assert d_c.solubility_mg_per_mL == pytest.approx(DRUG.solubility_mg_per_mL * fed.solubility_factor)
    assert ostwald_freundlich(d_c.solubility_mg_per_mL, 100e-7, d_c, T_K, phys) / d_c.solubility_mg_per_mL == \
        pytest.approx(ostwald_freundlich(DRUG.solubility_mg_per_mL, 100e-7, DRUG, T_K, phys) /
                      DRUG.solubility_mg_per_mL, rel=1e-12)


def test_bile_salts_raise_absorption_of_a_solubility_limited_suspension() -> None:
    from nanodds.model.oral_micelles import load_micelle_constants

    mc = load_micelle_constants()
    off, mb_off = _fa_with(replace(mc, enabled=False))
    fasted, mb_fasted = _fa_with(mc)
    fed, mb_fed = _fa_with(mc, "fed")
    free_only, _ = _fa_with(replace(mc, micellar_absorption_fraction=0.0), "fed")
    assert off < fasted < fed < 1.0
    # only free drug absorbed: the saturated free concentration caps uptake, micelles cannot raise Fa
    assert free_only <= off * (1.0 + 1e-6)
    assert max(mb_off, mb_fasted, mb_fed) < 1e-9


def test_prandial_state_is_checked() -> None:
    from nanodds.errors import InputError

    assert load_gi_tract("human", "fed").bile_salts_mM()[1] > load_gi_tract("human").bile_salts_mM()[1]
    with pytest.raises(InputError):
        parse_oral_scenario({"species": "human", "drug": "paclitaxel",
                             "oral": {"dose": "10 mg", "prandial_state": "after lunch"}})


def test_saturated_absorption_flux_is_ka_cs_times_si_fluid_volume() -> None:
    """Audit of the absorption arithmetic (megestrol acetate, nanocrystal, fasted bile salts, no Kelvin term).

    While solid is present in every SI compartment, each compartment is saturated on its OWN volume
    ``V_SI / n`` and the portal flux is ``ka Cs_tot V_SI`` with ``ka = 2 Peff / R`` and Peff converted from cm/s
    to cm/h (1.234 /h x 3.61 ug/mL x 105 mL = 0.468 mg/h). A unit slip (Peff in cm/s used as cm/h: 3600x), a
    per-compartment volume of the whole SI (7x) or one volume for the whole intestine (1/7) fails here. The
    undissolved drug keeps re-saturating the lumen as dissolved drug is absorbed (sink): the amount absorbed
    by 6 h is many times the dissolved capacity ``Cs_tot V_SI``.
    """
    from nanodds.model.oral_micelles import compartment_solution, load_micelle_constants

    gi = load_gi_tract("human", "fasted")
    drug = load_oral_drug("megestrol_acetate", 384.52)
    raw = load_yaml("oral/formulations.yaml")["drugs"]["megestrol_acetate"]["effective_permeability"]
    assert raw.unit == "cm/s" and drug.peff_cm_per_h == pytest.approx(raw.value * 3600.0, rel=1e-12)
    ka = 2.0 * drug.peff_cm_per_h / gi.si_radius_cm
    assert ka == pytest.approx(1.2343, rel=1e-4)
    sol = compartment_solution(drug, gi.bile_salts_mM()[1], load_micelle_constants())
    cs_tot = drug.solubility_mg_per_mL * sol.solubility_factor
    assert gi.volumes_mL()[1:] == pytest.approx([gi.si_volume_mL / gi.n_si] * gi.n_si)
    form = load_formulation("megace_es_nanocrystal")
    phys = replace(load_physics(), ostwald_freundlich=False)
    system = build_oral_system(gi, drug, form, None, phys)
    run = integrate(system, 625.0, form, np.array([0.0, 1.9, 2.0, 6.0]))
    idx = system.index
    for i in range(1, gi.n_si + 1):
        assert run.z[2, idx[f"oral:si{i}.solid"]] > 1.0  # solid everywhere at 2 h: all compartments saturated
        assert run.z[2, idx[f"oral:si{i}.dissolved"]] / gi.volumes_mL()[i] == pytest.approx(cs_tot, rel=2e-3)
    absorbed = run.z[:, idx["oral:absorbed.portal"]]
    flux = (absorbed[2] - absorbed[1]) / 0.1
    bound = ka * sol.absorption_factor * cs_tot * gi.si_volume_mL
    assert bound == pytest.approx(0.468, rel=2e-3)
    assert flux == pytest.approx(bound, rel=3e-3)
    assert absorbed[3] > 5.0 * cs_tot * gi.si_volume_mL


def test_particle_drifting_partials_radius_and_switch() -> None:
    """UWL particle uptake: analytic partials, whole particles leave (radius kept), Stokes-Einstein size law."""
    from nanodds.model.oral_drifting import (
        drifting_coefficient,
        drifting_uptake,
        load_drifting_constants,
        particle_diffusivity_cm2_per_h,
    )

    const = replace(load_drifting_constants(), enabled=True)
    # k_B T / (6 pi eta r) at 37 degC, r = 100 nm, eta = 0.692 mPa s: 3.28e-8 cm2/s
    assert particle_diffusivity_cm2_per_h(1e-5, 310.15, const) / 3600.0 == pytest.approx(3.283e-8, rel=1e-3)
    assert drifting_coefficient(1.08, 1.75, 0.0234, 310.15, replace(const, enabled=False)) == 0.0
    k = drifting_coefficient(1.08, 1.75, 0.0234, 310.15, const)
    for M, n, r0 in ((50.0, 100.0, 1e-5), (1e-6, 100.0, 1e-5), (80.0, 100.0, 2.5e-4)):
        f, fM, fn, g, gM, gn = drifting_uptake(M, n, r0, 1e-6, k)
        assert f > 0 and g == pytest.approx(f * n / M)  # d(M/n)/dt = 0: radius unchanged
        for j, (dfa, dga) in enumerate(((fM, gM), (fn, gn))):
            x = [M, n]
            e = 1e-7 * x[j]
            x[j] += e
            f2, _, _, g2, _, _ = drifting_uptake(*x, r0, 1e-6, k)
            assert dfa == pytest.approx((f2 - f) / e, rel=1e-4)
            assert dga == pytest.approx((g2 - g) / e, rel=1e-4)
    # rate per mg scales as 1/r: a 200 nm particle 25x faster than a 5 um one
    small, large = drifting_uptake(1.0, 1.0, 1e-5, 1e-6, k)[0], drifting_uptake(1.0, 1.0, 2.5e-4, 1e-6, k)[0]
    assert small == pytest.approx(25.0 * large)


def test_particle_drifting_raises_nanocrystal_uptake_and_conserves_mass() -> None:
    from nanodds.model.oral_drifting import load_drifting_constants

    gi = load_gi_tract("human")
    drug = load_oral_drug("megestrol_acetate", 384.52)
    const = load_drifting_constants()
    assert not const.enabled  # off in the data file (docs/oral.md: diagnostic only)
    fa = {}
    for name in ("megace_es_nanocrystal", "megace_os_micronised"):
        form = load_formulation(name)
        for on in (False, True):
            system = build_oral_system(gi, drug, form, None, load_physics(), drifting=replace(const, enabled=on))
            run = integrate(system, 625.0, form, np.array([0.0, 24.0]))
            assert run.mass_balance_rel_error() < 1e-8
            fa[name, on] = run.z_end_gi[system.index["oral:absorbed.portal"]] / 625.0
    assert fa["megace_es_nanocrystal", True] > 3.0 * fa["megace_es_nanocrystal", False]
    assert fa["megace_os_micronised", True] < 1.5 * fa["megace_os_micronised", False]
