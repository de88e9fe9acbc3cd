"""Request bodies of the JSON API (pydantic; unknown keys are refused, every accepted key acts)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ArmIn", "CompareIn", "DesignIn", "PopulationIn", "PredictIn", "ReleaseCompareIn", "ReleaseFitIn",
           "ScenarioIn", "SensitivityIn", "SimulateIn"]

#: Database ids are positive 32-bit integers (PostgreSQL INTEGER; SQLite allows more, both refuse beyond).
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
YAML = Field(..., max_length=65536, description="scenario YAML text (data only; never executed)")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioIn(_In):
    """A scenario to check or save."""

    yaml: str = YAML
    name: str | None = Field(None, max_length=200, description="label when saved (default: the scenario's name)")


class SimulateIn(_In):
    """``simulate``: one scenario."""

    scenario: str = YAML


class ArmIn(_In):
    """One arm of a multi-arm comparison."""

    scenario: str = YAML
    label: str | None = Field(None, max_length=100)


class CompareIn(_In):
    """``compare``: a scenario with a carrier (nano vs conventional), or two or more arms (vs the first)."""

    scenario: str | None = Field(None, max_length=65536)
    arms: list[ArmIn] | None = Field(None, min_length=2)
    product: str | None = Field(None, max_length=100, description="catalogue product instead of a scenario")


class ReleaseFitIn(_In):
    """``release fit`` on an uploaded release data set."""

    dataset_id: Id
    models: str = Field("all", max_length=2000)
    weight: Literal["none", "1/y", "1/y2"] = "none"
    rank_by: Literal["AIC", "BIC", "MSC", "R2adj"] = "AIC"
    profile: str | None = Field(None, max_length=200)
    starts: int = Field(4, ge=1, le=20)
    seed: int = Field(0, ge=0, le=2**31 - 1)


class ReleaseCompareIn(_In):
    """``release compare``: f1/f2 of a test vs a reference profile of an uploaded data set."""

    dataset_id: Id
    reference: str = Field(..., max_length=200)
    test: str = Field(..., max_length=200)
    rule: Literal["all", "ema", "fda"] = "ema"
    bootstrap: int = Field(0, ge=0)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    confidence: float = Field(0.90, gt=0.5, lt=1.0)


class PopulationIn(_In):
    """``population``: N virtual patients."""

    scenario: str = YAML
    n: int
    seed: int = Field(0, ge=0, le=2**31 - 1)
    target_auc: float | None = Field(None, gt=0, description="target plasma AUC0-inf, mg h/L")


class SensitivityIn(_In):
    """``sensitivity``: Sobol indices; ``params`` as the CLI's --params YAML."""

    scenario: str = YAML
    params: str = Field(..., max_length=65536)
    n: int = 64
    seed: int = Field(0, ge=0, le=2**31 - 1)
    linear: bool = False


class DesignIn(_In):
    """``design``: NSGA-II over a design space YAML."""

    scenario: str = YAML
    space: str = Field(..., max_length=65536)


class PredictIn(_In):
    """``predict-delivery`` on an uploaded Nano-Tumor DB style CSV."""

    dataset_id: Id
