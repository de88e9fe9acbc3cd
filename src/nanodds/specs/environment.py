"""Local environment of a compartment (what stimuli-responsive release reacts to)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    """Physicochemical conditions in one compartment during one time segment.

    Attributes
    ----------
    ph : float
        pH (-).
    temperature_c : float
        Temperature (degC).
    amf_field_a_per_m : float
        Amplitude of an applied alternating magnetic field (A/m); 0 when off.
    amf_frequency_hz : float
        Frequency of that field (Hz); 0 when off.
    """

    ph: float
    temperature_c: float
    amf_field_a_per_m: float = 0.0
    amf_frequency_hz: float = 0.0
