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
    glutathione_mM : float or None
        Reduced glutathione (GSH) concentration the carrier meets (mmol/L), for redox-responsive release;
        None when not known (a redox model then refuses to run rather than assume a value).
    mmp_nM : float or None
        Active matrix metalloproteinase (MMP-2/9) concentration (nmol/L), for enzyme-responsive release; None
        when not known (the enzyme model then refuses to run rather than assume a value).
    light_on, ultrasound_on : bool
        Whether the compartment is illuminated / insonated in this time segment (``environment.light`` /
        ``environment.ultrasound`` windows of a scenario).
    perfusion_per_s : float or None
        Blood perfusion of the region (m^3 blood / m^3 tissue / s) for the Pennes balance of AMF heating; None:
        the tumour value of ``data/release/magnetic.yaml`` (set for the brain from its blood flow and volume).
    """

    ph: float
    temperature_c: float
    amf_field_a_per_m: float = 0.0
    amf_frequency_hz: float = 0.0
    glutathione_mM: float | None = None
    light_on: bool = False
    ultrasound_on: bool = False
    mmp_nM: float | None = None
    perfusion_per_s: float | None = None
