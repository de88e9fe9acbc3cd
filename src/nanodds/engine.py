"""Scenario -> model -> solution: the thin facade the CLI, web app and population code call."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nanodds.analysis.nca import last_dosing_interval
from nanodds.errors import ResultError
from nanodds.model.assemble import ModelInputs, build_model, default_environments
from nanodds.model.free_drug import phys_flow, phys_volume
from nanodds.model.structure import Model
from nanodds.solve.api import solve
from nanodds.solve.solution import Solution, same_time_tol_h
from nanodds.specs.environment import Environment
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import Scenario, environments_for
from nanodds.specs.triggers import TriggerWindow

SECONDS_PER_HOUR = 3600.0

METRIC_TIMES_H = (24.0, 168.0)
"""Times always on the grid so that DE24/DE168 are exact values, not interpolations."""


def output_grid(scn: Scenario) -> np.ndarray:
    """Uniform output times (h) over the duration, plus dose starts, infusion ends and the metric times.

    Infusion ends are the peaks of an infusion and the end of the last dosing interval is where the fluctuation
    metric reads its trough: without them a grid-read Cmax could fall below the interval's exact average
    (found by the fluctuation property test: 1 h infusions every 4 h on a 2.5 h grid, Cavg 1.5x the read Cmax).
    """
    grid = np.linspace(0.0, scn.duration_h, scn.points)
    events = scn.regimen.events
    ends = [e.start_h + e.duration_h for e in events if e.duration_h > 0]
    interval = last_dosing_interval([e.start_h for e in events], scn.duration_h)
    bounds = list(interval) if isinstance(interval, tuple) else []
    extra = [t for t in (*METRIC_TIMES_H, *(e.start_h for e in events), *ends, *bounds) if t <= scn.duration_h]
    out = np.union1d(grid, extra)
    # one point per instant: a dose at 4.000000000000001 h does not add a second point beside 4.0 h
    keep = np.concatenate([[True], np.diff(out) > np.array([same_time_tol_h(t) for t in out[1:]])])
    return out[keep]


def build(scn: Scenario, carrier_overrides: dict[str, float] | None = None) -> Model:
    """Assemble the model of a scenario (its nanoformulation, or free drug when ``carrier`` is None).

    With ``tumour_delivery: learned`` the tumour parameters are solved here (first build of that content in the
    process; :class:`nanodds.design.learned_solve.TumourSolver`) and recorded as ``meta["learned_tumour"]``
    (:class:`nanodds.design.scenario_link.SolvedTumour`).
    """
    envs = environments_for(scn, default_environments())
    windows = ()
    if scn.hyperthermia is not None:
        hot = dict(envs)
        for kind in ("tumour", "tumour_vascular"):  # the heated region: its interstitium and its blood
            hot[kind] = replace(envs[kind], temperature_c=scn.hyperthermia.temperature_c)
        h = scn.hyperthermia
        windows = ((h.start_h, h.start_h + h.duration_h, hot),)
    for w in scn.triggers:  # light / ultrasound / AMF on a region (no overlaps: checked at parsing)
        windows = (*windows, (w.start_h, w.end_h, window_environments(scn, envs, w)))
    learned = None
    if scn.learned_tumour is not None and scn.carrier is not None:  # tumour_delivery: learned
        from nanodds.design.scenario_link import resolve  # solved here, once per content (solver-owned cache)

        learned = resolve(scn.learned_tumour)
        carrier_overrides = {**dict(learned.overrides), **(carrier_overrides or {})}  # explicit ones still win
    fitted = None
    if scn.tumour_delivery == "fitted" and scn.carrier is not None and scn.physiology.tumour is not None:
        fitted, fitted_overrides = fitted_tumour(scn)
        carrier_overrides = {**fitted_overrides, **(carrier_overrides or {})}  # explicit ones still win
    inp = ModelInputs(physiology=scn.physiology, drug=scn.drug, carrier=scn.carrier,
                      flow_scale=scn.flow_scale, environments=envs, saturable=scn.saturable, windows=windows,
                      carrier_overrides=tuple(sorted((carrier_overrides or {}).items())),
                      bbb_opening=scn.bbb_opening, sites=scn.sites, magnetic=scn.magnetic,
                      bbb_transcytosis=scn.bbb_transcytosis)
    model = build_model(inp)
    if learned is not None:  # the model (and so its Solution) records the tumour parameters it was built with
        model = replace(model, meta={**model.meta, "learned_tumour": learned})
    if fitted is not None:
        model = replace(model, meta={**model.meta, "fitted_tumour": fitted})
    if scn.vehicle is not None:
        from nanodds.model.vehicle import load_vehicle, with_vehicle

        vehicle = load_vehicle(scn.vehicle, scn.physiology.hematocrit)
        model = with_vehicle(model, scn.physiology, scn.drug, vehicle, scn.regimen.events, scn.duration_h)
    return model


def fitted_tumour(scn: Scenario) -> tuple[dict[str, float], dict[str, float]]:
    """Factors and ``carrier_overrides`` of ``tumour_delivery: fitted`` (:mod:`nanodds.model.tumour_fitted`)."""
    from nanodds.model import tumour_fitted
    from nanodds.specs.params import load_yaml
    from nanodds.specs.physiology import reference_data

    carrier, tumour = scn.carrier, scn.physiology.tumour
    assert carrier is not None and tumour is not None and carrier.material is not None  # checked at parsing
    fac = tumour_fitted.factors(carrier.material, tumour.model, carrier.ligand is not None,
                                tumour.volume_L, reference_data(scn.species)["tumour"]["volume"].to("L"))
    return fac, tumour_fitted.overrides(fac, load_yaml(f"carriers/{scn.species}.yaml"))


def window_environments(scn: Scenario, envs: dict[str, Environment], w: TriggerWindow) -> dict[str, Environment]:
    """The environments during a light / ultrasound / AMF window: its region's interstitium and blood lit.

    The tumour has environments of its own (``tumour``, ``tumour_vascular``); the brain gets its own
    (``brain``, ``brain_vascular``: the tissue and blood environments with the field on, read by
    :func:`nanodds.model.carrier.add_carrier` for the brain only) and, for AMF heating, the brain's perfusion
    (blood flow / volume of the scenario's physiology) in the Pennes balance.
    """
    lit = dict(envs)
    on: dict[str, object] = ({"amf_field_a_per_m": w.field_a_per_m, "amf_frequency_hz": w.frequency_hz}
                             if w.kind == "amf" else {f"{w.kind}_on": True})
    if w.region == "tumour":
        for kind in ("tumour", "tumour_vascular"):
            lit[kind] = replace(envs[kind], **on)
        return lit
    phys = scn.physiology
    perf = phys_flow(phys, w.region) / phys_volume(phys, w.region) / SECONDS_PER_HOUR
    lit[w.region] = replace(envs["tissue"], **on, perfusion_per_s=perf)
    lit[f"{w.region}_vascular"] = replace(envs["blood"], **on, perfusion_per_s=perf)
    return lit


def simulate(scn: Scenario, t_grid: np.ndarray | None = None,
             carrier_overrides: dict[str, float] | None = None, stiff_method: str | None = None) -> Solution:
    """Simulate a scenario on its output grid (or ``t_grid``); ``stiff_method`` overrides the stiff path's
    default back-end (:func:`nanodds.solve.api.solve`)."""
    model = build(scn, carrier_overrides)
    grid = output_grid(scn) if t_grid is None else np.asarray(t_grid, dtype=float)
    kw = {} if stiff_method is None else {"stiff_method": stiff_method}
    sol = solve(model, scn.regimen.events, grid, backend=scn.solver, **kw)
    check_solution(sol, scn.describe_inputs())
    return sol


def check_solution(sol: Solution, inputs: str) -> None:
    """Refuse a result that cannot be physically true, naming the ``inputs`` that led there.

    Checked: every amount and its time integral finite; no amount below ``-negative_amount_rel`` x the dose of
    its mass group (round-off); mass balance (in body + eliminated = dosed) within ``mass_balance_rel_error``
    of each group's dose; tumour delivery at most 100 % of the dose (within the same tolerance). Limits are in
    ``data/validity/ranges.yaml`` (``result_limits``).

    Raises
    ------
    ResultError
        One line naming the failed quantity, its value, the limit and the inputs.
    """
    lim = load_yaml("validity/ranges.yaml")["result_limits"]
    mb_tol = lim["mass_balance_rel_error"].to("1")
    neg_tol = lim["negative_amount_rel"].to("1")
    if not (np.all(np.isfinite(sol.y)) and np.all(np.isfinite(sol.cum_int))):
        finite = np.isfinite(sol.y).all(axis=0) & np.isfinite(sol.cum_int).all(axis=0)
        bad = sol.model.names[int(np.argmin(finite))]
        raise ResultError(f"amount of {bad}", "NaN or inf", "finite amounts", inputs)
    for group, mask in sol.model.groups.items():
        total = sol.dosed.get(group, 0.0)
        if total <= 0:
            continue
        low = float(sol.y[:, mask].min())
        if low < -neg_tol * total:
            raise ResultError(f"lowest {group} amount", f"{low:.3g} mg", f"amounts >= 0 (round-off "
                              f"{neg_tol:g} of the {total:.3g} mg dose)", inputs)
    dose = sol.dosed.get("drug", 0.0)
    if "amount_tumour" in sol.model.observables and dose > 0:
        de = float(np.max(sol.observe("amount_tumour"))) / dose
        if de > 1.0 + mb_tol:
            raise ResultError("tumour delivery efficiency", f"{100 * de:.4g} %", "at most 100 % of the dose",
                              inputs)
    for group, err in sol.mass_balance_rel_error().items():
        if not err <= mb_tol:
            raise ResultError(f"mass_balance_rel_error of {group}", f"{err:.3g}", f"at most {mb_tol:g}", inputs)
