"""Nanoformulation vs conventional drug: by default the same drug, dose and regimen, with and without the carrier;
when the scenario names a marketed conventional product (``conventional:`` block, e.g. Taxol for Abraxane), that
product at its own regimen and with its own vehicle. The document says which (``conventional_definition``) and
gives each arm's dose, so ratios of exposures at different doses are not mistaken for same-dose ratios.

:func:`compare_metrics` is a pure function of the two metrics mappings (from
:func:`nanodds.analysis.metrics.compute_metrics`); :func:`compare` is the thin wrapper that simulates both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nanodds.analysis.acting import acting_metrics, headline_keys
from nanodds.errors import InputError
from nanodds.solve.solution import Solution
from nanodds.specs.scenario import Scenario

__all__ = ["RATIO_KEYS", "arms_headline", "arms_table", "check_comparable", "compare", "compare_arms",
           "compare_metrics", "headline", "ratio", "ratios", "require_carrier", "run_comparison"]

#: Dotted metric paths compared as nano / conventional (tissue AUCs and tumour keys are added per model).
RATIO_KEYS: tuple[str, ...] = (
    "plasma_total.auc_inf_mg_h_per_L",
    "plasma_total.cmax_mg_per_L",
    "plasma_total.t_half_h",
    "plasma_total.cl_L_per_h",
    "plasma_total.vss_L",
    "plasma_unbound.auc_inf_mg_h_per_L",
    "plasma_unbound.cmax_mg_per_L",
)
TUMOUR_RATIO_KEYS: tuple[str, ...] = (
    "tumour.de24_percent",
    "tumour.demax_percent",
    "tumour.auc_mg_h_per_L",
    "tumour.targeting_index_tumour_vs_heart",
)


def get_path(d: dict[str, Any], path: str) -> Any:
    """Value at a dotted path (``"plasma_total.cmax_mg_per_L"``) of nested mappings, or None."""
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def ratio(num: Any, den: Any) -> float | None:
    """``num / den``, or None when either is missing or not finite, or ``den`` is 0."""
    try:
        a, b = float(num), float(den)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0.0:
        return None
    return a / b


def ratios(nano: dict[str, Any], conventional: dict[str, Any]) -> dict[str, float | None]:
    """Nano / conventional ratios of the key metrics, keyed by dotted metric path."""
    keys = list(RATIO_KEYS)
    organs = list(nano.get("tissues", {}))
    organs += [o for o in conventional.get("tissues", {}) if o not in organs]
    keys += [f"tissues.{o}.{m}" for o in organs
             for m in ("auc_mg_h_per_L", "released_auc_mg_h_per_L", "released_cmax_mg_per_L")]
    if "tumour" in nano or "tumour" in conventional:
        keys += list(TUMOUR_RATIO_KEYS)
    keys += [f"sites.{s}.{m}" for s in nano.get("sites", {})
             for m in ("released_auc_mg_h_per_L", "unbound_auc_mg_h_per_L", "total_auc_mg_h_per_L")]
    if "acting" in nano and "acting" in conventional:
        keys += [k for k in headline_keys(nano["acting"]) if k not in keys]
    return {k: ratio(get_path(nano, k), get_path(conventional, k)) for k in keys}


def headline(nano: dict[str, Any], conventional: dict[str, Any]) -> list[dict[str, Any]]:
    """The comparison's headline: unbound, released and total drug AUC at the tumour and each toxicity site.

    One row per (site, measure) with both values and the nano / conventional ratio; ``acts`` is True for the
    unbound and released measures (the drug that acts) and False for total drug (encapsulated + released).
    Empty when the metrics lack ``acting`` (see :func:`nanodds.analysis.acting.acting_metrics`).
    """
    if "acting" not in nano or "acting" not in conventional:
        return []
    rows = []
    for key in headline_keys(nano["acting"]):
        parts = key.split(".")  # acting.<site>.<measure>_auc_mg_h_per_L or acting.targeting_index_<measure>
        if len(parts) == 2:
            site, measure = "tumour/heart", parts[1].removeprefix("targeting_index_")
            unit, quantity = "-", "targeting index (AUC ratio)"
        else:
            site, measure = parts[1], parts[2].split("_")[0]
            unit, quantity = "mg h/L", "AUC"
        a, b = get_path(nano, key), get_path(conventional, key)
        rows.append({"site": site, "role": get_path(nano, f"acting.{site}.role") or "",
                     "measure": measure, "acts": measure != "total", "quantity": quantity,
                     "nano": a, "conventional": b, "ratio": ratio(a, b), "unit": unit, "key": key})
    return rows


def compare_metrics(nano: dict[str, Any], conventional: dict[str, Any],
                    name: str = "scenario") -> dict[str, Any]:
    """The comparison document: both metrics mappings, their ratios and the what-acts headline (pure)."""
    return {"scenario": name, "headline": headline(nano, conventional), "nano": nano,
            "conventional": conventional, "ratios": ratios(nano, conventional)}


def require_carrier(scn: Scenario) -> None:
    """Raise :class:`InputError` unless the scenario has a carrier (a nanoformulation)."""
    if scn.carrier is None:
        raise InputError("carrier", None,
                         "a nanoformulation (carrier) to compare against the conventional drug")


def run_comparison(scn: Scenario, abc_factor: float | None = None):
    """Simulate the nanoformulation and its conventional counterpart.

    ``abc_factor``: accelerated blood clearance of repeat PEGylated doses (see :mod:`nanodds.analysis.abc`);
    the conventional arm is unaffected.

    Returns
    -------
    (dict, Solution, Solution)
        The comparison document (see :func:`compare_metrics`) and the nano and conventional solutions.
    """
    from nanodds.engine import simulate

    require_carrier(scn)
    conv = scn.conventional()
    if abc_factor is None:
        sol_nano = simulate(scn)
    else:
        from nanodds.analysis.abc import abc_start_h, with_abc
        from nanodds.engine import build, output_grid
        from nanodds.solve.api import solve

        start = abc_start_h(scn)
        if start is None:
            raise InputError("--abc-factor", abc_factor, "a PEGylated carrier given in two or more doses")
        model = with_abc(build(scn), start, abc_factor)
        sol_nano = solve(model, scn.regimen.events, output_grid(scn), backend=scn.solver)
    sol_conv = simulate(conv)
    m_nano, m_conv = arm_metrics(scn, sol_nano), arm_metrics(conv, sol_conv)
    doc = compare_metrics(m_nano, m_conv, scn.name)
    doc["conventional_definition"] = scn.conventional_definition()
    doc["dose_mg"] = {"nano": scn.regimen.total_mg, "conventional": conv.regimen.total_mg}
    return doc, sol_nano, sol_conv


def compare(scn: Scenario) -> dict[str, Any]:
    """Run a scenario's nanoformulation and ``scn.conventional()``; return the comparison document."""
    return run_comparison(scn)[0]


