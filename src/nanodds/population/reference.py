"""One patient of a virtual population as a single-patient model: the reference the population solvers are
checked against (tests, ``benchmarks/probe_saturable_bolus.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
