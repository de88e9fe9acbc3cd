"""``nanodds predict-delivery`` end to end through ``cli.main``: round trip, unknown categories, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nanodds.design.cv import DE_TARGETS, PARAM_TARGETS, load_training
from nanodds.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
NEW = [f"{t}{s}" for t in DE_TARGETS for s in ("_pred", "_lo", "_hi")] + ["out_of_domain", "ood_reason", "notes"]


def _inputs(n: int = 8) -> pd.DataFrame:
    df = load_training(ROOT).iloc[::37].head(n).iloc[::-1]  # a few rows, not in ID order
    return df.drop(columns=[*DE_TARGETS, *PARAM_TARGETS])


def _run(tmp_path: Path, df: pd.DataFrame | None = None, text: str | bytes | None = None):
    inp = tmp_path / "in.csv"
    if df is not None:
        df.to_csv(inp, index=False)
    elif isinstance(text, bytes):
        inp.write_bytes(text)
    elif text is not None:
        inp.write_text(text)
    out = tmp_path / "pred.csv"
    code = main(["predict-delivery", str(inp), "--out", str(out)])
    return code, out


def test_round_trip_keeps_rows_order_and_columns(tmp_path: Path) -> None:
    df = _inputs()
    df["my_label"] = [f"design {i}" for i in range(len(df))]
    code, out = _run(tmp_path, df)
    assert code == 0
    pred = pd.read_csv(out)
    assert list(pred.columns) == [*df.columns, *NEW]
    assert pred["ID"].tolist() == df["ID"].tolist() and pred["my_label"].tolist() == df["my_label"].tolist()
    for t in DE_TARGETS:
        p, lo, hi = pred[f"{t}_pred"], pred[f"{t}_lo"], pred[f"{t}_hi"]
        assert np.isfinite(p).all() and (lo < p).all() and (p < hi).all()
    assert not pred["out_of_domain"].any()  # training rows are in the domain
    assert not list(tmp_path.glob(".pred.csv.*"))  # no temporary file left behind


def test_predictions_follow_the_rows_not_their_position(tmp_path: Path) -> None:
    df = _inputs()
    _, out1 = _run(tmp_path, df)
    a = pd.read_csv(out1).set_index("ID")
    _, out2 = _run(tmp_path, df.iloc[::-1])
    b = pd.read_csv(out2).set_index("ID")
    assert list(b.index) == list(df["ID"].iloc[::-1])
    np.testing.assert_allclose(a.loc[b.index, "DE24_pred"], b["DE24_pred"], rtol=1e-12)


def test_unknown_cancer_type_is_predicted_and_flagged(tmp_path: Path) -> None:
    df = _inputs(2)
    df["CT"] = ["Bone", df["CT"].iloc[1]]
    code, out = _run(tmp_path, df)
    pred = pd.read_csv(out, keep_default_na=False)
    assert code == 0
    assert pred["out_of_domain"].tolist() == [True, False]
    assert "unknown CT 'bone'" in pred["ood_reason"][0] and "mapped to 'other'" in pred["notes"][0]
    assert float(pred["DE24_pred"][0]) > 0


def test_all_empty_row_and_out_of_range_size(tmp_path: Path) -> None:
    text = "HD,Zeta,CT,Type,Dose\n,,,,\n5000,10,breast,Organic,5\n-3,10,breast,Organic,5\n"
    code, out = _run(tmp_path, text=text)
    assert code == 0
    pred = pd.read_csv(out, keep_default_na=False)
    assert len(pred) == 3 and np.isfinite(pred["DE24_pred"].astype(float)).all()
    assert pred["out_of_domain"].tolist() == [True, True, True]
    assert "properties missing" in pred["ood_reason"][0] and "HD missing" in pred["notes"][0]
    assert "HD=5000 outside training range" in pred["ood_reason"][1]
    assert "HD=-3 is not > 0" in pred["notes"][2]


@pytest.mark.parametrize(("text", "needle"), [
    (None, "an existing CSV file"),
    ("", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa", "UTF-8"),
    ("HD,Dose\n100,5\nlarge,5\n", "row 2, column HD: got 'large'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys, text, needle) -> None:
    code, out = _run(tmp_path, text=text)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_header_only_file_gives_header_only_output(tmp_path: Path) -> None:
    code, out = _run(tmp_path, text="HD,Dose,CT\n")
    assert code == 0
    pred = pd.read_csv(out)
    assert len(pred) == 0 and list(pred.columns) == ["HD", "Dose", "CT", *NEW]


def test_times_adds_the_ai_pbpk_time_course(tmp_path: Path) -> None:
    df = _inputs(3)
    inp = tmp_path / "in.csv"
    df.to_csv(inp, index=False)
    out = tmp_path / "pred.csv"
    assert main(["predict-delivery", str(inp), "--out", str(out), "--times", "24,1,4", "h"]) == 0
    pred = pd.read_csv(out)
    cols = ["tumour_pct_dose_1h", "tumour_pct_dose_4h", "tumour_pct_dose_24h"]
    assert list(pred.columns[-3:]) == cols
    v = pred[cols].to_numpy()
    assert np.isfinite(v).all() and (v > 0).all() and (v < 100).all()


def test_times_beyond_the_data_are_rejected(tmp_path: Path, capsys) -> None:
    df = _inputs(1)
    inp = tmp_path / "in.csv"
    df.to_csv(inp, index=False)
    assert main(["predict-delivery", str(inp), "--out", str(tmp_path / "p.csv"), "--times", "500 h"]) == 2
    assert "times: got '500 h'" in capsys.readouterr().err
