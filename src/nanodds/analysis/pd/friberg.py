"""Friberg et al. 2002 (J Clin Oncol 20:4713) semi-mechanistic myelosuppression model.

States (relative to baseline, dimensionless): proliferating pool ``P``, transit ``T1..Tn``, circulating ``C``::

    dP/dt  = ktr P (1 - E(t)) (1 / C)^gamma - ktr P        E(t) = slope * c(t)
    dT1/dt = ktr (P - T1),  dTi/dt = ktr (T(i-1) - Ti),  dC/dt = ktr (Tn - C),   ktr = (n + 1) / MTT

all equal to 1 at baseline (the analytic steady state without drug). ``c(t)`` (mg/L) is the driving
concentration, here the unbound released drug in bone marrow (or plasma), linearly interpolated between output
times and zero after the simulated window.

The drug effect is linear and **unbounded**, as in Friberg 2002 (the DDMORE encoding of its paclitaxel fit,
DDMODEL00000186, has ``1 - SLOPU * Cc`` with no cap): ``E > 1`` makes the proliferation term negative, i.e. the
drug kills proliferating cells faster than they divide (a cytotoxic, not only cytostatic, effect). During a pulse
short against the maturation time, ``ln P`` falls by ``ktr * slope * AUC``: the nadir follows the exposure, not the
peak. (Capping ``E`` at 1, as this module did before, made a drug at most cytostatic and discarded every
concentration above ``1 / slope``, which favoured long low exposures over short high ones.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from nanodds.analysis.pd.params import FribergParams

__all__ = ["simulate_friberg", "summarise_friberg"]


def simulate_friberg(p: FribergParams, t_h: np.ndarray, conc_mg_per_L: np.ndarray,
                     t_end_h: float | None = None, n_out: int = 2001) -> tuple[np.ndarray, np.ndarray]:
    """Circulating neutrophils relative to baseline over ``[0, t_end_h]``.

    Parameters
    ----------
    p : FribergParams
    t_h, conc_mg_per_L : ndarray
        Driving concentration time course (h, mg/L).
    t_end_h : float, optional
        End of the PD simulation (h); default 3x the maturation time after the last concentration sample.

    Returns
    -------
    (t_h, relative_count) : ndarray, ndarray
    """
    t_h = np.asarray(t_h, dtype=float)
    c = np.clip(np.asarray(conc_mg_per_L, dtype=float), 0.0, None)
    end = float(t_end_h if t_end_h is not None else t_h[-1] + 3.0 * p.mtt_h)
    ktr = (p.n_transit + 1) / p.mtt_h

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        ci = float(np.interp(t, t_h, c, right=0.0))
        e = p.slope_L_per_mg * ci
        circ = max(y[-1], 1e-12)
        dy = np.empty_like(y)
        dy[0] = ktr * y[0] * (1.0 - e) * circ ** (-p.gamma) - ktr * y[0]
        dy[1:] = ktr * (y[:-1] - y[1:])
        return dy

    t_out = np.linspace(0.0, end, n_out)
    sol = solve_ivp(rhs, (0.0, end), np.ones(p.n_transit + 2), t_eval=t_out, method="LSODA",
                    rtol=1e-8, atol=1e-10, max_step=max(min(np.diff(t_h).min(initial=1.0) * 4, 2.0), 0.05))
    if not sol.success:  # pragma: no cover - LSODA on this smooth system
        raise RuntimeError(f"Friberg model integration failed: {sol.message}")
    return sol.t, sol.y[-1]


def summarise_friberg(p: FribergParams, t_h: np.ndarray, rel: np.ndarray) -> dict[str, Any]:
    """Nadir (relative and absolute), its time, and time below 50% of baseline."""
    i = int(np.argmin(rel))
    below = rel < 0.5
    dt = np.diff(t_h, prepend=t_h[0])
    return {"nadir_relative": float(rel[i]), "nadir_cells_per_L": float(rel[i] * p.circ0_per_L),
            "nadir_time_h": float(t_h[i]), "nadir_time_day": float(t_h[i] / 24.0),
            "hours_below_half_baseline": float(np.sum(dt[below])),
            "nadir_at_end_of_window": bool(i == len(rel) - 1)}
