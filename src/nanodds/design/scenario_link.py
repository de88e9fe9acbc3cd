"""Scenario ``tumour_delivery: learned``: the delivery predictor sets the whole-body tumour parameters.

The scenario's carrier (material or type, diameter, zeta, shape, ligand) and tumour (model, cancer type, volume),
body weight and first dose are mapped onto the Nano-Tumor DB columns (:func:`scenario_row`, mapping tables in
``data/design/scenario_link.yaml``); the shipped predictor gives DE24 and DE168 (% of injected dose in the tumour
at 24 h and 168 h) with their 90 % intervals and the out-of-domain flag; parsing records these (cheap,
:class:`LearnedTumour`). When a model is assembled (:func:`nanodds.engine.build` -> :func:`resolve`), tumour
parameters of the whole-body model are solved so that its carrier-label DE24 and DE168 after a single IV bolus of
the first dose equal the predicted values (:func:`nanodds.design.learned_solve.solve_tumour`, cached by content in
:class:`nanodds.design.learned_solve.TumourSolver`; the model's ``meta["learned_tumour"]`` records the result):

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
    from nanodds.design.learned_solve import TumourSolve, TumourSolver
    from nanodds.design.predict import DeliveryModel
    from nanodds.specs.scenario import Scenario

__all__ = ["LearnedTumour", "SolvedTumour", "learned_tumour", "predict_learned", "resolve", "scenario_row",
           "settings"]

def settings() -> dict[str, Any]:
    """The mapping tables and solve settings of ``data/design/scenario_link.yaml``."""
    return load_yaml("design/scenario_link.yaml")


@dataclass(frozen=True)
class LearnedTumour:
    """What parsing ``tumour_delivery: learned`` records (cheap: the mapping and the predictor, no solve).

    All DE in % of the injected carrier dose. The tumour parameters are solved when a model is assembled
    (:func:`resolve`, :class:`SolvedTumour`).

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
        Imputed or re-mapped inputs.
    features : tuple of (str, object)
        The database row the scenario was mapped to.
    reference : Scenario
        The experiment whose whole-body DE24/DE168 must equal the prediction: the parsed scenario as a single IV
        bolus of its first dose (:func:`nanodds.design.learned_solve.reference_experiment`). Kept as parsed, so a
        scenario derived from it (a virtual patient) runs with the tumour parameters of the scenario as written.
    """

    prediction: tuple[tuple[str, float], ...]
    coverage: float
    out_of_domain: bool
    ood_reason: str
    notes: tuple[str, ...]
    features: tuple[tuple[str, Any], ...]
    reference: Scenario

    def pred(self, name: str) -> float:
        """One predicted value, e.g. ``pred("DE24_pred")`` (% of dose)."""
        return dict(self.prediction)[name]

    def summary_line(self) -> str:
        """One console line: prediction, interval, domain."""
        dom = f"OUT OF DOMAIN ({self.ood_reason})" if self.out_of_domain else "in domain"
        return (f"learned tumour delivery: DE24 {self.pred('DE24_pred'):.3g} % ({100 * self.coverage:g} % interval "
                f"{self.pred('DE24_lo'):.3g}-{self.pred('DE24_hi'):.3g}), DE168 {self.pred('DE168_pred'):.3g} % "
                f"({self.pred('DE168_lo'):.3g}-{self.pred('DE168_hi'):.3g}); {dom}")


@dataclass(frozen=True)
class SolvedTumour:
    """A :class:`LearnedTumour` with its solved tumour parameters (``model.meta["learned_tumour"]`` of a model
    built from a learned scenario, so its Solution carries it).

    Attributes
    ----------
    learned : LearnedTumour
    solve : TumourSolve
        Entry scale (-), exit rate (1/h), retention factor (-), the ``carriers/<species>.yaml`` overrides (file
        units) and the whole-body carrier-label DE24/DE168 of the reference experiment (% of dose).
    """

    learned: LearnedTumour
    solve: TumourSolve

    @property
    def overrides(self) -> tuple[tuple[str, float], ...]:
        """Values of ``carriers/<species>.yaml`` keys the whole-body model runs with (file units)."""
        return self.solve.overrides

    @property
    def notes(self) -> tuple[str, ...]:
        """Mapping and predictor notes, then solve notes (a target the whole-body model cannot reach)."""
        return self.learned.notes + self.solve.notes

    def pred(self, name: str) -> float:
        """One predicted value (% of dose)."""
        return self.learned.pred(name)

    def summary_line(self) -> str:
        """One console line: prediction, interval, domain."""
        return self.learned.summary_line()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for ``metrics.json``)."""
        lt, sv = self.learned, self.solve
        return {"mode": "learned", "predicted_percent": dict(lt.prediction),
                "interval_coverage": lt.coverage, "out_of_domain": lt.out_of_domain, "ood_reason": lt.ood_reason,
                "notes": list(self.notes), "features": {k: v for k, v in lt.features},
                "entry_scale": sv.entry_scale, "exit_rate_per_h": sv.exit_rate_per_h,
                "retention_factor": sv.retention_factor,
                "overrides": dict(sv.overrides),
                "whole_body_single_bolus_de24_percent": sv.de24_percent,
                "whole_body_single_bolus_de168_percent": sv.de168_percent}


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


