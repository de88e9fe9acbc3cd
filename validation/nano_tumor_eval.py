"""Tumour delivery across designs: every mappable Nano-Tumor DB data set simulated as a mouse IV bolus.

Each data set (validation/data/nano_tumor_db, Chou 2023, CC0) whose material class maps onto a carrier type is
turned into a scenario (material class -> carrier type and material, HD -> diameter, zeta, shape, targeting,
tumour model and cancer type, tumour weight -> tumour volume at 1 g/mL, body weight, dose) and simulated on the
linear (unsaturated) path. Carrier DE24/DE168/Demax (% of injected carrier in the tumour) are compared with the
observed ones: median fold error, Spearman rank correlation, R2 on log10 and fraction within 2-fold, beside two
baselines computed out-of-fold with the same study grouping (global median and material-class median of the
training folds).

Studies: consecutive IDs with the same tumour model, cancer type, tumour weight and dose form one study
(database README). Anything calibrated is fitted inside study-grouped folds (:func:`study_folds`).

Run: ``python -m validation.nano_tumor_eval [--json out.json] [--procs 2]`` (``make design-eval``).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from nanodds.io.atomic import write_json, write_text

HERE = Path(__file__).resolve().parent
DB = HERE / "data" / "nano_tumor_db"
N_FOLDS = 5
"""Study-grouped cross-validation folds (assumption: 5 folds keep ~45 sets per held-out fold)."""

MATERIAL_CARRIER = {
    "Liposomes": ("pegylated_liposome", "liposome"),
    "Polymeric": ("peg_plga_nanoparticle", "polymeric"),
    "Gold": ("gold_nanoparticle", "gold"),
    "Silica": ("mesoporous_silica", "silica"),
    "Iron Oxide": ("iron_oxide_core_shell", "iron_oxide"),
    "Dendrimers": ("dendrimer", "dendrimer"),
}
"""Material class of the database -> (carrier type of carriers.yaml, carrier ``material``)."""

TM_MODEL = {"Xenograft Heterotopic": "xenograft_heterotopic", "Xenograft Orthotopic": "xenograft_orthotopic",
            "Allograft Heterotopic": "allograft_heterotopic", "Allograft Orthotopic": "allograft_orthotopic"}
SHAPES = {"Spherical": "sphere", "Rod": "rod", "Plate": "plate", "Flake": "plate"}


def load_sets() -> pd.DataFrame:
    """Data sets with material class and study id (consecutive IDs sharing TM, CT, TW and Dose)."""
    d = pd.read_csv(DB / "datasets.csv").merge(pd.read_csv(DB / "materials.csv"), on="ID", how="left")
    d = d.sort_values("ID").reset_index(drop=True)
    key = d[["TM", "CT", "TW", "Dose"]].astype(str).agg("|".join, axis=1)
    d["study"] = (key != key.shift()).cumsum()
    d["CT"] = d["CT"].str.lower()
    return d


def mappable(d: pd.DataFrame) -> pd.DataFrame:
    """Sets whose material class maps onto a carrier type."""
    return d[d["MAT"].isin(MATERIAL_CARRIER)].reset_index(drop=True)


def study_folds(d: pd.DataFrame, n_folds: int = N_FOLDS) -> np.ndarray:
    """Fold index per set: whole studies assigned round-robin in order of size (deterministic)."""
    sizes = d.groupby("study").size().sort_values(ascending=False, kind="stable")
    load = np.zeros(n_folds)
    fold_of: dict[int, int] = {}
    for study, n in sizes.items():
        f = int(np.argmin(load))
        fold_of[int(study)] = f
        load[f] += n
    return d["study"].map(fold_of).to_numpy()


MIN_GROUP = 10
"""Fewest training sets of a tumour model for its perfusion factor to be fitted (assumption: else 1)."""
MPS_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Factors on a set's MPS multiplier tried when the material's MPS uptake is calibrated within folds."""
FIT_TARGETS = ("DE24", "DE168", "Demax")
"""Outcomes whose summed absolute log error picks a material's MPS factor (the time course beyond 24 h separates
faster blood clearance from higher tumour entry, which DE24 alone cannot)."""
MPS_SIZE_EXPONENT_GRID = (0.0, 0.5)
"""MPS size exponents (``size_exponent_mps`` of carriers/mouse.yaml, whose value 1 is an assumption: 'linear for lack
of a quantitative law') tried within folds beside the data file's value (assumption: 0 = size-independent capture,
0.5 = half the file's slope)."""
MIN_MATERIAL = 5
"""Fewest training sets of a material for its own tumour-delivery scale (assumption: else the liposome scale)."""
TW_EXPONENT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
"""Exponents ``b`` of tumour perfusion per volume ~ (tumour weight)^-b tried within folds (assumption: 0, the
model's size-independent perfusion per volume, to 0.6; perfusion per gram falls as tumours grow and their cores
become necrotic, Jain RK. Cancer Res 1988;48:2641, qualitative)."""


