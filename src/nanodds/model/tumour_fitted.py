"""``tumour_delivery: fitted``: the mechanistic model with the design factors fitted on the Nano-Tumor Database.

The mechanistic whole-body model, unchanged in structure, with five empirical factors fitted by
``python -m validation.nano_tumor_eval --calibrate --write-fit`` on every mappable set of the database's
training part (validation/data/nano_tumor_db, n = 229; Chou 2023 J Control Release 361:53, CC0): per carrier
material a tumour-entry scale and an MPS factor, a tumour-weight exponent of the entry (perfusion per gram falls as
tumours grow), a factor per tumour model and per targeting strategy, and the MPS size exponent. The same procedure
fitted inside study-grouped folds gives the out-of-fold accuracy reported in docs/tumour_delivery.md; the values
applied here are the all-sets fit (data/carriers/tumour_delivery_fitted.yaml).

They act through carrier parameters of ``carriers/mouse.yaml`` (as ``carrier_overrides``; explicit overrides
win): ``tumour_extravasation_coefficient`` x material scale x tumour-model factor x targeting factor x
(tumour volume / reference)^-b, ``mps_extraction_total`` x material MPS factor, ``size_exponent_mps``. The fit
scaled the simulated DE24/DE168/Demax; here the tumour entry is scaled instead, which moves DE by nearly the
same factor (the tumour is a small sink: measured in docs/tumour_delivery.md). These are empirical corrections,
not mechanisms: mouse only, materials of the database only.
"""

from __future__ import annotations

from typing import Any

from nanodds.errors import InputError, known
from nanodds.specs.params import load_yaml

MODE = "fitted"
"""The ``tumour_delivery`` value of this model."""


def fit() -> dict[str, Any]:
    """The fitted values (``data/carriers/tumour_delivery_fitted.yaml``)."""
    return load_yaml("carriers/tumour_delivery_fitted.yaml")


def materials() -> list[str]:
    """Carrier materials with fitted factors."""
    return sorted(fit()["material_entry_scale"])


def check(species: str, material: str | None, has_carrier: bool, has_tumour: bool) -> None:
    """Refuse a scenario the fitted factors do not cover (one line naming the field).

    Raises
    ------
    InputError
        Species other than mouse, no carrier or tumour, or a carrier material without fitted factors.
    """
    if species != "mouse":
        raise InputError("tumour_delivery", MODE, f"mechanistic for species {species} (the fitted factors come "
                         "from mouse tumours only)")
    if not (has_carrier and has_tumour):
        raise InputError("tumour_delivery", MODE, "a scenario with a carrier and a tumour")
    if not known(material, materials()):
        raise InputError("carrier.material", material, f"one of {', '.join(materials())} (tumour_delivery: "
                         "fitted needs the carrier's material)")


def factors(material: str, tumour_model: str | None, targeted: bool, tumour_volume_L: float,
            reference_volume_L: float) -> dict[str, float]:
    """The multiplicative factors of one design (all dimensionless).

    Parameters
    ----------
    material : str
        Carrier material (one of :func:`materials`).
    tumour_model : str or None
        ``tumour.model`` of the scenario (None: the database's 'other' group).
    targeted : bool
        The carrier has a ligand (database 'Active'; else 'Passive').
    tumour_volume_L, reference_volume_L : float
        Tumour volume (L; 1 g/mL as in the database's tumour weight) and the reference at which the size factor
        is 1 (the mouse default tumour volume, L).
    """
    f = fit()
    b = f["tumour_weight_exponent"].to("1")
    tm = f["tumour_model_factor"]
    return {
        "material_entry_scale": f["material_entry_scale"][material].to("1"),
        "material_mps_factor": f["material_mps_factor"][material].to("1"),
        "tumour_model_factor": tm[tumour_model].to("1") if tumour_model in tm else tm["other"].to("1"),
        "targeting_factor": f["targeting_factor"]["active" if targeted else "passive"].to("1"),
        "tumour_size_factor": (tumour_volume_L / reference_volume_L) ** (-b),
        "size_exponent_mps": f["size_exponent_mps"].to("1"),
        "tumour_label_washout_rate": f["tumour_label_washout_rate"].to("1/h") if "tumour_label_washout_rate" in f
        else 0.0,
    }


def overrides(fac: dict[str, float], kin: dict[str, Any]) -> dict[str, float]:
    """``carrier_overrides`` (file units of ``carriers/mouse.yaml`` values ``kin``) applying ``fac``."""
    entry = (fac["material_entry_scale"] * fac["tumour_model_factor"] * fac["targeting_factor"]
             * fac["tumour_size_factor"])
    return {
        "tumour_extravasation_coefficient": kin["tumour_extravasation_coefficient"].value * entry,
        "mps_extraction_total": kin["mps_extraction_total"].value * fac["material_mps_factor"],
        "size_exponent_mps": fac["size_exponent_mps"],
        "tumour_label_washout_rate": fac["tumour_label_washout_rate"],
    }
