"""Block lower-triangular matrix arithmetic for stacks of patients, and the block ``expm``.

Matrices are kept as dicts of their lower blocks ``{(i, j): array (P, n_i, n_j)}``: products, solves and
exponentials of block lower-triangular matrices stay block lower-triangular, so only ``nb (nb+1)/2`` blocks
are ever computed. :func:`expm_steps` is a degree-13 Pade approximant with scaling and squaring (Higham
2005; Al-Mohy & Higham 2009 norm estimate from ``||A^4||, ||A^6||``, one squaring count per stack); its
``method="taylor"`` runs on dense stacks (:mod:`nanodds.solve.block_taylor`, :mod:`nanodds.solve.dense_blocks`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nanodds.solve.block_taylor import taylor_steps

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


def expm_steps(K: np.ndarray, bounds: Sequence[int], hs: Sequence[float],
               extra: Sequence[int] | None = None, method: str = "pade") -> list[list[np.ndarray]]:
    """``[E, E^2, E^4, ..., E^(2^extra)]`` (dense, p x m x m) with ``E = expm(K h)`` for each ``h`` in ``hs``.

    K is (p, m, m), block lower-triangular for ``bounds``; ``extra[i]`` squarings past ``E`` (default 0).
    ``method``: ``"pade"`` (degree 13, one linear solve per step size) or ``"taylor"``
    (:func:`~nanodds.solve.block_taylor.taylor_steps`: degree 20, products only; the batched LAPACK solve of small
    matrices costs ~13 matrix products here).
    """
    if method == "taylor":
        return taylor_steps(K, bounds, hs, extra)
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
