"""Scenario ``tumour_delivery: learned``: the delivery predictor sets the whole-body tumour parameters.

The scenario's carrier (material or type, diameter, zeta, shape, ligand) and tumour (model, cancer type, volume),
body weight and first dose are mapped onto the Nano-Tumor DB columns (:func:`scenario_row`, mapping tables in
``data/design/scenario_link.yaml``); the shipped predictor gives DE24 and DE168 (% of injected dose in the tumour
at 24 h and 168 h) with their 90 % intervals and the out-of-domain flag. Tumour parameters of the whole-body
model are then solved so that its carrier-label DE24 and DE168 after a single IV bolus of the first dose equal the
predicted values (:func:`solve_tumour`):

- the entry scale ``s``: factor on ``tumour_extravasation_coefficient`` (vascular -> interstitial carrier);
- the exit rate ``k`` (1/h): interstitial carrier flowing back to the tumour blood
  (``tumour_reflux_fraction = k * V_interstitial / PA``), the exit of nanoparticles from tumours
  (Nguyen et al. 2023 Nat Mater 22:1261);
- only when exit cannot bring DE168 down to the prediction (label already held in tumour cells, which the
  whole-body model never loses): the retention factor on ``tumour_macrophage_uptake_rate``.

DE24 rises monotonically with ``s``; DE168 (with DE24 held at its target) is bracketed on a log grid of ``k`` and
then of the retention factor, and found by Brent's method. Deterministic. A target outside what the whole-body
model can reach (e.g. DE168 above the no-exit value) leaves the parameter at its bracket end and says so.
Everything else (plasma kinetics, MPS, release, the drug) stays mechanistic; the whole-body run with the solved
parameters gives the time course.

Why DE24/DE168 and not the Chou et al. 2023 tumour parameters: under the same study-grouped CV the direct forest
predicts DE24 with a median fold error of 2.09 and the Chou PBPK run with forest-predicted parameters with 2.81
(docs/delivery_model.md), and ``validation/learned_delivery_cv.py`` measures the same on the scenario path.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nanodds.errors import InputError, RangeWarning
from nanodds.specs.params import load_yaml

if TYPE_CHECKING:
    from nanodds.design.predict import DeliveryModel
    from nanodds.specs.scenario import Scenario

__all__ = ["LearnedTumour", "TumourSolve", "learned_tumour", "resolve_learned", "scenario_row", "settings",
           "solve_tumour"]

ENTRY_KEY = "tumour_extravasation_coefficient"
EXIT_KEY = "tumour_reflux_fraction"
RETENTION_KEY = "tumour_macrophage_uptake_rate"
SOLVE_TIMES_H = (0.0, 24.0, 168.0)
"""Output times of the solve runs (h): DE24 and DE168 are read at the last two."""


def settings() -> dict[str, Any]:
    """The mapping tables and solve settings of ``data/design/scenario_link.yaml``."""
    return load_yaml("design/scenario_link.yaml")


@dataclass(frozen=True)
class LearnedTumour:
    """What ``tumour_delivery: learned`` did for one scenario (all DE in % of the injected carrier dose).

    Attributes
    ----------
    prediction : tuple of (str, float)
        ``DE24_pred``, ``DE24_lo``, ``DE24_hi`` and the same for DE168 and Demax.
    coverage : float
        Coverage of the ``_lo``-``_hi`` interval (-), from the model file (0.9 for the shipped model).
    out_of_domain : bool
        The scenario lies outside the predictor's training domain (reasons in ``ood_reason``).
    ood_reason : str
    notes : tuple of str
        Imputed or re-mapped inputs and solve notes (a target the whole-body model cannot reach).
    features : tuple of (str, object)
        The database row the scenario was mapped to.
    entry_scale : float
        Factor on the calibrated tumour extravasation coefficient (-).
    exit_rate_per_h : float
        Exit rate of interstitial carrier to the tumour blood (1/h).
    retention_factor : float
        Factor on the tumour macrophage (cell) uptake rate (-); below 1 only when exit alone cannot bring DE168
        down to the prediction.
    overrides : tuple of (str, float)
        Values of ``carriers/<species>.yaml`` keys the whole-body model runs with (file units).
    whole_body_de24_percent, whole_body_de168_percent : float
        Carrier-label DE24 and DE168 of the whole-body model after a single IV bolus of the first dose.
    """

    prediction: tuple[tuple[str, float], ...]
    coverage: float
    out_of_domain: bool
    ood_reason: str
    notes: tuple[str, ...]
    features: tuple[tuple[str, Any], ...]
    entry_scale: float
    exit_rate_per_h: float
    retention_factor: float
    overrides: tuple[tuple[str, float], ...]
    whole_body_de24_percent: float
    whole_body_de168_percent: float

    def pred(self, name: str) -> float:
        """One predicted value, e.g. ``pred("DE24_pred")`` (% of dose)."""
        return dict(self.prediction)[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for ``metrics.json``)."""
        return {"mode": "learned", "predicted_percent": dict(self.prediction),
                "interval_coverage": self.coverage, "out_of_domain": self.out_of_domain, "ood_reason": self.ood_reason,
                "notes": list(self.notes), "features": {k: v for k, v in self.features},
                "entry_scale": self.entry_scale, "exit_rate_per_h": self.exit_rate_per_h,
                "retention_factor": self.retention_factor,
                "overrides": dict(self.overrides),
                "whole_body_single_bolus_de24_percent": self.whole_body_de24_percent,
                "whole_body_single_bolus_de168_percent": self.whole_body_de168_percent}

    def summary_line(self) -> str:
        """One console line: prediction, interval, domain."""
        dom = f"OUT OF DOMAIN ({self.ood_reason})" if self.out_of_domain else "in domain"
        return (f"learned tumour delivery: DE24 {self.pred('DE24_pred'):.3g} % ({100 * self.coverage:g} % interval "
                f"{self.pred('DE24_lo'):.3g}-{self.pred('DE24_hi'):.3g}), DE168 {self.pred('DE168_pred'):.3g} % "
                f"({self.pred('DE168_lo'):.3g}-{self.pred('DE168_hi'):.3g}); {dom}")


