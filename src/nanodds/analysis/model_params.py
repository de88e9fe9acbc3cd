"""Named scalar parameters of a scenario's model, shared by sensitivity analysis and fitting.

A parameter is addressed by name and set in canonical units:

* carrier design: ``diameter`` (nm), ``mps_multiplier`` (-), ``release_rate_blood`` and
  ``release_rate_tissue`` (1/h; first-order release models only), ``zeta`` (mV, signed: the MPS charge factor
  unless the scenario fixes ``mps_multiplier``, and the renal corona) and ``ligand_density`` (ligands per
  particle, -; multivalent avidity of the carrier's ligand, which the scenario must name);
* physiology: ``tumour_volume`` (L; the tumour blood flow follows at constant perfusion per volume unless
  ``tumour_blood_flow`` (L/h) is set too);
* drug: ``drug_clearance_multiplier`` (-), scaling the hepatic and renal clearance transfers
  (``K += (m - 1) (K_hepatic + K_renal)``, the process-tagged parts of K) without re-assembling the model;
* any scalar of ``data/carriers/<species>.yaml`` (``mps_extraction_total``, ``mps_capacity``,
  ``tumour_extravasation_coefficient``, ...) in that file's unit, applied as a carrier override.

:class:`ScenarioModel` rebuilds the model only when a structural parameter changes and otherwise reuses the
last built model (a fit of the clearance multiplier assembles the model once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.model.structure import Model
from nanodds.specs.carrier import Carrier
from nanodds.specs.params import Param, load_yaml
from nanodds.specs.physiology import build_physiology
from nanodds.specs.scenario import Scenario
from nanodds.units import to_canonical, with_unit

__all__ = ["CLEARANCE", "ParamSpec", "ScenarioModel", "current_value", "param_unit", "parse_param_specs",
           "scale_clearance"]

CLEARANCE = "drug_clearance_multiplier"
BUILTIN: dict[str, tuple[str, str]] = {
    "diameter": ("nm", "carrier hydrodynamic diameter"),
    "mps_multiplier": ("1", "MPS uptake relative to the reference PEG liposome"),
    "release_rate_blood": ("1/h", "first-order release rate in blood"),
    "release_rate_tissue": ("1/h", "first-order release rate in tissue"),
    "tumour_volume": ("L", "tumour volume"),
    "tumour_blood_flow": ("L/h", "tumour blood flow"),
    CLEARANCE: ("1", "multiplier of the drug's hepatic and renal clearance"),
    "zeta": ("mV", "carrier zeta potential (signed)"),
    "ligand_density": ("1", "targeting ligands per carrier particle"),
}
CARRIER_ONLY = {"diameter", "mps_multiplier", "release_rate_blood", "release_rate_tissue", "zeta", "ligand_density"}
SIGNED = {"zeta"}
"""Parameters that may be negative (ranges of the others are checked >= 0)."""
_CLEARANCE_TAGS = ("hepatic_clearance", "renal_clearance")


def carrier_file_params(species: str) -> dict[str, Param]:
    """Scalar parameters of ``data/carriers/<species>.yaml`` (overridable by name)."""
    return {k: v for k, v in load_yaml(f"carriers/{species}.yaml").items() if isinstance(v, Param)}


def param_unit(scn: Scenario, name: str) -> str:
    """Canonical unit of parameter ``name`` for this scenario (raises InputError for an unknown name)."""
    if name in BUILTIN:
        if name in CARRIER_ONLY and scn.carrier is None:
            raise InputError(f"params.{name}", name, "a drug or physiology parameter (the scenario has no carrier)")
        if name.startswith("tumour_") and scn.physiology.tumour is None:
            raise InputError(f"params.{name}", name, "a parameter of a scenario with a tumour")
        if name.startswith("release_rate") and scn.carrier.release.get("model") != "first_order":  # type: ignore
            raise InputError(f"params.{name}", name, "a release rate of a first_order release model")
        if name == "ligand_density" and scn.carrier.ligand is None:  # type: ignore[union-attr]
            raise InputError(f"params.{name}", name, "a parameter of a carrier with a ligand (carrier.ligand)")
        return BUILTIN[name][0]
    file_params = carrier_file_params(scn.species)
    if name in file_params and scn.carrier is not None:
        return file_params[name].unit
    known = sorted(BUILTIN) + (sorted(file_params) if scn.carrier is not None else [])
    raise InputError("params", name, f"one of {', '.join(known)}")


def _release_rate(spec: Mapping[str, Any], key: str) -> float:
    return to_canonical(spec.get(key, spec.get("rate", "0 1/h")), "1/h", f"carrier.release.{key}", nonnegative=True)


def current_value(scn: Scenario, name: str) -> float:
    """The scenario's own value of parameter ``name`` (canonical unit of :func:`param_unit`)."""
    param_unit(scn, name)
    c, t = scn.carrier, scn.physiology.tumour
    direct = {
        "diameter": lambda: c.diameter_nm,  # type: ignore[union-attr]
        "mps_multiplier": lambda: c.mps_multiplier,  # type: ignore[union-attr]
        "release_rate_blood": lambda: _release_rate(c.release, "rate_blood"),  # type: ignore[union-attr]
        "release_rate_tissue": lambda: _release_rate(c.release, "rate_tissue"),  # type: ignore[union-attr]
        "tumour_volume": lambda: t.volume_L,  # type: ignore[union-attr]
        "tumour_blood_flow": lambda: t.flow_L_per_h,  # type: ignore[union-attr]
        CLEARANCE: lambda: 1.0,
        "zeta": lambda: 0.0 if c.zeta_mV is None else c.zeta_mV,  # type: ignore[union-attr]  # unstated = neutral
        "ligand_density": lambda: c.ligand.density,  # type: ignore[union-attr]
    }
    if name in direct:
        return float(direct[name]())
    return float(carrier_file_params(scn.species)[name].value)


