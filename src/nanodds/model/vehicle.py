"""Solubilising vehicle micelles in plasma (Cremophor EL of Taxol): reversible drug trapping that circulates.

A surfactant vehicle given with the drug forms micelles in plasma that take up the drug reversibly and keep it
out of erythrocytes and tissues (Sparreboom et al. 1999, Cancer Res 59:1454). The micelles are too large to leave
the blood (Cremophor EL Vss ~ central blood volume, Meerum Terwogt 2000), so micellar drug travels with the
plasma through every organ's vascular space and exchanges there with the organ's non-micellar drug; drug
released from micelles while blood passes the liver is extracted like any other free drug.

States (one per blood space ``j``): ``free:<j>.micelle`` for ``j`` = ``venous_blood``, ``arterial_blood`` and
every organ. Micellar drug moves with the plasma flow, in the same plasma pools and vascular plasma volumes as
carrier-bound drug (:mod:`nanodds.model.carrier`): venous -> lung -> arterial -> organs -> (portal organs ->
liver) -> venous. In each space it exchanges with the space's free-drug state ``free:<j>``:

* release ``k_r`` (1/h); uptake ``k_f,j(t) = k_r * phi(t) * a_j``, where ``a_j`` turns the free state's amount
  into the non-micellar plasma drug of the space's plasma volume ``Vp_j``:

  - blood pools: ``C_p = A / (V_pool * BP)`` and ``Vp = V_pool (1 - Hct)`` so ``a = (1 - Hct) / BP``;
  - organs (well-stirred tissue + residual blood, plasma concentration ``A / (V Kp)``):
    ``Vp = V f_vasc (1 - Hct)`` so ``a = f_vasc (1 - Hct) / Kp``;

  so that at equilibrium each space holds ``phi(t)`` times its non-micellar plasma drug in micelles (``phi`` =
  micellar / non-micellar plasma concentration, the same everywhere in plasma);
* ``phi(t) = K * C_v(t)``, linear in the vehicle concentration ``C_v`` (% v/v); ``K`` comes from the in-vitro
  drop of the blood:plasma ratio at a known vehicle concentration (:func:`micelle_ratio_per_percent`);
* ``C_v(t)`` follows the vehicle's own one-compartment kinetics (volume ``V_v``, first-order elimination),
  given with the drug at ``volume_per_mg_drug`` mL per mg, so it is known in closed form from the regimen. The
  elimination rate of each dose depends on its infusion duration (Cremophor EL clearance rises with the infusion
  duration in patients, van Tellingen 1999): log-log interpolation of the tabulated half-lives
  (:meth:`Vehicle.elimination_rate`), linear superposition of the doses.

With ``k_r`` fast against an organ transit (data file: release within a second), micelles are in equilibrium
with the free drug of each space, and the liver's well-stirred extraction acts on the non-micellar drug: the
micelles lower hepatic clearance of total drug roughly as they lower the unbound fraction, instead of hiding
the micellar drug from the liver. Organ volumes include their residual blood, and the central pools hold the
whole blood volume (:func:`nanodds.model.free_drug.blood_pools_L`), so micellar drug is counted in both, as free
drug is.

The time-varying uptake enters as a piecewise-constant rate matrix (``Model.k_schedule``, breakpoints where
``phi`` has changed by at most ``max_rel_change``), so both solvers apply it exactly between breakpoints and mass
balance stays structural (every transfer leaves one state and enters another: zero column sums). Micellar drug
counts in total plasma drug (``plasma_total``, ``plasma_free``, venous plasma) and in the organ totals, but not
in unbound drug (``plasma_unbound`` = fu x non-micellar drug).

A scenario names its vehicle (``vehicle: cremophor_el``); :func:`nanodds.engine.build` applies :func:`with_vehicle`
to the built model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from nanodds.model.free_drug import blood_pools_L, liver_blood_flow_L_per_h, phys_flow, phys_fraction, phys_volume
from nanodds.model.structure import Model, Observable
from nanodds.specs.drug import Drug
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import PORTAL_ORGANS, Physiology
from nanodds.specs.regimen import DoseEvent


def micelle(space: str) -> str:
    """State name of micellar drug in a blood space (``venous_blood``, ``arterial_blood`` or an organ)."""
    return f"free:{space}.micelle"


MICELLE = micelle("venous_blood")
"""The sampled (venous plasma) micellar state."""


@dataclass(frozen=True)
class Vehicle:
    """A micelle-forming vehicle in canonical units (mL, L, 1/h, % v/v)."""

    name: str
    volume_per_mg_drug_mL: float
    distribution_volume_L: float
    elimination_points: tuple[tuple[float, float], ...]  # (infusion duration h, elimination rate 1/h), sorted
    micelle_ratio_per_percent: float
    release_rate_per_h: float

    def elimination_rate(self, infusion_h: float) -> float:
        """Elimination rate (1/h) of a dose infused over ``infusion_h`` hours.

        Log-log interpolation between the tabulated infusion durations; outside them (boluses and infusions
        shorter than the first, longer than the last) the end point's rate.
        """
        d = np.array([p[0] for p in self.elimination_points])
        k = np.array([p[1] for p in self.elimination_points])
        x = np.log(np.clip(infusion_h, d[0], d[-1]))
        return float(np.exp(np.interp(x, np.log(d), np.log(k))))


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
    points = sorted((p["infusion_duration"].to("h"), float(np.log(2.0) / p["half_life"].to("h")))
                    for p in d["elimination_by_infusion"].values())
    return Vehicle(name=name, volume_per_mg_drug_mL=d["volume_per_mg_drug"].to("mL/mg"),
                   distribution_volume_L=d["distribution_volume"].to("L"),
                   elimination_points=tuple(points),
                   micelle_ratio_per_percent=ratio, release_rate_per_h=d["release_rate"].to("1/h"))


def vehicle_percent(v: Vehicle, events: Sequence[DoseEvent], t_h: np.ndarray | float) -> np.ndarray:
    """Plasma vehicle concentration (% v/v) at ``t_h``: one compartment, superposed infusions and boluses.

    Each dose is eliminated at the rate of its own infusion duration (:meth:`Vehicle.elimination_rate`).
    """
    t = np.atleast_1d(np.asarray(t_h, dtype=float))
    amount_mL = np.zeros_like(t)
    for e in events:
        k = v.elimination_rate(e.duration_h)
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
    k_max = max((v.elimination_rate(e.duration_h) for e in events), default=v.elimination_points[0][1])
    step_decay = -np.log(1.0 - max_rel_change) / k_max
    for e in events:
        pts.update((e.start_h, e.start_h + e.duration_h))
        if e.duration_h > 0:  # rising phase: at least 12 steps per infusion
            n = max(12, int(np.ceil(e.duration_h / step_decay)))
            pts.update(np.linspace(e.start_h, e.start_h + e.duration_h, n + 1).tolist())
    pts.update(np.arange(0.0, t_end, step_decay).tolist())
    return np.array(sorted(p for p in pts if 0.0 <= p < t_end))


@dataclass(frozen=True)
class _Spaces:
    """Blood spaces of the micelles: plasma volume (L), uptake factor ``a_j`` and outgoing plasma flows."""

    plasma_L: dict[str, float]
    uptake_factor: dict[str, float]
    flows: tuple[tuple[str, str, float], ...]  # (from space, to space, plasma flow L/h)


def blood_spaces(phys: Physiology, drug: Drug) -> _Spaces:
    """Plasma volumes, uptake factors and plasma flows of the venous and arterial pools and every organ."""
    hct = phys.hematocrit
    v_ven, v_art = blood_pools_L(phys)
    bp = drug.blood_plasma_ratio
    plasma = {"venous_blood": v_ven * (1 - hct), "arterial_blood": v_art * (1 - hct)}
    factor = {"venous_blood": (1 - hct) / bp, "arterial_blood": (1 - hct) / bp}
    co_p = phys.cardiac_output_L_per_h * (1 - hct)
    flows: list[tuple[str, str, float]] = [("venous_blood", "lung", co_p), ("lung", "arterial_blood", co_p)]
    for o in phys.organs():
        f_vas = phys_fraction(phys, o, "vascular")
        plasma[o] = phys_volume(phys, o) * f_vas * (1 - hct)
        factor[o] = f_vas * (1 - hct) / drug.kp[o]
        if o == "lung":
            continue
        qp = phys_flow(phys, o) * (1 - hct)
        flows.append(("arterial_blood", o, qp))
        if o in PORTAL_ORGANS:
            flows.append((o, "liver", qp))
        elif o == "liver":
            flows.append((o, "venous_blood", liver_blood_flow_L_per_h(phys) * (1 - hct)))
        else:
            flows.append((o, "venous_blood", qp))
    return _Spaces(plasma, factor, tuple(flows))


def with_vehicle(model: Model, phys: Physiology, drug: Drug, v: Vehicle, events: Sequence[DoseEvent],
                 t_end_h: float, max_rel_change: float = 0.03) -> Model:
    """The model with circulating micellar drug whose uptake follows the vehicle concentration over time.

    Parameters
    ----------
    model : Model
        A built free-drug model (no environment schedule).
    phys, drug : Physiology, Drug
        The subject and drug the model was built for (blood pools, organ vascular fractions, Kp, B:P).
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
    sp = blood_spaces(phys, drug)
    spaces = tuple(sp.plasma_L)
    n, m = model.n, len(spaces)
    names = (*model.names, *(micelle(s) for s in spaces))
    mic = {s: n + i for i, s in enumerate(spaces)}
    fre = {s: model.index(f"free:{s}") for s in spaces}

    def transfer(K: np.ndarray, src: int, dst: int, k: float) -> None:
        K[dst, src] += k
        K[src, src] -= k

    base = np.zeros((n + m, n + m))
    base[:n, :n] = model.K
    for a, b, q in sp.flows:  # micelles move with the plasma
        transfer(base, mic[a], mic[b], q / sp.plasma_L[a])
    for s in spaces:
        transfer(base, mic[s], fre[s], v.release_rate_per_h)
    uptake = np.zeros_like(base)  # per unit phi
    for s in spaces:
        transfer(uptake, fre[s], mic[s], v.release_rate_per_h * sp.uptake_factor[s])

    starts = _breakpoints(v, events, t_end_h, max_rel_change)
    ends = np.append(starts[1:], t_end_h)
    # segment average of phi (Simpson's rule on the closed-form vehicle curve)
    mids = 0.5 * (starts + ends)
    c = (vehicle_percent(v, events, starts) + 4.0 * vehicle_percent(v, events, mids)
         + vehicle_percent(v, events, ends)) / 6.0
    phis = v.micelle_ratio_per_percent * c
    mats = [base + float(p) * uptake for p in phis]
    schedule = tuple((float(t0), K) for t0, K in zip(starts[1:], mats[1:], strict=True))

    def grow(w: np.ndarray, extra: dict[str, float] | None = None) -> np.ndarray:
        out = np.append(w, np.zeros(m))
        for s, c_ in (extra or {}).items():
            out[mic[s]] += c_
        return out

    obs = {k: Observable(grow(o.weights), o.unit, o.label) for k, o in model.observables.items()}
    in_venous_plasma = {"venous_blood": 1.0 / sp.plasma_L["venous_blood"]}
    for key in ("plasma_total", "plasma_free"):
        o = model.observables[key]
        obs[key] = Observable(grow(o.weights, in_venous_plasma), o.unit, o.label)
    obs["plasma_micelle"] = Observable(grow(np.zeros(n), in_venous_plasma), "mg/L",
                                       f"Plasma drug in {v.name} micelles [mg/L]")
    for o in phys.organs():  # the organ volumes include their blood: micellar drug counts in the organ's drug
        vol = phys_volume(phys, o)
        for key, c_ in ((f"tissue_released_{o}", 1.0 / vol), (f"tissue_{o}", 1.0 / vol), (f"amount_{o}", 1.0)):
            if key in model.observables:
                ob = model.observables[key]
                obs[key] = Observable(grow(ob.weights, {o: c_}), ob.unit, ob.label)
    groups = {g: np.append(mask, np.full(m, g == "drug")) for g, mask in model.groups.items()}
    meta = dict(model.meta)
    meta.pop("K_parts", None)  # the per-process split of the base matrix no longer adds up to K(t)
    meta.update({"vehicle": v.name, "vehicle_phi_segments": (starts, phis)})
    return replace(model, names=names, K=mats[0], dose_vector=grow(model.dose_vector), groups=groups,
                   observables=obs, k_schedule=schedule, meta=meta)
