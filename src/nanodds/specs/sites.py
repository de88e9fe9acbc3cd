"""Disease sites of a scenario (``sites:``): optional compartments with their own environment.

::

    sites:
      - {type: stroke_lesion, volume: 20 mL, in: brain}
      - type: injured_artery
        volume: 0.1 mL
        wall_shear_rate: 500 1/s
        adhesion: {ligand: glycocalicin, ligand_density: 1000 1/um^2}

Each type (``data/sites/disease_sites.yaml``) gives the site's environment (pH, active MMP, glutathione), its
leakiness (effective pore diameter of its microvessels), tissue blood flow per volume and vascular/interstitial
fractions; a scenario may override ``ph``, ``mmp``, ``pore_diameter`` and ``blood_flow``. An injured artery also
has a wall (lumen diameter, injured length, wall shear rate) where ligand-coated carriers adhere
(:mod:`nanodds.model.adhesion`). Without the block the model is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.model.adhesion import BondPair, bond_pairs, default_ligand_density_per_um2, warn_shear
from nanodds.specs.environment import Environment
from nanodds.specs.params import load_yaml
from nanodds.units import to_canonical

DATA_FILE = "sites/disease_sites.yaml"
KEYS = {"type", "name", "in", "volume", "ph", "mmp", "pore_diameter", "blood_flow"}
WALL_KEYS = {"wall_shear_rate", "lumen_diameter", "injured_length", "adhesion"}
ADHESION_KEYS = {"ligand", "ligand_density"}


@dataclass(frozen=True)
class Adhesion:
    """Ligand coating of the carrier that binds the site's wall receptors."""

    ligand: str
    ligand_density_per_um2: float
    pairs: tuple[tuple[str, BondPair], ...]


@dataclass(frozen=True)
class Wall:
    """Injured vessel wall of a site (canonical units: 1/s, mm)."""

    shear_per_s: float
    lumen_diameter_mm: float
    length_mm: float
    adhesion: Adhesion | None = None


@dataclass(frozen=True)
class Site:
    """One disease site (canonical units: L, L/h, nm)."""

    name: str
    type: str
    host: str
    volume_L: float
    flow_L_per_h: float
    vascular_fraction: float
    interstitial_fraction: float
    pore_diameter_nm: float
    environment: Environment
    wall: Wall | None = None


def site_types() -> list[str]:
    """Site types with data (``data/sites/disease_sites.yaml``)."""
    return sorted(load_yaml(DATA_FILE))


def parse_sites(raw: Any, has_carrier: bool) -> tuple[Site, ...]:
    """Parse a scenario's ``sites:`` list.

    Raises
    ------
    InputError
        Not a list, an unknown type or key, a missing volume, a host organ the type does not allow, a duplicate
        name, an adhesion block without a carrier or with a ligand that has no receptor data at the site.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise InputError("sites", raw, "a list of sites, e.g. [{type: stroke_lesion, volume: 20 mL}]")
    out: list[Site] = []
    for i, item in enumerate(raw):
        site = _parse_one(item, f"sites[{i}]", has_carrier)
        if any(s.name == site.name for s in out):
            raise InputError(f"sites[{i}].name", site.name, "a name not used by another site")
        out.append(site)
    return tuple(out)


def _parse_one(item: Any, fld: str, has_carrier: bool) -> Site:
    data = load_yaml(DATA_FILE)
    if not isinstance(item, dict):
        raise InputError(fld, item, "a mapping {type, volume, in}")
    stype = item.get("type")
    if not known(stype, data):
        raise InputError(f"{fld}.type", stype, f"one of {', '.join(site_types())}")
    d = data[stype]
    reject_unknown_keys(item, KEYS | (WALL_KEYS if "wall" in d else set()), fld)
    name = item.get("name", stype)
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"{fld}.name", name, "a name of letters, digits and underscores")
    host = item.get("in", d["hosts"][0])
    if not known(host, d["hosts"]):
        raise InputError(f"{fld}.in", host, f"one of {', '.join(d['hosts'])} (where a {stype} can be)")
    if "volume" not in item:
        raise InputError(f"{fld}.volume", None, "the site's tissue volume, e.g. '20 mL'")
    vol = to_canonical(item["volume"], "L", f"{fld}.volume", positive=True)
    flow = (to_canonical(item["blood_flow"], "L/h", f"{fld}.blood_flow", positive=True) if "blood_flow" in item
            else d["perfusion"].to("1/h") * vol)
    ph = to_canonical(item.get("ph", d["ph"].to("1")), "", f"{fld}.ph")
    if not 0 < ph < 14:
        raise InputError(f"{fld}.ph", item.get("ph"), "a pH between 0 and 14")
    mmp = (to_canonical(item["mmp"], "nmol/L", f"{fld}.mmp", nonnegative=True) if "mmp" in item
           else d["mmp"].to("nmol/L"))
    pore = (to_canonical(item["pore_diameter"], "nm", f"{fld}.pore_diameter", positive=True)
            if "pore_diameter" in item else d["pore_diameter"].to("nm"))
    from nanodds.release.stimuli import body_temperature_c

    env = Environment(ph=ph, temperature_c=body_temperature_c(), glutathione_mM=d["glutathione"].to("mmol/L"),
                      mmp_nM=mmp)
    wall = _wall(item, d, stype, fld, has_carrier) if "wall" in d else None
    return Site(name=name, type=stype, host=host, volume_L=vol, flow_L_per_h=flow,
                vascular_fraction=d["vascular_fraction"].to("1"),
                interstitial_fraction=d["interstitial_fraction"].to("1"),
                pore_diameter_nm=pore, environment=env, wall=wall)


def _wall(item: dict[str, Any], d: dict[str, Any], stype: str, fld: str, has_carrier: bool) -> Wall:
    w = d["wall"]
    shear = (to_canonical(item["wall_shear_rate"], "1/s", f"{fld}.wall_shear_rate", positive=True)
             if "wall_shear_rate" in item else w["wall_shear_rate"].to("1/s"))
    warn_shear(shear, f"{fld}.wall_shear_rate", item.get("wall_shear_rate", f"{shear:g} 1/s (default)"))
    lumen = (to_canonical(item["lumen_diameter"], "mm", f"{fld}.lumen_diameter", positive=True)
             if "lumen_diameter" in item else w["lumen_diameter"].to("mm"))
    length = (to_canonical(item["injured_length"], "mm", f"{fld}.injured_length", positive=True)
              if "injured_length" in item else w["injured_length"].to("mm"))
    adhesion = None
    if item.get("adhesion") is not None:
        a = item["adhesion"]
        if not isinstance(a, dict):
            raise InputError(f"{fld}.adhesion", a, "a mapping {ligand, ligand_density}")
        reject_unknown_keys(a, ADHESION_KEYS, f"{fld}.adhesion")
        if not has_carrier:
            raise InputError(f"{fld}.adhesion", a, "a scenario with a carrier (the ligand coats the carrier)")
        if "ligand" not in a:
            raise InputError(f"{fld}.adhesion.ligand", None, "the carrier's wall ligand, e.g. glycocalicin")
        pairs = bond_pairs(a["ligand"], stype, f"{fld}.adhesion")
        dens = (to_canonical(a["ligand_density"], "1/um**2", f"{fld}.adhesion.ligand_density", positive=True)
                if "ligand_density" in a else default_ligand_density_per_um2(str(a["ligand"])))
        adhesion = Adhesion(str(a["ligand"]), dens, tuple(sorted(pairs.items())))
    return Wall(shear, lumen, length, adhesion)
