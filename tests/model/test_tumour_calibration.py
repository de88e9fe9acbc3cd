"""Human tumour parameterisation agrees with its sources (validation/calibrate.py, tumour step).

* The human tumour blood flow per volume is the geometric mean of solid-carcinoma flows measured in patients
  (validation/data/human_tumour_blood_flow_calibration.csv); it must not drift from that derivation.
* The 1979 133Xe study found no correlation of flow with tumour size, so flow per volume is size-independent.
* The tumour EPR/TAM parameters of rat and human are the mouse calibration carried over (an assumption); a
  species-specific value must come with a calibration step that removes the species from ``TUMOUR_CARRY_OVER``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from validation.calibrate import HUMAN_TUMOUR_FLOW_CSV, TUMOUR_CARRY_OVER, human_tumour_flow_per_volume

from nanodds.specs.params import DATA_ROOT, load_yaml
from nanodds.specs.physiology import build_physiology

TUMOUR_KEYS = ("tumour_extravasation_coefficient", "tumour_macrophage_uptake_rate")


def test_human_tumour_flow_matches_its_derivation() -> None:
    stored = load_yaml(DATA_ROOT / "physiology" / "human.yaml")["tumour"]["flow_per_volume"]
    assert stored.unit == "mL/min/mL"
    # 4 significant figures in the data file
    assert stored.value == pytest.approx(human_tumour_flow_per_volume(), rel=1e-3)


def test_derivation_uses_only_solid_carcinoma_flows() -> None:
    df = pd.read_csv(HUMAN_TUMOUR_FLOW_CSV, comment="#")
    assert set(df["role"]) == {"calibration"}
    used = df[df["used_in_target"] == "yes"]
    assert len(used) == 4
    assert not used["tumour_type"].str.contains("lymphoma").any()
    # measured carcinoma flows: 0.1-0.3 mL/min/mL, the derived value inside
    assert 0.1 < human_tumour_flow_per_volume() < 0.3


def test_calibration_data_share_no_study_with_imaging_validation() -> None:
    cal = set(pd.read_csv(HUMAN_TUMOUR_FLOW_CSV, comment="#")["study"])
    val = set(pd.read_csv(HUMAN_TUMOUR_FLOW_CSV.parent / "imaging_human_peg_liposome.csv", comment="#")["study"])
    assert not cal & val


@pytest.mark.parametrize("volume_L", [0.0362, 0.1145, 0.2347])
def test_human_tumour_flow_per_volume_is_size_independent(volume_L: float) -> None:
    phys = build_physiology("human", 70.0, 170.0, {"volume_L": volume_L})
    assert phys.tumour is not None
    per_min = phys.tumour.flow_L_per_h / phys.tumour.volume_L / 60.0  # mL/min/mL
    assert per_min == pytest.approx(human_tumour_flow_per_volume(), rel=1e-3)


@pytest.mark.parametrize("species", TUMOUR_CARRY_OVER)
def test_tumour_epr_parameters_are_the_mouse_values_carried_over(species: str) -> None:
    mouse = load_yaml(DATA_ROOT / "carriers" / "mouse.yaml")
    other = load_yaml(DATA_ROOT / "carriers" / f"{species}.yaml")
    for key in TUMOUR_KEYS:
        assert other[key].value == mouse[key].value, (species, key)
        assert "mouse" in other[key].source.lower() or "Nano-Tumor" in other[key].source, (species, key)


def test_human_carry_over_is_declared_as_an_assumption() -> None:
    human = load_yaml(DATA_ROOT / "carriers" / "human.yaml")
    for key in TUMOUR_KEYS:
        assert "carried over" in human[key].source and "assumption" in human[key].source.lower(), key
