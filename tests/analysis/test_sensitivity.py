"""Sobol sensitivity: Ishigami analytic indices through the same wrapper; a small nanodds run and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import SALib  # noqa: F401  (the sensitivity extra is installed by make test)

from nanodds.analysis.model_params import ParamSpec, ScenarioModel, parse_param_specs
from nanodds.analysis.sensitivity import scenario_outcomes, scenario_sensitivity, sobol_analysis
from nanodds.errors import InputError
from nanodds.solve.api import solve
from nanodds.specs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DOXIL = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"


def _ishigami_analytic(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_ishigami_matches_analytic() -> None:
    params = [ParamSpec(f"x{i}", "1", -np.pi, np.pi) for i in (1, 2, 3)]

    def f(X: np.ndarray) -> dict[str, np.ndarray]:
        return {"y": np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])}

    res = sobol_analysis(f, params, 4096, seed=1)
    s1, st = _ishigami_analytic()
    assert np.allclose(res.table["S1"], s1, atol=0.02)
    assert np.allclose(res.table["ST"], st, atol=0.02)
    assert np.all(res.table["S1_conf"] < 0.05) and len(res.samples) == 4096 * 5
    with pytest.raises(InputError, match="power of two"):
        sobol_analysis(f, params, 100)


def test_indices_outside_the_unit_interval_are_reported() -> None:
    """Ishigami with a base sample of 2: indices outside [0, 1] beyond their bootstrap half-width, which were
    printed as results ('ST = 1.98 +/- 0.02') without a word; at 4096 the analytic check above has no note."""
    import warnings

    params = [ParamSpec(f"x{i}", "1", -np.pi, np.pi) for i in (1, 2, 3)]

    def f(X: np.ndarray) -> dict[str, np.ndarray]:
        return {"y": np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])}

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        small = sobol_analysis(f, params, 2, seed=0)
    t = small.table
    outside = ((t["S1"] < -t["S1_conf"]) | (t["S1"] > 1 + t["S1_conf"]) | (t["ST"] < -t["ST_conf"])
               | (t["ST"] > 1 + t["ST_conf"]))
    assert outside.any()
    assert small.notes and all("the base sample n = 2 is too small" in n for n in small.notes)
    assert [str(w.message) for w in seen if issubclass(w.category, UserWarning)] == list(small.notes)
    assert small.to_dict()["notes"] == list(small.notes)
    assert sobol_analysis(f, params, 1024, seed=1).notes == ()


def test_scenario_sensitivity_small_run_batched_equals_loop() -> None:
    scn = replace(load_scenario(DOXIL), saturable=False)
    specs = parse_param_specs(scn, {
        "mps_extraction_total": {"low": 0.003, "high": 0.012},
        "drug_clearance_multiplier": {"low": 0.5, "high": 2},
        "tumour_volume": {"low": "5 mL", "high": "50 mL"},
        "mps_capacity": {"low": "100 mg/kg", "high": "400 mg/kg"},  # inert without saturation
    })
    assert specs[2].unit == "L" and specs[2].low == pytest.approx(0.005)
    res = scenario_sensitivity(scn, specs, 8, seed=3)
    tab = res.table.set_index(["outcome", "parameter"])
    assert set(res.outputs) == {"plasma_auc_mg_h_per_L", "heart_auc_mg_h_per_L", "tumour_de24_percent",
                                "tumour_heart_targeting_index"}
    assert tab.loc[("plasma_auc_mg_h_per_L", "mps_capacity"), "ST"] == 0.0
    assert tab.loc[("plasma_auc_mg_h_per_L", "mps_extraction_total"), "ST"] > 0.5
    # the batched exact path agrees with one-by-one solves
    x = res.samples[5]
    model = ScenarioModel(scn, linear=True).model(dict(zip([p.name for p in specs], x, strict=True)))
    sol = solve(model, scn.regimen.events, np.array([0.0, 24.0, scn.duration_h]), backend="linear")
    one = scenario_outcomes(scn, specs, res.samples[5:6])
    assert one["plasma_auc_mg_h_per_L"][0] == pytest.approx(sol.observe_auc("plasma_total")[1], rel=1e-9)
    assert one["tumour_de24_percent"][0] == pytest.approx(
        100 * sol.observe("amount_tumour")[1] / scn.regimen.total_mg, rel=1e-9)
    assert res.outputs["plasma_auc_mg_h_per_L"][5] == pytest.approx(one["plasma_auc_mg_h_per_L"][0], rel=1e-9)


def test_param_specs_bad_input() -> None:
    scn = load_scenario(DOXIL)
    with pytest.raises(InputError, match="params"):
        parse_param_specs(scn, {"warp_factor": {"low": 1, "high": 2}})
    with pytest.raises(InputError, match="dimension"):
        parse_param_specs(scn, {"tumour_volume": {"low": "5 nm", "high": "50 mL"}})
    with pytest.raises(InputError, match="above low"):
        parse_param_specs(scn, {"diameter": {"low": "100 nm", "high": "50 nm"}})
    with pytest.raises(InputError, match="no carrier"):
        parse_param_specs(scn.conventional(), {"diameter": {"low": "50 nm", "high": "100 nm"}})


def test_cli_sensitivity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nanodds.interfaces.cli import main

    params = tmp_path / "params.yaml"
    params.write_text("release_rate_blood: {low: 0.001 1/h, high: 0.1 1/h, log: true}\n"
                      "drug_clearance_multiplier: {low: 0.5, high: 2}\n", encoding="utf-8")
    out = tmp_path / "sens"
    code = main(["sensitivity", str(DOXIL), "--params", str(params), "--n", "4", "--out", str(out), "--linear",
                 "--no-progress"])
    assert code == 0
    data = json.loads((out / "sobol.json").read_text(encoding="utf-8"))
    assert data["evaluations"] == 16 and len(data["indices"]) == 8
    assert (out / "sobol.csv").is_file() and (out / "sobol.png").stat().st_size > 1000
    assert main(["sensitivity", str(DOXIL), "--params", str(params), "--n", "5", "--out", str(out)]) == 2
    assert "power of two" in capsys.readouterr().err
