"""The solve behind ``tumour_delivery: learned``: tumour parameters that make the whole-body model reproduce the
predicted DE24/DE168, and the solver that owns their cache.

Parsing a learned scenario only maps it and runs the predictor (:mod:`nanodds.design.scenario_link`, cheap); the
bracketed root solve (:func:`solve_tumour`, ~2 s on the linear path, ~10 s with saturable MPS) runs when a model
is assembled (:func:`nanodds.engine.build`), through :class:`TumourSolver`. Its cache is keyed by a BLAKE2 digest
of the content that determines the result (:func:`content_key`): the reference experiment (the scenario as a single
IV bolus of its first dose: species, physiology and tumour, drug, carrier, environment, solver backend and
saturable flag), the two targets and the solve settings of ``data/design/scenario_link.yaml``. The scenario's
name, its regimen beyond the first dose, its horizon and output points do not enter the solve and not the key.
Equal content shares an entry; different content never does, short of a hash collision. Data files are fixed
for the life of a process (``load_yaml`` caches them too).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from nanodds.design.scenario_link import settings
from nanodds.specs.params import load_yaml

if TYPE_CHECKING:
    from nanodds.specs.scenario import Scenario

__all__ = ["DEFAULT_SOLVER", "TumourSolve", "TumourSolver", "content_key", "reference_experiment", "solve_tumour"]

ENTRY_KEY = "tumour_extravasation_coefficient"
EXIT_KEY = "tumour_reflux_fraction"
RETENTION_KEY = "tumour_macrophage_uptake_rate"
SOLVE_TIMES_H = (0.0, 24.0, 168.0)
"""Output times of the solve runs (h): DE24 and DE168 are read at the last two."""
SOLVE_SETTINGS = ("solve_rtol", "saturable_rtol", "max_rounds", "exit_rate_min", "exit_rate_max", "entry_scale_min",
                  "entry_scale_max", "exit_rate_scan_points", "retention_factor_min")
"""The keys of ``data/design/scenario_link.yaml`` that steer :func:`solve_tumour` (part of the cache key)."""


def _single_bolus(scn: Scenario) -> Scenario:
    """The scenario as the database's experiment: one IV bolus of its first dose at t = 0, mechanistic tumour."""
    from nanodds.specs.regimen import DoseEvent, Regimen

    ev = DoseEvent(0.0, scn.regimen.first_dose_mg, 0.0)
    return replace(scn, regimen=Regimen((ev,)), duration_h=SOLVE_TIMES_H[-1], tumour_delivery="mechanistic",
                   learned_tumour=None)


def reference_experiment(scn: Scenario) -> Scenario:
    """What the solve runs on: the scenario as a single IV bolus of its first dose (the database's experiment).

    Fields that do not enter the solve are reset (name, out-of-range notes, comparator, output points: the
    solve reads its own times), so scenarios that differ only in them share a cache entry.
    """
    return replace(_single_bolus(scn), name="", outside_range=(), comparator=None, points=len(SOLVE_TIMES_H))


def _encode(obj: Any, h: Any) -> None:
    """Feed a canonical, type-tagged encoding of ``obj`` into the hash ``h`` (unknown types are refused)."""
    if obj is None or isinstance(obj, bool | int | float | str):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, Enum):
        h.update(f"enum:{type(obj).__qualname__}.{obj.name};".encode())
    elif isinstance(obj, np.ndarray | np.generic):
        a = np.ascontiguousarray(obj)
        h.update(f"array:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    elif is_dataclass(obj) and not isinstance(obj, type):
        h.update(f"dc:{type(obj).__module__}.{type(obj).__qualname__}(".encode())
        for f in fields(obj):
            h.update(f"{f.name}=".encode())
            _encode(getattr(obj, f.name), h)
        h.update(b")")
    elif isinstance(obj, Mapping):
        h.update(b"map{")
        for k in sorted(obj, key=repr):
            _encode(k, h)
            _encode(obj[k], h)
        h.update(b"}")
    elif isinstance(obj, list | tuple | frozenset | set):
        items = sorted(obj, key=repr) if isinstance(obj, frozenset | set) else obj
        h.update(f"{type(obj).__name__}[".encode())
        for v in items:
            _encode(v, h)
        h.update(b"]")
    elif hasattr(obj, "magnitude") and hasattr(obj, "units"):  # pint Quantity
        h.update(f"qty:{obj.units!s}:".encode())
        _encode(obj.magnitude, h)
    else:  # an id-based repr could collide once the object is freed: refuse rather than guess
        raise TypeError(f"content_key: cannot encode {type(obj).__qualname__}")


def content_key(reference: Scenario, de24_target: float, de168_target: float) -> bytes:
    """BLAKE2 digest of everything that determines :func:`solve_tumour`'s result (see module docstring)."""
    cfg = settings()
    h = hashlib.blake2b(digest_size=20)
    _encode(reference_experiment(reference), h)
    _encode((float(de24_target), float(de168_target)), h)
    _encode({k: cfg[k] for k in SOLVE_SETTINGS}, h)
    return h.digest()


class TumourSolver:
    """Solves the learned tumour parameters, keeping its results keyed by content (:func:`content_key`).

    Least recently used entries are dropped beyond ``max_entries`` (``solve_cache_entries`` in
    ``data/design/scenario_link.yaml``). Thread-safe: the lock guards the table, not the solve (two threads
    asking for the same new content may both solve it; the results are identical, the solve is deterministic).

    Attributes
    ----------
    hits, misses : int
        Lookups answered from the cache, and solves run.
    """

    def __init__(self, max_entries: int | None = None) -> None:
        n = int(settings()["solve_cache_entries"].to("1")) if max_entries is None else max_entries
        if n < 1:
            raise ValueError(f"max_entries must be >= 1, got {n}")
        self.max_entries = n
        self._table: OrderedDict[bytes, TumourSolve] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._table)

    def solve(self, reference: Scenario, de24_target: float, de168_target: float) -> TumourSolve:
        """:func:`solve_tumour` of ``reference`` for the targets (% of dose), solved once per content."""
        key = content_key(reference, de24_target, de168_target)
        with self._lock:
            hit = self._table.get(key)
            if hit is not None:
                self._table.move_to_end(key)
                self.hits += 1
                return hit
        sv = solve_tumour(reference, de24_target, de168_target)
        with self._lock:
            self.misses += 1
            self._table[key] = sv
            self._table.move_to_end(key)
            while len(self._table) > self.max_entries:
                self._table.popitem(last=False)
        return sv

    def clear(self) -> None:
        with self._lock:
            self._table.clear()


