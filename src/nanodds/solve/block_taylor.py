"""The block ``expm`` by a degree-20 Taylor polynomial (products only) on dense block lower-triangular stacks.

:func:`taylor_steps` gives ``[E, E^2, ..., E^(2^extra)]`` with ``E = expm(K h)`` (what
:func:`nanodds.solve.block_expm.expm_steps` returns with ``method="taylor"``); :func:`taylor_steps_applied`
also applies off-grid propagators ``expm(K delta) v`` to vectors along the squaring chain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nanodds.solve.dense_blocks import dmul, norm1, squarings, workspace

__all__ = ["TAYLOR_DEGREE", "THETA_TAYLOR20", "taylor_steps", "taylor_steps_applied"]

TAYLOR_DEGREE = 20
THETA_TAYLOR20 = 1.5
"""Largest ``alpha = max(||A^4||^(1/4), ||A^5||^(1/5))`` (1-norm) for which the degree-20 Taylor remainder
``sum_(k>20) alpha^k / k!`` stays below the unit roundoff 2^-53 (1.05e-16 at 1.5; tested). By Al-Mohy & Higham
(2009, Lemma 4.1) ``||A^k||^(1/k) <= alpha`` for every ``k >= 12``, so this bounds ``||expm(A) - T_20(A)||``."""


def _taylor_setup(K: np.ndarray, bounds: Sequence[int]) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Stacked powers of the shifted ``S = K - mu I`` and the norm estimate of :func:`taylor_steps`.

    ``mu`` (per matrix) is the midpoint of the diagonal's range: ``expm(K t) = exp(mu t) expm(S t)`` exactly, and
    for rate matrices, whose stiffest mode sits on the most negative diagonal entry (eigenvalues from ~0 to about
    that entry), the shift halves ``alpha`` and so saves one squaring (Doxil human, 1,024 patients: ``alpha``
    4,366 -> 2,243 /h median, 10 -> 9 squarings in every chunk of 32).

    Returns ``P`` (``S^1 .. S^5`` at ``P[1] .. P[5]``, ``P[0]`` unused: the identity goes on the diagonal),
    ``alpha = max(||S^4||^(1/4), ||S^5||^(1/5))`` (1-norm, largest over the stack) and ``mu`` (p,).
    """
    K = np.asarray(K, dtype=float)
    p, m = K.shape[0], K.shape[1]
    diag = np.arange(m)
    # only K and lower blocks are written: the upper ones stay zero for these bounds
    P = workspace("taylor_powers", (6, p, m, m), zeroed=True, key=tuple(bounds))
    d = K[:, diag, diag]
    mu = 0.5 * (d.min(axis=1) + d.max(axis=1)) if m else np.zeros(p)
    P[1] = K
    P[1, :, diag, diag] -= mu
    dmul(P[1], P[1], bounds, out=P[2], upper_zero=True)
    dmul(P[2], P[1], bounds, out=P[3], upper_zero=True)
    dmul(P[2], P[2], bounds, out=P[4], upper_zero=True)
    dmul(P[4], P[1], bounds, out=P[5], upper_zero=True)
    return P, max(norm1(P[4]) ** 0.25, norm1(P[5]) ** 0.2), mu


def _scaling(alpha: float, h: float) -> tuple[int, float]:
    """Squarings ``s`` and scaled step ``g = h / 2^s`` with ``alpha g <= THETA_TAYLOR20``."""
    eta = alpha * h
    s = max(0, int(np.ceil(np.log2(eta / THETA_TAYLOR20)))) if eta > THETA_TAYLOR20 else 0
    return s, h / 2.0**s


