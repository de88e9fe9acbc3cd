"""The shipped delivery model: loads without scikit-learn pickles, is small, is current, and its card matches."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from nanodds.design.card import render_card
from nanodds.design.cv import DB_DIR, DE_TARGETS, PARAM_TARGETS, load_training
from nanodds.design.predict import load_model, predict_delivery, predict_parameters
from nanodds.design.train import CARD, DATA_DIR, MODEL_JSON, MODEL_NPZ

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_files_are_small() -> None:
    size = sum((ROOT / DATA_DIR / f).stat().st_size for f in (MODEL_NPZ, MODEL_JSON))
    assert size < 2 * 1024 * 1024


def test_model_was_trained_on_the_current_data() -> None:
    h = hashlib.sha256()
    for f in ("datasets.csv", "materials.csv"):
        h.update((ROOT / DB_DIR / f).read_bytes())
    assert load_model().meta["data_sha256"] == h.hexdigest(), "data changed: run `make train`"


def test_card_is_rendered_from_the_recorded_metrics() -> None:
    assert (ROOT / CARD).read_text(encoding="utf-8") == render_card(load_model().meta)


def test_finite_predictions_for_every_training_row() -> None:
    df = load_training(ROOT).drop(columns=[*DE_TARGETS, *PARAM_TARGETS])
    pred = predict_delivery(df)
    for t in DE_TARGETS:
        v = pred[[f"{t}_pred", f"{t}_lo", f"{t}_hi"]].to_numpy()
        assert np.isfinite(v).all() and (v > 0).all()
        assert (v[:, 0] > v[:, 1]).all() and (v[:, 0] < v[:, 2]).all()
    assert not pred["out_of_domain"].any()
    par = predict_parameters(df)
    assert list(par.columns) == list(PARAM_TARGETS) and np.isfinite(par.to_numpy()).all()


def test_fit_to_training_data_beats_the_cv_estimate() -> None:
    # in-sample fit of a forest must be better than its out-of-fold error (a broken walker or feature order
    # would give a poor in-sample fit)
    m = load_model()
    df = load_training(ROOT)
    pred = predict_delivery(df.drop(columns=list(DE_TARGETS)))
    res = np.log10(pred["DE24_pred"]) - np.log10(df["DE24"])
    cv_mfe = np.mean([r["DE24"]["learned"]["median_fold_error"] for r in m.meta["cv"]["repeats"]])
    assert 10 ** np.median(np.abs(res)) < cv_mfe


def test_cv_recorded_every_method_and_the_interval() -> None:
    meta = load_model().meta
    for r in meta["cv"]["repeats"]:
        for t in DE_TARGETS:
            assert {"global_median", "material_median", "plain_rf", "learned"} <= set(r[t])
            assert 0.0 <= r[t]["coverage"] <= 1.0


def test_row_order_and_passthrough() -> None:
    df = pd.DataFrame({"HD": ["100", "", "30"], "CT": ["Breast", "liver", None], "x": ["a", "b", "c"]})
    pred = predict_delivery(df)
    assert pred["x"].tolist() == ["a", "b", "c"] and pred.index.tolist() == [0, 1, 2]


def test_ai_pbpk_time_course_from_predicted_parameters() -> None:
    from nanodds.design.predict import predict_time_course

    df = pd.DataFrame({"HD": [100.0, None], "Type": ["Organic", None], "BW": [20.0, None]})
    course = predict_time_course(df, np.array([1.0, 24.0, 168.0]))
    assert course.shape == (2, 3) and np.isfinite(course).all() and (course > 0).all() and (course < 100).all()