def check_comparable(scenarios: list[Scenario], names: list[str]) -> None:
    """Raise :class:`InputError` unless every arm has the first arm's species and simulated horizon.

    Arms of one comparison are read side by side: exposures of a mouse and a patient, or AUC0-T, DE(t) and
    time courses over different horizons, are not comparable numbers, so such arms are refused (one line naming
    the arm, its value and the reference arm's) rather than silently compared. Doses, subjects, carriers and
    regimens may differ (each arm's dose is reported).
    """
    ref, ref_name = scenarios[0], names[0]
    for scn, name in zip(scenarios[1:], names[1:], strict=True):
        if scn.species != ref.species:
            raise InputError(f"{name}: species", scn.species,
                             f"{ref.species}, the species of the first arm {ref_name} (arms share one species)")
        if scn.duration_h != ref.duration_h:
            raise InputError(f"{name}: simulation.duration", f"{scn.duration_h:g} h",
                             f"{ref.duration_h:g} h, the horizon of the first arm {ref_name} (arms share one "
                             "horizon: AUC0-T, DE(t) and the time courses are read side by side)")


def compare_arms(scenarios: list[Scenario], labels: list[str] | None = None,
                 progress: Callable[[int, str], None] | None = None):
    """Simulate two or more arms (scenarios) and compare each with the first (the reference arm).

    Parameters
    ----------
    scenarios : list of Scenario
        At least two, of one species and horizon (:func:`check_comparable`); the first is the reference of
        every ratio.
    labels : list of str, optional
        Arm names (default: the scenario names); must be distinct.
    progress : callable, optional
        ``progress(i, label)`` before arm ``i`` is simulated.

    Returns
    -------
    (dict, list of Solution)
        ``{"reference", "arms": {label: metrics}, "dose_mg": {label: mg}, "ratios": {label: {path: ratio}}}``
        (metrics with ``acting`` as in :func:`run_comparison`; ratios of every arm but the reference, as in
        :func:`ratios`) and the solutions in arm order.
    """
    from nanodds.engine import simulate

    if len(scenarios) < 2:
        raise InputError("arms", len(scenarios), "at least two scenarios to compare")
    names = list(labels) if labels is not None else [s.name for s in scenarios]
    if len(names) != len(scenarios) or len(set(names)) != len(names):
        raise InputError("arms", names, "one distinct label per arm")
    check_comparable(scenarios, names)
    sols = []
    for i, s in enumerate(scenarios):
        if progress is not None:
            progress(i, names[i])
        sols.append(simulate(s))
    metrics = {n: arm_metrics(s, sol) for n, s, sol in zip(names, scenarios, sols, strict=True)}
    ref = names[0]
    doc = {"reference": ref, "arms": metrics,
           "dose_mg": {n: s.regimen.total_mg for n, s in zip(names, scenarios, strict=True)},
           "ratios": {n: ratios(metrics[n], metrics[ref]) for n in names[1:]}}
    return doc, sols


