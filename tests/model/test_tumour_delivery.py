"""Mechanistic tumour delivery: pore distribution, active entry, design factors, targeting, scenario keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from nanodds.errors import InputError
from nanodds.model.hindrance import renkin
from nanodds.model.tumour_delivery import (
    Ligand,
    avid_kd_nM,
    bound_fraction,
    charge_mps_factor,
    params,
    pore_hindrance,
    renal_diameter_nm,
    tumour_cell_uptake_per_h,
    tumour_entry_factor,
)
from nanodds.specs.scenario import parse_scenario


@given(st.floats(1.0, 600.0), st.floats(100.0, 1000.0))
@settings(max_examples=40, deadline=None)
def test_pore_distribution_reduces_to_single_pore(d_nm: float, pore_nm: float) -> None:
    """Limiting case: a log-normal of pores with GSD 1 is the single-pore Renkin factor."""
    assert pore_hindrance(d_nm, pore_nm, 1.0 + 1e-12) == pytest.approx(renkin(d_nm, pore_nm), abs=1e-9)


def test_reference_carrier_keeps_the_single_pore_value() -> None:
    """At the reference size the entry factor equals the former single-pore form (calibrations keep meaning)."""
    d_ref = params()["reference_diameter"].to("nm")
    assert tumour_entry_factor(d_ref, 400.0, None) == pytest.approx(renkin(d_ref, 400.0), rel=1e-12)


def test_active_entry_keeps_large_particles_in() -> None:
    """Sindhwani 2020: entry is mostly trans-endothelial, so 300 nm keeps >= f_act of the reference entry,
    where a single 400 nm pore cut-off gave under 2 %."""
    f_act = params()["transendothelial_fraction"].to("1")
    d_ref = params()["reference_diameter"].to("nm")
    ratio = tumour_entry_factor(300.0, 400.0, None) / tumour_entry_factor(d_ref, 400.0, None)
    assert ratio >= f_act
    assert renkin(300.0, 400.0) / renkin(d_ref, 400.0) < 0.02


def test_rods_enter_faster_than_spheres() -> None:
    assert tumour_entry_factor(50.0, 400.0, "rod") > tumour_entry_factor(50.0, 400.0, None)


def test_charge_factor() -> None:
    assert charge_mps_factor(None) == 1.0
    assert charge_mps_factor(-5.0) == 1.0
    assert charge_mps_factor(-30.0) > 1.0
    assert charge_mps_factor(30.0) > charge_mps_factor(-30.0)


def test_avidity_and_binding_limits() -> None:
    mono = Ligand("antibody", "her2", 1.0, 1.0)
    multi = Ligand("antibody", "her2", 1000.0, 1.0)
    assert avid_kd_nM(mono) == pytest.approx(1.0)
    assert avid_kd_nM(multi) < avid_kd_nM(mono)
    assert bound_fraction(mono, 0.0, 1e9) == 0.0
    assert bound_fraction(mono, 1e12, 1e9) == pytest.approx(1.0, abs=1e-6)
    assert tumour_cell_uptake_per_h(None, "breast") == 0.0
    # HER2-amplified breast carries more receptors than the default tumour
    assert tumour_cell_uptake_per_h(Ligand("peptide", "her2", 200.0, 100.0), "breast") > \
        tumour_cell_uptake_per_h(Ligand("peptide", "her2", 200.0, 100.0), "colon")


def _scn(carrier: dict | None = None, tumour: dict | None = None, **top: object):
    raw = {"species": "mouse", "drug": "doxorubicin", "subject": {"body_weight": "20 g"},
           "carrier": {"type": "pegylated_liposome", **(carrier or {})},
           "tumour": {"volume": "0.2 mL", **(tumour or {})},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "simulation": {"duration": "48 h", "points": 49, "saturable": False}, **top}
    return parse_scenario(raw)


def _tumour(scn) -> dict:
    return compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["tumour"]


def test_ligand_acts_and_conserves_mass() -> None:
    plain = _scn()
    targeted = _scn({"ligand": {"type": "antibody", "receptor": "her2"}}, {"cancer_type": "breast"})
    assert targeted.carrier.ligand is not None and plain.carrier.ligand is None
    sol = simulate(targeted)
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    assert _tumour(targeted)["carrier_de24_percent"] != pytest.approx(_tumour(plain)["carrier_de24_percent"],
                                                                     rel=1e-6)


def test_design_keys_act() -> None:
    base = _scn()
    assert _scn({"material": "gold"}).carrier.mps_multiplier == params()["materials"]["gold"].to("1")
    assert _scn({"zeta": "35 mV"}).carrier.mps_multiplier > base.carrier.mps_multiplier
    allo = _scn(tumour={"model": "allograft_heterotopic"})
    assert _tumour(allo)["carrier_de24_percent"] != pytest.approx(_tumour(base)["carrier_de24_percent"], rel=1e-6)
    brain = _scn(tumour={"cancer_type": "Brain"})
    assert brain.physiology.tumour.cancer_type == "brain"
    assert brain.physiology.tumour.pore_cutoff_nm < base.physiology.tumour.pore_cutoff_nm
    assert _scn({"shape": "rod", "diameter": "300 nm"}).carrier.shape == "rod"
    assert _scn(tumour_delivery="mechanistic").physiology.tumour is not None


def test_cancer_type_without_data_is_reported() -> None:
    """A cancer type that changes nothing in the mechanistic tumour (no pore factor, no receptor density of its own)
    is accepted with a warning naming the field and the types that have data; one with data is silent."""
    import warnings

    from nanodds.errors import RangeWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _scn(tumour={"cancer_type": "cholangiocarcinoma"})
        _scn(tumour={"cancer_type": "Breast"})
    msgs = [str(w.message) for w in seen if issubclass(w.category, RangeWarning)]
    assert len(msgs) == 1 and msgs[0].startswith("tumour.cancer_type: got 'cholangiocarcinoma'"), msgs
    assert "breast" in msgs[0] and "brain" in msgs[0]


@pytest.mark.parametrize(("carrier", "tumour", "top", "field"), [
    ({"shape": "cube"}, {}, {}, "carrier.shape"),
    ({"material": "unobtainium"}, {}, {}, "carrier.material"),
    ({"ligand": {"type": "nanobody"}}, {}, {}, "carrier.ligand.type"),
    ({"ligand": {"type": "peptide", "receptor": "xyz"}}, {}, {}, "carrier.ligand.receptor"),
    ({"ligand": {"type": "peptide", "affinity": 3}}, {}, {}, "carrier.ligand.affinity"),
    ({}, {"model": "zebrafish"}, {}, "tumour.model"),
    ({}, {}, {"tumour_delivery": "magic"}, "tumour_delivery"),
])
def test_bad_design_input_names_the_field(carrier: dict, tumour: dict, top: dict, field: str) -> None:
    with pytest.raises(InputError) as exc:
        _scn(carrier, tumour, **top)
    assert exc.value.field == field


def test_digested_carrier_label_stays_in_the_tumour() -> None:
    """Carrier digested in tumour cells leaves the intact-carrier DE but stays in the labelled-carrier DE."""
    scn = _scn({"ligand": "antibody"})
    sol = simulate(scn)
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    m = compute_metrics(sol, scn.regimen, scn.bsa_m2)["tumour"]
    assert m["carrier_label_de24_percent"] > m["carrier_de24_percent"]


def test_charged_surfaces_gain_a_corona_at_the_glomerulus() -> None:
    """Choi 2007: charged coatings adsorb serum proteins (+ > 15 nm); neutral and unstated zeta do not."""
    inc = params()["corona_diameter_increment"].to("nm")
    assert renal_diameter_nm(6.0, None) == 6.0
    assert renal_diameter_nm(6.0, -5.0) == 6.0
    assert renal_diameter_nm(6.0, 25.0) == renal_diameter_nm(6.0, -25.0) == 6.0 + inc


def _urine_percent_at(scn, t_h: float) -> float:
    sol = simulate(scn)
    k = int(abs(sol.times_h - t_h).argmin())
    return 100.0 * sol.y[k, sol.model.index("carrier:sink.renal")] / sol.dosed["carrier"]


def test_small_neutral_particle_leaves_in_hours_not_minutes() -> None:
    """Choi 2007 (<= 5.5 nm quantum dots: ~4 h whole-body half-life in mice): a neutral 5.5 nm particle has
    30-70 %ID in urine at 4 h (the former 5.5 nm sieving midpoint gave 99 %ID); a charged one (corona) < 1 %ID."""
    neutral = _scn({"type": "gold_nanoparticle", "diameter": "5.5 nm", "zeta": "0 mV"})
    charged = _scn({"type": "gold_nanoparticle", "diameter": "5.5 nm", "zeta": "-30 mV"})
    assert 30.0 < _urine_percent_at(neutral, 4.0) < 70.0
    assert _urine_percent_at(charged, 4.0) < 1.0
