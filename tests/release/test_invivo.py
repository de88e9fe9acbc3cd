"""Engine interface: first-order rate per compartment environment, and its input errors."""

import math

import pytest

from nanodds.errors import InputError
from nanodds.release.invivo import first_order_rate_per_h, heating_temperature_c
from nanodds.release.stimuli import default_environment
from nanodds.specs.environment import Environment

BLOOD = default_environment("blood")
LYSO = default_environment("lysosome")


def test_first_order_rate_and_half_life():
    assert first_order_rate_per_h({"model": "first_order", "rate": "0.01 1/h"}, BLOOD) == pytest.approx(0.01)
    assert first_order_rate_per_h({"model": "first_order", "rate": "0.24 1/d"}, BLOOD) == pytest.approx(0.01)
    k = first_order_rate_per_h({"model": "first_order", "half_life": "2 d"}, BLOOD)
    assert k == pytest.approx(math.log(2) / 48)


def test_stimuli_models_respond_to_environment():
    for spec in ({"model": "ph_labile"}, {"model": "expansile"}):
        assert first_order_rate_per_h(spec, LYSO) > 10 * first_order_rate_per_h(spec, BLOOD)
    hot = Environment(7.4, 42.0)
    tsl = {"model": "thermosensitive"}
    assert first_order_rate_per_h(tsl, hot) > 500 * first_order_rate_per_h(tsl, BLOOD)
    custom = {"model": "ph_labile", "rate_at_reference": "0.1 1/h", "reference_ph": 5.0}
    assert first_order_rate_per_h(custom, Environment(5.0, 37.0)) == pytest.approx(0.1)


def test_non_first_order_profiles_use_ln2_over_t50():
    spec = {"model": "fitted", "profile_model": "weibull", "params": {"alpha": 5.0, "beta": 0.8}}
    t50 = (5.0 * math.log(2)) ** (1 / 0.8)
    assert first_order_rate_per_h(spec, BLOOD) == pytest.approx(math.log(2) / t50, rel=1e-8)
    spec_d = {**spec, "time_unit": "d", "ivivc": {"time_scale": 2.0}}
    assert first_order_rate_per_h(spec_d, BLOOD) == pytest.approx(math.log(2) / (t50 * 24 * 2), rel=1e-8)
    lipo = {"model": "remote_loaded_liposome", "membrane_rate": "0.2 1/h", "precipitated_fraction": 0.95}
    assert first_order_rate_per_h(lipo, BLOOD) == pytest.approx(math.log(2) / 50.0)  # 1 %/h zero order
    sphere = {"model": "sphere_diffusion", "radius": "50 nm", "diffusivity": "1e-19 m^2/s"}
    assert first_order_rate_per_h(sphere, BLOOD) > 0
    bi = {"model": "biphasic", "burst_fraction": 0.2, "burst_rate": "2 1/h", "sustained_rate": "0.01 1/h"}
    assert 0.01 < first_order_rate_per_h(bi, BLOOD) < 2


def test_amf_heating_triggers_tsl():
    off = Environment(6.8, 37.0)
    on = Environment(6.8, 37.0, amf_field_a_per_m=15.9e3, amf_frequency_hz=55e3)
    assert heating_temperature_c(off, 5.0, 14.0) == 37.0
    assert heating_temperature_c(on, 5.0, 14.0) > 42.0
    spec = {"model": "thermosensitive",
            "magnetic": {"particle_concentration": "5 mg/mL", "core_diameter": "14 nm"}}
    assert first_order_rate_per_h(spec, on) > 500 * first_order_rate_per_h(spec, off)


@pytest.mark.parametrize(("spec", "field"), [
    ({"model": "zeroth"}, "release.model"),
    ({"rate": "1 1/h"}, "release.model"),
    ({"model": "first_order", "rate": "0.01 mg"}, "release.rate"),
    ({"model": "first_order", "rate": "-1 1/h"}, "release.rate"),
    ({"model": "first_order", "rat": "1 1/h"}, "release.rat"),
    ({"model": "first_order"}, "release"),
    ({"model": "thermosensitive", "preset": "nope"}, "release.preset"),
    ({"model": "thermosensitive", "transition_temperature": "abc"}, "release.transition_temperature"),
    ({"model": "expansile", "max_swelling": 20}, "release.max_swelling"),
    ({"model": "fitted", "profile_model": "weibul", "params": {}}, "release.profile_model"),
    ({"model": "fitted", "profile_model": "weibull", "params": {"alpha": 1}}, "release.params"),
    ({"model": "fitted", "profile_model": "weibull", "params": {"alpha": 1, "beta": 1, "x": 2}},
     "release.params.x"),
    ({"model": "first_order", "rate": "1 1/h", "ivivc": {"slope": 2}}, "release.ivivc.slope"),
    ({"model": "biphasic", "burst_fraction": 1.5, "burst_rate": "1 1/h", "sustained_rate": "0.1 1/h"},
     "release.burst_fraction"),
])
def test_bad_input_names_field(spec, field):
    with pytest.raises(InputError) as err:
        first_order_rate_per_h(spec, BLOOD)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")
