"""Study-cluster bootstrap of the Nano-Tumor DB scores (validation/nano_tumor_uncertainty.py)."""

from __future__ import annotations

import numpy as np
import pytest
from validation.nano_tumor_eval import scores
from validation.nano_tumor_uncertainty import cluster_bootstrap


def _data(n_studies: int, copies: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-normal observations with a noisy predictor; every study repeats one (obs, pred) pair ``copies`` times."""
    rng = np.random.default_rng(seed)
    obs = np.exp(rng.normal(0.0, 1.0, n_studies))
    pred = obs * np.exp(rng.normal(0.0, 1.0, n_studies))
    return np.repeat(obs, copies), np.repeat(pred, copies), np.repeat(np.arange(n_studies), copies)


def test_estimate_is_the_score_on_all_sets_and_lies_in_its_interval() -> None:
    obs, pred, groups = _data(40, 3)
    res = cluster_bootstrap(obs, {"model": pred}, groups, n_boot=300)
    full = scores(obs, pred)
    for s in ("median_fold_error", "spearman"):
        iv = res["model"][s]
        assert iv["estimate"] == pytest.approx(full[s])
        assert iv["lo"] < iv["estimate"] < iv["hi"]


def test_whole_studies_are_drawn() -> None:
    """Copies of one study carry no extra information: the interval is as wide as for the studies alone.

    Drawing sets instead of studies would treat the 5 copies as independent and give a ~sqrt(5) narrower interval.
    """
    obs, pred, groups = _data(40, 5)
    clustered = cluster_bootstrap(obs, {"model": pred}, groups, n_boot=600)["model"]["spearman"]
    per_set = cluster_bootstrap(obs, {"model": pred}, np.arange(obs.size), n_boot=600)["model"]["spearman"]
    o1, p1, g1 = _data(40, 1)
    alone = cluster_bootstrap(o1, {"model": p1}, g1, n_boot=600)["model"]["spearman"]
    width = {k: v["hi"] - v["lo"] for k, v in (("clustered", clustered), ("per_set", per_set), ("alone", alone))}
    assert width["clustered"] > 1.5 * width["per_set"]
    assert width["clustered"] == pytest.approx(width["alone"], rel=0.25)


def test_paired_difference_of_a_predictor_with_itself_is_zero() -> None:
    obs, pred, groups = _data(30, 2)
    res = cluster_bootstrap(obs, {"model": pred, "same": pred.copy(), "flat": np.full(obs.size, 1.0)}, groups,
                            n_boot=200)
    for s in ("median_fold_error", "spearman"):
        assert res["diff"]["same"][s] == {"estimate": 0.0, "lo": 0.0, "hi": 0.0}
    assert np.isnan(res["flat"]["spearman"]["estimate"])  # a constant has no rank: reported as such, not as 0
