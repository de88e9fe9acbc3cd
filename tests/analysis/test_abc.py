"""Accelerated blood clearance of a second PEGylated dose as a PK option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.analysis.abc import abc_start_h, with_abc
from nanodds.engine import build, output_grid
from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.solve.api import solve
from nanodds.specs.scenario import parse_scenario

RAW = {"species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome"},
       "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg", "start": "0 h"},
                   {"route": "iv_bolus", "dose": "5 mg/kg", "start": "96 h"}],
       "simulation": {"duration": "192 h", "points": 193, "saturable": False}}


def _solve(scn, factor):
    m = build(scn) if factor is None else with_abc(build(scn), abc_start_h(scn), factor)
    return solve(m, scn.regimen.events, output_grid(scn), backend=scn.solver)


@pytest.fixture(scope="module")
def sols():
    scn = parse_scenario(RAW)
    return scn, _solve(scn, None), _solve(scn, 1.0), _solve(scn, 5.0)


def test_second_dose_is_cleared_faster(sols) -> None:
    scn, base, one, five = sols
    t = base.times_h
    assert abc_start_h(scn) == pytest.approx(96.0)
    c0, c1, c5 = (s.observe("plasma_carrier") for s in (base, one, five))
    assert np.max(np.abs(c1 - c0)) <= 1e-12 * np.max(c0)  # factor 1 changes nothing
    before, after = t < 96.0, t > 100.0
    np.testing.assert_allclose(c5[before], c0[before], rtol=1e-10, atol=1e-15)
    assert np.all(c5[after] < c0[after])
    # the MPS takes up (and degrades) more of the second dose: more carrier has reached phagocytes or been degraded
    def mps(sol):
        idx = [i for i, nm in enumerate(sol.model.names)
               if nm.startswith("carrier:") and (nm.endswith(".phagocyte") or nm == "carrier:sink.degraded")]
        return sol.y[:, idx].sum(axis=1)
    assert mps(five)[-1] > mps(base)[-1]


def test_mass_balance_holds(sols) -> None:
    assert max(sols[3].mass_balance_rel_error().values()) < 1e-9


def test_refused_where_it_cannot_act() -> None:
    sat = parse_scenario({**RAW, "simulation": {**RAW["simulation"], "saturable": True}})
    with pytest.raises(InputError, match="saturable"):
        with_abc(build(sat), 96.0, 3.0)
    with pytest.raises(InputError, match="abc-factor"):
        with_abc(build(parse_scenario(RAW)), 96.0, 0.5)
    single = parse_scenario({**RAW, "regimen": RAW["regimen"][:1]})
    assert abc_start_h(single) is None


def test_safety_cli_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(yaml.safe_dump(RAW))
    assert main(["safety", str(s), "--out", str(tmp_path / "o"), "--no-plots", "--abc-factor", "4"]) == 0
    assert json.loads((tmp_path / "o" / "safety.json").read_text())["abc"] == {"start_h": 96.0, "factor": 4.0}
    s.write_text(yaml.safe_dump({**RAW, "regimen": RAW["regimen"][:1]}))
    assert main(["safety", str(s), "--out", str(tmp_path / "p"), "--abc-factor", "4"]) == 2
    assert "--abc-factor" in capsys.readouterr().err and not (tmp_path / "p").exists()
