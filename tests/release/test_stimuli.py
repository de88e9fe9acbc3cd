"""pH and temperature responsive release."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.errors import InputError
from nanodds.release import stimuli as s


def test_default_environments_from_data():
    assert s.default_environment("blood").ph == pytest.approx(7.4)
    assert s.default_environment("blood").temperature_c == pytest.approx(37.0)
    lyso = s.default_environment("lysosome").ph
    tumour = s.default_environment("tumour_interstitium").ph
    assert 4.5 <= lyso <= 5.0
    assert 6.5 <= tumour <= 6.9
    assert lyso < s.default_environment("late_endosome").ph < tumour < 7.4
    with pytest.raises(InputError, match=r"environment\.compartment"):
        s.default_environment("spleen_red_pulp")


def test_ph_labile_rate_rises_as_ph_drops():
    linker = s.AcidLabileLinker.preset("hydrazone")
    ph = np.array([7.4, 6.8, 6.0, 5.5, 5.0, 4.7])
    k = linker.rate_per_h(ph)
    assert np.all(np.diff(k) > 0)
    assert k[0] / k[4] == pytest.approx(10 ** -2.4)  # first order in [H+]


@settings(max_examples=20, deadline=None)
@given(st.floats(3.0, 8.0), st.floats(0.01, 2.0))
def test_ph_labile_monotone(ph, dph):
    linker = s.AcidLabileLinker(0.03, 5.0, 1.0, 1e-4)
    assert linker.rate_per_h(ph - dph) > linker.rate_per_h(ph)


def test_expansile_swelling_bounds_and_release_speeds_up():
    p = s.ExpansileParticle.preset()
    ph = np.linspace(3.0, 8.0, 51)
    ratio = p.swelling_ratio(ph)
    assert np.all((ratio >= 1.0) & (ratio <= p.max_diameter_swelling))
    assert 2.0 <= p.max_diameter_swelling <= 10.0
    assert p.swelling_ratio(4.0) > 0.95 * p.max_diameter_swelling
    assert p.swelling_ratio(7.4) < 1.01
    k = p.first_order_rate_per_h(ph)
    assert np.all(np.diff(k) < 0)  # faster at lower pH
    assert k[0] / k[-1] > 50
    with pytest.raises(InputError, match="max_diameter_swelling"):
        s.ExpansileParticle(50, 12.0, 5.5, 2, 1e-22, 1e-18)


def test_expansile_rate_matches_sphere_t50():
    from nanodds.release.mechanistic import equivalent_first_order_rate

    p = s.ExpansileParticle.preset()
    for ph in (7.4, 5.5, 4.5):
        assert p.first_order_rate_per_h(ph) == pytest.approx(
            equivalent_first_order_rate(p.release_model(ph)), rel=1e-6)


def test_tsl_fast_above_slow_below():
    tsl = s.ThermosensitiveLiposome.preset()
    k37, k42 = float(tsl.rate_per_h(37.0)), float(tsl.rate_per_h(42.0))
    assert k37 < 0.1  # slow at body temperature (1/h)
    # about half released within ~10 s at 42 C
    frac_10s = 1 - np.exp(-k42 * 10 / 3600)
    assert 0.2 < frac_10s < 0.6
    assert k42 / k37 > 500
    temps = np.linspace(35, 45, 41)
    assert np.all(np.diff(tsl.rate_per_h(temps)) > 0)


def test_hyperthermia_schedule_triggers_release():
    tsl = s.ThermosensitiveLiposome.preset()
    sched = s.HyperthermiaSchedule("tumour", start_h=1.0, duration_h=0.5, temperature_c=42.0)
    t = np.array([0.0, 0.99, 1.0 + 30 / 3600, 1.5, 3.0])
    f = tsl_f = s.tsl_fraction_released(t, tsl, sched, 37.0)
    assert f[1] < 0.06 and tsl_f[2] > 0.5 and f[3] > 0.999
    assert np.all(np.diff(f) >= 0)
    assert sched.temperature_at(np.array([0.5, 1.2, 2.0]), 37.0).tolist() == [37.0, 42.0, 37.0]
    env = sched.environment_at(1.2, s.default_environment("tumour_interstitium"))
    assert env.temperature_c == 42.0 and env.ph == pytest.approx(6.8)
    with pytest.raises(InputError, match=r"hyperthermia\.duration"):
        s.HyperthermiaSchedule("tumour", 0.0, 0.0, 42.0)
