"""Mouse whole-body nanoparticle PBPK with a tumour, the structure of the AI-assisted PBPK of Chou et al. 2023.

Chou WC et al. 2023 J Control Release 361:53 (doi:10.1016/j.jconrel.2023.07.040), equations read from the
authors' published model code: arterial and venous plasma; lung, brain, muscle, rest of body, kidney, spleen,
liver and tumour, each a capillary-blood and a tissue sub-compartment exchanging by a permeability-area product
(``PA = PA_coefficient x organ flow``; lung: x cardiac output) with a tissue:plasma partition coefficient; a
phagocytic (RES) pool fed by a Hill function of time, ``K_up(t) = K_max t^n / (t50^n + t^n)``, with a first-order
release (liver: uptake from the capillary blood; others: from the tissue; no RES in brain). Spleen outflow goes
to the liver blood, whose outflow to the veins is the hepatic-artery flow (as in the code). Urinary clearance
from kidney blood, biliary from liver tissue. Dose: IV bolus into venous plasma (the code: 0.005 h infusion).

Body parameters: ``data/design/chou2023_mouse_pbpk.yaml``. Tumour parameters per particle and study:
``QTC, VTC, BVT, PT, PATC, KTRESmax, KTRES50, KTRESn, KTRESrelease`` (names and units of the Nano-Tumor DB).
The system is linear with time-varying uptake rates; amounts in mg, volumes in L, flows in L/h, time in h.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

__all__ = ["TUMOUR_PARAMS", "MouseNanoPBPK", "body_parameters", "tumour_time_course"]

TUMOUR_PARAMS: tuple[str, ...] = ("KTRESrelease", "KTRESmax", "KTRES50", "KTRESn", "QTC", "VTC", "BVT", "PT",
                                  "PATC")
ORGANS: tuple[str, ...] = ("lung", "brain", "muscle", "rest", "kidney", "spleen", "liver", "tumour")
SINKS: tuple[str, ...] = ("urine", "bile")


@lru_cache(maxsize=1)
def body_parameters() -> dict[str, Any]:
    """Body parameters in canonical units (L/h/kg^0.75, L/kg, 1, 1/h, h) from the data file."""
    from nanodds.specs.params import load_yaml

    raw = load_yaml("design/chou2023_mouse_pbpk.yaml")
    organs = {o: {k: p.value for k, p in v.items()} for o, v in raw["organs"].items()}
    top = {k: v.value for k, v in raw.items() if k != "organs"}
    return {**top, "organs": organs}


def _state_names() -> list[str]:
    names = ["arterial", "venous"]
    for o in ORGANS:
        names += [f"{o}.blood", f"{o}.tissue"] + ([] if o == "brain" else [f"{o}.res"])
    return [*names, *SINKS]


@dataclass(frozen=True, eq=False)
class MouseNanoPBPK:
    """The assembled linear system ``dA/dt = (M0 + sum_k K_k(t) E_k) A`` for one mouse and one tumour.

    Parameters
    ----------
    bw_kg : float
        Body weight (kg).
    tumour : dict
        The nine tumour parameters (:data:`TUMOUR_PARAMS`), Nano-Tumor DB units.
    body : dict, optional
        Body parameters in the form of :func:`body_parameters` (default: the data file).
    """

    bw_kg: float
    tumour: dict[str, float]
    body: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        missing = [k for k in TUMOUR_PARAMS if k not in self.tumour]
        if missing:
            raise KeyError(f"tumour parameters missing: {', '.join(missing)}")
        names = _state_names()
        idx = {n: i for i, n in enumerate(names)}
        b = self.body if self.body is not None else body_parameters()
        org = {o: dict(v) for o, v in b["organs"].items()}
        t = self.tumour
        org["tumour"] = {"flow_fraction": t["QTC"], "volume_fraction": t["VTC"], "vascular_fraction": t["BVT"],
                         "partition": t["PT"], "pa_coefficient": t["PATC"], "res_max": t["KTRESmax"],
                         "res_t50": t["KTRES50"], "res_n": t["KTRESn"], "res_release": t["KTRESrelease"]}
        systemic = [o for o in ORGANS if o not in ("lung", "rest")]
        org["rest"]["flow_fraction"] = 1.0 - sum(org[o]["flow_fraction"] for o in systemic)
        org["rest"]["volume_fraction"] = 1.0 - b["plasma_volume_fraction"] - sum(
            org[o]["volume_fraction"] for o in ORGANS if o != "rest")
        if org["rest"]["flow_fraction"] <= 0 or org["rest"]["volume_fraction"] <= 0:
            raise ValueError("tumour flow or volume fraction leaves no rest of body")
        bw = self.bw_kg
        qc = b["cardiac_output_coefficient"] * bw ** 0.75
        v_plasma = b["plasma_volume_fraction"] * bw
        v_art = v_plasma * b["arterial_share_of_plasma"]
        v_ven = v_plasma - v_art
        n = len(names)
        m0 = np.zeros((n, n))

        def move(rate: float, src: str, dst: str) -> None:  # first-order transfer src -> dst (rate 1/h)
            m0[idx[src], idx[src]] -= rate
            m0[idx[dst], idx[src]] += rate

        hills = []
        for o in ORGANS:
            p = org[o]
            q = qc * p["flow_fraction"]
            vol = bw * p["volume_fraction"]
            vb = vol * p["vascular_fraction"]
            vt = vol - vb
            pa = p["pa_coefficient"] * (qc if o == "lung" else q)
            blood, tissue = f"{o}.blood", f"{o}.tissue"
            if o == "lung":
                move(qc / v_ven, "venous", blood)
                move(qc / vb, blood, "arterial")
            else:
                move(q / v_art, "arterial", blood)
                move(q / vb, blood, "liver.blood" if o == "spleen" else "venous")
            move(pa / vb, blood, tissue)
            move(pa / (vt * p["partition"]), tissue, blood)
            if o != "brain":
                src = blood if o == "liver" else tissue
                hills.append((p["res_max"], p["res_t50"], p["res_n"], idx[src], idx[f"{o}.res"]))
                move(p["res_release"], f"{o}.res", src)
            if o == "kidney":
                move(b["urine_clearance_coefficient"] * bw ** 0.75 / vb, blood, "urine")
            if o == "liver":
                move(b["bile_clearance_coefficient"] * bw ** 0.75 / vt, tissue, "bile")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "index", idx)
        object.__setattr__(self, "m0", m0)
        object.__setattr__(self, "hills", tuple(hills))

    def matrix(self, t_h: float) -> np.ndarray:
        """System matrix at time ``t_h`` (h)."""
        m = self.m0.copy()
        tt = max(t_h, 0.0)
        for kmax, t50, n, src, dst in self.hills:
            k = kmax * tt ** n / (t50 ** n + tt ** n) if tt > 0 else 0.0
            m[src, src] -= k
            m[dst, src] += k
        return m

    def simulate(self, dose_mg: float, times_h: np.ndarray) -> np.ndarray:
        """Amounts (mg) of every state at ``times_h`` (h) after an IV bolus, shape (len(times_h), n_states)."""
        times = np.asarray(times_h, dtype=float)
        y0 = np.zeros(len(self.names))
        y0[self.index["venous"]] = dose_mg
        sol = solve_ivp(lambda t, y: self.matrix(t) @ y, (0.0, float(times.max())), y0, method="LSODA",
                        t_eval=times, jac=lambda t, y: self.matrix(t), rtol=1e-8, atol=1e-14 * max(dose_mg, 1.0))
        if not sol.success:
            raise RuntimeError(f"tumour PBPK integration failed: {sol.message}")
        return sol.y.T

    def tumour_percent_dose(self, times_h: np.ndarray) -> np.ndarray:
        """Tumour amount (blood + tissue + RES), % of the injected dose, at ``times_h`` (h)."""
        y = self.simulate(100.0, times_h)
        cols = [self.index[f"tumour.{s}"] for s in ("blood", "tissue", "res")]
        return y[:, cols].sum(axis=1)


def tumour_time_course(tumour: dict[str, float], bw_g: float, times_h: np.ndarray) -> np.ndarray:
    """% of injected dose in the tumour at ``times_h`` (h) for one particle/tumour (linear: dose-independent).

    Parameters
    ----------
    tumour : dict
        The nine tumour parameters (:data:`TUMOUR_PARAMS`, Nano-Tumor DB units).
    bw_g : float
        Body weight (g), the ``BW`` column of the database.
    times_h : array_like
        Output times (h), increasing, > 0.
    """
    return MouseNanoPBPK(bw_g / 1000.0, dict(tumour)).tumour_percent_dose(np.asarray(times_h, dtype=float))
