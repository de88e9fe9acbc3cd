"""Polydisperse Rosensweig SAR: limiting case and the measured explanation of the Zhang 2007 miss."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.release.test_magnetic import F_ZHANG, H_ZHANG, SAR_ZHANG, T_ZHANG, ZHANG

from nanodds.release import magnetic as mg
from nanodds.release.magnetic_polydisperse import sar_lognormal_w_per_g


def test_narrow_distribution_tends_to_monodisperse() -> None:
    mono = mg.sar_w_per_g(H_ZHANG, F_ZHANG, 13.0, T_ZHANG)
    assert sar_lognormal_w_per_g(H_ZHANG, F_ZHANG, 13.0, 0.0, T_ZHANG) == mono
    assert sar_lognormal_w_per_g(H_ZHANG, F_ZHANG, 13.0, 1e-4, T_ZHANG) == pytest.approx(mono, rel=1e-5)


def test_quadrature_matches_dense_sum() -> None:
    d = np.linspace(2.0, 60.0, 4000)
    s = 0.2
    n = np.exp(-np.log(d / 13.0) ** 2 / (2 * s * s)) / d
    sar = np.array([mg.sar_w_per_g(H_ZHANG, F_ZHANG, x, T_ZHANG) for x in d])
    dense = float((n * d ** 3 * sar).sum() / (n * d ** 3).sum())
    assert sar_lognormal_w_per_g(H_ZHANG, F_ZHANG, 13.0, s, T_ZHANG) == pytest.approx(dense, rel=1e-4)


def test_size_spread_explains_the_zhang_miss() -> None:
    # Criterion stated before computing: a log-width of at most 0.25 (a typical co-precipitated magnetite
    # spread, Rosensweig 2002 discusses widths of this order) about the pre-registered 13 nm median brings the
    # SAR into the 2-fold band of the measured 75 W/g. This explains the miss; it is not a validation because
    # Zhang's distribution width was not read.
    d50 = ZHANG["core_diameter"].to("nm")
    widths = np.arange(0.0, 0.2501, 0.01)
    sar = [sar_lognormal_w_per_g(H_ZHANG, F_ZHANG, d50, float(s), T_ZHANG) for s in widths]
    assert all(b > a for a, b in itertools.pairwise(sar))  # spread raises the volume-weighted SAR
    first = next(s for s, v in zip(widths, sar, strict=True) if v >= SAR_ZHANG / 2)
    assert first <= 0.25
    assert sar[0] < SAR_ZHANG / 2  # the monodisperse pre-registered value still misses
