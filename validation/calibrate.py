"""Calibration of the carrier parameters that no independent source fixes.

Which data calibrate what (and are therefore NOT used as validation):
- human ``mps_extraction_total``: DOXIL US label Table 8 (10 and 20 mg/m2, 30 min infusion): CL (L/h/m2),
  Vss (L/m2) and second-phase t1/2 (h) -- validation/data/doxil_label_human.csv -- fitted to both doses jointly
  as linear PK (the label calls the PK linear over 10-20 mg/m2); human ``mps_capacity``: not fitted, the smallest
  capacity that lowers CL at 20 mg/m2 by at most HUMAN_MAX_CL_DROP_AT_20 (assumption tied to that statement);
  human ``extravasation_coefficient`` and ``pc_degradation_rate`` are held (Table 8 does not identify them).
- rat ``mps_extraction_total``: Wang et al. 2023 rat PEGylated liposomal doxorubicin 10 mg/kg, AUC0-inf --
  validation/data/rat_pld_plasma_calibration.csv; rat ``mps_capacity``: the same study's AUC0-24; mouse
  carries the rat capacity over (assumption); rodent ``extravasation_coefficient`` is the human value.
- mouse ``mps_extraction_total``: carrier (lipid label) in blood at 24 h, 35 %ID, of PEG-PE liposomes
  (Woodle et al. 1992, mice and rats, dose-independent) -- validation/data/mouse_doxil_plasma_calibration.csv;
  fitted in the linear (non-saturable) regime after the rat step, before the tumour step.
- mouse ``tumour_extravasation_coefficient`` and ``tumour_macrophage_uptake_rate``: median DE24 and DE168 of
  the organic 60-150 nm data sets of the calibration-side STUDIES of the Nano-Tumor Database training part
  (validation/data/nano_tumor_db; split by study, nanodds.data.nano_tumor.split_by_study); written to
  mouse and carried over to rat and human (``TUMOUR_CARRY_OVER``, an assumption: no human tumour-delivery data
  independent of the imaging validation rows were found, see docs/imaging.md).
- human tumour ``flow_per_volume`` (physiology/human.yaml): not fitted; the geometric mean of solid-carcinoma
  blood flows measured in patients -- validation/data/human_tumour_blood_flow_calibration.csv
  (``human_tumour_flow_per_volume``; checked against the data file by tests/model/test_tumour_calibration.py).

- product ``mps_multiplier`` of Marqibo (Bedikian 2006 CL) and Vyxeos (Feldman 2012 t1/2): see
  validation/calibrate_products.py (run last).

Run ``python -m validation.calibrate`` to print the values, ``--write`` to store them in the data files.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares, minimize_scalar

from nanodds.data.nano_tumor import split_by_study, study_groups
from nanodds.engine import simulate
from nanodds.solve import stiff
from nanodds.specs.params import DATA_ROOT, load_yaml
from validation.cases import human_doxil, metrics_of, rodent_pld

HERE = Path(__file__).parent
NANO_TUMOR_DB = HERE / "data" / "nano_tumor_db"  # CC0 copy of the training part (validation/data/README.md)


def _label() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "doxil_label_human.csv", comment="#")


def _label_value(df: pd.DataFrame, dose: float, metric_prefix: str) -> tuple[float, float]:
    """(mean, standard error) of a label Table 8 entry."""
    rows = df[(df["dose_mg_per_m2"] == dose) & (df["metric"].str.startswith(metric_prefix))]
    return float(rows["value"].iloc[0]), float(rows["se"].iloc[0])


HUMAN_MAX_CL_DROP_AT_20 = 0.10
"""Largest fall of human Doxil CL at 20 mg/m2 below its linear (unsaturated) value (assumption).

