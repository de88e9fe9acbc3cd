"""What the whole-body engine calls: an effective first-order release constant per compartment.

:func:`first_order_rate_per_h` maps a carrier *release spec* (a plain dict from a scenario) and the local
:class:`~nanodds.specs.environment.Environment` to one first-order constant k (1/h) for the encapsulated ->
released drug transfer in that compartment during that time segment.

In-vitro / in-vivo assumption
-----------------------------
Release measured or modelled in vitro is taken to apply in vivo in a compartment with the same pH and
temperature (sink conditions; no protein/enzyme-triggered release). An optional ``ivivc.time_scale`` s
(Levy-plot slope: in-vivo time = s x in-vitro time) divides the rate. Profiles that are not first order
are replaced by the first-order constant with the same half-release time, k = ln 2 / t50, so the engine
keeps a linear rate matrix; the early burst or late tail of such a profile is not reproduced exactly.

Spec formats (quantities are strings with units; bare numbers only for dimensionless values)::

    {"model": "first_order", "rate": "0.01 1/h"}            # or "half_life": "3 d"
    {"model": "thermosensitive", "preset": "lysolipid_tsl",  # any of: rate_below, rate_above [1/h],
     "transition_temperature": "41.3 degC", "transition_width": "0.4 K",
     "magnetic": {"particle_concentration": "5 mg/mL", "core_diameter": "14 nm",
                  "hydrodynamic_diameter": "18 nm", "perfusion": "0.3 mL/min/mL"}}   # optional AMF heating
    {"model": "ph_labile", "preset": "hydrazone", "rate_at_reference": "0.03 1/h", "reference_ph": 5.0,
     "order": 1.0, "ph_independent_rate": "0 1/h"}
    {"model": "expansile", "preset": "griset2009", "collapsed_radius": "50 nm", "max_swelling": 5,
     "transition_ph": 5.5, "hill": 2, "collapsed_diffusivity": "1e-22 m^2/s",
     "swollen_diffusivity": "1e-18 m^2/s"}
    {"model": "sphere_diffusion", "radius": "50 nm", "diffusivity": "1e-19 m^2/s"}
    {"model": "biphasic", "burst_fraction": 0.2, "burst_rate": "2 1/h", "sustained_rate": "0.01 1/h"}
    {"model": "remote_loaded_liposome", "membrane_rate": "0.2 1/h", "precipitated_fraction": 0.95}
    {"model": "reservoir", "core_radius": "40 nm", "shell_thickness": "10 nm",   # membrane-controlled
     "membrane_diffusivity": "1e-21 m^2/s", "partition_coefficient": 1, "loading": "50 g/L",
     "solubility": "5 g/L"}
    {"model": "swelling_nanogel", "core_radius": "40 nm", "shell_thickness": "10 nm",
     "membrane_diffusivity": "1e-21 m^2/s", "partition_coefficient": 1, "equilibrium_swelling_ratio": 8,
     "swelling_rate": "0.5 1/h"}
    {"model": "erosion", "erosion_rate": "1e-3 mg/m^2/h", "loading": "100 g/L", "radius": "50 nm",
     "shape": "sphere"}                                       # Hopfenberg surface erosion; cylinder, slab
    {"model": "redox", "rate_at_reference": "0.5 1/h", "reference_glutathione": "10 mM",   # disulfide
     "order": 1, "glutathione_independent_rate": "0 1/h"}    # k = k_ref (GSH/GSH_ref)^n + k0, local GSH
    {"model": "enzyme", "preset": "gplgiagq_mmp2",            # MMP-cleavable linker, Michaelis-Menten:
     "kcat": "32.3 1/min", "km": "14.8 uM", "linker_concentration": "0 uM",   # k = kcat E / (Km + S) + k0
     "enzyme_independent_rate": "0 1/h"}                     # at the compartment's active MMP E
    {"model": "light_triggered", "rate_off": "0.001 1/h", "rate_on": "2 1/h"}   # needs environment.light;
    {"model": "ultrasound_triggered", "rate_off": "0.001 1/h", "rate_on": "2 1/h"}   # environment.ultrasound
    {"model": "fitted", "profile_model": "weibull", "params": {"alpha": 5.0, "beta": 0.8},
     "time_unit": "h", "ivivc": {"time_scale": 2.0}}

``ivivc`` is accepted by every model. Unknown keys or bad values raise :class:`InputError` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize

from nanodds.errors import InputError, known
from nanodds.release import magnetic as mag
from nanodds.release import mechanistic as mech
from nanodds.release.stimuli import AcidLabileLinker, ExpansileParticle, ThermosensitiveLiposome
from nanodds.specs.environment import Environment
from nanodds.units import to_canonical

_COMMON = {"model", "ivivc"}
_LN2 = math.log(2.0)


def _check_keys(spec: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in spec:
        if key not in allowed | _COMMON:
            raise InputError(f"{where}.{key}", spec[key],
                             "one of the keys " + ", ".join(sorted(allowed | _COMMON)))


def _q(spec: dict[str, Any], key: str, unit: str, where: str, default: float | None = None,
       **kw: bool) -> float:
    if key not in spec:
        if default is None:
            raise InputError(f"{where}.{key}", None, f"a required quantity in {unit or 'dimensionless'}")
        return default
    return to_canonical(spec[key], unit, f"{where}.{key}", **kw)


def _ivivc_scale(spec: dict[str, Any], where: str) -> float:
    iv = spec.get("ivivc", {})
    if not isinstance(iv, dict):
        raise InputError(f"{where}.ivivc", iv, "a mapping such as {'time_scale': 2.0}")
    for key in iv:
        if key != "time_scale":
            raise InputError(f"{where}.ivivc.{key}", iv[key],
                             "only 'time_scale' (in-vivo/in-vitro time ratio)")
    return _q(iv, "time_scale", "", f"{where}.ivivc", 1.0, positive=True)


def heating_temperature_c(env: Environment, particle_mg_per_ml: float, core_diameter_nm: float, *,
                          hydrodynamic_diameter_nm: float | None = None,
                          perfusion_per_s: float | None = None) -> float:
    """Steady-state temperature (degC) of a region holding magnetic particles under the AMF of ``env``.

    Parameters
    ----------
    env : Environment
        Baseline temperature and the applied field (A/m, Hz); no field -> ``env.temperature_c``.
    particle_mg_per_ml : float
        Magnetic core concentration in the region (mg/mL = g/L).
    core_diameter_nm, hydrodynamic_diameter_nm : float
        Particle sizes (nm); hydrodynamic defaults to core + 2 x coating thickness.
    perfusion_per_s : float, optional
        Blood perfusion (1/s); defaults to ``env.perfusion_per_s``, else the tumour value of
        ``data/release/magnetic.yaml``.

    Notes
    -----
    Rosensweig SAR at the baseline temperature and a Pennes lumped balance; the heating time constant
    (about 3 min for tumour perfusion) is short compared with engine segments, so the steady state is used.
    Warns (FieldSafetyWarning) if H f exceeds the Hergt & Dutz limit.
    """
    if env.amf_field_a_per_m <= 0 or env.amf_frequency_hz <= 0 or particle_mg_per_ml <= 0:
        return env.temperature_c
    sar = mag.sar_w_per_g(env.amf_field_a_per_m, env.amf_frequency_hz, core_diameter_nm, env.temperature_c,
                          hydrodynamic_diameter_nm)
    tissue = mag.TissueThermal.tumour(perfusion_per_s if perfusion_per_s is not None else env.perfusion_per_s)
    return env.temperature_c + mag.steady_state_rise_k(sar, particle_mg_per_ml, tissue)


def _first_order(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"rate", "half_life"}, where)
    if ("rate" in spec) == ("half_life" in spec):
        raise InputError(where, spec, "exactly one of 'rate' (1/h) or 'half_life' (time)")
    if "rate" in spec:
        return _q(spec, "rate", "1/h", where, nonnegative=True)
    return _LN2 / _q(spec, "half_life", "h", where, positive=True)


def _tsl_temperature(spec: dict[str, Any], env: Environment, where: str) -> float:
    m = spec.get("magnetic")
    if m is None:
        return env.temperature_c
    if not isinstance(m, dict):
        raise InputError(f"{where}.magnetic", m, "a mapping with particle_concentration and core_diameter")
    w = f"{where}.magnetic"
    allowed = {"particle_concentration", "core_diameter", "hydrodynamic_diameter", "perfusion"}
    for key in m:
        if key not in allowed:
            raise InputError(f"{w}.{key}", m[key], "one of the keys " + ", ".join(sorted(allowed)))
    conc = _q(m, "particle_concentration", "mg/mL", w, nonnegative=True)
    core = _q(m, "core_diameter", "nm", w, positive=True)
    hyd = _q(m, "hydrodynamic_diameter", "nm", w, positive=True) if "hydrodynamic_diameter" in m else None
    perf = _q(m, "perfusion", "1/s", w, positive=True) if "perfusion" in m else env.perfusion_per_s
    return heating_temperature_c(env, conc, core, hydrodynamic_diameter_nm=hyd, perfusion_per_s=perf)


def _thermosensitive(spec: dict[str, Any], env: Environment, where: str) -> float:
    keys = {"preset", "rate_below", "rate_above", "transition_temperature", "transition_width", "magnetic"}
    _check_keys(spec, keys, where)
    base = ThermosensitiveLiposome.preset(spec.get("preset", "lysolipid_tsl"), f"{where}.preset")
    tsl = ThermosensitiveLiposome(
        _q(spec, "rate_below", "1/h", where, base.rate_below_per_h, positive=True),
        _q(spec, "rate_above", "1/h", where, base.rate_above_per_h, positive=True),
        _q(spec, "transition_temperature", "degC", where, base.transition_temperature_c),
        _q(spec, "transition_width", "K", where, base.transition_width_k, positive=True))
    return float(tsl.rate_per_h(_tsl_temperature(spec, env, where)))


def _ph_labile(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"preset", "rate_at_reference", "reference_ph", "order", "ph_independent_rate"}, where)
    base = AcidLabileLinker.preset(spec.get("preset", "hydrazone"), f"{where}.preset")
    linker = AcidLabileLinker(
        _q(spec, "rate_at_reference", "1/h", where, base.rate_at_reference_per_h, positive=True),
        _q(spec, "reference_ph", "", where, base.reference_ph),
        _q(spec, "order", "", where, base.order, positive=True),
        _q(spec, "ph_independent_rate", "1/h", where, base.ph_independent_rate_per_h, nonnegative=True))
    return float(linker.rate_per_h(env.ph))


def _expansile(spec: dict[str, Any], env: Environment, where: str) -> float:
    keys = {"preset", "collapsed_radius", "max_swelling", "transition_ph", "hill", "collapsed_diffusivity",
            "swollen_diffusivity"}
    _check_keys(spec, keys, where)
    b = ExpansileParticle.preset(spec.get("preset", "griset2009"), f"{where}.preset")
    s_max = _q(spec, "max_swelling", "", where, b.max_diameter_swelling, positive=True)
    if not 2.0 <= s_max <= 10.0:
        raise InputError(f"{where}.max_swelling", spec["max_swelling"], "a diameter ratio from 2 to 10")
    p = ExpansileParticle(
        _q(spec, "collapsed_radius", "nm", where, b.collapsed_radius_nm, positive=True),
        s_max,
        _q(spec, "transition_ph", "", where, b.transition_ph),
        _q(spec, "hill", "", where, b.hill_coefficient, positive=True),
        _q(spec, "collapsed_diffusivity", "m**2/s", where, b.collapsed_diffusivity_m2_s, positive=True),
        _q(spec, "swollen_diffusivity", "m**2/s", where, b.swollen_diffusivity_m2_s, positive=True))
    return float(p.first_order_rate_per_h(env.ph))


def _sphere(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"radius", "diffusivity"}, where)
    model = mech.SphereDiffusion(_q(spec, "radius", "nm", where, positive=True),
                                 _q(spec, "diffusivity", "m**2/s", where, positive=True))
    return mech.equivalent_first_order_rate(model)


def _biphasic(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"burst_fraction", "burst_rate", "sustained_rate"}, where)
    fb = _q(spec, "burst_fraction", "", where, nonnegative=True)
    if fb > 1:
        raise InputError(f"{where}.burst_fraction", spec["burst_fraction"], "a fraction between 0 and 1")
    model = mech.BurstSustained(fb, _q(spec, "burst_rate", "1/h", where, positive=True),
                                _q(spec, "sustained_rate", "1/h", where, positive=True))
    return mech.equivalent_first_order_rate(model)


def _remote_loaded(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"membrane_rate", "precipitated_fraction"}, where)
    pf = _q(spec, "precipitated_fraction", "", where, nonnegative=True)
    if pf >= 1:
        raise InputError(f"{where}.precipitated_fraction", spec["precipitated_fraction"],
                         "a fraction in [0, 1)")
    model = mech.RemoteLoadedLiposome(_q(spec, "membrane_rate", "1/h", where, positive=True), pf)
    return mech.equivalent_first_order_rate(model)


def _reservoir(spec: dict[str, Any], env: Environment, where: str) -> float:
    keys = {"core_radius", "shell_thickness", "membrane_diffusivity", "partition_coefficient", "loading",
            "solubility"}
    _check_keys(spec, keys, where)
    model = mech.ReservoirSphere(
        _q(spec, "core_radius", "nm", where, positive=True), _q(spec, "shell_thickness", "nm", where, positive=True),
        _q(spec, "membrane_diffusivity", "m**2/s", where, positive=True),
        _q(spec, "partition_coefficient", "", where, positive=True),
        _q(spec, "loading", "mg/L", where, positive=True), _q(spec, "solubility", "mg/L", where, positive=True))
    return mech.equivalent_first_order_rate(model)


def _swelling_nanogel(spec: dict[str, Any], env: Environment, where: str) -> float:
    keys = {"core_radius", "shell_thickness", "membrane_diffusivity", "partition_coefficient",
            "equilibrium_swelling_ratio", "swelling_rate"}
    _check_keys(spec, keys, where)
    q_eq = _q(spec, "equilibrium_swelling_ratio", "", where, positive=True)
    if q_eq < 1.0:
        raise InputError(f"{where}.equilibrium_swelling_ratio", spec["equilibrium_swelling_ratio"],
                         "a swollen/dry core volume ratio >= 1")
    model = mech.SwellingCoatedNanogel(
        _q(spec, "core_radius", "nm", where, positive=True), _q(spec, "shell_thickness", "nm", where, positive=True),
        _q(spec, "membrane_diffusivity", "m**2/s", where, positive=True),
        _q(spec, "partition_coefficient", "", where, positive=True), q_eq,
        _q(spec, "swelling_rate", "1/h", where, positive=True))
    return mech.equivalent_first_order_rate(model)


def _redox(spec: dict[str, Any], env: Environment, where: str) -> float:
    """Thiol-disulfide exchange: k = k_ref (GSH / GSH_ref)^n + k0 at the compartment's glutathione."""
    _check_keys(spec, {"rate_at_reference", "reference_glutathione", "order", "glutathione_independent_rate"},
                where)
    k_ref = _q(spec, "rate_at_reference", "1/h", where, positive=True)
    gsh_ref = _q(spec, "reference_glutathione", "mmol/L", where, positive=True)
    order = _q(spec, "order", "", where, 1.0, positive=True)
    k0 = _q(spec, "glutathione_independent_rate", "1/h", where, 0.0, nonnegative=True)
    if env.glutathione_mM is None:
        raise InputError(f"{where}.model", "redox", "a compartment environment with a glutathione level "
                         "(data/release/environments.yaml)")
    return k_ref * (env.glutathione_mM / gsh_ref) ** order + k0


