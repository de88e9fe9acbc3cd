"""Physiology of one subject: organ volumes and flows scaled from a species' reference data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanodds.errors import InputError, known
from nanodds.specs.params import Param, available, load_yaml

ORGANS: tuple[str, ...] = (
    "lung", "heart", "liver", "spleen", "gut", "kidney", "brain",
    "muscle", "skin", "adipose", "marrow", "rest",
)
"""Organs of the whole-body model, in state order. ``rest`` closes the volume and flow balance."""

PORTAL_ORGANS: tuple[str, ...] = ("gut", "spleen")
"""Organs draining into the liver through the portal vein."""


@dataclass(frozen=True)
class Tumour:
    """A solid tumour attached to the systemic circulation (canonical units)."""

    volume_L: float
    flow_L_per_h: float
    vascular_fraction: float
    interstitial_fraction: float
    pore_cutoff_nm: float
    model: str | None = None
    """Tumour model (``tumour_delivery.yaml`` ``tumour_models``), e.g. ``xenograft_heterotopic``."""
    cancer_type: str | None = None
    """Cancer type (lower case, e.g. ``breast``): receptor densities and host-organ pore size."""


@dataclass(frozen=True)
class Physiology:
    """Organ volumes (L) and blood flows (L/h) of one subject.

    Attributes
    ----------
    species : str
    body_weight_kg : float
    volume_L, flow_L_per_h, vascular_fraction, interstitial_fraction : dict
        Per organ of :data:`ORGANS`. ``flow_L_per_h['lung']`` is the cardiac output.
    blood_volume_L : float
        Total blood volume (L), including the residual blood inside organs.
    hematocrit, gfr_L_per_h, venous_fraction : float
    tumour : Tumour or None
    """

    species: str
    body_weight_kg: float
    height_cm: float | None
    volume_L: dict[str, float]
    flow_L_per_h: dict[str, float]
    vascular_fraction: dict[str, float]
    interstitial_fraction: dict[str, float]
    blood_volume_L: float
    hematocrit: float
    gfr_L_per_h: float
    venous_fraction: float
    tumour: Tumour | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def cardiac_output_L_per_h(self) -> float:
        """Cardiac output (L/h) including the tumour's flow."""
        return self.flow_L_per_h["lung"]

    def organs(self) -> tuple[str, ...]:
        """Organ names including ``tumour`` when present."""
        return (*ORGANS, "tumour") if self.tumour is not None else ORGANS

    def residual_blood_L(self) -> float:
        """Blood held inside organ vasculature (L)."""
        vol = sum(self.volume_L[o] * self.vascular_fraction[o] for o in ORGANS)
        if self.tumour is not None:
            vol += self.tumour.volume_L * self.tumour.vascular_fraction
        return vol


def species_names() -> list[str]:
    """Species with a physiology file."""
    return available("physiology")


def reference_data(species: str) -> dict:
    """The raw sourced physiology mapping of a species."""
    names = species_names()
    if not known(species, names):
        raise InputError("species", species, f"one of {', '.join(names)}")
    return load_yaml(f"physiology/{species}.yaml")


def build_physiology(species: str, body_weight_kg: float | None = None, height_cm: float | None = None,
                     tumour: dict[str, Any] | None = None) -> Physiology:
    """Scale a species' reference physiology to one subject.

    Volumes scale linearly with body weight; flows and GFR allometrically with the exponent in the data.

    Parameters
    ----------
    species : str
        ``mouse``, ``rat`` or ``human``.
    body_weight_kg : float, optional
        Subject body weight (kg); the reference individual's by default.
    height_cm : float, optional
        Height (cm), used for body surface area; the reference height by default (human only).
    tumour : dict, optional
        Overrides of the tumour defaults (``volume_L``, ``flow_L_per_h``, ``vascular_fraction``,
        ``interstitial_fraction``, ``pore_cutoff_nm``); ``None`` means no tumour.
    """
    d = reference_data(species)
    bw_ref = d["body_weight"].to("kg")
    bw = bw_ref if body_weight_kg is None else float(body_weight_kg)
    if bw <= 0:
        raise InputError("subject.body_weight", body_weight_kg, "a value > 0 kg")
    h_ref = d["height"].to("cm") if "height" in d else None
    height = h_ref if height_cm is None else float(height_cm)
    expo = d["allometric_exponent_flow"].to("1")
    flow_scale = (bw / bw_ref) ** expo
    co = d["cardiac_output"].to("L/h") * flow_scale
    organs = d["organs"]
    vol = {o: organs[o]["volume_fraction"].to("L/kg") * bw for o in ORGANS}
    flow = {o: organs[o]["flow_fraction"].to("1") * co for o in ORGANS}
    vf = {o: organs[o]["vascular_fraction"].to("1") for o in ORGANS}
    isf = {o: organs[o]["interstitial_fraction"].to("1") for o in ORGANS}
    tum = None
    if tumour is not None:
        td = d["tumour"]
        t_vol = float(tumour.get("volume_L", td["volume"].to("L")))
        t_flow = float(tumour.get("flow_L_per_h", td["flow_per_volume"].to("1/h") * t_vol))
        tum = Tumour(
            volume_L=t_vol,
            flow_L_per_h=t_flow,
            vascular_fraction=float(tumour.get("vascular_fraction", td["vascular_fraction"].to("1"))),
            interstitial_fraction=float(tumour.get("interstitial_fraction",
                                                   td["interstitial_fraction"].to("1"))),
            pore_cutoff_nm=float(tumour.get("pore_cutoff_nm", td["pore_cutoff"].to("nm"))),
            model=tumour.get("model"), cancer_type=tumour.get("cancer_type"),
        )
        flow["lung"] = flow["lung"] + t_flow  # tumour perfusion adds to the cardiac output
    sources = {k: v.source for k, v in d.items() if isinstance(v, Param)}
    return Physiology(
        species=species, body_weight_kg=bw, height_cm=height, volume_L=vol, flow_L_per_h=flow,
        vascular_fraction=vf, interstitial_fraction=isf,
        blood_volume_L=d["blood_volume_fraction"].to("L/kg") * bw,
        hematocrit=d["hematocrit"].to("1"), gfr_L_per_h=d["gfr"].to("L/h") * flow_scale,
        venous_fraction=d["venous_fraction_of_blood"].to("1"), tumour=tum, sources=sources,
    )


def bsa_mosteller_m2(height_cm: float, body_weight_kg: float) -> float:
    """Body surface area (m^2) by Mosteller: sqrt(height[cm] * weight[kg] / 3600).

    Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098.
    doi:10.1056/NEJM198710223171717
    """
    return float(np.sqrt(height_cm * body_weight_kg / 3600.0))
