"""Fitting: parameter recovery (hypothesis), statistics, ranking, statuses and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanodds.errors import InputError
from nanodds.release.fitting import fit_all, fit_model, rank_fits
from nanodds.release.models import MODELS

TIMES = np.array([0.0, 5, 10, 15, 20, 30, 45, 60, 75, 90, 105, 120])

#: realistic true parameters (time in min) for every catalogue model
NOMINAL: dict[str, tuple[float, ...]] = {
    "zero_order": (0.7,), "zero_order_tlag": (0.7, 10.0), "zero_order_f0": (0.6, 10.0),
    "first_order": (0.03,), "first_order_tlag": (0.03, 10.0), "first_order_fmax": (0.03, 90.0),
    "first_order_tlag_fmax": (0.03, 90.0, 10.0),
    "higuchi": (8.0,), "higuchi_tlag": (8.0, 10.0), "higuchi_f0": (8.0, 10.0),
    "korsmeyer_peppas": (5.0, 0.6), "korsmeyer_peppas_tlag": (5.0, 0.6, 10.0),
    "korsmeyer_peppas_f0": (5.0, 0.6, 10.0),
    "hixson_crowell": (0.005,), "hixson_crowell_tlag": (0.005, 10.0),
    "hopfenberg": (0.006, 2.0), "hopfenberg_tlag": (0.006, 2.0, 10.0),
    "baker_lonsdale": (0.003,), "baker_lonsdale_tlag": (0.003, 10.0),
    "makoid_banakar": (3.0, 0.8, 0.005), "makoid_banakar_tlag": (3.0, 0.8, 0.005, 10.0),
    "peppas_sahlin_1": (4.0, -0.05, 0.6), "peppas_sahlin_1_tlag": (4.0, -0.05, 0.6, 10.0),
    "peppas_sahlin_2": (8.0, 0.1), "peppas_sahlin_2_tlag": (8.0, 0.1, 10.0),
    "quadratic": (-3e-5, 0.011),
    "weibull": (30.0, 0.9), "weibull_tlag": (30.0, 0.9, 10.0), "weibull_fmax": (30.0, 0.9, 90.0),
    "weibull_tlag_fmax": (30.0, 0.9, 90.0, 10.0),
    "logistic": (-6.0, 2.0), "logistic_fmax": (-6.0, 2.0, 90.0),
    "gompertz": (20.0, 1.0), "gompertz_fmax": (20.0, 1.0, 90.0),
    "probit": (-4.0, 1.2), "probit_fmax": (-4.0, 1.2, 90.0),
    "hill": (30.0, 2.0, 95.0), "hill_tlag": (30.0, 2.0, 95.0, 10.0),
}  # fmt: skip


#: k1, k2 and m of Peppas-Sahlin 1 trade off strongly on 12 points: only the curve and SSR are checked
WEAKLY_IDENTIFIABLE = {"peppas_sahlin_1", "peppas_sahlin_1_tlag"}


def test_every_model_has_a_recovery_case():
    assert set(NOMINAL) == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_parameter_recovery(name, data):
    m = MODELS[name]
    factors = data.draw(st.lists(st.floats(0.85, 1.2), min_size=len(m.params), max_size=len(m.params)))
    seed = data.draw(st.integers(0, 2**16))
    true = np.array(NOMINAL[name]) * np.array(factors)
    rng = np.random.default_rng(seed)
    y = m(TIMES, *true) + rng.normal(0.0, 0.2, TIMES.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_model(TIMES, y, m)
    assert fit.ok, fit.status
    assert np.max(np.abs(fit.predict(TIMES) - m(TIMES, *true))) < 1.0
    # the optimiser finds an optimum at least as good as the true parameters
    assert fit.stats["SSR"] <= np.sum((m(TIMES, *true) - y) ** 2) * (1 + 1e-6) + 1e-9
    if name in WEAKLY_IDENTIFIABLE:
        return
    for (pname, est), t in zip(fit.params.items(), true, strict=True):
        se = fit.se[pname] or 0.0
        assert abs(est - t) <= max(0.15 * abs(t), 5.0 * se, 1e-6), (pname, est, t, se)


def test_statistics_and_ranking():
    y = MODELS["first_order"](TIMES, 0.03) + np.random.default_rng(1).normal(0, 0.5, TIMES.size)
    fits = fit_all(TIMES, y, ["first_order", "zero_order", "higuchi", "weibull"])
    assert [f.rank for f in fits] == [1, 2, 3, 4]
    assert fits[0].model in ("first_order", "weibull")
    st_ = fits[0].stats
    n, p = st_["n"], st_["p"]
    assert st_["AIC"] == pytest.approx(n * np.log(st_["SSR"]) + 2 * p)
    assert st_["BIC"] == pytest.approx(n * np.log(st_["SSR"]) + p * np.log(n))
    assert st_["R2adj"] == pytest.approx(1 - (1 - st_["R2"]) * (n - 1) / (n - p))
    assert st_["RMSE"] == pytest.approx(np.sqrt(st_["SSR"] / (n - p)))
    for f in fits:
        for name, (lo, hi) in f.ci95.items():
            assert lo < f.params[name] < hi
    by_msc = rank_fits(fits, "MSC")
    assert by_msc[0].stats["MSC"] == max(f.stats["MSC"] for f in fits)


def test_weighting_changes_objective():
    y = MODELS["first_order"](TIMES, 0.03) + np.random.default_rng(2).normal(0, 1.0, TIMES.size)
    y = np.abs(y)
    y[0] = 0.0
    with pytest.warns(UserWarning, match="left out"):
        fw = fit_model(TIMES, y, "first_order", weight="1/y2")
    assert fw.ok and fw.n_points == TIMES.size - 1 and fw.weight == "1/y2"
    with pytest.raises(InputError) as exc:
        fit_model(TIMES, y, "first_order", weight="1/x")
    assert exc.value.field == "weight"


def test_too_few_points():
    t, y = [10.0, 20.0, 30.0], [20.0, 40.0, 55.0]
    with pytest.raises(InputError) as exc:
        fit_model(t, y, "weibull_tlag_fmax")
    assert "weibull_tlag_fmax" in exc.value.field
    fits = fit_all(t, y, ["weibull_tlag_fmax", "first_order"])
    skipped = next(f for f in fits if f.model == "weibull_tlag_fmax")
    assert skipped.status == "skipped: fewer points (3) than parameters (4)"
    assert skipped.params == {} and skipped.rank is None
    assert fits[0].model == "first_order" and fits[0].rank == 1
    with pytest.raises(InputError):
        fit_all(t, y, ["weibull_tlag_fmax"])


def test_not_converged_status_is_explicit():
    y = np.full(TIMES.size, np.nan)
    with pytest.raises(InputError) as exc:
        fit_model(TIMES, y, "first_order")
    assert exc.value.field == "percent"
    fits = fit_all(TIMES, MODELS["first_order"](TIMES, 0.03), ["first_order"], n_starts=1)
    assert fits[0].ok and fits[0].to_dict()["status"] == "ok"


def test_bad_input_fields():
    with pytest.raises(InputError) as exc:
        fit_model([0.0, -5.0, 10.0], [0.0, 10.0, 20.0], "zero_order")
    assert exc.value.field == "time"
    with pytest.raises(InputError) as exc:
        fit_model([0.0, 5.0, 10.0], [0.0, "ten", 20.0], "zero_order")
    assert exc.value.field == "percent" and exc.value.value == "ten"
    with pytest.raises(InputError) as exc:
        fit_model([0.0, 5.0], [0.0, 1.0], "no_such_model")
    assert exc.value.field == "model"


def test_noisy_data_is_accepted_with_warning():
    y = np.array([0.0, 30.0, 58.0, 55.0, 90.0, 101.5])
    t = np.array([0.0, 10, 20, 30, 60, 120])
    with pytest.warns(UserWarning) as rec:
        fit = fit_model(t, y, "first_order")
    msgs = " ".join(str(w.message) for w in rec)
    assert "above 100" in msgs and "decreases" in msgs
    assert fit.ok
