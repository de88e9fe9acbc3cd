"""Active-metabolite formation (e.g. irinotecan -> SN-38) in the free-drug PBPK.

When the parent drug file has a ``metabolite`` block, the metabolite gets its own perfusion-limited
whole-body block (states ``metabolite:<organ>``, sinks ``metabolite:sink.hepatic`` and
``metabolite:sink.renal``), built by :func:`nanodds.model.free_drug.add_free_drug` from the metabolite's
drug file. The metabolite is formed where the converting enzymes are (for irinotecan: carboxylesterases,
CES1/CES2):

* liver: a fraction ``f`` of the parent's hepatic elimination ``r`` (``free:liver -> free:sink.hepatic``)
  forms the metabolite: ``(1 - f) r`` still goes to the parent's sink and ``f r`` goes to ``metabolite:liver``
  (tag ``hepatic_clearance``). ``f`` lumps hepatic CES1 and CES2.
* other sites (``metabolite.extrahepatic_formation``: organs, ``tumour``, ``plasma``): formation clearance
  ``a x V_site / V_liver x CLint_f,liver`` with ``CLint_f,liver = f CLint_h`` (blood basis) and ``a`` the
  site's activity per litre relative to the liver's (tissue S9/homogenate or plasma rates, sourced in the drug
  file); tag ``metabolite_formation``. Because they are scaled on ``CLint_f,liver``, these sites change where
  and when the metabolite is formed, not the overall scale, which stays set by the free-drug calibration of
  ``f`` (done with the sites included).

Carrier-delivered parent enters these pools where it is released: liposomes digested by MPS or tumour
macrophages release into the organ's free drug (:mod:`nanodds.model.carrier`), so conversion after digestion
uses that organ's enzyme activity; organs without a sourced activity (spleen, marrow, kidney, lung for
irinotecan) form nothing.

Disposition of the metabolite: its own free-drug block (R&R Kp, hepatic and renal clearance from its drug file)
plus, when the metabolite file has an ``enterohepatic_recycling`` block, enterohepatic recycling
(:func:`_add_recycling`): a fraction of its hepatic elimination (glucuronidation, SN-38 -> SN-38G) enters one
lumped pool ``metabolite:enterohepatic`` (conjugate in plasma, bile and gut lumen) that returns to the gut as the
metabolite (deconjugation by gut bacteria, reabsorption). For SN-38 this gives two phases: a fast,
formation-rate-limited one (peak at the end of a free-irinotecan infusion) and the long terminal one (t1/2 47 h,
Mathijssen 2001), all calibrated on free-irinotecan data (validation/data/sn38_free_irinotecan_calibration.csv).
Not modelled: a separate intracellular (macrophage) parent pool, the lactone / carboxylate equilibrium (the
lactone is hydrolysed about 2.7x more efficiently, Haaz 1997), SN-38G as an observable of its own (its plasma
share of the pool is not separated from bile and lumen).

Units: metabolite states are in PARENT-EQUIVALENT mg (mg of parent that was converted), so every column of
the rate matrix still sums to zero and the metabolite belongs to the ``drug`` mass-balance group. Convert to
mg of metabolite only in read-outs, with the ratio ``MW_metabolite / MW_parent`` (one mole of parent forms
one mole of metabolite); see :func:`metabolite_mass_ratio"""

from __future__ import annotations

from nanodds.errors import InputError, known
from nanodds.model.free_drug import add_free_drug, free, hepatic_intrinsic_blood_cl
from nanodds.model.structure import RateBuilder
from nanodds.specs.drug import Drug, load_drug
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import ORGANS, Physiology

PREFIX = "metabolite"
SINKS: tuple[str, ...] = (f"{PREFIX}:sink.hepatic", f"{PREFIX}:sink.renal")
PLASMA = "plasma"
"""Key of the ``extrahepatic_formation`` block for conversion in circulating plasma (venous and arterial pools)."""
FORMATION_TAG = "metabolite_formation"
"""Process tag of the extrahepatic formation transfers (not rescaled with hepatic clearance)."""
RECYCLING_TAG = "enterohepatic_return"
"""Process tag of the return of recycled metabolite (deconjugation and reabsorption) into the gut."""
ELIMINATION_TAG = "metabolite_hepatic_clearance"
"""Process tag of the metabolite's hepatic elimination (SN-38: UGT1A1 glucuronidation, to the sink and to the
recycling pool); populations scale it by each patient's ``ugt1a1_activity`` (nanodds.population.fast)."""
RESERVOIR = "enterohepatic"
"""Compartment of the recycling pool (``metabolite:enterohepatic``: conjugate in bile, gut lumen and plasma)."""


