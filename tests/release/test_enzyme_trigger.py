"""Enzyme (MMP)-responsive release: Michaelis-Menten cleavage of a linker at the compartment's active MMP."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nanodds.errors import InputError
from nanodds.release.invivo import first_order_rate_per_h
from nanodds.release.stimuli import default_environment

SPEC = {"model": "enzyme", "preset": "gplgiagq_mmp2"}
KCAT_PER_H, KM_NM = 32.3 * 60, 14.8e3  # data/release/enzyme_linkers.yaml


def test_rate_is_michaelis_menten_at_the_local_mmp() -> None:
    tum = default_environment("tumour_interstitium")
    assert tum.mmp_nM == 1.0
    assert first_order_rate_per_h(SPEC, tum) == pytest.approx(KCAT_PER_H * 1.0 / KM_NM, rel=1e-12)
    blood = default_environment("blood")
    assert first_order_rate_per_h(SPEC, tum) / first_order_rate_per_h(SPEC, blood) == pytest.approx(20.0, rel=1e-12)
    assert first_order_rate_per_h(SPEC, default_environment("lysosome")) == 0.0
    # saturation: a linker concentration equal to Km halves the per-linker rate
    half = first_order_rate_per_h({**SPEC, "linker_concentration": "14.8 uM"}, tum)
    assert half == pytest.approx(0.5 * KCAT_PER_H / KM_NM, rel=1e-12)
    k0 = first_order_rate_per_h({**SPEC, "enzyme_independent_rate": "0.01 1/h"}, tum)
    assert k0 == pytest.approx(KCAT_PER_H / KM_NM + 0.01, rel=1e-12)
    own = first_order_rate_per_h({"model": "enzyme", "kcat": "1 1/s", "km": "1 uM"}, replace(tum, mmp_nM=10.0))
    assert own == pytest.approx(3600 * 10 / 1000, rel=1e-12)


def test_refusals_are_one_line() -> None:
    tum = default_environment("tumour_interstitium")
    for spec, match in (({"model": "enzyme"}, "kcat"), ({**SPEC, "preset": "nope"}, "gplgiagq_mmp2"),
                        ({**SPEC, "speed": 1}, "speed"), ({**SPEC, "kcat": 5}, "kcat")):
        with pytest.raises(InputError, match=match) as e:
            first_order_rate_per_h(spec, tum)
        assert "\n" not in str(e.value)
    with pytest.raises(InputError, match="MMP level"):
        first_order_rate_per_h(SPEC, replace(tum, mmp_nM=None))
