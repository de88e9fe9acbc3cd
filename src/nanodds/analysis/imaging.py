"""Imaging read-outs of a labelled nanocarrier: the region curves a PET/SPECT or MRI study would measure.

A label (``64Cu``, ``89Zr``, ``111In``, ``99mTc``, ``18F``; ``iron_oxide`` for MRI) is attached to the carrier
(or, with ``label_follows="drug"``, to the drug) of a simulated scenario. The model tracks masses, so

* ``percent_id`` of a region is 100 x (labelled mass in the region) / (labelled mass injected). Decay-corrected
  values are the mass fractions themselves; without decay correction they are multiplied by
  ``exp(-ln2 (t - t_inj) / T1/2)``, the fraction of the injected activity not yet decayed.
* ``percent_id_per_g`` is ``percent_id`` over the region mass in g, from ``model.volumes_L`` with a tissue
  density of 1 g/mL (assumption). Blood is the central venous + arterial pools (whole blood volume).
* ``activity_MBq`` is ``injected MBq x percent_id / 100`` (NaN when no injected activity is given).
* MRI: ``iron_mM`` = iron in the region (carrier mass x iron mass fraction) / 55.845 g/mol / region volume,
  and ``delta_R2_per_s`` = r2 x ``iron_mM`` (linear fast-exchange regime).

Assumptions (see docs/imaging.md): the label stays with the carrier (no detachment, no free-label
redistribution; degraded carrier takes its label to the ``eliminated`` region, which is not imaged); one
labelled injection; no partial-volume loss unless a recovery coefficient is given to :func:`imaging_schedule`.
Regions are whole organs: an organ's residual blood (its vascular space) counts in the organ, as in a
region of interest or in excised-organ counting without perfusion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nanodds.errors import InputError, known
from nanodds.solve.solution import Solution
from nanodds.specs.params import load_yaml

__all__ = ["COLUMNS", "MRI_LABEL", "Label", "contrast_ratios", "decay_factor", "imaging_schedule",
           "label_names", "load_label", "region_curves"]

DATA_FILE = "imaging/isotopes.yaml"
MRI_LABEL = "iron_oxide"
COLUMNS: tuple[str, ...] = ("time_h", "region", "percent_id", "percent_id_per_g", "activity_MBq",
                            "decay_corrected")
MRI_COLUMNS: tuple[str, ...] = ("iron_mM", "delta_R2_per_s")
BLOOD = "blood"
ELIMINATED = "eliminated"
TISSUE_DENSITY_G_PER_ML = 1.0
"""Assumption: every region weighs 1 g per mL of model volume (the %ID/g convention of imaging studies)."""


@dataclass(frozen=True)
class Label:
    """An imaging label: a radionuclide (finite half-life) or iron oxide for MRI (no decay)."""

    name: str
    modality: str
    half_life_h: float
    positron_fraction: float = 0.0
    r2_per_mM_s: float | None = None


def label_names() -> list[str]:
    """Labels with data: the radionuclides and ``iron_oxide``."""
    return [*load_yaml(DATA_FILE)["radionuclides"], MRI_LABEL]


def load_label(name: str, field_T: float = 1.5) -> Label:
    """The :class:`Label` called ``name`` (an :class:`InputError` listing the allowed names otherwise)."""
    data = load_yaml(DATA_FILE)
    if name == MRI_LABEL:
        key = {1.5: "r2_1p5T", 3.0: "r2_3T"}.get(float(field_T))
        if key is None:
            raise InputError("field", field_T, "1.5 or 3 (tesla)")
        fe = data["mri"][MRI_LABEL]
        return Label(MRI_LABEL, "MRI", float("inf"), 0.0, fe[key].to("L/mmol/s"))  # = 1/mM/s
    nuc = data["radionuclides"]
    if not known(name, nuc):
        raise InputError("label", name, f"one of {', '.join(label_names())}")
    d = nuc[name]
    return Label(name, str(d["modality"]), d["half_life"].to("h"), d["positron_fraction"].to("1"))


def iron_constants() -> tuple[float, float]:
    """(iron atomic mass g/mol, iron mass fraction of magnetite) from the data file."""
    fe = load_yaml(DATA_FILE)["mri"][MRI_LABEL]
    return fe["iron_atomic_mass"].to("g/mol"), fe["iron_fraction_magnetite"].to("1")


def decay_factor(t_h: np.ndarray | float, half_life_h: float) -> np.ndarray:
    """Fraction of the activity left after ``t_h`` hours: ``exp(-ln2 t / T1/2)`` (1 for ``t <= 0``)."""
    t = np.clip(np.asarray(t_h, dtype=float), 0.0, None)
    if not np.isfinite(half_life_h):
        return np.ones_like(t)
    return np.exp(-np.log(2.0) * t / half_life_h)


def _injection(sol: Solution) -> tuple[float, float]:
    """(start h, drug mg) of the single labelled injection."""
    events = sol.dose_events
    if len(events) != 1:
        raise InputError("regimen", f"{len(events)} dose events",
                         "a single labelled injection (imaging follows one tracer dose)")
    return float(events[0].start_h), float(events[0].amount_mg)


def blood_volume_L(sol: Solution) -> float:
    """Whole-blood volume of the central pools (L), recovered from the model's plasma read-outs.

    ``plasma_carrier`` is ``carrier:venous_plasma / Vp_venous`` with ``Vp = V_blood,venous (1 - Hct)`` and
    ``V_blood,venous = venous_fraction x V_blood``; without a carrier ``plasma_free`` is
    ``free:venous_blood / (V_blood,venous B:P)``.
    """
    from nanodds.specs.physiology import reference_data

    m = sol.model
    ref = reference_data(str(m.meta["species"]))
    venous = ref["venous_fraction_of_blood"].to("1")
    if "plasma_carrier" in m.observables:
        vp = 1.0 / m.observables["plasma_carrier"].weights[m.index("carrier:venous_plasma")]
        return float(vp / (1.0 - ref["hematocrit"].to("1")) / venous)
    from nanodds.specs.drug import load_drug

    bp = load_drug(str(m.meta["drug"]), str(m.meta["species"])).blood_plasma_ratio
    v = 1.0 / (m.observables["plasma_free"].weights[m.index("free:venous_blood")] * bp)
    return float(v / venous)


def _amounts(sol: Solution, label_follows: str) -> tuple[dict[str, np.ndarray], float]:
    """Labelled mass (mg) per region (blood, organs incl. tumour, eliminated) and the injected mass (mg)."""
    m = sol.model
    if label_follows == "carrier":
        if "carrier" not in m.groups:
            raise InputError("label_follows", "carrier", "'drug' for a scenario without a carrier")
        group, blood_states, organ_obs = "carrier", ("carrier:venous_plasma", "carrier:arterial_plasma"), \
            "carrier_amount_{}"
    elif label_follows == "drug":
        group, organ_obs = "drug", "amount_{}"
        blood_states = tuple(s for s in ("free:venous_blood", "free:arterial_blood", "encapsulated:venous_plasma",
                                         "encapsulated:arterial_plasma") if s in m.names)
    else:
        raise InputError("label_follows", label_follows, "carrier or drug")
    out = {BLOOD: sol.y[:, [m.index(s) for s in blood_states]].sum(axis=1)}
    for organ in m.volumes_L:
        out[organ] = sol.observe(organ_obs.format(organ))
    sinks = [i for i in m.sinks if m.groups[group][i]]
    out[ELIMINATED] = sol.y[:, sinks].sum(axis=1)
    _, dose_mg = _injection(sol)
    return out, dose_mg * m.per_mg_group[group]


def region_curves(sol: Solution, label: str, decay_corrected: bool = True, regions: Iterable[str] | None = None,
                  *, label_follows: str = "carrier", injected_MBq: float | None = None,
                  iron_fraction: float | None = None, field_T: float = 1.5) -> pd.DataFrame:
    """Tidy imaging curves of a labelled carrier (or drug) per region.

    Parameters
    ----------
    sol : Solution
        A simulation with one dose event.
    label : str
        ``64Cu``, ``89Zr``, ``111In``, ``99mTc``, ``18F`` or ``iron_oxide`` (MRI; no decay).
    decay_corrected : bool
        True: %ID referenced to the injection time (mass fractions). False: what a scanner counts, the
        decay-corrected values times ``exp(-ln2 t / T1/2)``.
    regions : iterable of str, optional
        Subset of ``blood``, the organs (``tumour`` included when the scenario has one) and ``eliminated``
        (degraded/excreted label, not imaged; its %ID/g is NaN). All by default.
    label_follows : {"carrier", "drug"}
        Carrier label (``carrier_amount_<organ>``) or labelled drug (``amount_<organ>``: released plus
        encapsulated drug).
    injected_MBq : float, optional
        Injected activity; fills ``activity_MBq`` (NaN otherwise).
    iron_fraction : float, optional
        MRI only: iron mass per mass of the labelled species (default: bare magnetite, 0.7236).
    field_T : float
        MRI only: 1.5 or 3 (tesla) for the relaxivity.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` (plus ``iron_mM``, ``delta_R2_per_s`` for ``iron_oxide``), one row per time and
        region.
    """
    lab = load_label(label, field_T)
    amounts, injected_mg = _amounts(sol, label_follows)
    vols_g = {BLOOD: blood_volume_L(sol) * 1000.0 * TISSUE_DENSITY_G_PER_ML}
    vols_g.update({o: v * 1000.0 * TISSUE_DENSITY_G_PER_ML for o, v in sol.model.volumes_L.items()})
    wanted = list(amounts) if regions is None else list(regions)
    for r in wanted:
        if not known(r, amounts):
            raise InputError("regions", r, f"one of {', '.join(amounts)}")
    start, _ = _injection(sol)
    t = sol.times_h
    decay = np.ones_like(t) if decay_corrected else decay_factor(t - start, lab.half_life_h)
    if lab.modality == "MRI":
        fe_molar, fe_default = iron_constants()
        frac = fe_default if iron_fraction is None else float(iron_fraction)
        if not 0 < frac <= 1:
            raise InputError("iron_fraction", iron_fraction, "a mass fraction in (0, 1]")
    frames = []
    for r in wanted:
        pid = 100.0 * amounts[r] / injected_mg * decay
        per_g = pid / vols_g[r] if r in vols_g else np.full_like(t, np.nan)
        act = pid / 100.0 * injected_MBq if injected_MBq is not None else np.full_like(t, np.nan)
        cols = {"time_h": t, "region": r, "percent_id": pid, "percent_id_per_g": per_g, "activity_MBq": act,
                "decay_corrected": bool(decay_corrected)}
        if lab.modality == "MRI":
            # mg Fe / L  ->  mmol/L  (mg / (g/mol) = mmol)
            fe_mM = amounts[r] * frac / fe_molar / (vols_g[r] / 1000.0) if r in vols_g else np.full_like(t, np.nan)
            cols.update({"iron_mM": fe_mM, "delta_R2_per_s": lab.r2_per_mM_s * fe_mM})
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def imaging_schedule(curves: pd.DataFrame, times_h: Sequence[float],
                     recovery: float | Mapping[str, float] = 1.0) -> pd.DataFrame:
    """Sample region curves at scan times (linear interpolation in time; exact when on the output grid).

    ``recovery`` is the partial-volume recovery coefficient RC (measured / true), one value or one per
    region (missing regions: 1). It scales every image-derived quantity (%ID, %ID/g, MBq, iron, delta R2);
    the default 1 means no partial-volume loss. An RC below 1 models small regions (e.g. a tumour of a few
    mm at PET resolution); it is an input, not computed here.
    """
    times = np.asarray(list(times_h), dtype=float)
    tmin, tmax = curves["time_h"].min(), curves["time_h"].max()
    if times.size == 0 or np.any(times < tmin) or np.any(times > tmax):
        raise InputError("scan_times", list(times), f"times within the simulated {tmin:g}-{tmax:g} h")
    value_cols = [c for c in ("percent_id", "percent_id_per_g", "activity_MBq", *MRI_COLUMNS) if c in curves]
    frames = []
    for region, g in curves.groupby("region", sort=False):
        rc = recovery.get(str(region), 1.0) if isinstance(recovery, Mapping) else float(recovery)
        if not 0 < rc <= 1:
            raise InputError("recovery", rc, "a recovery coefficient in (0, 1]")
        cols: dict[str, object] = {"time_h": times, "region": region}
        for c in value_cols:
            cols[c] = rc * np.interp(times, g["time_h"].to_numpy(), g[c].to_numpy())
        cols["decay_corrected"] = bool(g["decay_corrected"].iloc[0])
        cols["recovery"] = rc
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def contrast_ratios(schedule: pd.DataFrame, target: str = "tumour",
                    references: Sequence[str] = ("muscle", BLOOD)) -> dict[str, list[float]]:
    """``<target>_to_<reference>`` %ID/g ratios at each scan time (empty when the target is absent)."""
    wide = schedule.pivot(index="time_h", columns="region", values="percent_id_per_g")
    if target not in wide:
        return {}
    out = {}
    for ref in references:
        if ref in wide:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"{target}_to_{ref}"] = (wide[target] / wide[ref]).tolist()
    return out