PARAM_SPEC_KEYS = {"name", "low", "high", "log"}


@dataclass(frozen=True)
class ParamSpec:
    """A parameter with its range (canonical unit) for sampling or as fit bounds."""

    name: str
    unit: str
    low: float
    high: float
    log: bool = False


def parse_param_specs(scn: Scenario, raw: Any) -> list[ParamSpec]:
    """Parse ``{name: {low: "100 mg/kg", high: "400 mg/kg", log: false}}`` (or a list of such mappings with
    ``name``) into :class:`ParamSpec` objects; bounds are converted with :func:`nanodds.units.to_canonical`."""
    if isinstance(raw, Mapping) and "parameters" in raw:
        raw = raw["parameters"]
    if isinstance(raw, list):
        items = []
        for i, it in enumerate(raw):
            if not isinstance(it, Mapping) or "name" not in it:
                raise InputError(f"parameters[{i}]", it, "a mapping with name, low, high")
            items.append((str(it["name"]), it))
    elif isinstance(raw, Mapping):
        items = [(str(k), v) for k, v in raw.items()]
    else:
        raise InputError("parameters", raw, "a mapping name -> {low, high} or a list of {name, low, high}")
    if not items:
        raise InputError("parameters", raw, "at least one parameter")
    specs = []
    for name, it in items:
        unit = param_unit(scn, name)
        if not isinstance(it, Mapping) or "low" not in it or "high" not in it:
            raise InputError(f"parameters.{name}", it, "a mapping with low and high (values with units)")
        reject_unknown_keys(dict(it), PARAM_SPEC_KEYS, f"parameters.{name}")
        sign = {} if name in SIGNED else {"nonnegative": True}
        lo = to_canonical(it["low"], unit, f"parameters.{name}.low", **sign)
        hi = to_canonical(it["high"], unit, f"parameters.{name}.high", **sign)
        if not hi > lo:
            raise InputError(f"parameters.{name}.high", it["high"], f"a value above low ({lo:g} {unit})")
        log = it.get("log", False)
        if not isinstance(log, bool):
            raise InputError(f"parameters.{name}.log", log, "true or false")
        if log and lo <= 0:
            raise InputError(f"parameters.{name}.low", it["low"], "a value > 0 for a log-scaled range")
        specs.append(ParamSpec(name, unit, lo, hi, log))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise InputError("parameters", names, "each parameter once")
    return specs


