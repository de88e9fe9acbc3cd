"""Per-patient rate matrices without rebuilding the model (the batched solves: :mod:`nanodds.population.batch_solve`).

How each transfer scales with a patient's body weight ``BW`` (``s = BW / BW_scenario``), from
:func:`nanodds.specs.physiology.build_physiology` and the model blocks:

* organ and blood volumes ``V ~ s``; organ flows, GFR, PS products and clearances ``Q ~ s^e`` (``e`` the
  allometric flow exponent, 0.75), so perfusion, extravasation, lymph, MPS uptake, hepatic and renal
  rate constants ``Q / V ~ s^(e-1)``;
* the tumour has a fixed volume and flow: ``Q_t / V_blood ~ s^-1`` (arterial -> tumour), ``Q_t / V_t ~ 1``
  (tumour outflow, tumour extravasation and macrophage uptake), and the cardiac output carries the tumour
  flow, so venous -> lung, lung -> arterial (and the lung's PS, lymph and MPS terms) are *sums*
  ``a s^(e-1) + b s^-1``: no single factor per tag is exact;
* release, phagocyte degradation and DNA binding rates do not depend on ``BW``.

So every entry of every tagged part of K is exactly ``A + B s^(e-1) + C s^-1``. :class:`PopulationModel`
builds the scenario at three body weights, solves for ``A, B, C`` entry by entry, checks the result
against a fourth build (``RuntimeError`` if the model ever leaves this form), and then assembles
``K_p = sum_tag f_tag,p (A_tag + B_tag s_p^(e-1) + C_tag s_p^-1)`` for any number of patients with one
matrix product. Tag factors: ``hepatic_clearance`` x hepatic_factor (intrinsic clearance),
``renal_clearance`` and ``renal_filtration`` x gfr_factor, ``mps_uptake`` x mps_uptake_factor,
``tumour_extravasation`` x epr_factor. Observable weights (``1/V``) are decomposed the same way; saturable
capacities (MPS: ``s`` x mps_capacity_factor; DNA binding: organ volume) the same way after division
by ``s``; the dose vector (per mg) does not depend on the patient.
:func:`patient_scenario` is the same patient as a :class:`Scenario` plus carrier overrides, for
:func:`nanodds.engine.build` (tests compare both to 1e-12).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from nanodds.engine import build, output_grid
from nanodds.errors import InputError
from nanodds.model.free_drug import hepatic_intrinsic_blood_cl, liver_blood_flow_L_per_h
from nanodds.solve.batched_blocks import relevant_states, solver_structure
from nanodds.solve.dense_blocks import workspace
from nanodds.specs.params import load_yaml
from nanodds.specs.physiology import bsa_mosteller_m2, build_physiology, reference_data
from nanodds.specs.regimen import parse_regimen
from nanodds.specs.scenario import Scenario

TAG_FACTOR = {"hepatic_clearance": "hepatic_factor", "renal_clearance": "gfr_factor",
              "renal_filtration": "gfr_factor", "mps_uptake": "mps_uptake_factor",
              "tumour_extravasation": "epr_factor",
              # the only metabolite in the data is SN-38, eliminated in the liver by UGT1A1 glucuronidation
              "metabolite_hepatic_clearance": "ugt1a1_activity"}
"""Covariate factor column that multiplies each tagged part of K (other tags: body weight only)."""

FACTOR_COLUMNS = ("gfr_factor", "hepatic_factor", "mps_uptake_factor", "mps_capacity_factor", "epr_factor")
BASIS_S = (1.0, 4.0, 0.25)
CHECK_S = 1.7


def _col(patients: Mapping[str, Any] | pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name in patients:
        return np.asarray(patients[name], dtype=float)
    return np.ones(n)


def patient_scenario(scn: Scenario, body_weight_kg: float, height_cm: float | None = None,
                     regimen_raw: Any = None, **factors: float) -> tuple[Scenario, dict[str, float]]:
    """One virtual patient as a scenario plus ``carrier_overrides`` for :func:`nanodds.engine.build`.

    Parameters
    ----------
    scn : Scenario
        The population's scenario (its drug, carrier, tumour, regimen, simulation settings).
    body_weight_kg, height_cm : float
        The patient's body size (kg, cm).
    regimen_raw : object, optional
        The scenario's raw ``regimen`` entry, re-parsed for this patient's weight and BSA (mg/kg, mg/m^2);
        without it the scenario's doses (mg) are kept.
    **factors : float
        ``gfr_factor`` (GFR and drug renal clearance), ``hepatic_factor`` (hepatic intrinsic clearance),
        ``mps_uptake_factor``, ``mps_capacity_factor``, ``epr_factor`` (carrier overrides); default 1.
    """
    f = {k: float(factors.get(k, 1.0)) for k in FACTOR_COLUMNS}
    unknown = set(factors) - set(FACTOR_COLUMNS)
    if unknown:
        raise InputError("factors", sorted(unknown)[0], ", ".join(FACTOR_COLUMNS))
    ph0 = scn.physiology
    tum = None if ph0.tumour is None else {
        "volume_L": ph0.tumour.volume_L, "flow_L_per_h": ph0.tumour.flow_L_per_h,
        "vascular_fraction": ph0.tumour.vascular_fraction,
        "interstitial_fraction": ph0.tumour.interstitial_fraction, "pore_cutoff_nm": ph0.tumour.pore_cutoff_nm,
        "model": ph0.tumour.model, "cancer_type": ph0.tumour.cancer_type}
    height = ph0.height_cm if height_cm is None else height_cm
    phys = build_physiology(scn.species, body_weight_kg, height, tum)
    phys = replace(phys, gfr_L_per_h=phys.gfr_L_per_h * f["gfr_factor"])
    ref = reference_data(scn.species)
    flow_scale = (body_weight_kg / ref["body_weight"].to("kg")) ** ref["allometric_exponent_flow"].to("1")
    q_h = liver_blood_flow_L_per_h(phys)
    clint = hepatic_intrinsic_blood_cl(scn.drug, phys, flow_scale) * f["hepatic_factor"]
    drug = replace(scn.drug, hepatic_blood_cl_L_per_h=q_h * clint / (q_h + clint) / flow_scale,
                   renal_plasma_cl_L_per_h=scn.drug.renal_plasma_cl_L_per_h * f["gfr_factor"])
    bsa = bsa_mosteller_m2(height, body_weight_kg) if height else None
    regimen = scn.regimen if regimen_raw is None else parse_regimen(regimen_raw, body_weight_kg, bsa)
    out = replace(scn, physiology=phys, bsa_m2=bsa, drug=drug, regimen=regimen, flow_scale=flow_scale)
    overrides: dict[str, float] = {}
    if scn.carrier is not None:
        data = load_yaml(f"carriers/{scn.species}.yaml")
        kin = {k: data[k].value for k in ("mps_extraction_total", "mps_capacity", "tumour_extravasation_coefficient")}
        if scn.learned_tumour is not None:  # the factors scale the scenario's values: the learned entry rate
            from nanodds.design.scenario_link import resolve  # (cached by content: solved once per process)

            kin.update(resolve(scn.learned_tumour).overrides)
        overrides = {"mps_extraction_total": kin["mps_extraction_total"] * f["mps_uptake_factor"],
                     "mps_capacity": kin["mps_capacity"] * f["mps_capacity_factor"],
                     "tumour_extravasation_coefficient": kin["tumour_extravasation_coefficient"] * f["epr_factor"]}
    return out, overrides


def dose_basis(regimen_raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-event dose basis of a raw regimen: (amount per unit, kind) with kind 0 mg, 1 mg/kg, 2 mg/m^2."""
    a11 = np.array([e.amount_mg for e in parse_regimen(regimen_raw, 1.0, 1.0).events])
    a21 = np.array([e.amount_mg for e in parse_regimen(regimen_raw, 2.0, 1.0).events])
    a12 = np.array([e.amount_mg for e in parse_regimen(regimen_raw, 1.0, 2.0).events])
    kind = np.where(np.isclose(a21, 2 * a11, rtol=1e-12), 1, np.where(np.isclose(a12, 2 * a11, rtol=1e-12), 2, 0))
    return a11, kind


