"""Active-metabolite formation (irinotecan -> SN-38): unchanged models without a metabolite, mass balance,
the exact formation relation and the Onivyde catalogue scenario."""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.catalog.products import product_scenario
from nanodds.engine import simulate
from nanodds.model.assemble import ModelInputs, build_model
from nanodds.model.free_drug import add_free_drug
from nanodds.model.metabolite import add_metabolite, metabolite_drug
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
    # amount ever formed = f x parent hepatic elimination (exact: both are integrals of the same liver amount)
    f = load_drug("irinotecan", "human").metabolite.fraction_of_hepatic_clearance
    parent_hep = y[m.index("free:sink.hepatic"), -1] / (1.0 - f)
    assert formed_end == pytest.approx(f * parent_hep, rel=1e-6)
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
