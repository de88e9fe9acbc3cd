"""Light, ultrasound and alternating-magnetic-field release triggers as time-and-place windows (scenario
``environment.light`` / ``environment.ultrasound`` / ``environment.amf``).

::

    environment:
      light: {region: tumour, start: 2 h, duration: 0.5 h}
    carrier:
      release: {model: light_triggered, rate_off: 0.001 1/h, rate_on: 2 1/h}

During the window the tumour's environments (interstitium and its blood) are illuminated (insonated); a
``light_triggered`` (``ultrasound_triggered``) carrier releases at ``rate_on`` there and at ``rate_off``
elsewhere and at other times. A window without a matching carrier, or such a carrier without a window, is
refused: either would be accepted and change nothing.

An ``amf`` window (``{region, start, duration, field, frequency}``) applies the field to the tumour or the
brain (its interstitium and its vascular blood); a ``thermosensitive`` carrier with a ``magnetic`` block (its
core concentration and size) heats there (Rosensweig SAR and a Pennes balance with the region's perfusion,
:func:`nanodds.release.invivo.heating_temperature_c`) and releases at the heated temperature. H f beyond the
Hergt & Dutz limit warns. Light and ultrasound windows act on the tumour only.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.units import to_canonical

TRIGGERS = {"light": "light_triggered", "ultrasound": "ultrasound_triggered", "amf": "thermosensitive"}
"""Environment window key -> the release model it triggers (``amf``: a thermosensitive carrier with a
``magnetic`` block, heated by the field through its magnetic cores)."""
WINDOW_KEYS = {"region", "start", "duration"}
AMF_KEYS = {"field", "frequency"}
REGIONS = {"light": ("tumour",), "ultrasound": ("tumour",), "amf": ("tumour", "brain")}
"""Regions each window may act on: a region has an environment of its own (``tumour``: interstitium and its blood;
``brain``: brain interstitium and brain vascular blood, with the brain's own perfusion for AMF heating)."""


@dataclass(frozen=True)
class TriggerWindow:
    """A time window (h) in which a region is illuminated or insonated."""

    kind: str
    start_h: float
    duration_h: float
    region: str = "tumour"
    field_a_per_m: float = 0.0
    """Alternating magnetic field amplitude (A/m), ``amf`` windows only."""
    frequency_hz: float = 0.0
    """Its frequency (Hz), ``amf`` windows only."""

    @property
    def end_h(self) -> float:
        return self.start_h + self.duration_h


def _reacts(kind: str, release: dict[str, Any] | None) -> bool:
    """Whether a carrier release spec reacts to a window of ``kind``."""
    if release is None or release.get("model") != TRIGGERS[kind]:
        return False
    return kind != "amf" or "magnetic" in release


def parse_triggers(env: dict[str, Any], release: dict[str, Any] | None,
                   has_tumour: bool) -> tuple[TriggerWindow, ...]:
    """Parse the ``light`` / ``ultrasound`` windows of a scenario's ``environment`` block.

    Parameters
    ----------
    env : dict
        The ``environment`` mapping.
    release : dict or None
        The carrier's release spec (None without a carrier).
    has_tumour : bool
        Whether the scenario has a tumour (required by a window on the tumour).
    """
    out = []
    for kind, model in TRIGGERS.items():
        if kind not in env:
            if _reacts(kind, release) and kind == "amf":
                raise InputError("carrier.release.magnetic", release["magnetic"], "a scenario with an "
                                 "environment.amf window {start, duration, field, frequency} (without an applied "
                                 "field the magnetic cores never heat)")
            if _reacts(kind, release):
                raise InputError("carrier.release.model", model, f"a scenario with an environment.{kind} window "
                                 f"(without one the carrier is never triggered)")
            continue
        field = f"environment.{kind}"
        w = env[kind]
        if not isinstance(w, dict):
            raise InputError(field, w, "a mapping {region, start, duration}")
        reject_unknown_keys(w, WINDOW_KEYS | (AMF_KEYS if kind == "amf" else set()), field)
        region = w.get("region", "tumour")
        if not known(region, REGIONS[kind]):
            raise InputError(f"{field}.region", region, ", ".join(REGIONS[kind]))
        if region == "tumour" and not has_tumour:
            raise InputError(field, w, "a scenario with a tumour (the window's region)")
        if not _reacts(kind, release):
            what = "with a 'magnetic' block (its cores heat in the field)" if kind == "amf" else ""
            raise InputError(field, w, f"a carrier with release model '{model}' {what}(no other model reacts to "
                             f"{kind}: the window would change nothing)")
        if "duration" not in w:
            raise InputError(f"{field}.duration", None, "the length of the window, e.g. '30 min'")
        h = f = 0.0
        if kind == "amf":
            for k in sorted(AMF_KEYS):
                if k not in w:
                    raise InputError(f"{field}.{k}", None, "the field amplitude (e.g. '15.9 kA/m') and frequency "
                                     "(e.g. '55 kHz')")
            h = to_canonical(w["field"], "A/m", f"{field}.field", positive=True)
            f = to_canonical(w["frequency"], "Hz", f"{field}.frequency", positive=True)
            from nanodds.release.magnetic import check_field_safety

            check_field_safety(h, f)  # warns beyond the Hergt & Dutz H f limit
        out.append(TriggerWindow(kind, to_canonical(w.get("start", "0 h"), "h", f"{field}.start", nonnegative=True),
                                 to_canonical(w["duration"], "h", f"{field}.duration", positive=True), region, h, f))
    return tuple(out)


def check_no_overlap(windows: list[tuple[str, float, float]]) -> None:
    """Refuse overlapping time windows ``(field, start_h, end_h)``: one environment per time segment."""
    ws = sorted(windows, key=lambda w: w[1])
    for (f1, _, e1), (f2, s2, _) in pairwise(ws):
        if s2 < e1:
            raise InputError(f2, f"starts at {s2:g} h", f"a window that does not overlap {f1} (ends at {e1:g} h): "
                             "overlapping time windows are not modelled")
