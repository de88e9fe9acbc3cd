"""Fitting: recovery of known parameters from seeded synthetic data (5% noise), CIs, units, bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nanodds.analysis.fitting import fit_scenario, read_observations
from nanodds.analysis.model_params import ScenarioModel
from nanodds.errors import InputError
from nanodds.solve.api import solve
from nanodds.specs.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
DOXIL = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
TRUTH = {"mps_extraction_total": 0.008, "drug_clearance_multiplier": 1.5}
OBSERVED = (("plasma", "plasma_total", "ug/mL", 1.0), ("heart", "tissue_heart", "ng/mL", 1e3),
            ("liver", "tissue_liver", "mg/L", 1.0))
TIMES = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 48.0, 72.0, 120.0, 168.0, 240.0, 336.0])


def _scenario() -> Scenario:
    return replace(load_scenario(DOXIL), saturable=False)


def _synthetic(scn: Scenario, seed: int = 7, cv: float = 0.05) -> pd.DataFrame:
    model = ScenarioModel(scn, linear=True).model(TRUTH)
    rng = np.random.default_rng(seed)
    rows = []
    for pid, dose in ((1, scn.regimen.total_mg), (2, 0.5 * scn.regimen.total_mg)):
        events = tuple(replace(e, amount_mg=e.amount_mg * dose / scn.regimen.total_mg) for e in scn.regimen.events)
        sol = solve(model, events, np.union1d([0.0], TIMES), backend="linear")
        for comp, obs, unit, factor in OBSERVED:
            y = sol.observe(obs)[1:] * factor * np.exp(cv * rng.standard_normal(len(TIMES)))
            rows += [{"ID": pid, "time_h": t, "compartment": comp, "value": v, "unit": unit, "dose_mg": dose}
                     for t, v in zip(TIMES, y, strict=True)]
    return pd.DataFrame(rows)


def test_fit_recovers_parameters_and_ci_covers_truth() -> None:
    scn = _scenario()
    res = fit_scenario(scn, _synthetic(scn), list(TRUTH))
    assert res.success
    for name, est, lo, hi in zip(res.names, res.estimates, res.ci_low, res.ci_high, strict=True):
        assert lo < TRUTH[name] < hi, (name, lo, hi)
        assert est == pytest.approx(TRUTH[name], rel=0.05)
    assert res.sigma_log == pytest.approx(0.05, rel=0.3)
    assert res.correlation.shape == (2, 2) and np.allclose(np.diag(res.correlation), 1.0)
    assert np.all(res.se > 0) and len(res.predictions) == 72


def test_read_observations_units_and_bad_input(tmp_path: Path) -> None:
    df = pd.DataFrame({"ID": [1, 1], "time_h": [1.0, 2.0], "compartment": ["plasma", "liver"],
                       "value": [2.0, 500.0], "unit": ["ug/mL", "ug"]})
    got = read_observations(df)
    assert got["value_canonical"].tolist() == pytest.approx([2.0, 0.5])
    assert got["observable"].tolist() == ["plasma_total", "amount_liver"]
    with pytest.raises(InputError, match=r"data\.unit"):
        read_observations(df.assign(unit=["mg/L", "h"]))
    with pytest.raises(InputError, match=r"data\.compartment"):
        read_observations(df.drop(columns="compartment"))
    with pytest.raises(InputError, match="values > 0") as err:
        read_observations(df.assign(value=[0.0, 1.0]))
    assert "\n" not in str(err.value)
    scn = _scenario()
    with pytest.raises(InputError, match="params"):
        fit_scenario(scn, df, ["warp_factor"])
    with pytest.raises(InputError, match=r"data\.compartment"):
        fit_scenario(scn, df.assign(compartment=["plasma", "appendix"]), ["drug_clearance_multiplier"])


def test_cli_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nanodds.interfaces.cli import main

    scn = _scenario()
    data = tmp_path / "obs.csv"
    _synthetic(scn, seed=11).query("compartment != 'liver'").to_csv(data, index=False)
    yaml_path = tmp_path / "scn.yaml"
    yaml_path.write_text(DOXIL.read_text(encoding="utf-8").replace("saturable: true", "saturable: false"),
                         encoding="utf-8")
    out = tmp_path / "fit"
    # both parameters the synthetic data were made with (the data-file MPS extraction is not TRUTH's)
    params = "drug_clearance_multiplier,mps_extraction_total"
    assert main(["fit", str(yaml_path), str(data), "--params", params, "--out", str(out)]) == 0
    fit = json.loads((out / "fit.json").read_text(encoding="utf-8"))
    assert fit["parameters"][0]["estimate"] == pytest.approx(1.5, rel=0.1)
    assert (out / "fit.png").stat().st_size > 1000 and (out / "fit_predictions.csv").is_file()
    assert main(["fit", str(yaml_path), str(data), "--params", "nope", "--out", str(out)]) == 2
    assert "params" in capsys.readouterr().err


def test_observation_times_beyond_a_life_are_refused_and_beyond_a_year_warned() -> None:
    """An observation 1e12 h after the dose was accepted and gave a 'fit' with a 95 % CI of 1e-58 to 1e51."""
    import warnings

    from nanodds.errors import RangeWarning

    df = pd.DataFrame({"ID": [1, 1], "time_h": [1.0, 1e12], "compartment": ["plasma", "plasma"],
                       "value": [2.0, 1.0], "unit": ["ug/mL", "ug/mL"]})
    with pytest.raises(InputError, match=r"data\.time_h: got 1000000000000\.0.*876600 h"):
        read_observations(df)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        read_observations(df.assign(time_h=[1.0, 2e4]))
        read_observations(df.assign(time_h=[1.0, 2e3]))
    msgs = [str(w.message) for w in seen if issubclass(w.category, RangeWarning)]
    assert len(msgs) == 1 and msgs[0].startswith("data.time_h: got 20000.0; validated range: 0 to 8760 h"), msgs


def test_observations_the_model_cannot_reach_are_reported() -> None:
    """A point where the fitted model predicts no drug at all (here 11 years after the dose) has a residual that no
    parameter moves: the estimate is that of the data without it, with a warning and a note naming the point."""
    import warnings

    scn = load_scenario(ROOT / "examples" / "doxil_label_fit_human.yaml")
    data = pd.read_csv(ROOT / "examples" / "doxil_label_plasma_human.csv")
    clean = fit_scenario(scn, data, ["mps_extraction_total"], linear=True)
    assert clean.notes == ()
    far = pd.concat([data, data.iloc[[0]].assign(time_h=1e5)], ignore_index=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = fit_scenario(scn, far, ["mps_extraction_total"], linear=True)
    want = "data: 1 observation(s) where the fitted model predicts no drug at all (first: ID 1, plasma at 100000 h)"
    assert any(str(w.message).startswith(want) for w in seen)
    assert res.notes[-1].startswith(want) and res.to_dict()["notes"] == list(res.notes)
    assert res.estimates[0] == pytest.approx(clean.estimates[0], rel=1e-3)


def test_an_estimate_at_its_bound_is_not_reported_as_a_result() -> None:
    """One outlier 5 years after the dose drove the clearance multiplier to its bound (x1000) with an interval of
    0 to inf, 'success: true' and a stray numpy overflow warning; now a note says so and nothing overflows."""
    import warnings

    scn = _scenario()
    df = _synthetic(scn)
    df = pd.concat([df, df.iloc[[0]].assign(time_h=43800.0)], ignore_index=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = fit_scenario(scn, df, ["drug_clearance_multiplier"])
    assert not [w for w in seen if issubclass(w.category, RuntimeWarning)]
    assert res.notes == ("fit: drug_clearance_multiplier = 1000 sits at its upper bound (1000): the data push it "
                         "beyond the bounds, so the estimate and its interval are not a result",)
    assert fit_scenario(scn, _synthetic(scn), list(TRUTH)).notes == ()


def test_an_unknown_column_is_refused() -> None:
    """A misspelt ``dose_mg`` ('dose') was ignored: every subject silently got the scenario's dose."""
    df = pd.DataFrame({"ID": [1, 1], "time_h": [1.0, 2.0], "compartment": ["plasma", "plasma"],
                       "value": [2.0, 1.0], "unit": ["ug/mL", "ug/mL"], "dose": [5.0, 5.0]})
    with pytest.raises(InputError, match=r"^data\.dose: got 'dose'; allowed: the columns ID, time_h"):
        read_observations(df)
    again = read_observations(df.rename(columns={"dose": "dose_mg"}))
    assert read_observations(again)["value_canonical"].tolist() == again["value_canonical"].tolist()


