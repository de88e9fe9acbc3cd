"""Export a built :class:`~nanodds.model.structure.Model` as SBML Level 3 Version 2 (python-libsbml).

The exported document reproduces ``dy/dt = K y + u(t)`` with the saturable terms, so any SBML tool
(libRoadRunner, COPASI, tellurium) simulates the same kinetics as :mod:`nanodds.solve`:

* one compartment ``body`` (size 1 L, constant) holding one species per state, in amounts
  (``hasOnlySubstanceUnits=true``, substance unit ``mg``); time in ``hour``;
* one constant global parameter per transfer, ``k_<src>__<dst>`` (1/h), and one irreversible mass-action
  reaction ``src -> dst`` with kinetic law ``k * src`` per nonzero off-diagonal entry ``K[dst, src]``;
* a capacity-limited (saturable) transfer is its own reaction ``src -> dst`` with parameters
  ``ksat_<n>`` (1/h) and ``cap_<n>`` (mg) and law ``ksat * (1 - min(1, max(0, pc/cap))) * src`` (``pc``
  is a modifier). This is the uptake itself written as it is, the cleanest of the two equivalent forms:
  the linear reaction of the same pair keeps only the non-saturable remainder ``K[dst, src] - ksat``
  (none for the MPS uptake), which is what the stiff solver computes as the full rate minus the
  withdrawn saturated part ``ksat * min(1, pc/cap) * src``;
* doses: boluses at t = 0 are initial amounts, later boluses are events adding ``amount * dose_vector``,
  infusions are a parameter ``infusion_rate`` (mg/h) given by an assignment rule
  ``piecewise(infusion_rate_k, start <= time && time < end, 0) + ...`` (one constant
  parameter ``infusion_rate_k`` in mg/h per infusion) and one zero-order dosing reaction per dosed state
  (law ``fraction * infusion_rate``);
* rate-matrix changes in time (``Model.k_schedule``, e.g. hyperthermia) are events re-assigning the
  affected rate parameters;
* observables are parameters ``obs_<name>`` (units mg/L or mg) defined by assignment rules ``sum w_i s_i``.

Numbers are written with 17 significant digits (``repr``), so the exported rates are bit-identical.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nanodds.model.structure import Model
from nanodds.specs.regimen import DoseEvent

__all__ = ["species_ids", "to_sbml", "write_sbml"]

_UNITS: dict[str, list[tuple[int, float, int, float]]] = {
    # id: [(kind, exponent, scale, multiplier)]
    "hour": [(0, 1.0, 0, 3600.0)],
    "mg": [(1, 1.0, -3, 1.0)],
    "per_hour": [(0, -1.0, 0, 3600.0)],
    "mg_per_hour": [(1, 1.0, -3, 1.0), (0, -1.0, 0, 3600.0)],
    "per_litre": [(2, -1.0, 0, 1.0)],
    "mg_per_litre": [(1, 1.0, -3, 1.0), (2, -1.0, 0, 1.0)],
}
_UNIT_OF_OBSERVABLE = {"mg/L": ("mg_per_litre", "per_litre"), "mg": ("mg", "dimensionless")}


def _lib() -> Any:
    try:
        import libsbml
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError("SBML export needs python-libsbml: pip install 'nanodds[sbml]'") from exc
    return libsbml


def _sid(text: str) -> str:
    s = text.replace(":", "__")
    s = re.sub(r"[^A-Za-z0-9_]", "_", s)
    return s if re.match(r"[A-Za-z_]", s) else f"_{s}"


def _unique(base: str, taken: set[str]) -> str:
    out, k = base, 2
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


def species_ids(model: Model) -> list[str]:
    """SBML species id of each state (``free:liver`` -> ``s_free__liver``), in state order."""
    taken: set[str] = set()
    return [_unique(f"s_{_sid(nm)}", taken) for nm in model.names]


def _num(x: float, unit: str | None = None) -> str:
    """A literal with full precision (and an SBML unit for the L3 parser)."""
    s = repr(float(x))
    return f"{s} {unit}" if unit else s


def _check(code: int, what: str) -> None:
    lib = _lib()
    if code != lib.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed on {what}: {lib.OperationReturnValue_toString(code)}")


def _math(formula: str) -> Any:
    lib = _lib()
    ast = lib.parseL3Formula(formula)
    if ast is None:
        raise RuntimeError(f"libsbml could not parse {formula!r}: {lib.getLastParseL3Error()}")
    return ast


def _param(m: Any, pid: str, value: float, units: str, constant: bool, name: str = "") -> Any:
    p = m.createParameter()
    _check(p.setId(pid), pid)
    if name:
        p.setName(name)
    p.setValue(float(value))
    p.setUnits(units)
    p.setConstant(constant)
    return p


def _reaction(m: Any, rid: str, reactant: str | None, product: str, law: str,
              modifiers: Sequence[str] = (), name: str = "") -> None:
    r = m.createReaction()
    _check(r.setId(rid), rid)
    if name:
        r.setName(name)
    r.setReversible(False)
    if reactant is not None:
        sr = r.createReactant()
        sr.setSpecies(reactant)
        sr.setStoichiometry(1.0)
        sr.setConstant(True)
    sp = r.createProduct()
    sp.setSpecies(product)
    sp.setStoichiometry(1.0)
    sp.setConstant(True)
    for mod in modifiers:
        r.createModifier().setSpecies(mod)
    _check(r.createKineticLaw().setMath(_math(law)), f"kinetic law of {rid}")


def _event(m: Any, eid: str, t_h: float, assignments: Sequence[tuple[str, str]]) -> None:
    ev = m.createEvent()
    _check(ev.setId(eid), eid)
    ev.setUseValuesFromTriggerTime(True)
    tr = ev.createTrigger()
    tr.setInitialValue(False)
    tr.setPersistent(True)
    tr.setMath(_math(f"time >= {_num(t_h, 'hour')}"))
    for var, formula in assignments:
        ea = ev.createEventAssignment()
        ea.setVariable(var)
        _check(ea.setMath(_math(formula)), f"event assignment {eid}.{var}")


def _tags(model: Model, i: int, j: int) -> str:
    parts = model.meta.get("K_parts", {})
    return ", ".join(t for t, P in parts.items() if P[j, i] != 0)  # type: ignore[union-attr]


def to_sbml(model: Model, events: Sequence[DoseEvent] = (), *, name: str = "nanodds") -> str:
    """SBML L3V2 text of ``model`` dosed by ``events``.

    Parameters
    ----------
    model : Model
        A built model (``nanodds.engine.build``); its saturable terms are exported as they are (call
        ``model.linear()`` first for the unsaturated limit).
    events : sequence of DoseEvent
        Administrations (start h, amount mg of drug, duration h; 0 = bolus), distributed over the states
        by ``model.dose_vector``.
    name : str
        Model name (its SBML id is the name made into an identifier).

    Returns
    -------
    str
        The SBML document (UTF-8 XML).
    """
    lib = _lib()
    doc = lib.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(_sid(name))
    m.setName(name)
    for uid, parts in _UNITS.items():
        ud = m.createUnitDefinition()
        ud.setId(uid)
        for kind, exp, scale, mult in parts:
            u = ud.createUnit()
            u.setKind([lib.UNIT_KIND_SECOND, lib.UNIT_KIND_GRAM, lib.UNIT_KIND_LITRE][kind])
            u.setExponent(exp)
            u.setScale(scale)
            u.setMultiplier(mult)
    m.setTimeUnits("hour")
    m.setSubstanceUnits("mg")
    m.setExtentUnits("mg")
    m.setVolumeUnits("litre")
    c = m.createCompartment()
    c.setId("body")
    c.setName("whole body (notional; states are amounts)")
    c.setSize(1.0)
    c.setSpatialDimensions(3)
    c.setUnits("litre")
    c.setConstant(True)

    ids = species_ids(model)
    dv = np.asarray(model.dose_vector, dtype=float)
    y0 = sum((e.amount_mg * dv for e in events if e.duration_h == 0 and e.start_h <= 0.0), np.zeros(model.n))
    for sid, nm, a0 in zip(ids, model.names, y0, strict=True):
        s = m.createSpecies()
        s.setId(sid)
        s.setName(nm)
        s.setCompartment("body")
        s.setInitialAmount(float(a0))
        s.setSubstanceUnits("mg")
        s.setHasOnlySubstanceUnits(True)
        s.setBoundaryCondition(False)
        s.setConstant(False)

    # linear transfers: every pair that is nonzero in K or in any scheduled K
    K0 = model.k_at(0.0)
    mats = [K0] + [Kt for t0, Kt in model.k_schedule if t0 > 0]
    sat_k: dict[tuple[int, int], float] = defaultdict(float)
    for st in model.saturable:
        sat_k[(st.src, st.dst)] += st.rate_per_h
    offdiag = ~np.eye(model.n, dtype=bool)
    nz = np.zeros((model.n, model.n), dtype=bool)
    for Kt in mats:
        nz |= (Kt != 0) & offdiag
    taken: set[str] = set(ids)
    par_of: dict[tuple[int, int], str] = {}
    for j, i in sorted(zip(*np.nonzero(nz), strict=True), key=lambda p: (p[1], p[0])):
        vals = [Kt[j, i] - sat_k.get((i, j), 0.0) for Kt in mats]
        scale = max(abs(Kt[j, i]) for Kt in mats)
        if all(abs(v) <= 1e-12 * scale for v in vals):
            continue  # the whole transfer is the saturable reaction
        base = f"{ids[i][2:]}__{ids[j][2:]}"
        pid = _unique(f"k_{base}", taken)
        par_of[(i, j)] = pid
        _param(m, pid, vals[0], "per_hour", not model.k_schedule,
               f"{model.names[i]} -> {model.names[j]} ({_tags(model, i, j) or 'transfer'})")
        _reaction(m, _unique(f"r_{base}", taken), ids[i], ids[j], f"{pid} * {ids[i]}",
                  name=f"{model.names[i]} -> {model.names[j]}")
    for n_, st in enumerate(model.saturable):
        kid, cid = f"ksat_{n_}", f"cap_{n_}"
        taken.update((kid, cid))
        _param(m, kid, st.rate_per_h, "per_hour", True,
               f"saturable uptake {model.names[st.src]} -> {model.names[st.dst]}")
        _param(m, cid, st.capacity_mg, "mg", True, f"capacity of {model.names[st.pc]}")
        mods = [ids[st.pc]] if st.pc not in (st.src, st.dst) else []
        one, zero = _num(1.0, "dimensionless"), _num(0.0, "dimensionless")
        law = f"{kid} * ({one} - min({one}, max({zero}, {ids[st.pc]} / {cid}))) * {ids[st.src]}"
        _reaction(m, _unique(f"r_sat_{n_}", taken), ids[st.src], ids[st.dst], law, mods,
                  name=f"saturable {model.names[st.src]} -> {model.names[st.dst]}")

    # doses after t = 0
    later: dict[float, float] = defaultdict(float)
    for e in events:
        if e.duration_h == 0 and e.start_h > 0:
            later[e.start_h] += e.amount_mg
    dosed = np.nonzero(dv)[0]
    for k, (t, amt) in enumerate(sorted(later.items())):
        _event(m, f"ev_bolus_{k}", t, [(ids[i], f"{ids[i]} + {_num(amt * dv[i], 'mg')}") for i in dosed])
    infusions = [e for e in events if e.duration_h > 0]
    if infusions:
        # each infusion's rate is a parameter, so a loaded model is re-dosed without recompiling
        for k, e in enumerate(infusions):
            taken.add(f"infusion_rate_{k}")
            _param(m, f"infusion_rate_{k}", e.rate_mg_per_h, "mg_per_hour", True, f"rate of infusion {k}")
        pieces = [f"piecewise(infusion_rate_{k}, (time >= {_num(e.start_h, 'hour')}) && "
                  f"(time < {_num(e.start_h + e.duration_h, 'hour')}), {_num(0.0, 'mg_per_hour')})"
                  for k, e in enumerate(infusions)]
        _param(m, "infusion_rate", 0.0, "mg_per_hour", False, "total IV infusion rate of drug")
        rule = m.createAssignmentRule()
        rule.setVariable("infusion_rate")
        _check(rule.setMath(_math(" + ".join(pieces))), "infusion_rate rule")
        for i in dosed:
            _reaction(m, _unique(f"r_dose_{ids[i][2:]}", taken), None, ids[i],
                      f"{_num(dv[i], 'dimensionless')} * infusion_rate", name=f"infusion into {model.names[i]}")
    for k, (t0, Kt) in enumerate((t0, Kt) for t0, Kt in model.k_schedule if t0 > 0):
        assigns = [(pid, _num(Kt[j, i] - sat_k.get((i, j), 0.0), "per_hour")) for (i, j), pid in par_of.items()]
        _event(m, f"ev_rates_{k}", t0, assigns)

    for oname, ob in model.observables.items():
        unit, wunit = _UNIT_OF_OBSERVABLE.get(ob.unit, ("dimensionless", "dimensionless"))
        pid = _unique(f"obs_{_sid(oname)}", taken)
        _param(m, pid, 0.0, unit, False, ob.label)
        terms = [f"{_num(w, wunit)} * {ids[i]}" for i, w in enumerate(ob.weights) if w != 0]
        rule = m.createAssignmentRule()
        rule.setVariable(pid)
        _check(rule.setMath(_math(" + ".join(terms) if terms else _num(0.0, unit))), f"rule {pid}")
    return lib.writeSBMLToString(doc)


def write_sbml(model: Model, events: Sequence[DoseEvent], path: str | Path, *, name: str = "nanodds") -> Path:
    """Write :func:`to_sbml` to ``path`` (UTF-8, atomically: temporary file + rename) and return the path."""
    from nanodds.io.atomic import write_text

    return write_text(path, to_sbml(model, events, name=name))
