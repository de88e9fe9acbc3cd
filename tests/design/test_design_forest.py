"""Tree ensemble as plain arrays: same predictions as scikit-learn, round trip through arrays."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

from nanodds.design.forest import TreeEnsemble


@pytest.mark.parametrize("cls", [RandomForestRegressor, ExtraTreesRegressor])
@pytest.mark.parametrize("n_out", [1, 3])
def test_matches_sklearn(cls, n_out) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6))
    x[:, 5] = rng.integers(0, 2, 120)
    y = x[:, :n_out] * 2 + rng.normal(scale=0.1, size=(120, n_out))
    est = cls(n_estimators=15, min_samples_leaf=2, random_state=1).fit(x, y if n_out > 1 else y[:, 0])
    ens = TreeEnsemble.from_sklearn(est)
    xt = rng.normal(size=(50, 6))
    ref = est.predict(xt).reshape(50, -1)
    np.testing.assert_allclose(ens.predict(xt), ref, rtol=0, atol=1e-12)
    back = TreeEnsemble.from_arrays(ens.to_arrays("m"), "m")
    np.testing.assert_array_equal(back.predict(xt), ens.predict(xt))
