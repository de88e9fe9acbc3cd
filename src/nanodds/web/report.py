"""HTML report of a finished run: inputs, key metrics and interactive plots, in one self-contained file.

plotly.js is inlined from the installed ``plotly`` package (no CDN), so the file opens offline.
"""

from __future__ import annotations

import html
import json
from typing import Any

from nanodds.analysis.compare import get_path

__all__ = ["figures", "report_html"]

#: (label, dotted metric path, unit) rows of the report table (a subset of the CLI summary table).
REPORT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("AUCinf plasma total", "plasma_total.auc_inf_mg_h_per_L", "mg h/L"),
    ("Cmax plasma total", "plasma_total.cmax_mg_per_L", "mg/L"),
    ("t1/2 terminal", "plasma_total.t_half_h", "h"),
    ("AUC heart, released drug", "tissues.heart.released_auc_mg_h_per_L", "mg h/L"),
    ("AUC tumour", "tumour.auc_mg_h_per_L", "mg h/L"),
    ("DE24 tumour", "tumour.de24_percent", "% dose"),
    ("targeting index (tumour/heart AUC)", "tumour.targeting_index_tumour_vs_heart", "-"),
)


def arm_metrics(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Metrics per arm label of a simulate or compare result."""
    if "metrics" in result:
        return {result["arms"][0]["label"]: result["metrics"]}
    doc = result.get("doc", {})
    if result.get("mode") == "arms":
        return dict(doc.get("arms", {}))
    labels = [a["label"] for a in result.get("arms", [])]
    if len(labels) == 2:
        return {labels[0]: doc.get("nano", {}), labels[1]: doc.get("conventional", {})}
    return {}


def figures(kind: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Plotly figure dicts (data + layout) of a finished run: concentrations of simulate/compare arms, the data
    and the best fitted curves of a release fit, the distribution of a population's exposures."""
    if kind == "release_fit":
        return _release_figures(result)
    if kind == "population":
        return [{"data": [{"type": "histogram", "x": v, "name": k}],
                 "layout": {"title": {"text": k}, "xaxis": {"title": {"text": k}}}}
                for k, v in result.get("values", {}).items()]
    figs = []
    for key, title in (("plasma total", "Plasma total drug"), ("tumour total", "Tumour total drug"),
                       ("heart free", "Heart released drug")):
        data = [{"type": "scatter", "mode": "lines", "name": a["label"], "x": a["series"]["time_h"],
                 "y": a["series"]["conc_mg_per_L"][key]}
                for a in result.get("arms", []) if key in a["series"]["conc_mg_per_L"]]
        if data:
            figs.append({"data": data, "layout": {"title": {"text": title}, "xaxis": {"title": {"text": "time (h)"}},
                                                  "yaxis": {"title": {"text": "mg/L"}, "type": "log"}}})
    return figs


def _release_figures(result: dict[str, Any], top: int = 5) -> list[dict[str, Any]]:
    figs = []
    for name, prof in result.get("profiles", {}).items():
        data = [{"type": "scatter", "mode": "markers", "name": "data (mean)", "x": prof["time"], "y": prof["percent"]}]
        ranked = [m["model"] for m in prof["models"] if m["model"] in prof["curves"]][:top]
        data += [{"type": "scatter", "mode": "lines", "name": m, "x": prof["curve_time"], "y": prof["curves"][m]}
                 for m in ranked]
        unit = result.get("time_unit", "")
        figs.append({"data": data, "layout": {"title": {"text": f"{name}: best {top} fits"},
                                              "xaxis": {"title": {"text": f"time ({unit})"}},
                                              "yaxis": {"title": {"text": "% released"}}}})
    return figs


def _fmt(v: Any) -> str:
    return "-" if v is None else (f"{v:.4g}" if isinstance(v, int | float) else html.escape(str(v)))


def report_html(job: dict[str, Any]) -> str:
    """The report of a finished run as one HTML document."""
    from plotly.offline import get_plotlyjs

    result = job.get("result") or {}
    parts = [f"<h1>nanodds run {job['id']}: {html.escape(job['kind'])}</h1>",
             f"<p>finished {html.escape(str(job.get('finished')))}</p>"]
    metrics = arm_metrics(result)
    if metrics:
        head = "".join(f"<th>{html.escape(k)}</th>" for k in metrics)
        rows = "".join(f"<tr><td>{html.escape(lab)}</td>" + "".join(f"<td>{_fmt(get_path(m, key))}</td>"
                                                                     for m in metrics.values())
                       + f"<td>{unit}</td></tr>" for lab, key, unit in REPORT_ROWS)
        parts.append(f"<table><tr><th>metric</th>{head}<th>unit</th></tr>{rows}</table>")
    figs = figures(job['kind'], result)
    for i, fig in enumerate(figs):
        parts.append(f'<div id="fig{i}" style="height:380px"></div>'
                     f"<script>Plotly.newPlot('fig{i}', {json.dumps(fig['data'])}, {json.dumps(fig['layout'])});"
                     "</script>")
    if result.get("warnings"):
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in result["warnings"])
                     + "</ul>")
    parts.append("<h2>Inputs</h2><pre>" + html.escape(json.dumps(job.get("inputs"), indent=2)) + "</pre>")
    if not metrics and not figs:
        parts.append("<h2>Result</h2><pre>" + html.escape(json.dumps(result, indent=1)[:200000]) + "</pre>")
    style = "body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:2px 8px;border:1px solid #ccc}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>nanodds run {job['id']}</title>"
            f"<style>{style}</style><script>{get_plotlyjs()}</script></head><body>{''.join(parts)}</body></html>")
