"""The paclitaxel family's stored fitted values reproduce their label calibration targets
(validation/calibrate_paclitaxel.py; label data only, never the Sparreboom/Gardner validation rows)."""

from __future__ import annotations

import pytest
from validation.calibrate_paclitaxel import (
    LABEL_BP,
    LABEL_CL,
    mean_log_ratio,
    particle_share,
    target_particle_share,
)

from nanodds.specs.params import load_yaml


def test_particle_share_target_follows_from_label_blood_plasma_ratio():
    # (1.07 - 1.0) / (1.07 - (1 - 0.434)): particle-free B:P, label B:P, ICRP hematocrit
    assert target_particle_share() == pytest.approx(0.07 / 0.504, rel=1e-3)
    assert "calibration" in LABEL_BP and "calibration" in LABEL_CL


def test_stored_release_rate_reproduces_particle_share():
    k = load_yaml("carriers/carriers.yaml")["albumin_nanoparticle"]["release_rate_blood"].to("1/h")
    assert particle_share(k) == pytest.approx(target_particle_share(), rel=0.02)
    # the former 10 /h left most plasma drug particle-bound: the check can fail
    assert particle_share(10.0) > 3 * target_particle_share()


@pytest.mark.slow
def test_stored_hepatic_clearance_centres_taxol_label_arms():
    cl = load_yaml("drugs/paclitaxel.yaml")["clearance"]["human"]["hepatic_blood"].to("L/h")
    assert abs(mean_log_ratio(cl)) < 2e-3
    assert mean_log_ratio(0.8 * cl) < -0.05
