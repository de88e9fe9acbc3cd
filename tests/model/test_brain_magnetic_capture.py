"""A magnet over the brain (scenario ``magnetic: {target: brain}``): captured carriers are held at the brain
endothelium and cross the blood-brain barrier by a stated transcytosis (issue #12, CNS worked case)."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.refusal import assert_scenario_refused

from nanodds.engine import build, simulate
from nanodds.model.magnetic_guidance import capture_rate_per_h
from nanodds.specs.scenario import parse_scenario

MAGNET = {"target": "brain", "magnet": {"radius": "1 cm", "magnetisation": "1000 kA/m", "distance": "1.3 cm"},
          "core": {"volume_fraction": 0.2}, "window": {"start": "0 h", "end": "4 h"},
          "transcytosis_half_life": "12 h"}
SPECIES = ("carrier", "encapsulated")


def _raw(magnetic: dict[str, Any] | None = MAGNET, **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "species": "mouse", "drug": "doxorubicin", "carrier": {"type": "mesoporous_silica", "diameter": "100 nm"},
        "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "simulation": {"duration": "24 h", "points": 49},
        **changes}
    if magnetic is not None:
        raw["magnetic"] = copy.deepcopy(magnetic)
    return raw


def _magnet(**changes: Any) -> dict[str, Any]:
    m = copy.deepcopy(MAGNET)
    for k, v in changes.items():
        if k == "distance":
            m["magnet"]["distance"] = v
        else:
            m[k] = v
    return m


def test_capture_goes_to_the_endothelium_and_crosses_by_transcytosis_only() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_on), (t1, k_off) = model.k_schedule
    assert (t0, t1) == (0.0, 4.0)
    n = model.names
    k_cap = capture_rate_per_h(scn.physiology, scn.magnetic)
    k_tc = math.log(2.0) / 12.0
    assert scn.magnetic.transcytosis_per_h == pytest.approx(k_tc, rel=1e-12)
    for sp in SPECIES:
        vas, endo, inter = (n.index(f"{sp}:brain.{p}") for p in ("vascular", "endothelium", "interstitial"))
        assert k_on[endo, vas] == pytest.approx(k_cap, rel=1e-12)
        assert model.K[endo, vas] == 0.0  # captured only while the magnet is on
        assert k_on[inter, vas] == model.K[inter, vas]  # nothing straight across the barrier
        assert model.K[inter, endo] == k_on[inter, endo] == pytest.approx(k_tc, rel=1e-12)
    # the window changes only the four capture entries; off the window the matrix is the field-free one
    assert np.array_equal(k_off, model.K)
    changed = {(n[j], n[i]) for j, i in zip(*np.nonzero(k_on - model.K), strict=True)}
    assert changed == {(f"{sp}:brain.{a}", f"{sp}:brain.vascular") for sp in SPECIES
                       for a in ("vascular", "endothelium")}


def test_field_free_matrix_equals_the_model_without_a_magnet_on_its_states() -> None:
    with_pool = build(parse_scenario(_raw()))
    without = build(parse_scenario(_raw(None)))
    idx = [with_pool.names.index(nm) for nm in without.names]
    assert np.array_equal(with_pool.K[np.ix_(idx, idx)], without.K)
    extra = sorted(set(with_pool.names) - set(without.names))
    assert extra == ["carrier:brain.endothelium", "encapsulated:brain.endothelium"]


def test_brain_capture_conserves_mass_and_delivers_carrier_into_the_brain() -> None:
    on = simulate(parse_scenario(_raw()))
    off = simulate(parse_scenario(_raw(None)))
    for sol in (on, off):
        assert max(sol.mass_balance_rel_error().values()) < 1e-9
    t = on.times_h
    inter = on.observe("carrier_amount_brain")
    assert inter[t == 4.0][0] > 10 * off.observe("carrier_amount_brain")[off.times_h == 4.0][0]


def _brain_carrier_auc(magnetic: dict[str, Any] | None) -> float:
    sol = simulate(parse_scenario(_raw(magnetic)))
    return float(np.trapezoid(sol.observe("carrier_amount_brain"), sol.times_h))


def test_brain_carrier_rises_as_the_magnet_approaches() -> None:
    aucs = [_brain_carrier_auc(_magnet(distance=d)) for d in ("3 cm", "2 cm", "1.3 cm")]
    assert _brain_carrier_auc(None) < aucs[0] < aucs[1] < aucs[2]


def test_faster_transcytosis_puts_more_encapsulated_drug_into_the_brain_interstitium() -> None:
    def interstitial_auc(half_life: str) -> float:
        scn = parse_scenario(_raw(_magnet(transcytosis_half_life=half_life)))
        sol = simulate(scn)
        i = list(sol.model.names).index("encapsulated:brain.interstitial")
        return float(np.trapezoid(sol.y[:, i], sol.times_h))

    a = [interstitial_auc(h) for h in ("48 h", "12 h", "3 h")]
    assert 0.0 < a[0] < a[1] < a[2]


@pytest.mark.parametrize(("magnetic", "field"), [
    ({k: v for k, v in MAGNET.items() if k != "transcytosis_half_life"}, "magnetic.transcytosis_half_life"),
    (_magnet(transcytosis_half_life=12), "magnetic.transcytosis_half_life"),  # a bare number for a time
    (_magnet(target="tumour"), "magnetic.transcytosis_half_life"),  # acts on the brain only
    (_magnet(target="arterial_plasma"), "magnetic.target"),  # not a tissue
])
def test_bad_brain_magnet_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   magnetic: dict, field: str) -> None:
    raw = _raw(magnetic, tumour={"volume": "0.3 mL"})
    assert_scenario_refused(raw, field, tmp_path, capsys)
