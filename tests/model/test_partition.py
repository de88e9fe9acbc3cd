"""Rodgers & Rowland tissue partition coefficients (nanodds.model.partition) and the doxorubicin Kp set."""

from __future__ import annotations

import itertools
import math

import pytest

from nanodds.model.partition import (
    DEFAULT_COMPOSITION,
    acidic_phospholipid_affinity,
    drug_properties,
    rodgers_rowland_kp,
    rodgers_rowland_kp_all,
    rodgers_rowland_kpu,
)
from nanodds.specs.params import load_yaml

KP_ORGANS = ("lung", "heart", "liver", "spleen", "gut", "kidney", "brain", "muscle", "skin",
             "adipose", "marrow", "rest", "tumour")
TRANSPORTER_OVERRIDES = {"brain"}  # kp deviates from the passive prediction for a documented reason


@pytest.fixture(scope="module")
def comp() -> dict:
    return load_yaml(DEFAULT_COMPOSITION)


@pytest.fixture(scope="module")
def dox() -> dict:
    return load_yaml("drugs/doxorubicin.yaml")


def _sig3(x: float) -> float:
    return float(f"{x:.3g}")


def test_composition_file_complete(comp: dict) -> None:
    fields = {"extracellular_water", "intracellular_water", "neutral_lipid", "neutral_phospholipid",
              "acidic_phospholipid", "albumin_ratio", "lipoprotein_ratio"}
    assert set(KP_ORGANS) - {"lung", "heart", "liver", "spleen", "gut", "kidney", "brain", "muscle", "skin",
                             "adipose"} <= set(comp["tissues"])
    for name, t in comp["tissues"].items():
        assert set(t) == fields, name
        water = t["extracellular_water"].value + t["intracellular_water"].value
        lipid = t["neutral_lipid"].value + t["neutral_phospholipid"].value
        assert 0.4 < water + lipid <= 1.01, name  # bone 0.47 (mineral); adipose 1.007 (rounding)
    assert comp["ph"]["intracellular"].value < comp["ph"]["erythrocytes"].value < comp["ph"]["plasma"].value


def test_water_limit_neutral_hydrophilic(comp: dict) -> None:
    # neutral, log P -> -inf, fu = 1 (no protein binding): Kpu -> fEW + fIW exactly
    props = {"log_p": -12.0, "pka_base": None, "pka_acid": None, "fu": 1.0, "bp": 1.0}
    for name, t in comp["tissues"].items():
        expected = t["extracellular_water"].value + t["intracellular_water"].value
        expected += comp["method"]["phospholipid_water_weight"].value * t["neutral_phospholipid"].value
        assert rodgers_rowland_kpu(props, name, comp) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_base_with_zero_affinity_reduces_to_ion_trapping(comp: dict) -> None:
    # B:P chosen so that KaAP = 0: Kpu is then water + pH-partition (ion trapping) + lipid terms only
    hct = comp["hematocrit"].value
    ph = {k: v.value for k, v in comp["ph"].items()}
    ery = comp["erythrocytes"]
    pka, log_p, fu = 9.0, -12.0, 0.5
    y = 1 + 10 ** (pka - ph["plasma"])
    kpu_bc = (1 + 10 ** (pka - ph["erythrocytes"])) / y * ery["intracellular_water"].value
    kpu_bc += comp["method"]["phospholipid_water_weight"].value * ery["neutral_phospholipid"].value / y
    bp = kpu_bc * hct * fu + 1 - hct
    props = {"log_p": log_p, "pka_base": pka, "pka_acid": None, "fu": fu, "bp": bp}
    assert acidic_phospholipid_affinity(props, comp) == pytest.approx(0.0, abs=1e-9)
    x = 1 + 10 ** (pka - ph["intracellular"])
    muscle = comp["tissues"]["muscle"]
    w_np = comp["method"]["phospholipid_water_weight"].value
    expected = (muscle["extracellular_water"].value + x / y * muscle["intracellular_water"].value
                + w_np * muscle["neutral_phospholipid"].value / y)
    assert rodgers_rowland_kpu(props, "muscle", comp) == pytest.approx(expected, rel=1e-9)


