"""Block lower-triangular matrix arithmetic for stacks of patients, and the block ``expm``.

Matrices are kept as dicts of their lower blocks ``{(i, j): array (P, n_i, n_j)}``: products, solves and
exponentials of block lower-triangular matrices stay block lower-triangular, so only ``nb (nb+1)/2`` blocks
are ever computed. :func:`expm_steps` is a degree-13 Pade approximant with scaling and squaring (Higham
2005; Al-Mohy & Higham 2009 norm estimate from ``||A^4||, ||A^6||``, one squaring count per stack).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0,
           960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152
Blocks = dict[tuple[int, int], np.ndarray]


def split(M: np.ndarray, bounds: Sequence[int]) -> Blocks:
    """Lower blocks of a stack (p, m, m) as contiguous arrays."""
    nb = len(bounds) - 1
    return {(i, j): np.ascontiguousarray(M[:, bounds[i]:bounds[i + 1], bounds[j]:bounds[j + 1]])
            for i in range(nb) for j in range(i + 1)}


def dense(B: Blocks, bounds: Sequence[int]) -> np.ndarray:
    nb = len(bounds) - 1
    p = B[0, 0].shape[0]
    out = np.zeros((p, bounds[-1], bounds[-1]))
    for i in range(nb):
        for j in range(i + 1):
            out[:, bounds[i]:bounds[i + 1], bounds[j]:bounds[j + 1]] = B[i, j]
    return out


def bmul(A: Blocks, B: Blocks, nb: int) -> Blocks:
    out = {}
    for i in range(nb):
        for j in range(i + 1):
            acc = A[i, j] @ B[j, j]
            for k in range(j + 1, i + 1):
                acc += A[i, k] @ B[k, j]
            out[i, j] = acc
    return out


def bcomb(terms: Sequence[tuple[float, Blocks]], eye: float, nb: int) -> Blocks:
    """``sum c M + eye I`` blockwise."""
    out = {}
    for key in terms[0][1]:
        acc = terms[0][0] * terms[0][1][key]
        for c, M in terms[1:]:
            acc += c * M[key]
        if eye and key[0] == key[1]:
            r = np.arange(acc.shape[1])
            acc[:, r, r] += eye
        out[key] = acc
    return out


def bsolve(M: Blocks, R: Blocks, nb: int) -> Blocks:
    """``M^{-1} R`` by block forward substitution."""
    X: Blocks = {}
    for i in range(nb):
        rhs = []
        for j in range(i + 1):
            r = R[i, j]
            for k in range(j, i):
                r = r - M[i, k] @ X[k, j]
            rhs.append(r)
        sizes = np.cumsum([r.shape[2] for r in rhs])[:-1]
        sol = np.linalg.solve(M[i, i], np.concatenate(rhs, axis=2))
        for j, part in enumerate(np.split(sol, sizes, axis=2)):
            X[i, j] = part
    return X


def inverse(K: np.ndarray, bounds: Sequence[int]) -> np.ndarray:
    """``K^{-1}`` (dense) of a block lower-triangular stack, by block forward substitution."""
    nb = len(bounds) - 1
    p, m = K.shape[0], K.shape[1]
    eye = split(np.broadcast_to(np.eye(m), (p, m, m)), bounds)
    return dense(bsolve(split(K, bounds), eye, nb), bounds)


def solve_lower(K: np.ndarray, bounds: Sequence[int], R: np.ndarray, transpose: bool = False) -> np.ndarray:
    """``K^{-1} R`` (or ``K^{-T} R``) for a dense block lower-triangular stack K (p, m, m), R (p, m, k).

    Block forward (backward for the transpose) substitution with one batched LAPACK solve per diagonal
    block: a few right-hand sides cost ~1/4 of the explicit inverse (:func:`inverse`) here.
    """
    nb = len(bounds) - 1
    X = np.empty(np.broadcast_shapes(K.shape[:1], R.shape[:1]) + R.shape[1:])
    order = range(nb - 1, -1, -1) if transpose else range(nb)
    for i in order:
        ri = slice(bounds[i], bounds[i + 1])
        r = R[:, ri]
        if transpose and i < nb - 1:
            rest = slice(bounds[i + 1], bounds[-1])
            r = r - np.swapaxes(K[:, rest, ri], 1, 2) @ X[:, rest]
        elif not transpose and i > 0:
            r = r - K[:, ri, :bounds[i]] @ X[:, :bounds[i]]
        Kii = K[:, ri, ri]
        X[:, ri] = np.linalg.solve(np.swapaxes(Kii, 1, 2) if transpose else Kii, r)
    return X


def bnorm1(M: Blocks, nb: int) -> float:
    best = 0.0
    for j in range(nb):
        col = sum(np.abs(M[i, j]).sum(axis=-2) for i in range(j, nb))
        best = max(best, float(np.max(col)))
    return best


TAYLOR_DEGREE = 20
THETA_TAYLOR20 = 1.5
"""Largest ``alpha = max(||A^4||^(1/4), ||A^5||^(1/5))`` (1-norm) for which the degree-20 Taylor remainder
``sum_(k>20) alpha^k / k!`` stays below the unit roundoff 2^-53 (1.05e-16 at 1.5; tested). By Al-Mohy & Higham
(2009, Lemma 4.1) ``||A^k||^(1/k) <= alpha`` for every ``k >= 12``, so this bounds ``||expm(A) - T_20(A)||``."""


def expm_steps(K: np.ndarray, bounds: Sequence[int], hs: Sequence[float],
               extra: Sequence[int] | None = None, method: str = "pade") -> list[list[np.ndarray]]:
    """``[E, E^2, E^4, ..., E^(2^extra)]`` (dense, p x m x m) with ``E = expm(K h)`` for each ``h`` in ``hs``.

    K is (p, m, m), block lower-triangular for ``bounds``; ``extra[i]`` squarings past ``E`` (default 0).
    ``method``: ``"pade"`` (degree 13, one linear solve per step size) or ``"taylor"`` (:func:`_taylor_steps`:
    degree 20, products only; the batched LAPACK solve of small matrices costs ~13 matrix products here).
    """
    if method == "taylor":
        return _taylor_steps(K, bounds, hs, extra)
    if method != "pade":
        raise ValueError(f"method must be 'pade' or 'taylor', got {method!r}")
    nb = len(bounds) - 1
    b = _PADE13
    Kb = split(K, bounds)
    K2 = bmul(Kb, Kb, nb)
    K4 = bmul(K2, K2, nb)
    K6 = bmul(K4, K2, nb)
    rate = max(bnorm1(K4, nb) ** 0.25, bnorm1(K6, nb) ** (1.0 / 6.0))
    out = []
    for n_h, h in enumerate(hs):
        eta = rate * h
        s = max(0, int(np.ceil(np.log2(eta / _THETA13)))) if eta > _THETA13 else 0
        g = h / 2.0**s
        g2, g4, g6 = g**2, g**4, g**6
        inner_u = bmul(K6, bcomb([(b[13] * g6, K6), (b[11] * g4, K4), (b[9] * g2, K2)], 0.0, nb), nb)
        U = bmul(Kb, bcomb([(g6, inner_u), (b[7] * g6, K6), (b[5] * g4, K4), (b[3] * g2, K2)], b[1], nb), nb)
        inner_v = bmul(K6, bcomb([(b[12] * g6, K6), (b[10] * g4, K4), (b[8] * g2, K2)], 0.0, nb), nb)
        V = bcomb([(g6, inner_v), (b[6] * g6, K6), (b[4] * g4, K4), (b[2] * g2, K2)], b[0], nb)
        R = bsolve(bcomb([(1.0, V), (-g, U)], 0.0, nb), bcomb([(1.0, V), (g, U)], 0.0, nb), nb)
        for _ in range(s):
            R = bmul(R, R, nb)
        pw = [dense(R, bounds)]
        for _ in range(0 if extra is None else extra[n_h]):
            R = bmul(R, R, nb)
            pw.append(dense(R, bounds))
        out.append(pw)
    return out


def dmul(A: np.ndarray, B: np.ndarray, bounds: Sequence[int], out: np.ndarray | None = None,
         upper_zero: bool = False) -> np.ndarray:
    """Product of two dense block lower-triangular stacks (p, m, m), computing only the lower blocks.

    Block ``(i, j)`` is ``sum_(k=j..i) A_ik B_kj``: one batched product of the column range ``bounds[j]:
    bounds[i+1]`` of A's block row with the same row range of B's block column, written in place (strided
    views are BLAS operands); the upper blocks are set to zero, unless ``upper_zero`` says that ``out``'s already
    are (a reused buffer that only block lower-triangular results are written to). ``out`` must not be A or B.
    """
    C = np.empty(np.broadcast_shapes(A.shape, B.shape)) if out is None else out
    products, upper = _dmul_plan(tuple(bounds))
    for a_idx, b_idx, c_idx in products:
        np.matmul(A[a_idx], B[b_idx], out=C[c_idx])
    if not upper_zero:
        for u in upper:
            C[u] = 0.0
    return C


@lru_cache(maxsize=64)
def _dmul_plan(bounds: tuple[int, ...]) -> tuple[list[tuple[tuple[slice, ...], ...]], list[tuple[slice, ...]]]:
    """Index tuples of :func:`dmul`'s block products ``(A, B, C)`` and of the upper blocks, per ``bounds``."""
    nb = len(bounds) - 1
    products, upper = [], []
    every = slice(None)
    for i in range(nb):
        ri = slice(bounds[i], bounds[i + 1])
        for j in range(i + 1):
            rj = slice(bounds[j], bounds[j + 1])
            inner = slice(bounds[j], bounds[i + 1])
            products.append(((every, ri, inner), (every, inner, rj), (every, ri, rj)))
        if bounds[i + 1] < bounds[-1]:
            upper.append((every, ri, slice(bounds[i + 1], None)))
    return products, upper


