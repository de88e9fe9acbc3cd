"""f1/f2 (Shah et al. 1998 Table 4), point rules, MDT, DE and bootstrap f2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nanodds.errors import InputError
from nanodds.release.dataio import read_release_csv
from nanodds.release.profiles import (
    bootstrap_f2,
    compare_profiles,
    dissolution_efficiency,
    f1,
    f2,
    mdt,
    select_points,
)

SHAH = Path(__file__).resolve().parents[2] / "validation" / "data" / "dissolution" / "shah1998_table4.csv"
PUBLISHED = {  # Shah et al. 1998, Pharm Res 15:889, mean profiles at 30/60/90/180 min vs b0
    "b1": (60.03, 8.73), "b2": (51.08, 13.21), "b3": (51.19, 13.67),
    "b4": (50.07, 7.38), "b5": (48.05, 13.95),
}  # fmt: skip



@pytest.fixture(scope="module")
def shah():
    return read_release_csv(SHAH)


@pytest.mark.parametrize("batch", sorted(PUBLISHED))
def test_shah1998_f2_f1_reproduced(shah, batch):
    t, ref = shah.mean_profile("b0")
    _, test = shah.mean_profile(batch)
    keep = np.isin(t, [30, 60, 90, 180])
    f2_pub, f1_pub = PUBLISHED[batch]
    assert round(f2(ref[keep], test[keep]), 2) == pytest.approx(f2_pub, abs=0.01)
    assert round(f1(ref[keep], test[keep]), 2) == pytest.approx(f1_pub, abs=0.01)
    # the FDA rule selects exactly those points for every batch of this data set
    tr, r_units = shah.unit_matrix("b0")
    _, t_units = shah.unit_matrix(batch)
    res = compare_profiles(tr, r_units, t_units, rule="fda")
    assert res["time_points"] == [30.0, 60.0, 90.0, 180.0]
    assert res["f2"] == pytest.approx(f2_pub, abs=0.005)
    assert res["f1"] == pytest.approx(f1_pub, abs=0.005)


@pytest.mark.parametrize("batch", sorted(PUBLISHED))
@pytest.mark.parametrize("rule", ["all", "fda"])
def test_time_zero_never_counts(shah, batch, rule):
    """Shah 1998 Table 4 has a 0 min column: every rule keeping 30-180 min gives the published values."""
    tr, r_units = shah.unit_matrix("b0")
    _, t_units = shah.unit_matrix(batch)
    assert 0.0 in tr.tolist()
    res = compare_profiles(tr, r_units, t_units, rule=rule)
    assert res["time_points"] == [30.0, 60.0, 90.0, 180.0]
    f2_pub, f1_pub = PUBLISHED[batch]
    assert res["f2"] == pytest.approx(f2_pub, abs=0.005)
    assert res["f1"] == pytest.approx(f1_pub, abs=0.005)


def test_time_zero_excluded_under_every_rule(shah):
    tr, r_units = shah.unit_matrix("b0")
    _, t_units = shah.unit_matrix("b1")
    for rule in ("all", "ema", "fda"):
        res = compare_profiles(tr, r_units, t_units, rule=rule)
        assert 0.0 not in res["time_points"], rule


def test_point_rules():
    t = np.array([0.0, 15, 30, 45, 60])
    ref = np.array([0.0, 50, 80, 90, 95])
    test = np.array([0.0, 60, 86, 88, 96])
    assert select_points(t, ref, test, "all").tolist() == [False] + [True] * 4  # zero never counts
    # EMA: stop at the first point where either mean is > 85 %
    assert select_points(t, ref, test, "ema").tolist() == [False, True, True, False, False]
    # FDA: stop at the first point where both means are >= 85 %
    assert select_points(t, ref, test, "fda").tolist() == [False, True, True, True, False]
    with pytest.raises(InputError) as exc:
        select_points(t, ref, test, "who")
    assert exc.value.field == "rule"


def test_f2_limits_and_mdt_de():
    r = np.array([20.0, 40, 60, 80])
    assert f2(r, r) == pytest.approx(100.0)
    assert f1(r, r) == 0.0
    assert f2(r, r + 10) == pytest.approx(50.0 * np.log10(100 / np.sqrt(101)))
    t = np.array([0.0, 10, 20, 30, 40])
    y = 2.5 * t  # linear to 100 % at 40
    assert dissolution_efficiency(t, y) == pytest.approx(50.0)
    assert mdt(t, y) == pytest.approx(20.0)
    assert mdt(t[1:], y[1:]) == pytest.approx(20.0)  # origin added when missing


def test_bootstrap_deterministic_and_brackets_estimate(shah):
    t, r = shah.unit_matrix("b0")
    _, s = shah.unit_matrix("b1")
    mask = select_points(t, r.mean(0), s.mean(0), "fda")
    a = bootstrap_f2(r, s, mask, n_boot=500, seed=7)
    b = bootstrap_f2(r, s, mask, n_boot=500, seed=7)
    assert a == b
    for key in ("f2_ci_percentile", "f2_ci_bca"):
        lo, hi = a[key]
        assert lo < a["f2_observed"] < hi
        assert 45 < lo and hi < 75
    assert a["n"] == 500 and a["seed"] == 7
    c = bootstrap_f2(r, s, mask, n_boot=500, seed=8)
    assert c["f2_ci_percentile"] != a["f2_ci_percentile"]


def test_bootstrap_needs_replicates():
    one = np.array([[10.0, 50, 90]])
    with pytest.raises(InputError) as exc:
        bootstrap_f2(one, one, np.ones(3, bool), n_boot=100)
    assert exc.value.field == "replicate"
