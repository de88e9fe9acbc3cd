"""Magnetic guidance block of a scenario (``magnetic:``): an external magnet captures circulating carriers.

::

    magnetic:
      target: tumour
      magnet: {radius: 1 cm, magnetisation: 1000 kA/m, distance: 1.2 cm}
      core: {volume_fraction: 0.3, saturation_magnetisation: 478 kA/m}
      vessel: {radius: 75 um, blood_speed: 10 mm/s}
      window: {start: 0 h, end: 4 h}
      transcytosis_half_life: 12 h        # brain target only (required there)

``magnet.distance`` is from the magnet axis to the vessel axis (Furlani & Ng 2006,
:mod:`nanodds.model.magnetic`). ``core`` is the carrier's magnetic core: a carrier type with a core in
``data/magnetic/capture.yaml`` (``carrier_cores``) has defaults; any other carrier must state
``core.volume_fraction``. ``core.saturation_magnetisation`` and ``vessel`` default to the data file's base case
(magnetite; an arteriole). The captured fraction of the carriers crossing the target is computed once here
(particle radius = carrier diameter / 2).

The brain is a target only with a stated barrier crossing: the magnet holds captured carriers at the brain
endothelium (they do not pass an intact blood-brain barrier by the magnetic force alone: iron oxide
nanoparticles did not cross an intact brain-endothelial monolayer with or without a magnet in vitro,
doi:10.2147/IJN.S62260), and they reach the brain interstitium by transcytosis with the half-life
``transcytosis_half_life`` (:mod:`nanodds.model.magnetic_guidance`). Any other target takes captured carriers
into its interstitium directly (leaky vessels) and refuses that key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.model.bbb import BRAIN
from nanodds.model.magnetic import DATA_FILE, MagneticCapture, base_case, captured_fraction
from nanodds.specs.carrier import Carrier
from nanodds.specs.params import load_yaml
from nanodds.specs.validity import check_range
from nanodds.units import to_canonical

KEYS = {"target", "magnet", "core", "vessel", "window", "transcytosis_half_life"}
MAGNET_KEYS = {"radius", "magnetisation", "distance"}
CORE_KEYS = {"volume_fraction", "saturation_magnetisation"}
VESSEL_KEYS = {"radius", "blood_speed"}
WINDOW_KEYS = {"start", "end"}
NM_PER_M = 1e9
LN2 = math.log(2.0)


@dataclass(frozen=True)
class MagneticGuidance:
    """A magnet held over a target tissue for a time window (h), with its captured fraction (-)."""

    target: str
    start_h: float
    end_h: float
    captured_fraction: float
    """Share of the carriers crossing the target's vessels that the magnet captures (Furlani & Ng 2006)."""
    capture: MagneticCapture
    """The capture problem (SI) the fraction was computed from."""
    transcytosis_per_h: float | None = None
    """Brain target: first-order crossing of carriers held at the endothelium into the interstitium (1/h);
    None for other targets (captured straight into the interstitium)."""


def _block(raw: dict[str, Any], key: str, keys: set[str], allowed: str) -> dict[str, Any]:
    v = raw.get(key, {})
    if not isinstance(v, dict):
        raise InputError(f"magnetic.{key}", v, allowed)
    reject_unknown_keys(v, keys, f"magnetic.{key}")
    return v