def learned_tumour(scn: Scenario, model: DeliveryModel | None = None) -> LearnedTumour:
    """Map the scenario and predict DE24/DE168 (see module docstring); no solve (that is :func:`resolve`).

    Raises
    ------
    InputError
        Species other than the predictor's (mouse), or no carrier or no tumour.
    """
    from nanodds.design.learned_solve import reference_experiment
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
    features = tuple((c, _plain(v)) for c, v in row.iloc[0].items())
    m = model or load_model()
    return LearnedTumour(prediction=prediction, coverage=float(m.meta["interval_coverage"]),
                         out_of_domain=bool(p["out_of_domain"]), ood_reason=str(p["ood_reason"]),
                         notes=tuple(notes), features=features, reference=reference_experiment(scn))


def resolve(lt: LearnedTumour, solver: TumourSolver | None = None) -> SolvedTumour:
    """The learned record with its tumour parameters, solved through ``solver``'s content-keyed cache.

    ``solver`` defaults to :data:`nanodds.design.learned_solve.DEFAULT_SOLVER` (one per process). Warns
    (:class:`~nanodds.errors.RangeWarning`, one line) for each predicted value the whole-body model cannot reach,
    on every call (the answer does not depend on whether the solve was cached).
    """
    from nanodds.design.learned_solve import DEFAULT_SOLVER

    sv = (solver or DEFAULT_SOLVER).solve(lt.reference, lt.pred("DE24_pred"), lt.pred("DE168_pred"))
    for n in sv.notes:
        if "not reachable" in n:
            warnings.warn(RangeWarning(f"tumour_delivery: learned: {n}"), stacklevel=2)
    return SolvedTumour(lt, sv)


def _plain(v: Any) -> Any:
    """A table cell as a JSON-ready Python value (empty -> None)."""
    if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def model_notes(row: pd.DataFrame, model: DeliveryModel | None = None) -> list[str]:
    """The predictor's notes (imputed, unknown or re-mapped cells) for the first row of ``row``."""
    from nanodds.design.predict import load_model

    return (model or load_model()).features(row)[2][0]


def predict_learned(scn: Scenario) -> Scenario:
    """The scenario with ``tumour_delivery: learned`` and its prediction recorded (called at parsing; cheap).

    Warns (:class:`~nanodds.errors.RangeWarning`, one line) when the scenario is out of the predictor's domain.
    The tumour parameters are solved when a model is built from the scenario (:func:`resolve`).
    """
    lt = learned_tumour(scn)
    if lt.out_of_domain:
        warnings.warn(RangeWarning(
            f"tumour_delivery: learned: the scenario is outside the predictor's training domain ({lt.ood_reason}); "
            f"predicted DE24 {lt.pred('DE24_pred'):.3g} % of dose ({100 * lt.coverage:g} % interval "
            f"{lt.pred('DE24_lo'):.3g}-"
            f"{lt.pred('DE24_hi'):.3g} %) is an extrapolation"), stacklevel=2)
    return replace(scn, tumour_delivery="learned", learned_tumour=lt)