def scenario_row(scn: Scenario) -> tuple[pd.DataFrame, list[str]]:
    """The scenario as one row of the predictor's input (Nano-Tumor DB columns + ``MAT``) and mapping notes.

    ``Dose`` is the first dose of the regimen per body weight (mg/kg, as written: drug mass, the convention of
    ``validation/nano_tumor_eval.py``); ``TSz`` (tumour size at dosing) is not a scenario input and is left empty
    (imputed by the predictor, which notes it).
    """
    cfg = settings()
    car, tum, phys = scn.carrier, scn.physiology.tumour, scn.physiology
    assert car is not None and tum is not None
    notes: list[str] = []
    if car.material is not None:
        mat = cfg["material_class"].get(car.material)
    else:
        mat = cfg["carrier_type_class"].get(car.type)
    if mat is None:
        notes.append(f"carrier {car.material or car.type} has no material class of the database; MAT empty")
    zeta = car.zeta_mV
    charge = None if zeta is None else (2 if zeta == 0 else (1 if zeta > 0 else 0))
    row = {
        "Type": cfg["class_type"].get(mat) if mat is not None else None,
        "TS": "Active" if car.ligand is not None else "Passive",
        "HD": car.diameter_nm, "Zeta": None if zeta is None else abs(zeta), "Charge": charge,
        "Shape": cfg["shape"][car.shape or "sphere"],
        "TM": cfg["tumour_model"].get(tum.model) if tum.model is not None else None,
        "CT": tum.cancer_type, "TSz": None,
        "TW": tum.volume_L * 1e3 * cfg["tumour_density"].to("g/mL"),
        "Dose": scn.regimen.first_dose_mg / phys.body_weight_kg, "BW": phys.body_weight_kg * 1e3, "MAT": mat,
    }
    if car.pegylated:
        notes.append("pegylated acts through the plasma kinetics only (the database has no PEG column)")
    return pd.DataFrame([row]), notes


