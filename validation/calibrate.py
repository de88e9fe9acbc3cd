"""Calibration of the carrier parameters that no independent source fixes.

Which data calibrate what (and are therefore NOT used as validation):
- human ``mps_extraction_total``, ``mps_capacity``, ``extravasation_coefficient``, ``pc_degradation_rate``:
  DOXIL US label Table 8
  (10 and 20 mg/m2, 30 min infusion): CL (L/h/m2), Vss (L/m2) and second-phase t1/2 (h) --
  validation/data/doxil_label_human.csv.
- rat ``mps_extraction_total``: Wang et al. 2023 rat PEGylated liposomal doxorubicin 10 mg/kg, AUC0-inf --
  validation/data/rat_pld_plasma_calibration.csv; rat ``mps_capacity``: the same study's AUC0-24; mouse
  carries the rat capacity over (assumption); rodent ``extravasation_coefficient`` is the human value.
- mouse ``mps_extraction_total``: carrier (lipid label) in blood at 24 h, 35 %ID, of PEG-PE liposomes
  (Woodle et al. 1992, mice and rats, dose-independent) -- validation/data/mouse_doxil_plasma_calibration.csv;
  fitted in the linear (non-saturable) regime after the rat step, before the tumour step.
- mouse ``tumour_extravasation_coefficient`` and ``tumour_macrophage_uptake_rate``: median DE24 and DE168 of
  the even-ID organic 60-150 nm data sets of the Nano-Tumor Database training part (../shared/data).

Run ``python -m validation.calibrate`` to print the values, ``--write`` to store them in the data files.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares, minimize

from nanodds.engine import simulate
from nanodds.solve import stiff
from nanodds.specs.params import DATA_ROOT, load_yaml
from validation.cases import human_doxil, metrics_of, rodent_pld

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "data" / "nano_tumor_db"


def _label() -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / "doxil_label_human.csv", comment="#")


def _label_value(df: pd.DataFrame, dose: float, metric_prefix: str) -> tuple[float, float]:
    """(mean, standard error) of a label Table 8 entry."""
    rows = df[(df["dose_mg_per_m2"] == dose) & (df["metric"].str.startswith(metric_prefix))]
    return float(rows["value"].iloc[0]), float(rows["se"].iloc[0])


def calibrate_human(verbose: bool = True) -> dict[str, float]:
    """Fit MPS extraction, capacity, extravasation and digestion to label CL, Vss and t1/2.

    Log residuals weighted by the label's relative standard errors (Table 8 gives mean +/- SE).
    """
    df = _label()
    doses = (10.0, 20.0)
    targets = [(d, "cl", _label_value(df, d, "cl")) for d in doses] + \
              [(d, "vss", _label_value(df, d, "vss")) for d in doses] + \
              [(d, "t_half", _label_value(df, d, "t_half_second")) for d in doses]
    scns = {d: human_doxil(d, 0.5, duration_h=504.0, points=169) for d in doses}
    keys = ("mps_extraction_total", "mps_capacity", "extravasation_coefficient", "pc_degradation_rate")

    def resid(logp: np.ndarray) -> np.ndarray:
        ov = dict(zip(keys, np.exp(logp), strict=True))
        out = []
        cache = {d: metrics_of(scns[d], ov)["plasma_total"] for d in doses}
        for d, kind, (obs, se) in targets:
            pred = {"cl": cache[d]["cl_L_per_h_per_m2"], "vss": cache[d]["vss_L_per_m2"],
                    "t_half": cache[d]["t_half_h"]}[kind]
            out.append(np.log(pred / obs) / (se / obs))  # log residual in units of the label's relative SE
        if verbose:
            print("  ", {k: f"{v:.4g}" for k, v in ov.items()}, np.round(out, 3))
        return np.array(out)

    x0 = np.log([0.01006, 23.4, 0.01, 0.0131])
    # the terminal t1/2 (best-window NCA) is piecewise smooth in the parameters: a simplex search is
    # robust to its small jumps where a finite-difference Jacobian is not
    fit = minimize(lambda x: float(np.sum(resid(x) ** 2)), x0, method="Nelder-Mead",
                   options={"xatol": 1e-3, "fatol": 1e-5, "maxfev": 160})
    return dict(zip(keys, np.exp(fit.x), strict=True))


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


def nano_tumor_targets() -> dict[str, float]:
    """Median DE24 and DE168 (%ID) of even-ID organic 60-150 nm data sets (calibration half)."""
    d = pd.read_csv(SHARED / "datasets.csv")
    sel = d[(d["Type"] == "Organic") & d["HD"].between(60, 150) & (d["ID"] % 2 == 0)]
    return {"de24": float(sel["DE24"].median()), "de168": float(sel["DE168"].median()),
            "tumour_weight_g": float(sel["TW"].median()), "n": float(len(sel)),
            "diameter_nm": float(sel["HD"].median())}


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
    ap.add_argument("--only", choices=("human", "rat", "mouse", "tumour"), action="append")
    args = ap.parse_args()
    stiff.RTOL = 1e-7  # calibration only: the objective needs 3 digits, not the 1e-10 of reported runs
    todo = args.only or ["human", "rat", "mouse", "tumour"]
    if "human" in todo:
        h = calibrate_human()
        print("human:", h)
        if args.write:
            for k, v in h.items():
                set_value("human", k, v)
            for sp in ("rat", "mouse"):  # carried over (assumption stated in those files)
                set_value(sp, "extravasation_coefficient", h["extravasation_coefficient"])
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
        if args.write:
            for sp in ("mouse", "rat", "human"):
                for k, v in t.items():
                    set_value(sp, k, v)


if __name__ == "__main__":
    main()
