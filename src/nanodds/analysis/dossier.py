"""Formulation dossier: the critical quality attributes regulators expect, each marked supplied, simulated or
missing, and a risk-benefit summary of a ``nanodds safety`` document.

``supplied``: the scenario file gives the attribute (its carrier block) or a measured-values file does (``--cqa``,
a YAML mapping ``attribute id -> {value, unit, source}``); ``simulated``: not supplied, but nanodds predicts it
(e.g. free vs encapsulated drug in plasma); ``missing``: neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nanodds.errors import InputError, known
from nanodds.io.yaml_safe import read_yaml_file
from nanodds.specs.params import load_yaml

__all__ = ["CQA_FILE", "dossier", "load_measured", "risk_benefit"]

CQA_FILE = "regulatory/cqa.yaml"


def load_measured(path: str | Path) -> dict[str, dict[str, Any]]:
    """Measured CQA values from a YAML file (``id: {value, unit, source}``); unknown ids are rejected."""
    ids = {a["id"] for a in load_yaml(CQA_FILE)["attributes"]}
    raw = read_yaml_file(path, "--cqa")  # duplicate keys, size bounds, non-UTF-8 and non-mappings rejected
    for key, v in raw.items():
        if not known(key, ids):
            raise InputError(f"--cqa.{key}", key, f"one of {', '.join(sorted(ids))}")
        if not isinstance(v, dict) or not {"value", "source"} <= set(v) or not str(v.get("source", "")).strip():
            raise InputError(f"--cqa.{key}", v, "a mapping with value, unit and a non-empty source")
    return raw


def _has(raw_scenario: dict[str, Any], dotted: str) -> bool:
    cur: Any = raw_scenario
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return True


def dossier(raw_scenario: dict[str, Any], measured: dict[str, dict[str, Any]] | None = None,
            diameter_nm: float | None = None) -> dict[str, Any]:
    """Status of every CQA for a scenario (its raw YAML mapping) and optional measured values."""
    kb = load_yaml(CQA_FILE)
    measured = measured or {}
    rows = []
    for a in kb["attributes"]:
        field = a.get("scenario_field")
        if a["id"] in measured:
            status, how = "supplied", f"measured: {measured[a['id']]['value']} {measured[a['id']].get('unit', '')} " \
                                      f"[{measured[a['id']]['source']}]"
        elif field and _has(raw_scenario, field):
            status, how = "supplied", f"scenario field {field}"
        elif a.get("simulated"):
            status, how = "simulated", a["simulated"]
        else:
            status, how = "missing", "neither supplied nor simulated"
        rows.append({"id": a["id"], "name": a["name"], "expected_by": list(a["expected_by"]), "status": status,
                     "how": how})
    out: dict[str, Any] = {"attributes": rows,
                           "counts": {s: sum(r["status"] == s for r in rows) for s in ("supplied", "simulated",
                                                                                         "missing")}}
    if diameter_nm is not None:
        lo, hi = kb["nanoscale"]["typical_upper"], kb["nanoscale"]["considered_upper"]
        out["nanoscale"] = {"diameter_nm": diameter_nm, "within_typical_nanoscale": diameter_nm <= lo.to("nm"),
                            "within_considered_range": diameter_nm <= hi.to("nm"), "source": hi.source}
    return out


def risk_benefit(doc: dict[str, Any]) -> list[str]:
    """Plain sentences summarising benefit (what acts at the tumour), risks (toxicity ratios, nanotox flags) and
    evidence gaps (missing CQAs) of a safety document."""
    lines = []
    head = {(r["site"], r["measure"]): r for r in doc.get("headline", [])}
    t = head.get(("tumour", "unbound"))
    if t and t["ratio"] is not None:
        lines.append(f"Benefit: unbound drug in the tumour {t['ratio']:.3g}x the conventional arm "
                     f"(total drug {head[('tumour', 'total')]['ratio']:.3g}x, most of it still encapsulated).")
    pd = doc.get("pd", {})
    if pd.get("available"):
        ti = pd["therapeutic_index"]
        for k, v in ti["toxicity_ratios"].items():
            if v is None:
                continue
            x = ti["ti"][k]
            verdict = "not computable without a tumour" if x is None else \
                f"{x:.3g} ({'favours' if x > 1 else 'does not favour'} the nanoformulation)"
            check = ti.get("direction_checks", {}).get(k)
            lines.append(f"Risk: {k} {v:.3g}x conventional; therapeutic index {verdict}"
                         + (f" [{check}]." if check else "."))
    flags = [f for f in doc.get("nanotox", {}).get("flags", []) if f["flagged"]]
    if flags:
        lines.append("Nanotoxicology flags: " + ", ".join(f["hazard"] for f in flags) + ".")
    dz = doc.get("dossier")
    if dz:
        missing = [r["id"] for r in dz["attributes"] if r["status"] == "missing"]
        lines.append(f"Evidence: {dz['counts']['supplied']} CQAs supplied, {dz['counts']['simulated']} simulated, "
                     f"{len(missing)} missing" + (f" ({', '.join(missing)})." if missing else "."))
    return lines