def _taylor_root(P: np.ndarray, alpha: float, mu: np.ndarray, h: float,
                 bounds: Sequence[int], scratch: bool = False) -> tuple[np.ndarray, int, float]:
    """``exp(mu g) T_20(g S) = expm(g K)`` with ``g = h / 2^s`` the scaled step; returns it, s, g.

    ``scratch``: the result lives in this thread's :func:`workspace` (valid until the next such call)."""
    p, m = P.shape[1], P.shape[2]
    s, g = _scaling(alpha, h)
    diag = np.arange(m)
    K5 = P[5]
    # B_j = sum_(i<5) A^i / (5j+i)! (A = g S), all four in one pass over the stacked powers
    C = np.array([[g**i / _FACT[5 * j + i] for i in range(1, 5)] for j in range(4)])
    Bs = workspace("taylor_blocks", (4, p, m, m))  # written whole
    np.matmul(C, P[1:5].reshape(4, -1), out=Bs.reshape(4, -1))
    Bs[:, :, diag, diag] += np.array([1.0 / _FACT[5 * j] for j in range(4)])[:, None, None]
    # T = B0 + A^5 (B1 + A^5 (B2 + A^5 (B3 + A^5 / 20!))), A^5 = g^5 S^5
    A5 = np.multiply(K5, g**5, out=workspace("taylor_a5", K5.shape))  # written whole (upper blocks 0 * g^5)
    acc = workspace("taylor_root", K5.shape) if scratch else np.empty_like(K5)
    np.multiply(A5, 1.0 / _FACT[20], out=acc)
    acc += Bs[3]
    prod = workspace("taylor_horner", acc.shape, zeroed=True, key=tuple(bounds))
    for j in (2, 1, 0):
        dmul(A5, acc, bounds, out=prod, upper_zero=True)
        np.add(prod, Bs[j], out=acc)
    acc *= np.exp(mu * g)[:, None, None]
    return acc, s, g


def _taylor_mv(P: np.ndarray, mu: np.ndarray, t: float, v: np.ndarray) -> np.ndarray:
    """``expm(K t) v = exp(mu t) T_20(t S) v`` for vectors v (p, m), ``alpha t <= THETA_TAYLOR20``.

    Paterson-Stockmeyer on the vector with the stacked powers of :func:`_taylor_setup`: ``S^i v`` (i = 1..4) in
    one batched product, then Horner in ``(t S)^5``: 5 batched matrix-vector products instead of 20.
    """
    Z = np.empty((5, *v.shape))
    Z[0] = v
    Z[1:] = np.matmul(P[1:5], v[None, :, :, None])[..., 0]
    C = np.array([[t**i / _FACT[5 * j + i] for i in range(5)] for j in range(4)])  # B_j v = sum_i C[j, i] Z[i]
    Bv = (C @ Z.reshape(5, -1)).reshape(4, *v.shape)
    t5 = t**5
    u = Bv[3] + (t5 / _FACT[20]) * _mv(P[5], v)
    for j in (2, 1, 0):
        u = Bv[j] + t5 * _mv(P[5], u)
    return u * np.exp(mu * t)[:, None]


_FACT = [float(math.factorial(k)) for k in range(TAYLOR_DEGREE + 1)]


def taylor_steps(K: np.ndarray, bounds: Sequence[int], hs: Sequence[float],
                  extra: Sequence[int] | None = None) -> list[list[np.ndarray]]:
    """:func:`expm_steps` by the degree-20 Taylor polynomial with scaling and squaring, no linear solve.

    ``T(A) = sum_(k<=20) A^k / k!`` by Paterson & Stockmeyer (1973): with ``A^2 .. A^5`` (shared by every step
    size, as ``(g K)^k = g^k K^k``) and Horner in ``A^5``, three block products per step size. The scaling
    ``g = h / 2^s`` brings ``alpha(g S)`` under :data:`THETA_TAYLOR20`, ``S = K - mu I`` the shifted matrix of
    :func:`_taylor_setup` (``expm(g K) = exp(mu g) T(g S)``; same norm estimate as the Pade path, on ``S``).
    Dense stacks throughout, block lower-triangular products by :func:`dmul` (no block dicts, no conversions);
    the four-term combinations ``sum_i c_i A^i`` are one pass over the stacked powers (``tensordot``).
    """
    P, alpha, mu = _taylor_setup(K, bounds)
    out = []
    for n_h, h in enumerate(hs):
        acc, s, _ = _taylor_root(P, alpha, mu, h, bounds)
        out.append(squarings(acc, s, 0 if extra is None else extra[n_h], bounds))
    return out


