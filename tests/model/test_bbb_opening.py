"""Transient blood-brain-barrier opening (scenario ``bbb: {opening: ...}``), issue #12."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nanodds.engine import build, simulate
from nanodds.errors import InputError
from nanodds.model.bbb import opening_extravasation_L_per_h
from nanodds.model.free_drug import phys_fraction, phys_volume
from nanodds.model.hindrance import renkin
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import parse_scenario

FUS = {"method": "focused_ultrasound", "start": "2 h", "duration": "4 h"}


def _raw(diameter: str = "40 nm", opening: dict | None = FUS, **extra) -> dict:
    raw = {"species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome", "diameter": diameter},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "simulation": {"duration": "12 h", "points": 25}}
    if opening is not None:
        raw["bbb"] = {"opening": opening}
    raw.update(extra)
    return raw


def _sim(raw: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scn = parse_scenario(raw)
    return scn, simulate(scn)


def _brain_int(sol) -> np.ndarray:
    i = sol.model.names.index("carrier:brain.interstitial")
    return sol.y[:, i] / sol.dosed["carrier"]


def test_opening_adds_exactly_the_renkin_term_during_its_window() -> None:
    scn = parse_scenario(_raw())
    model = build(scn)
    (t0, k_open), (t1, k_back) = model.k_schedule
    assert (t0, t1) == (2.0, 6.0)
    np.testing.assert_array_equal(k_back, model.K)
    diff = k_open - model.K
    names = model.names
    phys, kin = scn.physiology, load_yaml("carriers/mouse.yaml")
    o = scn.bbb_opening
    qp = phys.flow_L_per_h["brain"] * (1 - phys.hematocrit)
    expected = (kin["extravasation_coefficient"].to("1") * qp * o.volume_fraction
                * (renkin(40.0, o.pore_diameter_nm) - renkin(40.0, kin["pore_diameter"]["brain"].to("nm"))))
    assert opening_extravasation_L_per_h(phys, scn.carrier, kin, o) == pytest.approx(expected, rel=1e-12)
    vp = phys_volume(phys, "brain") * phys_fraction(phys, "brain", "vascular") * (1 - phys.hematocrit)
    for sp in ("carrier", "encapsulated"):
        src, dst = names.index(f"{sp}:brain.vascular"), names.index(f"{sp}:brain.interstitial")
        assert diff[dst, src] == pytest.approx(expected / vp, rel=1e-12)
        assert diff[src, src] == pytest.approx(-expected / vp, rel=1e-12)
        diff[dst, src] = diff[src, src] = 0.0
    assert not np.any(diff)  # nothing else changes


def test_brain_parenchyma_gets_carrier_only_from_the_window_on_and_mass_is_conserved() -> None:
    _, closed = _sim(_raw(opening=None))
    _, opened = _sim(_raw())
    assert not np.any(_brain_int(closed))  # the intact BBB (1 nm pore) seals the brain to 40 nm carriers
    t = opened.times_h
    assert not np.any(_brain_int(opened)[t <= 2.0])
    assert np.all(_brain_int(opened)[(t > 2.0) & (t <= 6.0)] > 0)
    assert max(opened.mass_balance_rel_error().values()) < 1e-9


def test_a_carrier_larger_than_the_opened_pore_is_unchanged() -> None:
    """Limiting case: a 100 nm particle does not pass a 65 nm opening: same solution as without it."""
    scn, b = _sim(_raw("100 nm"))
    model = build(scn)
    for _, k in model.k_schedule:
        np.testing.assert_array_equal(k, model.K)
    _, a = _sim(_raw("100 nm", opening=None))
    # the window only splits the integration (saturable MPS: adaptive stiff solver, rtol about 1e-8)
    np.testing.assert_allclose(a.y, b.y, rtol=1e-6, atol=1e-12)


def test_brain_delivery_rises_with_the_opened_fraction_and_falls_with_size() -> None:
    """Sensitivity: parenchymal carrier at the window's end vs opened fraction and carrier diameter."""
    end = {}
    for f in (0.02, 0.05, 0.2):
        _, sol = _sim(_raw(opening={**FUS, "volume_fraction": f}))
        end[f] = _brain_int(sol)[sol.times_h == 6.0][0]
    assert end[0.02] < end[0.05] < end[0.2]
    by_size = [_brain_int(_sim(_raw(f"{d} nm"))[1])[12] for d in (40, 50, 60)]
    assert by_size[0] > by_size[1] > by_size[2] > 0


@pytest.mark.parametrize(("raw", "field"), [
    (_raw(opening={"method": "laser", "duration": "1 h"}), "bbb.opening.method"),
    (_raw(opening={"method": "osmotic"}), "bbb.opening.duration"),
    (_raw(opening={**FUS, "volume_fraction": 1.5}), "bbb.opening.volume_fraction"),
    (_raw(opening={**FUS, "duration": 4}), "bbb.opening.duration"),
    (_raw(opening={**FUS, "pressure": "0.5 MPa"}), "bbb.opening.pressure"),
    ({**_raw(), "carrier": None}, "bbb.opening"),
    ({**_raw(), "bbb": {"ligand": "transferrin"}}, "bbb.ligand"),
    (_raw(environment={"hyperthermia": {"start": "3 h", "duration": "1 h", "temperature": "42 degC"}},
          tumour={"volume": "0.1 mL"}), "environment.hyperthermia"),  # overlaps the 2-6 h opening
])
def test_bad_bbb_block_is_one_line_naming_the_field(raw, field) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario(raw)
    assert err.value.field == field
