"""A tree ensemble stored as plain arrays and evaluated with NumPy (no pickle, no scikit-learn at run time).

A fitted scikit-learn forest (random forest or extra trees, single or multi-output) is flattened into node
arrays; :meth:`TreeEnsemble.predict` walks them exactly as scikit-learn does (features cast to float32,
``x <= threshold`` goes left) and averages the trees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TreeEnsemble"]


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """Averaging ensemble of regression trees.

    Attributes
    ----------
    roots : numpy.ndarray
        Index of each tree's root node in the flat node arrays.
    left, right : numpy.ndarray
        Child node indices (flat, -1 at leaves).
    feature : numpy.ndarray
        Split feature per node (-1 at leaves).
    threshold : numpy.ndarray
        Split threshold per node (float64).
    value : numpy.ndarray
        Node output, shape (n_nodes, n_outputs).
    """

    roots: np.ndarray
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray

    @classmethod
    def from_sklearn(cls, forest: Any) -> TreeEnsemble:
        """Flatten a fitted ``RandomForestRegressor``/``ExtraTreesRegressor``."""
        roots, left, right, feat, thr, val = [], [], [], [], [], []
        offset = 0
        for est in forest.estimators_:
            t = est.tree_
            n = t.node_count
            roots.append(offset)
            lc = t.children_left.astype(np.int64)
            rc = t.children_right.astype(np.int64)
            left.append(np.where(lc >= 0, lc + offset, -1))
            right.append(np.where(rc >= 0, rc + offset, -1))
            feat.append(np.where(lc >= 0, t.feature, -1).astype(np.int32))
            thr.append(t.threshold.astype(np.float64))
            val.append(t.value[:, :, 0].astype(np.float64))
            offset += n
        return cls(np.asarray(roots, dtype=np.int64), np.concatenate(left).astype(np.int32),
                   np.concatenate(right).astype(np.int32), np.concatenate(feat), np.concatenate(thr),
                   np.concatenate(val))

    @property
    def n_outputs(self) -> int:
        """Number of outputs per prediction."""
        return int(self.value.shape[1])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Mean over trees of the leaf values, shape (n_rows, n_outputs)."""
        xf = np.asarray(x, dtype=np.float32).astype(np.float64)
        rows = np.arange(xf.shape[0])
        total = np.zeros((xf.shape[0], self.n_outputs))
        for root in self.roots:
            node = np.full(xf.shape[0], root, dtype=np.int64)
            while True:
                f = self.feature[node]
                inner = f >= 0
                if not inner.any():
                    break
                go_left = xf[rows, np.where(inner, f, 0)] <= self.threshold[node]
                nxt = np.where(go_left, self.left[node], self.right[node])
                node = np.where(inner, nxt, node)
            total += self.value[node]
        return total / self.roots.size

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays for ``numpy.savez`` under ``<prefix>_<name>``."""
        return {f"{prefix}_{k}": getattr(self, k) for k in ("roots", "left", "right", "feature", "threshold", "value")}

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str) -> TreeEnsemble:
        """Inverse of :meth:`to_arrays` (``arrays``: a mapping such as an ``NpzFile``)."""
        return cls(*(np.asarray(arrays[f"{prefix}_{k}"])
                     for k in ("roots", "left", "right", "feature", "threshold", "value")))