def _single_bolus(scn: Scenario) -> Scenario:
    """The scenario as the database's experiment: one IV bolus of its first dose at t = 0, mechanistic tumour."""
    from nanodds.specs.regimen import DoseEvent, Regimen

    ev = DoseEvent(0.0, scn.regimen.first_dose_mg, 0.0)
    return replace(scn, regimen=Regimen((ev,)), duration_h=SOLVE_TIMES_H[-1], tumour_delivery="mechanistic",
                   learned_tumour=None)


@dataclass(frozen=True)
class TumourSolve:
    """Result of :func:`solve_tumour` (DE in % of the injected carrier dose, single IV bolus)."""

    entry_scale: float
    exit_rate_per_h: float
    retention_factor: float
    overrides: tuple[tuple[str, float], ...]
    de24_percent: float
    de168_percent: float
    notes: tuple[str, ...]


def solve_tumour(scn: Scenario, de24_target: float, de168_target: float) -> TumourSolve:
    """Tumour entry, exit and retention that give the whole-body carrier-label DE24/DE168 targets (% of dose).

    Nested bracketed search: for an exit rate ``k``, the entry scale ``s(k)`` that gives DE24 (log-secant, Brent
    fallback); ``k`` so that DE168 matches too: the first bracket on a log grid of ``k`` (``exit_rate_scan_points``)
    where DE168 crosses the target, then Brent. When DE168 stays above the target at every exit rate (label held
    in tumour cells: the whole-body model never loses it), the retention factor ``f`` (x tumour macrophage uptake
    rate) is lowered by Brent until DE168 matches, at the exit rate closest to the target and at the fastest exit;
    the one that misses the targets least is kept. The searches
    run on the exact linear path (saturable MPS terms at their unsaturated limit); a saturable scenario then
    corrects the targets by the full model's result (fixed point, ``max_rounds``) until it reaches them within
    ``saturable_rtol``.
    """
    from scipy.optimize import brentq

    from nanodds.engine import build, simulate
    from nanodds.model.free_drug import phys_fraction, phys_volume

    cfg = settings()
    rtol = cfg["solve_rtol"].to("1")
    k_lo, k_hi = cfg["exit_rate_min"].to("1/h"), cfg["exit_rate_max"].to("1/h")
    v_lo, v_hi = math.log(cfg["entry_scale_min"].to("1")), math.log(cfg["entry_scale_max"].to("1"))
    w_lo = math.log(cfg["retention_factor_min"].to("1"))
    full = _single_bolus(scn)
    lin = replace(full, solver="linear")
    phys = full.physiology
    kin = load_yaml(f"carriers/{phys.species}.yaml")
    c0, m0 = kin[ENTRY_KEY].value, kin[RETENTION_KEY].value
    pa0 = build(full).meta["carrier_kinetics"].pa_L_per_h["tumour"]
    v_int = phys_volume(phys, "tumour") * phys_fraction(phys, "tumour", "interstitial")
    grid = np.array(SOLVE_TIMES_H)

    def overrides(s: float, k: float, f: float) -> dict[str, float]:
        return {ENTRY_KEY: c0 * s, EXIT_KEY: k * v_int / (pa0 * s), RETENTION_KEY: m0 * f}

    def de(s: float, k: float, f: float, model_scn: Scenario = lin) -> tuple[float, float]:
        sol = simulate(model_scn, t_grid=grid, carrier_overrides=overrides(s, k, f))
        lab = sol.observe("carrier_label_amount_tumour")
        return 100.0 * lab[1] / sol.dosed["carrier"], 100.0 * lab[2] / sol.dosed["carrier"]

    def solve(t24: float, t168: float, v_start: float) -> tuple[float, float, float]:
        cache: dict[tuple[float, float], tuple[float, tuple[float, float]]] = {}
        last = [v_start]

        def s_of(k: float, fr: float) -> tuple[float, tuple[float, float]]:
            if (k, fr) in cache:
                return cache[(k, fr)]

            def f(v: float) -> float:
                return math.log(de(math.exp(v), k, fr)[0] / t24)

            v0 = last[0]
            f0 = f(v0)
            v1 = min(max(v0 - f0, v_lo), v_hi)
            for _ in range(12):
                if abs(f0) <= rtol / 10 or v1 == v0:
                    break
                f1 = f(v1)
                slope = (f1 - f0) / (v1 - v0)
                v0, f0 = v1, f1
                if not slope > 0:
                    break
                v1 = min(max(v1 - f1 / slope, v_lo), v_hi)
            if abs(f0) > rtol / 10:  # secant failed (flow limit, bounds): bracketed search
                if f(v_lo) >= 0:
                    v0 = v_lo
                elif f(v_hi) <= 0:
                    v0 = v_hi
                else:
                    v0 = brentq(f, v_lo, v_hi, xtol=1e-12)
            last[0] = v0
            cache[(k, fr)] = (v0, de(math.exp(v0), k, fr))
            return cache[(k, fr)]

        def g(u: float, fr: float = 1.0) -> float:
            return math.log(s_of(math.exp(u), fr)[1][1] / t168)

        # DE168/DE24 along the DE24 = target curve first falls with k, but can rise again once entry is so fast
        # that exiting carrier re-enters (flow limit): take the first sign change on a log grid from k_lo up
        us = np.linspace(math.log(k_lo), math.log(k_hi), int(cfg["exit_rate_scan_points"].to("1")))
        gs = [g(float(u)) for u in us]
        if gs[0] <= 0:  # DE168 at or below the target without exit: more exit cannot raise it
            return s_of(k_lo, 1.0)[0], k_lo, 1.0
        for a, b, ga, gb in zip(us[:-1], us[1:], gs[:-1], gs[1:], strict=True):
            if ga > 0 >= gb:
                k = math.exp(brentq(g, float(a), float(b), xtol=1e-10))
                return s_of(k, 1.0)[0], k, 1.0
        # DE168 above the target at every exit rate: the label is held in tumour cells. Lower the cell retention
        # (Brent) at the exit rate closest to the target and at the fastest exit (interstitial carrier follows
        # plasma); keep the one that misses the two targets least (summed |log error|)
        best: tuple[float, float, float, float] | None = None
        for k in dict.fromkeys((math.exp(float(us[int(np.argmin(gs))])), k_hi)):

            def h(w: float, k: float = k) -> float:
                return g(math.log(k), math.exp(w))

            fr = cfg["retention_factor_min"].to("1") if h(w_lo) >= 0 else math.exp(brentq(h, w_lo, 0.0, xtol=1e-10))
            v, (d24, d168) = s_of(k, fr)
            err = abs(math.log(d24 / t24)) + abs(math.log(d168 / t168))
            if best is None or err < best[0]:
                best = (err, v, k, fr)
        assert best is not None
        return best[1], best[2], best[3]

    t24, t168 = de24_target, de168_target
    v, k, fr = solve(t24, t168, 0.0)
    reached = de(math.exp(v), k, fr, full)
    saturable = full.solver != "linear" and full.saturable
    tol = cfg["saturable_rtol"].to("1") if saturable else rtol
    if saturable:
        for _ in range(int(cfg["max_rounds"].to("1"))):
            if abs(reached[0] / de24_target - 1) <= tol and abs(reached[1] / de168_target - 1) <= tol:
                break
            t24, t168 = t24 * de24_target / reached[0], t168 * de168_target / reached[1]
            v, k, fr = solve(t24, t168, v)
            reached = de(math.exp(v), k, fr, full)
    notes: list[str] = []
    s = math.exp(v)
    if abs(reached[0] / de24_target - 1.0) > tol:
        notes.append(f"predicted DE24 {de24_target:.3g} % not reachable by the whole-body model (entry scale "
                     f"{s:.3g}); whole-body DE24 {reached[0]:.3g} %")
    if abs(reached[1] / de168_target - 1.0) > tol:
        why = "no exit" if k == k_lo else "lowest tumour-cell retention"
        notes.append(f"predicted DE168 {de168_target:.3g} % not reachable by the whole-body model ({why}); "
                     f"whole-body DE168 {reached[1]:.3g} %")
    return TumourSolve(s, k, fr, tuple(sorted(overrides(s, k, fr).items())), float(reached[0]), float(reached[1]),
                       tuple(notes))