ENZYME_FILE = "release/enzyme_linkers.yaml"


def _enzyme(spec: dict[str, Any], env: Environment, where: str) -> float:
    """MMP-cleavable linker: k = kcat [E] / (Km + [S]) + k0 at the compartment's active MMP-2/9 [E].

    Michaelis-Menten with the linker as substrate; per linker the cleavage is first order in the linker while
    [S] stays fixed (the linker concentration a carrier presents locally, default 0: the linear regime
    kcat/Km [E]). kcat and Km from ``preset`` (``data/release/enzyme_linkers.yaml``) unless given.
    """
    from nanodds.specs.params import load_yaml

    _check_keys(spec, {"preset", "kcat", "km", "linker_concentration", "enzyme_independent_rate"}, where)
    presets = load_yaml(ENZYME_FILE)
    base: dict[str, float] = {}
    if "preset" in spec:
        if not known(spec["preset"], presets):
            raise InputError(f"{where}.preset", spec["preset"], "one of " + ", ".join(sorted(presets)))
        p = presets[spec["preset"]]
        base = {"kcat": p["kcat"].to("1/h"), "km": p["km"].to("nmol/L")}
    for key in ("kcat", "km"):
        if key not in spec and key not in base:
            raise InputError(f"{where}.{key}", None, "a value with units, or a preset: one of "
                             + ", ".join(sorted(presets)))
    kcat = _q(spec, "kcat", "1/h", where, base.get("kcat"), positive=True)
    km = _q(spec, "km", "nmol/L", where, base.get("km"), positive=True)
    s = _q(spec, "linker_concentration", "nmol/L", where, 0.0, nonnegative=True)
    k0 = _q(spec, "enzyme_independent_rate", "1/h", where, 0.0, nonnegative=True)
    if env.mmp_nM is None:
        raise InputError(f"{where}.model", "enzyme", "a compartment environment with an MMP level "
                         "(data/release/environments.yaml, data/sites/disease_sites.yaml)")
    return kcat * env.mmp_nM / (km + s) + k0


