"""Sensitivity plots of the issue-#12 submodels (docs/barriers_and_sites.md).

``python -m validation.barriers_sensitivity`` writes

* ``docs/img/bbb_opening_sensitivity.png``: carrier reaching the brain interstitium (AUC of its amount over
  24 h, %ID h) vs carrier diameter for several opened brain fractions (focused ultrasound, 0-4 h, mouse);
* ``docs/img/release_mechanistic_sensitivity.png``: the first-order release constant the engine uses for the
  reservoir, swelling-nanogel and erosion models vs their main parameter.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nanodds.engine import simulate
from nanodds.io.atomic import save_figure
from nanodds.release.invivo import first_order_rate_per_h
from nanodds.specs.environment import Environment
from nanodds.specs.scenario import parse_scenario

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
SHELL = {"core_radius": "40 nm", "shell_thickness": "10 nm", "partition_coefficient": 1}


def brain_interstitial_auc(diameter_nm: float, fraction: float) -> float:
    """AUC (0-24 h) of carrier in the brain interstitium, %ID h (mouse, PEG-PLGA type, FUS 0-4 h)."""
    raw = {"species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "peg_plga_nanoparticle", "diameter": f"{diameter_nm} nm"},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "bbb": {"opening": {"method": "focused_ultrasound", "start": "0 h", "duration": "4 h",
                               "volume_fraction": fraction}},
           "simulation": {"duration": "24 h", "points": 97}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = simulate(parse_scenario(raw))
    i = sol.model.names.index("carrier:brain.interstitial")
    return float(np.trapezoid(sol.y[:, i] / sol.dosed["carrier"] * 100.0, sol.times_h))


def main() -> None:
    fig, ax = plt.subplots(figsize=(5.5, 4))
    sizes = np.arange(10.0, 70.0, 5.0)
    for f in (0.02, 0.05, 0.2, 0.5):
        ax.plot(sizes, [brain_interstitial_auc(d, f) for d in sizes], marker="o", label=f"opened fraction {f:g}")
    ax.set(xlabel="carrier diameter (nm)", ylabel="brain interstitial carrier AUC 0-24 h (%ID h)",
           title="BBB opening (focused ultrasound 0-4 h, 65 nm pore), mouse", yscale="log")
    ax.legend(fontsize=8)
    save_figure(fig, IMG / "bbb_opening_sensitivity.png")
    plt.close(fig)

    blood = Environment(7.4, 37.0)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    dm = np.logspace(-23, -19, 9)
    axes[0].loglog(dm, [first_order_rate_per_h({"model": "reservoir", **SHELL, "membrane_diffusivity": f"{d} m^2/s",
                                                "loading": "50 g/L", "solubility": "5 g/L"}, blood) for d in dm])
    axes[0].set(xlabel="membrane diffusivity (m^2/s)", ylabel="k (1/h)", title="reservoir (Cs/C0 = 0.1)")
    q = np.array([1, 2, 4, 8, 16, 27])
    gel = {"model": "swelling_nanogel", **SHELL, "membrane_diffusivity": "1e-21 m^2/s", "swelling_rate": "0.5 1/h"}
    axes[1].plot(q, [first_order_rate_per_h({**gel, "equilibrium_swelling_ratio": float(x)}, blood) for x in q],
                 marker="o")
    axes[1].set(xlabel="equilibrium volume swelling ratio Q_eq", ylabel="k (1/h)", title="swelling coated nanogel")
    k0 = np.logspace(-4, -1, 7)
    for shape in ("sphere", "cylinder", "slab"):
        axes[2].loglog(k0, [first_order_rate_per_h({"model": "erosion", "erosion_rate": f"{k} mg/m^2/h",
                                                    "loading": "100 g/L", "radius": "50 nm", "shape": shape}, blood)
                            for k in k0], label=shape)
    axes[2].set(xlabel="surface erosion rate (mg/m^2/h)", ylabel="k (1/h)", title="Hopfenberg erosion")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, IMG / "release_mechanistic_sensitivity.png")
    plt.close(fig)


if __name__ == "__main__":
    main()