def learned_tumour(scn: Scenario, model: DeliveryModel | None = None) -> LearnedTumour:
    """Predict DE24/DE168 for the scenario and solve the whole-body tumour parameters (see module docstring).

    Raises
    ------
    InputError
        Species other than the predictor's (mouse), or no carrier or no tumour.
    """
    from nanodds.design.predict import load_model, predict_delivery

    species = settings()["species"]
    if scn.species != species:
        raise InputError("tumour_delivery", "learned", f"mechanistic for species {scn.species} (the learned "
                         f"predictor is trained on {species} tumours only)")
    if scn.carrier is None or scn.physiology.tumour is None:
        raise InputError("tumour_delivery", "learned", "a scenario with a carrier and a tumour")
    row, notes = scenario_row(scn)
    p = predict_delivery(row, model).iloc[0]
    names = [f"{t}_{s}" for t in ("DE24", "DE168", "Demax") for s in ("pred", "lo", "hi")]
    prediction = tuple((n, float(p[n])) for n in names)
    notes += model_notes(row, model)
    sv = solve_tumour(scn, float(p["DE24_pred"]), float(p["DE168_pred"]))
    features = tuple((c, _plain(v)) for c, v in row.iloc[0].items())
    m = model or load_model()
    return LearnedTumour(prediction=prediction, coverage=float(m.meta["interval_coverage"]),
                         out_of_domain=bool(p["out_of_domain"]),
                         ood_reason=str(p["ood_reason"]), notes=tuple(notes) + sv.notes, features=features,
                         entry_scale=sv.entry_scale, exit_rate_per_h=sv.exit_rate_per_h,
                         retention_factor=sv.retention_factor, overrides=sv.overrides,
                         whole_body_de24_percent=sv.de24_percent, whole_body_de168_percent=sv.de168_percent)


