"""Sensitivity plot of the magnetic capture submodel (Furlani & Ng 2006; docs/barriers_and_sites.md).

``python -m validation.magnetic_sensitivity`` writes ``docs/img/magnetic_capture_sensitivity.png``: captured
flux fraction vs particle radius, magnet distance and mean blood speed around the base case of
``data/magnetic/capture.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nanodds.io.atomic import save_figure
from nanodds.model.magnetic import base_case, captured_fraction

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    p = base_case()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    radii_nm = np.array([25, 50, 100, 150, 250, 400, 600])
    for d_cm in (2.0, 2.5, 3.5):
        frac = [captured_fraction(p.with_(particle_radius_m=a * 1e-9, magnet_distance_m=d_cm * 1e-2))
                for a in radii_nm]
        axes[0].loglog(radii_nm, frac, marker="o", label=f"d = {d_cm} cm")
    axes[0].set(xlabel="particle radius (nm)", ylabel="captured fraction (-)")
    axes[0].legend(fontsize=8)
    dist_cm = np.linspace(1.5, 5.0, 8)
    axes[1].semilogy(dist_cm, [captured_fraction(p.with_(magnet_distance_m=d * 1e-2)) for d in dist_cm], marker="o")
    axes[1].set(xlabel="magnet axis to vessel axis (cm)", ylabel="captured fraction (-)")
    speeds = np.array([1, 2, 5, 10, 20, 50])
    axes[2].loglog(speeds, [captured_fraction(p.with_(mean_blood_speed_m_per_s=u * 1e-3)) for u in speeds],
                   marker="o")
    axes[2].set(xlabel="mean blood speed (mm/s)", ylabel="captured fraction (-)")
    fig.suptitle("Magnetic capture (Furlani & Ng 2006 model), 150 um arteriole, 1 cm NdFeB cylinder", fontsize=9)
    fig.tight_layout()
    save_figure(fig, IMG / "magnetic_capture_sensitivity.png")
    plt.close(fig)


if __name__ == "__main__":
    main()
