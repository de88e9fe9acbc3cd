"""Myocet and DaunoXome validation data: validation-only, and never named by a calibration file or parameter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from validation.checks import HERE

from nanodds.catalog.products import product_spec
from nanodds.specs.params import load_yaml

DATA = HERE / "data"
VAL = {"myocet": DATA / "myocet_human_pk.csv", "daunoxome": DATA / "daunoxome_human_pk.csv"}
SRC = Path(__file__).resolve().parents[2] / "src" / "nanodds" / "data"


@pytest.mark.parametrize("product", sorted(VAL))
def test_validation_csv_is_validation_only_and_verified(product: str) -> None:
    df = pd.read_csv(VAL[product], comment="#")
    assert set(df.role) == {"validation"}
    assert set(df.verified) == {"yes"}
    assert df.source.str.len().min() > 10


@pytest.mark.parametrize("product", sorted(VAL))
def test_no_calibration_file_or_parameter_source_names_the_validation_csv(product: str) -> None:
    name = VAL[product].name
    for path in [*DATA.glob("*calibration*.csv"), *SRC.rglob("*.yaml"), *HERE.glob("calibrate*.py")]:
        assert name not in path.read_text(), f"{path} mentions {name}"


def test_no_myocet_half_life_is_a_validation_row() -> None:
    """Myocet's mps_multiplier is calibrated on a Myocet (TLC D-99) half-life: no Myocet t1/2 may be validated on."""
    source = load_yaml("catalog/products.yaml")["products"]["myocet"]["scenario"]["source"]
    assert "Cowens" in source and "Conley" in source and "t1/2" in source
    df = pd.read_csv(VAL["myocet"], comment="#")
    assert not df.metric.str.contains("t_half").any()


def test_daunorubicin_drug_file_is_not_set_from_the_daunoxome_rows() -> None:
    clearance = load_yaml("drugs/daunorubicin.yaml")["clearance"]["human"]
    text = " ".join(leaf.source for leaf in clearance.values())
    for study in ("Gill", "Forssen", "Yeo", "Drummond"):
        assert study not in text


def test_catalogue_blocks_use_the_carrier_defaults_apart_from_the_sourced_size() -> None:
    myocet = product_spec("myocet")["carrier"]
    assert {k: v for k, v in myocet.items() if k != "mps_multiplier"} == {"type": "conventional_liposome",
                                                                             "diameter": "180 nm"}
    assert product_spec("daunoxome")["carrier"] == {"type": "conventional_liposome", "diameter": "45 nm"}


def test_myocet_calibration_file_is_calibration_only_and_not_a_validation_study() -> None:
    df = pd.read_csv(DATA / "myocet_drummond1999_calibration.csv", comment="#")
    assert set(df.role) == {"calibration"} and set(df.verified) == {"yes"}
    assert set(df.source.str.split().str[0]) == {"Cowens", "Conley"}


@pytest.mark.slow
def test_myocet_mps_multiplier_reproduces_the_first_phase_half_life() -> None:
    from validation.calibrate_products import myocet_first_phase_t_half, myocet_target

    spec, target = myocet_target()
    assert myocet_first_phase_t_half(spec, spec["carrier"]["mps_multiplier"]) == pytest.approx(target, rel=0.03)
