"""SBML export: libsbml consistency and libRoadRunner (CVODE) agreement with the nanodds solvers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import libsbml
import numpy as np
import pytest
import roadrunner
import yaml

from nanodds import engine
from nanodds.io.sbml import to_sbml, write_sbml
from nanodds.solve.api import solve
from nanodds.specs.scenario import Scenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
DOXIL = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
OBSERVED = ("plasma_total", "plasma_free", "tissue_heart", "tissue_liver", "tissue_spleen", "amount_tumour")
ACCEPT = 1e-6


def _doxil(**changes: object) -> Scenario:
    raw = yaml.safe_load(DOXIL.read_text(encoding="utf-8"))
    raw.update(changes)
    return parse_scenario(raw)


def _roadrunner(text: str, grid: np.ndarray, names: tuple[str, ...], dose_mg: float) -> np.ndarray:
    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14 * dose_mg
    rr.integrator.max_steps = 1_000_000
    res = rr.simulate(times=grid, selections=["time", *(f"obs_{n}" for n in names)])
    return np.asarray(res)[:, 1:]


def _max_rel_diff(scn: Scenario, backend: str, grid: np.ndarray) -> dict[str, float]:
    """max_t |nanodds - roadrunner| / max_t |nanodds| of each observable."""
    model = engine.build(scn)
    if backend == "linear":
        model = model.linear()
    sol = solve(model, scn.regimen.events, grid, backend=backend)  # auto: stiff when a saturable term is left
    names = tuple(n for n in OBSERVED if n in model.observables)
    rr = _roadrunner(to_sbml(model, scn.regimen.events, name=scn.name), grid, names, scn.regimen.total_mg)
    return {n: float(np.max(np.abs(sol.observe(n) - rr[:, k])) / np.max(np.abs(sol.observe(n))))
            for k, n in enumerate(names)}


def _errors(text: str) -> list[str]:
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    errs = [doc.getError(k) for k in range(doc.getNumErrors())]
    return [e.getMessage() for e in errs if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


@pytest.mark.parametrize("case", ["linear", "saturable", "conventional"])
def test_sbml_doxil_matches_roadrunner(case: str) -> None:
    scn = load_scenario(DOXIL)  # 50 mg/m^2 as a 1 h infusion
    scn = {"linear": replace(scn, saturable=False), "saturable": scn, "conventional": scn.conventional()}[case]
    backend = "linear" if case == "linear" else "auto"  # conventional: saturable DNA binding when the drug has it
    grid = np.union1d(np.linspace(0.0, 336.0, 169), [0.5, 1.0, 1.5, 24.0])
    diff = _max_rel_diff(scn, backend, grid)
    assert max(diff.values()) < ACCEPT, diff


def test_sbml_repeated_bolus_and_infusion_regimens() -> None:
    repeated = _doxil(regimen=[{"route": "iv_bolus", "dose": "20 mg/m^2", "every": "48 h", "count": 3}],
                      simulation={"duration": "168 h", "saturable": True})
    grid = np.union1d(np.linspace(0.0, 168.0, 85), [1.0, 47.0, 49.0, 97.0])
    diff = _max_rel_diff(repeated, "stiff", grid)
    assert max(diff.values()) < ACCEPT, diff
    infusions = _doxil(regimen=[{"route": "iv_infusion", "dose": "25 mg/m^2", "duration": "2 h", "every": "24 h",
                                 "count": 2, "start": "1 h"}], simulation={"duration": "96 h", "saturable": False})
    grid = np.union1d(np.linspace(0.0, 96.0, 97), [0.5, 1.5, 2.5, 25.5])
    assert max(_max_rel_diff(infusions, "linear", grid).values()) < ACCEPT
    assert max(_max_rel_diff(infusions.conventional(), "linear", grid).values()) < ACCEPT


def test_sbml_hyperthermia_schedule_as_events() -> None:
    scn = load_scenario(ROOT / "examples" / "thermosensitive_liposome_hyperthermia_mouse.yaml")
    model = engine.build(scn).linear()
    assert model.k_schedule, "the example should change K during heating"
    t_end = min(scn.duration_h, 48.0)
    grid = np.union1d(np.linspace(0.0, t_end, 97), [t0 for t0, _ in model.k_schedule if t0 <= t_end])
    sol = solve(model, scn.regimen.events, grid, backend="linear")
    names = ("plasma_total", "amount_tumour", "tissue_heart")
    rr = _roadrunner(to_sbml(model, scn.regimen.events), grid, names, scn.regimen.total_mg)
    for k, n in enumerate(names):
        assert np.max(np.abs(sol.observe(n) - rr[:, k])) / np.max(sol.observe(n)) < ACCEPT, n


def test_sbml_is_consistent_and_named(tmp_path: Path) -> None:
    scn = load_scenario(DOXIL)
    model = engine.build(scn)
    path = write_sbml(model, scn.regimen.events, tmp_path / "doxil.xml", name=scn.name)
    text = path.read_text(encoding="utf-8")
    assert _errors(text) == []
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    assert m.getNumSpecies() == model.n and m.getNumCompartments() == 1
    assert m.getTimeUnits() == "hour" and m.getSubstanceUnits() == "mg"
    sp = m.getSpecies("s_encapsulated__liver_phagocyte")
    assert sp.getName() == "encapsulated:liver.phagocyte" and sp.getHasOnlySubstanceUnits()
    assert m.getParameter("k_free__liver__free__sink_hepatic") is not None
    assert m.getParameter("cap_0").getUnits() == "mg" and m.getParameter("ksat_0").getUnits() == "per_hour"
    assert m.getParameter("obs_plasma_total").getUnits() == "mg_per_litre"
    assert m.getAssignmentRuleByVariable("infusion_rate") is not None
    n_offdiag = int(np.count_nonzero(model.K - np.diag(np.diag(model.K))))
    n_dose = int(np.count_nonzero(model.dose_vector))
    assert m.getNumReactions() == n_offdiag + n_dose  # MPS uptake is only its saturable reaction


def test_cli_export_sbml(tmp_path: Path) -> None:
    from nanodds.interfaces.cli import main

    out = tmp_path / "conv"
    assert main(["export-sbml", str(DOXIL), "--out", str(out), "--formulation", "conventional"]) == 0
    text = (out / "model.xml").read_text(encoding="utf-8")
    assert _errors(text) == [] and "s_encapsulated" not in text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "export-sbml" and manifest["complete"] is True
    assert set(manifest["files"]) == {"model.xml"}
    assert main(["export-sbml", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "m")]) == 2


def test_cli_export_sbml_refuses_an_xml_file_path(tmp_path: Path, capsys) -> None:
    """``--out`` is a folder for every command: the old ``--out FILE.xml`` gets one line naming the folder form."""
    from nanodds.interfaces.cli import main

    assert main(["export-sbml", str(DOXIL), "--out", str(tmp_path / "doxil.xml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"nanodds: error: --out: got '{tmp_path / 'doxil.xml'}'; allowed: a folder (export-sbml writes "
                   f"FOLDER/model.xml and manifest.json, like every command), e.g. --out {tmp_path / 'doxil'}"]
    assert list(tmp_path.iterdir()) == []


def test_loaded_model_is_redosed_through_the_infusion_rate_parameter() -> None:
    """Each infusion's rate is a constant parameter: a model loaded once is re-dosed by setting it (no
    recompiling), and with linear kinetics doubling it doubles every amount."""
    scn = _doxil()
    model = engine.build(scn).linear()
    event = scn.regimen.events[0]
    m = libsbml.readSBMLFromString(to_sbml(model, scn.regimen.events)).getModel()
    assert m.getParameter("infusion_rate_0").getValue() == pytest.approx(event.rate_mg_per_h, rel=1e-15)
    assert m.getParameter("infusion_rate_0").getConstant()
    rr = roadrunner.RoadRunner(to_sbml(model, scn.regimen.events))
    grid = np.linspace(0.0, 48.0, 49)
    base = np.asarray(rr.simulate(times=grid, selections=["obs_plasma_total"]))[:, 0]
    rr.reset()
    rr["infusion_rate_0"] = 2.0 * event.rate_mg_per_h
    double = np.asarray(rr.simulate(times=grid, selections=["obs_plasma_total"]))[:, 0]
    np.testing.assert_allclose(double, 2.0 * base, rtol=1e-5, atol=1e-9 * base.max())
