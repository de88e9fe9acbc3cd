"""Dense stacks of block lower-triangular matrices: products, repeated squaring, the 1-norm, thread workspaces.

The exact linear population path keeps its propagators as dense (p, m, m) stacks whose upper blocks are zero;
:func:`dmul` computes only the lower blocks of a product. :func:`workspace` holds each thread's reusable scratch
arrays (keyed so that zeros a user relies on stay zero).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["dmul", "norm1", "squarings", "workspace"]


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


def squarings(R: np.ndarray, s: int, extra: int, bounds: Sequence[int],
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


def norm1(M: np.ndarray) -> float:
    """Largest 1-norm (maximum absolute column sum) over a stack (p, m, m).

    The column sums as one product ``1^T |M|`` (half the time of numpy's reduction here), ``|M|`` in this thread's
    workspace.
    """
    if M.size == 0:
        return 0.0
    absM = np.abs(M, out=workspace("norm1_abs", M.shape))
    return float(np.max(np.ones(M.shape[-2]) @ absM))
