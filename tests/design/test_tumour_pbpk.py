"""Mouse nanoparticle PBPK with a tumour (Chou 2023 structure): conservation, equilibrium, published data."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanodds.design.cv import load_training
from nanodds.design.tumour_pbpk import TUMOUR_PARAMS, MouseNanoPBPK, body_parameters, tumour_time_course

ROOT = Path(__file__).resolve().parents[2]
TYPICAL = {"KTRESrelease": 0.1, "KTRESmax": 0.3, "KTRES50": 12.0, "KTRESn": 2.0, "QTC": 0.02, "VTC": 0.01,
           "BVT": 0.02, "PT": 0.1, "PATC": 0.005}


@settings(max_examples=15, deadline=None)
@given(st.floats(-3, 1), st.floats(-2, 1), st.floats(0, 2.2), st.floats(-1, 0.9), st.floats(0.01, 0.05),
       st.floats(0.002, 0.2), st.floats(0.01, 0.5), st.floats(-2, 0.9), st.floats(-5, -0.1), st.floats(16, 35))
def test_mass_is_conserved(rel, kmax, t50, n, qtc, vtc, bvt, pt, patc, bw) -> None:
    tum = {"KTRESrelease": 10 ** rel, "KTRESmax": 10 ** kmax, "KTRES50": 10 ** t50, "KTRESn": 10 ** n,
           "QTC": qtc, "VTC": vtc, "BVT": bvt, "PT": 10 ** pt, "PATC": 10 ** patc}
    m = MouseNanoPBPK(bw / 1000.0, tum)
    y = m.simulate(0.5, np.array([0.5, 24.0, 168.0]))
    np.testing.assert_allclose(y.sum(axis=1), 0.5, rtol=1e-9)
    assert (y > -1e-12).all()


def test_closed_system_equilibrium_is_stationary() -> None:
    # no RES uptake, no excretion and no spleen flow (whose outflow joins the liver blood): every blood pool
    # at one concentration C and every tissue at P*C is a stationary state of the equations
    body = copy.deepcopy(body_parameters())
    body["urine_clearance_coefficient"] = body["bile_clearance_coefficient"] = 0.0
    body["organs"]["spleen"]["flow_fraction"] = 0.0
    for o in body["organs"].values():
        o["res_max"] = 0.0
    tum = {**TYPICAL, "KTRESmax": 0.0}
    m = MouseNanoPBPK(0.02, tum, body)
    organs = {**body["organs"], "tumour": {"volume_fraction": tum["VTC"], "vascular_fraction": tum["BVT"],
                                           "partition": tum["PT"]}}
    organs["rest"] = {**organs["rest"], "volume_fraction": 1 - body["plasma_volume_fraction"] - sum(
        v["volume_fraction"] for k, v in organs.items() if k != "rest")}
    c = 1.0
    y = np.zeros(len(m.names))
    vp = body["plasma_volume_fraction"] * 0.02
    y[m.index["arterial"]] = c * vp * body["arterial_share_of_plasma"]
    y[m.index["venous"]] = c * vp * (1 - body["arterial_share_of_plasma"])
    for o, p in organs.items():
        vol = 0.02 * p["volume_fraction"]
        y[m.index[f"{o}.blood"]] = c * vol * p["vascular_fraction"]
        y[m.index[f"{o}.tissue"]] = c * p["partition"] * vol * (1 - p["vascular_fraction"])
    rate = m.matrix(50.0) @ y
    assert np.abs(rate).max() < 1e-9 * np.abs(m.m0).max() * y.max()


def test_fitted_parameters_reproduce_the_measured_time_courses() -> None:
    # criterion: the authors' per-data-set fitted tumour parameters, run through this implementation, give the
    # measured tumour %ID within a median fold error of 1.5 at every time window (checks the equations)
    df = load_training(ROOT).set_index("ID").iloc[::4]
    tc = pd.read_csv(ROOT / "validation/data/nano_tumor_db/timecourses.csv")
    tc = tc[tc["ID"].isin(df.index) & (tc["Tumor"] > 0)]
    err = []
    for i, g in tc.groupby("ID"):
        ts = np.sort(g["Time"].unique())
        pred = dict(zip(ts, tumour_time_course({k: df.loc[i, k] for k in TUMOUR_PARAMS}, df.loc[i, "BW"], ts),
                        strict=True))
        err += [(t, abs(np.log10(pred[t] / o))) for t, o in zip(g["Time"], g["Tumor"], strict=True)]
    e = pd.DataFrame(err, columns=["t", "lerr"])
    by_window = e.groupby(pd.cut(e["t"], [0, 4, 24, 170]), observed=True)["lerr"].median()
    assert (10 ** by_window < 1.5).all(), by_window


def test_timecourse_cv_with_the_fitted_parameters_equals_the_ceiling() -> None:
    from nanodds.design.cv import PARAM_TARGETS
    from nanodds.design.pbpk_cv import timecourse_cv

    df = load_training(ROOT).iloc[:6]
    tc = pd.read_csv(ROOT / "validation/data/nano_tumor_db/timecourses.csv")
    res = timecourse_cv(df, np.log10(df[list(PARAM_TARGETS)].to_numpy(dtype=float)), tc)
    assert res["n_points"] == int((tc["ID"].isin(df["ID"]) & (tc["Tumor"] > 0)).sum())
    for w in res["windows"]:
        if w["n"]:
            assert w["mfe_predicted"] == pytest.approx(w["mfe_fitted"], rel=1e-6)  # log10/10** round trip
    assert res["DE24"]["predicted"] == pytest.approx(res["DE24"]["fitted"], rel=1e-6)
