"""PD models: analytic checks of Friberg and Simeoni, cardio/exposure read-outs, the safety CLI, and the
Doxil-vs-doxorubicin clinical-shift validation rows (criteria in the docstrings, stated before the results)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.analysis.pd.cardio import cardio_summary, chf_risk_percent
from nanodds.analysis.pd.exposure import time_above_h, time_within_h
from nanodds.analysis.pd.friberg import simulate_friberg, summarise_friberg
from nanodds.analysis.pd.params import load_pd
from nanodds.analysis.pd.simeoni import simulate_simeoni
from nanodds.interfaces.cli import main

P = load_pd("doxorubicin", 543.52)


def test_friberg_baseline_is_the_analytic_steady_state() -> None:
    _t, rel = simulate_friberg(P.friberg, np.array([0.0, 500.0]), np.zeros(2))
    assert np.max(np.abs(rel - 1.0)) < 1e-9


def test_friberg_small_effect_is_linear_in_exposure() -> None:
    """For a small drug effect the nadir depth is proportional to the driving exposure (linearised model)."""
    t = np.linspace(0, 24, 49)
    c = np.where(t < 1, 1e-4, 0.0)
    d1 = 1 - summarise_friberg(P.friberg, *simulate_friberg(P.friberg, t, c))["nadir_relative"]
    d2 = 1 - summarise_friberg(P.friberg, *simulate_friberg(P.friberg, t, 2 * c))["nadir_relative"]
    assert d1 > 0 and d2 / d1 == pytest.approx(2.0, rel=0.02)


def test_friberg_nadir_follows_the_maturation_delay() -> None:
    """A short pulse removes proliferating cells; the loss reaches blood after the transit chain: the nadir comes
    later than one mean transit time and the count recovers towards baseline afterwards."""
    t = np.linspace(0, 2, 21)
    tt, rel = simulate_friberg(P.friberg, t, np.full(21, 0.002), t_end_h=1200.0)
    s = summarise_friberg(P.friberg, tt, rel)
    assert s["nadir_time_h"] > P.friberg.mtt_h
    assert abs(rel[-1] - 1.0) < abs(s["nadir_relative"] - 1.0) / 2


def test_friberg_short_pulse_nadir_follows_exposure_not_peak() -> None:
    """Friberg 2002's linear effect is unbounded (E > 1 kills proliferating cells): two pulses much shorter than
    the maturation time with the same AUC, one ten times higher and ten times shorter (E = 40 vs 4 at the
    doxorubicin slope), give the same nadir depth (5%). A cap E <= 1 discards the high pulse's excess and fails."""
    t = np.linspace(0, 6, 241)
    short = np.where(t < 0.25, 0.4, 0.0)
    long_ = np.where(t < 2.5, 0.04, 0.0)
    long_ *= np.trapezoid(short, t) / np.trapezoid(long_, t)
    d = [1 - summarise_friberg(P.friberg, *simulate_friberg(P.friberg, t, c, t_end_h=800.0))["nadir_relative"]
         for c in (short, long_)]
    assert d[1] > 0.1 and d[0] / d[1] == pytest.approx(1.0, rel=0.05)


def test_simeoni_growth_regimes_are_analytic() -> None:
    """No drug: exponential w0 exp(lambda0 t) while small, linear slope lambda1 once large (psi = 20)."""
    s = P.simeoni
    _t, w = simulate_simeoni(dataclasses.replace(s, horizon_day=2.0), None, None, w0_mL=1e-3)
    assert w[-1] == pytest.approx(1e-3 * np.exp(s.lambda0_per_day * 2.0), rel=1e-6)
    _t, w = simulate_simeoni(dataclasses.replace(s, horizon_day=5.0), None, None, w0_mL=50.0)
    assert w[-1] - w[0] == pytest.approx(s.lambda1_mL_per_day * 5.0, rel=1e-6)


def test_simeoni_more_drug_smaller_tumour() -> None:
    t = np.linspace(0, 48, 97)
    c = np.exp(-t / 10.0) * 0.01
    w1 = simulate_simeoni(P.simeoni, t, c, w0_mL=0.3)[1][-1]
    w2 = simulate_simeoni(P.simeoni, t, 3 * c, w0_mL=0.3)[1][-1]
    w0 = simulate_simeoni(P.simeoni, None, None, w0_mL=0.3)[1][-1]
    assert w2 < w1 < w0


