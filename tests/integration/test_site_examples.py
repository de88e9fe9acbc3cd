"""The issue-#12 disease-site worked cases in examples/ run, conserve mass and show what their write-up says."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from nanodds.specs.scenario import load_scenario

EX = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str, conventional: bool = False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scn = load_scenario(EX / name)
    if conventional:
        scn = scn.conventional()
    sol = simulate(scn)
    m = compute_metrics(sol, scn.regimen, scn.bsa_m2)
    assert m["mass_balance_rel_error"] < 1e-9
    return scn, sol, m


@pytest.mark.parametrize("name", ["stroke_expansile_lesion_mouse.yaml", "neuro_curcumin_plga_ad_mouse.yaml",
                                  "infection_ambisome_abscess_human.yaml", "cardio_gpib_dexamethasone_plga_rat.yaml"])
def test_worked_case_and_its_free_drug_arm_run(name: str) -> None:
    scn, _, nano = _run(name)
    _, _, free = _run(name, conventional=True)
    site = scn.sites[0].name
    assert nano["sites"][site]["released_auc_mg_h_per_L"] > 0 and free["sites"][site]["released_auc_mg_h_per_L"] > 0
    assert free["sites"][site]["carrier_peak_mg"] == 0.0


def test_stroke_lesion_takes_up_particles_the_healthy_brain_does_not() -> None:
    _, sol, m = _run("stroke_expansile_lesion_mouse.yaml")
    assert sol.y[:, sol.model.names.index("carrier:site.stroke_lesion.interstitial")].max() > 0
    assert sol.y[:, sol.model.names.index("carrier:brain.interstitial")].max() == 0  # intact BBB: 1 nm pores
    assert m["sites"]["stroke_lesion"]["released_auc_mg_h_per_L"] > m["tissues"]["brain"]["released_auc_mg_h_per_L"]


def test_neurodegenerative_region_stays_closed_to_80_nm_particles() -> None:
    _, sol, _ = _run("neuro_curcumin_plga_ad_mouse.yaml")
    assert sol.y[:, sol.model.names.index("carrier:site.neurodegenerative_region.interstitial")].max() == 0


def test_targeted_vs_untargeted_dexamethasone_at_the_injured_artery() -> None:
    _, _, tgt = _run("cardio_gpib_dexamethasone_plga_rat.yaml")
    _, _, unt = _run("cardio_untargeted_dexamethasone_plga_rat.yaml")
    t, u = tgt["sites"]["injured_artery"], unt["sites"]["injured_artery"]
    assert t["total_auc_mg_h_per_L"] > 10 * u["total_auc_mg_h_per_L"]
    assert t["released_auc_mg_h_per_L"] > u["released_auc_mg_h_per_L"]
    assert t["wall_carrier_end_mg"] > 0 and "wall_carrier_end_mg" not in u


def test_ambisome_reaches_the_abscess_interstitium() -> None:
    _, sol, _ = _run("infection_ambisome_abscess_human.yaml")
    assert sol.y[:, sol.model.names.index("carrier:site.abscess.interstitial")].max() > 0
