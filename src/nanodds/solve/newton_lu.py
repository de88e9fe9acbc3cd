"""The Newton matrix ``I - c J`` of the compiled BDF step (:mod:`nanodds.solve.bdf_kernel`): its elimination order,
its factorisation without pivoting and the solve with the augmented state.

``I - c J`` of a rate matrix with saturable withdrawal is column diagonally dominant, so no pivoting is needed; the
fill-reducing order is computed once per sparsity pattern (:func:`elimination_order`). Only the ``(n, n)`` state
block is factorised: the integrals ``S`` and ``S2`` of the augmented state are back-substituted in :func:`lu_solve`.
"""

from __future__ import annotations

import numpy as np

from nanodds.solve.numba_kernels import njit


def elimination_order(pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Greedy Markowitz elimination order of a square sparsity pattern and its filled L/U structure.

    Parameters
    ----------
    pattern : ndarray of bool (n, n)
        Entries that can be non-zero (the diagonal is added).

    Returns
    -------
    order : ndarray of int (n,)
        Pivot (state index) eliminated at each step.
    l_ptr, l_idx : ndarray of int
        Rows below the pivot of step ``k`` (still to be eliminated) with a non-zero in the pivot's column:
        ``l_idx[l_ptr[k]:l_ptr[k + 1]]``.
    u_ptr, u_idx : ndarray of int
        Columns of the pivot's row among the states still to be eliminated, likewise.
    """
    n = pattern.shape[0]
    F = np.asarray(pattern, dtype=bool) | np.eye(n, dtype=bool)
    left = np.ones(n, dtype=bool)
    order, l_ptr, u_ptr, l_idx, u_idx = [], [0], [0], [], []
    for _ in range(n):
        rows = (F & left[:, None] & left[None, :]).sum(axis=0) - 1  # other non-zeros in each column
        cols = (F & left[:, None] & left[None, :]).sum(axis=1) - 1
        cost = np.where(left, rows * cols, np.iinfo(np.int64).max)
        p = int(np.argmin(cost))
        left[p] = False
        r = np.flatnonzero(F[:, p] & left)
        c = np.flatnonzero(F[p, :] & left)
        F[np.ix_(r, c)] = True
        order.append(p)
        l_idx.extend(r.tolist())
        u_idx.extend(c.tolist())
        l_ptr.append(len(l_idx))
        u_ptr.append(len(u_idx))
    as_int = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
    return as_int(order), as_int(l_ptr), as_int(l_idx), as_int(u_ptr), as_int(u_idx)


@njit(cache=True)
def lu_factor(A, c, K, y, ksat, cap, src, dst, pc, order, l_ptr, l_idx, u_ptr, u_idx):
    """Overwrite ``A`` with the LU factors of ``I - c J(y)`` (no pivoting, along ``order``)."""
    n = A.shape[0]
    for a in range(n):
        for b in range(n):
            A[a, b] = -c * K[a, b]
        A[a, a] += 1.0
    for j in range(src.shape[0]):
        th = y[pc[j]] / cap[j]
        th = 0.0 if th < 0.0 else (1.0 if th > 1.0 else th)
        dsrc = ksat[j] * th
        A[src[j], src[j]] -= c * dsrc
        A[dst[j], src[j]] += c * dsrc
        if 0.0 < y[pc[j]] < cap[j]:
            dpc = ksat[j] * y[src[j]] / cap[j]
            A[src[j], pc[j]] -= c * dpc
            A[dst[j], pc[j]] += c * dpc
    for k in range(n):
        p = order[k]
        inv = 1.0 / A[p, p]
        for q in range(l_ptr[k], l_ptr[k + 1]):
            i = l_idx[q]
            m = A[i, p] * inv
            A[i, p] = m
            if m != 0.0:
                for w in range(u_ptr[k], u_ptr[k + 1]):
                    A[i, u_idx[w]] -= m * A[p, u_idx[w]]


@njit(cache=True)
def lu_solve(A, c, b, n, order, l_ptr, l_idx, u_ptr, u_idx):
    """Solve ``(I - c J_aug) x = b`` in place, ``A`` holding the factors of the state block."""
    for k in range(n):
        p = order[k]
        bp = b[p]
        for q in range(l_ptr[k], l_ptr[k + 1]):
            b[l_idx[q]] -= A[l_idx[q], p] * bp
    for k in range(n - 1, -1, -1):
        p = order[k]
        s = b[p]
        for w in range(u_ptr[k], u_ptr[k + 1]):
            s -= A[p, u_idx[w]] * b[u_idx[w]]
        b[p] = s / A[p, p]
    for a in range(n):
        b[n + a] += c * b[a]
        b[2 * n + a] += c * b[n + a]