def test_cardio_limits_and_risk_curve() -> None:
    assert chf_risk_percent(P.cardio, 550.0) == pytest.approx(26.0)
    assert chf_risk_percent(P.cardio, 400.0) == pytest.approx(5.0)
    s = cardio_summary(P.cardio, 50.0, 1.0, 6)
    assert s["cycles_to_limit_low"] == pytest.approx(9.0) and s["cycles_to_limit_high"] == pytest.approx(11.0)
    assert cardio_summary(P.cardio, 50.0, 0.5, 6)["cycles_to_limit_low"] == pytest.approx(18.0)


def test_time_above_and_window_on_a_ramp() -> None:
    t = np.linspace(0, 10, 11)
    assert time_above_h(t, t, 4.0) == pytest.approx(6.0, abs=0.35)
    assert time_within_h(t, t, 2.0, 5.0) == pytest.approx(3.0, abs=0.35)


# ---- validation: Doxil 50 mg/m^2 (q4w) vs doxorubicin 60 mg/m^2 (q3w), O'Brien et al. 2004 Ann Oncol 15:440 ----
# Clinical shift (abstract, doi:10.1093/annonc/mdh097): cardiotoxicity HR 3.16 (doxorubicin vs PLD), neutropenia
# 10% vs 4% (doxorubicin vs PLD), palmar-plantar erythrodysesthesia 48% vs 2% (PLD vs doxorubicin).
HUMAN = {"species": "human", "subject": {"body_weight": "70 kg", "height": "170 cm"}, "drug": "doxorubicin",
         "tumour": {"volume": "20 mL"}, "simulation": {"duration": "336 h", "points": 673, "saturable": True}}


@pytest.fixture(scope="module")
def obrien(tmp_path_factory: pytest.TempPathFactory) -> dict:
    raw = {**HUMAN, "name": "O'Brien 2004 arms",
           "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
           "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
           "conventional": {"name": "doxorubicin 60 mg/m^2", "source": "O'Brien 2004 doi:10.1093/annonc/mdh097",
                            "regimen": [{"route": "iv_infusion", "dose": "60 mg/m^2", "duration": "0.25 h"}]}}
    p = tmp_path_factory.mktemp("ob") / "s.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = p.parent / "out"
    assert main(["safety", str(p), "--out", str(out), "--no-plots"]) == 0
    return json.loads((out / "safety.json").read_text())


def test_obrien_less_cardiotoxicity(obrien: dict) -> None:
    """Criterion (before the result): the cardio-equivalent dose per cycle (released drug in the heart) of PLD
    50 mg/m^2 is below that of doxorubicin 60 mg/m^2. Blind for direction (nothing fitted to heart outcomes);
    the size (HR 3.16) is not claimed."""
    n, c = obrien["pd"]["nano"]["cardiotoxicity"], obrien["pd"]["conventional"]["cardiotoxicity"]
    assert n["cardio_equivalent_per_cycle_mg_per_m2"] < c["cardio_equivalent_per_cycle_mg_per_m2"]


def test_obrien_less_myelosuppression(obrien: dict) -> None:
    """Criterion: PLD's neutrophil nadir (fraction of baseline) is higher (shallower) than doxorubicin's.
    post_hoc: this row was a strict xfail (nadir 0.086 PLD vs 0.24) until the Friberg effect cap E <= 1 was
    removed (Friberg 2002 has none) while looking at it; the slope is an assumption (see the slope sweep below)."""
    n, c = obrien["pd"]["nano"]["myelosuppression"], obrien["pd"]["conventional"]["myelosuppression"]
    assert n["nadir_relative"] > c["nadir_relative"]


