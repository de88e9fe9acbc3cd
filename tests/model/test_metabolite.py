"""Active-metabolite formation (irinotecan -> SN-38): unchanged models without a metabolite, mass balance,
the exact formation relation and the Onivyde catalogue scenario."""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.catalog.products import product_scenario
from nanodds.engine import simulate
from nanodds.errors import InputError
from nanodds.model.assemble import ModelInputs, build_model
from nanodds.model.free_drug import add_free_drug, hepatic_intrinsic_blood_cl
from nanodds.model.metabolite import FORMATION_TAG, add_metabolite, extrahepatic_activity, metabolite_drug
from nanodds.model.structure import RateBuilder
from nanodds.solve.solution import Solution
from nanodds.specs.drug import load_drug
from nanodds.specs.physiology import build_physiology


def _model(drug: str):
    phys = build_physiology("human")
    return build_model(ModelInputs(phys, load_drug(drug, "human"), None, 1.0))


def test_no_metabolite_model_unchanged() -> None:
    phys = build_physiology("human")
    dox = load_drug("doxorubicin", "human")
    assert dox.metabolite is None
    rb = RateBuilder()
    add_free_drug(rb, phys, dox, 1.0)
    n_before, k_before = list(rb.names), rb.matrix().copy()
    add_metabolite(rb, phys, dox, 1.0)
    assert rb.names == n_before and np.array_equal(rb.matrix(), k_before)
    m = _model("doxorubicin")
    assert not any(nm.startswith("metabolite:") for nm in m.names)
    assert "plasma_metabolite" not in m.observables
    # the generalised block with prefix "free" gives the same names and rates
    rb2 = RateBuilder()
    add_free_drug(rb2, phys, dox, 1.0, prefix="free")
    assert rb2.names == n_before and np.array_equal(rb2.matrix(), k_before)


def test_irinotecan_metabolite_block() -> None:
    m = _model("irinotecan")
    assert "metabolite:liver" in m.names and "metabolite:sink.hepatic" in m.names
    assert m.index("metabolite:sink.hepatic") in m.sinks
    assert m.groups["drug"][m.index("metabolite:venous_blood")]
    assert np.allclose(m.K.sum(axis=0), 0.0, atol=1e-9)
    iri = load_drug("irinotecan", "human")
    f = iri.metabolite.fraction_of_hepatic_clearance
    li, sh, ml = m.index("free:liver"), m.index("free:sink.hepatic"), m.index("metabolite:liver")
    assert m.K[ml, li] / (m.K[ml, li] + m.K[sh, li]) == pytest.approx(f, rel=1e-12)
    # the parent's total hepatic elimination rate is unchanged by the split
    rb = RateBuilder()
    add_free_drug(rb, build_physiology("human"), iri, 1.0)
    k_ref = rb.matrix()
    assert m.K[ml, li] + m.K[sh, li] == pytest.approx(k_ref[rb.names.index("free:sink.hepatic"),
                                                               rb.names.index("free:liver")], rel=1e-12)
    assert m.K[li, li] == pytest.approx(k_ref[rb.names.index("free:liver"), rb.names.index("free:liver")],
                                        rel=1e-12)


@pytest.fixture(scope="module")
def iri_solution() -> Solution:
    from nanodds.specs.scenario import parse_scenario
    scn = parse_scenario({"name": "irinotecan metabolite test", "species": "human", "drug": "irinotecan",
                          "regimen": [{"route": "iv_infusion", "dose": "125 mg/m^2", "duration": "1.5 h"}],
                          "simulation": {"duration": "2000 h", "points": 400}})
    return simulate(scn)


