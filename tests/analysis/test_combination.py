"""Co-loaded carriers (nanodds.analysis.combination): shared carrier dose, ratio over time, PD, CLI, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.analysis.combination import (
    combination_pd,
    parse_combination,
    ratio_maintenance,
    ratio_series,
    simulate_combination,
    summarise,
)
from nanodds.analysis.synergy import combination_effect, load_synergy
from nanodds.errors import InputError
from nanodds.interfaces.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vyxeos_combination_human.yaml"


def _vyxeos(duration: str = "72 h", points: int = 289, saturable: bool | None = None) -> dict:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {**raw["simulation"], "duration": duration, "points": points}
    if saturable is not None:
        raw["simulation"]["saturable"] = saturable
    return raw


def _pair(release_b: str = "0.01 1/h") -> dict:
    """Synthetic pair: the same drug twice (equal clearances), 10 and 30 mg/m^2 (molar ratio 3)."""
    return {
        "name": "same drug twice", "species": "human", "subject": {"body_weight": "70 kg", "height": "170 cm"},
        "carrier": {"type": "pegylated_liposome", "drug_loading": 0.125},
        "payloads": [
            {"drug": "doxorubicin", "dose": "10 mg/m^2", "release": {"model": "first_order", "rate": "0.01 1/h"}},
            {"drug": "doxorubicin", "dose": "30 mg/m^2", "release": {"model": "first_order", "rate": release_b}}],
        "regimen": [{"route": "iv_infusion", "duration": "1 h"}],
        "simulation": {"duration": "24 h", "points": 97, "saturable": False},
    }


@pytest.fixture(scope="module")
def vyxeos():
    res = simulate_combination(parse_combination(_vyxeos()))
    return res, summarise(res)


def test_carrier_dose_shared_and_documented_loading() -> None:
    raw = _vyxeos()
    comb = parse_combination(raw)
    d, c = comb.payloads
    # carrier mg = sum(ef_i D_i) / L_total; L_i = ef_i D_i / carrier mg
    enc = [0.99 * p.dose_mg for p in comb.payloads]
    assert comb.carrier_dose_mg == pytest.approx(sum(enc) / 0.233, rel=1e-12)
    for p, m in zip(comb.payloads, enc, strict=True):
        car = p.scenario.carrier
        assert m / car.drug_loading == pytest.approx(comb.carrier_dose_mg, rel=1e-12)
        assert car.diameter_nm == 100 and car.mps_multiplier == raw["carrier"]["mps_multiplier"]  # shared carrier
    assert d.scenario.carrier.release != c.scenario.carrier.release
    assert comb.dosed_molar_ratios[0] == pytest.approx((100 / 243.22) / (44 / 527.52), rel=1e-9)
    assert comb.target_molar_ratios == (5.0,)


@pytest.mark.parametrize("saturable", [False, True])
def test_carrier_trajectories_coincide(saturable: bool) -> None:
    res = simulate_combination(parse_combination(_vyxeos("24 h", 49, saturable)))
    a, b = res.nano
    names = [n for n in a.model.names if n.startswith("carrier:")]
    assert names == [n for n in b.model.names if n.startswith("carrier:")]
    ya = a.y[:, [a.model.index(n) for n in names]]
    yb = b.y[:, [b.model.index(n) for n in names]]
    tol = 1e-12 if not saturable else 1e-8  # stiff BDF path (saturable) is exact only to its tolerance
    assert np.max(np.abs(ya - yb)) <= tol * np.max(np.abs(ya))
    assert np.allclose(a.observe("plasma_carrier"), b.observe("plasma_carrier"), rtol=tol, atol=0)


def test_equal_release_same_drug_keeps_dosed_ratio_exactly() -> None:
    res = simulate_combination(parse_combination(_pair()))
    series = {(s["compartment"], s["formulation"]): s["ratio"] for s in ratio_series(res)}
    for key in (("plasma_encapsulated", "nano"), ("plasma", "nano"), ("plasma", "free"), ("marrow", "free")):
        r = series[key][1:]  # t = 0: nothing given yet (NaN)
        assert np.all(np.isfinite(r))
        assert np.max(np.abs(r / 3.0 - 1.0)) < 1e-9, key
    # differential release breaks it: the faster-releasing payload falls behind in the carrier
    res2 = simulate_combination(parse_combination(_pair("0.05 1/h")))
    r2 = {(s["compartment"], s["formulation"]): s["ratio"] for s in ratio_series(res2)}
    enc = r2[("plasma_encapsulated", "nano")]
    assert np.all(np.diff(enc[5:]) < 0)
    # ~3 exp(-(k_b - k_a) t) for carrier that stayed in plasma; carrier returning from tissues differs a little
    assert enc[-1] == pytest.approx(3.0 * np.exp(-0.04 * 24.0), rel=0.05)


def test_vyxeos_nano_ratio_closer_to_target_than_free(vyxeos) -> None:
    _, doc = vyxeos
    rm = doc["ratio_maintenance"]
    nano, free = rm["cytarabine:daunorubicin|plasma|nano"], rm["cytarabine:daunorubicin|plasma|free"]
    print("\nplasma ratio maintenance (+/-20 % of 1:5) nano vs free:",
          {w: (nano[w]["hours_within"], free[w]["hours_within"]) for w in ("0-24h", "0-72h")},
          "mean |ln(r/5)| 0-24 h:", nano["0-24h"]["mean_abs_log_deviation"], free["0-24h"]["mean_abs_log_deviation"],
          "ratio at 24 h:", nano["ratio_at_24h"], free["ratio_at_24h"],
          "marrow nano 0-72 h:", rm["cytarabine:daunorubicin|marrow|nano"]["0-72h"]["hours_within"])
    assert nano["0-24h"]["mean_abs_log_deviation"] < free["0-24h"]["mean_abs_log_deviation"]
    assert nano["0-24h"]["fraction_within"] > 0.95 > 0.1 > free["0-24h"]["fraction_within"]
    assert nano["0-72h"]["hours_within"] > free["0-72h"]["hours_within"]
    # differential release (daunorubicin leaks faster): the carrier ratio drifts upward
    assert 1.0 < nano["ratio_at_24h"] / 5.0 < 1.2 < nano["ratio_at_72h"] / 5.0


def test_mass_balance_per_payload(vyxeos) -> None:
    _, doc = vyxeos
    for p in doc["payloads"].values():
        assert p["nano"]["mass_balance_rel_error"] < 1e-9
        assert p["free"]["mass_balance_rel_error"] < 1e-9


def test_ratio_maintenance_counts_time_in_band() -> None:
    t = np.linspace(0.0, 10.0, 101)
    r = np.where(t < 4.0, 5.0, 10.0)
    m = ratio_maintenance(t, r, 5.0, ((0.0, 10.0),), 0.2)
    assert m["0-10h"]["hours_within"] == pytest.approx(4.0, abs=0.1)
    assert m["first_exit_h"] == pytest.approx(4.0)


def test_pd_loewe_bliss_and_ratio_dependence(vyxeos) -> None:
    p = load_synergy()
    # additivity check: at the optimum CI = ci_optimum, E solves (ca/ec50a + cb/ec50b)/odds = CI (hill 1)
    e, ci = combination_effect(np.array([p.ec50_ref_uM]), np.array([5.0 * p.ec50_ref_uM]), p)
    odds = (1.0 + 5.0 * p.ec50_ref_uM / p.ec50_par_uM) / p.ci_optimum
    assert ci[0] == pytest.approx(p.ci_optimum) and e[0] == pytest.approx(odds / (1 + odds), rel=1e-9)
    _, ci_far = combination_effect(np.array([1.0]), np.array([100.0]), p)
    assert ci_far[0] > 1.0  # antagonistic far from 1:5
    res, _ = vyxeos
    pd_doc = combination_pd(res, p)
    assert pd_doc["nano"]["summary"]["mean_interaction_index"] < 1 < pd_doc["free"]["summary"]["mean_interaction_index"]
    assert pd_doc["nano"]["summary"]["hours_synergistic"] > pd_doc["free"]["summary"]["hours_synergistic"]


def test_cli_writes_files(tmp_path: Path) -> None:
    scen = tmp_path / "v.yaml"
    scen.write_text(yaml.safe_dump(_vyxeos("24 h", 49)), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["combination", str(scen), "--out", str(out), "--synergy"]) == 0
    doc = json.loads((out / "combination.json").read_text(encoding="utf-8"))
    assert set(doc["payloads"]) == {"daunorubicin", "cytarabine"}
    assert {"nano", "free"} <= set(doc["payloads"]["cytarabine"]) and "pd" in doc
    head = (out / "ratio.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "time_h,compartment,formulation,molar_ratio,pair"
    assert (out / "ratio.png").stat().st_size > 1000


def _bad(mutate) -> dict:
    raw = copy.deepcopy(_vyxeos("24 h", 49))
    mutate(raw)
    return raw


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda r: r["payloads"][1].update(drug="aspirin"), "payloads[1].drug"),
    (lambda r: r["payloads"][1].update(duration="3 h"), "payloads[1].duration"),
    (lambda r: r["payloads"][0].update(dose="0 mg/m^2"), "payloads[0].dose"),
    (lambda r: r.update(drug="daunorubicin"), "drug"),
    (lambda r: r["regimen"][0].update(dose="44 mg/m^2"), "regimen[0].dose"),
    (lambda r: r.update(payloads=r["payloads"][:1]), "payloads"),
    (lambda r: [p.update(drug_loading=0.05) for p in r["payloads"]], "carrier.drug_loading"),
])
def test_bad_input(mutate, field: str, tmp_path: Path, capsys) -> None:
    raw = _bad(mutate)
    with pytest.raises(InputError) as exc:
        parse_combination(raw)
    assert exc.value.field == field
    scen = tmp_path / "bad.yaml"
    scen.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["combination", str(scen), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nanodds: error:") and "\n" not in err


def test_inconsistent_payload_loadings_rejected() -> None:
    raw = _vyxeos("24 h", 49)
    del raw["carrier"]["drug_loading"]
    raw["payloads"][0]["drug_loading"] = 0.07
    raw["payloads"][1]["drug_loading"] = 0.07  # implies different carrier doses for 44 vs 100 mg/m^2
    with pytest.raises(InputError, match="same carrier dose"):
        parse_combination(raw)


def test_cli_prints_the_target_ratio_in_the_pair_order(tmp_path: Path, capsys) -> None:
    """The pair ``cytarabine:daunorubicin`` is computed as cytarabine / daunorubicin (5 for Vyxeos): printed 5:1."""
    scen = tmp_path / "v.yaml"
    scen.write_text(yaml.safe_dump(_vyxeos("24 h", 49)), encoding="utf-8")
    assert main(["combination", str(scen), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "within" in ln]
    assert lines and all(ln.startswith("cytarabine:daunorubicin plasma") for ln in lines), lines
    assert all("% of 5:1:" in ln for ln in lines), lines
