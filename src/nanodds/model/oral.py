"""Oral absorption submodel: dissolution, lumen transit and degradation, portal and lymphatic uptake.

A CAT-like lumen (stomach + ``n`` small-intestinal transit compartments, Yu & Amidon 1999) holds, per
compartment, undissolved drug ``M`` (mg), a particle count ``n`` expressed as the mass those particles had at
dosing (mg; it moves with the solid and is not consumed by dissolution, so ``r = r0 (M/n)^(1/3)``) and dissolved
drug ``A`` (mg). Dissolution (Noyes-Whitney on the surface of monodisperse shrinking spheres)::

    dM/dt = -3 D M (Cs(r) - A/V) / (rho r h(r)),    r = r0 (M/n)^(1/3),
    Cs(r) = Cs_inf exp(2 gamma Vm / (max(r, r_floor) R T))   (Ostwald-Freundlich),
    h(r)  = min(r, h_max)                                     (Hintz & Johnson 1989) or a fixed h.

``Cs_inf`` and ``D`` are per compartment: bile-salt micelles raise the solubility to ``Cs_aq (1 + K)`` and lower
the diffusivity to ``D_eff`` (:mod:`nanodds.model.oral_micelles`; ``K`` from the compartment's bile salt, fasted
or fed). Dissolved drug is degraded (first order), absorbed in the small intestine with
``ka = 2 Peff / R x (fu + f_m (1 - fu))`` and split
into a portal share (into ``free:gut``, so it passes the liver) and a lymphatic share (into
``free:venous_blood``, bypassing the liver). Transit out of the last compartment is lost to the faeces.

The lumen does not depend on systemic concentrations (sink conditions), so the GI states and the systemic
free-drug PBPK are integrated together (one stiff ODE, BDF, tight tolerances; every transfer conserves mass, so
the mass balance holds to rounding). The systemic model is the unchanged IV model of the same drug: nothing
here is used by IV scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.integrate import solve_ivp

from nanodds.errors import InputError
from nanodds.model.oral_dissolution import dissolution_partials, dissolution_rate
from nanodds.model.oral_dissolution import ostwald_freundlich as ostwald_freundlich  # re-export
from nanodds.model.oral_drifting import (
    DriftingConstants,
    drifting_coefficient,
    drifting_uptake,
    load_drifting_constants,
)
from nanodds.model.oral_micelles import (
    MicelleConstants,
    bile_salt_per_compartment,
    compartment_solution,
    drug_in_compartment,
    load_micelle_constants,
)
from nanodds.model.structure import Model, RateBuilder
from nanodds.specs.params import load_yaml, require

GI_FILE = "oral/gi_physiology.yaml"
FORMULATION_FILE = "oral/formulations.yaml"


@dataclass(frozen=True)
class GITract:
    """Lumen physiology of one species (h, mL, cm, K)."""

    k_gastric_emptying_per_h: float
    si_transit_h: float
    n_si: int
    si_radius_cm: float
    stomach_volume_mL: float
    si_volume_mL: float
    temperature_K: float
    bile_salt_mM: tuple[float, ...] = ()  # stomach, si1..si_n (empty: no bile salt)
    prandial_state: str = "fasted"

    @property
    def k_transit_per_h(self) -> float:
        return self.n_si / self.si_transit_h

    def compartments(self) -> list[str]:
        return ["stomach", *(f"si{i + 1}" for i in range(self.n_si))]

    def volumes_mL(self) -> list[float]:
        return [self.stomach_volume_mL] + [self.si_volume_mL / self.n_si] * self.n_si

    def bile_salts_mM(self) -> list[float]:
        return list(self.bile_salt_mM) if self.bile_salt_mM else [0.0] * (self.n_si + 1)


@dataclass(frozen=True)
class OralDrug:
    """Drug properties for dissolution and absorption (mg, cm, h, J/m^2)."""

    name: str
    solubility_mg_per_mL: float
    density_mg_per_cm3: float
    molar_volume_cm3_per_mol: float
    surface_energy_J_per_m2: float
    diffusivity_cm2_per_h: float
    peff_cm_per_h: float
    k_degradation_per_h: float
    log_p: float = 0.0  # octanol/water, for bile-micelle solubilisation


@dataclass(frozen=True)
class Formulation:
    """An oral dosage form: particle size, dose fraction already in solution, lymphatic share of absorption."""

    name: str
    diameter_nm: float
    pre_dissolved_fraction: float = 0.0
    lymphatic_fraction: float = 0.0

    def __post_init__(self) -> None:
        for k in ("pre_dissolved_fraction", "lymphatic_fraction"):
            v = getattr(self, k)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"formulation {self.name}.{k}", v, "a fraction in [0, 1]")
        if not self.diameter_nm > 0:
            raise InputError(f"formulation {self.name}.diameter", self.diameter_nm, "a diameter > 0")


@dataclass(frozen=True)
class DissolutionPhysics:
    """Switches and constants of the dissolution law.

    ``diffusion_layer_cm`` None means ``h = min(r, h_max)`` (Hintz & Johnson); a number fixes h.
    """

    h_max_cm: float = 30e-4
    r_floor_cm: float = 10e-7
    gas_constant: float = 8.314462618
    ostwald_freundlich: bool = True
    diffusion_layer_cm: float | None = None


def load_gi_tract(species: str, prandial_state: str = "fasted") -> GITract:
    g = require(load_yaml(GI_FILE)["species"], species, "species", "species with GI physiology")
    n_si = round(g["n_transit_compartments"].to("1"))
    return GITract(
        k_gastric_emptying_per_h=g["gastric_emptying_rate"].to("1/h"),
        si_transit_h=g["small_intestinal_transit_time"].to("h"),
        n_si=n_si,
        si_radius_cm=g["small_intestine_radius"].to("cm"),
        stomach_volume_mL=g["stomach_fluid_volume"].to("mL"),
        si_volume_mL=g["small_intestine_fluid_volume"].to("mL"),
        temperature_K=g["temperature"].to("K"),
        bile_salt_mM=bile_salt_per_compartment(species, prandial_state, n_si),
        prandial_state=prandial_state,
    )


def load_oral_drug(name: str, molecular_weight_g_per_mol: float) -> OralDrug:
    """Oral parameters of ``name`` (formulations.yaml) and its log P (drugs/<name>.yaml)."""
    d = require(load_yaml(FORMULATION_FILE)["drugs"], name, "drug", "drug with oral parameters")
    rho = d["density"].to("mg/cm**3")
    return OralDrug(
        name=name,
        solubility_mg_per_mL=d["solubility"].to("mg/mL"),
        density_mg_per_cm3=rho,
        molar_volume_cm3_per_mol=molecular_weight_g_per_mol * 1e3 / rho,
        surface_energy_J_per_m2=d["surface_energy"].to("J/m**2"),
        diffusivity_cm2_per_h=d["diffusivity"].to("cm**2/h"),
        peff_cm_per_h=d["effective_permeability"].to("cm/h"),
        k_degradation_per_h=d["lumen_degradation_rate"].to("1/h"),
        log_p=load_yaml(f"drugs/{name}.yaml")["log_p"].to("1"),
    )


def formulation_names() -> list[str]:
    return sorted(load_yaml(FORMULATION_FILE)["formulations"])


def load_formulation(name: str, field: str = "formulation") -> Formulation:
    """The oral formulation preset ``name``; ``field``: where the name was written (for the error message)."""
    f = require(load_yaml(FORMULATION_FILE)["formulations"], name, field, "oral formulation preset")
    return Formulation(name, f["diameter"].to("nm"), f["pre_dissolved_fraction"].to("1"),
                       f["lymphatic_fraction"].to("1"))


def load_physics() -> DissolutionPhysics:
    c = load_yaml(FORMULATION_FILE)["constants"]
    return DissolutionPhysics(h_max_cm=c["diffusion_layer_max"].to("cm"), r_floor_cm=c["kelvin_radius_floor"].to("cm"),
                              gas_constant=c["gas_constant"].to("J/mol/K"))


@dataclass
class OralSystem:
    """GI lumen states coupled to a systemic model; ``z = [gi states, systemic states, AUC tracker]``."""

    names: list[str]
    Z: np.ndarray
    diss: list[tuple[int, int, int, float, OralDrug]]  # (iM, in, iA, V_mL, drug as seen there) per compartment
    mass_mask: np.ndarray
    r0_cm: float
    drug: OralDrug
    gi: GITract
    physics: DissolutionPhysics
    n_gi: int
    systemic: Model | None = None
    saturable: tuple = ()
    index: dict[str, int] = field(default_factory=dict)
    drift: tuple[tuple[int, int], ...] = ()  # (iM, in) of the SI compartments (particle drifting uptake)
    drift_k_cm_per_h: float = 0.0  # 0: no particle drifting
    drift_targets: tuple[tuple[int, float], ...] = ()  # (state index, share) receiving the uptake

    def _drift(self, z: np.ndarray):
        for iM, i_n in self.drift:
            yield iM, i_n, drifting_uptake(z[iM], z[i_n], self.r0_cm, self.physics.r_floor_cm, self.drift_k_cm_per_h)

    def rhs(self, t: float, z: np.ndarray) -> np.ndarray:
        dz = self.Z @ z
        for iM, i_n, iA, V, drug in self.diss:
            r = dissolution_rate(z[iM], z[i_n], z[iA], V, self.r0_cm, drug, self.gi.temperature_K, self.physics)
            dz[iM] -= r
            dz[iA] += r
        for iM, i_n, (f, _, _, g, _, _) in self._drift(z):
            dz[iM] -= f
            dz[i_n] -= g
            for j, share in self.drift_targets:
                dz[j] += share * f
        off = self.n_gi
        for s in self.saturable:
            f = s.rate_per_h * min(1.0, max(z[off + s.pc], 0.0) / s.capacity_mg) * z[off + s.src]
            dz[off + s.src] -= f
            dz[off + s.dst] += f
        return dz

    def jac(self, t: float, z: np.ndarray) -> np.ndarray:
        J = self.Z.copy()
        for iM, i_n, iA, V, drug in self.diss:
            dM, dn, dA = dissolution_partials(z[iM], z[i_n], z[iA], V, self.r0_cm, drug, self.gi.temperature_K,
                                              self.physics)
            for j, d in ((iM, dM), (i_n, dn), (iA, dA)):
                J[iM, j] -= d
                J[iA, j] += d
        for iM, i_n, (_, fM, fn, _, gM, gn) in self._drift(z):
            J[iM, iM] -= fM
            J[iM, i_n] -= fn
            J[i_n, iM] -= gM
            J[i_n, i_n] -= gn
            for j, share in self.drift_targets:
                J[j, iM] += share * fM
                J[j, i_n] += share * fn
        return J

    def initial(self, dose_mg: float, form: Formulation) -> np.ndarray:
        z0 = np.zeros(len(self.names))
        fd = form.pre_dissolved_fraction
        z0[self.index["oral:stomach.dissolved"]] = dose_mg * fd
        z0[self.index["oral:stomach.solid"]] = dose_mg * (1.0 - fd)
        z0[self.index["oral:stomach.count"]] = dose_mg * (1.0 - fd)
        return z0


def gi_rate_builder(gi: GITract, drug: OralDrug, form: Formulation,
                    absorption_factors: list[float] | None = None) -> RateBuilder:
    """Linear lumen transfers: transit of solid, particle count and solution; degradation; absorption.

    ``absorption_factors`` (per compartment, default 1) scale ``ka`` for the absorbable share of dissolved drug.
    """
    rb = RateBuilder()
    comps = gi.compartments()
    ka0 = 2.0 * drug.peff_cm_per_h / gi.si_radius_cm
    factors = absorption_factors or [1.0] * len(comps)
    for c in comps:
        for part in ("solid", "count", "dissolved"):
            rb.state(f"oral:{c}.{part}")
    for i, c in enumerate(comps):
        k_out = gi.k_gastric_emptying_per_h if c == "stomach" else gi.k_transit_per_h
        nxt = comps[i + 1] if i + 1 < len(comps) else None
        for part in ("solid", "dissolved"):
            rb.flow(f"oral:{c}.{part}", f"oral:{nxt}.{part}" if nxt else "oral:sink.faeces", k_out, "gi_transit")
        rb.flow(f"oral:{c}.count", f"oral:{nxt}.count" if nxt else "oral:count.out", k_out, "gi_transit")
        rb.flow(f"oral:{c}.dissolved", "oral:sink.degraded", drug.k_degradation_per_h, "gi_degradation")
        if c != "stomach":
            ka = ka0 * factors[i]
            rb.flow(f"oral:{c}.dissolved", "oral:absorbed.portal", ka * (1.0 - form.lymphatic_fraction),
                    "gi_absorption")
            rb.flow(f"oral:{c}.dissolved", "oral:absorbed.lymph", ka * form.lymphatic_fraction, "gi_absorption")
    for s in ("oral:sink.degraded", "oral:sink.faeces", "oral:count.out", "oral:absorbed.portal",
              "oral:absorbed.lymph"):
        rb.state(s)
    return rb


def build_oral_system(gi: GITract, drug: OralDrug, form: Formulation, systemic: Model | None,
                      physics: DissolutionPhysics | None = None, observable: str = "plasma_total",
                      micelles: MicelleConstants | None = None,
                      drifting: DriftingConstants | None = None) -> OralSystem:
    """Assemble the lumen with (or, for ``systemic=None``, without) the systemic model.

    ``micelles`` (default: the data-file constants) sets the bile-micelle solubilisation per compartment from
    ``gi.bile_salt_mM``; pass ``replace(load_micelle_constants(), enabled=False)`` for aqueous solubility only.
    ``drifting`` (default: the data file) sets the uptake of undissolved particles across the unstirred water
    layer (:mod:`nanodds.model.oral_drifting`); ``enabled=False`` switches it off.

    With a systemic model the absorbed fluxes are routed to ``free:gut`` (portal) and ``free:venous_blood``
    (lymph); the ``oral:absorbed.*`` states then only count the cumulative absorbed amounts (not mass). The
    last state integrates the ``observable`` (AUC, mg h/L).
    """
    physics = physics or DissolutionPhysics()
    micelles = micelles or load_micelle_constants()
    sols = [compartment_solution(drug, bs, micelles) for bs in gi.bile_salts_mM()]
    rb = gi_rate_builder(gi, drug, form, [s.absorption_factor for s in sols])
    A = rb.matrix()
    gnames = list(rb.names)
    ng = len(gnames)
    ns = systemic.n if systemic is not None else 0
    n = ng + ns + 1
    Z = np.zeros((n, n))
    Z[:ng, :ng] = A
    names = gnames + (list(systemic.names) if systemic is not None else []) + ["oral:auc"]
    idx = {nm: i for i, nm in enumerate(names)}
    not_mass = {"oral:count.out", "oral:auc"} | {nm for nm in gnames if nm.endswith(".count")}
    if systemic is not None:
        Z[ng:ng + ns, ng:ng + ns] = systemic.K
        Z[idx["free:gut"], :ng] += A[idx["oral:absorbed.portal"]]
        Z[idx["free:venous_blood"], :ng] += A[idx["oral:absorbed.lymph"]]
        Z[-1, ng:ng + ns] = systemic.observables[observable].weights
        not_mass |= {"oral:absorbed.portal", "oral:absorbed.lymph"}
    mass = np.array([nm not in not_mass for nm in names])
    comps = gi.compartments()
    diss = [(idx[f"oral:{c}.solid"], idx[f"oral:{c}.count"], idx[f"oral:{c}.dissolved"], v,
             drug_in_compartment(drug, s)) for c, v, s in zip(comps, gi.volumes_mL(), sols, strict=True)]
    r0 = form.diameter_nm * 1e-7 / 2.0
    sat = systemic.saturable if systemic is not None else ()
    drifting = drifting or load_drifting_constants()
    k_drift = drifting_coefficient(drug.peff_cm_per_h, gi.si_radius_cm, drug.diffusivity_cm2_per_h,
                                   gi.temperature_K, drifting)
    drift = tuple((idx[f"oral:{c}.solid"], idx[f"oral:{c}.count"]) for c in comps if c != "stomach")
    fl = form.lymphatic_fraction
    targets = [(idx["oral:absorbed.portal"], 1.0 - fl), (idx["oral:absorbed.lymph"], fl)]
    if systemic is not None:
        targets += [(idx["free:gut"], 1.0 - fl), (idx["free:venous_blood"], fl)]
    return OralSystem(names, Z, diss, mass, r0, drug, gi, physics, ng, systemic, sat, idx, drift, k_drift,
                      tuple(targets))


@dataclass(frozen=True)
class OralRun:
    """Time courses of one oral administration (mg, mg/L, h)."""

    times_h: np.ndarray
    z: np.ndarray
    system: OralSystem
    dose_mg: float
    z_end_gi: np.ndarray  # lumen state after draining (t -> inf)

    def amount(self, prefix: str) -> np.ndarray:
        cols = [i for i, nm in enumerate(self.system.names) if nm.startswith(prefix) and self.system.mass_mask[i]]
        return self.z[:, cols].sum(axis=1)

    def mass_balance_rel_error(self) -> float:
        tot = self.z[:, self.system.mass_mask].sum(axis=1)
        return float(np.max(np.abs(tot - self.dose_mg)) / self.dose_mg)


def integrate(system: OralSystem, dose_mg: float, form: Formulation, t_grid: np.ndarray,
              rtol: float = 1e-10, t_drain_h: float = 2000.0) -> OralRun:
    """Integrate lumen + systemic over ``t_grid``; then the lumen alone until it has drained."""
    t_grid = np.asarray(t_grid, dtype=float)
    z0 = system.initial(dose_mg, form)
    atol = 1e-13 * dose_mg
    sol = solve_ivp(system.rhs, (0.0, float(t_grid[-1])), z0, method="BDF", t_eval=t_grid, rtol=rtol, atol=atol,
                    jac=system.jac)
    if not sol.success:
        raise RuntimeError(f"oral integration failed: {sol.message}")
    z = sol.y.T
    ng = system.n_gi
    gi_only = replace(system, Z=system.Z[:ng, :ng], systemic=None, saturable=(),
                      drift_targets=tuple((j, s) for j, s in system.drift_targets if j < ng))
    zg = np.concatenate([z[-1, :ng], np.zeros(len(system.names) - ng)])[:ng]
    tail = solve_ivp(lambda t, y: gi_only.rhs(t, y), (float(t_grid[-1]), float(t_grid[-1]) + t_drain_h), zg,
                     method="BDF", rtol=rtol, atol=atol, jac=lambda t, y: gi_only.jac(t, y))
    if not tail.success:
        raise RuntimeError(f"oral lumen integration failed: {tail.message}")
    return OralRun(t_grid, z, system, dose_mg, tail.y[:, -1])
