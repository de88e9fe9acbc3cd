"""The near-replicate agreement bound of the Nano-Tumor DB (validation.nano_tumor_ceiling)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation.nano_tumor_ceiling import ceiling, replicate_log_ratios


def _sets(de24: list[float], study: list[int], hd: list[float]) -> pd.DataFrame:
    n = len(de24)
    return pd.DataFrame({"DE24": de24, "study": study, "HD": hd, "TW": [0.5] * n, "Dose": [5.0] * n,
                         "MAT": ["Gold"] * n, "TS": ["Passive"] * n, "Shape": ["Spherical"] * n,
                         "TM": ["Xenograft Heterotopic"] * n, "CT": ["breast"] * n})


def test_pairs_only_across_studies_with_matching_inputs():
    d = _sets([1.0, 4.0, 2.0, 8.0], [1, 1, 2, 3], [100.0, 100.0, 110.0, 300.0])
    # (0, 2) and (1, 2) qualify; (0, 1) is one study; 300 nm differs by more than 25 %
    assert sorted(np.round(replicate_log_ratios(d), 12)) == sorted(np.round([np.log(0.5), np.log(2.0)], 12))


def test_bound_is_one_without_replicate_noise_and_falls_with_it():
    same = _sets([1.0, 1.0, 10.0, 10.0], [1, 2, 3, 4], [100.0, 100.0, 200.0, 200.0])
    assert ceiling(same)["r_bound"] == pytest.approx(1.0)
    noisy = _sets([1.0, 3.0, 10.0, 30.0], [1, 2, 3, 4], [100.0, 100.0, 200.0, 200.0])
    assert ceiling(noisy)["r_bound"] < 0.9
