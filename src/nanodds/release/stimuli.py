"""Stimuli-responsive release: compartment environments, pH (acid-labile linkers, expansile particles) and
temperature (lysolipid thermosensitive liposomes, mild-hyperthermia schedules).

Units: time h, rates 1/h, temperature degC, radii nm, diffusivities m^2/s. Parameter sets live in
``data/release/environments.yaml`` and ``data/release/stimuli.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nanodds.errors import InputError
from nanodds.release.mechanistic import SphereDiffusion, sphere_fraction_dimensionless
from nanodds.specs.environment import Environment
from nanodds.specs.params import load_yaml, require

ENV_FILE = "release/environments.yaml"
STIMULI_FILE = "release/stimuli.yaml"
FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- environments
def compartment_types() -> list[str]:
    """Names of the compartment types with a default environment."""
    return sorted(load_yaml(ENV_FILE)["compartments"])


def body_temperature_c() -> float:
    """Reference body temperature (degC)."""
    return load_yaml(ENV_FILE)["body_temperature"].to("degC")


def mild_hyperthermia_c() -> float:
    """Default mild-hyperthermia target temperature (degC)."""
    return load_yaml(ENV_FILE)["hyperthermia"]["mild_temperature"].to("degC")


def default_environment(compartment: str, temperature_c: float | None = None) -> Environment:
    """Default :class:`Environment` of a compartment type (pH from the data file, body temperature).

    Raises
    ------
    InputError
        If ``compartment`` is not one of :func:`compartment_types`.
    """
    entry = require(load_yaml(ENV_FILE)["compartments"], compartment, "environment.compartment",
                    "compartment type")
    t = body_temperature_c() if temperature_c is None else float(temperature_c)
    gsh = entry["glutathione"].to("mmol/L") if "glutathione" in entry else None
    mmp = entry["mmp"].to("nmol/L") if "mmp" in entry else None
    return Environment(ph=entry["ph"].to(""), temperature_c=t, glutathione_mM=gsh, mmp_nM=mmp)


# --------------------------------------------------------------------------- acid-labile linker
@dataclass(frozen=True)
class AcidLabileLinker:
    """Acid-catalysed linker hydrolysis k(pH) = k0 + k_ref 10^(n (pH_ref - pH)).

    Attributes
    ----------
    rate_at_reference_per_h : float
        k_ref, the acid-catalysed rate at ``reference_ph`` (1/h).
    reference_ph : float
        pH_ref (-).
    order : float
        n, the order in [H+] (1 = specific acid catalysis).
    ph_independent_rate_per_h : float
        k0, background hydrolysis (1/h).
    """

    rate_at_reference_per_h: float
    reference_ph: float
    order: float = 1.0
    ph_independent_rate_per_h: float = 0.0

    @classmethod
    def preset(cls, name: str = "hydrazone", field: str = "release.preset") -> AcidLabileLinker:
        """Parameter set ``ph_labile.<name>`` of ``stimuli.yaml``."""
        p = require(load_yaml(STIMULI_FILE)["ph_labile"], name, field, "pH-labile linker")
        return cls(p["rate_at_reference"].to("1/h"), p["reference_ph"].to(""), p["order_in_h_plus"].to(""),
                   p["ph_independent_rate"].to("1/h"))

    def rate_per_h(self, ph: ArrayLike) -> FloatArray:
        """First-order cleavage (= release) constant at ``ph`` (1/h)."""
        ph = np.asarray(ph, dtype=float)
        return self.ph_independent_rate_per_h + self.rate_at_reference_per_h * 10.0 ** (
            self.order * (self.reference_ph - ph))


# --------------------------------------------------------------------------- expansile particles
_TAU50: float | None = None


def _sphere_tau50() -> float:
    """Dimensionless D t50 / R^2 of Crank's sphere (about 0.0305)."""
    global _TAU50
    if _TAU50 is None:
        from scipy import optimize  # lazy: scipy.optimize is ~0.3 s of every start-up

        _TAU50 = float(optimize.brentq(lambda x: sphere_fraction_dimensionless(np.array([x]))[0] - 0.5,
                                       1e-4, 1.0, xtol=1e-15))
    return _TAU50