def test_mass_balance_and_formation(iri_solution: Solution) -> None:
    sol = iri_solution
    m = sol.model
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    y = sol.y.T  # (states, times)
    met_states = [i for i, nm in enumerate(m.names) if nm.startswith("metabolite:") and ":sink." not in nm]
    ven = m.index("metabolite:venous_blood")
    assert y[ven].max() > 0
    # eliminated: almost nothing left in the metabolite's body states at the end
    formed_end = y[m.index("metabolite:sink.hepatic"), -1] + y[m.index("metabolite:sink.renal"), -1] \
        + y[met_states, -1].sum()
    assert y[met_states, -1].sum() < 1e-3 * formed_end
    # amount ever formed = hepatic formation (f x parent hepatic elimination) + extrahepatic formation, both
    # exact integrals of the parent amounts they act on
    f = load_drug("irinotecan", "human").metabolite.fraction_of_hepatic_clearance
    parent_hep = y[m.index("free:sink.hepatic"), -1] / (1.0 - f)
    ext = m.meta["K_parts"][FORMATION_TAG].copy()
    np.fill_diagonal(ext, 0.0)
    extra = float((ext @ sol.cum_int[-1]).sum())
    assert extra > 0.0
    assert formed_end == pytest.approx(f * parent_hep + extra, rel=1e-6)
    assert "plasma_metabolite" in m.observables
    assert sol.observe("plasma_metabolite").max() > 0


def test_onivyde_catalog_scenario_runs() -> None:
    from nanodds.analysis.metrics import compute_metrics
    scn = product_scenario("onivyde", "336 h", 200)
    sol = simulate(scn)
    res = compute_metrics(sol, scn.regimen, scn.bsa_m2)
    assert res["mass_balance_rel_error"] < 1e-6
    assert res["plasma_metabolite"]["auc_0_t_mg_h_per_L"] > 0
    assert res["plasma_metabolite"]["cl_L_per_h"] is None
    assert metabolite_drug(load_drug("irinotecan", "human"), "human").name == "sn38"


def _formation_rate(m, src: str, dst: str) -> float:
    return float(m.meta["K_parts"][FORMATION_TAG][m.index(dst), m.index(src)])


def test_extrahepatic_formation_rates() -> None:
    """Gut, plasma and tumour formation: a x CLint_f,liver / (V_liver Kp_b), tumour only when present."""
    phys = build_physiology("human")
    iri = load_drug("irinotecan", "human")
    act = extrahepatic_activity(iri)
    assert set(act) >= {"gut", "plasma", "tumour"}
    clint_f = iri.metabolite.fraction_of_hepatic_clearance * hepatic_intrinsic_blood_cl(iri, phys, 1.0)
    m = _model("irinotecan")
    v_l = phys.volume_L["liver"]
    assert _formation_rate(m, "free:gut", "metabolite:gut") == pytest.approx(
        act["gut"] * clint_f / (v_l * iri.kp_blood("gut")), rel=1e-12)
    k_pl = act["plasma"] * clint_f * (1 - phys.hematocrit) / (v_l * iri.blood_plasma_ratio)
    for pool in ("venous_blood", "arterial_blood"):
        assert _formation_rate(m, f"free:{pool}", f"metabolite:{pool}") == pytest.approx(k_pl, rel=1e-12)
    assert "free:tumour" not in m.names  # reference human: no tumour, no tumour formation
    # human plasma has no carboxylesterase (only BChE/albumin activity): far below the intestine per litre
    assert act["plasma"] < 0.05 * act["gut"]
    # organs without a retrieved human rate (spleen, marrow, kidney, lung) form nothing
    for o in ("spleen", "marrow", "kidney", "lung"):
        assert _formation_rate(m, f"free:{o}", f"metabolite:{o}") == 0.0
    assert np.allclose(m.K.sum(axis=0), 0.0, atol=1e-9)


def test_tumour_formation_when_tumour_present() -> None:
    from nanodds.specs.scenario import parse_scenario
    scn = parse_scenario({"name": "tumour formation", "species": "human", "drug": "irinotecan", "tumour": True,
                          "regimen": [{"route": "iv_infusion", "dose": "125 mg/m^2", "duration": "1.5 h"}]})
    m = build_model(ModelInputs(scn.physiology, scn.drug, None, 1.0))
    iri, phys = scn.drug, scn.physiology
    clint_f = iri.metabolite.fraction_of_hepatic_clearance * hepatic_intrinsic_blood_cl(iri, phys, 1.0)
    expected = extrahepatic_activity(iri)["tumour"] * clint_f / (phys.volume_L["liver"] * iri.kp_blood("tumour"))
    assert _formation_rate(m, "free:tumour", "metabolite:tumour") == pytest.approx(expected, rel=1e-12)
    assert expected > 0.0


