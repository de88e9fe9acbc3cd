"""Megestrol acetate oral data: Kp are Rodgers & Rowland, the clearance reproduces its calibration only, and the
validation rows keep the nano > micronised direction while the solubility limit (with bile-micelle
solubilisation) is recorded (docs/oral.md)."""

from __future__ import annotations

import pandas as pd
import pytest
from validation.checks import HERE

from nanodds.analysis.oral import auc_per_mg
from nanodds.engine import build
from nanodds.model.oral import load_formulation, load_gi_tract, load_oral_drug
from nanodds.model.oral_micelles import compartment_solution, load_micelle_constants
from nanodds.model.partition import DEFAULT_COMPOSITION, drug_properties, rodgers_rowland_kp_all
from nanodds.specs.drug import TISSUES_WITH_KP, load_drug
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import parse_scenario

DRUG = "megestrol_acetate"


def _model():
    scn = parse_scenario({"name": "iv", "species": "human", "drug": DRUG,
                          "regimen": {"route": "iv_bolus", "dose": "1 mg"},
                          "simulation": {"duration": "24 h", "points": 3}})
    return build(scn).linear()


def test_kp_equal_rodgers_rowland() -> None:
    raw = load_yaml(f"drugs/{DRUG}.yaml")
    kp = rodgers_rowland_kp_all(drug_properties(raw), load_yaml(DEFAULT_COMPOSITION))
    assert set(raw["kp"]) == set(TISSUES_WITH_KP)
    for organ in TISSUES_WITH_KP:
        assert raw["kp"][organ].value == float(f"{kp[organ]:.3g}"), organ


def test_clearance_reproduces_fed_calibration_only() -> None:
    """Model CL/F with complete absorption (1 mg into free:gut) equals 625 mg / fed AUCinf of the calibration CSV."""
    cal = pd.read_csv(HERE / "data" / "oral_megestrol_calibration.csv", comment="#")
    assert set(cal["role"]) == {"calibration"} and set(cal["state"]) == {"fed"}
    auc = float(cal[cal.metric == "auc_inf"]["value"].iloc[0]) / 1e3  # mg h/L
    assert 1.0 / auc_per_mg(_model(), "free:gut") == pytest.approx(625.0 / auc, rel=2e-3)
    val = pd.read_csv(HERE / "data" / "oral_megestrol_human.csv", comment="#")
    assert set(val["role"]) == {"validation"} and "fed" not in set(val["state"])
    assert load_drug(DRUG, "human").renal_plasma_cl_L_per_h == 0.0


def test_formulations_and_oral_parameters_load() -> None:
    d = load_oral_drug(DRUG, 384.52)
    assert d.solubility_mg_per_mL == pytest.approx(0.002)
    assert d.log_p == load_yaml(f"drugs/{DRUG}.yaml")["log_p"].value
    assert load_formulation("megace_es_nanocrystal").diameter_nm < load_formulation("megace_os_micronised").diameter_nm


def test_fassif_solubilisation_is_modest_and_not_fitted() -> None:
    """Mithani 1996 at log P 3.2 in FaSSIF (3 mM taurocholate): total solubility < 2x aqueous (K ~ 0.8).

    The validation rows imply ~100x more absorbable drug than the aqueous model; this guards against the
    solubilisation constants drifting toward that gap without a source.
    """
    gi = load_gi_tract("human", "fasted")
    sol = compartment_solution(load_oral_drug(DRUG, 384.52), gi.bile_salts_mM()[1], load_micelle_constants())
    assert 1.5 < sol.solubility_factor < 2.0
    c = load_yaml("oral/formulations.yaml")["constants"]
    assert (c["solubilisation_intercept"].value, c["solubilisation_slope"].value) == (2.234, 0.606)
    assert "doi:10.1023/A:1016062224568" in c["solubilisation_intercept"].source


@pytest.mark.slow
def test_rows_direction_and_recorded_solubility_limit() -> None:
    from validation.rows_oral import KNOWN_MISSES, rows
    from validation.run import REMOVED_DIRECTION_ROWS
    rs = {(r.case, r.quantity): r for r in rows()}
    # the two sign rows duplicated the quantitative label ratios and were removed (validation/run.py says why):
    # the ratios stay as quantitative rows, and no direction row is left among the oral rows
    assert not [r for r in rs.values() if r.criterion.startswith("direction")]
    removed = {q for c, q, _ in REMOVED_DIRECTION_ROWS if c.startswith("oral")}
    assert len(removed) == 2
    quantities = {q for _, q in rs}
    assert {"relative F nano/micronised (dose-normalised AUCinf ratio)",
            "Cmax ratio nano/micronised (dose-normalised)"} <= quantities
    for key in KNOWN_MISSES:
        assert key in rs and not rs[key].passed, key