def _scenario_with(scn: Scenario, values: Mapping[str, float]) -> tuple[Scenario, dict[str, float]]:
    """The scenario with design/physiology values applied, and the remaining carrier-file overrides."""
    carrier, phys = scn.carrier, scn.physiology
    overrides: dict[str, float] = {}
    tumour_changes: dict[str, float] = {}
    for name, v in values.items():
        v = float(v)
        if name == CLEARANCE:
            continue
        if name == "diameter":
            carrier = replace(carrier, diameter_nm=v)  # type: ignore[arg-type]
        elif name == "mps_multiplier":
            carrier = replace(carrier, mps_multiplier=v, mps_explicit=True)  # type: ignore[arg-type]
        elif name == "zeta":
            carrier = with_zeta(carrier, v)  # type: ignore[arg-type]
        elif name == "ligand_density":
            if v <= 0:
                raise InputError("params.ligand_density", v, "ligands per particle > 0")
            carrier = replace(carrier, ligand=replace(carrier.ligand, density=v))  # type: ignore
        elif name in ("release_rate_blood", "release_rate_tissue"):
            rel = dict(carrier.release)  # type: ignore[union-attr]
            rel["rate_blood" if name.endswith("blood") else "rate_tissue"] = with_unit(v, "1/h")
            carrier = replace(carrier, release=rel)  # type: ignore[arg-type]
        elif name == "tumour_volume":
            tumour_changes["volume_L"] = v
        elif name == "tumour_blood_flow":
            tumour_changes["flow_L_per_h"] = v
        else:
            overrides[name] = v
    if tumour_changes:
        t = phys.tumour
        assert t is not None
        spec = {"volume_L": t.volume_L, "vascular_fraction": t.vascular_fraction,
                "interstitial_fraction": t.interstitial_fraction, "pore_cutoff_nm": t.pore_cutoff_nm}
        spec.update(tumour_changes)
        spec.setdefault("flow_L_per_h", t.flow_L_per_h * spec["volume_L"] / t.volume_L)
        phys = build_physiology(scn.species, phys.body_weight_kg, phys.height_cm, spec)
    return replace(scn, carrier=carrier, physiology=phys), overrides


def with_zeta(carrier: Carrier, zeta_mV: float) -> Carrier:
    """``carrier`` with zeta potential ``zeta_mV`` (mV): the MPS multiplier's charge factor follows (as
    :func:`nanodds.specs.carrier.build_carrier` applies it) unless the scenario fixed ``mps_multiplier``."""
    from nanodds.model.tumour_delivery import charge_mps_factor

    mps = carrier.mps_multiplier
    if not carrier.mps_explicit:
        mps = mps / charge_mps_factor(carrier.zeta_mV) * charge_mps_factor(zeta_mV)
    return replace(carrier, zeta_mV=zeta_mV, mps_multiplier=mps)


def _scaled(part: np.ndarray, multiplier: float) -> np.ndarray:
    """``multiplier * part`` as a new read-only array (frozen in place: the model keeps it without a copy)."""
    out = multiplier * part
    out.flags.writeable = False
    return out


def scale_clearance(model: Model, multiplier: float) -> Model:
    """A new model whose hepatic and renal drug clearance transfers are multiplied by ``multiplier``."""
    if multiplier == 1.0:
        return model
    parts = model.meta.get("K_parts", {})
    dK = sum((parts[t] for t in _CLEARANCE_TAGS if t in parts), np.zeros_like(model.K))  # type: ignore
    delta = (multiplier - 1.0) * dK
    sched = tuple((t0, Kt + delta) for t0, Kt in model.k_schedule)
    meta = dict(model.meta)
    if parts:  # the per-process split keeps adding up to the new K (only the scaled parts are new arrays)
        meta["K_parts"] = {t: _scaled(p, multiplier) if t in _CLEARANCE_TAGS else p for t, p in parts.items()}
    return replace(model, K=model.K + delta, k_schedule=sched, meta=meta)


class ScenarioModel:
    """Builds the model of a scenario for parameter values, re-assembling only when needed.

    Parameters
    ----------
    scn : Scenario
    linear : bool
        Drop the saturable terms (the exact linear path), e.g. for a fast sensitivity analysis.
    """

    def __init__(self, scn: Scenario, linear: bool = False) -> None:
        self.scn = scn
        self.linear = linear
        self._key: tuple | None = None
        self._model: Model | None = None
        self.builds = 0

    def model(self, values: Mapping[str, float]) -> Model:
        """The model with ``values`` (canonical units) applied."""
        from nanodds.engine import build

        structural = tuple(sorted((k, float(v)) for k, v in values.items() if k != CLEARANCE))
        if self._model is None or structural != self._key:
            scn, overrides = _scenario_with(self.scn, dict(structural))
            m = build(scn, overrides or None)
            self._model, self._key = (m.linear() if self.linear else m), structural
            self.builds += 1
        return scale_clearance(self._model, float(values.get(CLEARANCE, 1.0)))