def test_unknown_formation_site_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    import nanodds.model.metabolite as mm
    from nanodds.specs.params import Param
    real = mm.load_yaml

    def fake(path: str):
        d = dict(real(path))
        if path == "drugs/irinotecan.yaml":
            met = dict(d["metabolite"])
            met["extrahepatic_formation"] = {"liver": Param(1.0, "1", "assumption: test")}
            d["metabolite"] = met
        return d

    monkeypatch.setattr(mm, "load_yaml", fake)
    with pytest.raises(InputError, match="extrahepatic_formation"):
        extrahepatic_activity(load_drug("irinotecan", "human"))


def test_free_irinotecan_sn38_auc_stays_calibrated() -> None:
    """The formation fraction is solved so that 350 mg/m2 free irinotecan (930.3 umol, 1.8 m2, HCl trihydrate
    basis) gives the Mathijssen 2001 SN-38 AUC of 2.0 uM.h WITH the extrahepatic sites (calibration data)."""
    from nanodds.analysis.metrics import compute_metrics
    from nanodds.specs.scenario import parse_scenario
    dose_mg = 350.0 * 1.8 / 677.19 * 586.68
    scn = parse_scenario({"name": "SN-38 calibration", "species": "human", "drug": "irinotecan",
                          "regimen": [{"route": "iv_infusion", "dose": f"{dose_mg} mg", "duration": "1.5 h"}],
                          "simulation": {"duration": "3000 h", "points": 601}})
    res = compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)
    auc_uM_h = res["plasma_metabolite"]["auc_inf_mg_h_per_L"] / 392.41 * 1000.0
    assert auc_uM_h == pytest.approx(2.0, rel=0.01)


def test_enterohepatic_recycling_block() -> None:
    """SN-38 recycling: g of the metabolite's hepatic elimination goes to the pool, which returns to the gut."""
    from nanodds.model.metabolite import ELIMINATION_TAG, RECYCLING_TAG, metabolite, recycling
    iri = load_drug("irinotecan", "human")
    met = metabolite_drug(iri, "human")
    rc = recycling(met)
    assert rc is not None
    g, kr = rc
    assert 0.0 < g < 1.0 and kr > 0.0
    m = _model("irinotecan")
    li, sh, pool, gut = (m.index(metabolite(c)) for c in ("liver", "sink.hepatic", "enterohepatic", "gut"))
    assert pool not in m.sinks and m.groups["drug"][pool]
    assert m.K[pool, li] / (m.K[pool, li] + m.K[sh, li]) == pytest.approx(g, rel=1e-12)
    assert m.K[gut, pool] == pytest.approx(kr, rel=1e-12)
    assert m.meta["K_parts"][RECYCLING_TAG][gut, pool] == pytest.approx(kr, rel=1e-12)
    # the metabolite's total hepatic elimination rate is unchanged by the split, and all of it carries its own tag
    assert m.K[pool, li] + m.K[sh, li] == pytest.approx(-m.meta["K_parts"][ELIMINATION_TAG][li, li], rel=1e-12)
    assert m.meta["K_parts"]["hepatic_clearance"][li, li] == 0.0
    # doxorubicin has no metabolite, so no pool
    assert "metabolite:enterohepatic" not in _model("doxorubicin").names


def test_free_irinotecan_sn38_two_phases() -> None:
    """After a 1.5-h infusion of free irinotecan SN-38 peaks near the end of the infusion (formation-rate-limited;
    Chabot 1997, calibration bound) and keeps a long terminal phase (Mathijssen 2001 t1/2 47 h, calibration)."""
    from nanodds.specs.scenario import parse_scenario
    scn = parse_scenario({"name": "SN-38 shape", "species": "human", "drug": "irinotecan",
                          "regimen": [{"route": "iv_infusion", "dose": "125 mg/m^2", "duration": "1.5 h"}],
                          "simulation": {"duration": "500 h", "points": 5001}})
    sol = simulate(scn)
    t, c = sol.times_h, sol.observe("plasma_metabolite")
    assert 1.5 <= t[int(np.argmax(c))] <= 1.5 + 0.25
    late = (t >= 200.0) & (t <= 400.0)
    slope = np.polyfit(t[late], np.log(c[late]), 1)[0]
    assert np.log(2.0) / -slope == pytest.approx(47.0, rel=0.1)
    # the one-phase disposition (0.31 L/h) peaked at 28 h: now the early peak is far above the day-2 level
    assert c.max() > 5.0 * np.interp(48.0, t, c)
