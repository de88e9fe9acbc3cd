"""Anthracycline cardiotoxicity: cumulative dose against the 450-550 mg/m^2 limits, scaled by heart exposure.

The clinical limits are doses of conventional doxorubicin. A nanoformulation's dose is converted to a
*cardio-equivalent* conventional dose with the ratio of released drug AUC in the heart per mg (nano / conventional):
the assumption that cardiac injury follows the released (cell-bound + unbound) drug in the heart. The CHF risk at
the cumulative cardio-equivalent dose is interpolated (linearly in dose) between the Swain et al. 2003 points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanodds.analysis.pd.params import CardioParams

__all__ = ["cardio_summary", "chf_risk_percent"]


def chf_risk_percent(p: CardioParams, cumulative_mg_per_m2: float) -> float:
    """Estimated cumulative % with CHF at a cumulative conventional-doxorubicin dose (0 at 0, flat above the last
    tabulated point)."""
    x = np.concatenate([[0.0], p.risk_dose_mg_per_m2])
    y = np.concatenate([[0.0], p.risk_percent])
    return float(np.interp(cumulative_mg_per_m2, x, y))


def cardio_summary(p: CardioParams, dose_per_cycle_mg_per_m2: float, heart_exposure_ratio: float,
                   cycles: int) -> dict[str, Any]:
    """Cardio-equivalent cumulative dose over ``cycles``, cycles to each limit, CHF risk.

    Parameters
    ----------
    dose_per_cycle_mg_per_m2 : float
        Administered dose per cycle (mg/m^2).
    heart_exposure_ratio : float
        Released-drug heart AUC per mg of this formulation / that of conventional drug (1 for the conventional arm).
    cycles : int
    """
    eq = dose_per_cycle_mg_per_m2 * heart_exposure_ratio
    cum = eq * cycles
    out: dict[str, Any] = {"dose_per_cycle_mg_per_m2": dose_per_cycle_mg_per_m2,
                           "heart_exposure_ratio": heart_exposure_ratio,
                           "cardio_equivalent_per_cycle_mg_per_m2": eq, "cycles": cycles,
                           "cumulative_cardio_equivalent_mg_per_m2": cum,
                           "chf_risk_percent": chf_risk_percent(p, cum),
                           "limit_low_mg_per_m2": p.limit_low_mg_per_m2, "limit_high_mg_per_m2": p.limit_high_mg_per_m2}
    for key, lim in (("cycles_to_limit_low", p.limit_low_mg_per_m2), ("cycles_to_limit_high", p.limit_high_mg_per_m2)):
        out[key] = lim / eq if eq > 0 else None
    return out
