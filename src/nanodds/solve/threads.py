"""BLAS threading for the small dense matrices of one simulation.

A whole-body model has ~100 states: multithreaded BLAS only adds synchronisation to products of that size
(measured on the Doxil model: 13.6 ms with one thread vs 33.8 ms with two, 2 cores). Single-subject solvers
therefore run with one BLAS thread; parallelism belongs to populations (chunks of patients).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspects the loaded BLAS libraries once


def single_blas_thread() -> AbstractContextManager[object]:
    """Context manager limiting BLAS to one thread for its block."""
    return _controller().limit(limits=1, user_api="blas")