def arms_headline(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """What acts beside total drug for every arm of a :func:`compare_arms` document.

    One row per headline key (unbound and released AUC at the tumour and each toxicity site, then total drug;
    as :func:`headline`) with ``values`` ``{arm: value}`` and ``ratios`` ``{arm: value / reference value}``
    (every arm but the reference).
    """
    ref = doc["reference"]
    arms = doc["arms"]
    rows: dict[str, dict[str, Any]] = {}
    for arm in arms:
        if arm == ref:
            continue
        for r in headline(arms[arm], arms[ref]):
            row = rows.setdefault(r["key"], {k: r[k] for k in ("key", "site", "role", "measure", "acts",
                                                                "quantity", "unit")}
                                  | {"values": {ref: r["conventional"]}, "ratios": {}})
            row["values"][arm] = r["nano"]
            row["ratios"][arm] = r["ratio"]
    return list(rows.values())


#: Rows of the tidy arms table beyond the headline: (label, dotted metric path, unit).
ARMS_ROWS: tuple[tuple[str, str, str], ...] = (
    ("AUCinf plasma total", "plasma_total.auc_inf_mg_h_per_L", "mg h/L"),
    ("Cmax plasma total", "plasma_total.cmax_mg_per_L", "mg/L"),
    ("t1/2 terminal", "plasma_total.t_half_h", "h"),
    ("CL", "plasma_total.cl_L_per_h", "L/h"),
    ("CL per m^2", "plasma_total.cl_L_per_h_per_m2", "L/h/m^2"),
    ("CL per kg", "plasma_total.cl_L_per_h_per_kg", "L/h/kg"),
    ("Vss", "plasma_total.vss_L", "L"),
    ("AUCinf plasma unbound", "plasma_unbound.auc_inf_mg_h_per_L", "mg h/L"),
    ("DE24 tumour", "tumour.de24_percent", "% dose"),
    ("DEmax tumour", "tumour.demax_percent", "% dose"),
)


def arms_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The tidy (long) table of a :func:`compare_arms` document: one row per arm and metric.

    Columns: ``arm``, ``reference`` (True for the first arm), ``group`` (``dose``, ``what acts``, ``total drug``
    or ``plasma and tumour``), ``metric``, ``site``, ``measure``, ``key`` (dotted path in the arm's metrics),
    ``value``, ``unit`` and ``ratio_to_reference``. Rows whose value is missing for every arm are left out.
    """
    ref, arms = doc["reference"], doc["arms"]
    out: list[dict[str, Any]] = []

    def add(group: str, metric: str, site: str, measure: str, key: str, unit: str,
            values: dict[str, Any]) -> None:
        if all(v is None for v in values.values()):
            return
        for arm in arms:
            out.append({"arm": arm, "reference": arm == ref, "group": group, "metric": metric, "site": site,
                        "measure": measure, "key": key, "value": values.get(arm), "unit": unit,
                        "ratio_to_reference": ratio(values.get(arm), values.get(ref))})

    add("dose", "dose (total)", "", "", "dose_total_mg", "mg", dict(doc["dose_mg"]))
    for row in arms_headline(doc):
        add("what acts" if row["acts"] else "total drug", row["quantity"], row["site"], row["measure"],
            row["key"], row["unit"], row["values"])
    for label, key, unit in ARMS_ROWS:
        add("plasma and tumour", label, "", "", key, unit, {a: get_path(m, key) for a, m in arms.items()})
    return out


def arm_metrics(scn: Scenario, sol: Solution) -> dict[str, Any]:
    """:func:`~nanodds.analysis.metrics.compute_metrics` plus ``acting`` (:func:`acting_metrics`) of one arm, their
    peaks read on one :func:`~nanodds.analysis.peaks.peak_solution` (solved again at most once)."""
    from nanodds.analysis.metrics import compute_metrics
    from nanodds.analysis.peaks import peak_solution

    pk = peak_solution(sol)
    return {**compute_metrics(sol, scn.regimen, scn.bsa_m2, scn.physiology.body_weight_kg, peaks=pk),
            "acting": acting_metrics(sol, peaks=pk)}
