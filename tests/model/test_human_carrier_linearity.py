"""Human PEG-liposome (Doxil) carrier honours the DOXIL label's linear PK over 10-20 mg/m2.

validation/calibrate.py fits the human MPS extraction to label Table 8 as linear PK and sets the MPS capacity so
that saturation lowers CL at 20 mg/m2 by at most ``HUMAN_MAX_CL_DROP_AT_20`` (10 %) below the linear CL. These
tests fail if ``carriers/human.yaml`` drifts from that construction: a capacity that saturates at the label doses
(the former fit, 25 mg/kg, gave CL 0.076 -> 0.039 L/h/m2 from 10 to 20 mg/m2) or no saturation at all.
"""

from __future__ import annotations

import pytest
from validation.calibrate import HUMAN_MAX_CL_DROP_AT_20
from validation.cases import human_doxil, metrics_of

from nanodds.specs.params import DATA_ROOT, load_yaml

TOL = 0.01  # the data file holds 4-significant-figure values of the fit and the test runs at the default tolerance


@pytest.fixture(scope="module")
def cl() -> dict[str, float]:
    """Total-doxorubicin CL (L/h/m2) of Doxil over 30 min at the label doses, 50 mg/m2 and in the linear limit."""
    out = {"linear": metrics_of(human_doxil(20.0, 0.5, saturable=False))["plasma_total"]["cl_L_per_h_per_m2"]}
    for d in (10.0, 20.0, 50.0):
        out[f"{d:g}"] = metrics_of(human_doxil(d, 0.5))["plasma_total"]["cl_L_per_h_per_m2"]
    return out


def test_saturation_lowers_cl_at_20_by_at_most_the_stated_bound(cl) -> None:
    drop = 1.0 - cl["20"] / cl["linear"]
    assert drop <= HUMAN_MAX_CL_DROP_AT_20 + TOL
    # the capacity is the smallest that keeps the bound: the fall sits at it, not far below
    assert drop >= HUMAN_MAX_CL_DROP_AT_20 - TOL


def test_cl_is_near_linear_between_10_and_20(cl) -> None:
    assert cl["20"] / cl["10"] >= 1.0 - HUMAN_MAX_CL_DROP_AT_20
    assert cl["20"] < cl["10"] < cl["linear"]


def test_cl_falls_further_at_50(cl) -> None:
    """The label calls the PK nonlinear at 50 mg/m2 (lower CL): saturation must still appear there."""
    assert cl["50"] < cl["20"]
    assert 1.0 - cl["50"] / cl["linear"] > HUMAN_MAX_CL_DROP_AT_20


def test_linear_cl_within_label_table8_range(cl) -> None:
    """The linear fit lands between the two Table 8 means minus 2 SE (0.036 at 10, 0.033 at 20 mg/m2) and 0.056."""
    assert 0.033 <= cl["linear"] <= 0.056


def test_sources_state_the_capacity_assumption() -> None:
    kin = load_yaml(DATA_ROOT / "carriers" / "human.yaml")
    src = kin["mps_capacity"].source
    assert "assumption" in src and "10 %" in src and "linear" in src
    assert "linear PK" in kin["mps_extraction_total"].source
