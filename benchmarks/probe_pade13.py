"""Probe (not a test, no timed asserts): issue 15's claim "a batched block-triangular Pade-13 with the bilinear
read-out of the observables takes ~0.19 ms per patient in float64", on the benchmark's own model.

The real per-patient rate matrices, dose vectors and observable weights of ``benchmarks/bench_population.py``
(Doxil human, 1 week, 1,000 uniform points, 24 observables, 1 h infusion) for ``PROBE_N`` patients (default 2,048),
one BLAS thread, thread-CPU per patient (``time.thread_time``), best of ``PROBE_REPEATS`` (default 3), the variants
in turn (A B C D A B C D ...) in one process:

* ``shipped``: ``simulate_population`` per block of 128 with one chunk thread (what ``iter_population`` runs on
  each block: assembly, solve, Cmax/Tmax, AUC0-t and AUC0-inf);
* ``taylor``: the same solver chunk by chunk (32 patients) on pre-assembled K (:class:`Chunk` and
  ``solve_chunk_uniform`` as shipped: Taylor-20 root of the shifted K, squarings, bilinear read-out, AUC solves);
* ``pade13``: the same chunks with the propagators by a batched block-triangular Pade-13 (Higham 2005: scaling
  and squaring, ``theta_13`` = 5.37, the same shift ``mu`` and the norm estimate from ``||S^4||, ||S^6||``; the
  off-grid vector ``expm(K f g) v`` by a degree-41 Taylor polynomial on the vector), same read-out and AUCs;
* ``pade13_noauc`` and ``taylor_noauc``: the same without the final AUC solve (what a figure that left it out
  would count).

Accuracy: each variant against the single-patient exact solver (``solve_linear`` on the patient's own model
build) for a few patients: trajectories relative to their peak, AUC0-t and AUC0-inf relative (criterion 1e-9).

Run: ``PYTHONPATH=src python benchmarks/probe_pade13.py``.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import yaml

from nanodds.engine import build
from nanodds.population.batch_solve import simulate_population
from nanodds.population.fast import PopulationModel, patient_scenario
from nanodds.population.run import SOLVE_BLOCK, observed
from nanodds.population.virtual import sample_patients
from nanodds.solve.batched_blocks import BILINEAR_C, Chunk, bilinear_levels, solver_structure
from nanodds.solve.batched_uniform import solve_chunk_uniform
from nanodds.solve.block_expm import _PADE13, _THETA13, solve_lower
from nanodds.solve.block_taylor import taylor_steps_applied
from nanodds.solve.dense_blocks import dmul, norm1, squarings, workspace
from nanodds.solve.linear import solve_linear
from nanodds.solve.threads import single_blas_thread
from nanodds.specs.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "doxil_vs_doxorubicin_human.yaml"
GRID = np.linspace(0.0, 168.0, 1000)
N = int(os.environ.get("PROBE_N", "2048"))
REPEATS = int(os.environ.get("PROBE_REPEATS", "3"))
CHUNK = 32
N_CHECK = int(os.environ.get("PROBE_CHECK", "4"))
MV_DEGREE = 41
"""Taylor degree of the off-grid vector ``expm(K f g) v`` in the Pade variant (``alpha f g <= 5.37``: remainder
5.37^42 / 42! ~ 1e-20)."""


def pade13_applied(K, bounds, h, extra, pairs):
    """``[E .. E^(2^extra)]`` (E = expm(K h)) by Pade-13 of the shifted ``S = K - mu I``, and ``expm(K d) v``.

    The stacks live in this thread's workspace (as the shipped Taylor path's do), combinations in place.
    """
    p, m = K.shape[0], K.shape[1]
    key = ("pade13", tuple(bounds))
    diag = np.arange(m)
    b = _PADE13
    d = K[:, diag, diag]
    mu = 0.5 * (d.min(axis=1) + d.max(axis=1))
    P = workspace("pade_powers", (4, p, m, m), zeroed=True, key=key)  # S, S^2, S^4, S^6
    S, S2, S4, S6 = P
    S[:] = K
    S[:, diag, diag] -= mu[:, None]
    dmul(S, S, bounds, out=S2, upper_zero=True)
    dmul(S2, S2, bounds, out=S4, upper_zero=True)
    dmul(S4, S2, bounds, out=S6, upper_zero=True)
    alpha = max(norm1(S4) ** 0.25, norm1(S6) ** (1.0 / 6.0))
    eta = alpha * h
    s = max(0, math.ceil(math.log2(eta / _THETA13))) if eta > _THETA13 else 0
    g = h / 2.0**s
    gk = [g**k for k in range(14)]
    # the four combinations sum_i c_i S^(2i) (i = 1..3; rows: U's inner, U's outer, V's inner, V's outer)
    C = np.array([[0.0, b[9] * gk[2], b[11] * gk[4], b[13] * gk[6]],
                  [0.0, b[3] * gk[2], b[5] * gk[4], b[7] * gk[6]],
                  [0.0, b[8] * gk[2], b[10] * gk[4], b[12] * gk[6]],
                  [0.0, b[2] * gk[2], b[4] * gk[4], b[6] * gk[6]]])
    Q = workspace("pade_combos", (4, p, m, m))
    np.matmul(C, P.reshape(4, -1), out=Q.reshape(4, -1))
    T = workspace("pade_tmp", (p, m, m), zeroed=True, key=key)
    dmul(S6, Q[0], bounds, out=T, upper_zero=True)  # U = g S (g^6 S6 inner_u + outer_u + b1 I)
    Q[1] += gk[6] * T
    Q[1][:, diag, diag] += b[1]
    U = workspace("pade_u", (p, m, m), zeroed=True, key=key)
    dmul(S, Q[1], bounds, out=U, upper_zero=True)
    U *= g
    dmul(S6, Q[2], bounds, out=T, upper_zero=True)  # V = g^6 S6 inner_v + outer_v + b0 I
    Q[3] += gk[6] * T
    Q[3][:, diag, diag] += b[0]
    np.subtract(Q[3], U, out=Q[0])
    np.add(Q[3], U, out=Q[1])
    R = solve_lower(Q[0], bounds, Q[1])  # (V - U)^-1 (V + U), block forward substitution
    R *= np.exp(mu * g)[:, None, None]
    vecs, bits = [], []
    for delta, v in pairs:
        q = int(np.floor(delta / g))
        fg = delta - q * g
        u = np.array(v, dtype=float)
        if fg > 0.0:  # exp(mu fg) T_41(fg S) v: S^i v (i < 6) then Horner in (fg S)^6 (Paterson-Stockmeyer)
            Z = np.empty((6, *u.shape))
            Z[0] = u
            Z[1] = _mv(S, u)
            Z[2] = _mv(S2, u)
            Z[3] = _mv(S, Z[2])
            Z[4] = _mv(S4, u)
            Z[5] = _mv(S, Z[4])
            nblk = -(-(MV_DEGREE + 1) // 6)
            Cv = np.array([[fg**i / math.factorial(6 * j + i) for i in range(6)] for j in range(nblk)])
            Bv = (Cv @ Z.reshape(6, -1)).reshape(nblk, *u.shape)
            acc = Bv[-1]
            for j in range(nblk - 2, -1, -1):
                acc = Bv[j] + fg**6 * _mv(S6, acc)
            u = acc * np.exp(mu * fg)[:, None]
        vecs.append(u)
        bits.append(q)

    def hook(j, M):
        for i, q in enumerate(bits):
            if (q >> j) & 1:
                vecs[i] = _mv(M, vecs[i])

    return squarings(R, s, extra, bounds, hook, scratch=True), vecs, s


def _mv(M, v):
    return np.matmul(M, v[..., None])[..., 0]


class PadeChunk(Chunk):
    """:class:`Chunk` with its propagators by :func:`pade13_applied`."""

    squarings_used: ClassVar[list[int]] = []

    def offgrid(self, h, count, pairs):
        pw, moved, s = pade13_applied(self.Kn, self.bounds, h, count - 1, pairs)
        PadeChunk.squarings_used.append(s)
        self._powers[round(h, 12)] = pw
        return moved


def no_auc(cls):
    """A chunk class whose solves after the first (``K^-1 d`` for the infusion; then the AUC solve) are skipped."""

    class NoAuc(cls):
        def solve(self, R):
            self.solves = getattr(self, "solves", 0) + 1
            return super().solve(R) if self.solves == 1 else np.zeros_like(R)

    return NoAuc


def setup(pts):
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 1000, "saturable": True}
    scn = parse_scenario(raw)
    pm = PopulationModel(scn, raw["regimen"])
    names = [k for k in observed(pm) if k != "amount_tumour"]
    keep, sinks = pm.solver_states(names)
    K = pm.rate_matrices(pts, keep)
    Wd = pm.weights(pts, names, keep)
    W = np.stack([Wd[k] for k in names], axis=1)
    pattern = (K.min(axis=0) != 0) | (K.max(axis=0) != 0)
    ns, ksinks, _, bounds = solver_structure(pattern, np.any(W != 0, axis=(0, 1)), sinks)
    dv = np.broadcast_to(pm.dose_vector[keep], (len(pts), len(keep)))
    return raw, scn, pm, names, K, W, ns, ksinks, bounds, dv, pm.amounts(pts)


def run_chunks(cls, data, rows, keep_traj=False):
    """Solve ``rows`` chunk by chunk with chunk class ``cls``; (trajectories or None, AUC0-t, AUC0-inf, Cmax)."""
    _, _, pm, names, K, W, ns, ksinks, bounds, dv, am = data
    nobs = len(names)
    traj = np.empty((len(rows), nobs, len(GRID))) if keep_traj else None
    auc, ainf, cmax = (np.empty((len(rows), nobs)) for _ in range(3))
    for c0 in range(0, len(rows), CHUNK):
        idx = rows[c0:c0 + CHUNK]
        ch = cls(K, ns, ksinks, W, {}, bounds, idx, private=True)
        buf = workspace("probe_traj", (len(idx), nobs, len(GRID)))
        obs, a, ai, _ = solve_chunk_uniform(ch, dv[idx][:, ns], dv[idx][:, ksinks], pm.events, am[idx], GRID,
                                         GRID[1], buf)
        im = np.argmax(obs, axis=2)
        cmax[c0:c0 + len(idx)] = np.take_along_axis(obs, im[:, :, None], axis=2)[:, :, 0]
        auc[c0:c0 + len(idx)], ainf[c0:c0 + len(idx)] = a, ai
        if keep_traj:
            traj[c0:c0 + len(idx)] = obs
    return traj, auc, ainf, cmax


def run_propagators(fn, data, rows):
    """Only the propagators each chunk needs (``E .. E^128`` and the off-grid vector), as the chunk solve forms them."""
    K, bounds, dv = data[4], data[8], data[9]
    ns = data[6]
    m = len(ns)
    assert np.array_equal(ns, np.arange(m))  # K assembled in the solver's order: the chunk's blocks are views
    extra = bilinear_levels(BILINEAR_C) - 1
    delta = float(np.ceil(1.0 / GRID[1]) * GRID[1] - 1.0)  # the infusion's end to the next grid point
    for c0 in range(0, len(rows), CHUNK):
        idx = rows[c0:c0 + CHUNK]
        fn(K[idx[0]:idx[-1] + 1, :m, :m], bounds, float(GRID[1]), extra, [(delta, dv[idx][:, :m])])


def run_shipped(data, pts):
    names = data[3]
    for b0 in range(0, len(pts), SOLVE_BLOCK):
        simulate_population(data[2], pts.iloc[b0:b0 + SOLVE_BLOCK], names, t_grid=GRID, saturable=False,
                            trajectories=[], workers=1)


def single_patient(data, pts, i):
    raw, _, _, names = data[:4]
    row = pts.iloc[i]
    sc = parse_scenario(dict(raw, simulation={"duration": "168 h", "points": 1000, "saturable": False},
                             subject={"body_weight": f"{float(row['body_weight_kg'])!r} kg",
                                      "height": f"{float(row['height_cm'])!r} cm"}))
    factors = {k: float(row[k]) for k in pts.columns if k.endswith("_factor")}
    ps, ov = patient_scenario(sc, sc.physiology.body_weight_kg, sc.physiology.height_cm, **factors)
    model = build(ps, ov)
    sol = solve_linear(model.linear(), sc.regimen.events, GRID)
    ref = np.stack([sol.y @ model.observables[o].weights for o in names])
    aucs = np.array([sol.observe_auc(o) for o in names])  # (nobs, 2): AUC0-t, AUC0-inf
    return ref, aucs[:, 0], aucs[:, 1]


def main() -> None:
    pts = sample_patients(N, 1)
    data = setup(pts)
    names, bounds = data[3], data[8]
    print(f"{N} patients, {data[4].shape[1]} kept states, blocks {bounds}, {len(names)} observables, "
          f"chunks of {CHUNK}, one BLAS thread, thread-CPU, best of {REPEATS}")
    variants = {"taylor": Chunk, "pade13": PadeChunk, "taylor_noauc": no_auc(Chunk),
                "pade13_noauc": no_auc(PadeChunk)}
    rows = np.arange(N)
    with single_blas_thread():
        # accuracy against the single-patient exact solver
        check = np.arange(N_CHECK) * (N // N_CHECK)
        refs = [single_patient(data, pts, int(i)) for i in check]
        for name, cls in (("taylor", Chunk), ("pade13", PadeChunk)):
            traj, auc, ainf, _ = run_chunks(cls, data, check, keep_traj=True)
            et = max(float(np.max(np.abs(traj[j] - r[0]) / np.abs(r[0]).max(axis=1, keepdims=True)))
                     for j, r in enumerate(refs))
            ea = max(float(np.max(np.abs(auc[j] / r[1] - 1))) for j, r in enumerate(refs))
            fin = [np.isfinite(r[2]) for r in refs]
            ei = max(float(np.max(np.abs(ainf[j][f] / r[2][f] - 1)))
                     for j, (r, f) in enumerate(zip(refs, fin, strict=True)))
            print(f"accuracy {name:>7s} vs single-patient solver ({N_CHECK} patients, {len(names)} observables): "
                  f"trajectories {et:.1e} of peak, AUC0-t {ea:.1e}, AUC0-inf {ei:.1e} (criterion 1e-9)")
        PadeChunk.squarings_used.clear()
        props = {"taylor_propagators": lambda *a: taylor_steps_applied(*a, scratch=True),
                 "pade13_propagators": pade13_applied}
        best = {k: math.inf for k in ("shipped", *variants, *props)}
        for _ in range(REPEATS):  # in turn: A B C D E, A B C D E, ...
            t0 = time.thread_time()
            run_shipped(data, pts)
            best["shipped"] = min(best["shipped"], time.thread_time() - t0)
            for name, cls in variants.items():
                t0 = time.thread_time()
                run_chunks(cls, data, rows)
                best[name] = min(best[name], time.thread_time() - t0)
            for name, fn in props.items():
                t0 = time.thread_time()
                run_propagators(fn, data, rows)
                best[name] = min(best[name], time.thread_time() - t0)
    sq = PadeChunk.squarings_used
    print(f"Pade-13 squarings to E(h) per chunk: {min(sq)}-{max(sq)} (Taylor-20: see block_taylor)")
    ms = {k: v / N * 1e3 for k, v in best.items()}
    for k, v in ms.items():
        print(f"{k:>13s}: {v:.3f} ms per patient (x{v / ms['taylor']:.2f} of taylor, x{v / ms['shipped']:.2f} "
              f"of shipped)")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
