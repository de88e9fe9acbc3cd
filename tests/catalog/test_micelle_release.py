"""The paclitaxel micelles' release rate is the stated derivation (validation/calibrate_micelle.py), not a fit:
'rapidly in the blood' read as 95 % released within one circulation time of the reference human."""

from __future__ import annotations

import math

import pytest
from validation.calibrate_micelle import circulation_time_h, derived_release_rate, main, stored_rates

from nanodds.catalog.products import product_scenario
from nanodds.units import to_canonical


def test_circulation_time_is_blood_volume_over_cardiac_output():
    # ICRP 89 reference male: 0.072603 L/kg x 73 kg = 5.30 L of blood, cardiac output 390 L/h
    assert circulation_time_h() == pytest.approx(0.072603 * 73.0 / 390.0, rel=1e-6)
    assert derived_release_rate() == pytest.approx(math.log(20.0) * 390.0 / (0.072603 * 73.0), rel=1e-6)


def test_stored_rates_equal_the_derivation():
    k = derived_release_rate()
    rates = stored_rates()
    assert len(rates) == 4
    for where, v in rates.items():
        assert v == pytest.approx(k, rel=5e-3), where
    assert main(["--check"]) == 0


def test_apealea_and_genexol_run_with_the_derived_rate():
    k = derived_release_rate()
    for key in ("apealea", "genexol_pm"):
        rel = product_scenario(key).carrier.release
        assert rel["model"] == "first_order"
        assert to_canonical(rel["rate_blood"], "1/h", "rate_blood") == pytest.approx(k, rel=5e-3)
        assert to_canonical(rel["rate_tissue"], "1/h", "rate_tissue") == pytest.approx(k, rel=5e-3)
    assert product_scenario("apealea").carrier.diameter_nm == pytest.approx(25.0)
