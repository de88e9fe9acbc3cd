"""Design check against Harashima et al. 1999 (J Control Release 61:93, doi:10.1016/S0168-3659(99)00110-X).

Setting: the release-sweep check of docs/validation.md (mouse 4T1, PEGylated liposomal doxorubicin 9 mg/kg IV
bolus, saturable MPS, 168 h); only the first-order release rate varies (blood = tissue, 0.001-3 1/h, log);
one objective, tumour free-drug AUC0-168 h (the sweep's design metric), maximised by the design optimiser.

Criterion (stated before the result): the optimiser's optimum lies within 2-fold of Harashima's 0.06 1/h.
Result: it does not. The optimiser finds 0.0166 1/h (0.28 x 0.06 1/h), the same optimum as the dense
release-rate sweep (refined 0.0165 1/h), so the miss is the model's, not the optimiser's. Nothing was tuned
toward 0.06 1/h. Harashima's optimum maximised a simulated cell kill with their own liposome and tumour
parameters; this check maximises this model's tumour free-drug AUC over one week (see docs/design.md).
The 2-fold criterion is kept as a strict xfail: it fails loudly if a model change makes it pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from nanodds.analysis.release_design import HARASHIMA_OPTIMUM_PER_H, release_rate_sweep
from nanodds.design.optimise import Design, run_design
from nanodds.design.space import parse_space
from nanodds.engine import build
from nanodds.specs.scenario import parse_scenario

RAW = {"name": "mouse PLD 9 mg/kg, 4T1", "species": "mouse", "drug": "doxorubicin",
       "carrier": {"type": "pegylated_liposome"}, "regimen": [{"route": "iv_bolus", "dose": "9.0 mg/kg"}],
       "tumour": {}, "simulation": {"duration": "168.0 h", "points": 337, "saturable": True}}
SPACE = {"variables": {"release_rate": {"low": "0.001 1/h", "high": "3 1/h", "log": True}},
         "objectives": [{"name": "tumour_free_auc", "metric": "tumour free AUC0-T", "direction": "max"}],
         "optimiser": {"population": 6, "generations": 5, "seed": 0}}
SWEEP_RATES = (0.006, 0.01, 0.015, 0.02, 0.03)


@pytest.fixture(scope="module")
def optimum():
    scn = parse_scenario(RAW)
    design = Design(scn, RAW, parse_space(SPACE, scn, RAW, build(scn)))
    res = run_design(design)
    return design, res.pareto.iloc[0]["release_rate_per_h"], res


def test_optimiser_finds_the_release_sweep_optimum(optimum):
    """Criterion: the design metric equals release-sweep's at the same rates (1e-9), and the optimiser's optimum
    is within 1.25-fold of the sweep's log-parabolic refinement (an interior maximum)."""
    design, k_opt, res = optimum
    sweep = release_rate_sweep(design.scn, SWEEP_RATES)
    vals = design.evaluate(np.array(SWEEP_RATES)[:, None])["objective:tumour_free_auc"]
    np.testing.assert_allclose(vals, sweep["tumour_free_auc_mg_h_per_L"], rtol=1e-9)
    ref = sweep.attrs["optimum"]
    assert ref["interior"]
    assert 1 / 1.25 < k_opt / ref["refined_rate_per_h"] < 1.25
    assert len(res.pareto) == 1 and len(res.evaluations) == 30


@pytest.mark.xfail(strict=True, reason="measured optimum 0.0166 1/h = 0.28 x Harashima's 0.06 1/h (see module "
                                       "docstring and docs/design.md); strict: passes only if the model changes")
def test_optimum_within_two_fold_of_harashima_1999(optimum):
    _, k_opt, _ = optimum
    assert 0.5 <= k_opt / HARASHIMA_OPTIMUM_PER_H <= 2.0