The DOXIL label (12.3) calls the PK linear over 10-20 mg/m2 and nonlinear only at 50 mg/m2, so one linear model
is fitted to both doses; MPS saturation may then change CL at the top calibration dose by no more than the
tolerance of that linear description. Table 8's own AUC means are dose-proportional within 6.5 %
((590/20)/(277/10) = 1.065) while its CL means (0.056 +/- 0.010 vs 0.041 +/- 0.004 L/h/m2) differ by 1.4
standard errors; 10 % is a round bound above the AUC figure and inside the usual 0.80-1.25 dose-proportionality
range. The MPS capacity is the smallest that keeps the fall within it.
"""

HUMAN_FIXED = ("extravasation_coefficient", "pc_degradation_rate")
"""Human carrier parameters Table 8 cannot identify in the linear regime (held at their data-file values)."""


def _human_targets() -> list[tuple[float, str, tuple[float, float]]]:
    df = _label()
    doses = (10.0, 20.0)
    return [(d, "cl", _label_value(df, d, "cl")) for d in doses] + \
           [(d, "vss", _label_value(df, d, "vss")) for d in doses] + \
           [(d, "t_half", _label_value(df, d, "t_half_second")) for d in doses]


def _human_pk(dose: float, ov: dict[str, float], saturable: bool) -> dict[str, float]:
    m = metrics_of(human_doxil(dose, 0.5, duration_h=504.0, points=169, saturable=saturable), ov)["plasma_total"]
    return {"cl": m["cl_L_per_h_per_m2"], "vss": m["vss_L_per_m2"], "t_half": m["t_half_h"]}


def calibrate_human_extraction(verbose: bool = True) -> float:
    """Fit human ``mps_extraction_total`` to label Table 8 CL, Vss and t1/2 at 10 and 20 mg/m2 as linear PK.

    The label states linear PK over 10-20 mg/m2, so both doses are fitted jointly by one linear model
    (saturable MPS off): log residuals weighted by the label's relative standard errors (mean +/- SE).
    Extravasation and phagocyte digestion are held (``HUMAN_FIXED``): in this regime CL depends on the MPS
    extraction alone and Vss moves < 0.3 % for a 5-fold change of the extravasation coefficient.
    """
    targets = _human_targets()

    def sse(loge: float) -> float:
        ov = {"mps_extraction_total": float(np.exp(loge))}
        pk = _human_pk(10.0, ov, saturable=False)  # linear: CL, Vss and t1/2 are the same at every dose
        r = np.array([np.log(pk[kind] / obs) / (se / obs) for _, kind, (obs, se) in targets])
        if verbose:
            print(f"   human linear e={ov['mps_extraction_total']:.5g}", {k: f"{v:.4g}" for k, v in pk.items()},
                  np.round(r, 3))
        return float(np.sum(r ** 2))

    fit = minimize_scalar(sse, bounds=(np.log(1e-4), np.log(0.05)), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(fit.x))


def calibrate_human_capacity(extraction: float, verbose: bool = True) -> float:
    """Human ``mps_capacity`` (mg/kg) at which CL(20 mg/m2) = (1 - HUMAN_MAX_CL_DROP_AT_20) x linear CL.

    The smallest capacity that keeps the saturation-driven fall of CL at 20 mg/m2 within the bound.
    """
    target = 1.0 - HUMAN_MAX_CL_DROP_AT_20
    ov = {"mps_extraction_total": extraction}
    cl_linear = _human_pk(20.0, ov, saturable=False)["cl"]

    def gap(logcap: float) -> float:
        ratio = _human_pk(20.0, {**ov, "mps_capacity": float(np.exp(logcap))}, True)["cl"] / cl_linear
        if verbose:
            print(f"   human capacity {np.exp(logcap):.5g} mg/kg: CL20/CL linear = {ratio:.4f} (target {target:g})")
        return ratio - target

    # bracket by halving from a capacity that never saturates, then solve inside the first step that breaks it
    hi = np.log(1e5)
    while hi > np.log(1.0):
        lo = hi - np.log(2.0)
        if gap(lo) < 0.0:
            return float(np.exp(brentq(gap, lo, hi, xtol=1e-4)))
        hi = lo
    raise RuntimeError("no MPS capacity between 1 and 1e5 mg/kg breaks the linearity bound")


def calibrate_human(verbose: bool = True) -> dict[str, float]:
    """Human PEG-liposome MPS: extraction from label Table 8 as linear PK, then capacity from the linearity bound."""
    e = calibrate_human_extraction(verbose)
    cap = calibrate_human_capacity(e, verbose)
    if verbose:
        ov = {"mps_extraction_total": e, "mps_capacity": cap}
        for d in (10.0, 20.0):
            pk = _human_pk(d, ov, True)
            print(f"   human check {d:g} mg/m2 (saturable):", {k: f"{v:.4g}" for k, v in pk.items()})
    return {"mps_extraction_total": e, "mps_capacity": cap}


def calibrate_rat(verbose: bool = True) -> dict[str, float]:
    """Fit rat MPS extraction and capacity to the Wang 2023 AUC0-24 and AUC0-inf of PLD 10 mg/kg."""
    df = pd.read_csv(HERE / "data" / "rat_pld_plasma_calibration.csv", comment="#").set_index("metric")
    obs = np.array([df.loc["auc_0_24", "value"], df.loc["auc_0_inf", "value"]], dtype=float)  # mg.h/L
    scn = rodent_pld("rat", 10.0, duration_h=336.0)
    keys = ("mps_extraction_total", "mps_capacity")

    def resid(logp: np.ndarray) -> np.ndarray:
        ov = dict(zip(keys, np.exp(logp), strict=True))
        sol = simulate(scn, carrier_overrides=ov)
        w = sol.model.observables["plasma_total"].weights
        i24 = int(np.argmin(np.abs(sol.times_h - 24.0)))
        pred = np.array([sol.cum_int[i24] @ w, sol.observe_auc("plasma_total")[1]])
        if verbose:
            print("   rat", ov, pred, obs)
        return np.log(pred / obs)

    fit = least_squares(resid, np.log([0.01, 1000.0]), bounds=(np.log([1e-6, 1.0]), np.log([0.5, 1e6])),
                        diff_step=0.05)
    return dict(zip(keys, np.exp(fit.x), strict=True))


MOUSE_CAL_DOSE_MG_KG = 5.0
"""Dose of the mouse carrier calibration run (any dose: the run is linear, saturable=False)."""


def mouse_blood_targets() -> dict[str, float]:
    """Woodle 1992 carrier in blood and in liver + spleen at 24 h (%ID), calibration data."""
    df = pd.read_csv(HERE / "data" / "mouse_doxil_plasma_calibration.csv", comment="#").set_index("metric")
    return {"blood_24h": float(df.loc["blood_percent_id_24h", "value"]),
            "liver_spleen_24h_max": float(df.loc["liver_spleen_percent_id_24h", "value"])}


def carrier_percent_id(sol, prefixes: tuple[str, ...], t_h: float) -> float:
    """Carrier amount in the states starting with ``prefixes`` at ``t_h``, % of the injected carrier."""
    names = sol.model.names
    idx = [k for k, n in enumerate(names) if n.startswith(prefixes)]
    total0 = sum(sol.y[0, k] for k, n in enumerate(names) if n.startswith("carrier:"))
    i = int(np.argmin(np.abs(sol.times_h - t_h)))
    return float(100.0 * sol.y[i, idx].sum() / total0)


def carrier_blood_percent_id(sol, t_h: float) -> float:
    """Carrier in blood (arterial + venous plasma and every organ's vascular space), %ID."""
    names = [n for n in sol.model.names
             if n.startswith("carrier:") and (n.endswith("_plasma") or n.endswith(".vascular"))]
    return carrier_percent_id(sol, tuple(names), t_h)


def calibrate_mouse(verbose: bool = True) -> dict[str, float]:
    """Fit mouse MPS extraction to the Woodle 1992 carrier-in-blood %ID at 24 h (linear regime).

    One number fixes one parameter: ``mps_capacity`` stays the rat value (assumption) and the liver + spleen
    upper bound of the same abstract is reported as a check, not fitted.
    """
    tg = mouse_blood_targets()
    scn = rodent_pld("mouse", MOUSE_CAL_DOSE_MG_KG, duration_h=48.0, saturable=False)

    def resid(logp: np.ndarray) -> np.ndarray:
        ov = {"mps_extraction_total": float(np.exp(logp[0]))}
        sol = simulate(scn, carrier_overrides=ov)
        pred = carrier_blood_percent_id(sol, 24.0)
        if verbose:
            print("   mouse", ov, f"blood {pred:.3g} %ID at 24 h vs {tg['blood_24h']:g}")
        return np.array([np.log(pred / tg["blood_24h"])])

    fit = least_squares(resid, np.log([0.001]), bounds=(np.log([1e-7]), np.log([0.5])), diff_step=0.05,
                        xtol=1e-8)
    out = {"mps_extraction_total": float(np.exp(fit.x[0]))}
    sol = simulate(scn, carrier_overrides=out)
    ls = carrier_percent_id(sol, ("carrier:liver.", "carrier:spleen."), 24.0)
    print(f"   mouse check: liver + spleen {ls:.3g} %ID at 24 h (Woodle 1992: < {tg['liver_spleen_24h_max']:g})")
    return out


def nano_tumor_sets(side: str) -> pd.DataFrame:
    """Organic 60-150 nm Nano-Tumor DB data sets of the studies on ``side`` ('calibration' or 'validation').

    Studies are grouped on the whole table first (:func:`nanodds.data.nano_tumor.split_by_study`), so a
    study is on one side only; the size/type filter is applied after.
    """
    d = pd.read_csv(NANO_TUMOR_DB / "datasets.csv").assign(study_id=study_groups)
    on_side = split_by_study(d) == side
    return d[(d["Type"] == "Organic") & d["HD"].between(60, 150) & on_side]


def nano_tumor_targets() -> dict[str, float]:
    """Median DE24 and DE168 (%ID) of the calibration-side studies' organic 60-150 nm data sets."""
    sel = nano_tumor_sets("calibration")
    return {"de24": float(sel["DE24"].median()), "de168": float(sel["DE168"].median()),
            "tumour_weight_g": float(sel["TW"].median()), "n": float(len(sel)),
            "studies": float(sel["study_id"].nunique()),
            "diameter_nm": float(sel["HD"].median())}


TUMOUR_CARRY_OVER: tuple[str, ...] = ("rat", "human")
"""Species that take the mouse tumour step's values (an assumption: no rat or human tumour-delivery data independent
of the validation rows). Valid while every species has the same carrier exit (``tumour_reflux_fraction`` 0 in
carriers/<species>.yaml); a species given its own exit needs its own tumour data instead.

Human tumour-delivery data that could calibrate the human values without touching the imaging validation rows
were searched for (Northfelt 1996 Kaposi lesion biopsies, Lee 2017 64Cu-MM-302 PET, Arrieta 2012 99mTc-liposomal
doxorubicin, Symon 1999 biopsies): none gave a usable number in retrieved text (docs/imaging.md), so no human
tumour step exists and the mouse values are carried over.
"""

HUMAN_TUMOUR_FLOW_CSV = HERE / "data" / "human_tumour_blood_flow_calibration.csv"


def human_tumour_flow_per_volume() -> float:
    """Human solid-tumour blood flow per volume (mL/min/mL): geometric mean of the used group means.

    The group means (mL/min/100 g or mL/dL/min, read as per 100 mL at 1 g/mL) come from 133Xe clearance and
    15O-water PET in patients (validation/data/human_tumour_blood_flow_calibration.csv, rows with
    ``used_in_target == "yes"``); no model output is fitted.
    """
    df = pd.read_csv(HUMAN_TUMOUR_FLOW_CSV, comment="#")
    used = df[(df["used_in_target"] == "yes") & (df["metric"] == "blood_flow")]
    assert set(used["unit"]) <= {"mL/min/100 g", "mL/dL/min"}, set(used["unit"])
    return float(np.exp(np.mean(np.log(used["value"].to_numpy(dtype=float) / 100.0))))


def calibrate_tumour(verbose: bool = True) -> dict[str, float]:
    """Fit mouse tumour extravasation and tumour-macrophage uptake to the DB medians."""
    tg = nano_tumor_targets()
    scn = rodent_pld("mouse", 5.0, tumour={"volume": f"{tg['tumour_weight_g']} mL"}, saturable=False,
                     diameter_nm=tg["diameter_nm"])
    keys = ("tumour_extravasation_coefficient", "tumour_macrophage_uptake_rate")

    def resid(logp: np.ndarray) -> np.ndarray:
        ov = dict(zip(keys, np.exp(logp), strict=True))
        tm = metrics_of(scn, ov)["tumour"]
        r = np.log([tm["carrier_de24_percent"] / tg["de24"], tm["carrier_de168_percent"] / tg["de168"]])
        if verbose:
            print("   tumour", ov, r)
        return r

    fit = least_squares(resid, np.log([0.02, 0.01]), bounds=(np.log([1e-5, 1e-5]), np.log([10.0, 10.0])),
                        diff_step=0.05)
    return dict(zip(keys, np.exp(fit.x), strict=True))


def set_value(species: str, key: str, value: float) -> None:
    """Replace ``value`` of a top-level key in ``carriers/<species>.yaml`` (4 significant figures)."""
    path = DATA_ROOT / "carriers" / f"{species}.yaml"
    text = path.read_text(encoding="utf-8")
    pat = re.compile(rf"^({re.escape(key)}: \{{value: )([^,]+)(,)", re.M)
    if not pat.search(text):
        raise KeyError(f"{key} not found in {path}")
    path.write_text(pat.sub(lambda m: f"{m.group(1)}{value:.4g}{m.group(3)}", text), encoding="utf-8")
    load_yaml.cache_clear()  # later steps of the same run (mouse -> tumour) must read the value just written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true", help="store the values in the data files")
    ap.add_argument("--only", choices=("human", "rat", "mouse", "tumour", "paclitaxel", "products"), action="append")
    args = ap.parse_args()
    stiff.RTOL = 1e-7  # calibration only: the objective needs 3 digits, not the 1e-10 of reported runs
    todo = args.only or ["human", "rat", "mouse", "tumour", "paclitaxel", "products"]
    if "human" in todo:
        h = calibrate_human()
        print("human:", h)
        if args.write:
            for k, v in h.items():
                set_value("human", k, v)
    if "rat" in todo:
        r = calibrate_rat()
        print("rat:", r)
        if args.write:
            for k, v in r.items():
                set_value("rat", k, v)
            set_value("mouse", "mps_capacity", r["mps_capacity"])  # carried over (assumption in mouse.yaml)
    if "mouse" in todo:  # after the rat step (capacity) and before the tumour step (plasma kinetics)
        m = calibrate_mouse()
        print("mouse:", m)
        if args.write:
            for k, v in m.items():
                set_value("mouse", k, v)
    if "tumour" in todo:
        t = calibrate_tumour()
        print("tumour:", t, nano_tumor_targets())
        print(f"   human tumour flow per volume (derived, not written): {human_tumour_flow_per_volume():.4g} mL/min/mL")
        if args.write:
            for sp in ("mouse", *TUMOUR_CARRY_OVER):
                for k, v in t.items():
                    set_value(sp, k, v)
    if "paclitaxel" in todo:  # drug-level fits on label data (hepatic CL with the vehicle, then the nab rate)
        from validation.calibrate_micelle import main as check_micelle
        from validation.calibrate_paclitaxel import main as calibrate_paclitaxel

        calibrate_paclitaxel(["--write"] if args.write else [])
        if check_micelle(["--check"]):  # a derivation from physiology (no fit): the stored rates must match it
            raise SystemExit("polymeric_micelle release rates differ from validation/calibrate_micelle.py")
    if "products" in todo:  # last: the products' multipliers scale the species carriers written above
        from validation.calibrate_products import calibrate_products, set_product_multiplier

        pr = calibrate_products()
        if args.write:
            for name, v in pr.items():
                set_product_multiplier(name, v)


if __name__ == "__main__":
    main()
