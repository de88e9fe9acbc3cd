"""Magnetic capture after Furlani & Ng 2006 (nanodds.model.magnetic): limiting cases, analytic paths."""

from __future__ import annotations

import math

import pytest

from nanodds.model.magnetic import (
    base_case,
    capture_clearance_L_per_h,
    captured_fraction,
    trajectory,
    velocity_m_per_s,
)


def test_no_field_or_no_core_captures_nothing() -> None:
    p = base_case()
    assert captured_fraction(p.with_(magnet_magnetisation_A_per_m=0.0)) == 0.0
    assert captured_fraction(p.with_(core_volume_fraction=0.0)) == 0.0
    # without a field the particle follows the Poiseuille streamline exactly
    vx, vz = velocity_m_per_s(p.with_(magnet_magnetisation_A_per_m=0.0), 0.0, 0.0)
    assert vx == 0.0 and vz == pytest.approx(2 * p.mean_blood_speed_m_per_s, rel=1e-15)


def test_base_case_captures_some_not_all() -> None:
    f = captured_fraction(base_case())
    assert 0.0 < f < 1.0


def test_capture_monotone_in_distance_flow_and_radius() -> None:
    p = base_case()
    by_distance = [captured_fraction(p.with_(magnet_distance_m=d)) for d in (0.02, 0.03, 0.045)]
    by_speed = [captured_fraction(p.with_(mean_blood_speed_m_per_s=u)) for u in (0.002, 0.01, 0.05)]
    by_radius = [captured_fraction(p.with_(particle_radius_m=a)) for a in (50e-9, 150e-9, 400e-9)]
    assert by_distance[0] > by_distance[1] > by_distance[2] > 0.0
    assert by_speed[0] > by_speed[1] > by_speed[2] > 0.0
    assert by_radius[0] < by_radius[1] < by_radius[2]


def _mobility_core(p):  # type: ignore[no-untyped-def]
    core = p.core_volume_fraction * 4 / 3 * math.pi * p.particle_radius_m ** 3
    return core / (6 * math.pi * p.blood_viscosity_Pa_s * p.particle_radius_m)


def test_unsaturated_path_matches_analytic() -> None:
    # No flow, particle on the line through the magnet axis: dX/dt = -k / X^5 below saturation (M = 3H),
    # so X^6 = X0^6 - 6 k t with k = mu0 (Vc / 6 pi eta a) 3 Ms^2 R^4 / 2.
    p = base_case().with_(mean_blood_speed_m_per_s=0.0)
    ms, rm = p.magnet_magnetisation_A_per_m, p.magnet_radius_m
    h_wall = 3 * ms * rm ** 2 / (2 * (p.magnet_distance_m - p.vessel_radius_m) ** 2)
    assert h_wall < p.core_saturation_magnetisation_A_per_m
    k = p.mu0_N_per_A2 * _mobility_core(p) * 3 * ms ** 2 * rm ** 4 / 2
    x0, xw = p.magnet_distance_m + p.vessel_radius_m * 0.5, p.magnet_distance_m - p.vessel_radius_m
    t_exact = (x0 ** 6 - xw ** 6) / (6 * k)
    sol = trajectory(p, p.vessel_radius_m * 0.5, 0.0, 10 * t_exact)
    assert sol.t_events[0][0] == pytest.approx(t_exact, rel=1e-6)


def test_saturated_path_matches_analytic() -> None:
    # Strong magnet: the core is saturated, dX/dt = -k / X^3, X^4 = X0^4 - 4 k t, k = mu0 (Vc/6 pi eta a) Msp Ms R^2.
    p = base_case().with_(mean_blood_speed_m_per_s=0.0, magnet_magnetisation_A_per_m=1.0e7)
    k = p.mu0_N_per_A2 * _mobility_core(p) * p.core_saturation_magnetisation_A_per_m \
        * p.magnet_magnetisation_A_per_m * p.magnet_radius_m ** 2
    x0, xw = p.magnet_distance_m + p.vessel_radius_m * 0.5, p.magnet_distance_m - p.vessel_radius_m
    t_exact = (x0 ** 4 - xw ** 4) / (4 * k)
    sol = trajectory(p, p.vessel_radius_m * 0.5, 0.0, 10 * t_exact)
    assert sol.t_events[0][0] == pytest.approx(t_exact, rel=1e-6)


def test_vessel_inside_magnet_is_refused() -> None:
    p = base_case()
    with pytest.raises(ValueError, match="magnet_distance"):
        p.with_(magnet_distance_m=p.magnet_radius_m)


def test_capture_clearance_scales_blood_flow() -> None:
    assert capture_clearance_L_per_h(0.25, 2.0) == pytest.approx(0.5, rel=1e-15)