def parse_magnetic(raw: Any, carrier: Carrier | None, organs: tuple[str, ...],
                   outside: list[str]) -> MagneticGuidance | None:
    """Parse a scenario's ``magnetic:`` block (None when absent).

    ``outside`` collects inputs outside their validated range (warned), as the scenario parser does.

    Raises
    ------
    InputError
        An unknown key, a missing magnet quantity or window end, a target that is not a tissue of the
        scenario, a brain target without ``transcytosis_half_life`` (or that key with another target), a
        scenario without a carrier or with a carrier without a magnetic core, a window that ends before it
        starts, or a magnet so close that the vessel would lie inside it.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError("magnetic", raw, "a mapping {target, magnet, core, vessel, window}")
    reject_unknown_keys(raw, KEYS, "magnetic")
    if carrier is None:
        raise InputError("magnetic", raw, "a scenario with a carrier (the magnet acts on magnetic carriers only)")
    target = raw.get("target")
    if not known(target, organs):
        raise InputError("magnetic.target", target, f"one of {', '.join(organs)}")
    magnet = _block(raw, "magnet", MAGNET_KEYS, "a mapping {radius, magnetisation, distance}")
    for k in sorted(MAGNET_KEYS):
        if k not in magnet:
            raise InputError(f"magnetic.magnet.{k}", None, "the magnet's radius (e.g. '1 cm'), magnetisation "
                             "(e.g. '1000 kA/m') and distance from its axis to the vessel axis (e.g. '2 cm')")
    core = _block(raw, "core", CORE_KEYS, "a mapping {volume_fraction, saturation_magnetisation}")
    vessel = _block(raw, "vessel", VESSEL_KEYS, "a mapping {radius, blood_speed}")
    window = _block(raw, "window", WINDOW_KEYS, "a mapping {start, end}")
    data = load_yaml(DATA_FILE)
    known_core = data["carrier_cores"].get(carrier.type)
    if "volume_fraction" in core:
        phi = to_canonical(core["volume_fraction"], "", "magnetic.core.volume_fraction", positive=True)
        if phi > 1.0:
            raise InputError("magnetic.core.volume_fraction", core["volume_fraction"], "a fraction in (0, 1]")
    elif known_core is not None:
        phi = known_core["core_volume_fraction"].to("1")
    else:
        cored = ", ".join(sorted(data["carrier_cores"]))
        raise InputError("magnetic.core.volume_fraction", None, f"the magnetic core share of carrier type "
                         f"'{carrier.type}' (it has no magnetic core; types with one: {cored})")
    p = base_case()
    values = {
        "magnet_radius_m": to_canonical(magnet["radius"], "m", "magnetic.magnet.radius", positive=True),
        "magnet_magnetisation_A_per_m": to_canonical(magnet["magnetisation"], "A/m",
                                                     "magnetic.magnet.magnetisation", positive=True),
        "magnet_distance_m": to_canonical(magnet["distance"], "m", "magnetic.magnet.distance", positive=True),
        "core_volume_fraction": phi,
        "particle_radius_m": carrier.diameter_nm / 2.0 / NM_PER_M,
    }
    if "saturation_magnetisation" in core:
        values["core_saturation_magnetisation_A_per_m"] = to_canonical(
            core["saturation_magnetisation"], "A/m", "magnetic.core.saturation_magnetisation", positive=True)
    if "radius" in vessel:
        values["vessel_radius_m"] = to_canonical(vessel["radius"], "m", "magnetic.vessel.radius", positive=True)
    if "blood_speed" in vessel:
        values["mean_blood_speed_m_per_s"] = to_canonical(vessel["blood_speed"], "m/s",
                                                          "magnetic.vessel.blood_speed", positive=True)
    for fld, v, key, unit, si in (("magnetic.magnet.distance", values["magnet_distance_m"], "magnet_distance",
                                   "cm", 100.0),
                                  ("magnetic.magnet.magnetisation", values["magnet_magnetisation_A_per_m"],
                                   "magnet_magnetisation", "A/m", 1.0)):
        written = magnet[fld.rsplit(".", 1)[1]]
        if check_range(fld, v * si, written, key, unit):
            outside.append(f"{fld}={written!r}")
    try:
        capture = p.with_(**values)
    except ValueError:
        least_cm = (values["magnet_radius_m"] + values.get("vessel_radius_m", p.vessel_radius_m)) * 100.0
        raise InputError("magnetic.magnet.distance", magnet["distance"], f"more than magnet radius + vessel "
                         f"radius ({least_cm:g} cm): closer, the vessel would lie inside the magnet") from None
    if "end" not in window:
        raise InputError("magnetic.window.end", None, "the time the magnet is removed, e.g. '4 h'")
    start = to_canonical(window.get("start", "0 h"), "h", "magnetic.window.start", nonnegative=True)
    end = to_canonical(window["end"], "h", "magnetic.window.end", positive=True)
    if end <= start:
        raise InputError("magnetic.window.end", window["end"], f"a time after the start ({start:g} h)")
    return MagneticGuidance(target=str(target), start_h=start, end_h=end,
                            captured_fraction=captured_fraction(capture), capture=capture,
                            transcytosis_per_h=_transcytosis(raw, str(target)))


def _transcytosis(raw: dict[str, Any], target: str) -> float | None:
    """The brain's endothelial crossing rate ln 2 / half-life (1/h); None (and the key refused) elsewhere."""
    written = raw.get("transcytosis_half_life")
    if target != BRAIN:
        if written is not None:
            raise InputError("magnetic.transcytosis_half_life", written, f"only with target: {BRAIN} (captured "
                             f"carriers enter the {target} interstitium directly; the key would change nothing)")
        return None
    if written is None:
        raise InputError("magnetic.transcytosis_half_life", None, "the half-life of the crossing of carriers held "
                         "at the brain endothelium into the brain (e.g. '12 h'): the magnet alone does not carry "
                         "particles across an intact blood-brain barrier")
    return LN2 / to_canonical(written, "h", "magnetic.transcytosis_half_life", positive=True)
