"""Validation rows: imaging region curves of a labelled PEGylated liposome in patients.

Predictions come from the runnable examples (``examples/imaging_111in_peg_liposome_human.yaml``, a drug-free
111In-labelled tracer liposome; ``examples/imaging_caelyx_human.yaml``, 99mTc-labelled Caelyx) through the
imaging API (:func:`nanodds.analysis.imaging.region_curves` and :func:`imaging_schedule`), decay-corrected as
the studies report. Observed numbers: validation/data/imaging_human_peg_liposome.csv (role ``validation``;
Harrington 2001, Koukourakis 1999 and 2000, abstracts). The human PEG-liposome carrier was calibrated on the
DOXIL label (docs/validation.md, "what calibrated what"); none of these imaging numbers set a parameter. The human
tumour blood flow comes from patients' carcinoma flow measurements
(validation/data/human_tumour_blood_flow_calibration.csv); the tumour extravasation and macrophage uptake are the
mouse calibration carried over (validation/calibrate.py).

Criteria, fixed before the results: predicted/observed within 2-fold; for a reported range, within 2-fold of
the range's geometric centre; direction rows state their sign. Inputs not in the abstracts are assumptions
named below (scan time of the Koukourakis studies, the lipid dose of Harrington's tracer liposomes).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from nanodds.analysis.imaging import imaging_schedule, region_curves
from nanodds.analysis.nca import terminal_half_life_h
from nanodds.engine import output_grid, simulate
from nanodds.specs.scenario import parse_scenario
from validation.checks import BLIND, CONSISTENCY, FOLD, HERE, POST_HOC, Row, RowClass

EXAMPLES = HERE.parent / "examples"
TRACER = EXAMPLES / "imaging_111in_peg_liposome_human.yaml"
CAELYX = EXAMPLES / "imaging_caelyx_human.yaml"
DATA = HERE / "data" / "imaging_human_peg_liposome.csv"
CRIT = f"within {FOLD:g}-fold"
CRIT_RANGE = f"within {FOLD:g}-fold of the range's geometric centre"
T_HALF_WINDOW_H = 72.0  # Harrington: the abstract reports imaging up to 72 h; blood t1/2beta fitted on 0-72 h
SCAN_H = 24.0  # assumption: Koukourakis scan time not in the abstracts; 99mTc (T1/2 6 h) imaging within ~24 h
KOUK1999_DOSE = 20.0  # assumption: mid dose of the 10-25 mg/m2 escalation cohorts (MTD 20 HNC, 25 NSCLC)
H_SRC = "Harrington 2001 Clin Cancer Res 7:243 (abstract)"
K00_SRC = "Koukourakis 2000 Br J Cancer 83:1281 doi:10.1054/bjoc.2000.1459 (abstract)"
K99_SRC = "Koukourakis 1999 J Clin Oncol 17:3512 doi:10.1200/JCO.1999.17.11.3512 (abstract)"
HARRINGTON = "imaging: human 111In PEG liposome (tracer), Harrington 2001"
KOUK00 = "imaging: human 99mTc Caelyx 25 mg/m2, Koukourakis 2000"
KOUK99 = "imaging: human 99mTc Caelyx 20 mg/m2, Koukourakis 1999"

# Reasons for the rows that miss (written after the results, never used to change a parameter). Measured with
# the human PEG-liposome carrier calibrated as linear PK on the DOXIL label (carriers/human.yaml), the tumour
# EPR/TAM parameters carried over from the mouse Nano-Tumor DB calibration on calibration-side studies
# (validation/calibrate.py TUMOUR_CARRY_OVER: no human tumour-delivery data independent of these rows were found)
# and the human tumour blood flow derived from patients' carcinomas (0.1987 mL/min/mL,
# validation/data/human_tumour_blood_flow_calibration.csv).
_EPR = ("tumour extravasation is the mouse Nano-Tumor DB value carried over to humans (an assumption, "
        "carriers/human.yaml; no independent human tumour-delivery number was found to calibrate it); with it the "
        "tracer gives 6.24, 6.21, 6.16 %ID/kg at 72 h (36, 115, 235 mL), inside 2-fold only for the large breast (5.3) "
        "and 2.9-5.3x below the lung (18.3) and head-and-neck (33) ones (8.84, 8.78, 8.70 before the mouse tumour "
        "step re-solved the coefficient 0.004154 -> 0.002873 after the pore-distribution physics of the design "
        "issue). Uptake is about proportional to the coefficient (diagnostic runs at 2x and 4x before the "
        "study-split recalibration), so head-and-neck alone would need ~5x and breast ~0.9x: no single coefficient "
        "fits the three tumour types")
_VOLUME = ("tumour flow and extravasation are per mL and size-independent (the human flow source, 133Xe in 97 nodules, "
           "found no correlation of flow with size), so uptake per gram hardly changes with volume (6.24, 6.21, 6.16 "
           "%ID/kg for 36, 115, 235 mL); the study's 6.2x fall between head-and-neck and breast tumours needs a "
           "tumour-type or necrosis term for which no human source was found")
_MUSCLE = ("muscle and skin have 5 nm pores in the model, so PEG liposomes never leave their capillaries there and "
           "the region holds only residual blood; excised muscle and skin hold extravasated and adherent liposomes: "
           "predicted tumour/muscle 30.0 and tumour/skin 16.0 at 48 h vs 8.3 and 3.6")
_SCAN = ("the abstract gives no scan time; the row uses the 24 h fixed beforehand, and the ratio changes with time "
         "as the carrier clears from blood and accumulates in the tumour. ")
_MARROW = (_SCAN + "Predicted tumour/marrow 1.31 at 24 h vs 0.4-0.6: the model's marrow is the whole-body marrow "
           "with an assumed 7 % share of MPS clearance (carriers/human.yaml), not the skull marrow ROI")
_BRAIN_MARROW = (_SCAN + "Predicted normal brain/marrow is above 0.04 (1 - predicted/0.04 = -2.8): the model's marrow "
                 "takes up too little carrier per gram (assumed 7 % MPS share) relative to the brain's blood")
_T_TO_BLOOD = (_SCAN + "Predicted tumour/blood 0.38 at 24 h vs 1.35 (head and neck) and 1.01 (NSCLC; 0.52, a pass, "
               "between the study-split recalibration and the tumour-physics recalibration, coefficient 0.004154 -> "
               "0.002873): "
               "the ratio rises with the scan time (0.40, 0.80, 1.26 at 24, 48, 72 h before the study-split "
               "recalibration), so the observed value corresponds to a later scan under the model (mouse-derived "
               "tumour extravasation, carried over). A SPECT area-count ratio against a thoracic vessel ROI is also "
               "not a concentration ratio")
KNOWN_MISSES: dict[tuple[str, str], str] = {
    (f"{HARRINGTON}, head_and_neck 36.2 mL", "tumour %ID/kg at 72 h"): _EPR + "; " + _VOLUME,
    (f"{HARRINGTON}, lung 114.5 mL", "tumour %ID/kg at 72 h"): _EPR + "; " + _VOLUME,
    (HARRINGTON, "tumour %ID at 72 h inside 0.5-3.5 (3 tumour types)"): "head-and-neck 0.23 %ID (36.2 mL x 6.24 "
    "%ID/kg) falls below 0.5: " + _EPR,
    (HARRINGTON, "tumour %ID/kg head-and-neck / breast at 72 h"): _VOLUME,
    (f"{HARRINGTON}, excised head-and-neck", "tumour/muscle %ID/g at 48 h"): _MUSCLE,
    (f"{HARRINGTON}, excised head-and-neck", "tumour/skin %ID/g at 48 h"): _MUSCLE,
    (KOUK00, "tumour/marrow %ID/g at 24 h"): _MARROW,
    (KOUK00, "normal brain/marrow %ID/g at 24 h: 1 - predicted/0.04"): _BRAIN_MARROW,
    (f"{KOUK99}, head-and-neck", "tumour/blood %ID/g at 24 h vs SPECT count ratio"): _T_TO_BLOOD,
    (f"{KOUK99}, NSCLC", "tumour/blood %ID/g at 24 h vs SPECT count ratio"): _T_TO_BLOOD,
    (f"{HARRINGTON}, excised head-and-neck", "tumour %ID/kg at 48 h (geometric mean of 2)"): (
        "5.47 vs 11.8 %ID/kg (0.46x): within 2-fold (7.68, 0.65x) until the tumour-physics merge of the design issue; "
        "its pore-size distribution (normalised to the single-pore value at 85 nm) gives the 110 nm Nano-Tumor DB "
        "calibration sets more entry, so make calibrate re-solved the mouse tumour extravasation coefficient "
        "0.004154 -> 0.002873, carried over to humans, and human 100 nm liposome uptake fell by the same 0.69x. "
        "Not restored: the change was made for the Nano-Tumor DB, and re-tuning the carry-over on this row would "
        "make it post hoc. " + _EPR),
}


@cache
def _observed() -> pd.DataFrame:
    df = pd.read_csv(DATA, comment="#")
    assert set(df.role) == {"validation"}
    return df


def _obs(study: str, quantity: str, tumour_type: str | None = None) -> pd.Series:
    df = _observed()
    sel = df[(df.study == study) & (df.quantity == quantity)]
    if tumour_type is not None:
        sel = sel[sel.tumour_type == tumour_type]
    assert len(sel) == 1, (study, quantity, tumour_type)
    return sel.iloc[0]


def _example_tumour_mL(path: Path) -> float:
    return float(str(yaml.safe_load(path.read_text(encoding="utf-8"))["tumour"]["volume"]).split()[0])


def _centre(r: pd.Series) -> float:
    return float(np.sqrt(r.range_low * r.range_high))


@cache
def _solution(path: Path, tumour_mL: float | None, dose_mg_m2: float | None):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if tumour_mL is not None:
        raw["tumour"] = {"volume": f"{tumour_mL} mL"}
    if dose_mg_m2 is not None:
        raw["regimen"] = [{**raw["regimen"][0], "dose": f"{dose_mg_m2} mg/m^2"}]
    scn = parse_scenario(raw)
    return simulate(scn, np.union1d(output_grid(scn), [SCAN_H, 48.0, T_HALF_WINDOW_H]))


def curves(path: Path, tumour_mL: float | None = None, dose_mg_m2: float | None = None,
           label: str = "111In", decay_corrected: bool = True) -> pd.DataFrame:
    """Region curves of an example scenario (optionally another tumour volume or dose), via the imaging API."""
    return region_curves(_solution(path, tumour_mL, dose_mg_m2), label, decay_corrected)


def per_g(c: pd.DataFrame, time_h: float) -> dict[str, float]:
    """%ID/g per region at one scan time (RC = 1)."""
    s = imaging_schedule(c[c.region != "eliminated"], [time_h])
    return dict(zip(s.region, s.percent_id_per_g, strict=True))


_NOT_CALIBRATED = ("no human imaging number calibrated anything (tumour EPR/TAM carried over from the mouse "
                   "Nano-Tumor DB fit, calibrate.TUMOUR_CARRY_OVER)")
TUMOUR_CLASS: dict[str, tuple[RowClass, str]] = {
    "head_and_neck": (BLIND, _NOT_CALIBRATED),
    "lung": (BLIND, _NOT_CALIBRATED),
    "breast": (POST_HOC, "a known miss (6d2614b) until the human carrier was recalibrated as linear PK on the DOXIL "
                         "label (07c9ebb; removed from KNOWN_MISSES in 366ef86)"),
}


K99_CLASS: dict[str, tuple[RowClass, str]] = {
    "nsclc": (POST_HOC, "a known miss (0.40, 366ef86) that passed (0.52) only after the Nano-Tumor DB study-split "
                        "recalibration (5dc8f24), a change made while it missed though not aimed at it; misses again "
                        "(0.38) after the tumour-physics recalibration"),
    "head_and_neck": (BLIND, _NOT_CALIBRATED),
}


def _harrington() -> list[Row]:
    rows = []
    c = curves(TRACER)
    blood = c[c.region == "blood"]
    sel = blood.time_h <= T_HALF_WINDOW_H
    t_half = terminal_half_life_h(blood.time_h[sel].to_numpy(), blood.percent_id[sel].to_numpy())[0]
    rows.append(Row(HARRINGTON, "blood t1/2beta (decay-corrected blood %ID, 0-72 h)", "h",
                    float(_obs("harrington2001", "blood_t_half_beta").value), t_half, CRIT, H_SRC, POST_HOC,
                    "a known miss (8.6 vs 76.1 h, 6d2614b) until the human carrier was recalibrated as linear PK on "
                    "the DOXIL label (07c9ebb; removed from KNOWN_MISSES in 366ef86)"))
    pred_kg, margins = {}, []
    for kind in ("head_and_neck", "lung", "breast"):
        r = _obs("harrington2001", "tumour_percent_id_per_kg", kind)
        vol = float(r.tumour_volume_mL)
        ct = curves(TRACER, None if vol == _example_tumour_mL(TRACER) else vol)
        pred_kg[kind] = per_g(ct, 72.0)["tumour"] * 1000.0
        rows.append(Row(f"{HARRINGTON}, {kind} {r.tumour_volume_mL:g} mL", "tumour %ID/kg at 72 h", "%ID/kg",
                        float(r.value), pred_kg[kind], CRIT, H_SRC, *TUMOUR_CLASS[kind]))
        pid = float(imaging_schedule(ct[ct.region == "tumour"], [72.0]).percent_id.iloc[0])
        margins.append(min(pid / 0.5, 3.5 / pid) - 1.0)
    rng = _obs("harrington2001", "tumour_percent_id")
    rows.append(Row(HARRINGTON, f"tumour %ID at 72 h inside {rng.range_low:g}-{rng.range_high:g} (3 tumour types)",
                    "-", 1.0, min(margins), "direction: every tumour type inside the reported %ID range", H_SRC,
                    BLIND, _NOT_CALIBRATED))
    obs_ratio = _obs("harrington2001", "tumour_percent_id_per_kg", "head_and_neck").value \
        / _obs("harrington2001", "tumour_percent_id_per_kg", "breast").value
    rows.append(Row(HARRINGTON, "tumour %ID/kg head-and-neck / breast at 72 h", "-", float(obs_ratio),
                    pred_kg["head_and_neck"] / pred_kg["breast"], CRIT, H_SRC, BLIND, _NOT_CALIBRATED))
    exc = [float(_obs("harrington2001", "tumour_percent_id_per_kg_excised", f"head_and_neck_patient{i}").value)
           for i in (1, 2)]
    hn = curves(TRACER)  # head-and-neck volume of the example; the resected tumours' volume is not reported
    g48 = per_g(hn, 48.0)
    rows.append(Row(f"{HARRINGTON}, excised head-and-neck", "tumour %ID/kg at 48 h (geometric mean of 2)", "%ID/kg",
                    float(np.sqrt(exc[0] * exc[1])), g48["tumour"] * 1000.0, CRIT, H_SRC, BLIND,
                    _NOT_CALIBRATED + "; within criterion from 6d2614b until the tumour-physics recalibration"))
    for region, quantity in (("muscle", "tumour_to_muscle_excised"), ("skin", "tumour_to_skin_excised")):
        rows.append(Row(f"{HARRINGTON}, excised head-and-neck", f"tumour/{region} %ID/g at 48 h", "-",
                        float(_obs("harrington2001", quantity).value), g48["tumour"] / g48[region], CRIT, H_SRC,
                        BLIND, _NOT_CALIBRATED))
    raw = curves(TRACER, decay_corrected=False)
    dc_t, raw_t = (float(imaging_schedule(x[x.region == "tumour"], [72.0]).percent_id.iloc[0]) for x in (hn, raw))
    rows.append(Row(HARRINGTON, "tumour %ID at 72 h: 1 - not-decay-corrected/decay-corrected", "-", 1.0,
                    1.0 - raw_t / dc_t, "direction: the scanner's (decayed) count below the decay-corrected value",
                    "111In physical decay (data/imaging/isotopes.yaml)", CONSISTENCY,
                    "tautology: the decayed count is the decay-corrected one times exp(-ln2 t / t1/2) of 111In, "
                    "below it by construction; tests no model quantity"))
    return rows


def _koukourakis() -> list[Row]:
    rows = []
    g = per_g(curves(CAELYX, label="99mTc"), SCAN_H)
    for kind, case in (("brain_metastases", "brain metastasis"), ("glioblastoma", "glioblastoma")):
        r = _obs("koukourakis2000", "tumour_to_normal_brain", kind)
        rows.append(Row(f"{KOUK00}, {case}", f"tumour/normal brain %ID/g at {SCAN_H:g} h (assumed scan time)", "-",
                        _centre(r), g["tumour"] / g["brain"], CRIT_RANGE, K00_SRC, POST_HOC,
                        "a known miss (6d2614b) until the human carrier was recalibrated as linear PK on the DOXIL "
                        "label (07c9ebb; removed from KNOWN_MISSES in 366ef86)"))
    r = _obs("koukourakis2000", "tumour_to_skull_marrow")
    rows.append(Row(KOUK00, f"tumour/marrow %ID/g at {SCAN_H:g} h", "-", _centre(r), g["tumour"] / g["marrow"],
                    CRIT_RANGE, K00_SRC, BLIND, _NOT_CALIBRATED))
    bound = float(_obs("koukourakis2000", "normal_brain_to_skull_marrow").range_high)
    rows.append(Row(KOUK00, f"normal brain/marrow %ID/g at {SCAN_H:g} h: 1 - predicted/{bound:g}", "-", 1.0,
                    1.0 - (g["brain"] / g["marrow"]) / bound, f"direction: normal brain/marrow below {bound:g}",
                    K00_SRC, BLIND, _NOT_CALIBRATED))
    g99 = per_g(curves(CAELYX, dose_mg_m2=KOUK1999_DOSE, label="99mTc"), SCAN_H)
    for kind, case in (("nsclc", "NSCLC"), ("head_and_neck", "head-and-neck")):
        r = _obs("koukourakis1999", "tumour_to_thoracic_vessel_counts", kind)
        rows.append(Row(f"{KOUK99}, {case}", f"tumour/blood %ID/g at {SCAN_H:g} h vs SPECT count ratio", "-",
                        float(r.value), g99["tumour"] / g99["blood"], CRIT, K99_SRC, *K99_CLASS[kind]))
    return rows


def rows() -> list[Row]:
    """Imaging rows: Harrington 2001 (111In tracer liposome) and Koukourakis 1999/2000 (99mTc-Caelyx)."""
    return [*_harrington(), *_koukourakis()]