def test_monotone_in_logp_and_affinity(comp: dict) -> None:
    base = {"log_p": 1.0, "pka_base": 9.0, "pka_acid": None, "fu": 0.3, "bp": 1.2}
    log_ps = (-1.0, 0.0, 1.0, 2.0, 3.0)
    for tissue in ("muscle", "adipose", "liver"):
        # at fixed KaAP, Kp rises with log P (lipid terms)
        kps = [rodgers_rowland_kp({**base, "log_p": lp, "ka_ap": 5.0}, tissue, comp) for lp in log_ps]
        assert all(b > a for a, b in itertools.pairwise(kps)), tissue
        # and with KaAP
        kpa = [rodgers_rowland_kp({**base, "ka_ap": ka}, tissue, comp) for ka in (0.0, 1.0, 5.0, 20.0)]
        assert all(b > a for a, b in itertools.pairwise(kpa)), tissue
        # a larger B:P means a larger derived KaAP, hence larger tissue Kp
        kpb = [rodgers_rowland_kp({**base, "bp": bp}, tissue, comp) for bp in (1.0, 1.5, 2.0, 3.0)]
        assert all(b > a for a, b in itertools.pairwise(kpb)), tissue
    kas = [acidic_phospholipid_affinity({**base, "bp": bp}, comp) for bp in (1.0, 1.5, 2.0, 3.0)]
    assert all(b > a for a, b in itertools.pairwise(kas))
    # at fixed B:P, a more lipophilic base needs less phospholipid binding to explain the same B:P
    kal = [acidic_phospholipid_affinity({**base, "log_p": lp}, comp) for lp in log_ps]
    assert all(b <= a for a, b in itertools.pairwise(kal))
    # neutral with fu = 1 (no protein binding): Kp rises with log P in every tissue
    neutral = {"pka_base": None, "pka_acid": None, "fu": 1.0, "bp": 1.0}
    for tissue in comp["tissues"]:
        kpn = [rodgers_rowland_kp({**neutral, "log_p": lp}, tissue, comp) for lp in log_ps]
        assert all(b > a for a, b in itertools.pairwise(kpn)), tissue
    # at equal properties, tissues rank by acidic phospholipid content (kidney 5.03 > liver > muscle mg/g)
    kp = rodgers_rowland_kp_all(base, comp, ("kidney", "liver", "muscle"))
    assert kp["kidney"] > kp["liver"] > kp["muscle"]


def test_acid_and_neutral_branches(comp: dict) -> None:
    acid = {"log_p": 1.0, "pka_base": None, "pka_acid": 4.0, "fu": 0.05, "bp": 0.6}
    neutral = {"log_p": 1.0, "pka_base": None, "pka_acid": None, "fu": 0.5, "bp": 1.0}
    for props in (acid, neutral):
        kp = rodgers_rowland_kp_all(props, comp)
        assert all(math.isfinite(v) and v > 0 for v in kp.values())
    # a highly bound acid stays mostly extracellular: Kp well below 1 in muscle
    assert rodgers_rowland_kp(acid, "muscle", comp) < 0.5
    # weak base (pKa < 7) uses the albumin branch, not acidic phospholipids
    weak = {"log_p": 1.0, "pka_base": 5.0, "pka_acid": None, "fu": 0.5, "bp": 1.0}
    assert rodgers_rowland_kp(weak, "muscle", comp) < 2.0


def test_doxorubicin_yaml_kp_equal_function_output(dox: dict, comp: dict) -> None:
    props = drug_properties(dox)
    kp = rodgers_rowland_kp_all(props, comp)
    assert set(dox["kp"]) == set(KP_ORGANS)
    for organ in KP_ORGANS:
        if organ in TRANSPORTER_OVERRIDES:
            assert dox["kp_passive"][organ].value == _sig3(kp[organ])
            continue
        assert dox["kp"][organ].value == _sig3(kp[organ]), organ
        assert dox["kp"][organ].source.startswith("derived: Rodgers & Rowland 2005")


@pytest.mark.xfail(strict=True, reason=(
    "R&R (passive, acidic-phospholipid binding with B:P 1.15) predicts human Vss ~357 L = ~198 L/m2, "
    "~4x below the label 809-1214 L/m2 (outside a factor 2): doxorubicin's DNA intercalation is not in the "
    "model. Recorded, not tuned."))
def test_doxorubicin_vss_within_factor_two_of_label(dox: dict) -> None:
    from nanodds.specs.physiology import build_physiology

    phys = build_physiology("human", body_weight_kg=70.0)
    bp = dox["blood_plasma_ratio"].value
    # Vss (plasma reference) = blood volume * B:P + sum(V_tissue * Kp); organ volumes hold some residual
    # blood counted twice here, negligible against Kp >> 1
    vss = phys.blood_volume_L * bp + sum(phys.volume_L[o] * dox["kp"][o].value for o in phys.volume_L)
    bsa = 1.8
    label_low, label_high = 809 * bsa, 1214 * bsa
    assert 300.0 < vss < 420.0  # documents the present prediction (~357 L)
    assert label_low / 2 <= vss <= label_high * 2