def reference_tumour_g() -> float:
    """Tumour weight (g) at which the perfusion-size factor is 1: the mouse default tumour volume at 1 g/mL."""
    from nanodds.specs.physiology import reference_data

    return float(reference_data("mouse")["tumour"]["volume"].to("mL"))


def scenario_raw(row: pd.Series, extended: bool = True, mps_factor: float | None = None) -> dict[str, Any]:
    """Scenario mapping of one data set (mouse IV bolus of the set's carrier, dose, body weight, tumour)."""
    ctype, material = MATERIAL_CARRIER[row["MAT"]]
    carrier: dict[str, Any] = {"type": ctype}
    if not pd.isna(row["HD"]):
        carrier["diameter"] = f"{row['HD']} nm"
    tumour: dict[str, Any] = {"volume": f"{row['TW']} mL"}
    if extended:
        carrier["material"] = material
        if not pd.isna(row["Zeta"]):
            # the database stores |zeta|; Charge codes the sign (0 negative, 1 positive, 2 neutral; README)
            sign = 1.0 if row["Charge"] == 1 else -1.0
            carrier["zeta"] = f"{sign * row['Zeta']} mV" if row["Charge"] != 2 else "0 mV"
        if row["Shape"] in SHAPES:
            carrier["shape"] = SHAPES[row["Shape"]]
        if row["TS"] == "Active":
            carrier["ligand"] = {"type": "generic"}
        if row["TM"] in TM_MODEL:
            tumour["model"] = TM_MODEL[row["TM"]]
        tumour["cancer_type"] = row["CT"] if isinstance(row["CT"], str) else "other"
        if mps_factor is not None:
            from nanodds.model.tumour_delivery import charge_mps_factor, material_mps_multiplier

            zeta = float(carrier["zeta"].split()[0]) if "zeta" in carrier else None
            carrier["mps_multiplier"] = material_mps_multiplier(material) * charge_mps_factor(zeta) * mps_factor
    raw: dict[str, Any] = {
        "name": f"Nano-Tumor DB set {row['ID']}", "species": "mouse", "drug": "doxorubicin",
        "subject": {"body_weight": f"{row['BW']} g"}, "carrier": carrier, "tumour": tumour,
        "regimen": [{"route": "iv_bolus", "dose": f"{max(row['Dose'], 1e-6)} mg/kg"}],
        "simulation": {"duration": "168 h", "points": 169, "saturable": False, "solver": "linear"},
    }
    if extended:
        raw["tumour_delivery"] = "mechanistic"
    return raw


def simulate_set(args: tuple[dict[str, Any], dict[str, float] | None]) -> tuple[float, float, float]:
    """Carrier-label DE24, DE168 and Demax (% of injected carrier) of one scenario mapping."""
    from nanodds.analysis.metrics import compute_metrics
    from nanodds.engine import simulate
    from nanodds.specs.scenario import parse_scenario

    raw, overrides = args
    scn = parse_scenario(raw)
    # Demax is the curve's peak: compute_metrics refines a peak inside the first step after the bolus
    # (nanodds.analysis.peaks; fast-clearing carriers peak in the tumour's blood within minutes)
    m = compute_metrics(simulate(scn, carrier_overrides=overrides), scn.regimen, scn.bsa_m2)["tumour"]
    # the database's DE is a labelled-carrier measurement: intact carrier plus the label of carrier digested in
    # tumour cells
    return m["carrier_label_de24_percent"], m["carrier_label_de168_percent"], m["carrier_label_demax_percent"]


