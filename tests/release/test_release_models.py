"""Release-model catalogue: registry, equations, identities between models."""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.errors import InputError
from nanodds.release.models import MODELS, get_model, parse_model_list, summarise
from nanodds.release.models_kinetic import baker_lonsdale

T = np.linspace(0.0, 120.0, 61)


def test_catalogue_has_at_least_30_models_with_metadata():
    assert len(MODELS) >= 30
    y = 100 * (1 - np.exp(-0.03 * T))
    s = summarise(T, y)
    for name, m in MODELS.items():
        assert m.name == name
        assert m.equation.strip() and m.label.strip()
        assert all(q.unit for q in m.params)
        assert len(set(m.param_names)) == len(m.params)
        lo, hi = m.bounds(s)
        p0 = m.initial_guess(s)
        assert np.all(lo < hi) and np.all((p0 > lo) & (p0 < hi)), name
        out = m(T, *p0)
        assert out.shape == T.shape and np.all(np.isfinite(out)), name


def test_unknown_model_lists_allowed_names():
    with pytest.raises(InputError) as exc:
        get_model("nonexistent")
    assert exc.value.field == "model"
    assert "weibull" in str(exc.value) and "first_order" in str(exc.value)
    with pytest.raises(InputError):
        parse_model_list("weibull,nope")


def test_weibull_beta_one_equals_first_order():
    k1 = 0.037
    np.testing.assert_allclose(MODELS["weibull"](T, 1.0 / k1, 1.0), MODELS["first_order"](T, k1), rtol=1e-12)


def test_hopfenberg_n3_equals_hixson_crowell():
    k = 0.006
    np.testing.assert_allclose(MODELS["hopfenberg"](T, k, 3.0), MODELS["hixson_crowell"](T, k), rtol=1e-12)


@pytest.mark.parametrize(
    ("variant", "base", "p_base", "extra"),
    [
        ("first_order_tlag", "first_order", (0.03,), (0.0,)),
        ("first_order_fmax", "first_order", (0.03,), (100.0,)),
        ("weibull_tlag_fmax", "weibull", (30.0, 0.9), (100.0, 0.0)),
        ("korsmeyer_peppas_f0", "korsmeyer_peppas", (5.0, 0.6), (0.0,)),
        ("hill_tlag", "hill", (30.0, 2.0, 95.0), (0.0,)),
    ],
)
def test_variants_reduce_to_base(variant, base, p_base, extra):
    np.testing.assert_allclose(MODELS[variant](T, *p_base, *extra), MODELS[base](T, *p_base), rtol=1e-12)


def test_tlag_shifts_curve():
    m = MODELS["weibull_tlag"]
    np.testing.assert_allclose(m(T + 10.0, 30.0, 0.9, 10.0), MODELS["weibull"](T, 30.0, 0.9), rtol=1e-12)
    assert np.all(m(np.array([0.0, 5.0, 10.0]), 30.0, 0.9, 10.0) == 0.0)


def test_baker_lonsdale_solves_implicit_equation():
    k = 0.003
    f = baker_lonsdale(T, k) / 100.0
    lhs = 1.5 * (1.0 - (1.0 - f) ** (2.0 / 3.0)) - f
    np.testing.assert_allclose(lhs, np.minimum(k * T, 0.5), atol=1e-12)
    assert baker_lonsdale(np.array([1e6]), k)[0] == pytest.approx(100.0)


def test_sigmoids_are_zero_at_time_zero():
    for name in ("logistic", "gompertz", "probit", "hill", "weibull"):
        m = MODELS[name]
        p0 = m.initial_guess(summarise(T, 100 * (1 - np.exp(-0.03 * T))))
        assert m(np.array([0.0]), *p0)[0] == pytest.approx(0.0, abs=1e-12), name
