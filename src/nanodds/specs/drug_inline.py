"""A drug defined inside a scenario from its properties (``drug:`` as a mapping) instead of a packaged file.

A new drug needs no file inside the package. The scenario gives the properties the engine needs, each as
``{value, source}`` (``value`` a quantity such as ``"0.5 L/h"``; a data-file style ``{value, unit, source}``
is accepted too) so that every number carries its unit and where it came from::

    drug:
      name: my_drug
      molecular_weight: {value: 368.4 g/mol, source: "PubChem CID 969516"}
      log_p: {value: 3.1, source: "..."}
      pka_acid: {value: 8.5, source: "..."}          # optional; pka_base likewise
      fraction_unbound: {value: 0.05, source: "..."}
      blood_plasma_ratio: {value: 0.8, source: "..."}
      clearance:
        hepatic_blood: {value: 20 L/h, source: "..."}   # of this scenario's species' reference individual
        renal_plasma: {value: 0.5 L/h, source: "..."}
      kp: {brain: {value: 0.1, source: "..."}}          # optional, per tissue
      bbb:                                              # optional: permeability-limited brain
        permeability_surface: {value: 2 uL/min/g, source: "..."}
        kp_uu: {value: 0.1, source: "..."}

Tissue:plasma partition coefficients not given in ``kp`` are derived with Rodgers & Rowland
(:mod:`nanodds.model.partition`, rat tissue composition as for the packaged drug files). A packaged drug's
name is refused (a scenario naming ``doxorubicin`` would otherwise silently get doxorubicin's PD, metabolite
and oral data through its name).
"""

from __future__ import annotations

from typing import Any

from nanodds.errors import InputError, reject_unknown_keys
from nanodds.model.partition import rodgers_rowland_kp_all
from nanodds.specs.drug import TISSUES_WITH_KP, Drug, drug_names
from nanodds.specs.drug_bbb import parse_drug_bbb
from nanodds.specs.validity import check_range
from nanodds.units import to_canonical

REQUIRED = ("molecular_weight", "log_p", "fraction_unbound", "blood_plasma_ratio")
OPTIONAL = ("pka_base", "pka_acid")
KEYS = {"name", "clearance", "kp", "bbb", *REQUIRED, *OPTIONAL}
CLEARANCE_KEYS = {"hepatic_blood", "renal_plasma"}
LEAF_KEYS = {"value", "unit", "source"}


def _leaf(raw: Any, field: str, unit: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """A ``{value, source}`` (or ``{value, unit, source}``) entry as a float in ``unit``."""
    if not isinstance(raw, dict):
        raise InputError(field, raw, "a mapping {value, source}, e.g. {value: '0.5 L/h', source: 'ref'}")
    reject_unknown_keys(raw, LEAF_KEYS, field)
    if "value" not in raw:
        raise InputError(f"{field}.value", None, "the value with its unit, e.g. '0.5 L/h'")
    src = raw.get("source")
    if not isinstance(src, str) or not src.strip():
        raise InputError(f"{field}.source", src, "where the value comes from (a citation, or 'assumption: why')")
    value = raw["value"]
    if "unit" in raw:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InputError(f"{field}.value", value, "a number when a separate unit is given")
        value = f"{value!r} {raw['unit']}" if str(raw["unit"]) not in ("", "1") else value
    return to_canonical(value, unit, f"{field}.value", positive=positive, nonnegative=nonnegative)


def _ranged(raw: Any, field: str, key: str) -> float:
    """A dimensionless entry checked against ``data/validity/ranges.yaml`` ``key`` (error beyond its error
    limits, warning outside its validated range)."""
    v = _leaf(raw, field, "1")
    check_range(f"{field}.value", v, raw.get("value"), key, "1")
    return v


def is_inline(raw: Any) -> bool:
    """True when a scenario's ``drug:`` is a property mapping rather than a packaged drug's name."""
    return isinstance(raw, dict)


def build_inline_drug(raw: dict[str, Any], field: str = "drug") -> Drug:
    """Parse an inline drug definition into a :class:`~nanodds.specs.drug.Drug` (canonical units).

    Parameters
    ----------
    raw : dict
        The scenario's ``drug:`` mapping (see the module docstring).
    field : str
        Dotted path for error messages.

    Raises
    ------
    InputError
        A missing or unknown key, a bare number for a quantity with units, a missing source, a fraction
        unbound outside (0, 1], a pKa outside 0-14, a packaged drug's name.
    """
    reject_unknown_keys(raw, KEYS, field)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{field}.name", name, "a name for the new drug, e.g. dexamethasone")
    name = name.strip()
    if name in drug_names():
        raise InputError(f"{field}.name", name, "a name that is not a packaged drug (write 'drug: "
                         f"{name}' to use the packaged file, or rename the inline drug)")
    for k in REQUIRED:
        if k not in raw:
            raise InputError(f"{field}.{k}", None, "a {value, source} entry (required for an inline drug)")
    mw = _leaf(raw["molecular_weight"], f"{field}.molecular_weight", "g/mol", positive=True)
    log_p = _ranged(raw["log_p"], f"{field}.log_p", "drug_log_p")
    fu = _leaf(raw["fraction_unbound"], f"{field}.fraction_unbound", "1", positive=True)
    if fu > 1.0:
        raise InputError(f"{field}.fraction_unbound.value", raw["fraction_unbound"].get("value"),
                         "a fraction in (0, 1]")
    bp = _leaf(raw["blood_plasma_ratio"], f"{field}.blood_plasma_ratio", "1", positive=True)
    pka = {k: _ranged(raw[k], f"{field}.{k}", "drug_pka") if k in raw else None for k in OPTIONAL}
    cl = raw.get("clearance")
    if not isinstance(cl, dict):
        raise InputError(f"{field}.clearance", cl, "a mapping with hepatic_blood and renal_plasma entries")
    reject_unknown_keys(cl, CLEARANCE_KEYS, f"{field}.clearance")
    for k in sorted(CLEARANCE_KEYS):
        if k not in cl:
            raise InputError(f"{field}.clearance.{k}", None, "a {value, source} entry in L/h (required)")
    cl_h = _leaf(cl["hepatic_blood"], f"{field}.clearance.hepatic_blood", "L/h", nonnegative=True)
    cl_r = _leaf(cl["renal_plasma"], f"{field}.clearance.renal_plasma", "L/h", nonnegative=True)
    props = {"log_p": log_p, "pka_base": pka["pka_base"], "pka_acid": pka["pka_acid"], "fu": fu, "bp": bp}
    kp = rodgers_rowland_kp_all(props, tissues=TISSUES_WITH_KP)
    given = raw.get("kp") or {}
    if not isinstance(given, dict):
        raise InputError(f"{field}.kp", given, "a mapping tissue -> {value, source}")
    reject_unknown_keys(given, set(TISSUES_WITH_KP), f"{field}.kp")
    for t, leaf in given.items():
        kp[t] = _leaf(leaf, f"{field}.kp.{t}", "1", positive=True)
    return Drug(name=name, molecular_weight_g_per_mol=mw, fraction_unbound=fu, blood_plasma_ratio=bp, kp=kp,
                hepatic_blood_cl_L_per_h=cl_h, renal_plasma_cl_L_per_h=cl_r,
                bbb=parse_drug_bbb(raw.get("bbb"), f"{field}.bbb", _leaf))
