"""Blood-brain-barrier data of a drug (the drug file's or inline drug's ``bbb:`` block).

::

    bbb:
      permeability_surface: {value: 2, unit: uL/min/g, source: "..."}   # passive PS of unbound drug per g brain
      kp_uu: {value: 0.1, unit: "1", source: "..."}                     # unbound brain ISF : unbound plasma

With it the free drug's brain is permeability-limited (:mod:`nanodds.model.bbb_drug`): brain vascular blood,
interstitium and cells. ``kp_uu`` < 1 is net efflux (P-glycoprotein); 1 is passive. Without it the brain stays
perfusion-limited with its Kp.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, reject_unknown_keys

KEYS = {"permeability_surface", "kp_uu"}
PS_UNIT = "L/h/kg"
"""Canonical unit of the permeability-surface product (per kg of brain; brain density taken as 1 kg/L)."""


@dataclass(frozen=True)
class DrugBBB:
    """BBB transport of a free drug (canonical units).

    Attributes
    ----------
    permeability_surface_L_per_h_per_kg : float
        Passive permeability-surface product of the unbound drug (L/h per kg brain), influx = PS x Cu,plasma.
    kp_uu : float
        Steady-state unbound brain interstitial : unbound plasma concentration ratio (-); efflux = PS / kp_uu x
        Cu,ISF, so P-gp efflux adds PS (1/kp_uu - 1).
    """

    permeability_surface_L_per_h_per_kg: float
    kp_uu: float


def parse_drug_bbb(raw: Any, field: str, leaf: Callable[[Any, str, str], float]) -> DrugBBB | None:
    """Parse a ``bbb:`` block; ``leaf(node, field, unit)`` turns one ``{value, ...}`` entry into a float.

    Raises
    ------
    InputError
        Not a mapping, an unknown or missing key, a non-positive value.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError(field, raw, "a mapping with permeability_surface and kp_uu entries")
    reject_unknown_keys(raw, KEYS, field)
    for k in sorted(KEYS):
        if k not in raw:
            raise InputError(f"{field}.{k}", None, "a {value, source} entry (both BBB entries are needed)")
    ps = leaf(raw["permeability_surface"], f"{field}.permeability_surface", PS_UNIT)
    kp_uu = leaf(raw["kp_uu"], f"{field}.kp_uu", "1")
    for k, v in (("permeability_surface", ps), ("kp_uu", kp_uu)):
        if not v > 0:
            raise InputError(f"{field}.{k}", v, "a positive value")
    return DrugBBB(permeability_surface_L_per_h_per_kg=ps, kp_uu=kp_uu)
