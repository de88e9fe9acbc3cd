"""10,000 virtual patients of the Doxil human nano-PBPK (run by ``make bench``; not a test).

Full model (states from the scenario build, >= 60), one week, plasma trajectory at 1,000 points plus exact
AUC0-inf and Cmax of plasma and every tissue. Timed: (1) linear kinetics, batched exact expm solver, measured
on all N patients; (2) saturable MPS uptake (and DNA binding), batched ETD2 solver, measured on all N patients
unless a first run on BENCH_SAT_SUBSET patients (default 1000) projects more than 60 s, in which case the
subset time is extrapolated linearly (printed as such); (3) a loop over libRoadRunner on the SBML
export (nanodds.io.sbml.to_sbml) of each patient's linear model; (4) a loop over scipy solve_ivp (LSODA,
jac = K) of each patient's linear model. (3) and (4) are timed on a subset (BENCH_LOOP patients, default 50)
and extrapolated linearly to N, as printed. Per-patient K come from PopulationModel (no rebuilds; the
covariate sampling and K assembly are inside the timed population numbers). Shared 2-core machine.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from scipy.integrate import solve_ivp

from nanodds.population.fast import PopulationModel, simulate_population
from nanodds.population.run import observed
from nanodds.population.virtual import sample_patients
from nanodds.solve.batched_blocks import relevant_states
from nanodds.solve.threads import single_blas_thread
from nanodds.specs.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
N = int(os.environ.get("BENCH_N", "10000"))
N_LOOP = int(os.environ.get("BENCH_LOOP", "50"))
N_SAT_SUBSET = int(os.environ.get("BENCH_SAT_SUBSET", "1000"))
GRID = np.linspace(0.0, 168.0, 1000)


def propagator_floor(pm: PopulationModel, pts, names: list[str], n_sub: int = 200) -> tuple[int, float, float]:
    """Lower bound of any exact-propagator method on this machine, measured.

    Every exact (matrix-exponential) solver needs at least ``E = expm(K h)`` per patient for the grid step and
    ``nobs x m`` multiply-adds per output point. Times ``scipy.linalg.expm`` (one BLAS thread, per patient) on
    the solved block (states that reach an observable, sinks removed) for ``n_sub`` patients and the read-out
    GEMM ``(nobs x m) @ (m x T)``, extrapolates to 10,000 patients and divides by the 2 cores (ideal scaling).
    Returns (solved states m, expm floor s, read-out floor s) for 10k patients.
    """
    import scipy.linalg as sl

    sub = pts.iloc[:n_sub]
    K = pm.rate_matrices(sub)
    W = pm.weights(sub, names)
    wall = np.stack([W[k] for k in names], axis=1)
    keep = relevant_states(np.any(K != 0, axis=0), np.any(wall != 0, axis=(0, 1)))
    ns = np.setdiff1d(np.flatnonzero(keep), pm.sinks)
    Kn = K[:, ns][:, :, ns] * float(GRID[1] - GRID[0])
    with single_blas_thread():
        t0 = time.perf_counter()
        for i in range(n_sub):
            sl.expm(Kn[i])
        t_e = (time.perf_counter() - t0) / n_sub
        A = np.random.default_rng(0).random((len(names), len(ns)))
        X = np.random.default_rng(1).random((len(ns), len(GRID)))
        t0 = time.perf_counter()
        for _ in range(n_sub):
            A @ X
        t_r = (time.perf_counter() - t0) / n_sub
    return len(ns), t_e * 10000 / 2, t_r * 10000 / 2


def main() -> int:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 1000, "saturable": True}
    scn = parse_scenario(raw)
    pm = PopulationModel(scn, raw["regimen"])
    names = [k for k in observed(pm) if k != "amount_tumour"]
    print(f"model: {pm.n} states, {len(pm.sat_src)} saturable terms, {len(names)} observables, N={N}")
    t0 = time.perf_counter()
    pts = sample_patients(N, 1)
    res = simulate_population(pm, pts, names, t_grid=GRID, saturable=False)
    t_lin = time.perf_counter() - t0
    print(f"linear: {t_lin:.2f} s; plasma AUC median {np.median(res.auc_inf['plasma_total']):.1f} mg h/L")
    n_sub = min(N, N_SAT_SUBSET)
    t0 = time.perf_counter()
    rs = simulate_population(pm, pts.iloc[:n_sub], names, t_grid=GRID, saturable=True)
    t_sat = (time.perf_counter() - t0) * N / n_sub
    sat_how = f"measured on {n_sub} patients"
    if n_sub < N and t_sat <= 60.0:
        t0 = time.perf_counter()
        rs = simulate_population(pm, pts, names, t_grid=GRID, saturable=True)
        t_sat = time.perf_counter() - t0
        sat_how = f"measured on {N} patients"
    elif n_sub < N:
        sat_how += f", x{N / n_sub:.0f} EXTRAPOLATED"
    print(f"saturable (ETD2): {t_sat:.2f} s for {N} ({sat_how}); plasma AUC median "
          f"{np.median(rs.auc_inf['plasma_total']):.1f} mg h/L")

    sub = pts.iloc[:N_LOOP]
    K = pm.rate_matrices(sub)
    am = pm.amounts(sub)
    # (3) libRoadRunner loop on the SBML export of each patient's linear model
    t_rr = float("nan")
    try:
        import roadrunner

        from nanodds.io.sbml import to_sbml
        from nanodds.model.structure import Model

        base = pm.model.linear()
        t0 = time.perf_counter()
        for i in range(N_LOOP):
            m = Model(base.names, K[i], (), base.dose_vector, base.sinks, base.groups, base.per_mg_group,
                      base.observables, base.volumes_L)
            evs = [type(e)(e.start_h, float(am[i, j]), e.duration_h) for j, e in enumerate(pm.events)]
            rr = roadrunner.RoadRunner(to_sbml(m, evs))
            rr.simulate(0.0, 168.0, len(GRID))
        t_rr = (time.perf_counter() - t0) * N / N_LOOP
        print(f"roadrunner loop (SBML export + load + simulate): {N_LOOP} patients timed, x{N / N_LOOP:.0f} -> "
              f"{t_rr:.1f} s")
    except Exception as exc:  # pragma: no cover
        print(f"roadrunner loop skipped: {exc}")
    # (4) solve_ivp LSODA loop (linear model, infusion as piecewise input)
    t0 = time.perf_counter()
    e = pm.events[0]
    for i in range(N_LOOP):
        Ki = K[i]
        r = am[i, 0] / e.duration_h * pm.dose_vector
        s1 = solve_ivp(lambda _t, y, Ki=Ki, r=r: Ki @ y + r, (0.0, e.duration_h), np.zeros(pm.n), method="LSODA",
                       jac=lambda _t, _y, Ki=Ki: Ki, rtol=1e-8, atol=1e-12 * am[i, 0])
        solve_ivp(lambda _t, y, Ki=Ki: Ki @ y, (e.duration_h, 168.0), s1.y[:, -1], method="LSODA",
                  jac=lambda _t, _y, Ki=Ki: Ki, t_eval=GRID[GRID >= e.duration_h], rtol=1e-8,
                  atol=1e-12 * am[i, 0])
    t_ivp = (time.perf_counter() - t0) * N / N_LOOP
    print(f"solve_ivp LSODA loop: {N_LOOP} patients timed, x{N / N_LOOP:.0f} -> {t_ivp:.1f} s")
    m, f_e, f_r = propagator_floor(pm, pts, names)
    print(f"floor of exact propagators ({m} solved states, 2 cores ideal, per 10k): expm(K h) alone {f_e:.2f} s "
          f"(scipy.linalg.expm per patient) + observable read-out {f_r:.2f} s = {f_e + f_r:.2f} s")
    print(f"targets (not assertions): linear <= 2 s (got {t_lin:.2f}), saturable <= 10 s (got {t_sat:.2f})")
    sat_note = "measured" if "EXTRAPOLATED" not in sat_how else "extrapolated"
    print(f"saturable_10k_s={t_sat * 10000 / N:.3f} ({sat_note}); roadrunner and solve_ivp loops: {N_LOOP} patients "
          f"timed, extrapolated to 10k")
    print(f"population_10k_s={t_lin * 10000 / N:.3f} roadrunner_loop_10k_s={t_rr * 10000 / N:.3f} "
          f"ratio={t_rr / t_lin:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
