"""The design space file (``nanodds design --space SPACE.yaml``): variables, objectives, constraints, budget.

```yaml
variables:                                   # each with low/high as values with units (bounds included)
  diameter: {low: 60 nm, high: 150 nm}       # within data/design/manufacturable.yaml for the carrier type
  pegylated: [false, true]                   # PEG coat on/off
  release_rate: {low: 0.001 1/h, high: 1 1/h, log: true}   # blood = tissue; or release_rate_blood/_tissue
  dose: {low: 20 mg/m^2, high: 60 mg/m^2}    # per administration; mg, mg/kg or mg/m^2
  dose_interval: {low: 7 d, high: 28 d}      # time between administrations
  dose_count: {low: 1, high: 4}              # number of administrations (integers)
  zeta: {low: -40 mV, high: 10 mV}           # surface charge (signed): MPS charge factor, renal corona
  ligand_density: {low: 10, high: 500, log: true}   # ligands per particle (the carrier must have a ligand)
objectives:
  - {name: tumour_released_auc, metric: tumour released AUC, direction: max}
  - {name: heart_released_auc, metric: heart released AUC, direction: min}
constraints:                                 # optional: a metric with max and/or min (values with units)
  - {metric: marrow AUC, max: 50 mg h/L}
optimiser: {population: 16, generations: 10, seed: 1}      # population x generations <= the cap
description: free text, copied to design.json
```

Metrics are read by :func:`nanodds.design.metrics.parse_metric`. A variable whose range leaves the model
unchanged (e.g. a ligand density below the avidity range, a zeta inside the near-neutral band while the scenario
fixes ``mps_multiplier``) is rejected: every accepted variable acts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nanodds.analysis.model_params import SIGNED
from nanodds.design.metrics import Metric, parse_metric
from nanodds.errors import InputError, reject_unknown_keys
from nanodds.model.structure import Model
from nanodds.specs.params import load_yaml
from nanodds.specs.regimen import dose_to_mg
from nanodds.specs.scenario import Scenario
from nanodds.units import parse_quantity, to_canonical

__all__ = ["Constraint", "DesignSpace", "Objective", "Variable", "parse_space"]

TOP_KEYS = {"variables", "objectives", "constraints", "optimiser", "description"}
RANGE_KEYS = {"low", "high", "log"}
OBJECTIVE_KEYS = {"name", "metric", "direction"}
CONSTRAINT_KEYS = {"metric", "max", "min"}
OPTIMISER_KEYS = {"population", "generations", "seed"}
# name -> (canonical unit, column suffix, kind); dose keeps the unit the space file writes
VARIABLES: dict[str, tuple[str, str, str]] = {
    "diameter": ("nm", "_nm", "continuous"),
    "pegylated": ("1", "", "boolean"),
    "release_rate": ("1/h", "_per_h", "continuous"),
    "release_rate_blood": ("1/h", "_per_h", "continuous"),
    "release_rate_tissue": ("1/h", "_per_h", "continuous"),
    "dose": ("mg", "", "continuous"),
    "dose_interval": ("h", "_h", "continuous"),
    "dose_count": ("1", "", "integer"),
    "zeta": ("mV", "_mV", "continuous"),
    "ligand_density": ("1", "", "continuous"),
}
CARRIER_VARIABLES = ("diameter", "pegylated", "release_rate", "release_rate_blood", "release_rate_tissue", "zeta",
                     "ligand_density")
ALIASES = {"ligand": "ligand_density", "ligands": "ligand_density", "zeta_potential": "zeta", "charge": "zeta",
           "surface_charge": "zeta"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Variable:
    """A design variable with inclusive bounds in ``unit`` (the dose keeps the space file's unit)."""

    name: str
    unit: str
    low: float
    high: float
    log: bool
    kind: str

    @property
    def column(self) -> str:
        if self.name == "dose":
            return "dose_" + self.unit.replace("^", "").replace("**", "").replace("/", "_per_").replace(" ", "")
        return self.name + VARIABLES[self.name][1]


@dataclass(frozen=True)
class Objective:
    name: str
    metric: Metric
    direction: str

    @property
    def column(self) -> str:
        return f"{self.name}_{self.metric.unit_slug}"


@dataclass(frozen=True)
class Constraint:
    metric: Metric
    low: float | None
    high: float | None

    @property
    def column(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "_", self.metric.text.lower()).strip("_")
        return f"constraint_{slug}_{self.metric.unit_slug}"


@dataclass(frozen=True)
class DesignSpace:
    variables: tuple[Variable, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    population: int
    generations: int
    seed: int
    description: str = ""


def _mapping(raw: Any, field: str, allowed: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError(field, raw, allowed)
    return raw


def _int(raw: Any, field: str, low: int) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < low:
        raise InputError(field, raw, f"an integer >= {low}")
    return raw


def _manufacturable(scn: Scenario, name: str, lo: float, hi: float, spec: Mapping[str, Any]) -> None:
    ctype = scn.carrier.type  # type: ignore[union-attr]
    bounds = load_yaml("design/manufacturable.yaml").get(ctype, {})
    key = "release_rate" if name.startswith("release_rate") else name
    if f"{key}_min" not in bounds:
        have = sorted(t for t, b in load_yaml("design/manufacturable.yaml").items() if f"{key}_min" in b)
        raise InputError(f"variables.{name}", ctype, f"a carrier type with manufacturable {key} bounds in "
                         f"data/design/manufacturable.yaml: {', '.join(have)}")
    bmin, bmax = bounds[f"{key}_min"].to(VARIABLES[name][0]), bounds[f"{key}_max"].to(VARIABLES[name][0])
    unit = VARIABLES[name][0]
    if lo < bmin:
        raise InputError(f"variables.{name}.low", spec["low"], f">= {bmin:g} {unit} (manufacturable bound of {ctype}, "
                         "data/design/manufacturable.yaml)")
    if hi > bmax:
        raise InputError(f"variables.{name}.high", spec["high"], f"<= {bmax:g} {unit} (manufacturable bound of "
                         f"{ctype}, data/design/manufacturable.yaml)")


def _dose_unit(text: Any, field: str) -> str:
    q = parse_quantity(text, field)
    if not isinstance(text, str) or not text.strip() or not (q.check("[mass]") or q.check("[mass]/[mass]")
                                                             or q.check("[mass]/[length]**2")):
        raise InputError(field, text, "a dose with its unit: mg, mg/kg or mg/m^2 (e.g. '50 mg/m^2')")
    return text.strip().split(maxsplit=1)[1] if len(text.split()) > 1 else f"{q.units:~}"


def _variable(scn: Scenario, raw: Mapping[str, Any], name: str, spec: Any) -> Variable:
    f = f"variables.{name}"
    if name in ALIASES:
        raise InputError(f, spec, f"{ALIASES[name]} (no variable named {name}); variables: {', '.join(VARIABLES)}")
    if name not in VARIABLES:
        raise InputError(f, spec, f"a variable among {', '.join(VARIABLES)}")
    unit, _, kind = VARIABLES[name]
    if name in CARRIER_VARIABLES and scn.carrier is None:
        raise InputError(f, spec, "a carrier variable for a scenario with a carrier")
    if name == "ligand_density" and scn.carrier.ligand is None:  # type: ignore[union-attr]
        raise InputError(f, spec, "a ligand density for a carrier with a ligand (carrier.ligand: e.g. peptide)")
    if name.startswith("release_rate") and scn.carrier.release.get("model") != "first_order":  # type: ignore
        raise InputError(f, spec, "a release rate of a scenario whose carrier uses first_order release "
                         f"(carrier.release.model is {scn.carrier.release.get('model')!r})")  # type: ignore
    if name in ("dose", "dose_interval", "dose_count"):
        reg = raw.get("regimen")
        if not (isinstance(reg, Mapping) or (isinstance(reg, list) and len(reg) == 1)):
            raise InputError(f, spec, "a dose or schedule variable for a scenario with one regimen item")
    if kind == "boolean":
        if spec != [False, True] and spec != [True, False]:
            raise InputError(f, spec, "[false, true] (the carrier with and without PEG)")
        return Variable(name, unit, 0.0, 1.0, False, kind)
    spec = _mapping(spec, f, "a mapping {low, high} with values with units (log: true for a log scale)")
    reject_unknown_keys(dict(spec), RANGE_KEYS, f)
    for k in ("low", "high"):
        if k not in spec:
            raise InputError(f"{f}.{k}", None, f"a {k} bound")
    log = spec.get("log", False)
    if not isinstance(log, bool) or (log and (kind == "integer" or name in SIGNED)):
        raise InputError(f"{f}.log", log, "true or false (false for integers and signed variables)")
    if kind == "integer":
        lo, hi = _int(spec["low"], f"{f}.low", 1), _int(spec["high"], f"{f}.high", 1)
    elif name == "dose":
        unit = _dose_unit(spec["low"], f"{f}.low")
        _dose_unit(spec["high"], f"{f}.high")
        lo = to_canonical(spec["low"], unit.replace("^", "**"), f"{f}.low", positive=True)
        hi = to_canonical(spec["high"], unit.replace("^", "**"), f"{f}.high", positive=True)
        dose_to_mg(f"{lo!r} {unit}", f"{f}.low", scn.physiology.body_weight_kg, scn.bsa_m2)
    else:
        def given(x: Any) -> bool:  # a dimensionless variable may be a bare number
            return isinstance(x, str) or (unit == "1" and isinstance(x, int | float) and not isinstance(x, bool))

        if not given(spec["low"]) or not given(spec["high"]):
            bad = "low" if not given(spec["low"]) else "high"
            raise InputError(f"{f}.{bad}", spec[bad], f"a value with its unit (e.g. '1 {unit}')")
        sign = {} if name in SIGNED else {"positive": True}
        lo = to_canonical(spec["low"], unit, f"{f}.low", **sign)
        hi = to_canonical(spec["high"], unit, f"{f}.high", **sign)
    if not hi > lo:
        raise InputError(f"{f}.high", spec["high"], f"a value above low ({spec['low']})")
    if name in ("diameter", "zeta", "ligand_density") or name.startswith("release_rate"):
        _manufacturable(scn, name, lo, hi, spec)
    if name in ("zeta", "ligand_density"):
        _acts(scn, name, lo, hi, spec)
    return Variable(name, unit, float(lo), float(hi), log, kind)


ACTS_FRACTION = 1e-9
"""Fraction of an amount moved over the simulation below which a rate change counts as numerical, not acting."""


def _acts_hint(name: str) -> str:
    from nanodds.model.tumour_delivery import params

    p = params()
    if name == "zeta":
        band = p["mps_charge_threshold"].to("mV")
        return (f"zeta acts beyond +-{band:g} mV (tumour_delivery.yaml mps_charge_threshold): on MPS capture unless "
                "the scenario fixes carrier.mps_multiplier, and on renal sieving of small particles")
    cf = p["contact_fraction"].to("1")
    return (f"ligand density acts through multivalent avidity between {1 / cf:g} and {p['max_bonds'].to('1') / cf:g} "
            "ligands per particle (tumour_delivery.yaml contact_fraction, max_bonds)")


def _acts(scn: Scenario, name: str, lo: float, hi: float, spec: Mapping[str, Any]) -> None:
    """Reject a range over which the variable leaves the model unchanged (low, middle and high compared).

    Unchanged: no rate constant moves by more than ``ACTS_FRACTION / duration`` (1/h), so no transfer moves more
    than that fraction of an amount over the simulated time (a 100 nm particle's renal sieving, ~1e-82 /h, moves by
    less when its charge changes), and the same dose vector.
    """
    from nanodds.analysis.model_params import ScenarioModel

    sm = ScenarioModel(scn, linear=True)
    models = [sm.model({name: v}) for v in (lo, 0.5 * (lo + hi), hi)]
    K0 = models[0].K
    tol = ACTS_FRACTION / scn.duration_h
    if all(np.max(np.abs(m.K - K0)) <= tol and np.array_equal(m.dose_vector, models[0].dose_vector)
           for m in models[1:]):
        raise InputError(f"variables.{name}", dict(spec), f"a range over which {name} changes this scenario's "
                         f"model ({_acts_hint(name)})")


def _schedule_fits(scn: Scenario, raw: Mapping[str, Any], variables: dict[str, Variable]) -> None:
    if "dose_count" not in variables and "dose_interval" not in variables:
        return
    ev = scn.regimen.events
    every = variables["dose_interval"].high if "dose_interval" in variables else \
        (ev[1].start_h - ev[0].start_h if len(ev) > 1 else 0.0)
    count = variables["dose_count"].high if "dose_count" in variables else len(ev)
    if "dose_count" in variables and every <= 0:
        raise InputError("variables.dose_count", "dose_count", "with dose_interval (or a regimen item with every)")
    last = ev[0].start_h + (count - 1) * every
    if last >= scn.duration_h:
        raise InputError("variables.dose_count" if "dose_count" in variables else "variables.dose_interval.high",
                         f"last dose at {last:g} h", f"every dose before simulation.duration ({scn.duration_h:g} h)")


def parse_space(raw: Any, scn: Scenario, scenario_raw: Mapping[str, Any], model: Model) -> DesignSpace:
    """Validate a design space mapping against a scenario (its parsed form, its mapping and its model)."""
    raw = _mapping(raw, "space", "a mapping with variables, objectives (constraints, optimiser)")
    reject_unknown_keys(dict(raw), TOP_KEYS, "")
    rv = _mapping(raw.get("variables"), "variables", "a mapping variable -> range, e.g. diameter: {low: 60 nm, "
                                                     "high: 150 nm}")
    if not rv:
        raise InputError("variables", rv, "at least one variable")
    variables = {str(k): _variable(scn, scenario_raw, str(k), v) for k, v in rv.items()}
    if "release_rate" in variables and ({"release_rate_blood", "release_rate_tissue"} & set(variables)):
        raise InputError("variables.release_rate", "release_rate", "release_rate alone (blood = tissue) or "
                         "release_rate_blood / release_rate_tissue, not both")
    _schedule_fits(scn, scenario_raw, variables)
    ro = raw.get("objectives")
    if not isinstance(ro, list) or not ro:
        raise InputError("objectives", ro, "a list of {name, metric, direction: max|min}")
    objectives = []
    for i, o in enumerate(ro):
        f = f"objectives[{i}]"
        o = _mapping(o, f, "a mapping {name, metric, direction: max|min}")
        reject_unknown_keys(dict(o), OBJECTIVE_KEYS, f)
        name = o.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise InputError(f"{f}.name", name, "a lower-case identifier (letters, digits, _)")
        if o.get("direction") not in ("max", "min"):
            raise InputError(f"{f}.direction", o.get("direction"), "max or min")
        objectives.append(Objective(name, parse_metric(o.get("metric"), f"{f}.metric", model), o["direction"]))
    if len({o.name for o in objectives}) != len(objectives):
        raise InputError("objectives", [o.name for o in objectives], "each objective name once")
    rc = raw.get("constraints", [])
    if not isinstance(rc, list):
        raise InputError("constraints", rc, "a list of {metric, max and/or min}")
    constraints = []
    for i, c in enumerate(rc):
        f = f"constraints[{i}]"
        c = _mapping(c, f, "a mapping {metric, max and/or min}")
        reject_unknown_keys(dict(c), CONSTRAINT_KEYS, f)
        m = parse_metric(c.get("metric"), f"{f}.metric", model)
        if "max" not in c and "min" not in c:
            raise InputError(f, dict(c), "max and/or min (values with units)")
        lo, hi = (to_canonical(c[k], m.unit.replace(" ", "*"), f"{f}.{k}", nonnegative=True) if k in c else None
                  for k in ("min", "max"))
        if any(k in c and not isinstance(c[k], str) for k in ("min", "max")):
            k = "max" if "max" in c and not isinstance(c["max"], str) else "min"
            raise InputError(f"{f}.{k}", c[k], f"a value with its unit ({m.unit})")
        constraints.append(Constraint(m, lo, hi))
    opt = _mapping(raw.get("optimiser", {}), "optimiser", "a mapping {population, generations, seed}")
    reject_unknown_keys(dict(opt), OPTIMISER_KEYS, "optimiser")
    cfg = load_yaml("design/optimiser.yaml")
    pop = _int(opt.get("population", int(cfg["default_population"].value)), "optimiser.population", 2)
    gens = _int(opt.get("generations", int(cfg["default_generations"].value)), "optimiser.generations", 1)
    seed = _int(opt.get("seed", 0), "optimiser.seed", 0)
    cap = int(cfg["max_evaluations"].value)
    if pop * gens > cap:
        raise InputError("optimiser", f"population {pop} x generations {gens} = {pop * gens}",
                         f"at most {cap} evaluations (data/design/optimiser.yaml max_evaluations)")
    desc = raw.get("description", "")
    if not isinstance(desc, str):
        raise InputError("description", desc, "text")
    return DesignSpace(tuple(variables.values()), tuple(objectives), tuple(constraints), pop, gens, seed, desc)