def _squarings(R: np.ndarray, s: int, extra: int, bounds: Sequence[int],
               hook: Callable[[int, np.ndarray], None] | None = None, scratch: bool = False) -> list[np.ndarray]:
    """``[R^(2^s), R^(2^(s+1)), ..., R^(2^(s+extra))]`` by repeated block squaring (dense stacks).

    ``hook(j, R^(2^j))`` is called for ``j = 0 .. s + extra`` while that power is alive (it is overwritten by
    the next squaring below ``s``). ``scratch``: the powers past the first live in this thread's
    :func:`workspace` (valid until the next such call), and so may the first. R's upper blocks must be zero.
    """
    key = tuple(bounds)
    buf = workspace("squaring", R.shape, zeroed=True, key=key) if scratch else np.empty_like(R)
    for j in range(s):
        if hook is not None:
            hook(j, R)
        buf = dmul(R, R, bounds, out=buf, upper_zero=scratch)
        R, buf = buf, R
    pw = [R]
    for j in range(extra):
        out = workspace(f"power_{j}", R.shape, zeroed=True, key=key) if scratch else None
        pw.append(dmul(pw[-1], pw[-1], bounds, out=out, upper_zero=scratch))
    if hook is not None:
        for j, M in enumerate(pw):
            hook(s + j, M)
    return pw


