"""The Newton matrix ``I - c J`` of the compiled BDF step (:mod:`nanodds.solve.bdf_kernel`): its factorisation
without pivoting and the solve with the augmented state.

``I - c J`` of a rate matrix with saturable withdrawal is column diagonally dominant, so no pivoting is needed; the
fill-reducing order is computed once per sparsity pattern (:func:`nanodds.solve.bdf_common.elimination_order`,
which loads without numba). Only the ``(n, n)`` state block is factorised: the integrals ``S`` and ``S2`` of the
augmented state are back-substituted in :func:`lu_solve`.
"""

from __future__ import annotations

from nanodds.solve.numba_kernels import njit


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
