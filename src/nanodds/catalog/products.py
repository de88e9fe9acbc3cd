"""Approved nanomedicines (``data/catalog/products.yaml``) as named, sourced, runnable scenarios.

Each product records what the label/EPAR/paper says (brand, actives, carrier, composition, size, approvals,
indication, route) with a source for every field: numbers are ``{value, unit, source}`` leaves (checked by
:func:`nanodds.specs.params.load_yaml`), strings sit in ``{text, source}`` mappings, approvals carry their
own ``source``. A product whose drug and carrier the engine can simulate has a ``scenario`` block (the
label's usual single dose) that :func:`product_scenario` parses into a :class:`~nanodds.specs.scenario.Scenario`.
A co-loaded product (Vyxeos) has ``payloads`` instead of ``drug`` in its scenario spec: it is a combination
scenario (:mod:`nanodds.analysis.combination`), parsed by :func:`product_combination`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from nanodds.errors import InputError, one_line
from nanodds.specs.params import DATA_ROOT, DataFileError, Param, load_yaml

CATALOG_FILE = "catalog/products.yaml"
DRUG_DIR = "src/nanodds/data/drugs"

PRODUCT_KEYS = {"brand", "aliases", "actives", "drug", "carrier", "composition", "size", "approvals",
                "indication", "route", "simulable", "not_simulable_reason", "scenario", "status"}
REQUIRED_KEYS = {"brand", "actives", "carrier", "composition", "approvals", "indication", "route"}
TEXT_KEYS = {"text", "source"}
CARRIER_KEYS = {"type", "in_carriers_yaml", "description", "source"}
COMPOSITION_KEYS = {"text", "source", "drug_to_lipid", "drug_to_carrier", "molar_ratio_note"}
APPROVAL_KEYS = {"agency", "year", "source"}
SCENARIO_KEYS = {"source", "spec"}
AGENCIES = ("FDA", "EMA", "MFDS", "CE", "PMDA", "NMPA", "TGA")


class NotSimulableError(InputError):
    """A known product the engine cannot simulate yet; the message says why (one line)."""

    def __init__(self, brand: str, reason: str) -> None:
        super().__init__("product", brand, "a simulable product")
        self.reason = reason
        self.args = (f"product {brand} cannot be simulated yet: {reason}",)

    def __str__(self) -> str:
        return one_line(self.args[0])


@dataclass(frozen=True)
class Product:
    """One catalogue entry (the raw, validated mapping plus convenience accessors)."""

    key: str
    raw: dict[str, Any]

    @property
    def brand(self) -> str:
        return str(self.raw["brand"])

    @property
    def aliases(self) -> list[str]:
        return [str(a) for a in self.raw.get("aliases", [])]

    @property
    def drug(self) -> str | None:
        """Drug name of ``data/drugs`` the scenario uses (None when nothing to simulate)."""
        return self.raw.get("drug")

    @property
    def is_combination(self) -> bool:
        """True when the scenario co-loads several payloads (``payloads`` instead of ``drug``)."""
        return "payloads" in self.raw.get("scenario", {}).get("spec", {})

    @property
    def drugs(self) -> list[str]:
        """Drug names of ``data/drugs`` the scenario uses (one for a single-drug product)."""
        if self.is_combination:
            return [str(pl.get("drug")) for pl in self.raw["scenario"]["spec"]["payloads"]]
        return [] if self.drug is None else [str(self.drug)]

    @property
    def carrier_type(self) -> str:
        return str(self.raw["carrier"]["type"])

    @property
    def size_nm(self) -> float | None:
        size = self.raw.get("size")
        return size.to("nm") if isinstance(size, Param) else None

    @property
    def first_approval(self) -> dict[str, Any]:
        return min(self.raw["approvals"], key=lambda a: a["year"])

    @property
    def simulable(self) -> bool:
        return self.blocker() is None

    def blocker(self) -> str | None:
        """Why this product cannot be simulated now, or None if it can."""
        if self.raw.get("simulable") is False:
            return str(self.raw.get("not_simulable_reason", "marked not simulable in the catalogue"))
        if "scenario" not in self.raw or not self.drugs:
            return "no scenario block in the catalogue"
        from nanodds.specs.drug import drug_names

        for d in self.drugs:
            if d not in drug_names():
                return f"drug {d} has no parameter file ({DRUG_DIR})"
        return None


def _fail(where: str, msg: str) -> None:
    raise DataFileError(f"{CATALOG_FILE}: {where}: {msg}")


def _check_keys(node: Any, allowed: set[str], where: str) -> None:
    if not isinstance(node, dict):
        _fail(where, "expected a mapping")
    unknown = set(node) - allowed
    if unknown:
        _fail(where, f"unknown field {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _check_text(node: Any, where: str) -> None:
    _check_keys(node, TEXT_KEYS, where)
    if not str(node.get("text", "")).strip():
        _fail(where, "missing 'text'")
    if not str(node.get("source", "")).strip():
        _fail(where, "missing 'source'")


def _check_product(key: str, p: Any, carrier_types: set[str]) -> None:
    _check_keys(p, PRODUCT_KEYS, key)
    missing = REQUIRED_KEYS - set(p)
    if missing:
        _fail(key, f"missing {sorted(missing)}")
    if not isinstance(p["actives"], list) or not p["actives"]:
        _fail(f"{key}.actives", "a non-empty list")
    carrier = p["carrier"]
    _check_keys(carrier, CARRIER_KEYS, f"{key}.carrier")
    if not str(carrier.get("source", "")).strip() or "type" not in carrier:
        _fail(f"{key}.carrier", "needs 'type' and 'source'")
    if carrier.get("in_carriers_yaml", False) != (carrier["type"] in carrier_types):
        _fail(f"{key}.carrier.in_carriers_yaml", f"must say whether {carrier['type']!r} is a carriers.yaml type")
    comp = p["composition"]
    _check_keys(comp, COMPOSITION_KEYS, f"{key}.composition")
    _check_text({k: comp[k] for k in ("text", "source") if k in comp}, f"{key}.composition")
    for k in ("drug_to_lipid", "drug_to_carrier"):
        if k in comp and not isinstance(comp[k], Param):
            _fail(f"{key}.composition.{k}", "a {value, unit, source} leaf")
    if "size" in p and not isinstance(p["size"], Param):
        _fail(f"{key}.size", "a {value, unit, source} leaf")
    for f in ("indication", "route"):
        _check_text(p[f], f"{key}.{f}")
    if "status" in p:
        _check_text(p["status"], f"{key}.status")
    if not isinstance(p["approvals"], list) or not p["approvals"]:
        _fail(f"{key}.approvals", "a non-empty list")
    for i, a in enumerate(p["approvals"]):
        _check_keys(a, APPROVAL_KEYS, f"{key}.approvals[{i}]")
        if a.get("agency") not in AGENCIES or not isinstance(a.get("year"), int) or not a.get("source"):
            _fail(f"{key}.approvals[{i}]", f"needs agency ({', '.join(AGENCIES)}), integer year, source")
    if p.get("simulable") is False and not p.get("not_simulable_reason"):
        _fail(key, "simulable: false needs not_simulable_reason")
    if "scenario" in p:
        _check_keys(p["scenario"], SCENARIO_KEYS, f"{key}.scenario")
        if not p["scenario"].get("source") or not isinstance(p["scenario"].get("spec"), dict):
            _fail(f"{key}.scenario", "needs 'source' and a 'spec' mapping")
        spec = p["scenario"]["spec"]
        if "payloads" in spec:
            pls = spec["payloads"]
            if "drug" in p or "drug" in spec:
                _fail(key, "a co-loaded product (scenario.spec.payloads) has no single 'drug'")
            if not isinstance(pls, list) or len(pls) < 2 or not all(isinstance(x, dict) and x.get("drug")
                                                                    for x in pls):
                _fail(f"{key}.scenario.spec.payloads", "a list of at least two {drug, dose, ...} mappings")
        elif p.get("drug") != spec.get("drug"):
            _fail(f"{key}.scenario.spec.drug", "must equal the product's 'drug'")
        if p["carrier"]["type"] != p["scenario"]["spec"].get("carrier", {}).get("type"):
            _fail(f"{key}.scenario.spec.carrier.type", "must equal the product's carrier type")


@cache
def _catalog() -> dict[str, Product]:
    raw = load_yaml(CATALOG_FILE)
    if not isinstance(raw, dict) or not isinstance(raw.get("products"), dict):
        _fail("top level", "a mapping with 'products'")
    carrier_types = set(load_yaml("carriers/carriers.yaml"))
    out: dict[str, Product] = {}
    seen: dict[str, str] = {}
    for key, p in raw["products"].items():
        _check_product(key, p, carrier_types)
        for name in [key, p["brand"], *p.get("aliases", [])]:
            low = str(name).lower()
            if seen.get(low, key) != key:
                _fail(key, f"name {name!r} also used by {seen[low]}")
            seen[low] = key
        out[key] = Product(key, p)
    return out


def catalog_path() -> str:
    """Path of the catalogue YAML file."""
    return str(DATA_ROOT / CATALOG_FILE)


def list_products() -> list[Product]:
    """All catalogue products, ordered by first approval year then brand."""
    return sorted(_catalog().values(), key=lambda p: (p.first_approval["year"], p.brand.lower()))


def get_product(name: str) -> Product:
    """A product by key, brand or alias (case-insensitive); :class:`InputError` listing the brands otherwise."""
    low = str(name).strip().lower()
    for p in _catalog().values():
        if low in {p.key.lower(), p.brand.lower(), *(a.lower() for a in p.aliases)}:
            return p
    brands = ", ".join(sorted(p.brand for p in _catalog().values()))
    raise InputError("product", name, f"one of {brands}")


def product_spec(name: str, duration: str | None = None, points: int | None = None) -> dict[str, Any]:
    """The raw scenario mapping of a simulable product (a copy), with optional simulation overrides."""
    p = get_product(name)
    reason = p.blocker()
    if reason is not None:
        raise NotSimulableError(p.brand, reason)
    spec = copy.deepcopy(p.raw["scenario"]["spec"])
    sim = spec.setdefault("simulation", {})
    if duration is not None:
        sim["duration"] = duration
        if isinstance(spec.get("ratio_windows"), list):  # a co-loaded product: keep the windows that still fit
            from nanodds.units import to_canonical

            end = to_canonical(duration, "h", "duration", positive=True)
            kept = [w for w in spec["ratio_windows"] if to_canonical(w[1], "h", "ratio_windows") <= end]
            if kept:
                spec["ratio_windows"] = kept
            else:
                spec.pop("ratio_windows")  # the defaults, clipped to the duration
    if points is not None:
        sim["points"] = points
    return spec


def product_combination(name: str, duration: str | None = None, points: int | None = None):
    """Parse a co-loaded product's scenario into a :class:`~nanodds.analysis.combination.Combination`.

    Same arguments as :func:`product_scenario`; :class:`InputError` for a single-drug product.
    """
    from nanodds.analysis.combination import parse_combination

    p = get_product(name)
    if not p.is_combination:
        raise InputError("product", p.brand, "a co-loaded product (scenario with payloads); use product_scenario")
    return parse_combination(product_spec(name, duration, points))


def product_scenario(name: str, duration: str | None = None, points: int | None = None):
    """Parse a product's scenario block into a :class:`~nanodds.specs.scenario.Scenario`.

    Parameters
    ----------
    name : str
        Key, brand or alias.
    duration : str, optional
        Simulated time with unit (e.g. ``"48 h"``) instead of the catalogue's.
    points : int, optional
        Number of output times instead of the catalogue's.

    Raises
    ------
    InputError
        Unknown product, or a product that cannot be simulated yet (the message names the reason, e.g. the
        missing drug parameter file).
    """
    from nanodds.specs.scenario import parse_scenario

    p = get_product(name)
    if p.is_combination:
        raise InputError("product", p.brand, "a single-drug product: it co-loads "
                         f"{' + '.join(p.drugs)}; use product_combination or `nanodds catalog run`")
    return parse_scenario(product_spec(name, duration, points))
