"""The assembled model: named states, a linear rate matrix and a short list of saturable terms.

A :class:`Model` is a value: its arrays are read-only and its mappings cannot be changed, so a model can be
shared by solvers, threads and derived models without one changing what another sees. Solvers keep their
caches themselves (keyed by content) and a :class:`~nanodds.solve.solution.Solution` carries the doses that
produced it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class FrozenMap(Mapping[str, Any]):
    """Read-only mapping (picklable, unlike :class:`types.MappingProxyType`) holding frozen values."""

    __slots__ = ("_d",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._d = {k: freeze(v) for k, v in (items or {}).items()}

    def __getitem__(self, key: str) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._d,))


def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` as a read-only array; copied unless it already is a read-only array owning its data."""
    a = np.asarray(a)
    if a.flags.writeable or a.base is not None:
        a = a.copy()
        a.flags.writeable = False
    return a


def freeze(value: Any) -> Any:
    """Immutable form of a model attribute: arrays read-only, mappings :class:`FrozenMap`, lists tuples."""
    if isinstance(value, np.ndarray):
        return readonly(value)
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping):
        return FrozenMap(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class SaturableTerm:
    """Capacity-limited transfer ``k * max(0, 1 - y[pc] / capacity) * y[src]`` from ``src`` to ``dst``.

    The linear rate matrix already holds the unsaturated part ``k * y[src]``; the stiff solver subtracts
    ``k * min(1, y[pc]/capacity) * y[src]``.
    """

    src: int
    dst: int
    pc: int
    rate_per_h: float
    capacity_mg: float


@dataclass(frozen=True)
class Observable:
    """A linear read-out ``weights @ y`` (e.g. a concentration in mg/L or an amount in mg)."""

    weights: np.ndarray
    unit: str
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", readonly(self.weights))


@dataclass(frozen=True)
class Model:
    """A whole-body model ready to solve.

    Attributes
    ----------
    names : tuple of str
        State names ``"<species>:<compartment>"``, e.g. ``"encapsulated:liver.phagocyte"``.
    K : ndarray, shape (n, n)
        Linear rate matrix (1/h): ``dy/dt = K @ y + u(t)``; column sums are zero (mass conserved, sinks are
        states). Saturation is absent from K.
    saturable : tuple of SaturableTerm
    dose_vector : ndarray, shape (n,)
        Where 1 mg of administered drug goes (mg of each state per mg drug).
    sinks : ndarray of int
        Indices of the elimination states (pure accumulators).
    groups : dict
        ``{"drug": mask, "carrier": mask}`` boolean masks for the mass balances.
    per_mg_group : dict
        Amount of each group administered per mg of drug.
    observables : dict of Observable
    volumes_L : dict
        Organ volumes for tissue concentrations.
    k_schedule : tuple of (float, ndarray)
        Piecewise-constant changes of K from time t (h) on (stimuli, e.g. hyperthermia); empty when K is
        constant.
    meta : mapping
        Descriptive, read-only facts about the model (``species``, ``drug``, ``K_parts``, ...); never a
        cache nor a channel between a solver and its output (frozen on construction).

    All arrays are made read-only and all mappings :class:`FrozenMap` on construction (``dataclasses.replace``
    included), so the model cannot change after it was built.
    """

    names: tuple[str, ...]
    K: np.ndarray
    saturable: tuple[SaturableTerm, ...]
    dose_vector: np.ndarray
    sinks: np.ndarray
    groups: Mapping[str, np.ndarray]
    per_mg_group: Mapping[str, float]
    observables: Mapping[str, Observable]
    volumes_L: Mapping[str, float]
    k_schedule: tuple[tuple[float, np.ndarray], ...] = ()
    meta: Mapping[str, Any] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "saturable", tuple(self.saturable))
        for name in ("K", "dose_vector", "sinks"):
            object.__setattr__(self, name, readonly(getattr(self, name)))
        for name in ("groups", "per_mg_group", "observables", "volumes_L", "meta"):
            object.__setattr__(self, name, freeze(getattr(self, name)))
        object.__setattr__(self, "k_schedule", tuple((float(t0), readonly(Kt)) for t0, Kt in self.k_schedule))
        self._check_sinks()

    def _check_sinks(self) -> None:
        """Sinks only accumulate: the solvers integrate them as running totals (exact AUCs, mass balance), so a
        sink with an outflow in any rate matrix (saturable terms too: K holds their unsaturated rate) would be held
        constant without an error."""
        if not len(self.sinks):
            return
        for K in (self.K, *(Kt for _, Kt in self.k_schedule)):
            leaks = self.sinks[np.any(K[:, self.sinks] != 0.0, axis=0)]
            if leaks.size:
                raise ValueError(f"sink state(s) {[self.names[i] for i in leaks]} have an outflow; a state that "
                                 "loses mass must not be a sink (':sink.' in its name)")

    @property
    def n(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def linear(self) -> Model:
        """The same model with its saturable terms switched off."""
        return Model(self.names, self.K, (), self.dose_vector, self.sinks, self.groups, self.per_mg_group,
                     self.observables, self.volumes_L, self.k_schedule, self.meta)

    def k_at(self, t_h: float) -> np.ndarray:
        """Rate matrix in force at time ``t_h``."""
        K = self.K
        for t0, Kt in self.k_schedule:
            if t_h >= t0:
                K = Kt
        return K


class RateBuilder:
    """Collects named states and first-order transfers into a rate matrix."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._idx: dict[str, int] = {}
        self.transfers: list[tuple[int, int, float, str]] = []

    def state(self, name: str) -> int:
        """Index of ``name``, creating the state on first use."""
        if name not in self._idx:
            self._idx[name] = len(self.names)
            self.names.append(name)
        return self._idx[name]

    def flow(self, src: str, dst: str, rate_per_h: float, tag: str = "other") -> None:
        """First-order transfer ``rate_per_h * y[src]`` from ``src`` to ``dst``.

        ``tag`` names the process (``flow``, ``hepatic_clearance``, ``mps_uptake``, ...): populations and
        sensitivity analyses rescale a process by rescaling its tagged part of K (see :meth:`parts`).
        """
        if rate_per_h < 0 or not np.isfinite(rate_per_h):
            raise ValueError(f"rate {src}->{dst} must be finite and >= 0, got {rate_per_h}")
        if rate_per_h > 0:
            self.transfers.append((self.state(src), self.state(dst), rate_per_h, tag))

    def matrix(self) -> np.ndarray:
        n = len(self.names)
        K = np.zeros((n, n))
        for i, j, k, _ in self.transfers:
            K[j, i] += k
            K[i, i] -= k
        return K

    def parts(self) -> dict[str, np.ndarray]:
        """Rate matrix split by process tag; the parts add up to :meth:`matrix`."""
        n = len(self.names)
        out: dict[str, np.ndarray] = {}
        for i, j, k, tag in self.transfers:
            K = out.setdefault(tag, np.zeros((n, n)))
            K[j, i] += k
            K[i, i] -= k
        return out
