"""Flexible learners on the mechanistic model's partitions (validation/nano_tumor_learners.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation.nano_tumor_eval import study_folds
from validation.nano_tumor_learners import METHODS, material_logtw, oof_predictions, partitions, sets

from nanodds.design.train import settings


def test_material_logtw_recovers_an_exact_law() -> None:
    """log10 DE24 = a_material + 0.56 log10 TW is recovered exactly; a material unseen in training gets the mean
    intercept."""
    rng = np.random.default_rng(0)
    mats = np.array(["Gold", "Silica", "Liposomes"])[rng.integers(0, 3, 60)]
    tw = 10 ** rng.uniform(-1.5, 0.5, 60)
    icpt = {"Gold": -0.2, "Silica": -0.6, "Liposomes": 0.4}
    de24 = 10 ** (np.array([icpt[m] for m in mats]) + 0.56 * np.log10(tw))
    d = pd.DataFrame({"MAT": mats, "TW": tw, "DE24": de24})
    tr, te = np.arange(50), np.arange(50, 60)
    assert material_logtw(d, tr, te) == pytest.approx(np.log10(de24[te]), abs=1e-10)
    d.loc[59, "MAT"] = "Dendrimers"
    assert material_logtw(d, tr, te)[-1] == pytest.approx(np.mean(list(icpt.values())) + 0.56 * np.log10(tw[59]))


def test_partitions_keep_studies_whole_and_start_with_study_folds() -> None:
    d, _ = sets()
    parts = partitions(d, 2)
    assert parts[0][0] == "study_folds" and np.array_equal(parts[0][1], study_folds(d))
    for _, folds in parts:
        assert (d.assign(f=folds).groupby("study")["f"].nunique() == 1).all()


def test_out_of_fold_predictions_do_not_see_their_own_fold() -> None:
    """Shuffling the outcomes of one fold's sets leaves that fold's predictions unchanged (every method is trained
    on the other folds only), and the predictions are positive and finite."""
    d, raw = sets()
    st = {**settings(), "n_estimators": 8}
    folds = study_folds(d)
    base = oof_predictions(d, raw, folds, 1, st)
    te = np.flatnonzero(folds == 0)
    perm = np.random.default_rng(1).permutation(te)
    d2, raw2 = d.copy(), raw.copy()
    for frame in (d2, raw2):
        for col in ("DE24", "DE168", "Demax"):
            frame.loc[te, col] = frame.loc[perm, col].to_numpy()
    moved = oof_predictions(d2, raw2, folds, 1, st)
    for m in METHODS:
        assert np.all(np.isfinite(base[m]) & (base[m] > 0))
        assert moved[m][te] == pytest.approx(base[m][te], rel=1e-12)
        assert not np.allclose(moved[m][folds == 1], base[m][folds == 1])  # the other folds did see them
