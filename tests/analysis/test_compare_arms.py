"""Multi-arm comparison: every arm against the first, with the same metrics and ratios as nano vs conventional."""

from __future__ import annotations

import pytest
import yaml

from nanodds.analysis.compare import compare_arms, run_comparison
from nanodds.errors import InputError
from nanodds.specs.scenario import parse_scenario

NANO = yaml.safe_load("""name: nano
species: mouse
drug: doxorubicin
carrier: {type: pegylated_liposome, diameter: 100 nm}
regimen: [{route: iv_bolus, dose: 5 mg/kg}]
simulation: {duration: 24 h, points: 49}
""")


def test_two_arms_equal_nano_vs_conventional() -> None:
    scn = parse_scenario(NANO)
    doc2, _, _ = run_comparison(scn)
    doc, sols = compare_arms([scn.conventional(), scn], ["free", "nano"])
    assert len(sols) == 2 and doc["reference"] == "free"
    assert doc["ratios"]["nano"] == pytest.approx(doc2["ratios"], rel=1e-12)
    assert doc["dose_mg"] == {"free": doc2["dose_mg"]["conventional"], "nano": doc2["dose_mg"]["nano"]}


def test_arms_need_two_and_distinct_labels() -> None:
    scn = parse_scenario(NANO)
    with pytest.raises(InputError, match="at least two"):
        compare_arms([scn])
    with pytest.raises(InputError, match="distinct label"):
        compare_arms([scn, scn])