def predict(d: pd.DataFrame, overrides: dict[str, float] | None = None, procs: int = 1,
            extended: bool = True, mps_factor: float | None = None, mode: str = "mechanistic") -> pd.DataFrame:
    """Predicted carrier DE24/DE168/Demax per set (``mode``: the scenarios' ``tumour_delivery``)."""
    jobs = [({**scenario_raw(r, extended, mps_factor), **({"tumour_delivery": mode} if mode != "mechanistic" else {})},
             overrides) for _, r in d.iterrows()]
    if procs > 1:
        with Pool(procs) as pool:
            out = pool.map(simulate_set, jobs, chunksize=8)
    else:
        out = [simulate_set(j) for j in jobs]
    return pd.DataFrame(out, columns=["pred_DE24", "pred_DE168", "pred_Demax"], index=d.index)


def scores(obs: Sequence[float], pred: Sequence[float]) -> dict[str, float]:
    """Median fold error, Spearman, R2 on log10 and fraction within 2-fold (positive pairs only)."""
    o, p = np.asarray(obs, float), np.asarray(pred, float)
    ok = (o > 0) & (p > 0) & np.isfinite(o) & np.isfinite(p)
    lo, lp = np.log10(o[ok]), np.log10(p[ok])
    fe = 10 ** np.abs(lp - lo)
    r2 = 1.0 - float(np.sum((lo - lp) ** 2) / np.sum((lo - lo.mean()) ** 2))
    rho = float(spearmanr(o[ok], p[ok]).statistic) if np.ptp(lp) > 0 else math.nan
    return {"n": int(ok.sum()), "median_fold_error": float(np.median(fe)), "spearman": rho,
            "r2_log10": r2, "within_2fold": float(np.mean(fe <= 2.0)),
            "median_pred_over_obs": float(10 ** np.median(lp - lo))}


def baseline(d: pd.DataFrame, col: str, folds: np.ndarray, by: str | None) -> np.ndarray:
    """Out-of-fold baseline: median of the training folds (globally or per ``by`` class)."""
    pred = np.empty(len(d))
    for f in np.unique(folds):
        tr, te = d[folds != f], folds == f
        glob = tr[col].median()
        if by is None:
            pred[te] = glob
        else:
            med = tr.groupby(by)[col].median()
            pred[te] = d.loc[te, by].map(med).fillna(glob).to_numpy()
    return pred


def fit_fold(d: pd.DataFrame, grid_preds: dict[float, pd.DataFrame], tr: np.ndarray, b: float,
              full: bool) -> tuple[pd.DataFrame, dict[str, Any], float]:
    """Fit one training part (boolean mask ``tr``) at tumour-weight exponent ``b``; predict every set.

    Returns the predictions (all sets), the fitted values and the summed absolute log error of DE24 on ``tr``.
    """
    weight = (d["TW"] / reference_tumour_g()) ** (-b)
    gp = {g: p.mul(weight, axis=0) for g, p in grid_preds.items()}
    lip = tr & (d["MAT"] == "Liposomes").to_numpy()
    s0 = float(np.exp(np.median(np.log(d.loc[lip, "DE24"] / gp[1.0].loc[lip, "pred_DE24"]))))
    pred = pd.DataFrame(index=d.index, columns=["pred_DE24", "pred_DE168", "pred_Demax"], dtype=float)
    fac: dict[str, float] = {}
    scale: dict[str, float] = {}
    for mat in d["MAT"].unique():
        m = tr & (d["MAT"] == mat).to_numpy()
        best: tuple[float, float, float] = (math.inf, 1.0, s0)
        for g in ((1.0,) if mat == "Liposomes" or not m.any() else gp):
            s = s0
            if full and m.sum() >= MIN_MATERIAL:
                s = float(np.exp(np.median(np.log(d.loc[m, "DE24"] / gp[g].loc[m, "pred_DE24"]))))
            err = training_error(d, s * gp[g], m) if m.any() else 0.0
            if err < best[0]:
                best = (err, g, s)
        sel = (d["MAT"] == mat).to_numpy()
        pred.loc[sel] = best[2] * gp[best[1]].loc[sel].to_numpy()
        fac[str(mat)], scale[str(mat)] = best[1], best[2]
    # group factors: median training residual of DE24 per tumour model (DE is near-proportional to tumour flow:
    # 3x flow -> 2.93x DE24) and, in the full fit, per targeting strategy (groups with >= MIN_GROUP training sets)
    groups: dict[str, dict[str, float]] = {}
    for key in ("TM", "TS") if full else ("TM",):
        resid = np.log(d["DE24"] / pred["pred_DE24"])
        groups[key] = {}
        for v in d[key].dropna().unique():
            m = tr & (d[key] == v).to_numpy()
            groups[key][str(v)] = float(np.exp(np.median(resid[m]))) if m.sum() >= MIN_GROUP else 1.0
            pred.loc[(d[key] == v).to_numpy()] *= groups[key][str(v)]
    err = float(np.sum(np.abs(np.log(d.loc[tr, "DE24"] / pred.loc[tr, "pred_DE24"]))))
    fitted = {"tumour_weight_exponent": b, "liposome_scale": s0, "mps_factor": fac, "group_factor": groups}
    if full:
        fitted["material_scale"] = scale
    return pred, fitted, err


