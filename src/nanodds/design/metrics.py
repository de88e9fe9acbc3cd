"""Design metrics: short phrases such as ``tumour released AUC`` read as linear read-outs of the model.

Grammar (case-insensitive): ``REGION [KIND] STATISTIC``, or the alias ``MPS load``.

* ``REGION``: an organ of the scenario (``tumour``, ``heart``, ``marrow``, ...) or ``plasma``; several organs
  joined by ``+`` (``liver+spleen``) for the carrier kinds, which are amounts.
* ``KIND``: none (total drug, mg/L), ``released`` (non-encapsulated drug, free and tissue-bound, mg/L: the
  ``tissue_released_<organ>`` observable), ``free`` (the organ's free-drug state over its volume, mg/L: the
  release-rate sweep's metric, :func:`nanodds.analysis.release_design.free_auc_mg_h_per_L`), ``carrier``
  (carrier mass in the organ, mg) or ``phagocyte carrier`` (carrier mass in the organ's phagocytes, mg).
* ``STATISTIC``: ``AUC`` (to infinity when finite, else over the simulated window: the rule of
  ``metrics.json``), ``AUC0-T`` (over the simulated window) or ``max`` (largest value on the output grid).
* ``MPS load`` = ``liver+spleen phagocyte carrier AUC`` (mg h of carrier held by liver and spleen
  macrophages).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanodds.analysis.forward import ForwardResult
from nanodds.errors import InputError
from nanodds.model.structure import Model
from nanodds.solve.solution import Solution

__all__ = ["ALIASES", "Metric", "parse_metric"]

ALIASES = {"mps load": "liver+spleen phagocyte carrier AUC"}
KINDS = {"": "total", "released": "released", "free": "free", "carrier": "carrier",
         "phagocyte carrier": "phagocyte carrier"}
STATS = {"auc": "AUC", "auc0-t": "AUC0-T", "max": "max"}
ALLOWED = ("'REGION [released|free|carrier|phagocyte carrier] AUC|AUC0-T|max' (e.g. 'tumour released AUC', "
           "'liver+spleen phagocyte carrier max') or 'MPS load'")


@dataclass(frozen=True)
class Metric:
    """A parsed metric.

    Attributes
    ----------
    text : str
        As written.
    regions : tuple of str
    kind : str
        ``total``, ``released``, ``free``, ``carrier`` or ``phagocyte carrier``.
    stat : str
        ``AUC``, ``AUC0-T`` or ``max``.
    """

    text: str
    regions: tuple[str, ...]
    kind: str
    stat: str

    @property
    def amount(self) -> bool:
        return self.kind in ("carrier", "phagocyte carrier")

    @property
    def unit(self) -> str:
        base = "mg" if self.amount else "mg/L"
        return base if self.stat == "max" else ("mg h" if self.amount else "mg h/L")

    @property
    def unit_slug(self) -> str:
        return {"mg": "mg", "mg/L": "mg_per_L", "mg h": "mg_h", "mg h/L": "mg_h_per_L"}[self.unit]

    def weights(self, model: Model) -> np.ndarray:
        """Read-out weights (n,) of this metric's quantity on the model's states."""
        w = np.zeros(model.n)
        for r in self.regions:
            if self.kind == "phagocyte carrier":
                w[model.index(f"carrier:{r}.phagocyte")] += 1.0
            elif self.kind == "carrier":
                w += model.observables[f"carrier_amount_{r}"].weights
            elif self.kind == "free":
                w[model.index(f"free:{r}")] += 1.0 / model.volumes_L[r]
            elif r == "plasma":
                w += model.observables["plasma_free" if self.kind == "released" else "plasma_total"].weights
            else:
                w += model.observables[f"tissue_released_{r}" if self.kind == "released" else f"tissue_{r}"].weights
        return w

    def from_forward(self, res: ForwardResult, key: str) -> np.ndarray:
        """Values (one per run) from a forward result whose output ``key`` holds :meth:`weights`."""
        if self.stat == "max":
            return res.observables[key].max(axis=1)
        a_t, a_inf = res.auc_t[key], res.auc_inf[key]
        return a_t if self.stat == "AUC0-T" else np.where(np.isfinite(a_inf), a_inf, a_t)

    def from_solution(self, sol: Solution) -> float:
        """The value for one solution (same formulas as :meth:`from_forward`)."""
        w = self.weights(sol.model)
        if self.stat == "max":  # the peak, also inside the first output step after a bolus (as the optimiser)
            from nanodds.analysis.peaks import peak_solution

            return float((peak_solution(sol).y @ w).max())
        auc_t = float(sol.cum_int[-1] @ w)
        nz = w != 0
        tail = float(sol.tail_int[nz] @ w[nz]) if np.all(np.isfinite(sol.tail_int[nz])) else np.inf
        return auc_t if self.stat == "AUC0-T" or not np.isfinite(tail) else auc_t + tail

    def metrics_json_path(self) -> str | None:
        """Where ``nanodds simulate`` reports the same number in ``metrics.json`` (None if it does not)."""
        if len(self.regions) != 1 or self.stat != "AUC" or self.kind not in ("total", "released"):
            return None
        r = self.regions[0]
        if r == "plasma":
            return None
        return f"tissues.{r}.{'released_auc' if self.kind == 'released' else 'auc'}_mg_h_per_L"


def parse_metric(text: object, field: str, model: Model) -> Metric:
    """Parse a metric phrase against a model of the scenario (for its organs and states)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, ALLOWED)
    phrase = " ".join(ALIASES.get(text.strip().lower(), text).split())
    words = phrase.split(" ")
    stat = STATS.get(words[-1].lower())
    kind = KINDS.get(" ".join(words[1:-1]).lower())
    if len(words) < 2 or stat is None or kind is None:
        raise InputError(field, text, ALLOWED)
    regions = tuple(r for r in words[0].lower().split("+"))
    organs = sorted(model.volumes_L)
    for r in regions:
        if r not in (*organs, "plasma"):
            raise InputError(field, text, f"a region among plasma, {', '.join(organs)}")
    m = Metric(str(text), regions, kind, stat)
    if len(regions) > 1 and not m.amount:
        raise InputError(field, text, "several regions (a+b) only for carrier amounts ('carrier', "
                                      "'phagocyte carrier'); concentrations of different organs do not add")
    if len(set(regions)) != len(regions):
        raise InputError(field, text, "each region once")
    if "plasma" in regions and kind not in ("total", "released"):
        raise InputError(field, text, "plasma with no kind (total drug) or 'released'")
    if m.amount and "plasma_carrier" not in model.observables:
        raise InputError(field, text, "a carrier metric for a scenario with a carrier")
    if kind == "phagocyte carrier":
        have = sorted(o for o in organs if f"carrier:{o}.phagocyte" in model.names)
        for r in regions:
            if r not in have:
                raise InputError(field, text, f"phagocytes of {', '.join(have)}")
    return m
