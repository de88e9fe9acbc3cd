"""Nanotoxicology screen: predicted carrier exposure and carrier properties against a sourced hazard base.

The knowledge base is ``nanodds/data/safety/hazards.yaml``: per material, hazards with a basis (see the file) and,
where a number was found, a threshold with its source. :func:`screen` evaluates every hazard of a material and
returns one row per hazard: whether it is flagged, the predicted value, the threshold and the margin
(``threshold / predicted``; < 1 flags). :func:`screen_scenario` takes the predicted peak carrier concentration in
each tissue from a simulation (``carrier_amount_<organ>`` / organ volume).

Assumption stated with every concentration flag: an in-vitro effect concentration (ug/mL of medium = mg/L) is
compared with a whole-tissue carrier concentration (mg carrier / L tissue).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.analysis.peaks import peak_solution
from nanodds.errors import InputError, known
from nanodds.solve.solution import Solution
from nanodds.specs.params import Param, load_yaml
from nanodds.specs.scenario import Scenario

__all__ = ["HAZARD_FILE", "materials", "screen", "screen_scenario", "tissue_carrier_peaks"]

HAZARD_FILE = "safety/hazards.yaml"
CONCENTRATION_NOTE = ("in-vitro effect concentration (mg/L of medium) compared with the predicted whole-tissue "
                      "carrier concentration (mg carrier / L tissue)")


def materials() -> list[str]:
    """Materials in the hazard knowledge base."""
    return sorted(load_yaml(HAZARD_FILE)["materials"])


def _row(material: str, h: dict[str, Any]) -> dict[str, Any]:
    thr = h.get("threshold")
    return {"material": material, "hazard": h["id"], "effect": h["effect"], "reference": h["reference"],
            "basis": h["basis"], "flagged": False, "site": None, "predicted": None, "threshold": None, "unit": None,
            "margin": None, "source": thr.source if isinstance(thr, Param) else h["reference"],
            "note": ""}


def screen(material: str, *, diameter_nm: float | None = None, pegylated: bool = False, n_doses: int = 1,
           tissue_peak_mg_per_L: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Evaluate every hazard of ``material``.

    Parameters
    ----------
    material : str
        Key of the hazard base (:func:`materials`).
    diameter_nm : float, optional
        Carrier diameter (nm), for size-based hazards.
    pegylated : bool
        PEGylated carrier (repeat-dose accelerated blood clearance).
    n_doses : int
        Number of carrier doses in the regimen.
    tissue_peak_mg_per_L : dict, optional
        Peak predicted carrier concentration per tissue (mg carrier / L tissue).
    """
    kb = load_yaml(HAZARD_FILE)["materials"]
    if not known(material, kb):
        raise InputError("material", material, f"one of {', '.join(sorted(kb))} (nanodds/data/{HAZARD_FILE})")
    rows = []
    for h in kb[material]:
        r = _row(material, h)
        basis = h["basis"]
        if basis == "carrier_mass":
            thr = h["threshold"].to("mg/L")
            r.update(threshold=thr, unit="mg/L", note=CONCENTRATION_NOTE)
            if tissue_peak_mg_per_L:
                site, peak = max(tissue_peak_mg_per_L.items(), key=lambda kv: kv[1])
                r.update(site=site, predicted=peak, margin=thr / peak if peak > 0 else float("inf"),
                         flagged=bool(peak >= thr))
            else:
                r["note"] = "no predicted tissue concentration: not evaluated"
        elif basis == "size":
            thr = h["threshold"].to("nm")
            r.update(threshold=thr, unit="nm", predicted=diameter_nm)
            if diameter_nm is not None:
                r.update(flagged=bool(diameter_nm <= thr), margin=diameter_nm / thr,
                         note="size-dependent hazard: flagged at or below the studied size; no concentration threshold")
        elif basis == "carrier_class":
            r.update(flagged=True, note="qualitative: a known hazard of this carrier class; no threshold")
        elif basis == "repeat_dose":
            r.update(flagged=bool(pegylated and n_doses > 1), predicted=float(n_doses), unit="doses",
                     note="flagged for more than one dose of a PEGylated carrier")
        else:  # pragma: no cover - the data file is checked by the tests
            raise ValueError(f"{HAZARD_FILE}: unknown basis {basis!r}")
        rows.append(r)
    return rows


def tissue_carrier_peaks(sol: Solution) -> dict[str, float]:
    """Peak carrier concentration (mg carrier / L tissue) in every organ of a nanoformulation simulation.

    Read on :func:`nanodds.analysis.peaks.peak_solution`: an organ's carrier (mostly in its blood) can peak within
    minutes of a bolus, inside the first output step.
    """
    pk = peak_solution(sol)
    out = {}
    for organ, vol in sol.model.volumes_L.items():
        name = f"carrier_amount_{organ}"
        if name in sol.model.observables and vol > 0:
            out[organ] = float(np.max(pk.observe(name))) / vol
    return out


def screen_scenario(scn: Scenario, sol: Solution) -> dict[str, Any]:
    """Screen a scenario's carrier (material from its type) with the simulated tissue carrier peaks."""
    kb = load_yaml(HAZARD_FILE)
    carrier = scn.carrier
    if carrier is None:
        return {"material": None, "flags": [], "note": "no carrier"}
    material = kb["carrier_materials"].get(carrier.type)
    if material is None:
        return {"material": None, "flags": [],
                "note": f"no hazard entry for carrier type {carrier.type} in nanodds/data/{HAZARD_FILE}"}
    peaks = tissue_carrier_peaks(sol)
    n_doses = len(scn.regimen.events)
    flags = screen(material, diameter_nm=carrier.diameter_nm, pegylated=carrier.pegylated, n_doses=n_doses,
                   tissue_peak_mg_per_L=peaks)
    return {"material": material, "carrier_type": carrier.type, "tissue_carrier_peak_mg_per_L": peaks,
            "flags": flags}