WASHOUT_GRID = (0.0, 0.003, 0.01, 0.02)
"""Washout rates (1/h) of digested carrier's label from the tumour (``tumour_label_washout_rate``) tried within
folds (assumption: from none to about the observed fall, DE168/DE24 median 0.43 over 144 h, i.e. 0.006 /h for the
whole label; 0.03 /h overshot DE168 in an in-sample look, docs/tumour_delivery.md)."""

Grids = dict[float | None, dict[float, pd.DataFrame]]
"""Simulated predictions keyed by MPS size exponent (None: the data file's) and MPS factor."""


def select_fit(d: pd.DataFrame, grids: Grids, tr: np.ndarray, full: bool) -> tuple[Any, pd.DataFrame, dict, float]:
    """Steps 1-5 of :func:`calibrated_oof` on the training mask ``tr``: (size exponent, predictions, fit, error)."""
    fits = [(e, *fit_fold(d, gp, tr, b, full)) for e, gp in grids.items()
            for b in (TW_EXPONENT_GRID if full else (0.0,))]
    return min(fits, key=lambda x: x[3])


def training_error(d: pd.DataFrame, pred: pd.DataFrame, tr: np.ndarray) -> float:
    """Summed absolute log error of :data:`FIT_TARGETS` over the training sets (positive pairs)."""
    err = 0.0
    for c in FIT_TARGETS:
        r = np.log(d.loc[tr, c].to_numpy(float) / pred.loc[tr, f"pred_{c}"].to_numpy(float))
        err += float(np.sum(np.abs(r[np.isfinite(r)])))
    return err


def select_with_washout(d: pd.DataFrame, washout_grids: dict[float, Grids], tr: np.ndarray,
                        full: bool) -> tuple[Any, pd.DataFrame, dict, float]:
    """:func:`select_fit` at each washout rate; the rate with the lowest training error of DE24 + DE168 + Demax."""
    best = None
    for k, grids in washout_grids.items():
        e, pred, fit, _ = select_fit(d, grids, tr, full)
        err = training_error(d, pred, tr)
        if best is None or err < best[3]:
            best = (e, pred, {**fit, "tumour_label_washout_rate": k}, err)
    assert best is not None
    return best


