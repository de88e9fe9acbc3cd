"""Washout of digested carrier's label from the tumour (``tumour_label_washout_rate``, carriers/mouse.yaml)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.engine import simulate
from nanodds.model.carrier import TUMOUR_DIGESTED, TUMOUR_LABEL, TUMOUR_LABEL_CLEARED
from nanodds.specs.scenario import parse_scenario


def _scn(hours: int = 168):
    raw = {"species": "mouse", "drug": "doxorubicin", "subject": {"body_weight": "20 g"},
           "carrier": {"type": "pegylated_liposome", "ligand": "antibody"}, "tumour": {"volume": "0.2 mL"},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "simulation": {"duration": f"{hours} h", "points": 4 * hours + 1, "saturable": False}}
    return parse_scenario(raw)


def _label(sol) -> np.ndarray:
    return sol.observe("carrier_label_amount_tumour")


def test_no_washout_keeps_the_label_in_a_sink() -> None:
    sol = simulate(_scn(48))
    assert TUMOUR_DIGESTED in sol.model.names and TUMOUR_LABEL not in sol.model.names


@given(st.floats(0.002, 0.2))
@settings(max_examples=6, deadline=None)
def test_washout_acts_on_the_digested_label_only(k_per_h: float) -> None:
    """Intact carrier unchanged; the digested label is the no-washout label's inflow decaying at k:
    ``D_k(t) = int_0^t exp(-k (t - s)) dD_0(s)`` (checked with a step-wise exact convolution, piecewise-constant
    inflow, on the 0.25 h grid); mass conserved to 1e-9."""
    scn = _scn()
    base, wash = simulate(scn), simulate(scn, carrier_overrides={"tumour_label_washout_rate": k_per_h})
    assert TUMOUR_LABEL in wash.model.names and TUMOUR_LABEL_CLEARED in wash.model.names
    assert max(wash.mass_balance_rel_error().values()) < 1e-9
    intact = base.observe("carrier_amount_tumour")
    np.testing.assert_allclose(wash.observe("carrier_amount_tumour"), intact, rtol=1e-9, atol=1e-15)
    d0 = _label(base) - intact
    t = base.times_h
    dk = np.zeros_like(d0)
    for i in range(1, t.size):
        h = t[i] - t[i - 1]
        dk[i] = np.exp(-k_per_h * h) * dk[i - 1] + (d0[i] - d0[i - 1]) * (1 - np.exp(-k_per_h * h)) / (k_per_h * h)
    got = _label(wash) - intact
    assert np.max(np.abs(got - dk)) <= 2e-3 * d0.max()
    assert got[-1] < d0[-1] * np.exp(-k_per_h * 24.0)  # label made in the first days has partly left by a week


def test_washout_zero_is_the_sink_model() -> None:
    scn = _scn(48)
    a, b = simulate(scn), simulate(scn, carrier_overrides={"tumour_label_washout_rate": 0.0})
    assert a.model.names == b.model.names
    np.testing.assert_array_equal(_label(a), _label(b))


def test_negative_washout_is_refused() -> None:
    with pytest.raises(Exception, match="tumour_label_washout_rate"):
        simulate(_scn(24), carrier_overrides={"tumour_label_washout_rate": -0.01})
