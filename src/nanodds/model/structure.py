"""The assembled model: named states, a linear rate matrix and a short list of saturable terms."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    """

    names: tuple[str, ...]
    K: np.ndarray
    saturable: tuple[SaturableTerm, ...]
    dose_vector: np.ndarray
    sinks: np.ndarray
    groups: dict[str, np.ndarray]
    per_mg_group: dict[str, float]
    observables: dict[str, Observable]
    volumes_L: dict[str, float]
    k_schedule: tuple[tuple[float, np.ndarray], ...] = ()
    meta: dict[str, object] = field(default_factory=dict)

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