def metabolite(comp: str) -> str:
    """State name of the metabolite in a compartment (amount in parent-equivalent mg)."""
    return f"{PREFIX}:{comp}"


def metabolite_drug(parent: Drug, species: str) -> Drug | None:
    """The metabolite's own drug parameters, None when the parent has no metabolite."""
    if parent.metabolite is None:
        return None
    return load_drug(parent.metabolite.name, species)


def metabolite_mass_ratio(parent: Drug, met: Drug) -> float:
    """mg of metabolite per parent-equivalent mg (``MW_metabolite / MW_parent``)."""
    return met.molecular_weight_g_per_mol / parent.molecular_weight_g_per_mol


def extrahepatic_activity(parent: Drug) -> dict[str, float]:
    """Formation activity per litre of each extrahepatic site relative to the liver's (-), from the drug file.

    ``metabolite.extrahepatic_formation`` of ``data/drugs/<parent>.yaml``: organ name (or ``plasma``) -> activity
    per L of tissue (per L of plasma for ``plasma``) divided by the liver's per L. Empty when absent.
    """
    if parent.metabolite is None:
        return {}
    raw = load_yaml(f"drugs/{parent.name}.yaml")["metabolite"].get("extrahepatic_formation", {})
    out = {}
    allowed = (*[o for o in ORGANS if o != "liver"], "tumour", PLASMA)
    for site, par in raw.items():
        if not known(site, allowed):
            raise InputError(f"drug {parent.name} metabolite extrahepatic_formation", site,
                             f"one of {', '.join(allowed)} (hepatic formation is fraction_of_hepatic_clearance)")
        a = par.to("1")
        if a < 0.0:
            raise InputError(f"drug {parent.name} metabolite extrahepatic_formation.{site}", a, "a value >= 0")
        out[str(site)] = a
    return out


def add_metabolite(rb: RateBuilder, phys: Physiology, parent: Drug, flow_scale: float) -> None:
    """Add the metabolite block and split the parent's hepatic elimination (nothing without a metabolite).

    Must be called after :func:`add_free_drug` built the parent's block. The formation transfer keeps the
    ``hepatic_clearance`` tag, so rescaling that process rescales formation with the rest of hepatic
    elimination.
    """
    met = metabolite_drug(parent, phys.species)
    if met is None or parent.metabolite is None:
        return
    f = parent.metabolite.fraction_of_hepatic_clearance
    add_free_drug(rb, phys, met, flow_scale, prefix=PREFIX)
    for sink in SINKS:
        rb.state(sink)
    msrc, mdst = rb.state(metabolite("liver")), rb.state(metabolite("sink.hepatic"))
    for n, (i, j, k, tag) in enumerate(rb.transfers):  # the metabolite's own hepatic elimination: its own tag
        if i == msrc and j == mdst and tag == "hepatic_clearance":
            rb.transfers[n] = (i, j, k, ELIMINATION_TAG)
    src, dst = rb.state("free:liver"), rb.state("free:sink.hepatic")
    hits = [n for n, (i, j, _, tag) in enumerate(rb.transfers)
            if i == src and j == dst and tag == "hepatic_clearance"]
    if len(hits) != 1:
        raise RuntimeError(f"expected one parent hepatic clearance transfer, found {len(hits)}")
    n = hits[0]
    i, j, k, tag = rb.transfers[n]
    if f >= 1.0:
        rb.transfers.pop(n)
    else:
        rb.transfers[n] = (i, j, (1.0 - f) * k, tag)
    rb.flow("free:liver", metabolite("liver"), f * k, "hepatic_clearance")
    _add_extrahepatic(rb, phys, parent, f * hepatic_intrinsic_blood_cl(parent, phys, flow_scale))
    _add_recycling(rb, met)


