"""``nanodds catalog``: approved nanomedicines as sourced, runnable cases.

``nanodds catalog list`` prints one row per product (brand, drug, carrier, size, first approval, simulable).
``nanodds catalog show NAME`` prints every field with its source.
``nanodds catalog run NAME --out DIR`` simulates the product's label dose and the free drug at the same dose and
writes the same files as ``nanodds compare`` (``comparison.json``, ``nano/``, ``conventional/``, plot). A co-loaded
product (Vyxeos) writes one compare section per drug (``comparison.json`` ``drugs``), the molar ratio over time
(``molar_ratio``, ``ratio.csv``, ``ratio.png``) and, with ``--synergy``, a PD interaction summary at the marrow.
"""

from __future__ import annotations

import argparse
from typing import Any

from nanodds.io.runfolder import run_folder
from nanodds.specs.params import Param

__all__ = ["cmd_list", "cmd_run", "cmd_show", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``catalog list|show|run`` to the ``nanodds`` parser."""
    cat = subparsers.add_parser("catalog", help="approved nanomedicines: list, show, run",
                                description="Approved nanomedicines with sourced properties; run the simulable "
                                            "ones against the conventional drug.")
    sub = cat.add_subparsers(dest="catalog_command", required=True, parser_class=type(cat))
    lst = sub.add_parser("list", help="table of products")
    lst.set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="all fields of a product with their sources")
    show.add_argument("name", help="brand, alias or key (case-insensitive)")
    show.set_defaults(func=cmd_show)
    run = sub.add_parser("run", help="simulate a product vs the conventional drug (as `nanodds compare`)")
    run.add_argument("name", help="brand, alias or key (case-insensitive)")
    run.add_argument("--out", required=True, help="output directory (created if missing)")
    run.add_argument("--duration", help="simulated time with unit, e.g. '48 h' (default: the catalogue's)")
    run.add_argument("--points", type=int, help="number of output times (default: the catalogue's)")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plot")
    run.add_argument("--synergy", nargs="?", const="pd/vyxeos_synergy.yaml", default=None,
                     help="co-loaded products only: add PD interaction summaries at the marrow (default file "
                          "pd/vyxeos_synergy.yaml under nanodds/data)")
    run.set_defaults(func=cmd_run)


def _data_files(args: argparse.Namespace) -> dict[str, Any]:
    """The packaged catalogue file (and a ``--synergy`` file) read by ``catalog run``, for the manifest."""
    from nanodds.catalog.products import CATALOG_FILE
    from nanodds.interfaces.cli_combination import synergy_file
    from nanodds.specs.params import DATA_ROOT

    return {"catalog": DATA_ROOT / CATALOG_FILE, **synergy_file(getattr(args, "synergy", None))}


def _print_table(table: Any) -> None:
    from nanodds.interfaces.cli_engine import _print_table as print_table

    print_table(table)


def cmd_list(args: argparse.Namespace) -> int:
    """Print the catalogue table; returns 0."""
    from rich.table import Table

    from nanodds.catalog.products import list_products

    products = list_products()
    table = Table(title=f"Approved nanomedicines ({len(products)}; `nanodds catalog show NAME` for sources)")
    for col, just in (("brand", "left"), ("drug", "left"), ("carrier", "left"), ("size nm", "right"),
                      ("year", "right"), ("agency", "left"), ("simulable", "left")):
        table.add_column(col, justify=just)
    for p in products:
        first = p.first_approval
        size = "-" if p.size_nm is None else f"{p.size_nm:g}"
        table.add_row(p.brand, ", ".join(map(str, p.raw["actives"])), p.carrier_type, size, str(first["year"]),
                      first["agency"], "yes" if p.simulable else "no")
    _print_table(table)
    return 0


def _lines(node: Any, indent: str = "  ") -> list[str]:
    """Readable nested rendering of a product field, numbers with unit and source."""
    if isinstance(node, Param):
        return [f"{indent}{node.value:g} {node.unit if node.unit != '1' else ''}".rstrip() + f"  [{node.source}]"]
    if isinstance(node, dict):
        out = []
        if "text" in node and "source" in node and set(node) <= {"text", "source"}:
            return [f"{indent}{node['text']}  [{node['source']}]"]
        for k, v in node.items():
            sub = _lines(v, indent + "  ")
            if len(sub) == 1 and not isinstance(v, dict | list):
                out.append(f"{indent}{k}: {sub[0].strip()}")
            else:
                out.append(f"{indent}{k}:")
                out.extend(sub)
        return out
    if isinstance(node, list):
        out = []
        for v in node:
            if isinstance(v, dict) and {"agency", "year"} <= set(v):
                out.append(f"{indent}- {v['agency']} {v['year']}  [{v.get('source', '')}]")
            elif isinstance(v, dict):
                out.append(f"{indent}- " + ", ".join(f"{k}: {x}" for k, x in v.items()))
            else:
                out.extend(f"{indent}- {s.strip()}" for s in _lines(v, ""))
        return out
    return [f"{indent}{node}"]


def cmd_show(args: argparse.Namespace) -> int:
    """Print every field of one product with its source; returns 0."""
    from nanodds.catalog.products import get_product

    p = get_product(args.name)
    print(f"{p.brand} ({p.key})")
    for key, value in p.raw.items():
        if key == "brand":
            continue
        sub = _lines(value, "  ")
        if not isinstance(value, dict | list) and len(sub) == 1:
            print(f"{key}: {sub[0].strip()}")
        else:
            print(f"{key}:")
            print("\n".join(sub))
    reason = p.blocker()
    print(f"simulable now: {'yes' if reason is None else 'no (' + reason + ')'}")
    return 0


@run_folder(inputs=(), data_files=_data_files)
def cmd_run(args: argparse.Namespace) -> int:
    """Simulate a product and its conventional counterpart; write the ``compare`` outputs; returns 0."""
    from nanodds.analysis.compare import require_carrier, run_comparison
    from nanodds.catalog.products import get_product, product_scenario
    from nanodds.interfaces.cli_engine import _status, print_comparison, write_comparison
    from nanodds.interfaces.common import output_dir

    p = get_product(args.name)
    if p.is_combination:
        return _run_combination(args, p)
    if getattr(args, "synergy", None) is not None:
        from nanodds.errors import InputError

        raise InputError("--synergy", args.synergy, f"a co-loaded product ({p.brand} carries one drug)")
    scn = product_scenario(p.key, duration=args.duration, points=args.points)  # all input errors first
    require_carrier(scn)
    out = output_dir(args.out)
    with _status(f"simulating {p.brand} and {scn.conventional_definition()['name']}..."):
        doc, sol_nano, sol_conv = run_comparison(scn)
        from nanodds.analysis.pd.summary import pd_section

        doc["pd"] = pd_section(scn, doc, sol_nano, sol_conv)
    doc = {**doc, "product": {"key": p.key, "brand": p.brand,
                              "scenario_source": str(p.raw["scenario"]["source"])}}
    write_comparison(out, doc, sol_nano, sol_conv, plots=not args.no_plots)
    print_comparison(doc, f"{p.brand} ({scn.name})")
    from nanodds.interfaces.cli_safety import print_pd

    print_pd(doc)
    print(f"wrote {out / 'comparison.json'}, nano/, conventional/" + ("" if args.no_plots else " and comparison.png"))
    return 0


def _run_combination(args: argparse.Namespace, p: Any) -> int:
    """``catalog run`` for a co-loaded product: each payload nano vs the free cocktail, and the molar ratio."""
    from nanodds.analysis.combination import combination_pd, simulate_combination, summarise
    from nanodds.catalog.products import product_combination
    from nanodds.interfaces.cli_combination import comparison_doc, synergy_params, write_comparison
    from nanodds.interfaces.cli_engine import _fmt, _status
    from nanodds.interfaces.common import output_dir

    comb = product_combination(p.key, duration=args.duration, points=args.points)  # all input errors first
    params = synergy_params(args.synergy, "--synergy")
    out = output_dir(args.out)
    with _status(f"simulating {p.brand} ({' + '.join(p.drugs)}) and the free cocktail..."):
        res = simulate_combination(comb)
        doc = comparison_doc(res, summarise(res))
    if params is not None:
        pd_doc = combination_pd(res, params)
        doc["pd"] = {"site": pd_doc["site"], "basis": pd_doc["basis"], "reference": pd_doc["reference"],
                     "partner": pd_doc["partner"], "source_file": args.synergy,
                     "nano": pd_doc["nano"]["summary"], "conventional": pd_doc["free"]["summary"]}
    doc["product"] = {"key": p.key, "brand": p.brand, "scenario_source": str(p.raw["scenario"]["source"])}
    with _status("writing outputs..."):
        write_comparison(res, doc, out, plots=not args.no_plots)
    from rich.table import Table

    table = Table(title=f"{p.brand}: co-loaded nano vs free cocktail ({comb.name})")
    for col in ("drug", "metric", "nano", "conventional", "ratio", "unit"):
        table.add_column(col, justify="left" if col in ("drug", "metric", "unit") else "right")
    for label, d in doc["drugs"].items():
        for name, key, unit in (("AUCinf plasma total", "auc_inf_mg_h_per_L", "mg h/L"),
                                ("Cmax plasma total", "cmax_mg_per_L", "mg/L"), ("t1/2", "t_half_h", "h")):
            table.add_row(label, name, _fmt(d["nano"]["plasma_total"].get(key)),
                          _fmt(d["conventional"]["plasma_total"].get(key)),
                          _fmt(d["ratios"].get(f"plasma_total.{key}"), ".3g"), unit)
    _print_table(table)
    mr = doc["molar_ratio"]
    for key, v in mr["maintenance"].items():
        if "|plasma|" in key:
            w = ", ".join(f"{k}: {v[k]['hours_within']:.1f} h" for k in v if k.endswith("h") and "-" in k)
            print(f"{key.replace('|', ' ')} within +/-{100 * mr['tolerance']:g}% of 1:{v['target']:g}: {w}")
    print(f"wrote {out / 'comparison.json'}, ratio.csv, nano/, conventional/"
          + ("" if args.no_plots else ", ratio.png and comparison_<drug>.png"))
    return 0
