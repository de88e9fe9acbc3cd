"""MPS capture in the liver is capped by the flow THROUGH its vascular space (hepatic artery + portal veins)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nanodds.model.carrier import carrier_kinetics, through_flow_L_per_h
from nanodds.specs.carrier import build_carrier
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import PORTAL_ORGANS, build_physiology


def _ck(multiplier: float):
    phys = build_physiology("human")
    c = replace(build_carrier("conventional_liposome"), mps_multiplier=multiplier)
    return phys, carrier_kinetics(phys, c, load_yaml("carriers/human.yaml"))


def test_liver_through_flow_includes_portal_outflows() -> None:
    phys = build_physiology("human")
    q = phys.flow_L_per_h["liver"] + sum(phys.flow_L_per_h[p] for p in PORTAL_ORGANS)
    assert through_flow_L_per_h(phys, "liver") == pytest.approx(q)
    assert through_flow_L_per_h(phys, "spleen") == pytest.approx(phys.flow_L_per_h["spleen"])
    assert q > 2.0 * phys.flow_L_per_h["liver"]  # the portal share dominates hepatic inflow


def test_liver_clearance_grows_until_the_whole_hepatic_flow() -> None:
    kin = load_yaml("carriers/human.yaml")
    phys, low = _ck(1.0)
    # uncapped: liver capture clearance = e_tot x split x hepatic flow (as before the fix)
    e_tot = kin["mps_extraction_total"].to("1") * low_diam_factor()
    q_liver = through_flow_L_per_h(phys, "liver")
    assert low.mps_extraction["liver"] * q_liver == pytest.approx(
        e_tot * kin["mps_split"]["liver"].to("1") * q_liver, rel=1e-12)
    # a multiplier that extracts 60 % of the hepatic flow is NOT capped (the arterial cap did cap it)
    m = 0.6 / (kin["mps_extraction_total"].to("1") * low_diam_factor() * kin["mps_split"]["liver"].to("1"))
    _, mid = _ck(m)
    assert mid.mps_extraction["liver"] == pytest.approx(0.6, rel=1e-9)
    assert mid.mps_extraction["liver"] * q_liver > 1.5 * phys.flow_L_per_h["liver"]
    _, high = _ck(100 * m)
    assert high.mps_extraction["liver"] == pytest.approx(1.0)


def low_diam_factor() -> float:
    """(d / d_ref) ** size exponent of the conventional liposome type in humans."""
    kin = load_yaml("carriers/human.yaml")
    d = build_carrier("conventional_liposome").diameter_nm
    return (d / kin["reference_diameter"].to("nm")) ** kin["size_exponent_mps"].to("1")
