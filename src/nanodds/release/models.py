"""Catalogue of empirical drug-release models (DDSolver class).

``MODELS`` maps a model name to its :class:`~nanodds.release.model_base.ReleaseModel`. The catalogue holds
the DDSolver models (Zhang Y et al. 2010, AAPS J 12:263, doi:10.1208/s12248-010-9185-1) with their lag
time (``Tlag``), burst (``F0``) and plateau (``Fmax``) variants, plus the Hill (log-logistic) model.
Every model returns percent released (%) at times in the time unit of the data.

Examples
--------
>>> from nanodds.release.models import get_model
>>> m = get_model("first_order")
>>> float(m(10.0, 0.1))  # 100·(1 − e^−1)
63.21205588285577
"""

from __future__ import annotations

from collections.abc import Iterable

from nanodds.errors import InputError
from nanodds.release.model_base import DataSummary, Param, ReleaseModel, summarise
from nanodds.release.models_kinetic import KINETIC_MODELS
from nanodds.release.models_sigmoid import SIGMOID_MODELS

__all__ = ["MODELS", "DataSummary", "Param", "ReleaseModel", "get_model", "parse_model_list", "summarise"]

MODELS: dict[str, ReleaseModel] = {m.name: m for m in (*KINETIC_MODELS, *SIGMOID_MODELS)}


def get_model(name: str, field: str = "model") -> ReleaseModel:
    """Look up a model by name.

    Raises
    ------
    InputError
        If the name is unknown; the message lists every allowed name.
    """
    key = name.strip().lower().replace("-", "_")
    if key not in MODELS:
        raise InputError(field, name, "one of " + ", ".join(MODELS))
    return MODELS[key]


def parse_model_list(names: str | Iterable[str] | None, field: str = "models") -> list[ReleaseModel]:
    """Models from a comma-separated string or an iterable of names; ``None``/``"all"`` gives all."""
    if names is None:
        return list(MODELS.values())
    items = [n for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    if not items or [n.strip().lower() for n in items] == ["all"]:
        return list(MODELS.values())
    return [get_model(n, field) for n in items]
