"""One patient of a virtual population as a single-patient model: the reference the population solvers are
checked against (tests, ``benchmarks/probe_saturable_bolus.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from nanodds.engine import build
from nanodds.model.structure import Model
from nanodds.population.fast import PopulationModel, patient_scenario
from nanodds.specs.regimen import DoseEvent
from nanodds.specs.scenario import parse_scenario


def single_patient(pm: PopulationModel, raw: Mapping[str, Any], patients: pd.DataFrame,
                   i: int = 0) -> tuple[Model, tuple[DoseEvent, ...]]:
    """Patient ``i`` of ``patients`` as a model built by :func:`nanodds.engine.build` and its dose events.

    Parameters
    ----------
    pm : PopulationModel
        The population model the patients were solved with.
    raw : mapping
        The population's scenario as written (its ``subject`` is replaced by the patient's body weight and height).
    patients : pandas.DataFrame
        Patient table of :func:`nanodds.population.virtual.sample_patients` (covariates and ``*_factor`` columns).
    i : int
        Row of the patient.

    Returns
    -------
    tuple
        The patient's model and its dose events (amounts in mg, as the population solver doses them).
    """
    p = patients.iloc[i]
    scn = parse_scenario(dict(raw, subject={"body_weight": f"{p['body_weight_kg']} kg",
                                            "height": f"{p['height_cm']} cm"}))
    factors = {k: p[k] for k in patients.columns if k.endswith("_factor")}
    model = build(*patient_scenario(scn, scn.physiology.body_weight_kg, scn.physiology.height_cm, **factors))
    amounts = pm.amounts(patients.iloc[[i]])[0]
    return model, tuple(DoseEvent(e.start_h, float(a), e.duration_h) for e, a in zip(pm.events, amounts, strict=True))


def errors_vs_stiff(pm: PopulationModel, raw: Mapping[str, Any], patients: pd.DataFrame,
                    observables: Mapping[str, np.ndarray], times_h: np.ndarray, i: int = 0,
                    rtol: float = 1e-11) -> dict[str, tuple[float, float]]:
    """Error of a population solve of patient ``i`` against its single-patient model solved by ``solve_stiff``.

    ``observables``: name -> the population's values of that patient at ``times_h`` (h). Returns, per observable
    the model has and that is not zero throughout, ``(max |y - y_ref| / max y_ref, time of that maximum in h)``.
    """
    from nanodds.solve.stiff import solve_stiff

    m, events = single_patient(pm, raw, patients, i)
    ref = solve_stiff(m, events, times_h, rtol=rtol)
    out: dict[str, tuple[float, float]] = {}
    for name, got in observables.items():
        if name not in m.observables:
            continue
        y = ref.y @ m.observables[name].weights
        if y.max() > 0:
            e = np.abs(np.asarray(got) - y) / y.max()
            j = int(np.argmax(e))
            out[name] = (float(e[j]), float(times_h[j]))
    return out
