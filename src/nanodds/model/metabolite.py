"""Active-metabolite formation (e.g. irinotecan -> SN-38) in the free-drug PBPK.

When the parent drug file has a ``metabolite`` block, the metabolite gets its own perfusion-limited
whole-body block (states ``metabolite:<organ>``, sinks ``metabolite:sink.hepatic`` and
``metabolite:sink.renal``), built by :func:`nanodds.model.free_drug.add_free_drug` from the metabolite's
drug file. A fraction ``f`` of the parent's hepatic elimination ``r`` (``free:liver -> free:sink.hepatic``)
forms the metabolite in the liver: ``(1 - f) r`` still goes to the parent's sink and ``f r`` goes to
``metabolite:liver``.

Units: metabolite states are in PARENT-EQUIVALENT mg (mg of parent that was converted), so every column of
the rate matrix still sums to zero and the metabolite belongs to the ``drug`` mass-balance group. Convert to
mg of metabolite only in read-outs, with the ratio ``MW_metabolite / MW_parent`` (one mole of parent forms
one mole of metabolite); see :func:`metabolite_mass_ratio`.
"""

from __future__ import annotations

from nanodds.model.free_drug import add_free_drug
from nanodds.model.structure import RateBuilder
from nanodds.specs.drug import Drug, load_drug
from nanodds.specs.physiology import Physiology

PREFIX = "metabolite"
SINKS: tuple[str, ...] = (f"{PREFIX}:sink.hepatic", f"{PREFIX}:sink.renal")


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
