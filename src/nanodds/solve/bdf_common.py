"""The parts of the compiled BDF (:mod:`nanodds.solve.bdf_kernel`) that load without numba: its status codes and
the fill-reducing elimination order of its Newton matrix.

The one-shot command runs the kernel compiled ahead of time (:mod:`nanodds.solve.bdf_aot`), without importing
numba; what it computes around the kernel lives here.
"""

from __future__ import annotations

import numpy as np

OK, FAIL_STEP, FAIL_MAXSTEPS = 0, 1, 2
"""Status codes returned by :func:`nanodds.solve.bdf_kernel.bdf_segment`."""


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
