"""Magnetic guidance wired into the whole-body model: a scenario's ``magnetic:`` block captures circulating
carriers into the target tissue during its window (issue #12)."""

from __future__ import annotations

import copy
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.refusal import assert_scenario_refused

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import build, simulate
from nanodds.errors import InputError, RangeWarning
from nanodds.model.magnetic import base_case, captured_fraction
from nanodds.specs.scenario import load_scenario, parse_scenario

EX = Path(__file__).resolve().parents[2] / "examples" / "magnetic_iron_oxide_liposome_mouse.yaml"
MAGNET = {"target": "tumour", "magnet": {"radius": "1 cm", "magnetisation": "1000 kA/m", "distance": "1.2 cm"},
          "core": {"volume_fraction": 0.2}, "window": {"start": "0 h", "end": "4 h"}}


def _raw(magnetic: dict[str, Any] | None = MAGNET, **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome", "diameter": "150 nm"},
        "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "tumour": {"volume": "0.3 mL"},
        "simulation": {"duration": "48 h", "points": 97}, **changes}
    if magnetic is not None:
        raw["magnetic"] = copy.deepcopy(magnetic)
    return raw


def _with_distance(d: str) -> dict[str, Any]:
    m = copy.deepcopy(MAGNET)
    m["magnet"]["distance"] = d
    return m


def _carrier_auc(raw: dict[str, Any]) -> float:
    sol = simulate(parse_scenario(raw))
    assert max(sol.mass_balance_rel_error().values()) <= 1e-9
    return float(np.trapezoid(sol.observe("carrier_amount_tumour"), sol.times_h))


def test_capture_rate_in_the_model_equals_captured_fraction_times_flow_over_vascular_plasma() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_on), (t1, k_off) = model.k_schedule
    assert (t0, t1) == (0.0, 4.0)
    phys, hct = scn.physiology, scn.physiology.hematocrit
    t = phys.tumour
    p = base_case().with_(magnet_distance_m=0.012, core_volume_fraction=0.2, particle_radius_m=75e-9)
    f = captured_fraction(p)
    assert scn.magnetic.captured_fraction == f > 0.0
    expected = f * t.flow_L_per_h * (1 - hct) / (t.volume_L * t.vascular_fraction * (1 - hct))
    n = model.names
    for sp in ("carrier", "encapsulated"):
        i, j = n.index(f"{sp}:tumour.vascular"), n.index(f"{sp}:tumour.interstitial")
        assert k_on[j, i] - model.K[j, i] == pytest.approx(expected, rel=1e-12)
        assert k_on[i, i] - model.K[i, i] == pytest.approx(-expected, rel=1e-12)
    # off the window the model is the model without a magnet; the window changes the tumour entries only
    assert np.array_equal(k_off, build(parse_scenario(_raw(None))).K)
    changed = {(n[j], n[i]) for j, i in zip(*np.nonzero(k_on - model.K), strict=True)}
    assert changed == {(f"{sp}:tumour.{a}", f"{sp}:tumour.vascular") for sp in ("carrier", "encapsulated")
                       for a in ("vascular", "interstitial")}


def test_magnet_raises_target_carrier_exposure_monotonically_as_it_approaches() -> None:
    off = _carrier_auc(_raw(None))
    aucs = [_carrier_auc(_raw(_with_distance(d))) for d in ("3 cm", "2 cm", "1.2 cm")]
    assert off < aucs[0] < aucs[1] < aucs[2]


def test_example_magnetoliposome_delivers_more_released_drug_to_the_tumour_than_the_free_drug() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the example stays inside every validated range
        scn = load_scenario(EX)
    res = {}
    for label, s in (("magnet", scn), ("no_magnet", replace(scn, magnetic=None)), ("free", scn.conventional())):
        sol = simulate(s)
        m = compute_metrics(sol, s.regimen, s.bsa_m2)
        assert m["mass_balance_rel_error"] <= 1e-9
        res[label] = m["tissues"]["tumour"]["released_auc_mg_h_per_L"]
    assert res["magnet"] > 2 * res["no_magnet"] > 0.0
    assert res["magnet"] > res["free"]


def test_iron_oxide_carrier_takes_its_core_from_the_data_file() -> None:
    m = {k: v for k, v in MAGNET.items() if k != "core"}
    scn = parse_scenario(_raw(m, carrier={"type": "iron_oxide_core_shell"}))
    assert scn.magnetic.capture.core_volume_fraction == pytest.approx(0.011)


@pytest.mark.parametrize(("magnetic", "changes", "field"), [
    ({k: v for k, v in MAGNET.items() if k != "core"}, {}, "magnetic.core.volume_fraction"),
    (_with_distance("1 cm"), {}, "magnetic.magnet.distance"),
    ({**MAGNET, "strength": "1 T"}, {}, "magnetic.strength"),
    ({**MAGNET, "magnet": {**MAGNET["magnet"], "grade": "N52"}}, {}, "magnetic.magnet.grade"),
    ({**MAGNET, "target": "kidneys"}, {}, "magnetic.target"),
    ({**MAGNET, "window": {"start": "4 h", "end": "2 h"}}, {}, "magnetic.window.end"),
    ({**MAGNET, "window": {"start": "0 h"}}, {}, "magnetic.window.end"),
    ({**MAGNET, "magnet": {"radius": "1 cm", "distance": "2 cm"}}, {}, "magnetic.magnet.magnetisation"),
    ({**MAGNET, "magnet": {**MAGNET["magnet"], "radius": 1}}, {}, "magnetic.magnet.radius"),
    (MAGNET, {"carrier": None}, "magnetic"),
])
def test_bad_magnetic_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               magnetic: dict, changes: dict, field: str) -> None:
    raw = _raw(magnetic, **changes)
    assert_scenario_refused(raw, field, tmp_path, capsys)


def test_absurd_magnet_warns_with_the_validated_range() -> None:
    m = copy.deepcopy(MAGNET)
    m["magnet"]["magnetisation"] = "5000 kA/m"
    with pytest.warns(RangeWarning, match=r"magnetic\.magnet\.magnetisation: .*validated range"):
        scn = parse_scenario(_raw(m))
    assert any(s.startswith("magnetic.magnet.magnetisation=") for s in scn.outside_range)


def test_magnet_window_may_not_overlap_a_bbb_opening() -> None:
    raw = _raw(bbb={"opening": {"method": "focused_ultrasound", "start": "1 h", "duration": "1 h"}})
    with pytest.raises(InputError, match="overlap"):
        parse_scenario(raw)
