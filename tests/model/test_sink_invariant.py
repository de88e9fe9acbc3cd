"""A sink only accumulates: a model in which a ``:sink.`` state loses mass is refused when it is made."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nanodds.engine import build
from nanodds.specs.scenario import parse_scenario


def _model():
    return build(parse_scenario({
        "name": "sinks", "species": "mouse", "drug": "doxorubicin",
        "carrier": {"type": "gold_nanoparticle", "diameter": "50 nm"}, "tumour": {"volume": "0.3 mL"},
        "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
        "simulation": {"duration": "24 h", "points": 25, "saturable": False}}))


def test_built_models_have_no_sink_outflow():
    m = _model()
    assert len(m.sinks) and not np.any(m.K[:, m.sinks])


def test_a_sink_with_an_outflow_is_refused():
    """The solvers integrate sinks as running totals: an outflow from one (here the label of carrier digested in
    the tumour moved back to the blood) would be held at zero silently, with mass balance still closing."""
    m = _model()
    K = np.array(m.K)
    s, dst = m.index("carrier:sink.tumour_digested"), m.index("carrier:venous_plasma")
    K[s, s], K[dst, s] = -0.05, 0.05
    with pytest.raises(ValueError, match=r"tumour_digested.*outflow"):
        dataclasses.replace(m, K=K)
    with pytest.raises(ValueError, match="outflow"):
        dataclasses.replace(m, k_schedule=((1.0, K),))
