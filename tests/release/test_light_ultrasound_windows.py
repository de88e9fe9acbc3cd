"""Light and ultrasound release triggers as time-and-place windows of a scenario (issue #12)."""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.engine import build, simulate
from nanodds.errors import InputError
from nanodds.specs.scenario import parse_scenario

LIGHT = {"model": "light_triggered", "rate_off": "0.001 1/h", "rate_on": "2 1/h"}


def _raw(release: dict | None = None, env: dict | None = None, **extra) -> dict:
    raw = {"species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "pegylated_liposome", "diameter": "85 nm", "release": release or LIGHT},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "tumour": {"volume": "0.3 mL"},
           "environment": {"light": {"region": "tumour", "start": "6 h", "duration": "0.5 h"}} if env is None else env,
           "simulation": {"duration": "24 h", "points": 49}}
    raw.update(extra)
    return raw


def test_light_window_switches_the_tumour_release_rate_only() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_on), (t1, k_off) = model.k_schedule
    assert (t0, t1) == (6.0, 6.5)
    np.testing.assert_array_equal(k_off, model.K)
    n = model.names
    for src, dst in (("encapsulated:tumour.interstitial", "free:tumour"),
                     ("encapsulated:tumour.vascular", "free:tumour")):
        i, j = n.index(src), n.index(dst)
        assert model.K[j, i] == pytest.approx(0.001, rel=1e-12)
        assert k_on[j, i] == pytest.approx(2.0, rel=1e-12)
    i, j = n.index("encapsulated:liver.interstitial"), n.index("free:liver")
    assert k_on[j, i] == model.K[j, i] == pytest.approx(0.001, rel=1e-12)  # elsewhere: not illuminated


def test_light_releases_in_the_tumour_during_the_window_and_conserves_mass() -> None:
    sol = simulate(parse_scenario(_raw()))
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    rel = sol.observe("tissue_released_tumour")
    t = sol.times_h
    before, after = rel[t == 6.0][0], rel[t == 6.5][0]
    assert after > 3 * before  # the burst of release in the illuminated tumour


def test_ultrasound_window_acts_like_light_for_its_own_model() -> None:
    us = {"model": "ultrasound_triggered", "rate_off": "0.001 1/h", "rate_on": "2 1/h"}
    a = build(parse_scenario(_raw()))
    b = build(parse_scenario(_raw(us, {"ultrasound": {"start": "6 h", "duration": "0.5 h"}})))
    np.testing.assert_array_equal(a.k_schedule[0][1], b.k_schedule[0][1])


@pytest.mark.parametrize(("raw", "field"), [
    (_raw(env={}), "carrier.release.model"),  # a triggered carrier with no window
    (_raw({"model": "first_order", "rate": "0.01 1/h"}), "environment.light"),  # a window nothing reacts to
    (_raw(env={"light": {"start": "1 h"}}), "environment.light.duration"),
    (_raw(env={"light": {"region": "brain", "duration": "1 h"}}), "environment.light.region"),
    (_raw(env={"light": {"duration": "1 h", "wavelength": "808 nm"}}), "environment.light.wavelength"),
    ({**_raw(), "tumour": None}, "environment.light"),
    (_raw(env={"light": {"start": "1 h", "duration": "2 h"},
               "hyperthermia": {"start": "2 h", "duration": "1 h", "temperature": "42 degC"}}),
     "environment.hyperthermia"),  # overlapping windows
])
def test_bad_trigger_window_is_one_line_naming_the_field(raw, field) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert err.value.field == field
