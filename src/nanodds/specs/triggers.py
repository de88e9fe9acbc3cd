"""Light and ultrasound release triggers as time-and-place windows (scenario ``environment.light`` /
``environment.ultrasound``).

::

    environment:
      light: {region: tumour, start: 2 h, duration: 0.5 h}
    carrier:
      release: {model: light_triggered, rate_off: 0.001 1/h, rate_on: 2 1/h}

During the window the tumour's environments (interstitium and its blood) are illuminated (insonated); a
``light_triggered`` (``ultrasound_triggered``) carrier releases at ``rate_on`` there and at ``rate_off``
elsewhere and at other times. A window without a matching carrier, or such a carrier without a window, is
refused: either would be accepted and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.units import to_canonical

TRIGGERS = {"light": "light_triggered", "ultrasound": "ultrasound_triggered"}
"""Environment window key -> the release model it triggers."""
WINDOW_KEYS = {"region", "start", "duration"}
REGIONS = ("tumour",)


@dataclass(frozen=True)
class TriggerWindow:
    """A time window (h) in which a region is illuminated or insonated."""

    kind: str
    start_h: float
    duration_h: float
    region: str = "tumour"

    @property
    def end_h(self) -> float:
        return self.start_h + self.duration_h


def parse_triggers(env: dict[str, Any], release_model: str | None, has_tumour: bool) -> tuple[TriggerWindow, ...]:
    """Parse the ``light`` / ``ultrasound`` windows of a scenario's ``environment`` block.

    Parameters
    ----------
    env : dict
        The ``environment`` mapping.
    release_model : str or None
        The carrier's release model (None without a carrier).
    has_tumour : bool
        Whether the scenario has a tumour (the only region so far).
    """
    out = []
    for kind, model in TRIGGERS.items():
        if kind not in env:
            if release_model == model:
                raise InputError("carrier.release.model", model, f"a scenario with an environment.{kind} window "
                                 f"(without one the carrier is never triggered)")
            continue
        field = f"environment.{kind}"
        w = env[kind]
        if not isinstance(w, dict):
            raise InputError(field, w, "a mapping {region, start, duration}")
        reject_unknown_keys(w, WINDOW_KEYS, field)
        region = w.get("region", "tumour")
        if region not in REGIONS:
            raise InputError(f"{field}.region", region, ", ".join(REGIONS))
        if not has_tumour:
            raise InputError(field, w, "a scenario with a tumour (the window's region)")
        if release_model != model:
            raise InputError(field, w, f"a carrier with release model '{model}' (no other model reacts to "
                             f"{kind}: the window would change nothing)")
        if "duration" not in w:
            raise InputError(f"{field}.duration", None, "the length of the window, e.g. '30 min'")
        out.append(TriggerWindow(kind, to_canonical(w.get("start", "0 h"), "h", f"{field}.start", nonnegative=True),
                                 to_canonical(w["duration"], "h", f"{field}.duration", positive=True), region))
    return tuple(out)


def check_no_overlap(windows: list[tuple[str, float, float]]) -> None:
    """Refuse overlapping time windows ``(field, start_h, end_h)``: one environment per time segment."""
    ws = sorted(windows, key=lambda w: w[1])
    for (f1, _, e1), (f2, s2, _) in pairwise(ws):
        if s2 < e1:
            raise InputError(f2, f"starts at {s2:g} h", f"a window that does not overlap {f1} (ends at {e1:g} h): "
                             "overlapping time windows are not modelled")
