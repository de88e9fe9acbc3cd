"""Drug specification (free-drug PBPK parameters) from ``data/drugs``."""

from __future__ import annotations

from dataclasses import dataclass

from nanodds.errors import InputError
from nanodds.specs.params import available, load_yaml

TISSUES_WITH_KP: tuple[str, ...] = (
    "lung", "heart", "liver", "spleen", "gut", "kidney", "brain",
    "muscle", "skin", "adipose", "marrow", "rest", "tumour",
)


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
    """

    name: str
    molecular_weight_g_per_mol: float
    fraction_unbound: float
    blood_plasma_ratio: float
    kp: dict[str, float]
    hepatic_blood_cl_L_per_h: float
    renal_plasma_cl_L_per_h: float

    def kp_blood(self, tissue: str) -> float:
        """Tissue:blood partition coefficient Kp / (B:P)."""
        return self.kp[tissue] / self.blood_plasma_ratio


def drug_names() -> list[str]:
    """Drugs with a parameter file."""
    return available("drugs")


def load_drug(name: str, species: str) -> Drug:
    """Load a drug's parameters for a species (clearances of that species' reference individual)."""
    names = drug_names()
    if name not in names:
        raise InputError("drug", name, f"one of {', '.join(names)}")
    d = load_yaml(f"drugs/{name}.yaml")
    cl = d["clearance"]
    if species not in cl:
        raise InputError("species", species, f"a species with {name} clearance data: {', '.join(sorted(cl))}")
    return Drug(
        name=name,
        molecular_weight_g_per_mol=d["molecular_weight"].to("g/mol"),
        fraction_unbound=d["fraction_unbound"].to("1"),
        blood_plasma_ratio=d["blood_plasma_ratio"].to("1"),
        kp={t: d["kp"][t].to("1") for t in TISSUES_WITH_KP},
        hepatic_blood_cl_L_per_h=cl[species]["hepatic_blood"].to("L/h"),
        renal_plasma_cl_L_per_h=cl[species]["renal_plasma"].to("L/h"),
    )
