"""The all-sets fit of the Nano-Tumor DB harness, written as the data file of ``tumour_delivery: fitted``.

``python -m validation.nano_tumor_eval --calibrate --write-fit`` runs the study-grouped fit of
:func:`validation.nano_tumor_eval.calibrated_oof` (out-of-fold accuracy, reported) and then the same procedure on
every set (:func:`fit_all`: the values shipped in ``src/nanodds/data/carriers/tumour_delivery_fitted.yaml``,
read by :mod:`nanodds.model.tumour_fitted`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from validation.nano_tumor_eval import (
    HERE,
    MATERIAL_CARRIER,
    MIN_GROUP,
    TM_MODEL,
    Grids,
    select_fit,
    select_with_washout,
)

FIT_FILE = HERE.parent / "src" / "nanodds" / "data" / "carriers" / "tumour_delivery_fitted.yaml"
"""Where ``--write-fit`` writes the all-sets fit that ``tumour_delivery: fitted`` applies."""
FIT_SOURCE = ("derived: fitted by python -m validation.nano_tumor_eval --calibrate --write-fit on all {n} mappable "
              "sets of the Nano-Tumor Database training part (validation/data/nano_tumor_db; Chou Z et al. J Control "
              "Release 2023;361:53, doi:10.1016/j.jconrel.2023.07.040, CC0); {what}. Out-of-fold accuracy of the same "
              "procedure (5 study-grouped folds): DE24 median fold error {mfe:.2f}x, Spearman {rho:.2f} on the "
              "partition the fit was built on; median over {parts} random study-grouped partitions {mfe_r:.2f}x, "
              "{rho_r:.2f} (docs/tumour_delivery.md)")


def fit_yaml(fit: dict[str, Any], n: int, oof: dict[str, float], spread: dict[str, float]) -> str:
    """The data file of ``tumour_delivery: fitted`` (every value with unit and source) from :func:`fit_all`.

    ``oof``: out-of-fold scores on the deterministic partition; ``spread``: their medians over random partitions
    (:func:`validation.nano_tumor_uncertainty.random_partition_medians`).
    """
    def leaf(value: float, what: str, unit: str = "1") -> str:
        src = FIT_SOURCE.format(n=n, what=what, mfe=oof["median_fold_error"], rho=oof["spearman"],
                                parts=spread["partitions"], mfe_r=spread["median_fold_error"],
                                rho_r=spread["spearman"])
        return f'{{value: {float(value)!r}, unit: "{unit}", source: "{src}"}}'

    s0 = fit["liposome_scale"]
    lines = ["# tumour_delivery: fitted (nanodds.model.tumour_fitted). Written by validation/nano_tumor_eval.py "
             "--write-fit; do not edit by hand.",
             "tumour_weight_exponent: " + leaf(fit["tumour_weight_exponent"], "exponent b of the tumour entry x "
                                             "(tumour weight / mouse default tumour)^-b, grid 0-0.6"),
             "size_exponent_mps: " + leaf(fit["mps_size_exponent"] if fit["mps_size_exponent"] is not None else 1.0,
                                         "MPS size exponent chosen among 1 (carriers/mouse.yaml), 0.5 and 0"),
             "material_entry_scale:"]
    for cls, (_, mat) in MATERIAL_CARRIER.items():
        scale = fit["material_scale"].get(cls, s0)
        lines.append(f"  {mat}: " + leaf(scale, f"tumour-entry scale of {cls} (median observed/predicted DE24)"))
    lines.append("material_mps_factor:")
    for cls, (_, mat) in MATERIAL_CARRIER.items():
        lines.append(f"  {mat}: " + leaf(fit["mps_factor"].get(cls, 1.0), f"factor on the MPS uptake of {cls}, grid "
                                         "0.01-10, chosen on DE24 + DE168 + Demax"))
    lines.append("tumour_model_factor:")
    tm = fit["group_factor"]["TM"]
    for db, name in [*TM_MODEL.items(), ("Other", "other")]:
        lines.append(f"  {name}: " + leaf(tm.get(db, 1.0), f"tumour-model factor of '{db}' sets (median residual; "
                                          f"1 below {MIN_GROUP} sets)"))
    if fit.get("tumour_label_washout_rate"):
        what = ("washout rate of digested carrier's label from the tumour, grid 0-0.02 1/h, chosen on DE24 + DE168 "
                "+ Demax")
        lines.insert(3, "tumour_label_washout_rate: " + leaf(fit["tumour_label_washout_rate"], what, "1/h"))
    lines.append("targeting_factor:")
    ts = fit["group_factor"]["TS"]
    for db, name in (("Active", "active"), ("Passive", "passive")):
        lines.append(f"  {name}: " + leaf(ts.get(db, 1.0), f"factor of '{db}' targeting sets (median residual)"))
    return "\n".join(lines) + "\n"



def fit_all(d: pd.DataFrame, grid_preds: dict[float, pd.DataFrame],
            size_grids: dict[float, dict[float, pd.DataFrame]] | None = None,
            washout_grids: dict[float, Grids] | None = None) -> dict[str, Any]:
    """The full fit of :func:`calibrated_oof` on every set at once (the values a shipped model would carry).

    Its accuracy is not reported (in-sample); the out-of-fold numbers of the same procedure are.
    """
    tr = np.ones(len(d), dtype=bool)
    e, pred, fit, _ = (select_with_washout(d, washout_grids, tr, True) if washout_grids
                       else select_fit(d, {None: grid_preds, **(size_grids or {})}, tr, True))
    return {"mps_size_exponent": e, **fit, "in_sample_pred_DE24": pred["pred_DE24"].tolist()}