def _switched(attr: str) -> Callable[[dict[str, Any], Environment, str], float]:
    """A release switched by a time-and-place window: ``rate_on`` while ``env.<attr>``, else ``rate_off``."""

    def rate(spec: dict[str, Any], env: Environment, where: str) -> float:
        _check_keys(spec, {"rate_off", "rate_on"}, where)
        off = _q(spec, "rate_off", "1/h", where, nonnegative=True)
        on = _q(spec, "rate_on", "1/h", where, nonnegative=True)
        return on if getattr(env, attr) else off

    return rate


_SHAPES = {"sphere": 3, "cylinder": 2, "slab": 1}


def _erosion(spec: dict[str, Any], env: Environment, where: str) -> float:
    _check_keys(spec, {"erosion_rate", "loading", "radius", "shape"}, where)
    shape = spec.get("shape", "sphere")
    if not known(shape, _SHAPES):
        raise InputError(f"{where}.shape", shape, "one of " + ", ".join(_SHAPES))
    model = mech.HopfenbergErosion(_q(spec, "erosion_rate", "mg/m**2/h", where, positive=True),
                                   _q(spec, "loading", "mg/L", where, positive=True),
                                   _q(spec, "radius", "nm", where, positive=True), _SHAPES[shape])
    return mech.equivalent_first_order_rate(model)


