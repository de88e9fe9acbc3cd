"""``nanodds simulate`` / ``nanodds compare`` end to end through ``cli.main``, and bad input handling."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nanodds.analysis.compare import compare_metrics, ratio
from nanodds.interfaces.cli import main
from nanodds.io.outputs import TIMECOURSE_COLUMNS, to_jsonable

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"

FAST = {
    "name": "fast test",
    "species": "human",
    "subject": {"body_weight": "70 kg", "height": "170 cm"},
    "drug": "doxorubicin",
    "carrier": {"type": "pegylated_liposome", "diameter": "85 nm"},
    "regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "1 h"}],
    "tumour": {"volume": "20 mL"},
    "simulation": {"duration": "48 h", "points": 97, "saturable": False},
}

PLASMA_KEYS = ("auc_inf_mg_h_per_L", "cmax_mg_per_L", "t_half_h", "cl_L_per_h", "vss_L")


def _scenario(tmp_path: Path, **changes) -> Path:
    raw = json.loads(json.dumps(FAST))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    p = tmp_path / "scenario.yaml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return p


def _check_metrics(m: dict) -> None:
    for k in PLASMA_KEYS:
        v = m["plasma_total"][k]
        assert v is not None and math.isfinite(v) and v > 0, k
    assert m["tissues"], "no tissues"
    for organ, t in m["tissues"].items():
        assert t["auc_mg_h_per_L"] >= 0, organ
    assert "heart" in m["tissues"] and "tumour" in m["tissues"]
    assert m["tumour"]["de24_percent"] > 0
    assert 0 <= m["mass_balance_rel_error"] < 1e-9


def _check_timecourse(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    assert tuple(df.columns) == TIMECOURSE_COLUMNS
    assert (df["amount_mg"] >= -1e-9).all()
    assert {"plasma", "heart", "tumour", "eliminated"} <= set(df["compartment"])
    return df


def test_simulate_example_full(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["simulate", str(EXAMPLE), "--out", str(out)]) == 0
    for f in ("metrics.json", "timecourse.csv", "timecourse.nc", "plasma.png", "tissues.png", "tumour.png"):
        assert (out / f).is_file(), f
    m = json.loads((out / "metrics.json").read_text())
    _check_metrics(m)
    df = _check_timecourse(out / "timecourse.csv")
    # every drug state is in the table once: the totals plus eliminated drug add up to the dose
    last = df[df["time_h"] == df["time_h"].max()]
    totals = last[(last["species"] == "total")]["amount_mg"].sum()
    elim = last[(last["compartment"] == "eliminated") & ~last["species"].str.startswith("carrier")]
    assert totals + elim["amount_mg"].sum() == pytest.approx(m["dose_total_mg"], rel=1e-8)
    stdout = capsys.readouterr().out
    assert "AUCinf" in stdout and "mass balance" in stdout


def test_simulate_netcdf_roundtrip(tmp_path):
    import xarray as xr

    out = tmp_path / "o"
    assert main(["simulate", str(_scenario(tmp_path)), "--out", str(out), "--no-plots"]) == 0
    with xr.open_dataset(out / "timecourse.nc", engine="scipy") as ds:
        assert ds["amount_mg"].dims == ("time", "state")
        assert ds["amount_mg"].attrs["units"] == "mg"
        assert ds["plasma_total"].attrs["units"] == "mg/L"
        assert "free:venous_blood" in [str(s) for s in ds["state"].values]
    m = json.loads((out / "metrics.json").read_text())
    assert m["plasma_total"]["cmax_mg_per_L"] == pytest.approx(float(ds["plasma_total"].max()), rel=1e-9)


def test_compare(tmp_path, capsys):
    out = tmp_path / "cmp"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine")
    assert main(["compare", str(_scenario(tmp_path)), "--out", str(out)]) == 0
    assert keep.read_text() == "mine"  # files it does not write survive
    for f in ("comparison.json", "comparison.png", "nano/metrics.json", "nano/timecourse.csv",
              "conventional/metrics.json", "conventional/timecourse.csv"):
        assert (out / f).is_file(), f
    doc = json.loads((out / "comparison.json").read_text())
    assert {"scenario", "nano", "conventional", "ratios"} <= set(doc)
    _check_metrics(doc["nano"])
    _check_metrics(doc["conventional"])
    r = doc["ratios"]
    for k in PLASMA_KEYS:
        assert f"plasma_total.{k}" in r
    assert "plasma_unbound.auc_inf_mg_h_per_L" in r and "plasma_unbound.cmax_mg_per_L" in r
    for organ in doc["nano"]["tissues"]:
        assert f"tissues.{organ}.auc_mg_h_per_L" in r
    for k in ("de24_percent", "demax_percent", "auc_mg_h_per_L", "targeting_index_tumour_vs_heart"):
        assert f"tumour.{k}" in r
    n, c = doc["nano"], doc["conventional"]
    assert r["plasma_total.auc_inf_mg_h_per_L"] == pytest.approx(
        n["plasma_total"]["auc_inf_mg_h_per_L"] / c["plasma_total"]["auc_inf_mg_h_per_L"])
    assert r["plasma_total.auc_inf_mg_h_per_L"] > 1  # the liposome keeps drug in plasma
    _check_timecourse(out / "nano" / "timecourse.csv")
    conv = _check_timecourse(out / "conventional" / "timecourse.csv")
    assert "carrier" not in set(conv["species"])
    assert "ratio" in capsys.readouterr().out


def test_compare_metrics_pure_and_null_ratios():
    nano = {"plasma_total": {"auc_inf_mg_h_per_L": 10.0, "cmax_mg_per_L": 2.0, "t_half_h": None,
                             "cl_L_per_h": float("nan"), "vss_L": 1.0},
            "tissues": {"heart": {"auc_mg_h_per_L": 3.0}}}
    conv = {"plasma_total": {"auc_inf_mg_h_per_L": 5.0, "cmax_mg_per_L": 0.0, "t_half_h": 2.0,
                             "cl_L_per_h": 1.0, "vss_L": float("inf")},
            "tissues": {"heart": {"auc_mg_h_per_L": 1.5}}}
    doc = compare_metrics(nano, conv, "x")
    r = doc["ratios"]
    assert r["plasma_total.auc_inf_mg_h_per_L"] == 2.0
    assert r["tissues.heart.auc_mg_h_per_L"] == 2.0
    for k in ("cmax_mg_per_L", "t_half_h", "cl_L_per_h", "vss_L"):
        assert r[f"plasma_total.{k}"] is None, k
    assert r["plasma_unbound.auc_inf_mg_h_per_L"] is None
    assert "tumour.de24_percent" not in r
    assert ratio(1, 0) is None and ratio(None, 1) is None and ratio(3, 2) == 1.5
    json.dumps(to_jsonable(doc), allow_nan=False)


def test_to_jsonable():
    obj = {"a": np.float64("nan"), "b": [np.inf, -np.inf, np.int64(3)], "c": np.array([1.5, np.nan]),
           "d": (np.bool_(True), None, "s")}
    assert to_jsonable(obj) == {"a": None, "b": [None, None, 3], "c": [1.5, None], "d": [True, None, "s"]}


def _bad(tmp_path: Path, capsys, argv: list[str]) -> str:
    out = tmp_path / "never"
    code = main([*argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert not out.exists()  # nothing written on bad input
    return lines[0]


BAD = {
    "unknown drug": ({"drug": "aspirinx"}, "drug"),
    "unknown carrier type": ({"carrier": {"type": "unicorn", "diameter": "85 nm"}}, "carrier.type"),
    "unknown tumour key": ({"tumour": {"volumee": "1 mL"}}, "tumour.volumee"),
    "zero diameter": ({"carrier": {"type": "pegylated_liposome", "diameter": "0 nm"}}, "carrier.diameter"),
    "negative dose": ({"regimen": [{"route": "iv_infusion", "dose": "-5 mg/m^2", "duration": "1 h"}]},
                      "dose"),
    "zero infusion": ({"regimen": [{"route": "iv_infusion", "dose": "50 mg/m^2", "duration": "0 h"}]},
                      "duration"),
    "kg diameter": ({"carrier": {"type": "pegylated_liposome", "diameter": "5 kg"}}, "carrier.diameter"),
    "unknown top key": ({"colour": "blue"}, "colour"),
}


@pytest.mark.parametrize("cmd", ["simulate", "compare"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios(tmp_path, capsys, case, cmd):
    changes, field = BAD[case]
    line = _bad(tmp_path, capsys, [cmd, str(_scenario(tmp_path, **changes))])
    assert line.startswith("nanodds: error:")
    assert field in line


def test_malformed_yaml(tmp_path, capsys):
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\ndrug: [doxorubicin\ncarrier: {type: pegylated_liposome\n", encoding="utf-8")
    assert "YAML" in _bad(tmp_path, capsys, ["simulate", str(p)])


def test_missing_file(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["simulate", str(tmp_path / "nope.yaml")])
    assert "nope.yaml" in line


def test_compare_needs_carrier(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["compare", str(_scenario(tmp_path, carrier=None))])
    assert "carrier" in line


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("keep")
    code = main(["simulate", str(_scenario(tmp_path)), "--out", str(f)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f.read_text() == "keep"


def test_missing_argument(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
