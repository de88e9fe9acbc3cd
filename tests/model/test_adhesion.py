"""Adhesion of ligand-coated particles to an injured vessel wall under shear (Decuzzi & Ferrari 2006, Bell 1978)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.errors import InputError, RangeWarning
from nanodds.model import adhesion as ad

PAIRS = ad.bond_pairs("glycocalicin", "injured_artery", "sites[0].adhesion")
PSEL = PAIRS["p_selectin"]
ML = 1e15  # 1000 ligands per um^2, in 1/m^2


def test_no_flow_limit_is_the_prefactor() -> None:
    """At zero shear the Bell exponent vanishes: P_a = m_r m_l K_a0 pi r0^2 (r0 = sqrt(2 a delta - delta^2))."""
    a = 100e-9
    delta = 10e-9  # bond_reach of data/sites/adhesion.yaml
    r0sq = 2 * a * delta - delta**2
    expected = PSEL.receptor_density_per_m2 * ML * PSEL.affinity_area_m2 * math.pi * r0sq
    assert ad.adhesion_probability(a, 0.0, ML, PSEL) == pytest.approx(expected, rel=1e-12)
    assert ad.adhesion_probability(a, 0.0, 0.0, PSEL) == 0.0  # no ligand, no adhesion


@settings(max_examples=40, deadline=None)
@given(st.floats(20e-9, 3e-6), st.floats(1.0, 5000.0), st.floats(1.01, 10.0))
def test_monotone_in_shear_ligand_and_receptor(a: float, shear: float, f: float) -> None:
    p = ad.adhesion_probability(a, shear, ML / 10, PSEL)
    assert ad.adhesion_probability(a, shear * f, ML / 10, PSEL) <= p  # more shear dislodges
    assert ad.adhesion_probability(a, shear, ML / 10 * f, PSEL) >= p  # more ligand binds
    more_r = replace(PSEL, receptor_density_per_m2=PSEL.receptor_density_per_m2 * f)
    assert ad.adhesion_probability(a, shear, ML / 10, more_r) >= p
    assert 0.0 <= p <= 1.0


def _optimum_radius(shear: float, pair: ad.BondPair = PSEL) -> float:
    radii = np.geomspace(20e-9, 20e-6, 400)
    p = [ad.adhesion_probability(r, shear, ML / 10, pair) for r in radii]
    i = int(np.argmax(p))
    assert 0 < i < len(radii) - 1, "the optimum must be interior (rise, then decline)"
    assert max(p) < 1.0
    return float(radii[i])


def test_optimum_size_at_fixed_shear_and_its_published_trend() -> None:
    """Decuzzi & Ferrari 2006: at fixed shear there is an optimal size, V_opt = alpha (m_r / mu S)^beta with
    beta > 0: the optimum shrinks as shear rises and grows with the receptor density."""
    r500, r2000 = _optimum_radius(500.0), _optimum_radius(2000.0)
    assert r2000 < r500
    dense = replace(PSEL, receptor_density_per_m2=PSEL.receptor_density_per_m2 * 4)
    assert _optimum_radius(2000.0, dense) > r2000
    # beyond the optimum the probability declines with size
    assert ad.adhesion_probability(5 * r2000, 2000.0, ML / 10, PSEL) < ad.adhesion_probability(r2000, 2000.0, ML / 10,
                                                                                                PSEL)


def test_capture_clearance_is_leveque_times_probability() -> None:
    d_nm, shear, lumen_mm, length_mm = 200.0, 500.0, 1.0, 10.0
    cl = ad.capture_clearance_L_per_h(d_nm, shear, 1000.0, PAIRS, lumen_mm, length_mm)
    a = 100e-9
    kt, mu = 4.28e-21, 1.2e-3  # data/sites/adhesion.yaml
    diff = kt / (6 * math.pi * mu * a)
    k = 0.808 * (shear * diff**2 / 0.01) ** (1 / 3)
    pa = ad.combined_probability(a, shear, 1e15, PAIRS)
    assert cl == pytest.approx(pa * k * math.pi * 1e-3 * 0.01 * 1e3 * 3600, rel=1e-12)
    assert ad.capture_clearance_L_per_h(d_nm, shear, 1000.0, PAIRS, lumen_mm, 2 * length_mm) > cl


def test_shear_outside_range_warns_naming_the_range() -> None:
    with pytest.warns(RangeWarning, match=r"20-2000 1/s"):
        ad.warn_shear(8000.0, "sites[0].wall_shear_rate", "8000 1/s")


def test_ligand_without_receptor_data_is_one_line() -> None:
    with pytest.raises(InputError) as e:
        ad.bond_pairs("transferrin", "injured_artery", "sites[0].adhesion")
    assert "\n" not in str(e.value) and "glycocalicin" in str(e.value)
    with pytest.raises(InputError, match="no"):
        ad.bond_pairs("glycocalicin", "stroke_lesion", "sites[0].adhesion")
