"""Rosensweig heating, Hergt-Dutz warning and the tissue heat balance."""

import math
import warnings

import numpy as np
import pytest

from nanodds.release import magnetic as mg
from nanodds.specs.params import load_yaml

ZHANG = load_yaml("release/magnetic.yaml")["validation"]["zhang2007"]
H_ZHANG = ZHANG["field_oe"].to("") * mg.OERSTED_TO_A_PER_M
F_ZHANG = ZHANG["frequency"].to("Hz")
SAR_ZHANG = ZHANG["measured_sar"].to("W/g")
T_ZHANG = ZHANG["temperature"].to("degC")


def test_relaxation_times_and_limits():
    mat = mg.MagneticMaterial.magnetite()
    # tau_B = 3 eta V / kT, checked by hand for 20 nm in water at 25 C
    v = math.pi / 6 * (20e-9) ** 3
    assert mg.brownian_time_s(20, 25.0, 0.89e-3) == pytest.approx(3 * 0.89e-3 * v / (1.380649e-23 * 298.15))
    assert mg.neel_time_s(5, 37.0, mat) < mg.neel_time_s(15, 37.0, mat)
    assert mg.effective_time_s(1.0, 1e6) == pytest.approx(1.0, rel=1e-5)
    chi_lin = mg.equilibrium_susceptibility(12, 1.0, 37.0, mat, chord=True)
    assert chi_lin == pytest.approx(mg.equilibrium_susceptibility(12, 1.0, 37.0, mat, chord=False), rel=1e-6)
    assert mg.water_viscosity_pa_s(37.0) == pytest.approx(0.6913e-3)


def test_sar_independent_of_volume_fraction():
    p1 = mg.power_density_w_per_m3(10e3, 100e3, 14, 1e-3)
    p2 = mg.power_density_w_per_m3(10e3, 100e3, 14, 2e-3)
    assert p2 == pytest.approx(2 * p1)


def test_sar_scales_with_h_squared_in_linear_regime():
    low = mg.sar_w_per_g(100.0, 100e3, 12)
    assert mg.sar_w_per_g(200.0, 100e3, 12) == pytest.approx(4 * low, rel=1e-3)


@pytest.mark.xfail(strict=True, reason="pre-registered 13 nm core gives 28 W/g vs 75 W/g measured "
                   "(2.7x low); see docs/release_mechanistic.md")
def test_zhang2007_preregistered_size_within_two_fold():
    sar = mg.sar_w_per_g(H_ZHANG, F_ZHANG, ZHANG["core_diameter"].to("nm"), T_ZHANG)
    assert SAR_ZHANG / 2 <= sar <= 2 * SAR_ZHANG


def test_zhang2007_model_value_and_size_band():
    sar13 = mg.sar_w_per_g(H_ZHANG, F_ZHANG, 13.0, T_ZHANG)
    assert sar13 == pytest.approx(27.7, rel=0.02)  # recorded model value for the pre-registered size
    inside = [d for d in np.arange(10.0, 16.01, 0.25)
              if SAR_ZHANG / 2 <= mg.sar_w_per_g(H_ZHANG, F_ZHANG, d, T_ZHANG) <= 2 * SAR_ZHANG]
    assert inside and 13.0 < min(inside) < 14.0  # 2-fold band reached from ~13.5 nm upwards


def test_hergt_dutz_warning():
    with pytest.warns(mg.FieldSafetyWarning):
        mg.sar_w_per_g(20e3, 500e3, 14)  # H f = 1e10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.sar_w_per_g(H_ZHANG, F_ZHANG, 14)  # 8.8e8, below the limit
    assert mg.check_field_safety(1e4, 1e5) is True


def test_tissue_heating_balance():
    tissue = mg.TissueThermal.tumour()
    rise = mg.steady_state_rise_k(sar=100.0, particle_mg_per_ml=1.0, tissue=tissue)
    assert rise == pytest.approx(1e5 / (1050 * 3617 * 0.005))
    t_h = np.array([0.0, tissue.time_constant_s / 3600, 10.0, 10.0 + 5 * tissue.time_constant_s / 3600])
    temp = mg.temperature_course_c(t_h, rise, tissue, 37.0, on_h=0.0, duration_h=10.0)
    assert temp[0] == pytest.approx(37.0)
    assert temp[1] == pytest.approx(37.0 + rise * (1 - math.exp(-1)))
    assert temp[2] == pytest.approx(37.0 + rise, rel=1e-9)
    assert temp[3] == pytest.approx(37.0 + rise * math.exp(-5), rel=1e-6)