def _fitted(spec: dict[str, Any], env: Environment, where: str) -> float:
    from nanodds.release.models import get_model  # owned by the empirical-models module

    _check_keys(spec, {"profile_model", "params", "time_unit"}, where)
    if "profile_model" not in spec:
        raise InputError(f"{where}.profile_model", None, "a model name of nanodds.release.models")
    model = get_model(str(spec["profile_model"]), f"{where}.profile_model")
    params = spec.get("params")
    if not isinstance(params, dict):
        raise InputError(f"{where}.params", params, "a mapping of " + ", ".join(model.param_names))
    for key in params:
        if key not in model.param_names:
            raise InputError(f"{where}.params.{key}", params[key], "one of " + ", ".join(model.param_names))
    missing = [n for n in model.param_names if n not in params]
    if missing:
        raise InputError(f"{where}.params", params, "values for " + ", ".join(model.param_names))
    values = [to_canonical(params[n], "", f"{where}.params.{n}") for n in model.param_names]
    unit = str(spec.get("time_unit", "h"))
    to_h = to_canonical(f"1 {unit}", "h", f"{where}.time_unit", positive=True)

    def g(t: float) -> float:
        return float(np.asarray(model(np.array([t]), *values))[0]) - 50.0

    hi = 1e-6
    while g(hi) < 0:
        hi *= 4.0
        if hi > 1e9:
            raise InputError(f"{where}.params", params, "a profile that reaches 50 % release (t50 defines k)")
    t50 = optimize.brentq(g, 0.0 if hi <= 1e-6 else hi / 4.0, hi, xtol=1e-12) if hi > 1e-6 else hi
    return _LN2 / max(t50 * to_h, 1e-300)


