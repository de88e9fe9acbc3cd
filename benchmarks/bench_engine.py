"""Engine speed against scipy's LSODA on the Doxil example (run by ``make bench``; not a test).

(a) one Doxil simulation, linear path, 1 week, 1000 output points, exact AUC; (b) the saturable (stiff)
path once; (c) 1000 virtual patients (body weight log-normal, CV 20 %, fixed seed) with the batched exact
solver against a loop of LSODA. Times are wall clock on a shared machine: medians of repeats after a
warm-up.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from scipy.integrate import solve_ivp

from nanodds.engine import build
from nanodds.model.structure import Model
from nanodds.solve.api import solve
from nanodds.solve.batched import solve_linear_batch
from nanodds.solve.linear import breakpoints, input_rate
from nanodds.solve.stiff import Saturation
from nanodds.specs.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
GRID = np.linspace(0.0, 168.0, 1000)
N_POP = 1000
LSODA_LOOP_BUDGET_S = 60.0
OBS = ("plasma_total", "plasma_encapsulated", "tissue_tumour")


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def lsoda(model: Model, events, t_grid: np.ndarray, saturable: bool = False) -> np.ndarray:
    """Reference: solve_ivp LSODA (rtol 1e-8, atol 1e-12 x dose, jac = K) segment by segment."""
    K = model.K
    dv = model.dose_vector
    sat = Saturation(model) if saturable and model.saturable else None
    atol = 1e-12 * max(e.amount_mg for e in events)
    bps = breakpoints(events, model, float(t_grid[-1]))
    y = np.zeros(model.n)
    for e in events:
        if e.duration_h == 0 and e.start_h == 0:
            y += e.amount_mg * dv
    out = np.empty((len(t_grid), model.n))
    out[0] = y
    gi = 1
    for a, b in itertools.pairwise(bps):
        r = input_rate(events, 0.5 * (a + b)) * dv
        if sat is None:
            def rhs(_t, yy, r=r):
                return K @ yy + r

            def jac(_t, _yy):
                return K
        else:
            def rhs(_t, yy, r=r):
                dy = K @ yy + r
                sat.apply(dy, yy)
                return dy

            def jac(_t, yy):
                return K + sat.jac_sparse(yy, K.shape[0]).toarray()
        j = gi
        while j < len(t_grid) and t_grid[j] < b - 1e-12 * max(1.0, b):
            j += 1
        t_eval = np.concatenate([t_grid[gi:j], [b]])
        sol = solve_ivp(rhs, (a, b), y, method="LSODA", jac=jac, t_eval=t_eval, rtol=1e-8, atol=atol)
        if not sol.success:
            raise RuntimeError(sol.message)
        out[gi:j] = sol.y[:, :-1].T
        y = sol.y[:, -1].copy()
        gi = j
        if gi < len(t_grid) and abs(t_grid[gi] - b) <= 1e-12 * max(1.0, b):
            out[gi] = y
            gi += 1
    return out


def population(n: int, seed: int = 20240601):
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    cv = 0.20
    sigma = np.sqrt(np.log1p(cv * cv))
    bw = 70.0 * np.random.default_rng(seed).lognormal(-sigma * sigma / 2, sigma, size=n)
    models, events = [], []
    for w in bw:
        scn = parse_scenario(dict(raw, subject={"body_weight": f"{w:.6g} kg", "height": "170 cm"}))
        models.append(build(scn).linear())
        events.append(scn.regimen.events)
    return bw, models, events


def table(rows: list[tuple[str, str, str, str]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        for r in rows:
            print(" | ".join(r))
        return
    t = Table(title="nanodds engine vs scipy solve_ivp LSODA (Doxil 50 mg/m^2, 1 week, 1000 points)")
    for c in ("case", "nanodds", "LSODA", "LSODA / nanodds"):
        t.add_column(c, justify="right" if c != "case" else "left")
    for r in rows:
        t.add_row(*r)
    Console(width=120).print(t)


def main() -> int:
    scn = parse_scenario(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    model = build(scn)
    lin = model.linear()
    events = scn.regimen.events
    print(f"model: {model.n} states, {len(model.saturable)} saturable terms; machine: shared, timings noisy")

    # (a) single linear simulation with exact AUC
    def engine_single():
        sol = solve(lin, events, GRID, backend="linear")
        return sol.observe_auc("plasma_total")

    t_eng = median_time(engine_single, repeats=15)
    t_lso = median_time(lambda: lsoda(lin, events, GRID), repeats=5)
    ref = solve(lin, events, GRID, backend="linear").observe("plasma_total")
    err = np.max(np.abs(lsoda(lin, events, GRID) @ lin.observables["plasma_total"].weights - ref)) / ref.max()
    print(f"(a) LSODA vs exact plasma_total max rel deviation: {err:.1e}")

    # (b) saturable path once each (after a warm-up)
    t_stiff = median_time(lambda: solve(model, events, GRID, backend="stiff"), repeats=1)
    t_lso_sat = median_time(lambda: lsoda(model, events, GRID, saturable=True), repeats=1)

    # (c) population
    t0 = time.perf_counter()
    bw, models, evs = population(N_POP)
    t_build = time.perf_counter() - t0
    K = np.array([m.K for m in models])
    dv = np.array([m.dose_vector for m in models])
    obs = {k: np.array([m.observables[k].weights for m in models]) for k in OBS}
    t0 = time.perf_counter()
    res = solve_linear_batch(K, dv, evs, GRID, obs)
    t_pop = time.perf_counter() - t0
    # LSODA loop: all patients if it fits the budget, else 100 patients extrapolated linearly
    probe = 10
    t0 = time.perf_counter()
    for i in range(probe):
        lsoda(models[i], evs[i], GRID)
    per = (time.perf_counter() - t0) / probe
    n_loop = N_POP if per * N_POP <= LSODA_LOOP_BUDGET_S else 100
    t0 = time.perf_counter()
    worst = 0.0
    for i in range(n_loop):
        y = lsoda(models[i], evs[i], GRID)
        c = y @ obs["plasma_total"][i]
        worst = max(worst, float(np.max(np.abs(c - res.observables["plasma_total"][i])) / c.max()))
    t_loop = (time.perf_counter() - t0) * N_POP / n_loop
    loop_note = "" if n_loop == N_POP else f" (timed {n_loop} patients, extrapolated linearly to {N_POP})"
    cv = bw.std() / bw.mean()
    print(f"(c) {N_POP} patients: body weight {bw.min():.1f}-{bw.max():.1f} kg (CV {cv:.0%});"
          f" model builds {t_build:.1f} s (not timed below); LSODA vs batch plasma max rel deviation "
          f"{worst:.1e} over {n_loop} patients{loop_note}")
    auc = res.auc_inf["plasma_total"]
    print(f"    plasma_total AUC0-inf median {np.median(auc):.0f} mg h/L (5-95 %: "
          f"{np.percentile(auc, 5):.0f}-{np.percentile(auc, 95):.0f}); Cmax median "
          f"{np.median(res.cmax['plasma_total']):.2f} mg/L")

    table([
        ("(a) single linear (exact AUC)", f"{t_eng * 1e3:.1f} ms", f"{t_lso * 1e3:.1f} ms",
         f"{t_lso / t_eng:.1f}x"),
        ("(b) single saturable (stiff, compiled BDF)", f"{t_stiff * 1e3:.0f} ms", f"{t_lso_sat * 1e3:.0f} ms",
         f"{t_lso_sat / t_stiff:.2f}x"),
        (f"(c) {N_POP} patients (batched exact){' *' if loop_note else ''}", f"{t_pop:.2f} s",
         f"{t_loop:.1f} s", f"{t_loop / t_pop:.1f}x"),
    ])
    if loop_note:
        print(f"* LSODA loop{loop_note}")
    print(f"engine_single_ms={t_eng * 1e3:.3f} lsoda_single_ms={t_lso * 1e3:.3f} ratio={t_lso / t_eng:.2f} "
          f"population_1k_s={t_pop:.3f} lsoda_loop_1k_s={t_loop:.3f} ratio={t_loop / t_pop:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