@dataclass(frozen=True)
class ExpansileParticle:
    """Acid-expansile nanoparticle: diameter swells up to ``max_diameter_swelling`` below a transition pH.

    Swelling (diameter ratio) S(pH) = 1 + (S_max - 1) theta, opening theta(pH) = 1 / (1 + 10^(n (pH - pKa))).
    Release is Fickian diffusion from a sphere of radius R0 S with an effective diffusivity interpolated
    log-linearly between the collapsed and swollen matrix, D = D_c (D_s / D_c)^theta. Swelling is assumed
    fast compared with release (equilibrium swelling at the local pH).

    Attributes
    ----------
    collapsed_radius_nm : float
        R0 (nm).
    max_diameter_swelling : float
        S_max, in [2, 10] (-).
    transition_ph, hill_coefficient : float
        pKa and n of the sigmoidal swelling.
    collapsed_diffusivity_m2_s, swollen_diffusivity_m2_s : float
        D_c and D_s (m^2/s).
    """

    collapsed_radius_nm: float
    max_diameter_swelling: float
    transition_ph: float
    hill_coefficient: float
    collapsed_diffusivity_m2_s: float
    swollen_diffusivity_m2_s: float

    def __post_init__(self) -> None:
        if not 2.0 <= self.max_diameter_swelling <= 10.0:
            raise InputError("release.max_diameter_swelling", self.max_diameter_swelling,
                             "a diameter swelling ratio between 2 and 10")
        for name in ("collapsed_radius_nm", "hill_coefficient", "collapsed_diffusivity_m2_s",
                     "swollen_diffusivity_m2_s"):
            if not getattr(self, name) > 0:
                raise InputError(f"release.{name}", getattr(self, name), "a value > 0")

    @classmethod
    def preset(cls, name: str = "griset2009", field: str = "release.preset") -> ExpansileParticle:
        """Parameter set ``expansile.<name>`` of ``stimuli.yaml``."""
        p = require(load_yaml(STIMULI_FILE)["expansile"], name, field, "expansile particle")
        return cls(p["collapsed_radius"].to("nm"), p["max_diameter_swelling"].to(""),
                   p["transition_ph"].to(""), p["hill_coefficient"].to(""),
                   p["collapsed_diffusivity"].to("m**2/s"), p["swollen_diffusivity"].to("m**2/s"))

    def opening(self, ph: ArrayLike) -> FloatArray:
        """theta(pH) in [0, 1]."""
        ph = np.asarray(ph, dtype=float)
        return 1.0 / (1.0 + 10.0 ** (self.hill_coefficient * (ph - self.transition_ph)))

    def swelling_ratio(self, ph: ArrayLike) -> FloatArray:
        """Diameter ratio S(pH) in [1, S_max]."""
        return 1.0 + (self.max_diameter_swelling - 1.0) * self.opening(ph)

    def diffusivity_m2_s(self, ph: ArrayLike) -> FloatArray:
        """Effective matrix diffusivity (m^2/s)."""
        ratio = self.swollen_diffusivity_m2_s / self.collapsed_diffusivity_m2_s
        return self.collapsed_diffusivity_m2_s * ratio ** self.opening(ph)

    def release_model(self, ph: float) -> SphereDiffusion:
        """Sphere-diffusion model at a fixed pH."""
        return SphereDiffusion(float(self.collapsed_radius_nm * self.swelling_ratio(ph)),
                               float(self.diffusivity_m2_s(ph)))

    def first_order_rate_per_h(self, ph: ArrayLike) -> FloatArray:
        """Equivalent first-order constant ln 2 / t50 with t50 = tau50 R^2 / D (1/h)."""
        r_m = self.collapsed_radius_nm * self.swelling_ratio(ph) * 1e-9
        t50_h = _sphere_tau50() * r_m**2 / self.diffusivity_m2_s(ph) / 3600.0
        return math.log(2.0) / t50_h