@dataclass(frozen=True)
class TumourSolve:
    """Result of :func:`solve_tumour` (DE in % of the injected carrier dose, single IV bolus)."""

    entry_scale: float
    exit_rate_per_h: float
    retention_factor: float
    overrides: tuple[tuple[str, float], ...]
    de24_percent: float
    de168_percent: float
    notes: tuple[str, ...]


def solve_tumour(scn: Scenario, de24_target: float, de168_target: float) -> TumourSolve:
    """Tumour entry, exit and retention that give the whole-body carrier-label DE24/DE168 targets (% of dose).

    Nested bracketed search: for an exit rate ``k``, the entry scale ``s(k)`` that gives DE24 (log-secant, Brent
    fallback); ``k`` so that DE168 matches too: the first bracket on a log grid of ``k`` (``exit_rate_scan_points``)
    where DE168 crosses the target, then Brent. When DE168 stays above the target at every exit rate (label held
    in tumour cells: the whole-body model never loses it), the retention factor ``f`` (x tumour macrophage uptake
    rate) is lowered by Brent until DE168 matches, at the exit rate closest to the target and at the fastest exit;
    the one that misses the targets least is kept. The searches
    run on the exact linear path (saturable MPS terms at their unsaturated limit); a saturable scenario then
    corrects the targets by the full model's result (fixed point, ``max_rounds``) until it reaches them within
    ``saturable_rtol``.
    """
    from scipy.optimize import brentq

    from nanodds.engine import build, simulate
    from nanodds.model.free_drug import phys_fraction, phys_volume

    cfg = settings()
    rtol = cfg["solve_rtol"].to("1")
    k_lo, k_hi = cfg["exit_rate_min"].to("1/h"), cfg["exit_rate_max"].to("1/h")
    v_lo, v_hi = math.log(cfg["entry_scale_min"].to("1")), math.log(cfg["entry_scale_max"].to("1"))
    w_lo = math.log(cfg["retention_factor_min"].to("1"))
    full = _single_bolus(scn)
    lin = replace(full, solver="linear")
    phys = full.physiology
    kin = load_yaml(f"carriers/{phys.species}.yaml")
    c0, m0 = kin[ENTRY_KEY].value, kin[RETENTION_KEY].value
    pa0 = build(full).meta["carrier_kinetics"].pa_L_per_h["tumour"]
    v_int = phys_volume(phys, "tumour") * phys_fraction(phys, "tumour", "interstitial")
    grid = np.array(SOLVE_TIMES_H)

    def overrides(s: float, k: float, f: float) -> dict[str, float]:
        return {ENTRY_KEY: c0 * s, EXIT_KEY: k * v_int / (pa0 * s), RETENTION_KEY: m0 * f}

    def de(s: float, k: float, f: float, model_scn: Scenario = lin) -> tuple[float, float]:
        sol = simulate(model_scn, t_grid=grid, carrier_overrides=overrides(s, k, f))
        lab = sol.observe("carrier_label_amount_tumour")
        return 100.0 * lab[1] / sol.dosed["carrier"], 100.0 * lab[2] / sol.dosed["carrier"]

    def solve(t24: float, t168: float, v_start: float) -> tuple[float, float, float]:
        cache: dict[tuple[float, float], tuple[float, tuple[float, float]]] = {}
        last = [v_start]

        def s_of(k: float, fr: float) -> tuple[float, tuple[float, float]]:
            if (k, fr) in cache:
                return cache[(k, fr)]

            def f(v: float) -> float:
                return math.log(de(math.exp(v), k, fr)[0] / t24)

            v0 = last[0]
            f0 = f(v0)
            v1 = min(max(v0 - f0, v_lo), v_hi)
            for _ in range(12):
                if abs(f0) <= rtol / 10 or v1 == v0:
                    break
                f1 = f(v1)
                slope = (f1 - f0) / (v1 - v0)
                v0, f0 = v1, f1
                if not slope > 0:
                    break
                v1 = min(max(v1 - f1 / slope, v_lo), v_hi)
            if abs(f0) > rtol / 10:  # secant failed (flow limit, bounds): bracketed search
                if f(v_lo) >= 0:
                    v0 = v_lo
                elif f(v_hi) <= 0:
                    v0 = v_hi
                else:
                    v0 = brentq(f, v_lo, v_hi, xtol=1e-12)
            last[0] = v0
            cache[(k, fr)] = (v0, de(math.exp(v0), k, fr))
            return cache[(k, fr)]

        def g(u: float, fr: float = 1.0) -> float:
            return math.log(s_of(math.exp(u), fr)[1][1] / t168)

        # DE168/DE24 along the DE24 = target curve first falls with k, but can rise again once entry is so fast
        # that exiting carrier re-enters (flow limit): take the first sign change on a log grid from k_lo up
        us = np.linspace(math.log(k_lo), math.log(k_hi), int(cfg["exit_rate_scan_points"].to("1")))
        gs = [g(float(u)) for u in us]
        if gs[0] <= 0:  # DE168 at or below the target without exit: more exit cannot raise it
            return s_of(k_lo, 1.0)[0], k_lo, 1.0
        for a, b, ga, gb in zip(us[:-1], us[1:], gs[:-1], gs[1:], strict=True):
            if ga > 0 >= gb:
                k = math.exp(brentq(g, float(a), float(b), xtol=1e-10))
                return s_of(k, 1.0)[0], k, 1.0
        # DE168 above the target at every exit rate: the label is held in tumour cells. Lower the cell retention
        # (Brent) at the exit rate closest to the target and at the fastest exit (interstitial carrier follows
        # plasma); keep the one that misses the two targets least (summed |log error|)
        best: tuple[float, float, float, float] | None = None
        for k in dict.fromkeys((math.exp(float(us[int(np.argmin(gs))])), k_hi)):

            def h(w: float, k: float = k) -> float:
                return g(math.log(k), math.exp(w))

            fr = cfg["retention_factor_min"].to("1") if h(w_lo) >= 0 else math.exp(brentq(h, w_lo, 0.0, xtol=1e-10))
            v, (d24, d168) = s_of(k, fr)
            err = abs(math.log(d24 / t24)) + abs(math.log(d168 / t168))
            if best is None or err < best[0]:
                best = (err, v, k, fr)
        assert best is not None
        return best[1], best[2], best[3]

    t24, t168 = de24_target, de168_target
    v, k, fr = solve(t24, t168, 0.0)
    reached = de(math.exp(v), k, fr, full)
    saturable = full.solver != "linear" and full.saturable
    tol = cfg["saturable_rtol"].to("1") if saturable else rtol
    if saturable:
        for _ in range(int(cfg["max_rounds"].to("1"))):
            if abs(reached[0] / de24_target - 1) <= tol and abs(reached[1] / de168_target - 1) <= tol:
                break
            t24, t168 = t24 * de24_target / reached[0], t168 * de168_target / reached[1]
            v, k, fr = solve(t24, t168, v)
            reached = de(math.exp(v), k, fr, full)
    notes: list[str] = []
    s = math.exp(v)
    if abs(reached[0] / de24_target - 1.0) > tol:
        notes.append(f"predicted DE24 {de24_target:.3g} % not reachable by the whole-body model (entry scale "
                     f"{s:.3g}); whole-body DE24 {reached[0]:.3g} %")
    if abs(reached[1] / de168_target - 1.0) > tol:
        why = "no exit" if k == k_lo else "lowest tumour-cell retention"
        notes.append(f"predicted DE168 {de168_target:.3g} % not reachable by the whole-body model ({why}); "
                     f"whole-body DE168 {reached[1]:.3g} %")
    return TumourSolve(s, k, fr, tuple(sorted(overrides(s, k, fr).items())), float(reached[0]), float(reached[1]),
                       tuple(notes))


DEFAULT_SOLVER = TumourSolver()
"""The solver :func:`nanodds.engine.build` uses: one per process, so a population worker, a web worker or a
sweep solves each content once."""
