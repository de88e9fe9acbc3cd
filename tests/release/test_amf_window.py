"""Alternating-magnetic-field heating wired into scenarios: an environment.amf window heats a thermosensitive
carrier's magnetic cores in the tumour (issue #12)."""

from __future__ import annotations

import warnings

import pytest

from nanodds.engine import build, simulate
from nanodds.errors import InputError
from nanodds.release.invivo import first_order_rate_per_h, heating_temperature_c
from nanodds.release.magnetic import FieldSafetyWarning
from nanodds.specs.scenario import parse_scenario

MAG = {"particle_concentration": "5 mg/mL", "core_diameter": "14 nm"}
AMF = {"region": "tumour", "start": "4 h", "duration": "1 h", "field": "15.9 kA/m", "frequency": "55 kHz"}


def _raw(amf: dict | None = AMF, magnetic: dict | None = MAG) -> dict:
    rel = {"model": "thermosensitive", **({"magnetic": magnetic} if magnetic is not None else {})}
    return {"species": "mouse", "drug": "doxorubicin",
            "carrier": {"type": "pegylated_liposome", "diameter": "100 nm", "release": rel},
            "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "tumour": {"volume": "0.3 mL"},
            "environment": {"amf": amf} if amf is not None else {},
            "simulation": {"duration": "12 h", "points": 25}}


def test_amf_window_heats_the_tumour_release_to_the_rosensweig_pennes_temperature() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_on), (t1, _) = model.k_schedule
    assert (t0, t1) == (4.0, 5.0)
    from dataclasses import replace

    from nanodds.model.assemble import default_environments

    env = default_environments()["tumour"]
    heated = replace(env, amf_field_a_per_m=15.9e3, amf_frequency_hz=55e3)
    temp = heating_temperature_c(heated, 5.0, 14.0)
    assert temp > 42.0  # the cores heat the tumour into the TSL transition
    spec = scn.carrier.release
    n = model.names
    i, j = n.index("encapsulated:tumour.interstitial"), n.index("free:tumour")
    assert k_on[j, i] == pytest.approx(first_order_rate_per_h(spec, heated), rel=1e-12)
    assert model.K[j, i] == pytest.approx(first_order_rate_per_h(spec, env), rel=1e-12)
    assert k_on[j, i] > 500 * model.K[j, i]
    i, j = n.index("encapsulated:liver.interstitial"), n.index("free:liver")
    assert k_on[j, i] == model.K[j, i]  # the field is applied to the tumour only


def test_amf_window_releases_in_the_tumour_and_conserves_mass() -> None:
    sol = simulate(parse_scenario(_raw()))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    rel, t = sol.observe("tissue_released_tumour"), sol.times_h
    assert rel[t == 5.0][0] > 3 * rel[t == 4.0][0]


def test_field_beyond_hergt_dutz_warns() -> None:
    with pytest.warns(FieldSafetyWarning):
        parse_scenario(_raw({**AMF, "field": "20 kA/m", "frequency": "500 kHz"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FieldSafetyWarning)
        parse_scenario(_raw())


@pytest.mark.parametrize(("raw", "field"), [
    (_raw(amf=None), "carrier.release.magnetic"),  # cores and no field
    (_raw(magnetic=None), "environment.amf"),  # a field and no cores
    (_raw({k: v for k, v in AMF.items() if k != "frequency"}), "environment.amf.frequency"),
    (_raw({**AMF, "field": 15900}), "environment.amf.field"),
    (_raw({**AMF, "gradient": "10 T/m"}), "environment.amf.gradient"),
])
def test_bad_amf_input_is_one_line_naming_the_field(raw, field) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert err.value.field == field


def test_light_window_without_light_model_is_not_confused_with_amf() -> None:
    raw = _raw()
    raw["environment"]["light"] = {"start": "0 h", "duration": "1 h"}
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert err.value.field == "environment.light"
