"""The ``nanodds safety`` report: Markdown and HTML (same content) with PNG plots.

Sections: what acts (the comparison headline), pharmacodynamics (myelosuppression, tumour growth inhibition,
cardiotoxicity, hand-foot syndrome proxy, time above thresholds), the therapeutic-index summary, and the
assumptions each number rests on.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_pd", "render_html", "render_markdown"]


def _f(v: Any, spec: str = ".3g") -> str:
    if v is None:
        return "-"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "-" if not np.isfinite(x) else format(x, spec)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def pd_rows(pd: dict[str, Any]) -> list[list[str]]:
    """Rows (read-out, nano, conventional, unit, driven by) of the PD/safety table."""
    n, c = pd["nano"], pd["conventional"]
    rows: list[list[str]] = []
    if "myelosuppression" in n:
        for key, label, unit in (("nadir_relative", "neutrophil nadir (fraction of baseline)", "-"),
                                 ("nadir_time_day", "time of nadir", "day"),
                                 ("hours_below_half_baseline", "time below 50% of baseline", "h")):
            rows.append([label, _f(n["myelosuppression"][key]), _f(c["myelosuppression"][key]), unit,
                         n["myelosuppression"]["driver"]])
    if "tgi" in n:
        rows.append(["tumour growth inhibition at horizon", _f(n["tgi"]["tgi_percent"]), _f(c["tgi"]["tgi_percent"]),
                     "%", n["tgi"]["driver"]])
        rows.append(["tumour size at horizon", _f(n["tgi"]["final_size_mL"]), _f(c["tgi"]["final_size_mL"]), "mL",
                     f"control {_f(n['tgi']['control_final_size_mL'])} mL"])
    if "cardiotoxicity" in n:
        for key, label, unit in (("cardio_equivalent_per_cycle_mg_per_m2", "cardio-equivalent dose per cycle",
                                  "mg/m^2"),
                                 ("cumulative_cardio_equivalent_mg_per_m2",
                                  f"cumulative after {n['cardiotoxicity']['cycles']} cycles", "mg/m^2"),
                                 ("chf_risk_percent", "estimated CHF risk at that cumulative dose", "%"),
                                 ("cycles_to_limit_low", "cycles to 450 mg/m^2", "cycles"),
                                 ("cycles_to_limit_high", "cycles to 550 mg/m^2", "cycles")):
            rows.append([label, _f(n["cardiotoxicity"][key]), _f(c["cardiotoxicity"][key]), unit,
                         "heart released drug AUC per mg"])
    for site in ("tumour", "heart", "marrow", "skin"):
        if site in n.get("exposure", {}):
            a, b = n["exposure"][site], c["exposure"].get(site, {})
            rows.append([f"{site}: unbound drug AUC", _f(a["unbound_auc_mg_h_per_L"]),
                         _f(b.get("unbound_auc_mg_h_per_L")), "mg h/L", f"tissue_unbound_{site}"])
            for key, label in (("hours_above_toxic", "time above toxic threshold"),
                               ("hours_in_window", "time in therapeutic window")):
                if key in a:
                    rows.append([f"{site}: {label}", _f(a[key]), _f(b.get(key)), "h", f"tissue_unbound_{site}"])
    if "extremity_skin" in n.get("exposure", {}):
        a, b = n["exposure"]["extremity_skin"], c["exposure"].get("extremity_skin", {})
        rows.append(["palm/sole skin: unbound drug AUC (simulated window)", _f(a["unbound_auc_window_mg_h_per_L"]),
                     _f(b.get("unbound_auc_window_mg_h_per_L")), "mg h/L",
                     "skin unbound + liposomes extravasated in palm/sole skin (assumed rates)"])
    return rows


def render_markdown(doc: dict[str, Any], plots: list[str]) -> str:
    """The report as Markdown."""
    lines = [f"# Efficacy and safety: {doc['scenario']}", "",
             f"Conventional arm: {doc.get('conventional_definition', {}).get('name', 'conventional')}. "
             f"Dose nano {_f(doc['dose_mg']['nano'])} mg, conventional {_f(doc['dose_mg']['conventional'])} mg.", "",
             "## What acts", "",
             "*unbound* = free drug in tissue water; *released* = unbound + bound in cells (not in carriers); "
             "*total* = encapsulated + released (what a tissue assay of total drug reports).", ""]
    lines += _table(["site", "measure", "nano", "conventional", "ratio", "unit"],
                    [[r["site"], r["measure"] + ("" if r["acts"] else " (not all active)"), _f(r["nano"]),
                      _f(r["conventional"]), _f(r["ratio"]), r["unit"]] for r in doc["headline"]])
    pd = doc.get("pd", {})
    lines += ["", "## Pharmacodynamics and safety", ""]
    if not pd.get("available"):
        lines.append(f"Not available: {pd.get('reason', 'no PD section')}.")
    else:
        lines += _table(["read-out", "nano", "conventional", "unit", "driven by"], pd_rows(pd))
        ti = pd["therapeutic_index"]
        lines += ["", "## Therapeutic index (nano vs conventional)", "",
                  f"Efficacy ratio (tumour unbound drug AUC, nano / conventional): "
                  f"{_f(ti['efficacy_ratio_tumour_unbound_auc'])}. TI = efficacy ratio / toxicity ratio; > 1 favours "
                  "the nanoformulation.", ""]
        checks = ti.get("direction_checks", {})
        lines += _table(["toxicity", "toxicity ratio", "TI", "clinical direction (O'Brien 2004)"],
                        [[k, _f(v), _f(ti["ti"][k]), checks.get(k, "not checked")]
                         for k, v in ti["toxicity_ratios"].items()])
        if "cardiotoxicity_note" in pd:
            lines += ["", f"Cardiotoxicity: {pd['cardiotoxicity_note']}."]
        lines += ["", "## Assumptions", "",
                  f"Parameters and their sources: `nanodds/data/{pd['source_file']}` and "
                  "`nanodds/data/pd/friberg_system.yaml`. Drug-specific potencies (myelosuppression slope, "
                  "tumour-kill k2, exposure thresholds) are assumptions, not fitted to outcome data: read the "
                  "read-outs as comparisons between the two arms, not as predicted clinical rates. Tumour growth "
                  "uses mouse-xenograft growth parameters (Simeoni 2004). Cardiotoxicity assumes cardiac injury "
                  "follows released drug in the heart. Against O'Brien et al. 2004 (PLD vs doxorubicin; "
                  "docs/safety.md) the cardiotoxicity direction is reproduced blind; the neutropenia and hand-foot "
                  "directions only post hoc (after model changes made while they were known misses), and the "
                  "hand-foot one rests on two assumed rates of the palm/sole skin satellite (liposome extravasation "
                  "and dermal-macrophage uptake)."]
    nt = doc.get("nanotox")
    if nt is not None:
        lines += ["", "## Nanotoxicology screen", ""]
        if not nt.get("flags"):
            lines.append(f"Not screened: {nt.get('note', 'no carrier')}.")
        else:
            lines.append(f"Carrier material: {nt['material']} ({nt['carrier_type']}). Margin = threshold / predicted "
                         "(concentration) or diameter / studied size (size); < 1 or flagged = hazard applies.")
            lines.append("")
            lines += _table(["hazard", "flagged", "basis", "site", "predicted", "threshold", "unit", "margin",
                             "source", "note"],
                            [[f["hazard"], "yes" if f["flagged"] else "no", f["basis"], str(f["site"] or "-"),
                              _f(f["predicted"]), _f(f["threshold"]), str(f["unit"] or "-"), _f(f["margin"]),
                              f["source"].replace("|", "/"), f["note"]] for f in nt["flags"]])
    dz = doc.get("dossier")
    if dz is not None:
        lines += ["", "## Formulation dossier (critical quality attributes)", "",
                  "Expected by the FDA guidance on drug products containing nanomaterials (2022) and the EMA "
                  "reflection papers; *supplied* = in the scenario or the --cqa file, *simulated* = predicted by "
                  "nanodds, *missing* = neither.", ""]
        lines += _table(["attribute", "status", "expected by", "how"],
                        [[r["name"], r["status"], ", ".join(r["expected_by"]), r["how"].replace("|", "/")]
                         for r in dz["attributes"]])
    if doc.get("risk_benefit"):
        lines += ["", "## Risk-benefit summary", ""] + [f"- {x}" for x in doc["risk_benefit"]]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def render_html(markdown: str, title: str) -> str:
    """A self-contained HTML page of the Markdown report (tables, headings, images; no external assets)."""
    body: list[str] = []
    in_table = False
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            if not in_table:
                body.append("<table>")
                in_table, tag = True, "th"
            else:
                tag = "td"
            body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1:-1]
            body.append(f'<p><img src="{html.escape(src)}" alt="{html.escape(src)}" style="max-width:100%"></p>')
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child{text-align:left}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def plot_pd(curves: dict[str, Any], out: Path) -> list[str]:
    """``neutrophils.png`` and ``tumour_growth.png`` (nano vs conventional); returns the file names written."""
    from nanodds.report.plots import _plt, _save

    plt = _plt()
    names: list[str] = []
    arms = (("nano", "nanoformulation", "C0"), ("conventional", "conventional", "C1"))
    if all("neutrophils" in curves.get(a, {}) for a, _, _ in arms):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for a, label, col in arms:
            t, r = curves[a]["neutrophils"]
            ax.plot(np.asarray(t) / 24.0, r, color=col, label=label)
        ax.axhline(0.5, ls=":", color="grey", lw=1)
        ax.set_xlabel("time (day)")
        ax.set_ylabel("circulating neutrophils / baseline")
        ax.set_title("Myelosuppression (Friberg 2002), driven by unbound drug in marrow")
        ax.legend()
        ax.grid(True, alpha=0.3)
        _save(fig, out / "neutrophils.png", plt)
        names.append("neutrophils.png")
    if all("tumour" in curves.get(a, {}) for a, _, _ in arms) and "control_tumour" in curves:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        t, w = curves["control_tumour"]
        ax.plot(t, w, color="grey", ls="--", label="untreated")
        for a, label, col in arms:
            t, w = curves[a]["tumour"]
            ax.plot(t, w, color=col, label=label)
        ax.set_xlabel("time (day)")
        ax.set_ylabel("tumour size (mL)")
        ax.set_title("Tumour growth inhibition (Simeoni 2004), driven by unbound drug in tumour")
        ax.legend()
        ax.grid(True, alpha=0.3)
        _save(fig, out / "tumour_growth.png", plt)
        names.append("tumour_growth.png")
    return names
