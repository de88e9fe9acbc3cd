"""Blood-brain barrier block of a scenario (``bbb:``): a transient opening (focused ultrasound, osmotic).

::

    bbb:
      opening: {method: focused_ultrasound, start: 0 h, duration: 4 h, volume_fraction: 0.05}

``method`` names an entry of ``data/barriers/bbb_opening.yaml`` (its opened pore diameter and default opened
share of the brain). The opening acts on carriers only: the free drug's brain uptake is perfusion-limited with
its Kp (an intact barrier is already in the Kp), so a scenario without a carrier is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical

DATA_FILE = "barriers/bbb_opening.yaml"
KEYS = {"opening"}
OPENING_KEYS = {"method", "start", "duration", "volume_fraction"}


@dataclass(frozen=True)
class BBBOpening:
    """A transient opening of the blood-brain barrier (canonical units: h, nm)."""

    method: str
    start_h: float
    duration_h: float
    volume_fraction: float
    """Share (-) of the brain's capillaries that is opened."""
    pore_diameter_nm: float
    """Effective pore diameter of the opened capillaries."""


def opening_methods() -> list[str]:
    """Opening methods with data (``data/barriers/bbb_opening.yaml``)."""
    return sorted(load_yaml(DATA_FILE))


def parse_bbb(raw: Any, has_carrier: bool) -> BBBOpening | None:
    """Parse a scenario's ``bbb:`` block.

    Raises
    ------
    InputError
        An unknown key or method, a window without a duration, a volume fraction outside (0, 1], a scenario
        without a carrier (the block would change nothing).
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError("bbb", raw, "a mapping with an 'opening' block")
    reject_unknown_keys(raw, KEYS, "bbb")
    if "opening" not in raw:
        raise InputError("bbb.opening", None, "an opening {method, start, duration}")
    op = raw["opening"]
    if not isinstance(op, dict):
        raise InputError("bbb.opening", op, "a mapping {method, start, duration, volume_fraction}")
    reject_unknown_keys(op, OPENING_KEYS, "bbb.opening")
    if not has_carrier:
        raise InputError("bbb.opening", op, "a scenario with a carrier (the free drug's brain uptake is "
                         "perfusion-limited with its Kp: an opening would change nothing)")
    data = load_yaml(DATA_FILE)
    method = op.get("method")
    if method not in data:
        raise InputError("bbb.opening.method", method, f"one of {', '.join(opening_methods())}")
    if "duration" not in op:
        raise InputError("bbb.opening.duration", None, "the length of the opening window, e.g. '4 h'")
    start = to_canonical(op.get("start", "0 h"), "h", "bbb.opening.start", nonnegative=True)
    duration = to_canonical(op["duration"], "h", "bbb.opening.duration", positive=True)
    default_f = data[method]["volume_fraction"].to("1")
    frac = to_canonical(op.get("volume_fraction", default_f), "", "bbb.opening.volume_fraction", positive=True)
    if frac > 1.0:
        raise InputError("bbb.opening.volume_fraction", op["volume_fraction"], "a fraction in (0, 1]")
    return BBBOpening(method=str(method), start_h=start, duration_h=duration, volume_fraction=frac,
                      pore_diameter_nm=data[method]["pore_diameter"].to("nm"))