class PopulationModel:
    """A scenario's model, decomposed so that any patient's K, weights and doses come by linear algebra.

    Parameters
    ----------
    scn : Scenario
    regimen_raw : object, optional
        The scenario's raw ``regimen`` (to scale mg/kg and mg/m^2 doses per patient).
    """

    def __init__(self, scn: Scenario, regimen_raw: Any = None) -> None:
        if scn.hyperthermia is not None:
            raise InputError("environment.hyperthermia", "set", "no hyperthermia window in population runs")
        self.scenario = scn
        self.regimen_raw = regimen_raw
        ref = reference_data(scn.species)
        self.expo = ref["allometric_exponent_flow"].to("1")
        self.bw0 = scn.physiology.body_weight_kg
        models = [build(*patient_scenario(scn, self.bw0 * s)) for s in (*BASIS_S, CHECK_S)]
        m0 = models[0]
        if m0.k_schedule or "K_parts" not in m0.meta:  # e.g. a drug vehicle whose micelles fall apart over time
            what = ("vehicle", m0.meta["vehicle"]) if "vehicle" in m0.meta else ("scenario", scn.name)
            raise InputError(what[0], what[1], "a scenario whose rate constants stay fixed over time for population "
                             "runs (a time-varying model, e.g. a drug vehicle, runs with 'nanodds simulate')")
        self.model = m0
        self.names = m0.names
        self.n = m0.n
        self.tags = sorted(m0.meta["K_parts"])
        V = np.array([self._basis(s) for s in BASIS_S])  # (3, 3)
        parts = np.array([[m.meta["K_parts"][t] for t in self.tags] for m in models[:3]])  # (3, tags, n, n)
        self.coef = np.linalg.solve(V, parts.reshape(3, -1)).reshape(3, len(self.tags), self.n, self.n)
        self.obs_names = tuple(m0.observables)
        w = np.array([[m.observables[k].weights for k in self.obs_names] for m in models[:3]])
        self.obs_coef = np.linalg.solve(V, w.reshape(3, -1)).reshape(3, len(self.obs_names), self.n)
        self.sat_src = np.array([t.src for t in m0.saturable], dtype=int)
        self.sat_dst = np.array([t.dst for t in m0.saturable], dtype=int)
        self.sat_pc = np.array([t.pc for t in m0.saturable], dtype=int)
        k = np.array([[t.rate_per_h for t in m.saturable] for m in models[:3]])
        self.sat_coef = np.linalg.solve(V, k.reshape(3, -1)) if len(self.sat_src) else np.zeros((3, 0))
        cap = np.array([[t.capacity_mg / s for t in m.saturable] for m, s in zip(models[:3], BASIS_S, strict=True)])
        self.cap_coef = np.linalg.solve(V, cap.reshape(3, -1)) if len(self.sat_src) else np.zeros((3, 0))
        # MPS capture (carrier into phagocytes) takes the MPS factors; other saturable terms (DNA binding) not
        self.sat_mps = np.array([self.names[t.pc].startswith("carrier:") for t in m0.saturable], dtype=bool)
        self.dose_vector = m0.dose_vector
        self.sinks = m0.sinks
        self._solver_states: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self.events = scn.regimen.events
        self.t_grid = output_grid(scn)
        if regimen_raw is not None:
            self.dose_per_unit, self.dose_kind = dose_basis(regimen_raw)
        else:
            self.dose_per_unit = np.array([e.amount_mg for e in self.events])
            self.dose_kind = np.zeros(len(self.events), dtype=int)
        self._self_check(models[3], CHECK_S)

    def _basis(self, s: np.ndarray | float) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        return np.stack([np.ones_like(s), s ** (self.expo - 1.0), 1.0 / s], axis=-1)

    def _self_check(self, m: Any, s: float) -> None:
        pts = {"body_weight_kg": np.array([self.bw0 * s])}
        K = self.rate_matrices(pts)[0]
        err = np.max(np.abs(K - m.K)) / np.max(np.abs(m.K))
        caps = self.saturation(pts)[1][0]
        cap_ref = np.array([t.capacity_mg for t in m.saturable])
        if err > 1e-11 or not np.allclose(caps, cap_ref, rtol=1e-12) or \
                not np.array_equal(m.dose_vector, self.dose_vector):
            raise RuntimeError(f"model does not scale with body weight as A + B s^(e-1) + C/s (error {err:.1e})")

    def coefficients(self, patients: Mapping[str, Any] | pd.DataFrame) -> np.ndarray:
        """Per-patient coefficients (p, 3 * tags) of the decomposed parts."""
        bw = np.asarray(patients["body_weight_kg"], dtype=float)
        p = len(bw)
        B = self._basis(bw / self.bw0)  # (p, 3)
        F = np.stack([_col(patients, TAG_FACTOR.get(t, "_none"), p) for t in self.tags], axis=1)  # (p, tags)
        return (B[:, :, None] * F[:, None, :]).reshape(p, -1)

    def rate_matrices(self, patients: Mapping[str, Any] | pd.DataFrame,
                      states: np.ndarray | None = None, scratch: bool = False) -> np.ndarray:
        """Rate matrices K (p, n, n) in 1/h of the patients (columns ``body_weight_kg`` and factors); with
        ``states`` only their rows and columns (p, s, s).

        Only the entries some decomposed part can make nonzero (~5 % of a whole-body K) are computed. ``scratch``:
        K lives in this thread's workspace (:func:`nanodds.solve.dense_blocks.workspace`, one buffer re-zeroed when
        the nonzero entries change, so that its zeros stay written), valid until this thread's next such call: a
        fresh K of a block of patients is megabytes of new pages to fault in and zero each time.
        """
        c = self.coefficients(patients)
        coef = self.coef if states is None else self.coef[:, :, states[:, None], states]
        m = coef.shape[-1]
        coef = coef.reshape(-1, m * m)
        nz = np.flatnonzero(np.any(coef != 0, axis=0))
        if scratch:
            K = workspace("rate_matrices", (len(c), m * m), zeroed=True,
                          key=hashlib.sha1(nz.tobytes() + np.int64(m).tobytes()).hexdigest())
        else:
            K = np.zeros((len(c), m * m))
        K[:, nz] = c @ coef[:, nz]
        return K.reshape(len(c), m, m)

    def weights(self, patients: Mapping[str, Any] | pd.DataFrame, names: Sequence[str],
                states: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Observable weights (p, n) per name (concentrations scale with each patient's volumes); with
        ``states`` only their columns (p, s)."""
        B = self._basis(np.asarray(patients["body_weight_kg"], dtype=float) / self.bw0)
        cols = slice(None) if states is None else states
        return {k: B @ self.obs_coef[:, self.obs_names.index(k), cols] for k in names}

    def kept_states(self, observe: Sequence[str]) -> np.ndarray:
        """States that reach one of the observables and are reached from the dose through any patient's
        transfers, and the sinks.

        The union of the decomposed parts' patterns is used, so the set holds for every patient; the elimination
        sinks are added (the solver checks that every kept state drains into one). The linear solve of these
        observables needs no other state: one the dose never reaches stays zero from the zero start.

        Parameters
        ----------
        observe : sequence of str
            Observable names of the model.

        Returns
        -------
        ndarray of int
            Sorted state indices.
        """
        pattern = np.any(self.coef != 0, axis=(0, 1))
        cols = [self.obs_names.index(k) for k in observe]
        keep = relevant_states(pattern, np.any(self.obs_coef[:, cols] != 0, axis=(0, 1)), self.dose_vector != 0)
        keep[self.sinks] = True
        return np.flatnonzero(keep)

    def solver_states(self, observe: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`kept_states` in the exact linear solver's order, and where the sinks are in it.

        The solver's non-sink states in block lower-triangular order, then its sinks, then any other kept state
        (:func:`nanodds.solve.batched_blocks.solver_structure` on the union of the decomposed parts' patterns).
        Rate matrices assembled in this order are solved without gathering their blocks, whenever the patients'
        own pattern gives the solver the same structure (it does unless a factor zeroes a transfer; the solver
        then gathers, with the same results). Memoised per ``observe`` (a pure function of this model).

        Returns
        -------
        states : ndarray of int
            State indices of the model, in that order.
        sinks : ndarray of int
            Positions of the model's sinks in ``states``.
        """
        key = tuple(observe)
        hit = self._solver_states.get(key)
        if hit is None:
            keep = self.kept_states(observe)
            pattern = np.any(self.coef[:, :, keep[:, None], keep] != 0, axis=(0, 1))
            cols = [self.obs_names.index(k) for k in observe]
            observed = np.any(self.obs_coef[:, cols][:, :, keep] != 0, axis=(0, 1))
            ns, kept_sinks, _, _ = solver_structure(pattern, observed, np.flatnonzero(np.isin(keep, self.sinks)),
                                                    self.dose_vector[keep] != 0)
            first = np.r_[ns, kept_sinks].astype(int)
            states = keep[np.r_[first, np.setdiff1d(np.arange(len(keep)), first)].astype(int)]
            hit = (states, np.flatnonzero(np.isin(states, self.sinks)))
            self._solver_states[key] = hit
        return hit

    def saturation(self, patients: Mapping[str, Any] | pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Saturable MPS terms: unsaturated rate (p, m) in 1/h and capacity (p, m) in mg carrier."""
        s = np.asarray(patients["body_weight_kg"], dtype=float) / self.bw0
        p = len(s)
        B = self._basis(s)
        k = B @ self.sat_coef
        cap = (B @ self.cap_coef) * s[:, None]
        k[:, self.sat_mps] *= _col(patients, "mps_uptake_factor", p)[:, None]
        cap[:, self.sat_mps] *= _col(patients, "mps_capacity_factor", p)[:, None]
        return k, cap

    def amounts(self, patients: Mapping[str, Any] | pd.DataFrame) -> np.ndarray:
        """Dose of each regimen event (p, E) in mg: mg as given, mg/kg x weight, mg/m^2 x BSA."""
        bw = np.asarray(patients["body_weight_kg"], dtype=float)
        if "bsa_m2" in patients:
            bsa = np.asarray(patients["bsa_m2"], dtype=float)
        else:
            h = _col(patients, "height_cm", len(bw)) if "height_cm" in patients else \
                np.full(len(bw), self.scenario.physiology.height_cm or np.nan)
            bsa = np.sqrt(h * bw / 3600.0)
        scale = np.stack([np.ones_like(bw), bw, bsa], axis=1)[:, self.dose_kind]  # (p, E)
        return scale * self.dose_per_unit[None, :]
