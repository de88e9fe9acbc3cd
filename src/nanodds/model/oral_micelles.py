"""Bile-salt micellar solubilisation in the GI lumen (used by :mod:`nanodds.model.oral`).

Drug partitions linearly between water and bile-salt micelles (Mithani et al. 1996, Pharm Res 13:163)::

    log SR  = a + b log P                          (SR: molar solubilisation ratio, bile salt vs water)
    K       = S_mic / S_aq = SR C_bs / C_water     (micelle-to-free ratio, dimensionless, C_water = 55.5 M)
    S_tot(r)= S_aq(r) (1 + K)                      (Ostwald-Freundlich applies to the free solubility;
                                                    the micellar part follows it through the linear partition)
    fu      = 1 / (1 + K)                          (free fraction of dissolved drug)

Dissolution is driven by the total (free + micellar) concentration difference across the diffusion layer; with
local partition equilibrium in the layer the flux is ``D_eff (S_tot - C_tot) / h`` with the effective diffusivity
``D_eff = fu D_free + (1 - fu) D_micelle``. The absorbed species are the free drug plus a fraction ``f_m`` of the
micelle-bound drug: ``ka_eff = ka (fu + f_m (1 - fu))``. Everything is linear in the dissolved amount, so each
lumen compartment is represented by a drug "as seen in that compartment" (solubility and diffusivity replaced)
and an absorption factor; the dissolution law itself is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nanodds.errors import InputError, known
from nanodds.specs.params import load_yaml, require

if TYPE_CHECKING:
    from nanodds.model.oral import OralDrug

GI_FILE = "oral/gi_physiology.yaml"
FORMULATION_FILE = "oral/formulations.yaml"
PRANDIAL_STATES = ("fasted", "fed")


@dataclass(frozen=True)
class MicelleConstants:
    """Solubilisation correlation and micelle transport constants (dimensionless, mol/L, cm^2/h).

    Values come from ``oral/formulations.yaml`` (:func:`load_micelle_constants`); ``enabled=False`` switches
    solubilisation off (aqueous solubility only, the model before micelles were added).
    """

    intercept: float
    slope: float
    water_molarity_M: float
    micelle_diffusivity_cm2_per_h: float
    micellar_absorption_fraction: float
    enabled: bool = True

    def solubilisation_ratio(self, log_p: float) -> float:
        """Molar solubilisation ratio SR of bile salt vs water from log P (Mithani 1996)."""
        return 10.0 ** (self.intercept + self.slope * log_p)

    def partition(self, log_p: float, bile_salt_mM: float) -> float:
        """Micelle-to-free ratio ``K = SR C_bs / C_water`` (0 when disabled or without bile salt)."""
        if not self.enabled or bile_salt_mM <= 0.0:
            return 0.0
        return self.solubilisation_ratio(log_p) * bile_salt_mM * 1e-3 / self.water_molarity_M


def load_micelle_constants() -> MicelleConstants:
    c = load_yaml(FORMULATION_FILE)["constants"]
    return MicelleConstants(
        intercept=c["solubilisation_intercept"].to("1"),
        slope=c["solubilisation_slope"].to("1"),
        water_molarity_M=c["water_molarity"].to("mol/L"),
        micelle_diffusivity_cm2_per_h=c["micelle_diffusivity"].to("cm**2/h"),
        micellar_absorption_fraction=c["micellar_absorption_fraction"].to("1"),
    )


def check_prandial_state(state: str, field: str = "oral.prandial_state") -> str:
    if not known(state, PRANDIAL_STATES):
        raise InputError(field, state, " or ".join(PRANDIAL_STATES))
    return state


def bile_salt_per_compartment(species: str, state: str, n_si: int) -> tuple[float, ...]:
    """Bile-salt concentration (mM) of the stomach and each of the ``n_si`` small-intestinal compartments."""
    check_prandial_state(state)
    g = require(load_yaml(GI_FILE)["species"], species, "species", "species with GI physiology")
    bs = g["bile_salt_concentration"][state]
    return (bs["stomach"].to("mmol/L"),) + (bs["small_intestine"].to("mmol/L"),) * n_si


@dataclass(frozen=True)
class CompartmentSolution:
    """Dissolved-drug behaviour in one compartment: micelle ratio, free fraction, D_eff, absorption factor."""

    k_micelle: float
    fraction_free: float
    diffusivity_cm2_per_h: float
    absorption_factor: float

    @property
    def solubility_factor(self) -> float:
        """Total / aqueous solubility, ``1 + K``."""
        return 1.0 + self.k_micelle


def compartment_solution(drug: OralDrug, bile_salt_mM: float, const: MicelleConstants) -> CompartmentSolution:
    k = const.partition(drug.log_p, bile_salt_mM)
    fu = 1.0 / (1.0 + k)
    d_eff = fu * drug.diffusivity_cm2_per_h + (1.0 - fu) * const.micelle_diffusivity_cm2_per_h
    absorb = fu + const.micellar_absorption_fraction * (1.0 - fu)
    return CompartmentSolution(k, fu, d_eff, absorb)


def drug_in_compartment(drug: OralDrug, sol: CompartmentSolution) -> OralDrug:
    """The drug as the dissolution law sees it in a compartment: total solubility and effective diffusivity."""
    return replace(drug, solubility_mg_per_mL=drug.solubility_mg_per_mL * sol.solubility_factor,
                   diffusivity_cm2_per_h=sol.diffusivity_cm2_per_h)


__all__ = ["PRANDIAL_STATES", "CompartmentSolution", "MicelleConstants", "bile_salt_per_compartment",
           "check_prandial_state", "compartment_solution", "drug_in_compartment", "load_micelle_constants"]
