"""Out-of-fold check of ``tumour_delivery: learned`` on the shared Nano-Tumor DB sets (study-grouped, no leak).

For the first repeat of the predictor's study-grouped 5-fold CV (``nanodds.design.train`` folds: same seed, same
groups), each fold's predictor is trained on the other folds only (candidate chosen and interval calibrated by the
inner grouped CV, as in ``make train``). Every mappable set of the held-out fold (material class with a carrier
type) is then run as a scenario (``validation/nano_tumor_eval.scenario_raw``, mouse IV bolus) in learned mode with
that fold's predictor. Compared on the same sets (DE24 and DE168, % of injected dose):

- ``learned_whole_body``: the whole-body model's carrier-label DE after the learned solve (what a user gets);
- ``learned_scenario_prediction``: the fold predictor on the scenario's mapped row (TSz empty, etc.);
- ``direct_predictor``: the fold predictor on the database row itself;
- ``chou_pbpk``: the Chou 2023 tumour PBPK with the fold's predicted tumour parameters (DE24 only);
- ``mechanistic``: the mechanistic whole-body model (no fitting);
- ``material_median``: median of the training folds' sets of the same material class.

Criterion stated before the result: the learned whole-body DE24 median fold error is within 5 % of the direct
predictor's on the same sets (the solve must not lose what the predictor knows) and below the mechanistic one.

``python -m validation.learned_delivery_cv [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def fold_model(df: pd.DataFrame, y: np.ndarray, yp: np.ndarray, tr: np.ndarray, te: np.ndarray,
               st: dict[str, Any], seed: int, k: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """The predictor of one outer fold (trained on ``tr`` only) and its log10 predictions for ``te``."""
    from nanodds.design.cv import DE_TARGETS, PARAM_TARGETS, Fold, make_forest
    from nanodds.design.forest import TreeEnsemble
    from nanodds.design.predict import DeliveryModel
    from nanodds.design.studies import study_groups
    from nanodds.design.train import interval_offsets, select

    fold = Fold.build(df, tr, te, st)
    best, inner_oof, _ = select(df, y, study_groups(df), tr, st, seed * 100 + k)
    cfg = st["candidates"][best]
    de = make_forest(cfg, st["n_estimators"], seed).fit(fold.x_train, y[tr])
    par = make_forest(cfg, st["param_n_estimators"], seed).fit(fold.x_train, yp[tr])
    model = DeliveryModel(fold.spec, TreeEnsemble.from_sklearn(de), TreeEnsemble.from_sklearn(par), fold.train_z,
                          DE_TARGETS, PARAM_TARGETS, interval_offsets(y[tr], inner_oof, st["coverage"]),
                          {"interval_coverage": st["coverage"]})
    return model, de.predict(fold.x_test), par.predict(fold.x_test)


def score(obs: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Median fold error, R2 on log10, Spearman, within 2-fold."""
    from validation.nano_tumor_eval import scores

    s = scores(obs, pred)
    return {k: round(float(v), 4) for k, v in s.items() if k != "median_pred_over_obs"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from nanodds.analysis.metrics import compute_metrics
    from nanodds.design.cv import DE_TARGETS, PARAM_TARGETS, load_training, material_median
    from nanodds.design.scenario_link import learned_tumour
    from nanodds.design.studies import group_folds, study_groups
    from nanodds.design.train import settings
    from nanodds.design.tumour_pbpk import tumour_time_course
    from nanodds.engine import simulate
    from nanodds.specs.scenario import parse_scenario
    from validation.nano_tumor_eval import MATERIAL_CARRIER, scenario_raw

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", type=Path, help="write the scores and per-set values here")
    args = ap.parse_args(argv)
    st = settings()
    df = load_training(ROOT)
    y = np.log10(df[list(DE_TARGETS)].to_numpy(dtype=float))
    yp = np.log10(df[list(PARAM_TARGETS)].to_numpy(dtype=float))
    seed = st["seed"]
    folds = group_folds(study_groups(df), st["n_splits"], seed)
    rows: list[dict[str, Any]] = []
    for k in range(st["n_splits"]):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model, de_log, par_log = fold_model(df, y, yp, tr, te, st, seed, k)
        mm = material_median(df["MAT"].iloc[tr], y[tr], df["MAT"].iloc[te])
        for j, i in enumerate(te):
            row = df.iloc[i]
            if row["MAT"] not in MATERIAL_CARRIER:
                continue
            r = row.copy()
            r["CT"] = str(r["CT"]).lower() if isinstance(r["CT"], str) else r["CT"]
            raw = scenario_raw(r)
            mech = parse_scenario(raw)
            m = compute_metrics(simulate(mech), mech.regimen, mech.bsa_m2)["tumour"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lt = learned_tumour(mech, model)
            learned = replace(mech, tumour_delivery="learned", learned_tumour=lt)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unreachable targets: counted below from the solve's notes
                sol_l = simulate(learned)  # the tumour parameters are solved when the model is built
            ml = compute_metrics(sol_l, learned.regimen, learned.bsa_m2)["tumour"]
            unreached = any("not reachable" in n for n in sol_l.model.meta["learned_tumour"].notes)
            pars = dict(zip(PARAM_TARGETS, (10 ** par_log[j]).tolist(), strict=True))
            chou24 = float(tumour_time_course(pars, float(row["BW"]), np.array([24.0]))[0])
            rows.append({"ID": int(row["ID"]), "fold": k, "MAT": row["MAT"], "DE24": row["DE24"],
                         "DE168": row["DE168"],
                         "learned_whole_body_DE24": ml["carrier_label_de24_percent"],
                         "learned_whole_body_DE168": ml["carrier_label_de168_percent"],
                         "learned_scenario_prediction_DE24": lt.pred("DE24_pred"),
                         "learned_scenario_prediction_DE168": lt.pred("DE168_pred"),
                         "direct_predictor_DE24": 10 ** de_log[j, 0], "direct_predictor_DE168": 10 ** de_log[j, 1],
                         "chou_pbpk_DE24": chou24,
                         "mechanistic_DE24": m["carrier_label_de24_percent"],
                         "mechanistic_DE168": m["carrier_label_de168_percent"],
                         "material_median_DE24": 10 ** mm[j, 0], "material_median_DE168": 10 ** mm[j, 1],
                         "out_of_domain": lt.out_of_domain, "unreached": unreached,
                         "wb_vs_pred_DE24": ml["carrier_label_de24_percent"] / lt.pred("DE24_pred") - 1,
                         "wb_vs_pred_DE168": ml["carrier_label_de168_percent"] / lt.pred("DE168_pred") - 1})
        print(f"fold {k}: {len(rows)} sets so far", flush=True)
    t = pd.DataFrame(rows)
    res: dict[str, Any] = {"n_sets": len(t), "n_out_of_domain": int(t["out_of_domain"].sum()),
                           "n_target_unreached": int(t["unreached"].sum()),
                           "max_abs_rel_dev_DE24_reached": float(t.loc[~t["unreached"], "wb_vs_pred_DE24"].abs().max()),
                           "max_abs_rel_dev_DE168_reached":
                               float(t.loc[~t["unreached"], "wb_vs_pred_DE168"].abs().max())}
    for target in ("DE24", "DE168"):
        res[target] = {}
        for meth in ("learned_whole_body", "learned_scenario_prediction", "direct_predictor", "chou_pbpk",
                     "mechanistic", "material_median"):
            col = f"{meth}_{target}"
            if col in t:
                res[target][meth] = score(t[target].to_numpy(), t[col].to_numpy())
    for target in ("DE24", "DE168"):
        for meth, s in res[target].items():
            print(f"{target:6s} {meth:28s} MFE {s['median_fold_error']:.2f}x  R2log {s['r2_log10']:+.2f}  "
                  f"Spearman {s['spearman']:+.2f}  within2 {s['within_2fold']:.2f}")
    print({k: v for k, v in res.items() if not isinstance(v, dict)})
    if args.json:
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps({"scores": res, "sets": rows}, indent=1), encoding="utf-8")
        tmp.replace(args.json)
    return res


if __name__ == "__main__":
    main()
