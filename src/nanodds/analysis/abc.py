"""Accelerated blood clearance (ABC) of repeat PEGylated-carrier doses, as a PK option.

Anti-PEG IgM raised by the first dose of a PEGylated carrier opsonises later doses, which the mononuclear
phagocyte system then clears much faster (Ishida & Kiwada 2008, Int J Pharm 354:56, doi:10.1016/j.ijpharm.2007.11.005:
the magnitude depends on the dosing interval, lipid dose and drug encapsulation). No number for the size of the
effect was read in retrieved text, so the factor is the user's: from the start of the second carrier dose, every
MPS uptake rate of carriers (the ``mps_uptake`` part of the rate matrix, carrier and encapsulated drug alike) is
multiplied by ``factor``. Added to the model as a rate-matrix change in time (``Model.k_schedule``), so mass
balance is structural (the added part has zero column sums).

Limitation: only the linear model (``simulation.saturable: false``): the capacity-limited MPS terms carry a
fixed rate that a time change of the matrix cannot scale consistently.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nanodds.errors import InputError
from nanodds.model.structure import Model
from nanodds.specs.scenario import Scenario

__all__ = ["abc_start_h", "with_abc"]


def abc_start_h(scn: Scenario) -> float | None:
    """Start (h) of the second dose of a PEGylated carrier, or None when ABC cannot arise."""
    if scn.carrier is None or not scn.carrier.pegylated:
        return None
    starts = sorted({e.start_h for e in scn.regimen.events})
    return starts[1] if len(starts) > 1 else None


def with_abc(model: Model, start_h: float, factor: float) -> Model:
    """The model with carrier MPS uptake multiplied by ``factor`` from ``start_h`` on."""
    f = float(factor)
    if not np.isfinite(f) or f < 1.0:
        raise InputError("--abc-factor", factor, "a number >= 1 (MPS uptake multiplier of repeat PEG doses)")
    if model.saturable:
        raise InputError("--abc-factor", factor, "a scenario with simulation.saturable: false (linear MPS uptake)")
    part = model.meta.get("K_parts", {}).get("mps_uptake")
    if part is None:
        raise InputError("--abc-factor", factor, "a nanoformulation with MPS uptake (a carrier model)")
    delta = (f - 1.0) * part
    sched = [(t0, Kt + delta if t0 >= start_h else Kt) for t0, Kt in model.k_schedule]
    if not any(t0 == start_h for t0, _ in sched):
        sched.append((start_h, model.k_at(start_h) + delta))
    sched.sort(key=lambda x: x[0])
    meta = dict(model.meta)
    meta.pop("K_parts", None)  # the per-process split of the base matrix no longer adds up to K(t)
    meta["abc"] = {"start_h": start_h, "factor": f}
    return replace(model, k_schedule=tuple(sched), meta=meta)
