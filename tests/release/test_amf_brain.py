"""An alternating magnetic field over the brain (``environment.amf: {region: brain}``): the brain's own
environments are heated (Rosensweig SAR, Pennes balance with the brain's perfusion) and a thermosensitive
magnetic carrier releases there; everything else is unchanged (issue #12, CNS worked case)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.refusal import assert_scenario_refused

from nanodds.engine import build, simulate
from nanodds.model.assemble import default_environments
from nanodds.model.free_drug import phys_flow, phys_volume
from nanodds.release import magnetic as mag
from nanodds.release.invivo import first_order_rate_per_h, heating_temperature_c
from nanodds.specs.scenario import parse_scenario

MAG = {"particle_concentration": "1.5 mg/mL", "core_diameter": "14 nm"}
AMF = {"region": "brain", "start": "4 h", "duration": "1 h", "field": "12 kA/m", "frequency": "300 kHz"}
MAGNET = {"target": "brain", "magnet": {"radius": "1 cm", "magnetisation": "1000 kA/m", "distance": "1.3 cm"},
          "core": {"volume_fraction": 0.2}, "window": {"start": "0 h", "end": "4 h"},
          "transcytosis_half_life": "12 h"}
REL = {"model": "thermosensitive", "rate_below": "0.01 1/h", "rate_above": "2 1/h",
       "transition_temperature": "42 degC", "transition_width": "1 K"}


def _raw(amf: dict | None = AMF, cores: dict | None = MAG, **changes: Any) -> dict:
    rel = {**REL, **({"magnetic": cores} if cores is not None else {})}
    return {"species": "mouse", "drug": "doxorubicin",
            "carrier": {"type": "mesoporous_silica", "diameter": "100 nm", "release": rel},
            "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
            "environment": {"amf": amf} if amf is not None else {},
            "simulation": {"duration": "12 h", "points": 25}, **changes}


def _brain_env(scn) -> tuple:
    phys = scn.physiology
    perf = phys_flow(phys, "brain") / phys_volume(phys, "brain") / 3600.0
    on = {"amf_field_a_per_m": 12e3, "amf_frequency_hz": 300e3, "perfusion_per_s": perf}
    envs = default_environments()
    return replace(envs["tissue"], **on), replace(envs["blood"], **on), perf


def test_brain_window_heats_with_the_brain_perfusion_and_releases_there_only() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_on), (t1, k_off) = model.k_schedule
    assert (t0, t1) == (4.0, 5.0) and np.array_equal(k_off, model.K)
    tissue, blood, perf = _brain_env(scn)
    assert perf == pytest.approx(0.0186, rel=0.01)  # mouse brain flow / volume: ~1.1 mL/min/g
    temp = heating_temperature_c(tissue, 1.5, 14.0)
    sar = mag.sar_w_per_g(12e3, 300e3, 14.0, 37.0)
    rise = sar * 1.5e3 / (mag.TissueThermal.tumour(perf).loss_w_per_m3_k)  # Pennes: Q / (rho_b c_b w)
    assert temp == pytest.approx(37.0 + rise, rel=1e-12) and temp > 42.0
    spec, n = scn.carrier.release, model.names
    for src, env in (("encapsulated:brain.interstitial", tissue), ("encapsulated:brain.vascular", blood)):
        i, j = n.index(src), n.index("free:brain")
        assert k_on[j, i] == pytest.approx(first_order_rate_per_h(spec, env), rel=1e-12)
        assert k_on[j, i] > 50 * model.K[j, i]
    # the field acts on the brain's two release entries only
    changed = {(n[j], n[i]) for j, i in zip(*np.nonzero(k_on - model.K), strict=True)}
    assert changed == {(a, b) for b in ("encapsulated:brain.interstitial", "encapsulated:brain.vascular")
                       for a in ("free:brain", b)}


def test_brain_window_releases_in_the_brain_and_conserves_mass() -> None:
    sol = simulate(parse_scenario(_raw(magnetic=MAGNET)))  # carriers guided to the brain first (0-4 h)
    assert max(sol.mass_balance_rel_error().values()) < 1e-9
    rel, t = sol.observe("tissue_released_brain"), sol.times_h
    no_field = simulate(parse_scenario(_raw(amf=None, cores=None, magnetic=MAGNET)))
    assert rel[t == 5.0][0] > 1.5 * no_field.observe("tissue_released_brain")[no_field.times_h == 5.0][0]
    liver = sol.observe("tissue_released_liver")[t == 2.0][0]
    assert liver == no_field.observe("tissue_released_liver")[no_field.times_h == 2.0][0]  # before the window


@settings(max_examples=40, deadline=None)
@given(c=st.floats(0.01, 20.0), dc=st.floats(0.01, 5.0), w=st.floats(1e-3, 0.05), dw=st.floats(1e-4, 0.05))
def test_pennes_temperature_rises_with_concentration_and_falls_with_perfusion(c, dc, w, dw) -> None:
    env = replace(default_environments()["tissue"], amf_field_a_per_m=12e3, amf_frequency_hz=300e3)
    t = heating_temperature_c(replace(env, perfusion_per_s=w), c, 14.0)
    assert heating_temperature_c(replace(env, perfusion_per_s=w), c + dc, 14.0) > t > 37.0
    assert heating_temperature_c(replace(env, perfusion_per_s=w + dw), c, 14.0) < t


def test_tumour_amf_still_uses_the_tumour_perfusion_of_the_data_file() -> None:
    env = replace(default_environments()["tumour"], amf_field_a_per_m=15.9e3, amf_frequency_hz=55e3)
    tumour_w = mag.TissueThermal.tumour().perfusion_per_s
    assert heating_temperature_c(env, 5.0, 14.0) == heating_temperature_c(replace(env, perfusion_per_s=tumour_w),
                                                                          5.0, 14.0)


@pytest.mark.parametrize(("raw", "field"), [
    (_raw({**AMF, "region": "liver"}), "environment.amf.region"),  # no environment of its own
    (_raw({**AMF, "region": "venous_plasma"}), "environment.amf.region"),  # not a tissue
    (_raw(cores=None), "environment.amf"),  # a field over the brain and no magnetic carrier
    (_raw(amf=None), "carrier.release.magnetic"),  # magnetic cores and no field
    ({**_raw(amf=None, cores=None), "carrier": {"type": "mesoporous_silica", "release": {
        "model": "light_triggered", "rate_off": "0.001 1/h", "rate_on": "2 1/h"}},
      "environment": {"light": {"region": "brain", "start": "1 h", "duration": "1 h"}}}, "environment.light.region"),
])
def test_bad_brain_field_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  raw: dict, field: str) -> None:
    assert_scenario_refused(raw, field, tmp_path, capsys)
