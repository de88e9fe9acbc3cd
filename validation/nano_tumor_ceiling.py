"""How well can DE24 be ranked at all? Agreement of near-replicate data sets from different studies.

Two data sets of the Nano-Tumor DB training part (``validation/data/nano_tumor_db``) are near replicates when they
come from different studies (:func:`validation.nano_tumor_eval.load_sets`) and agree on every design and tumour
input a predictor is given: material class, targeting, shape, tumour model and cancer type equal, diameter within
``HD_RATIO``, tumour weight and dose within ``TW_DOSE_RATIO``. Half the mean squared log ratio of their DE24 is
the variance a predictor of these inputs cannot explain (lab, label and protocol); with the total variance of
log DE24 it bounds the correlation any such predictor can reach on log DE24: ``sqrt(1 - noise / total)`` (for
normal errors; a rough bound, from few pairs). Run: ``python -m validation.nano_tumor_ceiling``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from validation.nano_tumor_eval import load_sets, mappable

HD_RATIO = 1.25
"""assumption: diameters within 25 % (about the spread of DLS sizes reported for one formulation)."""
TW_DOSE_RATIO = 2.0
"""assumption: tumour weight and dose within 2-fold (the fitted tumour-weight exponent 0.4 moves DE24 by 1.3x)."""
SAME = ("MAT", "TS", "Shape", "TM", "CT")


def replicate_log_ratios(d: pd.DataFrame) -> np.ndarray:
    """log(DE24_a / DE24_b) of every near-replicate pair from different studies."""
    out = []
    rows = d.to_dict("records")
    for a, b in itertools.combinations(rows, 2):
        if a["study"] == b["study"] or any(a[k] != b[k] for k in SAME):
            continue
        if not (np.isfinite(a["HD"]) and np.isfinite(b["HD"])) or abs(np.log(a["HD"] / b["HD"])) >= np.log(HD_RATIO):
            continue
        if abs(np.log(a["TW"] / b["TW"])) > np.log(TW_DOSE_RATIO) or \
                abs(np.log(a["Dose"] / b["Dose"])) > np.log(TW_DOSE_RATIO):
            continue
        out.append(np.log(a["DE24"] / b["DE24"]))
    return np.array(out)


def ceiling(d: pd.DataFrame) -> dict[str, float]:
    """Variance shares and the correlation bound (log DE24) of the sets ``d`` (with DE24 > 0)."""
    y = np.log(d["DE24"].to_numpy())
    dev = np.log(d["DE24"]) - np.log(d["DE24"]).groupby(d["study"]).transform("mean")
    dl = replicate_log_ratios(d)
    noise = float(np.mean(dl ** 2) / 2.0)
    return {"sets": len(d), "studies": int(d["study"].nunique()), "var_log_de24": float(y.var()),
            "within_study_share": float(np.mean(dev ** 2) / y.var()), "replicate_pairs": len(dl),
            "replicate_median_fold": float(np.exp(np.median(np.abs(dl)))), "noise_var": noise,
            "r_bound": float(np.sqrt(max(0.0, 1.0 - noise / y.var())))}


def main() -> dict[str, float]:
    d = mappable(load_sets())
    res = ceiling(d[d["DE24"] > 0].reset_index(drop=True))
    for k, v in res.items():
        print(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")
    return res


if __name__ == "__main__":
    main()
