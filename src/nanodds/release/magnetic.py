"""Magnetic fluid hyperthermia: Rosensweig (2002) power dissipation and a lumped tissue heat balance.

Units: field amplitude H in A/m, frequency f in Hz, diameters in nm, temperatures in degC (kelvin inside),
specific absorption rate (SAR) in W per g of magnetic material, particle concentration in mg/mL (= g/L).

Equations (Rosensweig RE 2002 J Magn Magn Mater 252:370, doi:10.1016/S0304-8853(02)00706-0)::

    P = pi mu0 chi0 H^2 f * 2 pi f tau / (1 + (2 pi f tau)^2)            (W/m^3 of fluid)
    tau_N = tau0 exp(K V_m / kB T),  tau_B = 3 eta V_H / (kB T),  1/tau = 1/tau_N + 1/tau_B
    chi_i = mu0 phi Ms^2 V_m / (3 kB T),  chi0 = chi_i (3/xi)(coth xi - 1/xi),  xi = mu0 Ms V_m H / (kB T)
    SAR = P / (rho phi)

Tissue heating (Pennes 1948 perfusion term, lumped region)::

    rho c dT/dt = Q - rho_b c_b w (T - T_a),   Q = SAR * c_particles
    dT_ss = Q / (rho_b c_b w),   time constant = rho c / (rho_b c_b w)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import constants

from nanodds.specs.params import load_yaml

MU0 = constants.mu_0
KB = constants.k
KELVIN_OFFSET = constants.zero_Celsius
OERSTED_TO_A_PER_M = 1000.0 / (4.0 * math.pi)  # definition of the oersted
DATA_FILE = "release/magnetic.yaml"


class FieldSafetyWarning(UserWarning):
    """H * f exceeds the Hergt & Dutz (2007) limit for patients."""


def _data() -> dict:
    return load_yaml(DATA_FILE)


@dataclass(frozen=True)
class MagneticMaterial:
    """Bulk constants of the magnetic core (SI).

    Attributes
    ----------
    ms_a_per_m : float
        Domain (saturation) magnetisation Ms (A/m).
    anisotropy_j_per_m3 : float
        Anisotropy constant K (J/m^3).
    density_kg_per_m3 : float
        Core density rho (kg/m^3).
    attempt_time_s : float
        Neel attempt time tau0 (s).
    """

    ms_a_per_m: float
    anisotropy_j_per_m3: float
    density_kg_per_m3: float
    attempt_time_s: float

    @classmethod
    def magnetite(cls) -> MagneticMaterial:
        """Magnetite constants from ``data/release/magnetic.yaml`` (Rosensweig 2002 Table 1)."""
        m = _data()["magnetite"]
        return cls(m["domain_magnetization"].to("A/m"), m["anisotropy_constant"].to("J/m**3"),
                   m["density"].to("kg/m**3"), m["attempt_time"].to("s"))


def default_coating_nm() -> float:
    """Coating thickness delta (nm) added on each side of the core for the hydrodynamic size."""
    return _data()["magnetite"]["coating_thickness"].to("nm")


def water_viscosity_pa_s(temperature_c: float) -> float:
    """Water viscosity (Pa s), log-linear through the IAPWS values at 25 and 37 degC.

    Within ~2 % of IAPWS 2008 between 20 and 45 degC (Huber et al. 2009, doi:10.1063/1.3088050).
    """
    w = _data()["water"]
    e25, e37 = w["viscosity_25c"].to("Pa*s"), w["viscosity_37c"].to("Pa*s")
    slope = math.log(e37 / e25) / (37.0 - 25.0)
    return e25 * math.exp(slope * (temperature_c - 25.0))


def _sphere_volume_m3(d_nm: float) -> float:
    return math.pi / 6.0 * (d_nm * 1e-9) ** 3


def neel_time_s(core_diameter_nm: float, temperature_c: float, material: MagneticMaterial) -> float:
    """Neel relaxation time tau0 exp(K V_m / kB T) (s)."""
    t_k = temperature_c + KELVIN_OFFSET
    return material.attempt_time_s * math.exp(
        material.anisotropy_j_per_m3 * _sphere_volume_m3(core_diameter_nm) / (KB * t_k))


def brownian_time_s(hydrodynamic_diameter_nm: float, temperature_c: float, viscosity_pa_s: float) -> float:
    """Brownian rotational relaxation time 3 eta V_H / (kB T) (s)."""
    t_k = temperature_c + KELVIN_OFFSET
    return 3.0 * viscosity_pa_s * _sphere_volume_m3(hydrodynamic_diameter_nm) / (KB * t_k)


def effective_time_s(tau_n: float, tau_b: float) -> float:
    """Parallel relaxation 1/tau = 1/tau_N + 1/tau_B (s)."""
    return tau_n * tau_b / (tau_n + tau_b)


def equilibrium_susceptibility(core_diameter_nm: float, field_a_per_m: float, temperature_c: float,
                               material: MagneticMaterial, volume_fraction: float = 1.0,
                               chord: bool = True) -> float:
    """chi0: initial Langevin susceptibility, times the chord factor (3/xi)(coth xi - 1/xi) if ``chord``."""
    t_k = temperature_c + KELVIN_OFFSET
    vm = _sphere_volume_m3(core_diameter_nm)
    chi_i = MU0 * volume_fraction * material.ms_a_per_m**2 * vm / (3.0 * KB * t_k)
    if not chord or field_a_per_m <= 0:
        return chi_i
    xi = MU0 * material.ms_a_per_m * vm * field_a_per_m / (KB * t_k)
    factor = 3.0 / xi * (1.0 / math.tanh(xi) - 1.0 / xi) if xi > 1e-6 else 1.0
    return chi_i * factor


def check_field_safety(field_a_per_m: float, frequency_hz: float) -> bool:
    """Warn (FieldSafetyWarning) if H f exceeds the Hergt & Dutz 2007 limit; return True if within it."""
    limit = _data()["safety"]["hergt_dutz_limit"].to("A/m/s")
    hf = field_a_per_m * frequency_hz
    if hf > limit:
        warnings.warn(f"H*f = {hf:.3g} A m^-1 s^-1 exceeds the Hergt & Dutz (2007) limit {limit:.3g}",
                      FieldSafetyWarning, stacklevel=2)
        return False
    return True


def power_density_w_per_m3(field_a_per_m: float, frequency_hz: float, core_diameter_nm: float,
                           volume_fraction: float, temperature_c: float = 37.0,
                           hydrodynamic_diameter_nm: float | None = None,
                           viscosity_pa_s: float | None = None,
                           material: MagneticMaterial | None = None) -> float:
    """Rosensweig (2002) volumetric power dissipation P (W/m^3 of ferrofluid).

    Parameters
    ----------
    field_a_per_m, frequency_hz : float
        Field amplitude H (A/m) and frequency f (Hz).
    core_diameter_nm : float
        Magnetic core diameter d (nm).
    volume_fraction : float
        Magnetic volume fraction phi of the fluid (-).
    temperature_c : float
        Temperature (degC).
    hydrodynamic_diameter_nm : float, optional
        Defaults to d + 2 delta (coating thickness from the data file).
    viscosity_pa_s : float, optional
        Carrier viscosity; defaults to water at ``temperature_c``.
    material : MagneticMaterial, optional
        Defaults to magnetite.
    """
    mat = material or MagneticMaterial.magnetite()
    d_h = hydrodynamic_diameter_nm if hydrodynamic_diameter_nm is not None else (
        core_diameter_nm + 2.0 * default_coating_nm())
    eta = viscosity_pa_s if viscosity_pa_s is not None else water_viscosity_pa_s(temperature_c)
    check_field_safety(field_a_per_m, frequency_hz)
    tau = effective_time_s(neel_time_s(core_diameter_nm, temperature_c, mat),
                           brownian_time_s(d_h, temperature_c, eta))
    chi0 = equilibrium_susceptibility(core_diameter_nm, field_a_per_m, temperature_c, mat, volume_fraction)
    wt = 2.0 * math.pi * frequency_hz * tau
    return math.pi * MU0 * chi0 * field_a_per_m**2 * frequency_hz * wt / (1.0 + wt**2)


def sar_w_per_g(field_a_per_m: float, frequency_hz: float, core_diameter_nm: float,
                temperature_c: float = 37.0, hydrodynamic_diameter_nm: float | None = None,
                viscosity_pa_s: float | None = None, material: MagneticMaterial | None = None) -> float:
    """Specific absorption rate P / (rho phi) in W per g of magnetic core (independent of phi)."""
    mat = material or MagneticMaterial.magnetite()
    phi = 1e-3  # cancels exactly (P is linear in phi); any value in (0, 1] gives the same SAR
    p = power_density_w_per_m3(field_a_per_m, frequency_hz, core_diameter_nm, phi, temperature_c,
                               hydrodynamic_diameter_nm, viscosity_pa_s, mat)
    return p / (mat.density_kg_per_m3 * phi) / 1000.0


# --------------------------------------------------------------------------- tissue heat balance
@dataclass(frozen=True)
class TissueThermal:
    """Thermal constants of a perfused region (SI).

    Attributes
    ----------
    density_kg_per_m3, specific_heat_j_per_kg_k : float
        Tissue rho and c.
    blood_density_kg_per_m3, blood_specific_heat_j_per_kg_k : float
        Blood rho_b and c_b.
    perfusion_per_s : float
        Volumetric perfusion w (m^3 blood / m^3 tissue / s).
    """

    density_kg_per_m3: float
    specific_heat_j_per_kg_k: float
    blood_density_kg_per_m3: float
    blood_specific_heat_j_per_kg_k: float
    perfusion_per_s: float

    @classmethod
    def tumour(cls, perfusion_per_s: float | None = None) -> TissueThermal:
        """Defaults from ``data/release/magnetic.yaml`` (tumour perfusion unless given)."""
        t = _data()["tissue"]
        w = perfusion_per_s if perfusion_per_s is not None else t["tumour_perfusion"].to("1/s")
        return cls(t["density"].to("kg/m**3"), t["specific_heat"].to("J/kg/K"),
                   t["blood_density"].to("kg/m**3"), t["blood_specific_heat"].to("J/kg/K"), w)

    @property
    def loss_w_per_m3_k(self) -> float:
        """Pennes perfusion loss coefficient rho_b c_b w (W m^-3 K^-1)."""
        return self.blood_density_kg_per_m3 * self.blood_specific_heat_j_per_kg_k * self.perfusion_per_s

    @property
    def time_constant_s(self) -> float:
        """rho c / (rho_b c_b w) (s)."""
        return self.density_kg_per_m3 * self.specific_heat_j_per_kg_k / self.loss_w_per_m3_k


def heating_power_w_per_m3(sar: float, particle_mg_per_ml: float) -> float:
    """Q = SAR (W/g) x concentration (mg/mL = g/L) -> W/L -> W/m^3."""
    return sar * particle_mg_per_ml * 1000.0


def steady_state_rise_k(sar: float, particle_mg_per_ml: float, tissue: TissueThermal) -> float:
    """Steady-state temperature rise Q / (rho_b c_b w) (K)."""
    return heating_power_w_per_m3(sar, particle_mg_per_ml) / tissue.loss_w_per_m3_k


def temperature_course_c(t_h: ArrayLike, rise_k: float, tissue: TissueThermal, baseline_c: float,
                         on_h: float = 0.0, duration_h: float = math.inf) -> NDArray[np.float64]:
    """Temperature (degC) of a region heated from ``on_h`` for ``duration_h`` hours.

    First-order approach to ``baseline + rise`` with the tissue time constant while the field is on,
    exponential cooling back to baseline after it stops.
    """
    t = np.asarray(t_h, dtype=float)
    tc_h = tissue.time_constant_s / 3600.0
    off = on_h + duration_h
    during = np.clip(t - on_h, 0.0, duration_h)
    rise = rise_k * -np.expm1(-during / tc_h)
    after = np.clip(t - off, 0.0, None) if math.isfinite(off) else np.zeros_like(t)
    rise_at_off = rise_k * -np.expm1(-duration_h / tc_h) if math.isfinite(duration_h) else rise_k
    cooled = rise_at_off * np.exp(-after / tc_h)
    return baseline_c + np.where(t > off, cooled, rise)
