"""Mechanistic tissue:plasma partition coefficients (Rodgers & Rowland).

Implements the tissue-composition equations of

* Rodgers T, Leahy D, Rowland M. J Pharm Sci 2005;94:1259-1276, doi:10.1002/jps.20322 -- moderate-to-strong
  bases (basic pKa >= threshold): electrostatic binding of the cation to tissue acidic phospholipids, with the
  association constant derived from the blood:plasma ratio and the erythrocyte composition;
* Rodgers T, Rowland M. J Pharm Sci 2006;95:1238-1257, doi:10.1002/jps.20502 -- neutrals, acids and weak
  bases: binding to albumin (acids, weak bases) or lipoproteins (neutrals), scaled from plasma by the tissue
  ratio.

Both give the unbound partition coefficient Kpu (tissue total / plasma unbound); ``Kp = Kpu * fu``.
All constants (pH values, haematocrit, the 0.3/0.7 phospholipid weights, the oil:water relation, the base
threshold) come from the composition file ``data/tissue_composition/<name>.yaml``; drug properties from the
drug file (see :func:`drug_properties`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nanodds.errors import InputError, known
from nanodds.specs.params import Param, load_yaml

DEFAULT_COMPOSITION = "tissue_composition/rat_rodgers2005.yaml"
"""Composition file used when none is given (rat, Rodgers 2005 Table 1)."""

ADIPOSE = "adipose"
"""Tissue whose neutral lipid is modelled as vegetable oil (Rodgers 2005)."""


def _f(node: Param | float, unit: str = "1") -> float:
    return node.to(unit) if isinstance(node, Param) else float(node)


def drug_properties(drug: Mapping[str, Any]) -> dict[str, float | None]:
    """Plain-float drug properties for the Kp equations from a loaded drug YAML.

    Parameters
    ----------
    drug : mapping
        Output of ``load_yaml("drugs/<name>.yaml")``; needs ``log_p``, ``fraction_unbound``,
        ``blood_plasma_ratio`` and optionally ``pka_base`` / ``pka_acid``.

    Returns
    -------
    dict
        ``log_p`` (octanol:water, log10, dimensionless), ``pka_base``, ``pka_acid`` (``None`` if absent),
        ``fu`` (fraction unbound in plasma, 1), ``bp`` (blood:plasma concentration ratio, 1). A caller may
        add ``ka_ap`` (per mg/g) to impose a measured acidic-phospholipid affinity instead of the derived one.
    """
    def opt(key: str) -> float | None:
        return _f(drug[key]) if key in drug else None

    return {"log_p": _f(drug["log_p"]), "pka_base": opt("pka_base"), "pka_acid": opt("pka_acid"),
            "fu": _f(drug["fraction_unbound"]), "bp": _f(drug["blood_plasma_ratio"])}


def _ionisation(ph: float, pka_base: float | None, pka_acid: float | None) -> tuple[float, float]:
    """Total-to-neutral ratio and cation-to-neutral ratio at ``ph`` (Henderson-Hasselbalch).

    Zwitterionic and neutral microspecies are lumped as 'neutral', as in Rodgers 2005.
    """
    cation = 10.0 ** (pka_base - ph) if pka_base is not None else 0.0
    anion = 10.0 ** (ph - pka_acid) if pka_acid is not None else 0.0
    return 1.0 + cation + anion, cation


def _lipid_term(p: float, f_nl: float, f_np: float, method: Mapping[str, Param]) -> float:
    """Neutral-species uptake into neutral lipid and neutral phospholipid, P fNL + (aP + b) fNP."""
    a = _f(method["phospholipid_lipid_weight"])
    b = _f(method["phospholipid_water_weight"])
    return p * f_nl + (a * p + b) * f_np


def _p_for(tissue: str, log_p: float, method: Mapping[str, Param]) -> float:
    """Octanol:water P, or the vegetable-oil:water P for adipose (Leo et al. 1971 relation)."""
    if tissue == ADIPOSE:
        slope = _f(method["vegetable_oil_logp_slope"])
        icept = _f(method["vegetable_oil_logp_intercept"])
        return 10.0 ** (slope * log_p + icept)
    return 10.0 ** log_p


def _is_strong_base(drug_props: Mapping[str, Any], composition: Mapping[str, Any]) -> bool:
    pka_b = drug_props.get("pka_base")
    return pka_b is not None and pka_b >= _f(composition["method"]["base_pka_threshold"])


def acidic_phospholipid_affinity(drug_props: Mapping[str, Any], composition: Mapping[str, Any]) -> float:
    """Association constant KaAP of the cation for acidic phospholipids (per mg/g), Rodgers 2005.

    From the erythrocyte Kpu implied by the blood:plasma ratio,
    ``Kpu_BC = (Hct - 1 + B:P) / (Hct fu)``, minus the water and neutral-lipid terms of erythrocytes:
    ``KaAP = [Kpu_BC - X_BC/Y fIW,BC - (P fNL,BC + (0.3P+0.7) fNP,BC)/Y] Y / ([AP]BC 10^(pKa - pH_BC))``.

    Returns
    -------
    float
        KaAP in (mg/g)^-1, clipped at 0 (Rodgers 2005 set negative estimates to zero); ``drug_props['ka_ap']``
        if given. At fixed B:P a higher log P lowers KaAP (more of the blood-cell uptake is lipid partition).
    """
    if drug_props.get("ka_ap") is not None:
        return float(drug_props["ka_ap"])
    hct = _f(composition["hematocrit"])
    ery, ph, method = composition["erythrocytes"], composition["ph"], composition["method"]
    kpu_bc = (hct - 1.0 + drug_props["bp"]) / (hct * drug_props["fu"])
    y, _ = _ionisation(_f(ph["plasma"]), drug_props["pka_base"], drug_props.get("pka_acid"))
    x_bc, cat_bc = _ionisation(_f(ph["erythrocytes"]), drug_props["pka_base"], drug_props.get("pka_acid"))
    p = 10.0 ** drug_props["log_p"]
    rest = (x_bc / y * _f(ery["intracellular_water"])
            + _lipid_term(p, _f(ery["neutral_lipid"]), _f(ery["neutral_phospholipid"]), method) / y)
    ka = (kpu_bc - rest) * y / (_f(ery["acidic_phospholipid"], "mg/g") * cat_bc)
    return max(ka, 0.0)


def _protein_binding(drug_props: Mapping[str, Any], composition: Mapping[str, Any], y: float) -> float:
    """KaPR [PR]_plasma of Rodgers & Rowland 2006: 1/fu - 1 - (P fNL,p + (0.3P+0.7) fNP,p)/Y, >= 0."""
    pl = composition["plasma"]
    p = 10.0 ** drug_props["log_p"]
    lip = _lipid_term(p, _f(pl["neutral_lipid"]), _f(pl["neutral_phospholipid"]), composition["method"])
    return max(1.0 / drug_props["fu"] - 1.0 - lip / y, 0.0)


def rodgers_rowland_kpu(drug_props: Mapping[str, Any], tissue: str, composition: Mapping[str, Any]) -> float:
    """Unbound tissue partition coefficient Kpu (tissue total / plasma unbound), dimensionless.

    Base branch (Rodgers 2005, basic pKa >= threshold)::

        Kpu = fEW + X/Y fIW + (P fNL + (0.3P+0.7) fNP)/Y + KaAP [AP]T 10^(pKa - pH_IW)/Y

    Neutral / acid / weak-base branch (Rodgers & Rowland 2006)::

        Kpu = fEW + X/Y fIW + (P fNL + (0.3P+0.7) fNP)/Y + KaPR [PR]p * (tissue:plasma protein ratio)

    with X, Y the total/neutral ratios at intracellular and plasma pH; the protein is albumin for acids and
    weak bases and lipoprotein for neutrals. For adipose P is the vegetable-oil:water coefficient.

    Parameters
    ----------
    drug_props : mapping
        See :func:`drug_properties`.
    tissue : str
        A key of ``composition['tissues']``.
    composition : mapping
        A loaded composition file (``load_yaml``), e.g. :data:`DEFAULT_COMPOSITION`.
    """
    tissues = composition["tissues"]
    if not known(tissue, tissues):
        raise InputError("tissue", tissue, f"one of {', '.join(sorted(tissues))}")
    t, ph, method = tissues[tissue], composition["ph"], composition["method"]
    pka_b, pka_a = drug_props.get("pka_base"), drug_props.get("pka_acid")
    y, _ = _ionisation(_f(ph["plasma"]), pka_b, pka_a)
    x, cation_iw = _ionisation(_f(ph["intracellular"]), pka_b, pka_a)
    p = _p_for(tissue, drug_props["log_p"], method)
    kpu = (_f(t["extracellular_water"]) + x / y * _f(t["intracellular_water"])
           + _lipid_term(p, _f(t["neutral_lipid"]), _f(t["neutral_phospholipid"]), method) / y)
    if _is_strong_base(drug_props, composition):
        ka = acidic_phospholipid_affinity(drug_props, composition)
        return kpu + ka * _f(t["acidic_phospholipid"], "mg/g") * cation_iw / y
    neutral = pka_b is None and pka_a is None
    ratio = _f(t["lipoprotein_ratio"] if neutral else t["albumin_ratio"])
    return kpu + _protein_binding(drug_props, composition, y) * ratio


def rodgers_rowland_kp(drug_props: Mapping[str, Any], tissue: str, composition: Mapping[str, Any]) -> float:
    """Tissue:plasma partition coefficient ``Kp = Kpu * fu`` (total tissue / total plasma), dimensionless.

    Parameters
    ----------
    drug_props : mapping
        ``log_p``, ``pka_base``, ``pka_acid``, ``fu``, ``bp`` (see :func:`drug_properties`).
    tissue : str
        A tissue of the composition file.
    composition : mapping
        Loaded composition file.
    """
    return rodgers_rowland_kpu(drug_props, tissue, composition) * drug_props["fu"]


def rodgers_rowland_kp_all(drug_props: Mapping[str, Any], composition: Mapping[str, Any] | None = None,
                           tissues: Iterable[str] | None = None) -> dict[str, float]:
    """Kp for every tissue of the composition file (or for ``tissues``).

    Parameters
    ----------
    drug_props : mapping
        See :func:`drug_properties`.
    composition : mapping, optional
        Loaded composition file; :data:`DEFAULT_COMPOSITION` by default.
    tissues : iterable of str, optional
        Subset of tissues; all of ``composition['tissues']`` by default.

    Returns
    -------
    dict
        Tissue name -> Kp (dimensionless).
    """
    comp = load_yaml(DEFAULT_COMPOSITION) if composition is None else composition
    names = list(comp["tissues"]) if tissues is None else list(tissues)
    return {t: rodgers_rowland_kp(drug_props, t, comp) for t in names}
