"""A drug defined inside a scenario from its properties (issue #12, 'a new drug from its properties')."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

from nanodds.engine import simulate
from nanodds.errors import InputError, RangeWarning
from nanodds.specs.drug import TISSUES_WITH_KP, load_drug
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import parse_scenario


def _leaf(p, unit: str | None = None) -> dict:
    """A packaged drug file's {value, unit, source} leaf as a scenario {value, source} entry."""
    u = p.unit if unit is None else unit
    return {"value": p.value if u in ("1", "") else f"{p.value!r} {u}", "source": p.source}


def _amphotericin_inline() -> dict:
    """Amphotericin B written inline from its packaged file's properties (its Kp there are R&R-derived)."""
    d = load_yaml("drugs/amphotericin_b.yaml")
    cl = d["clearance"]["human"]
    return {"name": "amphotericin_b_inline",
            **{k: _leaf(d[k]) for k in ("molecular_weight", "log_p", "pka_acid", "pka_base",
                                         "fraction_unbound", "blood_plasma_ratio")},
            "clearance": {"hepatic_blood": _leaf(cl["hepatic_blood"]), "renal_plasma": _leaf(cl["renal_plasma"])}}


def _scenario(drug) -> dict:
    return {"species": "human", "drug": drug, "regimen": [{"route": "iv_infusion", "dose": "3 mg/kg",
                                                          "duration": "2 h"}],
            "simulation": {"duration": "72 h", "points": 73}}


def test_inline_drug_equals_the_packaged_file_it_copies() -> None:
    """Limiting case: the inline definition of a packaged drug (R&R Kp) gives its Kp and its simulation."""
    packaged = load_drug("amphotericin_b", "human")
    inline = parse_scenario(_scenario(_amphotericin_inline())).drug
    for t in TISSUES_WITH_KP:  # the packaged Kp are the R&R output rounded to 3 significant digits
        assert inline.kp[t] == pytest.approx(packaged.kp[t], rel=5e-3), t
    assert inline.hepatic_blood_cl_L_per_h == packaged.hepatic_blood_cl_L_per_h
    assert inline.fraction_unbound == packaged.fraction_unbound
    kp_given = _amphotericin_inline()
    kp_given["kp"] = {t: {"value": v, "source": "packaged file"} for t, v in packaged.kp.items()}
    a = simulate(parse_scenario(_scenario(kp_given)))
    b = simulate(parse_scenario(_scenario("amphotericin_b")))
    np.testing.assert_allclose(a.y, b.y, rtol=1e-10, atol=1e-12)
    assert max(a.mass_balance_rel_error().values()) < 1e-9


def test_inline_kp_given_overrides_the_derived_one() -> None:
    raw = _amphotericin_inline()
    raw["kp"] = {"brain": {"value": 0.05, "source": "assumption: test"}}
    drug = parse_scenario(_scenario(raw)).drug
    assert drug.kp["brain"] == 0.05
    assert drug.kp["liver"] == pytest.approx(load_drug("amphotericin_b", "human").kp["liver"], rel=5e-3)


def test_data_file_style_leaf_is_accepted() -> None:
    raw = _amphotericin_inline()
    raw["molecular_weight"] = {"value": 924.1, "unit": "g/mol", "source": "PubChem"}
    assert parse_scenario(_scenario(raw)).drug.molecular_weight_g_per_mol == pytest.approx(924.1)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: d.__setitem__("name", "doxorubicin"), "drug.name"),
    (lambda d: d.pop("fraction_unbound"), "drug.fraction_unbound"),
    (lambda d: d.__setitem__("fraction_unbound", {"value": 1.5, "source": "x"}), "drug.fraction_unbound.value"),
    (lambda d: d.__setitem__("molecular_weight", {"value": 300, "source": "x"}), "drug.molecular_weight.value"),
    (lambda d: d.__setitem__("molecular_weight", {"value": "300 g/mol"}), "drug.molecular_weight.source"),
    (lambda d: d.__setitem__("molecular_weight", "300 g/mol"), "drug.molecular_weight"),
    (lambda d: d.__setitem__("pka_base", {"value": 19, "source": "x"}), "drug.pka_base.value"),
    (lambda d: d["clearance"].pop("renal_plasma"), "drug.clearance.renal_plasma"),
    (lambda d: d["clearance"].__setitem__("hepatic_blood", {"value": "-1 L/h", "source": "x"}),
     "drug.clearance.hepatic_blood.value"),
    (lambda d: d.__setitem__("kp", {"bone": {"value": 1, "source": "x"}}), "drug.kp.bone"),
    (lambda d: d.__setitem__("halflife", "3 h"), "drug.halflife"),
])
def test_bad_inline_drug_is_one_line_naming_the_field(edit, field) -> None:
    raw = copy.deepcopy(_amphotericin_inline())
    edit(raw)
    with pytest.raises(InputError) as err:
        parse_scenario(_scenario(raw))
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_log_p_outside_the_rodgers_rowland_range_warns() -> None:
    raw = _amphotericin_inline()
    raw["log_p"] = {"value": 8.5, "source": "x"}
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        parse_scenario(_scenario(raw))
    assert any(issubclass(w.category, RangeWarning) and "drug.log_p" in str(w.message) for w in rec)