_WORK = threading.local()


def workspace(name: str, shape: tuple[int, ...], zeroed: bool = False, key: object = None) -> np.ndarray:
    """A scratch array of this thread, reused by the next call with the same ``name`` and ``shape``.

    The linear population path's largest per-chunk arrays (the stacked Taylor powers, the chunk's trajectories)
    would otherwise be fresh memory each time: above glibc's mmap threshold they are mapped and unmapped per
    chunk, and every page faults again (measured: twice the system time). Contents are undefined on return;
    the caller must not keep the array past its own use.

    Parameters
    ----------
    name : str
        The buffer's role (one buffer per name and thread).
    shape : tuple of int
    zeroed : bool
        The buffer holds zeros wherever its users never write, for the same ``key``: it starts as zeros and is
        zeroed again when ``key`` differs from the previous call's (block lower-triangular results written by
        :func:`dmul` with ``upper_zero`` keep their upper blocks zero only while the block bounds, the key, stay
        the same; another model with as many states but other bounds would otherwise read the last one's lower
        blocks as its upper ones).
    key : hashable, optional
        What decides where the users write (e.g. the block bounds); compared with ``==``.

    Returns
    -------
    ndarray
        Float64, uninitialised (or as left by the previous user of the name).
    """
    held = getattr(_WORK, name, None)
    if held is None or held[0].shape != shape:
        buf = np.zeros(shape) if zeroed else np.empty(shape)
        setattr(_WORK, name, (buf, key))
        return buf
    buf, old = held
    if zeroed and old != key:
        buf.fill(0.0)
        setattr(_WORK, name, (buf, key))
    return buf


