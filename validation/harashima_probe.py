"""What sets the model's optimum release rate in the Harashima 1999 check (a measurement, nothing is tuned).

The check (tests/design/test_harashima_design.py): mouse 4T1, PEG liposomal doxorubicin 9 mg/kg IV bolus, saturable
MPS, 168 h, tumour free-drug AUC0-168 maximised over the first-order release rate. Here the same sweep runs on one
log grid with one model element changed at a time (carrier overrides of ``carriers/mouse.yaml``), and the optimum
(grid maximum with log-parabolic refinement, :func:`~nanodds.analysis.release_design.sweep_optimum`) is printed for
AUC0-168 and AUC0-inf. Results are in docs/design.md. ``python -m validation.harashima_probe``
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from nanodds.analysis.release_design import free_auc_mg_h_per_L, sweep_optimum, with_first_order_release
from nanodds.engine import simulate
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import Scenario, parse_scenario

RAW = {"name": "mouse PLD 9 mg/kg, 4T1", "species": "mouse", "drug": "doxorubicin",
       "carrier": {"type": "pegylated_liposome"}, "regimen": [{"route": "iv_bolus", "dose": "9.0 mg/kg"}],
       "tumour": {}, "simulation": {"duration": "168.0 h", "points": 337, "saturable": True}}
"""The scenario of the Harashima check (tests/design/test_harashima_design.py)."""
RATES_PER_H = np.geomspace(0.002, 0.5, 17)
"""Release rates of the probe (1/h): 17 log-spaced points, 4 per decade."""
MPS_FACTORS = (5.0, 25.0)
"""Factors on mps_extraction_total (shorter carrier circulation) probed."""


def optimum(scn: Scenario, overrides: dict[str, float] | None = None) -> tuple[float, float]:
    """Refined optimum release rate (1/h) of tumour free AUC0-T and of AUC0-inf (grid end when not interior)."""
    rows = []
    for k in RATES_PER_H:
        sol = simulate(with_first_order_release(scn, float(k)), carrier_overrides=overrides)
        rows.append({"rate_per_h": float(k), "auc": free_auc_mg_h_per_L(sol, "tumour"),
                     "auc_inf": free_auc_mg_h_per_L(sol, "tumour", to_infinity=True)})
    df = pd.DataFrame(rows)
    out = []
    for col in ("auc", "auc_inf"):
        o = sweep_optimum(df, col)
        out.append(o["refined_rate_per_h"] if o.get("refined_rate_per_h") else o["rate_per_h"])
    return out[0], out[1]


def main() -> None:
    scn = parse_scenario(RAW)
    mps = load_yaml("carriers/mouse.yaml")["mps_extraction_total"].value
    cases: list[tuple[str, Scenario, dict[str, float] | None]] = [
        ("as the check", scn, None),
        ("tumour macrophage uptake off", scn, {"tumour_macrophage_uptake_rate": 0.0}),
        *((f"carrier MPS clearance x{f:g}", scn, {"mps_extraction_total": mps * f}) for f in MPS_FACTORS),
        ("MPS saturation off", replace(scn, saturable=False), None),
        ("horizon 336 h", replace(scn, duration_h=336.0), None),
    ]
    for label, s, ov in cases:
        a, b = optimum(s, ov)
        print(f"{label:35s} optimum AUC0-T {a:.3g} 1/h, AUC0-inf {b:.3g} 1/h", flush=True)


if __name__ == "__main__":
    main()
