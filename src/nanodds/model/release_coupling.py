"""Release of encapsulated drug per compartment: the coupling between the carrier and free-drug blocks.

A release specification (scenario ``carrier.release``) becomes one first-order rate constant (1/h) for each
compartment kind, evaluated in that compartment's :class:`~nanodds.specs.environment.Environment`.
``first_order`` is handled here; every other model is delegated to :mod:`nanodds.release.invivo`.
"""

from __future__ import annotations

from typing import Any

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.specs.environment import Environment
from nanodds.units import to_canonical

FIRST_ORDER_KEYS = {"model", "rate", "rate_blood", "rate_tissue", "rate_phagocyte"}


def _first_order(spec: dict[str, Any], kind: str) -> float:
    reject_unknown_keys(spec, FIRST_ORDER_KEYS, "carrier.release")
    key = {"blood": "rate_blood", "tumour_vascular": "rate_blood", "tissue": "rate_tissue",
           "tumour": "rate_tissue", "phagocyte": "rate_phagocyte"}[kind]
    if key in spec:
        return to_canonical(spec[key], "1/h", f"carrier.release.{key}", nonnegative=True)
    if kind == "phagocyte":
        return 0.0  # digestion of the carrier (pc_degradation_rate) already frees its payload
    if "rate" in spec:
        return to_canonical(spec["rate"], "1/h", "carrier.release.rate", nonnegative=True)
    raise InputError(f"carrier.release.{key}", None, "a first-order rate, e.g. '0.01 1/h' (or 'rate')")


def release_rate_per_h(spec: dict[str, Any], kind: str, env: Environment) -> float:
    """First-order release rate constant (1/h) of encapsulated drug.

    Parameters
    ----------
    spec : dict
        Release specification with a ``model`` key.
    kind : {"blood", "tumour_vascular", "tissue", "tumour", "phagocyte"}
        Compartment kind (``tumour_vascular`` is blood inside the tumour: blood pH, tumour temperature).
    env : Environment
        Conditions in that compartment.
    """
    model = spec.get("model", "first_order")
    if model == "first_order":
        return _first_order(spec, kind)
    from nanodds.release import invivo  # optional stimuli-responsive models

    return float(invivo.first_order_rate_per_h(spec, env, field="carrier.release"))
