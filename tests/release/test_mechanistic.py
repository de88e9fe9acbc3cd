"""Analytical checks of the mechanistic release models."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from nanodds.release import mechanistic as m

FAST = settings(max_examples=15, deadline=None)


def test_sphere_mean_release_time_equals_r2_over_15d():
    model = m.SphereDiffusion(radius_nm=50.0, diffusivity_m2_s=1e-19)

    def tail(t):
        return 1.0 - float(model.fraction(np.array([t]))[0])

    t_switch = 0.05 / model.tau_per_h
    mrt = integrate.quad(tail, 0, t_switch, limit=200, epsabs=0, epsrel=1e-12)[0] + integrate.quad(
        tail, t_switch, np.inf, limit=200, epsabs=0, epsrel=1e-12)[0]
    assert mrt == pytest.approx(model.mean_release_time_h, rel=1e-6)


def test_sphere_short_and_long_time_forms_agree_and_limits():
    tau = np.array([0.05 - 1e-12, 0.05])
    f = m.sphere_fraction_dimensionless(tau)
    assert abs(f[0] - f[1]) < 1e-9
    assert m.sphere_fraction_dimensionless(np.array([0.0]))[0] == 0.0
    assert m.sphere_fraction_dimensionless(np.array([5.0]))[0] == pytest.approx(1.0, abs=1e-12)
    small = 1e-6
    assert m.sphere_fraction_dimensionless(np.array([small]))[0] == pytest.approx(
        6 * math.sqrt(small / math.pi) - 3 * small, rel=1e-9)


def test_sphere_rate_is_derivative():
    model = m.SphereDiffusion(30.0, 5e-20)
    t = np.array([0.01, 0.1, 0.5, 2.0])
    h = 1e-6
    num = (model.fraction(t + h) - model.fraction(t - h)) / (2 * h)
    np.testing.assert_allclose(model.rate(t), num, rtol=1e-5)


def test_hopfenberg_sphere_matches_closed_form():
    model = m.HopfenbergErosion(erosion_rate_mg_per_m2_h=1e-3, loading_mg_per_l=1e4, radius_nm=100.0)
    k = 1e-3 / (1e4 * 1e3 * 100e-9)
    assert model.k_per_h == pytest.approx(k)
    t = np.linspace(0, 1.2 / k, 13)
    expected = np.where(t < 1 / k, 1 - (1 - k * t) ** 3, 1.0)
    np.testing.assert_allclose(model.fraction(t), expected, atol=1e-14)


def test_burst_sustained_limits():
    t = np.linspace(0, 50, 11)
    pure_sustained = m.BurstSustained(0.0, 5.0, 0.1).fraction(t)
    np.testing.assert_allclose(pure_sustained, 1 - np.exp(-0.1 * t))
    pure_burst = m.BurstSustained(1.0, 5.0, 0.1).fraction(t)
    np.testing.assert_allclose(pure_burst, 1 - np.exp(-5.0 * t))
    mixed = m.BurstSustained(0.3, 100.0, 1e-3)
    assert mixed.fraction(np.array([0.2]))[0] == pytest.approx(0.3, abs=1e-3)  # burst done, sustained ~0


def test_reservoir_zero_order_then_first_order():
    r = m.ReservoirSphere(50, 10, 1e-20, 1.0, loading_mg_per_l=1e4, solubility_mg_per_l=1e3)
    a, b = 50e-9, 60e-9
    assert r.permeability_m_s == pytest.approx(1e-20 / 10e-9)
    assert r.k1_per_h == pytest.approx(3 * 1e-12 * b / a**2 * 3600)
    t = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(r.fraction(t), r.k1_per_h * 0.1 * t)  # zero order while saturated
    t_ex = 0.9 / (r.k1_per_h * 0.1)
    assert r.fraction(np.array([t_ex]))[0] == pytest.approx(0.9)
    late = r.fraction(np.array([t_ex + 10.0]))[0]
    assert late == pytest.approx(1 - 0.1 * math.exp(-r.k1_per_h * 10.0))


def test_swelling_nanogel_conserves_shell_and_reduces_to_reservoir_without_swelling():
    g = m.SwellingCoatedNanogel(50, 10, 1e-21, 1.0, equilibrium_swelling_ratio=3.0, swelling_rate_per_h=1.0)
    a, b = g.geometry(np.array([0.0, 0.5, 100.0]))
    np.testing.assert_allclose(b**3 - a**3, 60.0**3 - 50.0**3)
    assert a[-1] == pytest.approx(50 * 3 ** (1 / 3))
    rigid = m.SwellingCoatedNanogel(50, 10, 1e-21, 1.0, 1.0, 1.0)
    res = m.ReservoirSphere(50, 10, 1e-21, 1.0, 1.0, 1.0)  # not saturated: first order
    t = np.array([0.0, 5.0, 20.0, 80.0])
    np.testing.assert_allclose(rigid.fraction(t), res.fraction(t), rtol=1e-8, atol=1e-12)
    assert np.all(np.diff(g.fraction(t)) >= 0)


def test_remote_loaded_liposome_near_zero_order():
    lip = m.RemoteLoadedLiposome(membrane_rate_per_h=0.2, precipitated_fraction=0.95)
    t = np.array([10.0, 20.0, 40.0])
    np.testing.assert_allclose(lip.fraction(t), 0.01 * t)
    np.testing.assert_allclose(lip.rate(t), 0.01)


def test_equivalent_first_order_rate():
    assert m.equivalent_first_order_rate(m.FirstOrderLeakage(0.3)) == pytest.approx(0.3, rel=1e-9)
    s = m.SphereDiffusion(50.0, 1e-19)
    t50 = m.time_to_fraction(s, 0.5)
    assert s.fraction(np.array([t50]))[0] == pytest.approx(0.5)


MODELS = st.one_of(
    st.builds(m.SphereDiffusion, st.floats(5, 500), st.floats(1e-22, 1e-17)),
    st.builds(m.HopfenbergErosion, st.floats(1e-5, 1e-1), st.floats(1e2, 1e5), st.floats(5, 500),
              st.sampled_from([1, 2, 3])),
    st.builds(m.BurstSustained, st.floats(0, 1), st.floats(0.1, 100), st.floats(1e-4, 1)),
    st.builds(m.RemoteLoadedLiposome, st.floats(1e-3, 1), st.floats(0, 0.99)),
    st.builds(m.ReservoirSphere, st.floats(10, 200), st.floats(1, 50), st.floats(1e-22, 1e-18),
              st.floats(0.1, 10), st.floats(1, 1e4), st.floats(1, 1e4)),
)


@FAST
@given(MODELS)
def test_bounded_and_monotone(model):
    t = np.concatenate([[0.0], np.logspace(-4, 4, 60)])
    f = m.fraction_released(t, model)
    assert np.all((f >= 0) & (f <= 1))
    assert f[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(f) >= -1e-12)
