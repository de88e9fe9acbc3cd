"""Dosing regimens: IV bolus, IV infusion, repeated cycles; doses in mg, mg/kg or mg/m^2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nanodds.errors import InputError, known, reject_unknown_keys
from nanodds.limits import check_int, limit, limit_ref
from nanodds.units import example, is_bare, parse_quantity, to_canonical

ROUTES = ("iv_bolus", "iv_infusion")
DOSE_KEYS = {"route", "dose", "duration", "start", "every", "count"}


@dataclass(frozen=True)
class DoseEvent:
    """One administration in canonical units (h, mg). ``duration_h == 0`` is a bolus."""

    start_h: float
    amount_mg: float
    duration_h: float

    @property
    def rate_mg_per_h(self) -> float:
        return self.amount_mg / self.duration_h if self.duration_h > 0 else float("inf")


@dataclass(frozen=True)
class Regimen:
    """An ordered list of dose events."""

    events: tuple[DoseEvent, ...]

    @property
    def total_mg(self) -> float:
        return float(sum(e.amount_mg for e in self.events))

    @property
    def first_dose_mg(self) -> float:
        return self.events[0].amount_mg

    def last_event_end_h(self) -> float:
        return max(e.start_h + e.duration_h for e in self.events)


DOSE_KINDS: dict[str, str] = {"mass": "mg", "per_mass": "mg/kg", "per_area": "mg/m**2"}
"""The three ways to write a dose, each with the unit its value is converted to."""


def dose_to_mg(text: Any, field: str, body_weight_kg: float, bsa_m2: float | None) -> float:
    """Convert ``"50 mg/m^2"``, ``"9 mg/kg"`` or ``"100 mg"`` to mg for this subject."""
    from nanodds.io.disk_memo import UNITS, memo_key
    from nanodds.specs.validity import check_finite

    allowed = "a dose in mg, mg/kg or mg/m^2 (e.g. '50 mg/m^2'), > 0"
    kind, value = UNITS.get(memo_key("dose", text), lambda: list(_dose_kind(text, field, allowed)),
                            lambda v: isinstance(v, list) and len(v) == 2 and v[0] in DOSE_KINDS
                            and type(v[1]) is float)
    if kind == "mass":
        mg = value
    elif kind == "per_mass":
        mg = value * body_weight_kg
    else:
        if bsa_m2 is None:
            raise InputError(field, text, "mg or mg/kg (no height known for a body surface area)")
        mg = value * bsa_m2
    check_finite(mg, text, field, "mg")
    if not mg > 0:
        raise InputError(field, text, allowed)
    return mg


def _dose_kind(text: Any, field: str, allowed: str) -> tuple[str, float]:
    """(kind in :data:`DOSE_KINDS`, value in its unit) of a dose as pint reads it."""
    q = parse_quantity(text, field, "mg/kg")
    if is_bare(q):  # a bare 9 is not 9 kg/kg
        raise InputError(field, text, f"a quantity with units, e.g. {example(float(q.magnitude), 'mg/kg')}")
    for kind, dims in (("mass", "[mass]"), ("per_mass", "[mass]/[mass]"), ("per_area", "[mass]/[length]**2")):
        if q.check(dims):
            return kind, float(q.to(DOSE_KINDS[kind]).magnitude)
    raise InputError(field, text, allowed)


def parse_regimen(items: Any, body_weight_kg: float, bsa_m2: float | None, field: str = "regimen") -> Regimen:
    """Parse the scenario's ``regimen`` list (or another dosing list named ``field`` in error messages).

    Each item: ``route`` (iv_bolus | iv_infusion), ``dose``, ``duration`` (infusion only), ``start``
    (default 0 h), ``every`` and ``count`` to repeat the cycle.
    """
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise InputError(field, items, "a non-empty list of doses")
    events: list[DoseEvent] = []
    for i, item in enumerate(items):
        f = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise InputError(f, item, "a mapping with route, dose, ...")
        reject_unknown_keys(item, DOSE_KEYS, f)
        route = item.get("route", "iv_bolus")
        if not known(route, ROUTES):
            raise InputError(f"{f}.route", route, f"one of {', '.join(ROUTES)}")
        if "dose" not in item:
            raise InputError(f"{f}.dose", None, "a dose in mg, mg/kg or mg/m^2")
        mg = dose_to_mg(item["dose"], f"{f}.dose", body_weight_kg, bsa_m2)
        dur = 0.0
        if route == "iv_infusion":
            if "duration" not in item:
                raise InputError(f"{f}.duration", None, "an infusion duration > 0, e.g. '1 h'")
            dur = to_canonical(item["duration"], "h", f"{f}.duration", positive=True)
        elif "duration" in item:
            raise InputError(f"{f}.duration", item["duration"], "no duration for an iv_bolus")
        start = to_canonical(item.get("start", "0 h"), "h", f"{f}.start", nonnegative=True)
        count = check_int(item.get("count", 1), f"{f}.count", 1, "max_dose_events")
        every = to_canonical(item["every"], "h", f"{f}.every", positive=True) if "every" in item else 0.0
        if count > 1 and every <= 0:
            raise InputError(f"{f}.every", item.get("every"), "a cycle length > 0 when count > 1")
        if count > 1 and dur > every:
            raise InputError(f"{f}.duration", item["duration"], f"at most the cycle length {every:g} h")
        if len(events) + count > limit("max_dose_events"):
            raise InputError(f"{f}.count", count, f"at most {limit('max_dose_events')} dose events in all "
                                                  f"({limit_ref('max_dose_events')})")
        events.extend(DoseEvent(start + k * every, mg, dur) for k in range(count))
    events.sort(key=lambda e: e.start_h)
    return Regimen(tuple(events))