_HANDLERS: dict[str, Callable[[dict[str, Any], Environment, str], float]] = {
    "first_order": _first_order, "thermosensitive": _thermosensitive, "ph_labile": _ph_labile,
    "expansile": _expansile, "sphere_diffusion": _sphere, "biphasic": _biphasic,
    "remote_loaded_liposome": _remote_loaded, "fitted": _fitted, "reservoir": _reservoir,
    "swelling_nanogel": _swelling_nanogel, "erosion": _erosion, "redox": _redox, "enzyme": _enzyme,
    "light_triggered": _switched("light_on"), "ultrasound_triggered": _switched("ultrasound_on"),
}


def first_order_rate_per_h(release_spec: dict[str, Any], env: Environment, *,
                           field: str = "release") -> float:
    """Effective first-order release constant (1/h) of encapsulated drug in a compartment.

    Parameters
    ----------
    release_spec : dict
        Carrier release spec (see the module docstring for every format).
    env : Environment
        Local pH, temperature (degC) and applied magnetic field of the compartment.
    field : str
        Dotted prefix used in error messages.

    Returns
    -------
    float
        k >= 0 (1/h), divided by ``ivivc.time_scale`` when given.

    Raises
    ------
    InputError
        Unknown model, unknown key, missing or malformed value (the message names the field).
    """
    if not isinstance(release_spec, dict):
        raise InputError(field, release_spec, "a mapping with a 'model' key")
    name = release_spec.get("model")
    if not isinstance(name, str) or not known(name, _HANDLERS):
        raise InputError(f"{field}.model", name, "one of " + ", ".join(_HANDLERS))
    scale = _ivivc_scale(release_spec, field)
    return _HANDLERS[name](release_spec, env, field) / scale
