"""Scenario files (YAML, values with units) parsed into canonical specifications."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanodds.errors import InputError, RangeWarning, known, reject_unknown_keys
from nanodds.io.yaml_safe import read_yaml_file
from nanodds.model.tumour_delivery import cancer_types_with_data, check_delivery_mode
from nanodds.specs.bbb import BBBOpening, BBBTranscytosis, parse_bbb, parse_bbb_transcytosis
from nanodds.specs.carrier import Carrier, build_carrier
from nanodds.specs.drug import Drug, load_drug
from nanodds.specs.drug_inline import build_inline_drug, is_inline
from nanodds.specs.environment import Environment
from nanodds.specs.magnetic import MagneticGuidance, parse_magnetic
from nanodds.specs.physiology import Physiology, bsa_mosteller_m2, build_physiology, reference_data
from nanodds.specs.regimen import Regimen, parse_regimen
from nanodds.specs.sites import Site, parse_sites
from nanodds.specs.triggers import TriggerWindow, check_no_overlap, parse_triggers
from nanodds.specs.tumour_design import tumour_design
from nanodds.specs.validity import check_range, error_limit
from nanodds.units import to_canonical

if TYPE_CHECKING:
    from nanodds.design.scenario_link import LearnedTumour

TOP_KEYS = {"name", "description", "species", "subject", "drug", "carrier", "regimen", "tumour",
            "environment", "simulation", "vehicle", "conventional", "tumour_delivery", "bbb", "sites", "magnetic"}
CONVENTIONAL_KEYS = {"name", "regimen", "vehicle", "source"}
SUBJECT_KEYS = {"body_weight", "height"}
TUMOUR_KEYS = {"volume", "blood_flow", "vascular_fraction", "interstitial_fraction", "pore_cutoff", "model",
               "cancer_type"}
SIM_KEYS = {"duration", "points", "saturable", "solver"}
ENV_KEYS = {"tumour_ph", "hyperthermia", "light", "ultrasound", "amf"}
HYPERTHERMIA_KEYS = {"start", "duration", "temperature", "region"}
SOLVERS = ("auto", "linear", "stiff")


@dataclass(frozen=True)
class Hyperthermia:
    """Heating of a region for a time window (h, degC)."""

    start_h: float
    duration_h: float
    temperature_c: float
    region: str = "tumour"


@dataclass(frozen=True)
class ConventionalArm:
    """The marketed conventional product a nanoformulation is compared with (scenario block ``conventional:``).

    Without the block the comparator is the same drug, dose and regimen without the carrier. With it, the
    comparator is the named conventional product at its own regimen and with its own vehicle (e.g. Abraxane
    260 mg/m2 over 30 min vs Taxol 175 mg/m2 over 3 h in Cremophor EL), as in the clinical comparisons.
    """

    name: str
    regimen: Regimen
    vehicle: str | None
    source: str


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario in canonical units."""

    name: str
    species: str
    physiology: Physiology
    bsa_m2: float | None
    drug: Drug
    carrier: Carrier | None
    regimen: Regimen
    duration_h: float
    points: int
    saturable: bool
    solver: str
    tumour_ph: float | None = None
    hyperthermia: Hyperthermia | None = None
    flow_scale: float = 1.0
    vehicle: str | None = None
    """Solubilising vehicle given with the drug (``data/vehicles/<name>.yaml``, e.g. ``cremophor_el``)."""
    comparator: ConventionalArm | None = None
    """The conventional product to compare with, when it is not the same dose without the carrier."""
    outside_range: tuple[str, ...] = ()
    """Inputs outside their validated range (``field='value as written'``), warned at parsing; named again by
    :class:`~nanodds.errors.ResultError` if the result turns out impossible."""
    triggers: tuple[TriggerWindow, ...] = ()
    """Light / ultrasound windows (``environment.light`` / ``environment.ultrasound``)."""
    bbb_opening: BBBOpening | None = None
    """A transient opening of the blood-brain barrier (``bbb: {opening: ...}``), or None."""
    bbb_transcytosis: BBBTranscytosis | None = None
    """Receptor-mediated transcytosis of the carrier's ligand (``bbb: {transcytosis: true}``), or None."""
    sites: tuple[Site, ...] = ()
    """Disease sites (``sites:``, :mod:`nanodds.specs.sites`): compartments with their own environment."""
    tumour_delivery: str = "mechanistic"
    """How the tumour parameters are set: ``mechanistic``, ``fitted`` (mechanistic with the Nano-Tumor DB design
    factors, :mod:`nanodds.model.tumour_fitted`) or ``learned`` (the delivery predictor)."""
    learned_tumour: LearnedTumour | None = None
    """With ``learned``: the prediction (:func:`nanodds.design.scenario_link.predict_learned`); the tumour
    parameters are solved when the model is built (:func:`nanodds.engine.build`)."""
    magnetic: MagneticGuidance | None = None
    """A magnet over a target tissue capturing carriers during its window (``magnetic:``), or None."""

    def describe_inputs(self) -> str:
        """The inputs that shape a result, for error messages: the out-of-range ones first, then the key ones."""
        parts = list(self.outside_range)
        named = {p.split("=", 1)[0] for p in parts}
        key = [("species", self.species), ("subject.body_weight", f"{self.physiology.body_weight_kg:g} kg"),
               ("dose_total", f"{self.regimen.total_mg:g} mg")]
        if self.physiology.tumour is not None:
            key.append(("tumour.volume", f"{self.physiology.tumour.volume_L:g} L"))
        if self.carrier is not None:
            key.append(("carrier.diameter", f"{self.carrier.diameter_nm:g} nm ({self.carrier.type})"))
        parts += [f"{k}={v}" for k, v in key if k not in named]
        return ", ".join(parts)

    def conventional(self) -> Scenario:
        """The conventional formulation: the ``conventional:`` product (own regimen and vehicle) when the
        scenario names one, else the same drug, dose and regimen without the carrier."""
        if self.comparator is None:
            return replace(self, carrier=None, name=f"{self.name} [conventional]")
        c = self.comparator
        return replace(self, carrier=None, regimen=c.regimen, vehicle=c.vehicle, comparator=None,
                       name=f"{self.name} [conventional: {c.name}]")

    def conventional_definition(self) -> dict[str, str | None]:
        """What the conventional arm of a comparison is, for output documents."""
        if self.comparator is None:
            return {"name": "same drug, dose and regimen without the carrier", "vehicle": self.vehicle,
                    "source": None}
        c = self.comparator
        return {"name": c.name, "vehicle": c.vehicle, "source": c.source}


