"""Drug specification (free-drug PBPK parameters) from ``data/drugs``."""

from __future__ import annotations

from dataclasses import dataclass, field

from nanodds.errors import InputError, known
from nanodds.specs.drug_bbb import DrugBBB, parse_drug_bbb
from nanodds.specs.params import Param, available, load_yaml

TISSUES_WITH_KP: tuple[str, ...] = (
    "lung", "heart", "liver", "spleen", "gut", "kidney", "brain",
    "muscle", "skin", "adipose", "marrow", "rest", "tumour",
)


@dataclass(frozen=True)
class IntracellularBinding:
    """Intracellular binding of a drug to a target (DNA, tubulin, ...) in one species, canonical units.

    Attributes
    ----------
    kd_umol_per_L : float
        Dissociation constant of the drug-binding-site complex (umol/L of unbound drug).
    k_off_per_h : float
        Dissociation rate constant (1/h); ``k_on = k_off / Kd``.
    capacity_umol_per_L : dict
        Binding-site concentration per organ (umol/L tissue = nmol/g at density 1).
    target : str
        What the drug binds (reporting only).
    """

    kd_umol_per_L: float
    k_off_per_h: float
    capacity_umol_per_L: dict[str, float]
    target: str = "DNA"


DnaBinding = IntracellularBinding  # the first binding block (doxorubicin) was DNA binding


@dataclass(frozen=True)
class MetaboliteLink:
    """An active metabolite formed from part of a drug's hepatic clearance.

    Attributes
    ----------
    name : str
        Drug file of the metabolite (``data/drugs/<name>.yaml``).
    fraction_of_hepatic_clearance : float
        Fraction (-) of the parent's hepatic elimination that forms the metabolite.
    """

    name: str
    fraction_of_hepatic_clearance: float


@dataclass(frozen=True)
class Drug:
    """Free-drug parameters in canonical units.

    Attributes
    ----------
    name : str
    molecular_weight_g_per_mol : float
    fraction_unbound : float
        Unbound fraction in plasma (-).
    blood_plasma_ratio : float
        Blood:plasma concentration ratio (-).
    kp : dict
        Tissue:plasma partition coefficients (-).
    hepatic_blood_cl_L_per_h, renal_plasma_cl_L_per_h : float
        Clearances of the species' reference individual (L/h).
    dna_binding : IntracellularBinding or None
        Intracellular binding (``intracellular_binding`` or, for DNA, ``dna_binding`` block of the drug file),
        None when the file has neither.
    metabolite : MetaboliteLink or None
        Active metabolite (``metabolite`` block of the drug file), None when the file has none.
    bbb : DrugBBB or None
        Blood-brain-barrier transport (``bbb`` block); None keeps the brain perfusion-limited.
    """

    name: str
    molecular_weight_g_per_mol: float
    fraction_unbound: float
    blood_plasma_ratio: float
    kp: dict[str, float]
    hepatic_blood_cl_L_per_h: float
    renal_plasma_cl_L_per_h: float
    dna_binding: IntracellularBinding | None = field(default=None, compare=False)
    metabolite: MetaboliteLink | None = field(default=None, compare=False)
    bbb: DrugBBB | None = None

    def kp_blood(self, tissue: str) -> float:
        """Tissue:blood partition coefficient Kp / (B:P)."""
        return self.kp[tissue] / self.blood_plasma_ratio


def drug_names() -> list[str]:
    """Drugs with a parameter file."""
    return available("drugs")


def load_drug(name: str, species: str) -> Drug:
    """Load a drug's parameters for a species (clearances of that species' reference individual)."""
    names = drug_names()
    if not known(name, names):
        raise InputError("drug", name, f"one of {', '.join(names)}")
    d = load_yaml(f"drugs/{name}.yaml")
    cl = d["clearance"]
    if not known(species, cl):
        raise InputError("species", species, f"a species with {name} clearance data: {', '.join(sorted(cl))}")
    return Drug(
        name=name,
        molecular_weight_g_per_mol=d["molecular_weight"].to("g/mol"),
        fraction_unbound=d["fraction_unbound"].to("1"),
        blood_plasma_ratio=d["blood_plasma_ratio"].to("1"),
        kp={t: d["kp"][t].to("1") for t in TISSUES_WITH_KP},
        hepatic_blood_cl_L_per_h=cl[species]["hepatic_blood"].to("L/h"),
        renal_plasma_cl_L_per_h=cl[species]["renal_plasma"].to("L/h"),
        dna_binding=_intracellular_binding(d, name, species),
        metabolite=_metabolite(d.get("metabolite"), name),
        bbb=parse_drug_bbb(d.get("bbb"), f"drug {name} bbb", _param_leaf),
    )


def _param_leaf(node: object, field: str, unit: str) -> float:
    """A data-file leaf (:class:`~nanodds.specs.params.Param`) in ``unit``."""
    if not isinstance(node, Param):
        raise InputError(field, node, "a {value, unit, source} entry")
    return node.to(unit)


def _metabolite(raw: dict | None, name: str) -> MetaboliteLink | None:
    """Parse a drug file's ``metabolite`` block (None when the file has none)."""
    if raw is None:
        return None
    met = str(raw["name"])
    if not known(met, drug_names()):
        raise InputError(f"drug {name} metabolite", met, f"one of {', '.join(drug_names())}")
    f = raw["fraction_of_hepatic_clearance"].to("1")
    if not 0.0 <= f <= 1.0:
        raise InputError(f"drug {name} metabolite fraction_of_hepatic_clearance", f, "a fraction in [0, 1]")
    return MetaboliteLink(name=met, fraction_of_hepatic_clearance=f)


def _intracellular_binding(d: dict, name: str, species: str) -> IntracellularBinding | None:
    """Parse a drug file's ``intracellular_binding`` block (sites in ``site_concentration``) or its legacy
    ``dna_binding`` block (sites in ``dna_content``) for one species; None when the file has neither."""
    if "intracellular_binding" in d and "dna_binding" in d:
        raise InputError(f"drug {name}", "both intracellular_binding and dna_binding", "at most one binding block")
    if "intracellular_binding" in d:
        raw, key = d["intracellular_binding"], "site_concentration"
        target = str(raw.get("target", "unspecified"))
    elif "dna_binding" in d:
        raw, key, target = d["dna_binding"], "dna_content", "DNA"
    else:
        return None
    content = raw[key]
    if not known(species, content):
        raise InputError("species", species, f"a species with {name} {key} data: {', '.join(sorted(content))}")
    return IntracellularBinding(
        kd_umol_per_L=raw["kd"].to("umol/L"),
        k_off_per_h=raw["k_off"].to("1/h"),
        capacity_umol_per_L={t: content[species][t].to("umol/L") for t in TISSUES_WITH_KP},
        target=target,
    )
