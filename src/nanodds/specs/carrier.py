"""Carrier specification: type defaults from ``data/carriers/carriers.yaml`` with scenario overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.model.tumour_delivery import (
    Ligand,
    charge_mps_factor,
    ligand_types,
    material_mps_multiplier,
    receptor_names,
)
from nanodds.model.tumour_delivery import params as delivery_params
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical, with_unit

CARRIER_KEYS = {"type", "diameter", "pegylated", "drug_loading", "encapsulated_fraction",
                "mps_multiplier", "release", "ligand", "material", "zeta", "shape"}
SHAPES = ("sphere", "rod")
LIGAND_KEYS = {"type", "receptor", "density", "kd"}


@dataclass(frozen=True)
class Carrier:
    """A nanocarrier in canonical units.

    Attributes
    ----------
    type : str
        Key of ``carriers.yaml``.
    diameter_nm : float
        Hydrodynamic diameter (nm).
    pegylated : bool
    drug_loading : float
        Drug mass per carrier mass (mg/mg).
    encapsulated_fraction : float
        Fraction of the dosed drug inside carriers at administration (-).
    mps_multiplier : float
        MPS uptake relative to the species' reference PEG liposome (-).
    release : dict
        Release specification (``model`` plus its parameters), see :mod:`nanodds.model.release_coupling`.
    material : str or None
        Material class (``tumour_delivery.yaml`` ``materials``); sets the MPS multiplier when none is given.
    zeta_mV : float or None
        Zeta potential (mV); charge beyond +-10 mV raises MPS capture.
    shape : str or None
        ``sphere`` or ``rod`` (rods pass tumour pores faster).
    ligand : Ligand or None
        Targeting ligand (receptor binding and internalisation in the tumour, off-target binding in the liver).
    mps_explicit : bool
        ``mps_multiplier`` was given by the scenario (it then wins over ``material`` and ``zeta``).
    """

    type: str
    diameter_nm: float
    pegylated: bool
    drug_loading: float
    encapsulated_fraction: float
    mps_multiplier: float
    release: dict[str, Any] = field(default_factory=dict)
    material: str | None = None
    zeta_mV: float | None = None
    shape: str | None = None
    ligand: Ligand | None = None
    mps_explicit: bool = False


def carrier_types() -> list[str]:
    """Carrier types with defaults."""
    return sorted(load_yaml("carriers/carriers.yaml"))


def build_carrier(raw: Any, field_name: str = "carrier") -> Carrier:
    """Parse a scenario's ``carrier`` mapping (or a bare type name) into a :class:`Carrier`."""
    types = load_yaml("carriers/carriers.yaml")
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise InputError(field_name, raw, "a mapping with at least 'type'")
    reject_unknown_keys(raw, CARRIER_KEYS, field_name)
    ctype = raw.get("type")
    if not isinstance(ctype, str) or not known(ctype, types):
        raise InputError(f"{field_name}.type", ctype, f"one of {', '.join(sorted(types))}")
    d = types[ctype]
    diameter = d["diameter"].to("nm")
    if "diameter" in raw:
        diameter = to_canonical(raw["diameter"], "nm", f"{field_name}.diameter", positive=True)
    peg = raw.get("pegylated", d["pegylated"])
    if not isinstance(peg, bool):
        raise InputError(f"{field_name}.pegylated", peg, "true or false")

    def frac(key: str, lo_open: bool) -> float:
        v = to_canonical(raw[key], "", f"{field_name}.{key}") if key in raw else d[key].to("1")
        if not (0 < v <= 1) if lo_open else not (0 <= v <= 1):
            raise InputError(f"{field_name}.{key}", raw.get(key), "a fraction in (0, 1]" if lo_open
                             else "a fraction in [0, 1]")
        return v

    loading = to_canonical(raw["drug_loading"], "", f"{field_name}.drug_loading", positive=True) \
        if "drug_loading" in raw else d["drug_loading"].to("1")
    mps = to_canonical(raw["mps_multiplier"], "", f"{field_name}.mps_multiplier", nonnegative=True) \
        if "mps_multiplier" in raw else d["mps_multiplier"].to("1")
    release = raw.get("release") or {
        "model": "first_order",
        "rate_blood": with_unit(d["release_rate_blood"].to("1/h"), "1/h"),
        "rate_tissue": with_unit(d["release_rate_tissue"].to("1/h"), "1/h"),
    }
    if not isinstance(release, dict):
        raise InputError(f"{field_name}.release", release, "a mapping with 'model' and its parameters")
    # a 'magnetic' block acts only with an environment.amf window: checked with the scenario's environment
    # (nanodds.specs.triggers.parse_triggers)
    if not peg and "mps_multiplier" not in raw and d["pegylated"]:
        # a PEGylated type declared without PEG: take the non-PEG liposome's relative uptake
        mps = types["conventional_liposome"]["mps_multiplier"].to("1")
    material = raw.get("material")
    if material is not None and "mps_multiplier" not in raw:
        mps = material_mps_multiplier(material)
    zeta = to_canonical(raw["zeta"], "mV", f"{field_name}.zeta") if "zeta" in raw else None
    if zeta is not None and "mps_multiplier" not in raw:
        mps *= charge_mps_factor(zeta)
    shape = raw.get("shape")
    if shape is not None and not known(shape, SHAPES):
        raise InputError(f"{field_name}.shape", shape, " or ".join(SHAPES))
    return Carrier(type=ctype, diameter_nm=diameter, pegylated=peg, drug_loading=loading,
                   encapsulated_fraction=frac("encapsulated_fraction", False), mps_multiplier=mps,
                   release=dict(release), material=material, zeta_mV=zeta, shape=shape,
                   ligand=build_ligand(raw["ligand"], f"{field_name}.ligand") if raw.get("ligand") else None,
                   mps_explicit="mps_multiplier" in raw)


def build_ligand(raw: Any, field_name: str = "carrier.ligand") -> Ligand:
    """Parse ``carrier.ligand`` (a ligand class name, or a mapping with type, receptor, density, kd)."""
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict):
        raise InputError(field_name, raw, "a ligand class name or a mapping with 'type'")
    reject_unknown_keys(raw, LIGAND_KEYS, field_name)
    lt = raw.get("type", "generic")
    if not known(lt, ligand_types()):
        raise InputError(f"{field_name}.type", lt, f"one of {', '.join(ligand_types())}")
    rec = raw.get("receptor", "generic")
    if not known(rec, receptor_names()):
        raise InputError(f"{field_name}.receptor", rec, f"one of {', '.join(receptor_names())}")
    d = delivery_params()["ligands"][lt]
    density = to_canonical(raw["density"], "", f"{field_name}.density", positive=True) \
        if "density" in raw else d["density"].to("1")
    kd = to_canonical(raw["kd"], "nM", f"{field_name}.kd", positive=True) if "kd" in raw else d["kd"].to("nM")
    return Ligand(type=lt, receptor=rec, density=density, kd_nM=kd)