def calibrated_oof(d: pd.DataFrame, grid_preds: dict[float, pd.DataFrame], full: bool = True,
                   size_grids: dict[float, dict[float, pd.DataFrame]] | None = None,
                   folds: np.ndarray | None = None,
                   washout_grids: dict[float, Grids] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Out-of-fold predictions with a few parameters fitted on the training folds only.

    1. A tumour-delivery scale ``s`` (one number): the median log ratio observed/predicted DE24 of the training
       liposome sets at the reference MPS (liposomes are the reference carrier of the MPS calibration).
    2. Each other material's MPS factor: the grid value (:data:`MPS_GRID`) minimising the summed absolute log
       error of DE24 over that material's training sets; in the ``full`` fit together with the material's own
       tumour-delivery scale (median log ratio, materials with >= :data:`MIN_MATERIAL` training sets, else ``s``).
    3. Each tumour model's perfusion factor (and, ``full``, each targeting strategy's factor): the median log
       residual of DE24 of its training sets after 1-2.
    4. ``full``: tumour perfusion per volume falling with tumour size, DE x (TW / reference)^-b, ``b`` from
       :data:`TW_EXPONENT_GRID` minimising the training error of 1-3.
    5. ``size_grids`` (optional): the same MPS grids simulated at other MPS size exponents
       (:data:`MPS_SIZE_EXPONENT_GRID`, keyed by exponent); the exponent with the lowest training error of 1-4 wins.
    6. ``washout_grids`` (optional; replaces ``grid_preds`` and ``size_grids``): the grids of 5 simulated at each
       label washout rate (:data:`WASHOUT_GRID`); 1-5 at each rate, and the rate with the lowest training error of
       DE24 + DE168 + Demax wins (washout moves DE168, hardly DE24).
    DE168 and Demax take the same factors. ``full=False`` is the fit before 2026-12-04 (1-3 without the
    material scale and targeting factor). ``folds``: fold index per set (default :func:`study_folds`; other
    study-grouped partitions measure how much the scores depend on the split).
    """
    grids: Grids = {None: grid_preds, **(size_grids or {})}
    folds = study_folds(d) if folds is None else folds
    out = pd.DataFrame(index=d.index, columns=["pred_DE24", "pred_DE168", "pred_Demax"], dtype=float)
    fitted = []
    for f in np.unique(folds):
        tr = folds != f
        e, pred, fit, _ = (select_with_washout(d, washout_grids, tr, full) if washout_grids
                           else select_fit(d, grids, tr, full))
        out.loc[~tr] = pred.loc[~tr].to_numpy()
        fitted.append({"fold": int(f), "mps_size_exponent": e, **fit})
    return out, fitted


def evaluate(d: pd.DataFrame, pred: pd.DataFrame) -> dict[str, Any]:
    """Scores of the model and of the two baselines for DE24, DE168 and Demax."""
    folds = study_folds(d)
    res: dict[str, Any] = {"n_sets": len(d), "n_studies": int(d["study"].nunique())}
    for col in ("DE24", "DE168", "Demax"):
        res[col] = {"model": scores(d[col], pred[f"pred_{col}"]),
                    "global_median": scores(d[col], baseline(d, col, folds, None)),
                    "material_median": scores(d[col], baseline(d, col, folds, "MAT"))}
    return res


def breakdown(d: pd.DataFrame, pred: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Median predicted/observed DE24 by size band, material, targeting and tumour model."""
    r = np.log10(pred["pred_DE24"] / d["DE24"])
    bands = pd.cut(d["HD"], [0, 20, 50, 100, 200, 1000], labels=["<20", "20-50", "50-100", "100-200", ">200"])
    out: dict[str, dict[str, float]] = {}
    for name, key in (("size_nm", bands), ("material", d["MAT"]), ("targeting", d["TS"]), ("model", d["TM"])):
        g = r.groupby(key, observed=True).median()
        out[name] = {str(k): round(float(10**v), 3) for k, v in g.items()}
    for mat, idx in d.groupby("MAT").groups.items():
        s = scores(d.loc[idx, "DE24"], pred.loc[idx, "pred_DE24"])
        out.setdefault("material_mfe", {})[str(mat)] = round(s["median_fold_error"], 2)
        out.setdefault("material_spearman", {})[str(mat)] = round(s["spearman"], 2)
    return out


def report(res: dict[str, Any], brk: dict[str, Any] | None = None, echo: Callable[[str], None] = print) -> None:
    """Print the score table."""
    echo(f"sets {res['n_sets']}, studies {res['n_studies']}")
    for col in ("DE24", "DE168", "Demax"):
        for k, s in res[col].items():
            echo(f"{col:6s} {k:16s} MFE {s['median_fold_error']:.2f}x  Spearman {s['spearman']:+.2f}  "
                 f"R2log {s['r2_log10']:+.2f}  within2 {s['within_2fold']:.2f}  "
                 f"pred/obs {s['median_pred_over_obs']:.2f}")
    if brk:
        for k, v in brk.items():
            echo(f"pred/obs DE24 by {k}: {v}")


