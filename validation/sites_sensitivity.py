"""Sensitivity plots of the disease-site, adhesion and enzyme submodels (docs/barriers_and_sites.md).

``python -m validation.sites_sensitivity`` writes

* ``docs/img/adhesion_sensitivity.png``: adhesion probability of glycocalicin-coated spheres to an injured
  artery wall (P-selectin + vWF) vs particle diameter for several wall shear rates, and vs ligand density;
* ``docs/img/sites_sensitivity.png``: the MMP-linker release constant vs active MMP (with the compartments'
  levels marked), and carrier reaching a stroke lesion's interstitium (AUC over 24 h, %ID h) vs the lesion's
  effective pore diameter for three carrier sizes (mouse, 0.05 mL lesion).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from nanodds.engine import simulate
from nanodds.io.atomic import save_figure
from nanodds.model import adhesion as ad
from nanodds.release.invivo import first_order_rate_per_h
from nanodds.release.stimuli import default_environment
from nanodds.specs.params import load_yaml
from nanodds.specs.scenario import parse_scenario

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
ENZYME = {"model": "enzyme", "preset": "gplgiagq_mmp2"}


def lesion_interstitial_auc(diameter_nm: float, pore_nm: float) -> float:
    """AUC (0-24 h) of carrier in a stroke lesion's interstitium, %ID h (mouse, PEG liposome, 5 mg/kg)."""
    raw = {"species": "mouse", "drug": "doxorubicin",
           "carrier": {"type": "pegylated_liposome", "diameter": f"{diameter_nm} nm"},
           "regimen": [{"route": "iv_bolus", "dose": "5 mg/kg"}],
           "sites": [{"type": "stroke_lesion", "volume": "0.05 mL", "pore_diameter": f"{pore_nm} nm"}],
           "simulation": {"duration": "24 h", "points": 97}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = simulate(parse_scenario(raw))
    i = sol.model.names.index("carrier:site.stroke_lesion.interstitial")
    return float(np.trapezoid(sol.y[:, i], sol.times_h) / sol.dosed["carrier"] * 100.0)


def adhesion_figure() -> None:
    pairs = ad.bond_pairs("glycocalicin", "injured_artery", "plot")
    d_nm = np.geomspace(20, 20000, 200)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for shear in (100, 500, 1000, 2000):
        a1.semilogx(d_nm, [ad.combined_probability(d * 1e-9 / 2, shear, 1e15, pairs) for d in d_nm],
                    label=f"{shear} 1/s")
    a1.set(xlabel="particle diameter (nm)", ylabel="adhesion probability P_a (-)",
           title="glycocalicin spheres, 1000 ligands/um^2")
    a1.legend(title="wall shear rate")
    dens = np.geomspace(10, 1e4, 100)
    for d in (200, 1000, 5000):
        a2.loglog(dens, [ad.combined_probability(d * 1e-9 / 2, 500.0, m * 1e12, pairs) for m in dens],
                  label=f"{d} nm")
    a2.set(xlabel="ligand density (1/um^2)", ylabel="P_a (-)", title="500 1/s")
    a2.legend(title="diameter")
    fig.tight_layout()
    save_figure(fig, IMG / "adhesion_sensitivity.png")
    plt.close(fig)


def sites_figure() -> None:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    mmp = np.geomspace(0.01, 100, 100)
    base = default_environment("tumour_interstitium")
    a1.loglog(mmp, [first_order_rate_per_h(ENZYME, replace(base, mmp_nM=e)) for e in mmp], "k-")
    sites = load_yaml("sites/disease_sites.yaml")
    marks = {"blood": default_environment("blood").mmp_nM, "tumour": base.mmp_nM,
             **{k: v["mmp"].to("nmol/L") for k, v in sites.items()}}
    for name, e in marks.items():
        a1.plot([e], [first_order_rate_per_h(ENZYME, replace(base, mmp_nM=e))], "o", label=name)
    a1.set(xlabel="active MMP-2/9 (nmol/L)", ylabel="release constant (1/h)", title="GPLGIAGQ linker, MMP-2")
    a1.legend(fontsize=7)
    pores = np.array([20, 40, 60, 80, 100, 150, 200, 300])
    for d in (30, 60, 100):
        a2.semilogy(pores, [max(lesion_interstitial_auc(d, p), 1e-12) for p in pores], "o-", label=f"{d} nm")
    a2.set(xlabel="lesion effective pore diameter (nm)", ylabel="carrier in lesion interstitium, AUC 0-24 h (%ID h)",
           title="stroke lesion, mouse", ylim=(1e-8, None))
    a2.legend(title="carrier")
    fig.tight_layout()
    save_figure(fig, IMG / "sites_sensitivity.png")
    plt.close(fig)


def main() -> None:
    adhesion_figure()
    sites_figure()
    print(f"wrote {IMG / 'adhesion_sensitivity.png'} and {IMG / 'sites_sensitivity.png'}")


if __name__ == "__main__":
    main()
