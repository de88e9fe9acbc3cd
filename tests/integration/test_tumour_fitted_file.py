"""The shipped ``tumour_delivery: fitted`` file is what the harness's all-sets fit writes today (slow: ~1 min)."""

from __future__ import annotations

import pytest
from validation.nano_tumor_eval import (
    MPS_GRID,
    MPS_SIZE_EXPONENT_GRID,
    calibrated_oof,
    load_sets,
    mappable,
    predict,
    scores,
)
from validation.nano_tumor_fit import FIT_FILE, fit_all, fit_yaml
from validation.nano_tumor_uncertainty import random_partition_medians


@pytest.mark.slow
def test_shipped_fit_file_is_reproduced_by_the_harness() -> None:
    d = mappable(load_sets())
    grid = {g: predict(d, procs=2, mps_factor=g) for g in MPS_GRID}
    sizes = {e: {g: predict(d, {"size_exponent_mps": e}, procs=2, mps_factor=g) for g in MPS_GRID}
             for e in MPS_SIZE_EXPONENT_GRID}
    pred, _ = calibrated_oof(d, grid, size_grids=sizes)
    spread = random_partition_medians(d, grid, sizes)
    text = fit_yaml(fit_all(d, grid, sizes), len(d), scores(d["DE24"], pred["pred_DE24"]), spread)
    assert FIT_FILE.read_text(encoding="utf-8") == text