def fit_grids(d: pd.DataFrame, overrides: dict[str, float] | None, procs: int, basic: bool = False) -> Grids:
    """The simulation grids of the fold fit: MPS factors at the file's MPS size exponent (key None) and, unless
    ``basic``, at each of :data:`MPS_SIZE_EXPONENT_GRID`."""
    grids: Grids = {None: {g: predict(d, overrides, procs=procs, mps_factor=g) for g in MPS_GRID}}
    for e in () if basic else MPS_SIZE_EXPONENT_GRID:
        grids[e] = {g: predict(d, {**(overrides or {}), "size_exponent_mps": e}, procs=procs, mps_factor=g)
                    for g in MPS_GRID}
    return grids


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", type=Path, help="write scores and per-set predictions here")
    ap.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--legacy", action="store_true", help="scenarios without the design keys (old physics)")
    ap.add_argument("--calibrate", action="store_true",
                    help="fit the tumour scale and material MPS factors within study-grouped folds (out-of-fold)")
    ap.add_argument("--calibrate-basic", action="store_true",
                    help="with --calibrate: the fit before 2026-12-04 (no material scale, targeting or size factor)")
    ap.add_argument("--write-fit", action="store_true",
                    help="with --calibrate: write the all-sets fit to data/carriers/tumour_delivery_fitted.yaml")
    ap.add_argument("--washout", action="store_true",
                    help="with --calibrate: also fit the tumour label washout rate (WASHOUT_GRID) in the folds")
    ap.add_argument("--shipped", action="store_true",
                    help="simulate every set with tumour_delivery: fitted (the shipped factors; in-sample)")
    ap.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                    help="replace a top-level value of carriers/mouse.yaml (experiments; file units)")
    args = ap.parse_args(argv)
    ov = {k: float(v) for k, v in (o.split("=", 1) for o in args.override)} or None
    d = mappable(load_sets())
    fitted: list[dict] = []
    if args.calibrate:
        from validation.nano_tumor_fit import FIT_FILE, fit_all, fit_yaml

        washout = {k: fit_grids(d, {**(ov or {}), **({"tumour_label_washout_rate": k} if k else {})},
                                args.procs, args.calibrate_basic)
                   for k in (WASHOUT_GRID if args.washout else (0.0,))}
        grid, size_grids = washout[0.0][None], {e: g for e, g in washout[0.0].items() if e is not None}
        pred, fitted = calibrated_oof(d, grid, full=not args.calibrate_basic, size_grids=size_grids,
                                      washout_grids=washout if args.washout else None)
        for fi in fitted:
            print("fold", fi["fold"], {k: v for k, v in fi.items() if k != "fold"})
        if not args.calibrate_basic:
            fitted.append({"fold": "all", **fit_all(d, grid, size_grids, washout if args.washout else None)})
            print("all sets", {k: v for k, v in fitted[-1].items() if k != "in_sample_pred_DE24"})
            if args.write_fit:
                from validation.nano_tumor_uncertainty import random_partition_medians

                oof = scores(d["DE24"], pred["pred_DE24"])
                spread = random_partition_medians(d, grid, size_grids)
                write_text(FIT_FILE, fit_yaml(fitted[-1], len(d), oof, spread), run_output=False)
                print("wrote", FIT_FILE)
    elif args.shipped:
        pred = predict(d, ov, procs=args.procs, mode="fitted")
    else:
        pred = predict(d, ov, procs=args.procs, extended=not args.legacy)
    res = evaluate(d, pred)
    brk = breakdown(d, pred)
    report(res, brk)
    if args.json:
        out = {"scores": res, "breakdown": brk, "fitted_per_fold": fitted,
               "sets": pd.concat([d[["ID", "study", "MAT", "HD", "TS", "DE24", "DE168", "Demax"]], pred],
                                 axis=1).to_dict(orient="records")}
        write_json(args.json, out, run_output=False)
    return res


if __name__ == "__main__":
    main()