def recycling(met: Drug) -> tuple[float, float] | None:
    """``(fraction_recycled (-), return_rate (1/h))`` of the metabolite file's ``enterohepatic_recycling`` block.

    None when the metabolite file has no such block.
    """
    raw = load_yaml(f"drugs/{met.name}.yaml").get("enterohepatic_recycling")
    if raw is None:
        return None
    g, kr = raw["fraction_recycled"].to("1"), raw["return_rate"].to("1/h")
    if not 0.0 <= g < 1.0:
        raise InputError(f"drug {met.name} enterohepatic_recycling.fraction_recycled", g, "a fraction in [0, 1)")
    if kr <= 0.0:
        raise InputError(f"drug {met.name} enterohepatic_recycling.return_rate", kr, "a rate > 0 1/h")
    return g, kr


def _add_recycling(rb: RateBuilder, met: Drug) -> None:
    """Enterohepatic recycling of the metabolite (nothing without an ``enterohepatic_recycling`` block).

    A fraction ``g`` of the metabolite's hepatic elimination (glucuronidation, e.g. SN-38 -> SN-38G by UGT1A1)
    goes to one lumped pool ``metabolite:enterohepatic`` (the conjugate in plasma, bile and gut lumen) instead of
    the sink; the pool returns to the gut's free metabolite at ``k_r`` (1/h; bacterial beta-glucuronidase
    deconjugation and reabsorption), tag ``enterohepatic_return``. Both parts keep ``ELIMINATION_TAG``, so a
    population's UGT1A1 activity scales glucuronidation as a whole. With a fast systemic metabolite the
    terminal rate is about ``k_r (1 - g)`` and the AUC is ``1 / (1 - g)`` times its first-pass part.
    """
    rc = recycling(met)
    if rc is None:
        return
    g, kr = rc
    src, dst = rb.state(metabolite("liver")), rb.state(metabolite("sink.hepatic"))
    hits = [n for n, (i, j, _, tag) in enumerate(rb.transfers)
            if i == src and j == dst and tag == ELIMINATION_TAG]
    if len(hits) != 1:
        raise RuntimeError(f"expected one metabolite hepatic clearance transfer, found {len(hits)}")
    i, j, k, tag = rb.transfers[hits[0]]
    rb.transfers[hits[0]] = (i, j, (1.0 - g) * k, tag)
    rb.flow(metabolite("liver"), metabolite(RESERVOIR), g * k, ELIMINATION_TAG)
    rb.flow(metabolite(RESERVOIR), metabolite("gut"), kr, RECYCLING_TAG)


def _add_extrahepatic(rb: RateBuilder, phys: Physiology, parent: Drug, clint_f_liver: float) -> None:
    """Formation outside the liver: per site, ``CL_f = a x V_site / V_liver x CLint_f,liver`` (L/h, blood basis).

    ``clint_f_liver`` is the liver's formation intrinsic clearance ``f x CLint_h`` (L/h). An organ's formation
    acts on its outflow-equivalent blood concentration ``A / (V Kp_b)`` like the liver's, so the rate constant
    from the organ's free parent is ``a CLint_f,liver / (V_liver Kp_b)``; plasma formation acts on the plasma
    concentration of the blood pools, rate ``a CLint_f,liver (1 - Hct) / (V_liver B:P)``. Organs absent from this
    physiology (e.g. no tumour) are skipped. Each transfer moves parent-equivalent mg, so columns still sum to 0.
    """
    v_liver = phys.volume_L["liver"]
    for site, a in extrahepatic_activity(parent).items():
        if a == 0.0:
            continue
        if site == PLASMA:
            k = a * clint_f_liver * (1.0 - phys.hematocrit) / (v_liver * parent.blood_plasma_ratio)
            for pool in ("venous_blood", "arterial_blood"):
                rb.flow(free(pool), metabolite(pool), k, FORMATION_TAG)
        elif site in phys.organs():
            rb.flow(free(site), metabolite(site), a * clint_f_liver / (v_liver * parent.kp_blood(site)), FORMATION_TAG)
