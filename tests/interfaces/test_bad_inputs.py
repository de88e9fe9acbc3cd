"""Every bad input to every ``nanodds`` command: one line ``nanodds: error: ...`` naming the field, exit 2.

A table of bad inputs (mutations of the examples in ``examples/`` and of small valid data files) is run
through ``cli.main`` in this process. Each case asserts: the documented exit code (2 for bad input, 1 for an
environment failure such as a full disk), exactly one line on stderr, starting with ``nanodds: error:``,
naming the field, and no traceback. Inputs that could exhaust memory or never finish on a broken build (alias
bomb, huge repeat count, huge population) are bounded by pytest-timeout, and the few cases that need a real
process (``| head``, Ctrl-C, NANODDS_DEBUG) run ``python -m nanodds.interfaces.cli`` in a subprocess.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from nanodds.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"
MOUSE = EX / "doxil_vs_doxorubicin_mouse_4t1.yaml"  # carrier + tumour: every scenario command accepts it
COMBO = EX / "vyxeos_combination_human.yaml"
ORAL = EX / "oral_nanosuspension_vs_coarse.yaml"
DESIGN = EX / "design_peg_liposome_mouse.yaml"
SPACE = EX / "design_space_peg_liposome.yaml"
COVARIATES = ROOT / "src" / "nanodds" / "data" / "population" / "covariates.yaml"


# ---------------------------------------------------------------------------------------------- file makers
def _raw(base: Path) -> dict:
    return yaml.safe_load(base.read_text(encoding="utf-8"))


def _dump(tmp: Path, raw: object, name: str = "s.yaml") -> str:
    p = tmp / name
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return str(p)


def _text(tmp: Path, content: str | bytes, name: str = "s.yaml") -> str:
    p = tmp / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return str(p)


def _mutated(base: Path, change: Callable[[dict], None]) -> Callable[[Path], str]:
    def make(tmp: Path) -> str:
        raw = _raw(base)
        change(raw)
        return _dump(tmp, raw)
    return make


def _dup_nested(base: Path) -> Callable[[Path], str]:
    """The example in block style with ``simulation.duration`` given twice (different values)."""
    def make(tmp: Path) -> str:
        lines = yaml.safe_dump(_raw(base), sort_keys=False).splitlines()
        i = lines.index("simulation:") + 1
        assert lines[i].startswith("  duration:")
        lines.insert(i + 1, "  duration: 1 h")
        return _text(tmp, "\n".join(lines) + "\n")
    return make


def _alias_bomb(base: Path) -> Callable[[Path], str]:
    """9 levels of 9 aliases ("billion laughs"): ~4e8 strings once expanded, as ``name``."""
    def make(tmp: Path) -> str:
        lines = ["description:", "  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        prev = "a"
        for c in "bcdefghi":
            lines.append(f"  - &{c} [" + ", ".join([f"*{prev}"] * 9) + "]")
            prev = c
        raw = _raw(base)
        raw.pop("name", None)
        raw.pop("description", None)
        return _text(tmp, "\n".join(lines) + f"\nname: *{prev}\n" + yaml.safe_dump(raw, sort_keys=False))
    return make


def _set(path: str, value: object) -> Callable[[dict], None]:
    def change(raw: dict) -> None:
        node = raw
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return change


def _release_csv(tmp: Path) -> str:
    return _text(tmp, "time_h,percent\n0,0\n0.5,22\n1,39\n2,63\n4,86\n8,98\n", "p.csv")


def _shah_csv(tmp: Path) -> str:
    return str(ROOT / "validation" / "data" / "dissolution" / "shah1998_table4.csv")


def _obs_csv(tmp: Path) -> str:
    return _text(tmp, "ID,time_h,compartment,value,unit,dose_mg\n1,1,plasma,10,mg/L,0.2\n1,24,plasma,2,mg/L,0.2\n",
                 "obs.csv")


def _params_yaml(tmp: Path) -> str:
    return _text(tmp, "mps_extraction_total: {low: 0.5, high: 0.9}\n", "params.yaml")


def _synergy_text(tmp: Path, text: str) -> str:
    return _text(tmp, text, "syn.yaml")


def _valid_synergy(tmp: Path) -> str:
    from nanodds.specs.params import DATA_ROOT

    return str(DATA_ROOT / "pd" / "vyxeos_synergy.yaml")


# ---------------------------------------------------------------------------------------------- commands
# each: (tmp, scenario path, out dir) -> argv
COMMANDS: dict[str, tuple[Path, Callable[[Path, str, str], list[str]]]] = {
    "simulate": (MOUSE, lambda t, s, o: ["simulate", s, "--out", o, "--no-plots"]),
    "compare": (MOUSE, lambda t, s, o: ["compare", s, "--out", o, "--no-plots"]),
    "release-sweep": (MOUSE, lambda t, s, o: ["release-sweep", s, "--rates", "0,0.1", "--out", o, "--no-plots"]),
    "population": (MOUSE, lambda t, s, o: ["population", s, "--n", "4", "--out", o]),
    "sensitivity": (MOUSE, lambda t, s, o: ["sensitivity", s, "--params", _params_yaml(t), "--n", "4",
                                            "--out", o, "--no-progress"]),
    "fit": (MOUSE, lambda t, s, o: ["fit", s, _obs_csv(t), "--params", "mps_extraction_total", "--out", o,
                                    "--no-plots"]),
    "export-sbml": (MOUSE, lambda t, s, o: ["export-sbml", s, "--out", o]),
    "imaging": (MOUSE, lambda t, s, o: ["imaging", s, "--label", "89Zr", "--out", o]),
    "oral": (ORAL, lambda t, s, o: ["oral", s, "--out", o, "--no-plots"]),
    "combination": (COMBO, lambda t, s, o: ["combination", s, "--out", o, "--no-plots"]),
}


@dataclass(frozen=True)
class Case:
    """One bad invocation: ``make(tmp)`` writes its files and returns argv; ``field`` must be in the line."""

    id: str
    make: Callable[[Path], list[str]]
    field: str
    code: int = 2
    xfail: str | None = None


def _file_cases() -> list[Case]:
    """File-level bad scenario files, for every command that reads a scenario."""
    cases = []
    for cmd, (base, argv) in COMMANDS.items():
        field = "scenario"
        bad_files: list[tuple[str, Callable[[Path], str], str]] = [
            ("missing", lambda t: str(t / "nope.yaml"), field),
            ("directory", lambda t: str(t), field),
            ("not-utf8", lambda t, b=base: _text(t, b.read_bytes().replace(b"name:", b"name: caf\xe9 ", 1)), field),
            ("bad-syntax", lambda t: _text(t, "name: [unclosed\nspecies: mouse\n"), field),
            ("empty", lambda t: _text(t, ""), field),
            ("scalar-document", lambda t: _text(t, "just a sentence\n"), field),
            ("list-document", lambda t: _text(t, "- a\n- b\n"), field),
            ("duplicate-top-key", lambda t, b=base: _text(t, b.read_text(encoding="utf-8") + "name: again\n"),
             "name"),
            ("duplicate-nested-key", _dup_nested(base), "simulation.duration"),
            ("integer-key", lambda t, b=base: _text(t, b.read_text(encoding="utf-8") + "1: one\n"), "1"),
            ("alias-bomb", _alias_bomb(base), field),
            ("recursive-alias", lambda t: _text(t, "name: &a [*a]\n"), "name[0]"),
            ("tab-indent", lambda t: _text(t, "name: x\nsimulation:\n\tduration: 1 h\n"), field),
        ]
        for name, make_file, fld in bad_files:
            cases.append(Case(f"{cmd}/{name}", lambda t, m=make_file, a=argv: a(t, m(t), str(t / "res")), fld))
    return cases


def _scen(base: Path, change: Callable[[dict], None], argv: Callable[[Path, str, str], list[str]] | None = None):
    def make(t: Path) -> list[str]:
        s = _mutated(base, change)(t)
        return (argv or COMMANDS["simulate"][1])(t, s, str(t / "res"))
    return make


def _args(cmd: str, *extra: str, base_change: Callable[[dict], None] | None = None):
    """argv of ``cmd`` on its valid example with ``extra`` appended (later options win in argparse)."""
    base, argv = COMMANDS[cmd]

    def make(t: Path) -> list[str]:
        s = _mutated(base, base_change)(t) if base_change else str(base)
        return argv(t, s, str(t / "res")) + [x.replace("{tmp}", str(t)) for x in extra]
    return make


def _space(content: Callable[[Path], str | bytes]) -> Callable[[Path], list[str]]:
    """``nanodds design`` on the design example with a space file holding ``content(tmp)``."""
    return lambda t: ["design", str(DESIGN), "--space", _text(t, content(t), "space.yaml"), "--out", str(t / "res"),
                      "--no-plots"]


def _file_opt(cmd: str, option: str, content: str | bytes) -> Callable[[Path], list[str]]:
    """argv of ``cmd`` on its valid example with ``option`` naming a file holding ``content``."""
    return lambda t: [*_args(cmd)(t), option, _text(t, content, "opt.yaml")]


def _pop(key: str) -> Callable[[dict], None]:
    return lambda raw: raw.pop(key)


def _scenario_value_cases() -> list[Case]:
    """Unexpected YAML types and unbounded values inside a valid scenario file."""
    return [
        Case("scenario/carrier-type-list", _scen(MOUSE, _set("carrier.type", ["a", "b"])), "carrier.type"),
        Case("scenario/carrier-list", _scen(MOUSE, _set("carrier", ["a", "b"])), "carrier"),
        Case("scenario/subject-list", _scen(MOUSE, _set("subject", [1, 2])), "subject"),
        Case("scenario/species-list", _scen(MOUSE, _set("species", ["mouse"])), "species"),
        Case("scenario/species-int", _scen(MOUSE, _set("species", 3)), "species"),
        Case("scenario/drug-mapping", _scen(MOUSE, _set("drug", {"name": "doxorubicin"})), "drug"),
        Case("scenario/drug-unknown", _scen(MOUSE, _set("drug", "unobtainium")), "drug"),
        Case("scenario/regimen-scalar", _scen(MOUSE, _set("regimen", "9 mg/kg")), "regimen"),
        Case("scenario/regimen-item-list", _scen(MOUSE, _set("regimen", [["iv_bolus"]])), "regimen[0]"),
        Case("scenario/dose-list", _scen(MOUSE, _set("regimen.0.dose", ["9 mg/kg"])), "regimen[0].dose"),
        Case("scenario/route-list", _scen(MOUSE, _set("regimen.0.route", ["iv_bolus"])), "regimen[0].route"),
        Case("scenario/count-huge", _scen(MOUSE, lambda r: r["regimen"][0].update(count=100_000_000, every="1 h")),
             "regimen[0].count"),
        Case("scenario/count-huge-string", _scen(MOUSE, _set("regimen.0.count", "1e8")), "regimen[0].count"),
        Case("scenario/simulation-list", _scen(MOUSE, _set("simulation", [1])), "simulation"),
        Case("scenario/points-string", _scen(MOUSE, _set("simulation.points", "many")), "simulation.points"),
        Case("scenario/duration-dict", _scen(MOUSE, _set("simulation.duration", {"value": 1})),
             "simulation.duration"),
        Case("scenario/solver-list", _scen(MOUSE, _set("simulation.solver", ["linear"])), "simulation.solver"),
        Case("scenario/tumour-list", _scen(MOUSE, _set("tumour", [1])), "tumour"),
        Case("scenario/environment-scalar", _scen(MOUSE, _set("environment", "hot")), "environment"),
        Case("scenario/vehicle-list", _scen(MOUSE, _set("vehicle", ["cremophor_el"])), "vehicle"),
        Case("scenario/name-mapping", _scen(MOUSE, _set("name", {"a": 1})), "name"),
        Case("scenario/unknown-key", _scen(MOUSE, _set("colour", "blue")), "colour"),
        Case("scenario/diameter-bare-number", _scen(MOUSE, _set("carrier.diameter", 85)), "carrier.diameter"),
        Case("scenario/diameter-inf", _scen(MOUSE, _set("carrier.diameter", ".inf")), "carrier.diameter"),
        Case("scenario/dose-inf", _scen(MOUSE, _set("regimen.0.dose", "inf mg/kg")), "regimen[0].dose"),
        Case("oral/formulations-scalar", _scen(ORAL, _set("oral.formulations", "snedds"), COMMANDS["oral"][1]),
             "oral.formulations"),
        Case("oral/oral-list", _scen(ORAL, _set("oral", [1]), COMMANDS["oral"][1]), "oral"),
        Case("oral/formulation-int-item", _scen(ORAL, _set("oral.formulations", [1, 2]), COMMANDS["oral"][1]),
             "oral.formulations"),
        Case("combination/payloads-mapping", _scen(COMBO, _set("payloads", {"drug": "x"}),
                                                   COMMANDS["combination"][1]), "payloads"),
        Case("combination/payload-scalar", _scen(COMBO, _set("payloads", ["daunorubicin", "cytarabine"]),
                                                 COMMANDS["combination"][1]), "payloads[0]"),
        Case("combination/target-list", _scen(COMBO, _set("target_molar_ratio", {"a": 5}), COMMANDS["combination"][1]),
             "target_molar_ratio"),
        Case("combination/count-huge", _scen(COMBO, lambda r: r["regimen"][0].update(count=10**8, every="48 h"),
                                             COMMANDS["combination"][1]), "regimen[0].count"),
        *_unhashable_choice_cases(),
    ]


def _unhashable_choice_cases() -> list[Case]:
    """A list or mapping where a name from a fixed set is expected (each was an internal ``TypeError:
    unhashable type`` before ``nanodds.errors.known``; found by mutating every name-valued leaf of the examples)."""
    where = [("cardio_gpib_dexamethasone_plga_rat.yaml", "sites.0.type", "sites[0].type", "simulate"),
             ("cns_fus_curcumin_plga_mouse.yaml", "carrier.release.shape", "carrier.release.shape", "simulate"),
             ("cns_fus_curcumin_plga_mouse.yaml", "bbb.opening.method", "bbb.opening.method", "simulate"),
             ("design_learned_mouse.yaml", "carrier.material", "carrier.material", "simulate"),
             ("ph_triggered_carrier_mouse.yaml", "carrier.release.preset", "carrier.release.preset", "simulate"),
             ("fitted_release_mouse.yaml", "carrier.release.model", "carrier.release.model", "simulate"),
             ("oral_nanosuspension_vs_coarse.yaml", "oral.formulations.2.preset", "oral.formulations[2].preset",
              "oral")]
    return [Case(f"choice/{path}-{kind}", _scen(EX / base, _set(path, value), COMMANDS[cmd][1]), field)
            for base, path, field, cmd in where for kind, value in (("list", ["a"]), ("mapping", {"a": 1}))]


def _out_cases() -> list[Case]:
    """Impossible ``--out`` paths (environment checks that need no root-only tricks)."""
    cases = []
    for cmd in ("simulate", "compare", "release-sweep", "population", "sensitivity", "fit", "imaging", "oral",
                "combination"):
        base, argv = COMMANDS[cmd]

        def parent_file(t: Path, a=argv, b=base) -> list[str]:
            (t / "f").write_text("x")
            return a(t, str(b), str(t / "f" / "out"))

        def too_long(t: Path, a=argv, b=base) -> list[str]:
            return a(t, str(b), str(t / ("x" * 300)))

        def is_file(t: Path, a=argv, b=base) -> list[str]:
            (t / "f").write_text("x")
            return a(t, str(b), str(t / "f"))

        cases += [Case(f"{cmd}/out-parent-is-file", parent_file, "out"),
                  Case(f"{cmd}/out-name-too-long", too_long, "out"),
                  Case(f"{cmd}/out-is-file", is_file, "out")]
    cases += [
        Case("export-sbml/out-is-an-xml-file", lambda t: ["export-sbml", str(MOUSE), "--out", str(t / "m.xml")],
             "--out"),
        Case("release-fit/out-parent-is-file", lambda t: (t / "f").write_text("x") and
             ["release", "fit", _release_csv(t), "--models", "first_order", "--out", str(t / "f" / "o"),
              "--no-plots"], "out"),
        Case("catalog-run/out-parent-is-file", lambda t: (t / "f").write_text("x") and
             ["catalog", "run", "doxil", "--out", str(t / "f" / "o"), "--no-plots"], "out"),
    ]
    return cases


def _arg_cases() -> list[Case]:
    """Command-specific options and data files."""
    rel_fit = ["release", "fit"]
    rel_cmp = ["release", "compare"]

    def rel(sub: list[str], *extra: str, data: Callable[[Path], str] = _release_csv):
        return lambda t: [*sub, data(t), "--out", str(t / "res"), "--no-plots",
                          *[x.replace("{tmp}", str(t)) for x in extra]]

    shah_cmp = ("--reference", "b0", "--test", "b1")
    syn = lambda text: lambda t: ["combination", str(COMBO), "--out", str(t / "res"), "--no-plots",  # noqa: E731
                                  "--synergy", _synergy_text(t, text)]
    good_syn = (ROOT / "src" / "nanodds" / "data" / "pd" / "vyxeos_synergy.yaml").read_text(encoding="utf-8")
    return [
        # release fit / compare
        Case("release-fit/data-missing", rel(rel_fit, data=lambda t: str(t / "no.csv")), "data"),
        Case("release-fit/data-directory", rel(rel_fit, data=lambda t: str(t)), "data"),
        Case("release-fit/data-not-utf8",
             rel(rel_fit, data=lambda t: _text(t, b"time_h,percent\n0,\xff\xfe\n", "p.csv")), "data"),
        Case("release-fit/data-empty", rel(rel_fit, data=lambda t: _text(t, "", "p.csv")), "data"),
        Case("release-fit/data-text-values",
             rel(rel_fit, data=lambda t: _text(t, "time_h,percent\n0,a\n1,b\n", "p.csv")), "percent"),
        Case("release-fit/weight", rel(rel_fit, "--weight", "1/x"), "weight"),
        Case("release-fit/models", rel(rel_fit, "--models", "magic"), "models"),
        Case("release-fit/starts-zero", rel(rel_fit, "--starts", "0"), "starts"),
        Case("release-fit/starts-huge", rel(rel_fit, "--starts", "1000000000"), "starts"),
        Case("release-fit/seed-negative", rel(rel_fit, "--seed", "-1"), "seed"),
        Case("release-fit/top-negative", rel(rel_fit, "--top", "-1"), "top"),
        Case("release-fit/profile-unknown", rel(rel_fit, "--profile", "nope"), "profile"),
        Case("release-fit/time-col-unknown", rel(rel_fit, "--time-col", "nope"), "time"),
        Case("release-compare/reference-unknown", rel(rel_cmp, "--reference", "X", "--test", "b1",
                                                      data=_shah_csv), "profile"),
        Case("release-compare/bootstrap-negative", rel(rel_cmp, *shah_cmp, "--bootstrap", "-5", data=_shah_csv),
             "bootstrap"),
        Case("release-compare/bootstrap-huge", rel(rel_cmp, *shah_cmp, "--bootstrap", "1000000000",
                                                   data=_shah_csv), "bootstrap"),
        Case("release-compare/confidence", rel(rel_cmp, *shah_cmp, "--confidence", "2", data=_shah_csv),
             "confidence"),
        Case("release-compare/seed-negative", rel(rel_cmp, *shah_cmp, "--bootstrap", "10", "--seed", "-1",
                                                  data=_shah_csv), "seed"),
        # release-sweep
        Case("release-sweep/rates-text", _args("release-sweep", "--rates", "fast"), "rates"),
        Case("release-sweep/rates-negative", _args("release-sweep", "--rates", "-1"), "rates"),
        Case("release-sweep/rates-inf", _args("release-sweep", "--rates", "inf"), "rates"),
        Case("release-sweep/rates-huge-list", _args("release-sweep", "--rates", ",".join(["0.1"] * 100_000)),
             "rates"),
        # population
        Case("population/n-zero", _args("population", "--n", "0"), "n"),
        Case("population/n-float", _args("population", "--n", "1e9", "--force"), "n"),
        Case("population/n-huge-force", _args("population", "--n", "1000000000", "--force"), "--n"),
        Case("population/seed-negative", _args("population", "--seed", "-1"), "seed"),
        Case("population/seed-huge", _args("population", "--seed", str(2**70)), "seed"),
        Case("population/chunk-zero", _args("population", "--chunk", "0"), "chunk"),
        Case("population/scheduler-tls", _args("population", "--scheduler", "tls://127.0.0.1:1"), "scheduler"),
        Case("population/scheduler-bogus", _args("population", "--scheduler", "everywhere"), "scheduler"),
        Case("population/target-auc-negative", _args("population", "--target-auc", "-1"), "target-auc"),
        Case("population/target-auc-nan", _args("population", "--target-auc", "nan"), "target-auc"),
        Case("population/covariates-missing", _args("population", "--covariates", "{tmp}/no.yaml"), "covariates"),
        Case("population/covariates-directory", _args("population", "--covariates", "{tmp}"), "covariates"),
        Case("population/covariates-duplicate", _file_opt("population", "--covariates", COVARIATES.read_text(
            encoding="utf-8") + "\nage: {}\n"), "covariates.age"),
        Case("population/covariates-not-utf8", _file_opt("population", "--covariates", b"a: \xff\n"), "covariates"),
        Case("population/covariates-list", _file_opt("population", "--covariates", "- 1\n"), "covariates"),
        # sensitivity
        Case("sensitivity/params-missing", _args("sensitivity", "--params", "{tmp}/no.yaml"), "params"),
        Case("sensitivity/params-directory", _args("sensitivity", "--params", "{tmp}"), "params"),
        Case("sensitivity/params-list", _file_opt("sensitivity", "--params", "- a\n"), "params"),
        Case("sensitivity/params-scalar", _file_opt("sensitivity", "--params", "x\n"), "params"),
        Case("sensitivity/params-duplicate", _file_opt("sensitivity", "--params", "mps_extraction_total: {low: 0.5, "
             "high: 0.9}\nmps_extraction_total: {low: 0.1, high: 0.2}\n"), "params.mps_extraction_total"),
        Case("sensitivity/params-spec-list", _file_opt("sensitivity", "--params", "mps_extraction_total: [0.5, 0.9]\n"),
             "mps_extraction_total"),
        Case("sensitivity/params-integer-key", _file_opt("sensitivity", "--params", "1: {low: 0.5, high: 0.9}\n"),
             "params.1"),
        Case("sensitivity/params-not-utf8", _file_opt("sensitivity", "--params", b"x: {low: 0.5, high: \xff}\n"),
             "params"),
        Case("sensitivity/n-zero", _args("sensitivity", "--n", "0"), "n"),
        Case("sensitivity/n-huge", _args("sensitivity", "--n", str(2**40)), "n"),
        Case("sensitivity/seed-negative", _args("sensitivity", "--seed", "-1"), "seed"),
        # fit
        Case("fit/data-directory", lambda t: ["fit", str(MOUSE), str(t), "--params", "mps_extraction_total",
                                              "--out", str(t / "o")], "data"),
        Case("fit/data-not-utf8", lambda t: ["fit", str(MOUSE), _text(t, b"ID,time_h\n\xff,1\n", "o.csv"),
                                             "--params", "mps_extraction_total", "--out", str(t / "o")], "data"),
        Case("fit/params-unknown", _args("fit", "--params", "warp"), "params"),
        Case("fit/params-empty", _args("fit", "--params", ","), "params"),
        # export-sbml
        Case("export-sbml/formulation-nano-no-carrier", _scen(MOUSE, _pop("carrier"), COMMANDS["export-sbml"][1]),
             "formulation"),
        # imaging
        Case("imaging/label", _args("imaging", "--label", "14C"), "label"),
        Case("imaging/scan-times-text", _args("imaging", "--scan-times", "soon"), "scan-times"),
        Case("imaging/scan-times-late", _args("imaging", "--scan-times", "1,5000", "h"), "scan-times"),
        Case("imaging/activity-unit", _args("imaging", "--activity", "5 kg"), "activity"),
        Case("imaging/recovery-negative", _args("imaging", "--recovery", "-1"), "recovery"),
        Case("imaging/recovery-nan", _args("imaging", "--recovery", "nan"), "recovery"),
        Case("imaging/iron-fraction", _args("imaging", "--label", "iron_oxide", "--iron-fraction", "2"),
             "iron_fraction"),
        Case("imaging/field", _args("imaging", "--label", "iron_oxide", "--field", "7"), "field"),
        # catalog
        Case("catalog-show/unknown", lambda t: ["catalog", "show", "nopeomycin"], "product"),
        Case("catalog-run/unknown", lambda t: ["catalog", "run", "nopeomycin", "--out", str(t / "o")], "product"),
        Case("catalog-run/points-zero", lambda t: ["catalog", "run", "doxil", "--points", "0", "--out",
                                                   str(t / "o")], "points"),
        Case("catalog-run/duration-text", lambda t: ["catalog", "run", "doxil", "--duration", "long", "--out",
                                                     str(t / "o")], "duration"),
        Case("catalog-run/synergy-single-drug", lambda t: ["catalog", "run", "doxil", "--synergy", "--out",
                                                           str(t / "o")], "synergy"),
        Case("catalog-run/synergy-missing", lambda t: ["catalog", "run", "vyxeos", "--synergy", str(t / "no.yaml"),
                                                       "--out", str(t / "o")], "synergy"),
        # design --space (YAML through the same loader) and predict-delivery INPUT
        Case("design/space-duplicate-nested", _space(lambda t: SPACE.read_text(encoding="utf-8").replace(
            "  pegylated: [false, true]\n", "  pegylated: [false, true]\n  pegylated: [true]\n")),
             "variables.pegylated"),
        Case("design/space-duplicate-top", _space(lambda t: SPACE.read_text(encoding="utf-8")
                                                  + "optimiser: {population: 4}\n"), "optimiser"),
        Case("design/space-not-utf8", _space(lambda t: SPACE.read_bytes().replace(b"Trade", b"Tr\xe4de")), "space"),
        Case("design/space-missing", lambda t: ["design", str(DESIGN), "--space", str(t / "no.yaml"), "--out",
                                                str(t / "res")], "space"),
        Case("design/space-list", _space(lambda t: "- 1\n"), "space"),
        Case("design/space-alias-bomb", _space(lambda t: _alias_bomb(DESIGN)(t) and
                                               (t / "s.yaml").read_text(encoding="utf-8")), "space"),
        Case("design/out-name-too-long", lambda t: ["design", str(DESIGN), "--space", str(SPACE), "--out",
                                                    str(t / ("x" * 300))], "out"),
        Case("predict-delivery/input-directory", lambda t: ["predict-delivery", str(t), "--out", str(t / "p.csv")],
             "INPUT"),
        Case("predict-delivery/input-not-utf8", lambda t: ["predict-delivery", _text(t, b"Type,HD\n\xff,1\n", "i.csv"),
                                                           "--out", str(t / "p.csv")], "INPUT"),
        # synergy files
        Case("combination/synergy-missing", lambda t: [*syn("")(t)[:-1], str(t / "no.yaml")], "synergy"),
        Case("combination/synergy-directory", lambda t: [*syn("")(t)[:-1], str(t)], "synergy"),
        Case("combination/synergy-empty", syn(""), "synergy"),
        Case("combination/synergy-list", syn("- 1\n- 2\n"), "synergy"),
        Case("combination/synergy-bad-syntax", syn("reference: [\n"), "synergy"),
        Case("combination/synergy-missing-key", syn(good_syn.replace("ci_far:", "ci_distant:")), "synergy"),
        Case("combination/synergy-no-unit", syn("reference: daunorubicin\nec50_reference: 3\n"), "synergy"),
        Case("combination/synergy-duplicate", syn(good_syn + "\npartner: cytarabine\n"), "partner"),
        Case("combination/synergy-not-utf8", lambda t: [*syn("")(t)[:-1], _text(t, b"reference: \xff\n", "s2.yaml")],
             "synergy"),
    ]


CASES = _file_cases() + _scenario_value_cases() + _out_cases() + _arg_cases()


def _marks(c: Case) -> list:
    return [pytest.mark.xfail(reason=c.xfail, strict=False)] if c.xfail else []


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES])
def test_bad_input_is_one_line_error(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = case.make(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    lines = _without_progress(err)
    assert "Traceback" not in err
    assert code == case.code, err
    assert len(lines) == 1, err
    assert lines[0].startswith("nanodds: error: "), err
    field = lines[0].removeprefix("nanodds: error: ").split(": ")[0]  # "FIELD: got ..." or "argument --x: ..."
    assert case.field in field, err


# ---------------------------------------------------------------------------------------------- environment
def _fail_with(monkeypatch, err: int) -> None:
    """Every output write fails with ``err`` (as a full disk or a read-only directory would)."""
    import nanodds.io.outputs as outputs

    def boom(*a, **k):
        raise OSError(err, os.strerror(err), "metrics.json")

    monkeypatch.setattr(outputs, "write_json", boom)



def _without_progress(err: str) -> list[str]:
    """stderr lines minus the plain progress lines (``nanodds: simulating ...``) shown when stderr is piped."""
    return [line for line in err.strip().splitlines()
            if not (line.endswith("...") and not line.startswith(("nanodds: error", "nanodds: warning",
                                                                   "nanodds: internal")))]

@pytest.mark.timeout(60)
@pytest.mark.parametrize(("err", "code"), [(errno.ENOSPC, 1), (errno.EACCES, 2), (errno.EROFS, 1),
                                           (errno.EDQUOT, 1)])
def test_write_failure_is_one_line(err: int, code: int, tmp_path: Path, capsys, monkeypatch) -> None:
    raw = _raw(MOUSE)
    raw["simulation"]["points"] = 49
    s = _dump(tmp_path, raw)
    _fail_with(monkeypatch, err)
    assert main(["simulate", s, "--out", str(tmp_path / "o"), "--no-plots"]) == code
    lines = _without_progress(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("nanodds: error: "), lines
    assert os.strerror(err).lower() in lines[0].lower()


@pytest.mark.timeout(30)
def test_unexpected_exception_is_internal_error(tmp_path: Path, capsys, monkeypatch) -> None:
    import nanodds.specs.scenario as scenario

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(scenario, "parse_scenario", boom)
    monkeypatch.delenv("NANODDS_DEBUG", raising=False)
    assert main(["simulate", str(MOUSE), "--out", str(tmp_path / "o")]) == 1
    lines = _without_progress(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert lines[0].startswith("nanodds: internal error: ") and lines[0].endswith("(please report)"), lines
    assert "ZeroDivisionError" in lines[0]
    monkeypatch.setenv("NANODDS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["simulate", str(MOUSE), "--out", str(tmp_path / "o")])


@pytest.mark.timeout(30)
def test_keyboard_interrupt_exits_130(tmp_path: Path, capsys, monkeypatch) -> None:
    import nanodds.specs.scenario as scenario

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(scenario, "parse_scenario", interrupted)
    assert main(["simulate", str(MOUSE), "--out", str(tmp_path / "o")]) == 130
    lines = _without_progress(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("nanodds: "), lines


@pytest.mark.timeout(60)
def test_broken_pipe_exits_quietly() -> None:
    """``nanodds catalog show doxil | head -1``: no traceback, the SIGPIPE exit status of a shell pipeline."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "nanodds.interfaces.cli", "catalog", "show", "doxil"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before nanodds has written anything, as `head` may
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Traceback" not in err and "Error" not in err, err
    assert code in (-signal.SIGPIPE, 128 + signal.SIGPIPE, 1), code