def taylor_steps_applied(K: np.ndarray, bounds: Sequence[int], h: float, extra: int,
                         pairs: Sequence[tuple[float, np.ndarray]], scratch: bool = False,
                         fine_out: dict[int, np.ndarray] | None = None,
                         fine_log2: Sequence[int] = (4,)) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``[E, E^2, ..., E^(2^extra)]`` (``E = expm(K h)``, as :func:`expm_steps` with ``method="taylor"``) and
    ``expm(K delta) v`` for each ``(delta, v)`` of ``pairs`` (``v`` (p, m); ``0 <= delta <= h 2^extra``), the
    latter as vector products only.

    The squaring chain of ``E`` passes through ``R_j = T(g K)^(2^j) = expm(K g 2^j)``, ``g = h / 2^s``. With
    ``delta = (q + f) g`` (integer ``q``, ``0 <= f < 1``), ``expm(K delta) = expm(K f g) prod_(bits j of q) R_j``
    (all functions of K commute): ``expm(K f g) v`` by the degree-20 Taylor polynomial on the vector
    (:func:`_taylor_mv`: the shifted powers ``S^1 .. S^4`` applied at once, then Horner in ``S^5``; ``alpha(f g S) <=
    alpha(g S) <= THETA_TAYLOR20``, the same bound as ``E``), then one matrix-vector product per set bit while the
    chain is computed. Replaces the ~11 block matrix products (3 Horner, ~8 squarings) of a separate
    ``expm(K delta)`` by ~15 matrix-vector products.

    Parameters
    ----------
    K : ndarray, shape (p, m, m)
        Rate matrices (1/h), block lower-triangular for ``bounds``.
    h : float
        Step (h) of ``E``.
    extra : int
        Squarings past ``E`` (the powers returned are ``E .. E^(2^extra)``).
    pairs : sequence of (float, ndarray (p, m))
        Off-grid steps ``delta`` (h) and the vectors they act on.
    scratch : bool
        ``E^2 ..`` in this thread's :func:`workspace` (a chunk's private propagators, valid until the next call).
    fine_out : dict, optional
        Receives ``expm(K h / 2^l)`` at key ``l`` for each ``l`` of ``fine_log2`` (fresh arrays): the chain's own
        power where it passes through that step (``s >= l``), else the Taylor root at that step
        (``alpha h / 2^l <= THETA_TAYLOR20``).

    Returns
    -------
    powers : list of ndarray (p, m, m)
    moved : list of ndarray (p, m)
        ``expm(K delta) v`` in the order of ``pairs``.
    """
    P, alpha, mu = _taylor_setup(K, bounds)
    s, g = _scaling(alpha, h)
    vecs, bits = [], []
    for delta, v in pairs:
        q = int(np.floor(delta / g))
        if delta < 0 or q >= 2 ** (s + extra + 1):
            raise ValueError(f"delta {delta!r} outside [0, h 2^extra] for h={h!r}, extra={extra}")
        fg = delta - q * g
        u = np.array(v, dtype=float)
        vecs.append(_taylor_mv(P, mu, fg, u) if fg > 0.0 else u)
        bits.append(q)
    levels = {} if fine_out is None else {s - lv: lv for lv in fine_log2 if s >= lv}
    for lv in () if fine_out is None else fine_log2:
        if s < lv:
            fine_out[lv] = _taylor_root(P, alpha, mu, h / 2.0**lv, bounds)[0]
    acc, s, g = _taylor_root(P, alpha, mu, h, bounds, scratch)

    def hook(j: int, R: np.ndarray) -> None:
        if j in levels:
            fine_out[levels[j]] = R.copy()  # R = expm(K g 2^j) = expm(K h / 2^level)
        for i, q in enumerate(bits):
            if (q >> j) & 1:
                vecs[i] = _mv(R, vecs[i])

    return squarings(acc, s, extra, bounds, hook, scratch), vecs


def _mv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.matmul(M, v[..., None])[..., 0]
