"""Sourced PD parameters: Friberg system parameters and a drug's PD file (``nanodds/data/pd/<drug>.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

from nanodds.analysis.pd.extremity_skin import ExtremitySkinParams
from nanodds.specs.params import DATA_ROOT, load_yaml

__all__ = ["CardioParams", "FribergParams", "PDParams", "SimeoniParams", "has_pd", "load_pd"]

FRIBERG_FILE = "pd/friberg_system.yaml"


@dataclass(frozen=True)
class FribergParams:
    """Friberg 2002 myelosuppression model: baseline (cells/L), mean transit time (h), feedback, slope (L/mg)."""

    circ0_per_L: float
    mtt_h: float
    gamma: float
    n_transit: int
    slope_L_per_mg: float
    driver: str


@dataclass(frozen=True)
class SimeoniParams:
    """Simeoni 2004 tumour growth inhibition: growth rates (1/day, mL/day), damage transit (1/day), potency."""

    lambda0_per_day: float
    lambda1_mL_per_day: float
    k1_per_day: float
    k2_L_per_mg_per_day: float
    psi: float
    w0_mL: float
    horizon_day: float
    driver: str


@dataclass(frozen=True)
class CardioParams:
    """Cumulative anthracycline dose limits (mg/m^2) and the CHF risk curve (dose mg/m^2, risk %)."""

    limit_low_mg_per_m2: float
    limit_high_mg_per_m2: float
    risk_dose_mg_per_m2: tuple[float, ...]
    risk_percent: tuple[float, ...]
    reference_cycles: int


@dataclass(frozen=True)
class PDParams:
    """Everything the PD/safety section needs for one drug; ``None`` for a block the drug file lacks."""

    drug: str
    friberg: FribergParams | None
    simeoni: SimeoniParams | None
    cardio: CardioParams | None
    effective_unbound_mg_per_L: float | None
    toxic_unbound_mg_per_L: float | None
    source_file: str
    extremity_skin: ExtremitySkinParams | None = None


def has_pd(drug: str) -> bool:
    """Whether ``nanodds/data/pd/<drug>.yaml`` exists."""
    return (DATA_ROOT / "pd" / f"{drug}.yaml").is_file()


def load_pd(drug: str, mw_g_per_mol: float) -> PDParams:
    """Load a drug's PD parameters (molar thresholds converted to mg/L with ``mw_g_per_mol``)."""
    rel = f"pd/{drug}.yaml"
    d = load_yaml(rel)
    fr = None
    if "myelosuppression" in d:
        s, m = load_yaml(FRIBERG_FILE), d["myelosuppression"]
        fr = FribergParams(s["circ0"].to("1/L"), s["mtt"].to("h"), s["gamma"].to("1"), int(s["n_transit"].value),
                           m["slope"].to("L/mg"), str(m["driver"]))
    si = None
    if "tumour_growth" in d:
        g = d["tumour_growth"]
        si = SimeoniParams(g["lambda0"].to("1/day"), g["lambda1"].to("mL/day"), g["k1"].to("1/day"),
                           g["k2"].to("L/mg/day"), g["psi"].to("1"), g["w0"].to("mL"), g["horizon"].to("day"),
                           str(g["driver"]))
    ca = None
    if "cardiotoxicity" in d:
        c = d["cardiotoxicity"]
        pts = c["chf_risk_points"]
        ca = CardioParams(c["limit_low"].to("mg/m^2"), c["limit_high"].to("mg/m^2"),
                          tuple(p["dose"].to("mg/m^2") for p in pts), tuple(p["risk"].to("percent") for p in pts),
                          int(c["reference_cycles"].value))
    th = d.get("thresholds", {})

    def mg_per_L(key: str) -> float | None:
        return th[key].to("umol/L") * mw_g_per_mol * 1e-3 if key in th else None

    ex = None
    if "extremity_skin" in d:
        e = d["extremity_skin"]
        ex = ExtremitySkinParams(e["extravasation_multiplier"].to("1"), e["macrophage_uptake_multiplier"].to("1"))
    return PDParams(drug, fr, si, ca, mg_per_L("effective_unbound"), mg_per_L("toxic_unbound"), rel, ex)