def test_an_unconverged_fit_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """An optimiser that stops without converging (here: its result marked so) gives a note, not a silent result."""
    import scipy.optimize

    real = scipy.optimize.least_squares

    def stopped(*a, **k):
        res = real(*a, **k)
        res.success, res.message = False, "The maximum number of function evaluations is exceeded."
        return res

    monkeypatch.setattr(scipy.optimize, "least_squares", stopped)
    scn = _scenario()
    with pytest.warns(UserWarning, match="the optimiser stopped without converging"):
        res = fit_scenario(scn, _synthetic(scn), list(TRUTH))
    assert res.notes[0].startswith("fit: the optimiser stopped without converging (The maximum number")


def test_an_estimate_stopped_short_of_its_bound_is_moved_onto_it_only_where_no_worse() -> None:
    """The optimiser may stop on its step tolerance just short of a bound along a flat objective (seen 2.4e-4 short
    of x1000): then the estimate is the bound; where the bound is worse, or the estimate is far from it, it stays."""
    from nanodds.analysis.fitting import _onto_bounds

    class Flat:  # decreasing towards the upper bound 0, flat to 1e-16 near it
        def residuals(self, theta):
            return np.array([1.0 + 1e-16 * abs(theta[0]), 2.0])

    class Bowl:  # minimum at -1e-3, short of the bound
        def residuals(self, theta):
            return np.array([1.0 + (theta[0] + 1e-3) ** 2, 2.0])

    lo, hi = np.array([-5.0]), np.array([0.0])
    th, f = _onto_bounds(Flat(), np.array([-2.4e-4]), lo, hi, Flat().residuals([-2.4e-4]))
    assert th[0] == 0.0 and f[0] == 1.0
    th, _ = _onto_bounds(Bowl(), np.array([-1e-3]), lo, hi, Bowl().residuals([-1e-3]))
    assert th[0] == -1e-3
    th, _ = _onto_bounds(Flat(), np.array([-0.5]), lo, hi, Flat().residuals([-0.5]))
    assert th[0] == -0.5