def _plain(v: Any) -> Any:
    """A table cell as a JSON-ready Python value (empty -> None)."""
    if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def model_notes(row: pd.DataFrame, model: DeliveryModel | None = None) -> list[str]:
    """The predictor's notes (imputed, unknown or re-mapped cells) for the first row of ``row``."""
    from nanodds.design.predict import load_model

    return (model or load_model()).features(row)[2][0]


def resolve_learned(scn: Scenario) -> Scenario:
    """The scenario with its tumour parameters set by the learned predictor (``tumour_delivery: learned``).

    Warns (:class:`~nanodds.errors.RangeWarning`, one line) when the scenario is out of the predictor's domain
    or a predicted value cannot be reached by the whole-body model.
    """
    lt = learned_tumour(scn)
    if lt.out_of_domain:
        warnings.warn(RangeWarning(
            f"tumour_delivery: learned: the scenario is outside the predictor's training domain ({lt.ood_reason}); "
            f"predicted DE24 {lt.pred('DE24_pred'):.3g} % of dose ({100 * lt.coverage:g} % interval "
            f"{lt.pred('DE24_lo'):.3g}-"
            f"{lt.pred('DE24_hi'):.3g} %) is an extrapolation"), stacklevel=2)
    for n in lt.notes:
        if "not reachable" in n:
            warnings.warn(RangeWarning(f"tumour_delivery: learned: {n}"), stacklevel=2)
    return replace(scn, tumour_delivery="learned", learned_tumour=lt)