def _taylor_setup(K: np.ndarray, bounds: Sequence[int]) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Stacked powers of the shifted ``S = K - mu I`` and the norm estimate of :func:`_taylor_steps`.

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
    return P, max(_norm1(P[4]) ** 0.25, _norm1(P[5]) ** 0.2), mu


def _scaling(alpha: float, h: float) -> tuple[int, float]:
    """Squarings ``s`` and scaled step ``g = h / 2^s`` with ``alpha g <= THETA_TAYLOR20``."""
    eta = alpha * h
    s = max(0, int(np.ceil(np.log2(eta / THETA_TAYLOR20)))) if eta > THETA_TAYLOR20 else 0
    return s, h / 2.0**s


def _taylor_root(P: np.ndarray, alpha: float, mu: np.ndarray, h: float,
                 bounds: Sequence[int]) -> tuple[np.ndarray, int, float]:
    """``exp(mu g) T_20(g S) = expm(g K)`` with ``g = h / 2^s`` the scaled step; returns it, s, g."""
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
    g5 = g**5
    acc = np.multiply(K5, g5 / _FACT[20])
    acc += Bs[3]
    prod = workspace("taylor_horner", acc.shape, zeroed=True, key=tuple(bounds))
    for j in (2, 1, 0):
        dmul(K5, acc, bounds, out=prod, upper_zero=True)
        np.multiply(prod, g5, out=acc)
        acc += Bs[j]
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


def _taylor_steps(K: np.ndarray, bounds: Sequence[int], hs: Sequence[float],
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
        out.append(_squarings(acc, s, 0 if extra is None else extra[n_h], bounds))
    return out


def taylor_steps_applied(K: np.ndarray, bounds: Sequence[int], h: float, extra: int,
                         pairs: Sequence[tuple[float, np.ndarray]],
                         scratch: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
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
    acc, s, g = _taylor_root(P, alpha, mu, h, bounds)

    def hook(j: int, R: np.ndarray) -> None:
        for i, q in enumerate(bits):
            if (q >> j) & 1:
                vecs[i] = _mv(R, vecs[i])

    return _squarings(acc, s, extra, bounds, hook, scratch), vecs


def _mv(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.matmul(M, v[..., None])[..., 0]


def _norm1(M: np.ndarray) -> float:
    """Largest 1-norm (maximum absolute column sum) over a stack (p, m, m).

    The column sums as one product ``1^T |M|`` (half the time of numpy's reduction here), ``|M|`` in this thread's
    workspace.
    """
    if M.size == 0:
        return 0.0
    absM = np.abs(M, out=workspace("norm1_abs", M.shape))
    return float(np.max(np.ones(M.shape[-2]) @ absM))
