"""Simeoni et al. 2004 (Cancer Res 64:1094) tumour growth inhibition model, driven by the tumour's unbound drug.

Cycling cells ``x1`` grow exponentially (``lambda0``) then linearly (``lambda1``); drug moves them at rate
``k2 c(t)`` into three damage compartments that die with transit rate ``k1``::

    dx1/dt = lambda0 x1 / (1 + (lambda0 w / lambda1)^psi)^(1/psi) - k2 c(t) x1
    dx2/dt = k2 c(t) x1 - k1 x2,   dx3/dt = k1 (x2 - x3),   dx4/dt = k1 (x3 - x4),   w = x1 + x2 + x3 + x4

Time in days, tumour size in mL, ``c`` in mg/L (zero after the simulated PK window).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from nanodds.analysis.pd.params import SimeoniParams

__all__ = ["simulate_simeoni", "summarise_tgi"]


def simulate_simeoni(p: SimeoniParams, t_h: np.ndarray | None, conc_mg_per_L: np.ndarray | None,
                     w0_mL: float | None = None, n_out: int = 1001) -> tuple[np.ndarray, np.ndarray]:
    """Tumour size (mL) over ``[0, horizon]`` days; ``t_h``/``conc`` None for the untreated control."""
    w0 = float(w0_mL if w0_mL is not None else p.w0_mL)
    if t_h is None or conc_mg_per_L is None:
        t_d, c = np.array([0.0, 1.0]), np.zeros(2)
    else:
        t_d, c = np.asarray(t_h, dtype=float) / 24.0, np.clip(np.asarray(conc_mg_per_L, dtype=float), 0.0, None)

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        ci = float(np.interp(t, t_d, c, right=0.0))
        w = float(y.sum())
        growth = p.lambda0_per_day * y[0] / (1.0 + (p.lambda0_per_day * w / p.lambda1_mL_per_day) ** p.psi) \
            ** (1.0 / p.psi)
        kill = p.k2_L_per_mg_per_day * ci * y[0]
        return np.array([growth - kill, kill - p.k1_per_day * y[1], p.k1_per_day * (y[1] - y[2]),
                         p.k1_per_day * (y[2] - y[3])])

    t_out = np.linspace(0.0, p.horizon_day, n_out)
    sol = solve_ivp(rhs, (0.0, p.horizon_day), np.array([w0, 0.0, 0.0, 0.0]), t_eval=t_out, method="LSODA",
                    rtol=1e-8, atol=1e-12, max_step=0.05)
    if not sol.success:  # pragma: no cover
        raise RuntimeError(f"Simeoni model integration failed: {sol.message}")
    return sol.t, sol.y.sum(axis=0)


def summarise_tgi(t_day: np.ndarray, w_treated: np.ndarray, w_control: np.ndarray) -> dict[str, Any]:
    """Tumour growth inhibition at the horizon, ``TGI = 1 - (w_T - w0) / (w_C - w0)`` (%), and final sizes."""
    w0 = float(w_control[0])
    growth_c = float(w_control[-1] - w0)
    tgi = 100.0 * (1.0 - (float(w_treated[-1]) - w0) / growth_c) if growth_c > 0 else None
    return {"horizon_day": float(t_day[-1]), "final_size_mL": float(w_treated[-1]),
            "control_final_size_mL": float(w_control[-1]), "tgi_percent": tgi,
            "min_size_mL": float(w_treated.min())}