def _mapping(raw: Any, field: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(field, raw, "a mapping")
    return raw


def parse_scenario(raw: Any) -> Scenario:
    """Validate a scenario mapping (as loaded from YAML) and convert it to canonical units."""
    raw = _mapping(raw, "scenario")
    reject_unknown_keys(raw, TOP_KEYS, "")
    species = raw.get("species", "human")
    ref = reference_data(species)
    subj = _mapping(raw.get("subject"), "subject")
    reject_unknown_keys(subj, SUBJECT_KEYS, "subject")
    bw = to_canonical(subj["body_weight"], "kg", "subject.body_weight", positive=True) \
        if "body_weight" in subj else None
    height = to_canonical(subj["height"], "cm", "subject.height", positive=True) if "height" in subj else None
    tumour = None
    if raw.get("tumour") not in (None, False):
        t = {} if raw["tumour"] is True else _mapping(raw["tumour"], "tumour")
        reject_unknown_keys(t, TUMOUR_KEYS, "tumour")
        tumour = {}
        if "volume" in t:
            tumour["volume_L"] = to_canonical(t["volume"], "L", "tumour.volume", positive=True)
        if "blood_flow" in t:
            tumour["flow_L_per_h"] = to_canonical(t["blood_flow"], "L/h", "tumour.blood_flow", positive=True)
        for k in ("vascular_fraction", "interstitial_fraction"):
            if k in t:
                v = to_canonical(t[k], "", f"tumour.{k}")
                if not 0 < v < 1:
                    raise InputError(f"tumour.{k}", t[k], "a fraction in (0, 1)")
                tumour[k] = v
        if "pore_cutoff" in t:
            tumour["pore_cutoff_nm"] = to_canonical(t["pore_cutoff"], "nm", "tumour.pore_cutoff", positive=True)
        tumour.update(tumour_design(t, species))
    if "tumour_delivery" in raw:
        if tumour is None:
            raise InputError("tumour_delivery", raw["tumour_delivery"], "only with a tumour: block")
        check_delivery_mode(raw["tumour_delivery"])
    if tumour is not None and tumour.get("cancer_type") is not None and raw.get("tumour_delivery") != "learned":
        _note_cancer_type(tumour["cancer_type"], t["cancer_type"])
    outside: list[str] = []

    def flag(fld: str, value: float, written: Any, key: str, unit: str, qualifier: str | None = None,
             note: str = "") -> None:
        if check_range(fld, value, written, key, unit, qualifier, note):
            outside.append(f"{fld}={written!r}")

    if bw is not None:
        flag("subject.body_weight", bw, subj["body_weight"], "body_weight", "kg", species)
    if height is not None:
        flag("subject.height", height, subj["height"], "height", "cm", species)
    phys = build_physiology(species, bw, height, tumour)
    if phys.tumour is not None:
        _check_tumour_size(phys, t.get("volume"), flag)
    bsa = bsa_mosteller_m2(phys.height_cm, phys.body_weight_kg) if phys.height_cm else None
    drug_name = raw.get("drug")
    if is_inline(drug_name):
        drug = build_inline_drug(drug_name)
    elif not isinstance(drug_name, str):
        raise InputError("drug", drug_name, "a drug name, e.g. doxorubicin, or a mapping of its properties "
                         "(name, molecular_weight, log_p, fraction_unbound, blood_plasma_ratio, clearance)")
    else:
        drug = load_drug(drug_name, species)
    carrier = build_carrier(raw["carrier"]) if raw.get("carrier") is not None else None
    if carrier is not None:
        flag("carrier.diameter", carrier.diameter_nm, _written(raw["carrier"], "diameter", carrier.diameter_nm, "nm"),
             "carrier_diameter", "nm", carrier.type)
    regimen = parse_regimen(raw.get("regimen"), phys.body_weight_kg, bsa)
    sim = _mapping(raw.get("simulation"), "simulation")
    reject_unknown_keys(sim, SIM_KEYS, "simulation")
    duration = to_canonical(sim.get("duration", "168 h"), "h", "simulation.duration", positive=True)
    flag("simulation.duration", duration, sim.get("duration", "168 h"), "time_span", "h")
    points = sim.get("points", 1001)
    if not isinstance(points, int) or isinstance(points, bool) or not 2 <= points <= 1_000_000:
        raise InputError("simulation.points", points, "an integer from 2 to 1000000")
    saturable = sim.get("saturable", True)
    if not isinstance(saturable, bool):
        raise InputError("simulation.saturable", saturable, "true or false")
    solver = sim.get("solver", "auto")
    if not known(solver, SOLVERS):
        raise InputError("simulation.solver", solver, f"one of {', '.join(SOLVERS)}")
    env = _mapping(raw.get("environment"), "environment")
    reject_unknown_keys(env, ENV_KEYS, "environment")
    tumour_ph = None
    if "tumour_ph" in env:
        tumour_ph = to_canonical(env["tumour_ph"], "", "environment.tumour_ph")
        if not 0 < tumour_ph < 14:
            raise InputError("environment.tumour_ph", env["tumour_ph"], "a pH between 0 and 14")
        flag("environment.tumour_ph", tumour_ph, env["tumour_ph"], "tumour_ph", "1")
    hyper = None
    if "hyperthermia" in env:
        h = _mapping(env["hyperthermia"], "environment.hyperthermia")
        reject_unknown_keys(h, HYPERTHERMIA_KEYS, "environment.hyperthermia")
        region = h.get("region", "tumour")
        if region != "tumour":
            raise InputError("environment.hyperthermia.region", region, "tumour")
        if tumour is None:
            raise InputError("environment.hyperthermia", "tumour", "a scenario with a tumour")
        hyper = Hyperthermia(
            to_canonical(h.get("start", "0 h"), "h", "environment.hyperthermia.start", nonnegative=True),
            to_canonical(h.get("duration"), "h", "environment.hyperthermia.duration", positive=True),
            to_canonical(h.get("temperature"), "degC", "environment.hyperthermia.temperature"),
        )
        flag("environment.hyperthermia.temperature", hyper.temperature_c, h.get("temperature"), "temperature",
             "degC")
    vehicle = _vehicle(raw.get("vehicle"), "vehicle", hyper is not None)
    bbb_opening = parse_bbb(raw.get("bbb"), carrier is not None)
    sites = parse_sites(raw.get("sites"), carrier is not None)
    triggers = parse_triggers(env, carrier.release if carrier is not None else None, tumour is not None)
    spans = [(f"environment.{w.kind}", w.start_h, w.end_h) for w in triggers]
    if hyper is not None:
        spans.append(("environment.hyperthermia", hyper.start_h, hyper.start_h + hyper.duration_h))
    if bbb_opening is not None:
        spans.append(("bbb.opening", bbb_opening.start_h, bbb_opening.start_h + bbb_opening.duration_h))
    magnetic = parse_magnetic(raw.get("magnetic"), carrier, phys.organs(), outside)
    if magnetic is not None:
        spans.append(("magnetic.window", magnetic.start_h, magnetic.end_h))
    check_no_overlap(spans)
    comparator = None
    if raw.get("conventional") is not None:
        c = _mapping(raw["conventional"], "conventional")
        reject_unknown_keys(c, CONVENTIONAL_KEYS, "conventional")
        if not isinstance(c.get("name"), str) or not c["name"].strip():
            raise InputError("conventional.name", c.get("name"), "the conventional product's name, e.g. Taxol")
        comparator = ConventionalArm(
            name=c["name"].strip(),
            regimen=parse_regimen(c.get("regimen", raw.get("regimen")), phys.body_weight_kg, bsa,
                                  "conventional.regimen"),
            vehicle=_vehicle(c.get("vehicle"), "conventional.vehicle", hyper is not None),
            source=str(c.get("source", "")))
    flow_scale = (phys.body_weight_kg / ref["body_weight"].to("kg")) ** ref["allometric_exponent_flow"].to("1")
    name = raw.get("name", "scenario")
    if not isinstance(name, str | int | float) or isinstance(name, bool):
        raise InputError("name", name, "a text, e.g. 'Doxil vs doxorubicin'")
    scn = Scenario(name=str(name), species=species, physiology=phys, bsa_m2=bsa,
                   drug=drug, carrier=carrier, regimen=regimen, duration_h=duration, points=points,
                   saturable=saturable, solver=solver, tumour_ph=tumour_ph, hyperthermia=hyper,
                   flow_scale=flow_scale, vehicle=vehicle, comparator=comparator, outside_range=tuple(outside),
                   bbb_opening=bbb_opening, triggers=triggers, sites=sites, magnetic=magnetic,
                   bbb_transcytosis=parse_bbb_transcytosis(raw.get("bbb"), carrier))
    if raw.get("tumour_delivery") == "fitted":
        from nanodds.model import tumour_fitted

        tumour_fitted.check(species, carrier.material if carrier is not None else None, carrier is not None,
                            phys.tumour is not None)
        scn = replace(scn, tumour_delivery="fitted")
    if raw.get("tumour_delivery") == "learned":
        from nanodds.design.scenario_link import predict_learned

        scn = predict_learned(scn)
    return scn


def _note_cancer_type(name: str, written: Any) -> None:
    """Warn when a mechanistic tumour's cancer type has no data of its own (the defaults act; issue #11: an unknown
    category is reported, not silently absorbed). The learned mode reports its own unknown categories."""
    have = cancer_types_with_data()
    if name not in have:
        warnings.warn(f"tumour.cancer_type: got {written!r}; no data for this cancer type (data for: "
                      f"{', '.join(have)}): the tumour takes the default pore size and receptor densities",
                      RangeWarning, stacklevel=3)


def _written(raw: Any, key: str, value: float, unit: str) -> Any:
    """The value of ``raw[key]`` as the user wrote it, or the default (``value unit``) when not written."""
    return raw[key] if isinstance(raw, dict) and key in raw else f"{value:g} {unit} (default)"


def _check_tumour_size(phys: Physiology, written: Any, flag: Any) -> None:
    """Warn when the tumour is outside the validated size per body weight; refuse one beyond ``error_high``
    (no body is left around it, so delivery percentages become artefacts)."""
    assert phys.tumour is not None
    per_kg = phys.tumour.volume_L / phys.body_weight_kg
    shown = written if written is not None else f"{phys.tumour.volume_L:g} L (default)"
    limit = error_limit("tumour_volume_per_body_weight", "L/kg")
    if limit is not None and per_kg > limit:
        raise InputError("tumour.volume", shown, f"at most {limit:g} L per kg of body weight "
                         f"({limit * phys.body_weight_kg:g} L for {phys.body_weight_kg:g} kg): a larger tumour "
                         "leaves no body around it")
    flag("tumour.volume", per_kg, shown, "tumour_volume_per_body_weight", "L/kg",
         note=f" ({per_kg:.3g} L/kg of body weight)")


def _vehicle(value: Any, field: str, heated: bool) -> str | None:
    """A vehicle name with a data file, or None."""
    if value is None:
        return None
    names = vehicle_names()
    if not known(value, names):
        raise InputError(field, value, f"one of {', '.join(names)}")
    if heated:
        raise InputError(field, value, "no vehicle together with environment.hyperthermia")
    return str(value)


def vehicle_names() -> list[str]:
    """Vehicles with a data file (``data/vehicles/*.yaml``)."""
    return sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "data" / "vehicles").glob("*.yaml"))


def read_yaml(path: str | Path, field: str = "scenario") -> Any:
    """Read a scenario YAML file as data with one-line errors (:func:`nanodds.io.yaml_safe.read_yaml_file`)."""
    return read_yaml_file(path, field)


def load_scenario(path: str | Path) -> Scenario:
    """Read and parse a single-formulation scenario YAML file (an oral or combination file names its command)."""
    from nanodds.specs.scenario_kind import check_kind

    return parse_scenario(check_kind(read_yaml(path), path, "single"))


def environments_for(scn: Scenario, base: dict[str, Environment]) -> dict[str, Environment]:
    """Apply the scenario's tumour pH to the default environments."""
    envs = dict(base)
    if scn.tumour_ph is not None:
        envs["tumour"] = replace(envs["tumour"], ph=scn.tumour_ph)
    return envs
