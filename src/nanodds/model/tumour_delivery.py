"""Mechanistic tumour delivery of carriers: heterogeneous pores, active entry, design and targeting factors.

Parameters live in ``data/carriers/tumour_delivery.yaml`` and ``data/carriers/receptors.yaml`` with sources.
Every factor is 1 for the reference carrier (100 nm sphere, no ligand, no stated material or charge) in the
reference tumour, so the tumour coefficients calibrated in ``carriers/<species>.yaml`` keep their meaning.

- Extravasation: a fraction ``f_act`` of the reference carrier's entry is active trans-endothelial transport
  (Sindhwani 2020), taken as size-independent; the rest passes pores whose diameters are log-normal around the
  tumour's pore cut-off (Hobbs 1998), each with Renkin hindrance.
- MPS: a stated material sets the MPS multiplier; surface charge raises it beyond +-10 mV.
- Targeting: receptor-bound carrier in the tumour interstitium is internalised by tumour cells; off-target
  binding in the liver adds to hepatic capture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nanodds.errors import InputError, known
from nanodds.model.hindrance import renkin
from nanodds.specs.params import load_yaml

N_AVOGADRO = 6.02214076e23
"""Avogadro constant (1/mol), exact SI definition."""
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)  # probabilists' Gauss-Hermite
TUMOUR_DELIVERY_MODES = ("mechanistic", "fitted", "learned")


def params() -> dict:
    """The tumour-delivery data file."""
    return load_yaml("carriers/tumour_delivery.yaml")


@lru_cache(maxsize=4096)
def pore_hindrance(diameter_nm: float, median_pore_nm: float, gsd: float) -> float:
    """Mean Renkin hindrance over log-normally distributed pore diameters (-).

    ``E[Phi(d, p)]`` with ``ln p ~ N(ln median, ln gsd)``, by 40-point Gauss-Hermite quadrature. For
    ``gsd -> 1`` it is the single-pore :func:`~nanodds.model.hindrance.renkin`.
    """
    pores = median_pore_nm * np.exp(np.log(gsd) * _GH_NODES)
    phi = np.array([renkin(diameter_nm, float(p)) for p in pores])
    return float(np.sum(_GH_WEIGHTS * phi) / np.sum(_GH_WEIGHTS))


def tumour_entry_factor(diameter_nm: float, median_pore_nm: float, shape: str | None) -> float:
    """Tumour extravasation relative to the reference carrier in a tumour with the default pores (-).

    ``f_act + (1 - f_act) * s * H(d, pores) / H(d_ref, pores)``; ``s`` = rod factor for rods, else 1.
    Returned times the single-pore Renkin factor of the reference size, ``Phi(d_ref, median pore)``, so the
    reference carrier keeps the value of the former single-pore form (and the calibrated coefficients).
    """
    p = params()
    gsd = p["pore_gsd"].to("1")
    f_act = p["transendothelial_fraction"].to("1")
    d_ref = p["reference_diameter"].to("nm")
    h_ref = pore_hindrance(d_ref, median_pore_nm, gsd)
    s = p["rod_penetration_factor"].to("1") if shape == "rod" else 1.0
    rel = f_act + (1.0 - f_act) * s * pore_hindrance(diameter_nm, median_pore_nm, gsd) / h_ref
    return renkin(d_ref, median_pore_nm) * rel


def material_mps_multiplier(material: str) -> float:
    """MPS multiplier of a carrier material (relative to the PEG-liposome reference)."""
    mats = params()["materials"]
    if not known(material, mats):
        raise InputError("carrier.material", material, f"one of {', '.join(sorted(mats))}")
    return mats[material].to("1")


def charge_mps_factor(zeta_mV: float | None) -> float:
    """Opsonisation/MPS factor of surface charge (-): 1 within +-threshold, exponential beyond."""
    if zeta_mV is None:
        return 1.0
    p = params()
    excess = abs(zeta_mV) - p["mps_charge_threshold"].to("mV")
    if excess <= 0:
        return 1.0
    slope = p["mps_charge_slope_positive" if zeta_mV > 0 else "mps_charge_slope"].to("1/mV")
    return float(np.exp(slope * excess))


def renal_diameter_nm(diameter_nm: float, zeta_mV: float | None) -> float:
    """Diameter (nm) that meets the glomerular filter: charged surfaces gain a protein corona.

    ``d + corona_diameter_increment`` when ``|zeta|`` exceeds ``mps_charge_threshold`` (Choi 2007: serum
    proteins adsorbed on charged coatings add > 15 nm and stop renal excretion), else ``d``; an unstated zeta
    counts as near-neutral.
    """
    if zeta_mV is None:
        return diameter_nm
    p = params()
    if abs(zeta_mV) <= p["mps_charge_threshold"].to("mV"):
        return diameter_nm
    return diameter_nm + p["corona_diameter_increment"].to("nm")


@dataclass(frozen=True)
class Ligand:
    """A targeting ligand on the carrier surface.

    Attributes
    ----------
    type : str
        Ligand class of ``tumour_delivery.yaml`` ``ligands`` (antibody, peptide, ...).
    receptor : str
        Receptor of ``receptors.yaml``.
    density : float
        Ligands per particle (-).
    kd_nM : float
        Monovalent dissociation constant (nM).
    """

    type: str
    receptor: str
    density: float
    kd_nM: float


def ligand_types() -> list[str]:
    """Known ligand classes."""
    return sorted(params()["ligands"])


def receptor_names() -> list[str]:
    """Receptors with densities."""
    return sorted(load_yaml("carriers/receptors.yaml"))


def receptor_per_cell(receptor: str, site: str, cancer_type: str | None = None) -> float:
    """Receptors per cell of ``receptor`` in the tumour (by cancer type) or the liver (-)."""
    r = load_yaml("carriers/receptors.yaml")[receptor]
    if site == "liver":
        return r["liver"].to("1")
    t = r["tumour"]
    return (t[cancer_type] if cancer_type in t else t["default"]).to("1")


def avid_kd_nM(lig: Ligand) -> float:
    """Effective (multivalent) dissociation constant (nM): ``Kd / n_bonds``.

    ``n_bonds = clip(density * contact_fraction, 1, max_bonds)``; one bond gives the monovalent ``Kd``.
    """
    p = params()
    n = float(np.clip(lig.density * p["contact_fraction"].to("1"), 1.0, p["max_bonds"].to("1")))
    return lig.kd_nM / n


def bound_fraction(lig: Ligand, receptors_per_cell: float, cells_per_mL: float) -> float:
    """Fraction of carrier receptor-bound at equilibrium with receptors in excess (-): ``R / (R + Kd_eff)``."""
    return occupancy(lig, receptor_nM(receptors_per_cell, cells_per_mL))


def receptor_nM(receptors_per_cell: float, cells_per_mL: float) -> float:
    """Receptor concentration (nmol/L) of ``receptors_per_cell`` on ``cells_per_mL`` cells per mL."""
    return receptors_per_cell * cells_per_mL * 1e3 / N_AVOGADRO * 1e9  # per mL -> per L, mol -> nmol


def occupancy(lig: Ligand, r_nM: float) -> float:
    """Fraction of carrier receptor-bound with receptors in excess at ``r_nM`` (-): ``R / (R + Kd_eff)``."""
    return r_nM / (r_nM + avid_kd_nM(lig))


def tumour_cell_uptake_per_h(lig: Ligand | None, cancer_type: str | None) -> float:
    """Receptor-mediated uptake rate (1/h) of interstitial carrier into tumour cells (0 without a ligand)."""
    if lig is None:
        return 0.0
    p = params()
    f = bound_fraction(lig, receptor_per_cell(lig.receptor, "tumour", cancer_type), p["cell_density"].to("1/mL"))
    return f * p["internalisation_rate"].to("1/h")


def liver_offtarget_factor(lig: Ligand | None) -> float:
    """Factor on hepatic capture from ligand binding to liver cells (-): ``1 + bound fraction in the liver``."""
    if lig is None:
        return 1.0
    p = params()
    return 1.0 + bound_fraction(lig, receptor_per_cell(lig.receptor, "liver"),
                                p["liver_cell_density"].to("1/mL"))


def tumour_model_factor(model: str | None, kind: str) -> float:
    """Perfusion or macrophage multiplier of a tumour model (-); 1 when the model is not stated."""
    if model is None:
        return 1.0
    return params()["tumour_models"][model][kind].to("1")


def tumour_models() -> list[str]:
    """Known tumour models."""
    return sorted(params()["tumour_models"])


def cancer_types_with_data() -> list[str]:
    """Cancer types (lower case) that change a mechanistic tumour: a pore-size factor or a receptor density of their
    own; any other name takes the defaults."""
    rec = load_yaml("carriers/receptors.yaml")
    names = set(params()["pore_median_by_cancer_type"]) | {c for r in rec.values() for c in r["tumour"]}
    return sorted(names - {"default"})


def pore_median_factor(cancer_type: str | None) -> float:
    """Host-organ factor on the tumour's median pore size (-)."""
    f = params()["pore_median_by_cancer_type"]
    return f[cancer_type].to("1") if cancer_type in f else 1.0


def check_delivery_mode(mode: object) -> str:
    """Validate ``tumour_delivery``; ``learned`` is predicted at parsing (:mod:`nanodds.design.scenario_link`)."""
    if not known(mode, TUMOUR_DELIVERY_MODES):
        raise InputError("tumour_delivery", mode, " or ".join(TUMOUR_DELIVERY_MODES))
    return str(mode)
