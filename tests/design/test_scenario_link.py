"""``tumour_delivery: learned``: predicted DE24/DE168 set the whole-body tumour parameters (design.scenario_link)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from nanodds.analysis.metrics import compute_metrics
from nanodds.design.learned_solve import solve_tumour
from nanodds.design.scenario_link import scenario_row, settings
from nanodds.engine import simulate
from nanodds.errors import InputError, RangeWarning
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "design_learned_mouse.yaml"
MB_TOL = 1e-9
"""Mass balance tolerance of the standards (conservation to 1e-9)."""


def _raw(carrier: dict | None = None, tumour: dict | None = None, **top: object) -> dict:
    return {"species": "mouse", "drug": "doxorubicin", "subject": {"body_weight": "20 g"},
            "carrier": {"type": "pegylated_liposome", "material": "liposome", "zeta": "-10 mV", **(carrier or {})},
            "tumour": {"volume": "0.2 mL", "model": "allograft_orthotopic", "cancer_type": "breast",
                       **(tumour or {})},
            "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}], "tumour_delivery": "learned",
            "simulation": {"duration": "168 h", "points": 169, "saturable": False}, **top}


def _label_de(scn) -> tuple[float, float]:
    m = compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)["tumour"]
    return m["carrier_label_de24_percent"], m["carrier_label_de168_percent"]


@pytest.fixture(scope="module")
def learned():
    return parse_scenario(_raw())


def test_whole_body_reproduces_the_prediction(learned) -> None:
    """Consistency: whole-body carrier-label DE24 and DE168 equal the predicted values (rtol 1e-6), mass balance
    1e-9, and the tumour parameters differ from the mechanistic ones (the mode acts)."""
    lt = learned.learned_tumour
    assert learned.tumour_delivery == "learned" and lt is not None
    de24, de168 = _label_de(learned)
    assert de24 == pytest.approx(lt.pred("DE24_pred"), rel=1e-6)
    assert de168 == pytest.approx(lt.pred("DE168_pred"), rel=1e-6)
    assert lt.pred("DE24_lo") < lt.pred("DE24_pred") < lt.pred("DE24_hi")
    sol = simulate(learned)
    solved = sol.model.meta["learned_tumour"]  # the Solution owns the parameters it was computed with
    assert solved.learned is lt and not any("not reachable" in n for n in solved.notes)
    assert max(sol.mass_balance_rel_error().values()) <= MB_TOL
    mech = parse_scenario(_raw(tumour_delivery="mechanistic"))
    assert mech.learned_tumour is None
    assert _label_de(mech)[0] != pytest.approx(de24, rel=1e-3)


def test_saturable_example_reproduces_the_prediction() -> None:
    """The shipped example (saturable MPS, stiff path): the fixed-point correction reaches the prediction."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RangeWarning)  # in domain, targets reached: no warning
        scn = parse_scenario(yaml.safe_load(EXAMPLE.read_text()))
        de24, de168 = _label_de(scn)
    tol = settings()["saturable_rtol"].to("1")
    assert de24 == pytest.approx(scn.learned_tumour.pred("DE24_pred"), rel=tol)
    assert de168 == pytest.approx(scn.learned_tumour.pred("DE168_pred"), rel=tol)
    assert max(simulate(scn).mass_balance_rel_error().values()) <= MB_TOL


def test_human_scenario_is_refused() -> None:
    raw = _raw()
    raw.update(species="human", subject={"body_weight": "70 kg"}, tumour={"volume": "30 mL"},
               regimen=[{"route": "iv_bolus", "dose": "1 mg/kg"}])
    with pytest.raises(InputError, match="trained on mouse tumours only") as exc:
        parse_scenario(raw)
    assert exc.value.field == "tumour_delivery"
    assert "\n" not in str(exc.value)


def test_unknown_cancer_type_and_missing_zeta_give_notes_not_nan() -> None:
    raw = _raw(tumour={"cancer_type": "cholangiocarcinoma"})
    del raw["carrier"]["zeta"]
    with pytest.warns(RangeWarning, match="outside the predictor's training domain"):
        scn = parse_scenario(raw)
    lt = scn.learned_tumour
    assert lt.out_of_domain and "cholangiocarcinoma" in lt.ood_reason
    assert any(n.startswith("Zeta missing") for n in lt.notes)
    assert all(math.isfinite(v) and v > 0 for _, v in lt.prediction)
    sol = simulate(scn)
    de24, de168 = _label_de(scn)
    assert np.isfinite([de24, de168]).all()
    json.dumps(sol.model.meta["learned_tumour"].to_dict(), allow_nan=False)  # JSON-ready, no NaN anywhere


def test_scenario_row_maps_the_design_keys() -> None:
    scn = parse_scenario(_raw({"zeta": "+25 mV", "shape": "rod", "ligand": {"type": "antibody"}},
                              tumour_delivery="mechanistic"))
    row, _ = scenario_row(scn)
    r = row.iloc[0]
    assert (r["MAT"], r["Type"], r["TS"], r["Shape"], r["TM"], r["CT"]) == \
        ("Liposomes", "Organic", "Active", "Rod", "Allograft Orthotopic", "breast")
    assert (r["Zeta"], r["Charge"]) == (25.0, 1)
    assert r["TW"] == pytest.approx(0.2) and r["BW"] == pytest.approx(20.0) and r["Dose"] == pytest.approx(5.0)


def test_unreachable_de168_is_reported() -> None:
    """A DE168 above what the model holds without any exit leaves the exit rate at its lower end, with a note."""
    scn = parse_scenario(_raw(tumour_delivery="mechanistic"))
    sv = solve_tumour(scn, 0.5, 50.0)
    assert sv.exit_rate_per_h == settings()["exit_rate_min"].to("1/h") and sv.retention_factor == 1.0
    assert sv.de24_percent == pytest.approx(0.5, rel=1e-6)
    assert any("DE168" in n and "not reachable" in n for n in sv.notes)


def test_fast_washout_lowers_retention() -> None:
    """A fast-cleared carrier (silica) whose predicted DE168 is far below DE24: exit alone cannot wash out the
    label held in tumour cells, so the retention factor drops below 1 and both targets are met."""
    scn = parse_scenario(_raw({"type": "mesoporous_silica", "material": "silica"}, tumour_delivery="mechanistic"))
    sv = solve_tumour(scn, 1.0, 0.2)
    assert sv.retention_factor < 1.0
    assert (sv.de24_percent, sv.de168_percent) == (pytest.approx(1.0, rel=1e-6), pytest.approx(0.2, rel=1e-6))
    assert not sv.notes


def test_cli_reports_interval_and_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "learned.yaml"
    scen.write_text(yaml.safe_dump(_raw()))
    assert main(["simulate", str(scen), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "learned tumour delivery: DE24" in out and "90 % interval" in out and "in domain" in out
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert doc["tumour_delivery"]["out_of_domain"] is False
    assert doc["tumour_delivery"]["predicted_percent"]["DE24_pred"] == pytest.approx(
        doc["tumour"]["carrier_label_de24_percent"], rel=1e-6)
