"""``tumour_delivery: fitted``: the Nano-Tumor DB design factors act through the carrier parameters, as fitted."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from tests.refusal import assert_scenario_refused
from validation.nano_tumor_eval import MATERIAL_CARRIER, TM_MODEL, load_sets, mappable, scenario_raw
from validation.nano_tumor_fit import fit_yaml

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import build, simulate
from nanodds.model import tumour_fitted
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import reference_data
from nanodds.specs.scenario import parse_scenario


def _design(material: str = "gold", **tumour: object) -> dict:
    return {
        "name": "fitted design", "species": "mouse", "drug": "doxorubicin",
        "carrier": {"type": "gold_nanoparticle", "diameter": "40 nm", "material": material},
        "tumour": {"volume": "0.5 mL", **tumour},
        "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
        "simulation": {"duration": "48 h", "points": 49, "saturable": False, "solver": "linear"},
        "tumour_delivery": "fitted",
    }


def test_the_fitted_factors_reach_the_carrier_parameters() -> None:
    scn = parse_scenario(_design(model="xenograft_orthotopic"))
    assert scn.tumour_delivery == "fitted"
    model = build(scn)
    fac = model.meta["fitted_tumour"]
    f = load_yaml("carriers/tumour_delivery_fitted.yaml")
    ref_mL = reference_data("mouse")["tumour"]["volume"].to("mL")
    assert fac["material_entry_scale"] == f["material_entry_scale"]["gold"].value
    assert fac["tumour_model_factor"] == f["tumour_model_factor"]["xenograft_orthotopic"].value
    assert fac["targeting_factor"] == f["targeting_factor"]["passive"].value
    assert fac["tumour_size_factor"] == pytest.approx((0.5 / ref_mL) ** -f["tumour_weight_exponent"].value,
                                                      rel=1e-12)
    mech = build(parse_scenario({k: v for k, v in _design(model="xenograft_orthotopic").items()
                                 if k != "tumour_delivery"}))
    ck, ck0 = model.meta["carrier_kinetics"], mech.meta["carrier_kinetics"]
    entry = (fac["material_entry_scale"] * fac["tumour_model_factor"] * fac["targeting_factor"]
             * fac["tumour_size_factor"])
    assert ck.pa_L_per_h["tumour"] == pytest.approx(entry * ck0.pa_L_per_h["tumour"], rel=1e-12)
    assert "fitted_tumour" not in mech.meta


def test_a_ligand_takes_the_active_factor_and_explicit_overrides_win() -> None:
    raw = _design()
    raw["carrier"]["ligand"] = {"type": "peptide"}
    fac = build(parse_scenario(raw)).meta["fitted_tumour"]
    assert fac["targeting_factor"] == load_yaml("carriers/tumour_delivery_fitted.yaml")["targeting_factor"][
        "active"].value
    scn = parse_scenario(_design())
    d_fit = build(scn).meta["carrier_kinetics"].mps_extraction
    d_own = build(scn, {"size_exponent_mps": 1.0}).meta["carrier_kinetics"].mps_extraction
    # gold 40 nm vs the 100 nm reference: the fitted exponent 0 ignores size, an explicit exponent 1 wins
    assert d_own["liver"] == pytest.approx(0.4 * d_fit["liver"], rel=1e-12)


def test_entry_scaling_moves_de24_like_the_fit_scaled_it() -> None:
    """The fit scaled simulated DE24; the model scales the tumour entry. For the long-circulating reference liposome
    a 4x lower entry leaves more carrier in the blood, so DE24 falls by less than the factor: measured over the
    database's 23 liposome sets 1.06-1.45x the fit's value (other materials 0.72-1.04x; docs/tumour_delivery.md).
    Here: the same direction, between the factor and 1.5x it."""
    ref_mL = reference_data("mouse")["tumour"]["volume"].to("mL")
    raw = {"name": "lipo", "species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "pegylated_liposome", "diameter": "100 nm", "material": "liposome"},
           "tumour": {"volume": f"{ref_mL} mL", "model": "xenograft_heterotopic"},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "simulation": {"duration": "48 h", "points": 49, "saturable": False, "solver": "linear"}}
    f = load_yaml("carriers/tumour_delivery_fitted.yaml")
    fitted = parse_scenario({**raw, "tumour_delivery": "fitted"})
    plain = parse_scenario(raw)
    ov = {"size_exponent_mps": f["size_exponent_mps"].value,
          "mps_extraction_total": load_yaml("carriers/mouse.yaml")["mps_extraction_total"].value
          * f["material_mps_factor"]["liposome"].value}

    def de24(scn, overrides=None) -> float:
        return compute_metrics(simulate(scn, carrier_overrides=overrides), scn.regimen, scn.bsa_m2)["tumour"][
            "carrier_label_de24_percent"]

    expected = (f["material_entry_scale"]["liposome"].value * f["targeting_factor"]["passive"].value
                * f["tumour_model_factor"]["xenograft_heterotopic"].value)
    ratio = de24(fitted) / de24(plain, ov)
    assert expected < ratio < 1.5 * expected


@pytest.mark.parametrize(("change", "field"), [
    (lambda r: r.update(species="rat"), "tumour_delivery"),
    (lambda r: r["carrier"].pop("material"), "carrier.material"),
    (lambda r: r["carrier"].update(material="nanodiamond"), "carrier.material"),
])
def test_designs_the_fit_does_not_cover_are_refused(change, field, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    raw = copy.deepcopy(_design())
    change(raw)
    assert_scenario_refused(raw, field, tmp_path, capsys)


def test_written_file_carries_every_factor_the_model_reads(tmp_path: Path) -> None:
    """The harness's writer and the model's reader agree on names: a synthetic fit round-trips."""
    fit = {"tumour_weight_exponent": 0.3, "mps_size_exponent": None, "liposome_scale": 0.5,
           "material_scale": {"Gold": 4.0}, "mps_factor": {"Gold": 10.0},
           "group_factor": {"TM": {"Xenograft Orthotopic": 1.7}, "TS": {"Active": 1.4, "Passive": 0.9}}}
    spread = {"partitions": 10, "median_fold_error": 2.3, "spearman": 0.41}
    text = fit_yaml(fit, 229, {"median_fold_error": 2.24, "spearman": 0.47}, spread)
    import yaml

    data = yaml.safe_load(text)
    assert set(data["material_entry_scale"]) == {m for _, m in MATERIAL_CARRIER.values()}
    assert data["material_entry_scale"]["gold"]["value"] == 4.0
    assert data["material_entry_scale"]["silica"]["value"] == 0.5  # < MIN_MATERIAL sets: the liposome scale
    assert data["size_exponent_mps"]["value"] == 1.0  # the file's own exponent won
    assert set(data["tumour_model_factor"]) == {*TM_MODEL.values(), "other"}
    assert data["tumour_model_factor"]["xenograft_orthotopic"]["value"] == 1.7
    assert set(data["targeting_factor"]) == {"active", "passive"}
    assert "median over 10 random study-grouped partitions 2.30x, 0.41" in data["tumour_weight_exponent"]["source"]
    shipped = load_yaml("carriers/tumour_delivery_fitted.yaml")
    assert set(shipped) == set(data) and tumour_fitted.materials() == sorted(data["material_entry_scale"])
    washed = yaml.safe_load(fit_yaml({**fit, "tumour_label_washout_rate": 0.01}, 229,
                                     {"median_fold_error": 2.24, "spearman": 0.47}, spread))
    assert washed["tumour_label_washout_rate"]["value"] == 0.01 and washed["tumour_label_washout_rate"]["unit"] == "1/h"


def test_every_database_material_has_fitted_factors() -> None:
    d = mappable(load_sets())
    mats = {MATERIAL_CARRIER[m][1] for m in d["MAT"].unique()}
    assert mats <= set(tumour_fitted.materials())
    parse_scenario({**scenario_raw(d.iloc[0]), "tumour_delivery": "fitted"})


def test_a_fitted_label_washout_acts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fitted file that carries ``tumour_label_washout_rate`` makes the digested label wash out."""
    from nanodds.model.carrier import TUMOUR_DIGESTED, TUMOUR_LABEL
    from nanodds.specs.params import Param

    scn = parse_scenario(copy.deepcopy(_design()))
    assert TUMOUR_DIGESTED in build(scn).names
    shipped = tumour_fitted.fit()
    monkeypatch.setattr(tumour_fitted, "fit", lambda: {**shipped, "tumour_label_washout_rate": Param(
        0.01, "1/h", "test")})
    names = build(scn).names
    assert TUMOUR_LABEL in names and TUMOUR_DIGESTED not in names
