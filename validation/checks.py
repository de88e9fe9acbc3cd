"""Validation rows: model predictions against published data, each with its acceptance criterion.

The criterion is stated before the result: predicted/observed within 2-fold (PBPK convention) unless a row
says otherwise (direction checks). Calibration data (validation/calibrate.py) never appear here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.metrics import compute_metrics
from nanodds.analysis.nca import terminal_half_life_h
from nanodds.engine import simulate
from validation.cases import human_doxil, rodent_pld

HERE = Path(__file__).parent
NANO_TUMOR_DB = HERE / "data" / "nano_tumor_db"  # CC0 copy of the training part (validation/data/README.md)
FOLD = 2.0
GABIZON_INFUSION_H = 0.5  # assumption: label infusion of 30 min; the paper's duration was not retrieved
FREE_INFUSION_H = 0.25  # assumption: conventional doxorubicin given as a short (15 min) infusion
MOUSE_DOSE_MG_KG = 9.0  # Laginha 2005 Table 1 dose
LAGINHA_WINDOW_H = {"doxil": 168.0, "doxorubicin": 24.0}  # sampling windows of Table 1 (7 d, 24 h)
LAGINHA_GRID_H = 0.5  # output spacing: Table 1 free-drug whole-tumour Tmax is 0.5 h, so 0.5 h was a sampling
# time; the former hourly grid had no point before 1 h and missed the sampled early peak (no parameter involved)
MOUSE_DURATION_H = 336.0


# Rows that miss their criterion, each with the reason (tests/integration/test_validation.py xfails them
# strictly: a row that starts passing must be removed from here). Written after the results, never used to
# change a parameter.
# Gabizon 1994's free-drug design (sampling times, last sample, assay and its LOQ, compartmental fit or NCA,
# infusion duration, definition of Vd) is not in any retrieved text (abstract and Drummond 1999 Table 4 only;
# searched 2026-11-27), so the predictions below are NOT put on a study window: none is invented.
_GABIZON_DESIGN = "Gabizon's sampling, assay, fit method and Vd definition are not in retrieved text"
_FREE_T_HALF = ("{obs} h observed vs {pred} h: the model's terminal phase (nuclear-DNA release, k_off 0.023 /h "
                "calibrated on mouse tissue t1/2) lies inside the label's 20-48 h and passes the independent "
                "chromatographic studies (rows_doxorubicin_free: Piscitelli 1993 25.6 h over 0-48 h, model 34.8; "
                "Rossi 1987 HPLC 37.6 h, model 43.4; Brenner 1985 HPLC 28.0 h, model 43.4; Bull Cancer 1997 32.6 h "
                "over 0-54 h, model 35.2). " + _GABIZON_DESIGN + "; diagnostic only, not used: the same model "
                "curve fitted over 0-24 h gives {w24} h, i.e. the medians match a curve sampled to about one day")
_FREE_VD = ("{obs} L observed vs model Vss {pred} L ({per_m2} L/m2 at 1.8 m2): the model is already below the label's "
            "Vss 809-1214 L/m2 and close to Rossi 1987's 605 L/m2 (HPLC, volume not defined in the abstract); "
            "Gabizon's medians (141-203 L/m2 at 1.8 m2) are 4-9x below the label range and are not Vz either "
            "(45.3 L/h x 8.7 h / ln 2 = 569 L at 25 mg/m2). " + _GABIZON_DESIGN)
_FREE_CL50 = ("{obs} observed vs {pred}: Gabizon's 50 mg/m2 median CL (25.3 L/h) is 0.56x its own 25 mg/m2 median "
              "(45.3 L/h, which the model matches: ratio 1.31) and 0.35x Piscitelli 1993 at 45-72 mg/m2 (666 "
              "mL/min/m2 = 72 L/h at 1.8 m2); the model's free-drug CL is linear (59.1 L/h at both doses) on the "
              "label midpoint. " + _GABIZON_DESIGN)
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("human doxorubicin 25 mg/m2", "plasma t_half_h"): _FREE_T_HALF.format(obs=8.7, pred=43.5, w24=8.6),
    ("human doxorubicin 25 mg/m2", "plasma vd_L"): _FREE_VD.format(obs=254, pred=1085, per_m2=597),
    ("human doxorubicin 50 mg/m2", "plasma t_half_h"): _FREE_T_HALF.format(obs=10.4, pred=43.4, w24=8.5),
    ("human doxorubicin 50 mg/m2", "plasma auc_mg_h_per_L"): _FREE_CL50.format(obs="AUC 3.5", pred="1.54 mg.h/L"),
    ("human doxorubicin 50 mg/m2", "plasma vd_L"): _FREE_VD.format(obs=365, pred=1066, per_m2=587),
    ("human doxorubicin 50 mg/m2", "plasma cl_L_per_h"): _FREE_CL50.format(obs="CL 25.3", pred="59.1 L/h"),
    ("mouse tumour, 100 nm PEG liposome", "carrier DE168"): "the held-out half's median DE168 (0.20 %ID) is half "
    "the calibration half's (0.38 %ID): the database's spread exceeds 2-fold between random halves; predicted "
    "0.47 %ID (ratio 2.3) with the mouse carrier calibrated on Woodle 1992 blood %ID (0.46 %ID before)",
}


@dataclass(frozen=True)
class Row:
    """One predicted-vs-observed comparison."""

    case: str
    quantity: str
    unit: str
    observed: float
    predicted: float
    criterion: str
    source: str

    @property
    def ratio(self) -> float:
        return self.predicted / self.observed

    @property
    def passed(self) -> bool:
        if self.criterion.startswith("direction"):
            return bool(self.predicted > 0)
        return 1.0 / FOLD <= self.ratio <= FOLD


@cache
def validation_data(name: str) -> pd.DataFrame:
    """The ``role == 'validation'`` rows of ``validation/data/<name>`` (CSV whose first line is a ``#`` comment)."""
    df = pd.read_csv(HERE / "data" / name, comment="#")
    return df[df.role == "validation"]


def pick(df: pd.DataFrame, **match: object) -> pd.Series:
    """The one row of ``df`` whose columns equal ``match`` (AssertionError naming the criteria otherwise)."""
    sel = df
    for col, val in match.items():
        sel = sel[sel[col] == val]
    assert len(sel) == 1, match
    return sel.iloc[0]


def observed_in(name: str, **match: object) -> tuple[float, str]:
    """``(value, source)`` of the one validation row of ``validation/data/<name>`` matching ``match``."""
    r = pick(validation_data(name), **match)
    return float(r.value), str(r.source)


@cache
def human_run(formulation: str, dose: float) -> tuple[Any, dict[str, Any]]:
    free = formulation == "doxorubicin"
    scn = human_doxil(dose, FREE_INFUSION_H if free else GABIZON_INFUSION_H, free_drug=free,
                      duration_h=504.0 if not free else 168.0)
    sol = simulate(scn)
    return sol, compute_metrics(sol, scn.regimen, scn.bsa_m2)


@cache
def mouse_run(formulation: str) -> tuple[Any, dict[str, Any]]:
    free = formulation == "doxorubicin"
    scn = rodent_pld("mouse", MOUSE_DOSE_MG_KG, free_drug=free, tumour={}, duration_h=MOUSE_DURATION_H)
    scn = replace(scn, points=round(MOUSE_DURATION_H / LAGINHA_GRID_H) + 1)
    sol = simulate(scn)
    return sol, compute_metrics(sol, scn.regimen, None)


def gabizon_rows() -> list[Row]:
    """Gabizon et al. 1994 medians (validation/data/gabizon1994_human.csv)."""
    df = pd.read_csv(HERE / "data" / "gabizon1994_human.csv", comment="#")
    key = {"cl_L_per_h": "cl_L_per_h", "vd_L": "vss_L", "auc_mg_h_per_L": "auc_inf_mg_h_per_L",
           "t_half_h": "t_half_h"}
    UNITS = {"cl_L_per_h": "L/h", "vd_L": "L", "auc_mg_h_per_L": "mg.h/L", "t_half_h": "h"}
    rows = []
    for r in df.itertuples():
        if r.metric not in key:
            continue
        _, m = human_run(r.formulation, float(r.dose_mg_per_m2))
        pred = m["plasma_total"][key[r.metric]]
        rows.append(Row(f"human {r.formulation} {r.dose_mg_per_m2:g} mg/m2", f"plasma {r.metric}",
                        UNITS[r.metric],
                        float(r.value), float(pred), f"within {FOLD:g}-fold",
                        "Gabizon 1994 Cancer Res 54:987 (medians; Drummond 1999 Pharmacol Rev Table 4)"))
    return rows


def saturation_row() -> Row:
    """CL at 50 mg/m2 lower than at 10-20 mg/m2 (DOXIL label doses): direction check."""
    cl = {d: human_run("doxil", d)[1]["plasma_total"]["cl_L_per_h"] for d in (10.0, 20.0, 50.0)}
    margin = min(cl[10.0], cl[20.0]) - cl[50.0]
    return Row("human Doxil 10/20 vs 50 mg/m2", "CL(min of 10, 20) - CL(50)", "L/h", 1.0,
               margin / max(cl.values()), "direction: CL falls as dose rises (saturable MPS)",
               "Gabizon 1994 vs DOXIL label Table 8")


def laginha_rows() -> list[Row]:
    """Laginha et al. 2005 Table 1, whole-tumour doxorubicin in 4T1-bearing mice, 9 mg/kg."""
    df = pd.read_csv(HERE / "data" / "laginha2005_mouse_4t1.csv", comment="#")
    src = "Laginha 2005 Clin Cancer Res 11:6944, Table 1 (whole tumour)"
    rows, pred_c, pred_t = [], {}, {}
    for form in ("doxil", "doxorubicin"):
        sol, _ = mouse_run(form)
        sel = sol.times_h <= LAGINHA_WINDOW_H[form]
        c = sol.observe("tissue_tumour")[sel]
        pred_c[form] = float(c.max())
        pred_t[form] = terminal_half_life_h(sol.times_h[sel], c)[0]
        obs = df[(df.formulation == form) & (df.dose_mg_per_kg == MOUSE_DOSE_MG_KG) &
                 (df.compartment == "tumour_whole")].set_index("metric")["value"]
        rows.append(Row(f"mouse 4T1 {form} 9 mg/kg", "tumour Cmax", "ug/g", float(obs["cmax"]),
                        pred_c[form], f"within {FOLD:g}-fold", src))
        rows.append(Row(f"mouse 4T1 {form} 9 mg/kg", "tumour t1/2", "h", float(obs["t_half"]),
                        pred_t[form], f"within {FOLD:g}-fold", src))
    rows.append(Row("mouse 4T1 Doxil vs free", "tumour Cmax ratio Doxil/free (observed 3.6)", "-", 1.0,
                    pred_c["doxil"] / pred_c["doxorubicin"] - 1.0,
                    "direction: Doxil Cmax above free drug", src))
    rows.append(Row("mouse 4T1 Doxil vs free", "tumour t1/2 ratio Doxil/free (observed 6.0)", "-", 1.0,
                    pred_t["doxil"] / pred_t["doxorubicin"] - 1.0,
                    "direction: Doxil t1/2 longer than free drug", src))
    return rows


def nano_tumor_rows() -> list[Row]:
    """DE24 of a 100 nm PEG liposome vs the held-out (odd-ID) organic 60-150 nm Nano-Tumor DB sets."""
    d = pd.read_csv(NANO_TUMOR_DB / "datasets.csv")
    sel = d[(d["Type"] == "Organic") & d["HD"].between(60, 150) & (d["ID"] % 2 == 1)]
    scn = rodent_pld("mouse", 5.0, tumour={"volume": f"{sel['TW'].median()} mL"}, saturable=False,
                     diameter_nm=100.0)
    m = compute_metrics(simulate(scn), scn.regimen, None)["tumour"]
    src = f"Nano-Tumor DB (Chou 2023), odd-ID organic 60-150 nm sets, n={len(sel)}, median"
    return [Row("mouse tumour, 100 nm PEG liposome", "carrier DE24", "%ID", float(sel["DE24"].median()),
                m["carrier_de24_percent"], f"within {FOLD:g}-fold", src),
            Row("mouse tumour, 100 nm PEG liposome", "carrier DE168", "%ID", float(sel["DE168"].median()),
                m["carrier_de168_percent"], f"within {FOLD:g}-fold", src)]


def row_modules() -> list[Any]:
    """The per-product row modules ``validation/rows_*.py`` (each has ``rows()`` and ``KNOWN_MISSES``)."""
    import importlib

    return [importlib.import_module(f"validation.{p.stem}") for p in sorted(HERE.glob("rows_*.py"))]


def all_rows() -> list[Row]:
    """Every validation row: the Doxil/doxorubicin set here, then each ``validation/rows_*.py`` module."""
    rows = [*gabizon_rows(), saturation_row(), *laginha_rows(), *nano_tumor_rows()]
    for mod in row_modules():
        rows += mod.rows()
    return rows


def known_misses() -> dict[tuple[str, str], str]:
    """KNOWN_MISSES merged with every row module's ``KNOWN_MISSES``."""
    out = dict(KNOWN_MISSES)
    for mod in row_modules():
        out.update(mod.KNOWN_MISSES)
    return out


def table(rows: list[Row]) -> pd.DataFrame:
    """Rows as a tidy table."""
    return pd.DataFrame([{"case": r.case, "quantity": r.quantity, "unit": r.unit, "observed": r.observed,
                          "predicted": r.predicted,
                          "ratio": r.ratio if not r.criterion.startswith("direction") else np.nan,
                          "criterion": r.criterion, "pass": r.passed, "source": r.source} for r in rows])