# --------------------------------------------------------------------------- thermosensitive liposomes
@dataclass(frozen=True)
class ThermosensitiveLiposome:
    """Lysolipid TSL: first-order release with a sigmoidal switch of ln k across the transition.

    ln k(T) = ln k_below + (ln k_above - ln k_below) / (1 + exp(-(T - Tm)/w)).

    Attributes
    ----------
    rate_below_per_h, rate_above_per_h : float
        Release constants well below and well above the transition (1/h).
    transition_temperature_c : float
        Tm (degC).
    transition_width_k : float
        w (K).
    """

    rate_below_per_h: float
    rate_above_per_h: float
    transition_temperature_c: float
    transition_width_k: float

    def __post_init__(self) -> None:
        for name in ("rate_below_per_h", "rate_above_per_h", "transition_width_k"):
            if not getattr(self, name) > 0:
                raise InputError(f"release.{name}", getattr(self, name), "a value > 0")

    @classmethod
    def preset(cls, name: str = "lysolipid_tsl", field: str = "release.preset") -> ThermosensitiveLiposome:
        """Parameter set ``thermosensitive.<name>`` of ``stimuli.yaml``."""
        p = require(load_yaml(STIMULI_FILE)["thermosensitive"], name, field,
                    "thermosensitive liposome")
        return cls(p["rate_below"].to("1/h"), p["rate_above"].to("1/h"),
                   p["transition_temperature"].to("degC"), p["transition_width"].to("K"))

    def rate_per_h(self, temperature_c: ArrayLike) -> FloatArray:
        """Release constant at ``temperature_c`` (1/h)."""
        t = np.asarray(temperature_c, dtype=float)
        s = 0.5 * (1.0 + np.tanh((t - self.transition_temperature_c) / (2.0 * self.transition_width_k)))
        lo, hi = math.log(self.rate_below_per_h), math.log(self.rate_above_per_h)
        return np.exp(lo + (hi - lo) * s)


@dataclass(frozen=True)
class HyperthermiaSchedule:
    """Mild hyperthermia of one region: ``temperature_c`` from ``start_h`` for ``duration_h``.

    Attributes
    ----------
    region : str
        Compartment name the engine applies the schedule to.
    start_h, duration_h : float
        Heating window (h).
    temperature_c : float
        Temperature held during the window (degC).
    """

    region: str
    start_h: float
    duration_h: float
    temperature_c: float

    def __post_init__(self) -> None:
        if self.start_h < 0:
            raise InputError("hyperthermia.start", self.start_h, "a time >= 0 h")
        if not self.duration_h > 0:
            raise InputError("hyperthermia.duration", self.duration_h, "a duration > 0 h")

    @property
    def end_h(self) -> float:
        return self.start_h + self.duration_h

    def temperature_at(self, t_h: ArrayLike, baseline_c: float) -> FloatArray:
        """Region temperature (degC): step profile (heating/cooling transients neglected)."""
        t = np.asarray(t_h, dtype=float)
        on = (t >= self.start_h) & (t < self.end_h)
        return np.where(on, self.temperature_c, baseline_c)

    def environment_at(self, t_h: float, base: Environment) -> Environment:
        """``base`` with the scheduled temperature at time ``t_h``."""
        temp = float(self.temperature_at(np.array([t_h]), base.temperature_c)[0])
        return replace(base, temperature_c=temp)


def tsl_fraction_released(t_h: ArrayLike, tsl: ThermosensitiveLiposome, schedule: HyperthermiaSchedule,
                          baseline_c: float) -> FloatArray:
    """Cumulative TSL release 1 - exp(-int k(T(t)) dt) under a step hyperthermia schedule (exact)."""
    t = np.maximum(np.asarray(t_h, dtype=float), 0.0)
    k_base = float(tsl.rate_per_h(baseline_c))
    k_hot = float(tsl.rate_per_h(schedule.temperature_c))
    hot_time = np.clip(t - schedule.start_h, 0.0, schedule.duration_h)
    exposure = k_base * (t - hot_time) + k_hot * hot_time
    return np.clip(-np.expm1(-exposure), 0.0, 1.0)
