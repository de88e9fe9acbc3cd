"""Release-rate design: which first-order release constant maximises the released drug in the tumour?

:func:`release_rate_sweep` re-runs a scenario with ``carrier.release = {model: first_order, rate_blood: k,
rate_tissue: k}`` for each k and reports the exposure of the tumour to released (free) drug, total tumour
drug, heart free drug and plasma total drug. Free-drug AUCs are read from the engine's state
``free:<organ>`` (amount, mg) divided by the organ volume (L), integrated exactly.

The design metric (``tumour_free_auc_mg_h_per_L``, whose maximum is the optimum) is the free-drug AUC over
the simulated window 0-T (the scenario's duration, e.g. one dosing interval): the time horizon over which
the released drug can act. ``tumour_free_auc_inf_mg_h_per_L`` (0-infinity, no further dose) is reported as
well; in this model it tends to grow as release slows, because carriers retained in the tumour (no tumour
lymph) are eventually digested by tumour macrophages, which frees their whole payload there, however late.

Reference for the optimum: Harashima H, Iida S, Urakami Y, Tsuchihashi M, Kiwada H. Optimization of
antitumor effect of liposomally encapsulated doxorubicin based on simulations by pharmacokinetic/
pharmacodynamic modeling. J Control Release 1999;61:93-106, doi:10.1016/S0168-3659(99)00110-X: for
long-circulating liposomal doxorubicin the release rate that maximises the tumour's free-drug exposure is
about 0.06 1/h. :data:`HARASHIMA_OPTIMUM_PER_H` holds that value for comparison only (nothing is tuned to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.peaks import peak_solution
from nanodds.errors import InputError
from nanodds.solve.solution import Solution
from nanodds.specs.scenario import Scenario
from nanodds.units import with_unit

__all__ = ["COLUMNS", "DEFAULT_RATES_PER_H", "HARASHIMA_OPTIMUM_PER_H", "free_auc_mg_h_per_L",
           "release_rate_sweep", "sweep_optimum", "with_first_order_release"]

HARASHIMA_OPTIMUM_PER_H = 0.06
"""Tumour-optimal release rate of long-circulating liposomal doxorubicin (Harashima et al. 1999), 1/h."""

DEFAULT_RATES_PER_H: tuple[float, ...] = (0.0, 0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.3, 1.0, 3.0, 10.0)

COLUMNS: tuple[str, ...] = (
    "rate_per_h", "tumour_free_auc_mg_h_per_L", "tumour_free_auc_inf_mg_h_per_L", "tumour_total_auc_mg_h_per_L",
    "heart_free_auc_mg_h_per_L", "plasma_total_auc_mg_h_per_L", "tumour_free_cmax_mg_per_L", "mass_balance_rel_error",
)


def free_auc_mg_h_per_L(sol: Solution, organ: str, to_infinity: bool = False) -> float:
    """Exact AUC (mg h/L) of free drug in ``organ``: ``free:<organ>`` amount / organ volume.

    AUC0-T over the solution's window; with ``to_infinity`` AUC0-inf (AUC0-T when the tail is infinite).
    """
    m = sol.model
    i = m.index(f"free:{organ}")
    v = m.volumes_L[organ]
    auc = float(sol.cum_int[-1, i])
    tail = float(sol.tail_int[i])
    return (auc + tail if to_infinity and math.isfinite(tail) else auc) / v


def with_first_order_release(scn: Scenario, rate_per_h: float) -> Scenario:
    """The scenario with a first-order carrier releasing at ``rate_per_h`` in blood and tissue (and tumour).

    Phagocytes keep the first-order default: no release beyond the digestion of the carrier.
    """
    if scn.carrier is None:
        raise InputError("carrier", None, "a nanoformulation (carrier) for a release-rate sweep")
    if not (rate_per_h >= 0 and math.isfinite(rate_per_h)):
        raise InputError("rates", rate_per_h, "release rates >= 0 (1/h)")
    release = {"model": "first_order", "rate_blood": with_unit(rate_per_h, "1/h"),
               "rate_tissue": with_unit(rate_per_h, "1/h")}
    carrier = replace(scn.carrier, release=release)
    return replace(scn, carrier=carrier, name=f"{scn.name} [release {rate_per_h:g} 1/h]")


def release_rate_sweep(scenario: Scenario, rates_per_h: Sequence[float] = DEFAULT_RATES_PER_H,
                       t_grid: np.ndarray | None = None) -> pd.DataFrame:
    """Simulate ``scenario`` once per first-order release rate and tabulate tumour/heart/plasma exposure.

    Parameters
    ----------
    scenario : Scenario
        A parsed scenario with a carrier and a tumour.
    rates_per_h : sequence of float
        Release constants k (1/h, >= 0), applied as ``rate_blood = rate_tissue = k``.
    t_grid : ndarray, optional
        Output times (h); the scenario's grid by default. AUCs are exact whatever the grid.

    Returns
    -------
    pandas.DataFrame
        One row per rate (sorted), columns :data:`COLUMNS`; AUCs over the simulated window 0-T unless named
        ``_inf``. ``df.attrs["optimum"]`` is
        :func:`sweep_optimum` of the table.
    """
    from nanodds.engine import simulate

    if "tumour" not in scenario.physiology.organs():
        raise InputError("tumour", None, "a scenario with a tumour for a release-rate sweep")
    rates = sorted({float(r) for r in rates_per_h})
    if not rates:
        raise InputError("rates", rates_per_h, "at least one release rate")
    rows: list[dict[str, float]] = []
    for k in rates:
        sol = simulate(with_first_order_release(scenario, k), t_grid)
        m = sol.model
        pk = peak_solution(sol)  # the free drug's tumour peak can lie inside the first output step after a bolus
        free_tumour = pk.y[:, m.index("free:tumour")] / m.volumes_L["tumour"]
        rows.append({
            "rate_per_h": k,
            "tumour_free_auc_mg_h_per_L": free_auc_mg_h_per_L(sol, "tumour"),
            "tumour_free_auc_inf_mg_h_per_L": free_auc_mg_h_per_L(sol, "tumour", to_infinity=True),
            "tumour_total_auc_mg_h_per_L": float(sol.observe_auc("tissue_tumour")[0]),
            "heart_free_auc_mg_h_per_L": free_auc_mg_h_per_L(sol, "heart"),
            "plasma_total_auc_mg_h_per_L": float(sol.observe_auc("plasma_total")[0]),
            "tumour_free_cmax_mg_per_L": float(free_tumour.max()),
            "mass_balance_rel_error": max(sol.mass_balance_rel_error().values()),
        })
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df.attrs["scenario"] = scenario.name
    df.attrs["optimum"] = sweep_optimum(df)
    return df


def sweep_optimum(df: pd.DataFrame, column: str = "tumour_free_auc_mg_h_per_L") -> dict[str, Any]:
    """The grid rate maximising ``column``, a log-parabolic refinement and its ratio to Harashima's 0.06 1/h.

    ``interior`` is False when the maximum sits on the first or last grid rate (the optimum may lie
    outside the grid); the refinement fits a parabola in log10(k) through the maximum and its two
    neighbours (positive rates only) and is None otherwise.
    """
    k = df["rate_per_h"].to_numpy(float)
    y = df[column].to_numpy(float)
    i = int(np.nanargmax(y))
    interior = 0 < i < len(k) - 1
    refined = None
    if interior and k[i - 1] > 0:
        x = np.log10(k[i - 1:i + 2])
        a, b, _ = np.polyfit(x, y[i - 1:i + 2], 2)
        if a < 0:
            refined = float(10 ** np.clip(-b / (2 * a), x[0], x[2]))
    best = refined if refined is not None else float(k[i])
    return {
        "metric": column,
        "rate_per_h": float(k[i]),
        "refined_rate_per_h": refined,
        "value": float(y[i]),
        "interior": bool(interior),
        "harashima_1999_rate_per_h": HARASHIMA_OPTIMUM_PER_H,
        "ratio_to_harashima": best / HARASHIMA_OPTIMUM_PER_H,
        "reference": "Harashima H et al. J Control Release 1999;61:93, doi:10.1016/S0168-3659(99)00110-X",
    }