@pytest.fixture(scope="module")
def obrien_runs() -> tuple:
    """The O'Brien scenario (PLD arm) and both arms' solutions, for the sensitivity sweeps."""
    from nanodds.analysis.compare import run_comparison
    from nanodds.specs.scenario import parse_scenario

    raw = {**HUMAN, "name": "O'Brien 2004 arms", "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
           "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
           "conventional": {"name": "doxorubicin 60 mg/m^2", "source": "O'Brien 2004 doi:10.1093/annonc/mdh097",
                            "regimen": [{"route": "iv_infusion", "dose": "60 mg/m^2", "duration": "0.25 h"}]}}
    scn = parse_scenario(raw)
    _doc, sn, sc = run_comparison(scn)
    return scn, sn, sc


@pytest.fixture(scope="module")
def obrien_marrow(obrien_runs: tuple) -> tuple:
    """Marrow unbound drug of both O'Brien arms (the driver of the Friberg model), for the slope sweep."""
    _scn, sn, sc = obrien_runs
    return sn.times_h, sn.observe("tissue_unbound_marrow"), sc.times_h, sc.observe("tissue_unbound_marrow")


@pytest.mark.parametrize("slope", [3.0, 30.0, 100.0, 300.0, 500.0])
def test_obrien_neutropenia_direction_does_not_rest_on_the_assumed_slope(obrien_marrow: tuple, slope: float) -> None:
    """Criterion (before the result): with the uncapped Friberg effect, PLD's nadir is shallower than
    doxorubicin's for every slope from 3 to 500 L/mg (the assumed 100 L/mg is not what makes the direction).
    Measured: holds over this range; at 1000 L/mg both nadirs are below 0.1% of baseline and the order flips."""
    tn, cn, tc, cc = obrien_marrow
    f = dataclasses.replace(P.friberg, slope_L_per_mg=slope)
    nadir_n = summarise_friberg(f, *simulate_friberg(f, tn, cn))["nadir_relative"]
    nadir_c = summarise_friberg(f, *simulate_friberg(f, tc, cc))["nadir_relative"]
    assert nadir_n > nadir_c


def test_obrien_more_hand_foot_syndrome(obrien: dict) -> None:
    """Criterion: PLD's skin unbound drug AUC (the PPE proxy) exceeds doxorubicin's. post_hoc: a strict xfail
    (whole-skin unbound AUC 0.259 PLD vs 0.461 mg h/L) until the palm/sole skin satellite with liposome
    extravasation and dermal-macrophage release was added while looking at it; both rates are assumptions."""
    n = obrien["pd"]["nano"]["exposure"]["extremity_skin"]
    c = obrien["pd"]["conventional"]["exposure"]["extremity_skin"]
    assert n["unbound_auc_window_mg_h_per_L"] > c["unbound_auc_window_mg_h_per_L"]


def _palm_sole_ratio(obrien_runs: tuple, extravasation: float, uptake: float) -> float:
    from nanodds.analysis.pd.extremity_skin import ExtremitySkinParams, extremity_skin_unbound

    scn, sn, sc = obrien_runs
    p = ExtremitySkinParams(extravasation, uptake)
    n = np.trapezoid(extremity_skin_unbound(scn, sn, p), sn.times_h)
    c = np.trapezoid(extremity_skin_unbound(scn.conventional(), sc, p), sc.times_h)
    return float(n / c)


def test_hand_foot_direction_rests_on_the_assumed_palm_sole_rates(obrien_runs: tuple) -> None:
    """Not a validation: records how far the post-hoc hand-foot direction depends on the two assumed rates.
    Measured break-even of PLD/doxorubicin palm/sole unbound AUC: extravasation multiplier ~0.55 with macrophage
    uptake at 1; no uptake needs ~1.8 (the slow PEG-liposome leakage alone does not do it)."""
    assert _palm_sole_ratio(obrien_runs, 1.0, 1.0) > 1.0
    assert _palm_sole_ratio(obrien_runs, 0.6, 1.0) > 1.0 > _palm_sole_ratio(obrien_runs, 0.5, 1.0)
    assert _palm_sole_ratio(obrien_runs, 1.0, 0.0) < 1.0 < _palm_sole_ratio(obrien_runs, 2.0, 0.0)


