"""Skin of the palms and soles: a satellite of the PBPK skin where PEG-liposomes extravasate (hand-foot proxy).

The whole-body skin of the PBPK model has continuous capillaries (pore 5 nm, ``carriers/<species>.yaml``), so an
85-100 nm liposome never leaves its vessels there. PEGylated liposomes do extravasate in the skin of the feet of
mice, through leaky microvessels (Li Y et al. ACS Nano 2022;16:6349, doi:10.1021/acsnano.2c00423), and are taken
up by extravascular dermal cells within hours (Griffin JI et al. ACS Nano 2017, "Revealing dynamics of
accumulation of systemically injected liposomes in the skin by intravital microscopy"; abstracts read).
Per litre of palm/sole skin (perfused like average skin)::

    dEi/dt = kex Cenc(t) - (krel + klymph + kup) Ei      liposomal drug in the interstitium (mg/L)
    dEp/dt = kup Ei - kdig Ep                            liposomal drug in dermal macrophages (mg/L)
    dCx/dt = krel Ei + kdig Ep - kout Cx                  drug released there (exchangeable, mg/L)

with ``Cenc`` the plasma encapsulated drug, ``kex`` the carrier file's tumour extravasation coefficient x the
skin plasma flow per volume (x a multiplier), ``kup`` its tumour-macrophage uptake rate (x a multiplier), ``kdig``
its phagocyte digestion rate, ``klymph`` its lymph flow fraction x plasma flow per volume, ``krel`` the carrier's
tissue release rate and ``kout = (Q / V) BP / Kp`` the perfusion-limited exit of released drug. The locally
released drug adds ``fu / Kp Cx`` to the skin's unbound drug. The satellite is a read-out: palms and soles are a
small part of the skin and their uptake is not subtracted from the body (assumption). DNA binding is left out of
``Cx``: it delays the unbound drug but does not change its AUC once the released drug has left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from nanodds.model.assemble import default_environments
from nanodds.model.release_coupling import release_rate_per_h
from nanodds.solve.solution import Solution
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import Scenario, environments_for

__all__ = ["ExtremitySkinParams", "extremity_skin_unbound", "satellite_rates_per_h"]

SKIN = "skin"


@dataclass(frozen=True)
class ExtremitySkinParams:
    """Multipliers (dimensionless) on the carrier file's tumour extravasation and tumour-macrophage uptake."""

    extravasation_multiplier: float
    macrophage_uptake_multiplier: float


def satellite_rates_per_h(scn: Scenario, p: ExtremitySkinParams) -> dict[str, float]:
    """The satellite's rate constants (1/h) for a scenario with a carrier."""
    assert scn.carrier is not None
    phys, drug = scn.physiology, scn.drug
    kin = load_yaml(f"carriers/{phys.species}.yaml")
    v_L = phys.volume_L[SKIN]
    q_blood = phys.flow_L_per_h[SKIN] / v_L
    q_plasma = q_blood * (1.0 - phys.hematocrit)
    envs = environments_for(scn, default_environments())
    return {"kex": kin["tumour_extravasation_coefficient"].to("1") * q_plasma * p.extravasation_multiplier,
            "kup": kin["tumour_macrophage_uptake_rate"].to("1/h") * p.macrophage_uptake_multiplier,
            "kdig": kin["pc_degradation_rate"].to("1/h"),
            "klymph": kin["lymph_flow_fraction"].to("1") * q_plasma,
            "krel": release_rate_per_h(scn.carrier.release, "tissue", envs["tissue"]),
            "kout": q_blood * drug.blood_plasma_ratio / drug.kp[SKIN]}


def extremity_skin_unbound(scn: Scenario, sol: Solution, p: ExtremitySkinParams) -> np.ndarray:
    """Unbound drug in palm/sole skin water (mg/L) at ``sol.times_h``: the PBPK skin's unbound drug plus the drug
    released from liposomes that extravasated there (nothing added without a carrier)."""
    base = sol.observe(f"tissue_unbound_{SKIN}")
    if scn.carrier is None:
        return base
    r = satellite_rates_per_h(scn, p)
    t = sol.times_h
    enc = np.clip(sol.observe("plasma_encapsulated"), 0.0, None)
    loss_i = r["krel"] + r["klymph"] + r["kup"]

    def rhs(tt: float, y: np.ndarray) -> np.ndarray:
        ce = float(np.interp(tt, t, enc))
        return np.array([r["kex"] * ce - loss_i * y[0], r["kup"] * y[0] - r["kdig"] * y[1],
                         r["krel"] * y[0] + r["kdig"] * y[1] - r["kout"] * y[2]])

    sol_s = solve_ivp(rhs, (float(t[0]), float(t[-1])), np.zeros(3), t_eval=t, method="LSODA", rtol=1e-8,
                      atol=1e-12, max_step=max(float(np.diff(t).min(initial=1.0)) * 4, 0.05))
    if not sol_s.success:  # pragma: no cover - LSODA on this linear system
        raise RuntimeError(f"extremity-skin satellite integration failed: {sol_s.message}")
    return base + scn.drug.fraction_unbound / scn.drug.kp[SKIN] * sol_s.y[2]
