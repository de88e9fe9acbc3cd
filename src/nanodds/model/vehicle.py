"""Solubilising vehicle micelles in plasma (Cremophor EL of Taxol): reversible, plasma-confined drug trapping.

A surfactant vehicle given with the drug forms micelles in plasma that take up the drug reversibly and keep it
out of erythrocytes and tissues (Sparreboom et al. 1999, Cancer Res 59:1454). The micellar drug is one state,
``free:plasma.micelle``, exchanging with the venous blood pool ``free:venous_blood``:

* release ``k_r`` (1/h, fast); uptake ``k_f(t) = k_r * phi(t) * (1 - Hct) * V_blood / (BP * V_venous_blood)``,
  so that at equilibrium the micellar amount is ``phi(t)`` times the non-micellar plasma drug of the whole
  central plasma volume (``phi`` = micellar / non-micellar plasma concentration);
* ``phi(t) = K * C_v(t)``, linear in the vehicle concentration ``C_v`` (% v/v); ``K`` comes from the in-vitro
  drop of the blood:plasma ratio at a known vehicle concentration (:func:`micelle_ratio_per_percent`);
* ``C_v(t)`` follows the vehicle's own one-compartment kinetics (volume ``V_v``, first-order elimination),
  given with the drug at ``volume_per_mg_drug`` mL per mg, so it is known in closed form from the regimen.

The time-varying uptake enters as a piecewise-constant rate matrix (``Model.k_schedule``, breakpoints where
``phi`` has changed by at most ``max_rel_change``), so both solvers apply it exactly between breakpoints and mass
balance stays structural (every matrix has zero column sums). Micellar drug counts in total plasma drug
(``plasma_total``, ``plasma_free``) but not in unbound drug (``plasma_unbound`` = fu x non-micellar drug).
Micellar drug is not extracted by organs: release (4 min) is slower than an organ transit (seconds).

A scenario names its vehicle (``vehicle: cremophor_el``); :func:`nanodds.engine.build` applies :func:`with_vehicle`
to the built model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from nanodds.model.structure import Model, Observable
from nanodds.specs.drug import Drug
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import Physiology
from nanodds.specs.regimen import DoseEvent

MICELLE = "free:plasma.micelle"


@dataclass(frozen=True)
class Vehicle:
    """A micelle-forming vehicle in canonical units (mL, L, 1/h, % v/v)."""

    name: str
    volume_per_mg_drug_mL: float
    distribution_volume_L: float
    elimination_rate_per_h: float
    micelle_ratio_per_percent: float
    release_rate_per_h: float


def micelle_ratio_per_percent(bp_without: float, bp_with: float, conc_percent: float, hematocrit: float) -> float:
    """Micellar : non-micellar plasma drug ratio per % v/v vehicle, from blood:plasma ratios.

    Without vehicle ``BP0 = (1 - H) + H r`` (``r`` = erythrocyte : plasma concentration). Micelles leave the
    erythrocyte : non-micellar plasma ratio ``r`` unchanged and multiply total plasma drug by ``1 + phi``, so
    ``BP = (1 - H) + H r / (1 + phi)`` and ``phi = H r / (BP - (1 - H)) - 1``; divided by the concentration.
    """
    r = 1.0 + (bp_without - 1.0) / hematocrit
    excess = bp_with - (1.0 - hematocrit)
    if excess <= 0.0 or bp_with >= bp_without:
        raise ValueError(f"blood:plasma ratios {bp_without}, {bp_with} give no finite micellar ratio "
                         f"at hematocrit {hematocrit}")
    return (hematocrit * r / excess - 1.0) / conc_percent


def load_vehicle(name: str, hematocrit: float) -> Vehicle:
    """Load ``data/vehicles/<name>.yaml``; the micellar ratio is derived with the subject's hematocrit."""
    d = load_yaml(f"vehicles/{name}.yaml")
    cal = d["micelle_calibration"]
    ratio = micelle_ratio_per_percent(cal["blood_plasma_ratio_without"].to("1"), cal["blood_plasma_ratio_with"].to("1"),
                                      cal["vehicle_concentration"].to("percent"), hematocrit)
    return Vehicle(name=name, volume_per_mg_drug_mL=d["volume_per_mg_drug"].to("mL/mg"),
                   distribution_volume_L=d["distribution_volume"].to("L"),
                   elimination_rate_per_h=np.log(2.0) / d["half_life"].to("h"),
                   micelle_ratio_per_percent=ratio, release_rate_per_h=d["release_rate"].to("1/h"))


def vehicle_percent(v: Vehicle, events: Sequence[DoseEvent], t_h: np.ndarray | float) -> np.ndarray:
    """Plasma vehicle concentration (% v/v) at ``t_h``: one compartment, superposed infusions and boluses."""
    t = np.atleast_1d(np.asarray(t_h, dtype=float))
    k = v.elimination_rate_per_h
    amount_mL = np.zeros_like(t)
    for e in events:
        dose_mL = e.amount_mg * v.volume_per_mg_drug_mL
        s = t - e.start_h
        if e.duration_h > 0:
            rate = dose_mL / e.duration_h
            during = (s > 0) & (s <= e.duration_h)
            after = s > e.duration_h
            amount_mL[during] += rate / k * (1.0 - np.exp(-k * s[during]))
            amount_mL[after] += rate / k * (1.0 - np.exp(-k * e.duration_h)) * np.exp(-k * (s[after] - e.duration_h))
        else:
            amount_mL[s >= 0] += dose_mL * np.exp(-k * s[s >= 0])
    return amount_mL / (v.distribution_volume_L * 1000.0) * 100.0


