"""Scenario ``tumour: {model, cancer_type}``: tumour parameters set by tumour model and cancer type."""

from __future__ import annotations

from typing import Any

from nanodds.errors import InputError, known
from nanodds.model.tumour_delivery import pore_median_factor, tumour_model_factor, tumour_models
from nanodds.specs.physiology import reference_data
from nanodds.units import to_canonical


def tumour_design(t: dict[str, Any], species: str) -> dict[str, Any]:
    """Canonical tumour entries implied by ``model`` and ``cancer_type`` (explicit values win).

    ``model`` scales the default blood flow per volume (perfusion factor) and is kept for the tumour-associated
    macrophage factor; ``cancer_type`` (any name, lower-cased) selects receptor densities and scales the
    default pore size of the host organ.
    """
    out: dict[str, Any] = {}
    model = t.get("model")
    if model is not None:
        if not known(model, tumour_models()):
            raise InputError("tumour.model", model, f"one of {', '.join(tumour_models())}")
        out["model"] = model
    ct = t.get("cancer_type")
    if ct is not None:
        if not isinstance(ct, str) or not ct.strip():
            raise InputError("tumour.cancer_type", ct, "a cancer type name, e.g. breast")
        out["cancer_type"] = ct.strip().lower()
    td = reference_data(species)["tumour"]
    if model is not None and "blood_flow" not in t:
        vol = to_canonical(t["volume"], "L", "tumour.volume", positive=True) if "volume" in t \
            else td["volume"].to("L")
        out["flow_L_per_h"] = td["flow_per_volume"].to("1/h") * vol * tumour_model_factor(model, "perfusion")
    if "pore_cutoff" not in t and out.get("cancer_type") is not None:
        out["pore_cutoff_nm"] = td["pore_cutoff"].to("nm") * pore_median_factor(out["cancer_type"])
    return out