def test_palm_sole_satellite_adds_nothing_without_a_carrier(obrien_runs: tuple) -> None:
    from nanodds.analysis.pd.extremity_skin import ExtremitySkinParams, extremity_skin_unbound

    scn, _sn, sc = obrien_runs
    c = extremity_skin_unbound(scn.conventional(), sc, ExtremitySkinParams(1.0, 1.0))
    assert np.array_equal(c, sc.observe("tissue_unbound_skin"))


def test_palm_sole_satellite_auc_is_the_analytic_balance(obrien_runs: tuple) -> None:
    """Analytic: for a liposome pulse in plasma that has fully cleared, the locally released unbound drug AUC is
    fu / Kp / kout x kex x AUC(Cenc) x (krel + kup) / (krel + klymph + kup) (each path's share; 1e-3)."""
    from nanodds.analysis.pd.extremity_skin import ExtremitySkinParams, extremity_skin_unbound, satellite_rates_per_h

    scn, _sn, _sc = obrien_runs
    p = ExtremitySkinParams(1.0, 1.0)
    t = np.linspace(0.0, 3000.0, 30001)
    enc = np.where(t <= 1.0, 10.0, 0.0)

    class Fake:  # a solution with only a liposome pulse in plasma and nothing in the PBPK skin
        times_h = t

        @staticmethod
        def observe(name: str) -> np.ndarray:
            return enc if name == "plasma_encapsulated" else np.zeros_like(t)

    local = extremity_skin_unbound(scn, Fake(), p)  # type: ignore[arg-type]
    r = satellite_rates_per_h(scn, p)
    expect = (scn.drug.fraction_unbound / scn.drug.kp["skin"] / r["kout"] * r["kex"] * np.trapezoid(enc, t)
              * (r["krel"] + r["kup"]) / (r["krel"] + r["klymph"] + r["kup"]))
    assert np.trapezoid(local, t) == pytest.approx(expect, rel=1e-3)


def test_safety_report_files(obrien: dict, tmp_path: Path) -> None:
    assert obrien["pd"]["available"] and obrien["headline"]
    ti = obrien["pd"]["therapeutic_index"]
    assert set(ti["ti"]) == set(ti["toxicity_ratios"])


def test_safety_cli_writes_markdown_html_and_plots(tmp_path: Path) -> None:
    raw = {"species": "mouse", "drug": "doxorubicin", "carrier": {"type": "pegylated_liposome"},
           "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}], "tumour": {"volume": "0.3 mL"},
           "simulation": {"duration": "168 h", "points": 169, "saturable": False}}
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["safety", str(p), "--out", str(tmp_path / "o")]) == 0
    out = tmp_path / "o"
    md = (out / "safety.md").read_text()
    assert "## What acts" in md and "## Therapeutic index" in md and "neutrophils.png" in md
    assert "<table>" in (out / "safety.html").read_text()
    for f in ("comparison.png", "neutrophils.png", "tumour_growth.png", "safety.json"):
        assert (out / f).stat().st_size > 0, f
    doc = json.loads((out / "safety.json").read_text())
    assert "cardiotoxicity_note" in doc["pd"]  # mouse: no body surface area, no mg/m^2 limits


def test_compare_prints_pd_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = {**HUMAN, "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
           "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
           "simulation": {"duration": "96 h", "points": 97, "saturable": False}}
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["compare", str(p), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    assert "PD / safety" in capsys.readouterr().out
    assert json.loads((tmp_path / "o" / "comparison.json").read_text())["pd"]["available"]


def test_risk_benefit_summary_flags_endpoints_whose_clinical_direction_the_model_misses(obrien: dict) -> None:
    """Every O'Brien 2004 direction line says how it was reached: cardiotoxicity checked (blind), myelosuppression
    and hand-foot checked only post hoc."""
    from nanodds.analysis.dossier import risk_benefit

    lines = [ln for ln in risk_benefit(obrien) if ln.startswith("Risk:")]
    by_key = {k: [ln for ln in lines if k in ln] for k in ("myelosuppression", "hand-foot", "cardiotoxicity")}
    assert all(len(v) == 1 for v in by_key.values()), lines
    assert "direction checked, post hoc" in by_key["myelosuppression"][0]
    assert "direction checked, post hoc" in by_key["hand-foot"][0]
    assert "direction checked" in by_key["cardiotoxicity"][0]