def _breakpoints(v: Vehicle, events: Sequence[DoseEvent], t_end: float, max_rel_change: float) -> np.ndarray:
    """Segment starts: dose starts/ends, steps of ``max_rel_change`` of the vehicle's decay and infusion time."""
    pts = {0.0}
    step_decay = -np.log(1.0 - max_rel_change) / v.elimination_rate_per_h
    for e in events:
        pts.update((e.start_h, e.start_h + e.duration_h))
        if e.duration_h > 0:  # rising phase: at least 12 steps per infusion
            n = max(12, int(np.ceil(e.duration_h / step_decay)))
            pts.update(np.linspace(e.start_h, e.start_h + e.duration_h, n + 1).tolist())
    pts.update(np.arange(0.0, t_end, step_decay).tolist())
    return np.array(sorted(p for p in pts if 0.0 <= p < t_end))


def with_vehicle(model: Model, phys: Physiology, drug: Drug, v: Vehicle, events: Sequence[DoseEvent],
                 t_end_h: float, max_rel_change: float = 0.03) -> Model:
    """The model with a micellar plasma state whose uptake follows the vehicle concentration over time.

    Parameters
    ----------
    model : Model
        A built free-drug model (no carrier, no environment schedule).
    phys, drug : Physiology, Drug
        The subject and drug the model was built for (blood pools, hematocrit, B:P).
    v : Vehicle
    events : sequence of DoseEvent
        The regimen: the vehicle is given with every dose, ``volume_per_mg_drug`` mL per mg.
    t_end_h : float
        Last simulated time (h); the rate matrix is held after it (tails, AUC extrapolation).
    max_rel_change : float
        Largest relative change of the vehicle concentration within one constant-rate segment while it decays.
    """
    if model.k_schedule:
        raise ValueError("with_vehicle needs a model without a rate schedule (no hyperthermia windows)")
    if MICELLE in model.names:
        raise ValueError("the model already has a vehicle")
    n = model.n
    names = (*model.names, MICELLE)
    i_ven, i_mic = model.index("free:venous_blood"), n
    v_blood = phys.blood_volume_L
    v_ven = v_blood * phys.venous_fraction
    v_plasma = v_blood * (1.0 - phys.hematocrit)
    # uptake rate per unit phi (1/h): k_r * (1 - Hct) * V_blood / (BP * V_venous_blood)
    k_f_per_phi = v.release_rate_per_h * v_plasma / (drug.blood_plasma_ratio * v_ven)

    def matrix(phi: float) -> np.ndarray:
        K = np.zeros((n + 1, n + 1))
        K[:n, :n] = model.K
        k_f = k_f_per_phi * phi
        K[i_mic, i_ven] += k_f
        K[i_ven, i_ven] -= k_f
        K[i_ven, i_mic] += v.release_rate_per_h
        K[i_mic, i_mic] -= v.release_rate_per_h
        return K

    starts = _breakpoints(v, events, t_end_h, max_rel_change)
    ends = np.append(starts[1:], t_end_h)
    # segment average of phi (Simpson's rule on the closed-form vehicle curve)
    mids = 0.5 * (starts + ends)
    c = (vehicle_percent(v, events, starts) + 4.0 * vehicle_percent(v, events, mids)
         + vehicle_percent(v, events, ends)) / 6.0
    phis = v.micelle_ratio_per_percent * c
    mats = [matrix(float(p)) for p in phis]
    schedule = tuple((float(t0), K) for t0, K in zip(starts[1:], mats[1:], strict=True))

    def grow(w: np.ndarray, extra: float = 0.0) -> np.ndarray:
        return np.append(w, extra)

    obs = {k: Observable(grow(o.weights), o.unit, o.label) for k, o in model.observables.items()}
    for key in ("plasma_total", "plasma_free"):
        o = model.observables[key]
        obs[key] = Observable(grow(o.weights, 1.0 / v_plasma), o.unit, o.label)
    obs["plasma_micelle"] = Observable(grow(np.zeros(n), 1.0 / v_plasma), "mg/L",
                                       f"Plasma drug in {v.name} micelles [mg/L]")
    groups = {g: np.append(mask, g == "drug") for g, mask in model.groups.items()}
    meta = dict(model.meta)
    meta.pop("K_parts", None)  # the per-process split of the base matrix no longer adds up to K(t)
    meta.update({"vehicle": v.name, "vehicle_phi_segments": (starts, phis)})
    return replace(model, names=names, K=mats[0], dose_vector=grow(model.dose_vector), groups=groups,
                   observables=obs, k_schedule=schedule, meta=meta)
