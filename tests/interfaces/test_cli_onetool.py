"""Issue #14, "one tool, not thirteen": every plotting command takes --no-plots; progress lines when piped.

Every command (and sub-command) of ``nanodds`` is classified here as plotting or not; a new command that is
in neither set fails :func:`test_every_command_is_classified`, so the --no-plots audit cannot go stale.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from nanodds.interfaces.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"

FAST_MOUSE = {
    "name": "fast mouse", "species": "mouse", "drug": "doxorubicin",
    "carrier": {"type": "pegylated_liposome", "diameter": "85 nm",
                "release": {"model": "first_order", "rate_blood": "0.002 1/h", "rate_tissue": "0.002 1/h"}},
    "regimen": [{"route": "iv_bolus", "dose": "9 mg/kg"}], "tumour": {"volume": "0.3 mL"},
    "simulation": {"duration": "48 h", "points": 97, "saturable": False},
}


def _fast(tmp: Path) -> str:
    p = tmp / "fast.yaml"
    p.write_text(yaml.safe_dump(FAST_MOUSE), encoding="utf-8")
    return str(p)


def _fast_oral(tmp: Path) -> str:
    raw = yaml.safe_load((EX / "oral_nanosuspension_vs_coarse.yaml").read_text(encoding="utf-8"))
    return _dump(tmp, raw, "oral.yaml")


def _dump(tmp: Path, raw: object, name: str) -> str:
    p = tmp / name
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return str(p)


def _space(tmp: Path) -> str:
    raw = yaml.safe_load((EX / "design_space_peg_liposome.yaml").read_text(encoding="utf-8"))
    raw["optimiser"] = {"population": 4, "generations": 1, "seed": 1}
    return _dump(tmp, raw, "space.yaml")


def _params(tmp: Path) -> str:
    return _dump(tmp, {"diameter": {"low": "60 nm", "high": "120 nm"}}, "params.yaml")


#: plotting command -> (tmp, out) -> argv without --no-plots (small inputs: every run takes seconds)
PLOTTING: dict[str, Callable[[Path, str], list[str]]] = {
    "simulate": lambda t, o: ["simulate", _fast(t), "--out", o],
    "compare": lambda t, o: ["compare", _fast(t), "--out", o],
    "release fit": lambda t, o: ["release", "fit", str(EX / "release_batches.csv"), "--models",
                                 "first_order,higuchi", "--out", o],
    "release compare": lambda t, o: ["release", "compare", str(EX / "release_batches.csv"), "--reference", "b0",
                                     "--test", "b1", "--out", o],
    "release-sweep": lambda t, o: ["release-sweep", _fast(t), "--rates", "0,0.1", "--out", o],
    "design": lambda t, o: ["design", str(EX / "design_peg_liposome_mouse.yaml"), "--space", _space(t),
                            "--out", o],
    "sensitivity": lambda t, o: ["sensitivity", _fast(t), "--params", _params(t), "--n", "4", "--out", o],
    "fit": lambda t, o: ["fit", str(EX / "doxil_label_fit_human.yaml"), str(EX / "doxil_label_plasma_human.csv"),
                         "--params", "mps_multiplier", "--linear", "--out", o],
    "catalog run": lambda t, o: ["catalog", "run", "doxil", "--duration", "24 h", "--points", "49", "--out", o],
    "population": lambda t, o: ["population", _fast(t), "--n", "4", "--out", o],
    "oral": lambda t, o: ["oral", _fast_oral(t), "--out", o],
    "combination": lambda t, o: ["combination", str(EX / "vyxeos_combination_human.yaml"), "--out", o],
    "imaging": lambda t, o: ["imaging", _fast(t), "--label", "89Zr", "--scan-times", "1,24 h", "--out", o],
    "safety": lambda t, o: ["safety", _fast(t), "--out", o],
}

#: commands that draw nothing, and why
NOT_PLOTTING: dict[str, str] = {
    "export-sbml": "writes model.xml",
    "predict-delivery": "writes a CSV",
    "trial-size": "prints a sample size",
    "serve": "a web server (plots are drawn in the browser)",
    "catalog list": "prints a table",
    "catalog show": "prints a product",
}


def _leaf_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every command line's own parser: ``simulate``, ``release fit``, ``catalog run``, ..."""
    def subs(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        acts = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        return dict(acts[0].choices) if acts else {}

    leaves = {}
    for name, parser in subs(build_parser()).items():
        inner = subs(parser)
        leaves.update({f"{name} {k}": v for k, v in inner.items()} if inner else {name: parser})
    return leaves


def test_every_command_is_classified():
    leaves = set(_leaf_parsers())
    assert {c.split()[0] for c in leaves} == set(COMMANDS)
    assert leaves == set(PLOTTING) | set(NOT_PLOTTING)
    assert not set(PLOTTING) & set(NOT_PLOTTING)


@pytest.mark.parametrize("command", sorted(PLOTTING))
def test_plotting_command_accepts_no_plots(command):
    options = {s for a in _leaf_parsers()[command]._actions for s in a.option_strings}
    assert "--no-plots" in options


@pytest.mark.parametrize("command", sorted(NOT_PLOTTING))
def test_command_that_draws_nothing_has_no_no_plots(command):
    options = {s for a in _leaf_parsers()[command]._actions for s in a.option_strings}
    assert "--no-plots" not in options, NOT_PLOTTING[command]


@pytest.mark.parametrize("command", sorted(PLOTTING))
def test_no_plots_writes_no_png(command, tmp_path):
    out = tmp_path / "out"
    assert main([*PLOTTING[command](tmp_path, str(out)), "--no-plots"]) == 0
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written, "the command wrote nothing"
    assert [p.name for p in written if p.suffix.lower() == ".png"] == []


def test_fit_example_rows_follow_from_the_doxil_label_values():
    """examples/doxil_label_plasma_human.csv: each row is the biexponential curve with the label's mean Cmax,
    AUC and half-lives (validation/data/doxil_label_human.csv) at its time, to the 4 significant figures shipped."""
    import math

    import pandas as pd

    label = pd.read_csv(ROOT / "validation" / "data" / "doxil_label_human.csv", comment="#")
    obs = pd.read_csv(EX / "doxil_label_plasma_human.csv")
    bsa_m2 = math.sqrt(170.0 * 70.0 / 3600.0)  # Mosteller, the fit scenario's subject
    assert sorted(obs["ID"].unique()) == [1, 2]
    for pid, dose in ((1, 10), (2, 20)):
        v = {m: float(label[(label.dose_mg_per_m2 == dose) & (label.metric == m)]["value"].iloc[0])
             for m in ("cmax", "auc", "t_half_first", "t_half_second")}
        a, b = math.log(2) / v["t_half_first"], math.log(2) / v["t_half_second"]
        big_b = (v["auc"] - v["cmax"] / a) / (1 / b - 1 / a)
        big_a = v["cmax"] - big_b
        rows = obs[obs["ID"] == pid]
        assert (rows["unit"] == "ug/mL").all() and (rows["compartment"] == "plasma").all()
        assert rows["dose_mg"].unique().tolist() == [pytest.approx(dose * bsa_m2, rel=5e-4)]
        for t, c in zip(rows["time_h"], rows["value"], strict=True):
            expected = big_a * math.exp(-a * (t - 0.5)) + big_b * math.exp(-b * (t - 0.5))
            assert c == pytest.approx(expected, rel=5e-4), (pid, t)


def _predict_input(tmp: Path) -> str:
    p = tmp / "in.csv"
    p.write_text("Type,HD,Zeta,TM,CT\nLiposome,100,-10,Allograft Subcutaneous,Breast\n"
                 "Gold,20,-20,Xenograft Subcutaneous,Lung\n", encoding="utf-8")
    return str(p)


#: long-running commands -> (tmp, out) -> argv; each must show a plain progress line on a piped stderr
PROGRESS: dict[str, Callable[[Path, str], list[str]]] = {
    **{k: PLOTTING[k] for k in ("release fit", "release compare", "fit", "sensitivity", "population", "design")},
    "predict-delivery": lambda t, o: ["predict-delivery", _predict_input(t), "--out", str(Path(o) / "pred.csv")],
}


@pytest.mark.parametrize("command", sorted(PROGRESS))
def test_progress_lines_when_piped(command, tmp_path, capsys):
    """Under pytest stderr is not a terminal: every long command prints ``nanodds: ...`` lines, no escapes."""
    argv = PROGRESS[command](tmp_path, str(tmp_path / "out"))
    if command != "predict-delivery":
        argv.append("--no-plots")
    (tmp_path / "out").mkdir(exist_ok=True)
    assert main(argv) == 0
    captured = capsys.readouterr()
    steps = [ln for ln in captured.err.splitlines() if ln.startswith("nanodds: ") and ln.endswith("...")]
    assert steps, captured.err
    assert not any("\x1b" in ln for ln in captured.err.splitlines())
    assert "nanodds: " not in captured.out  # progress never on stdout


def test_population_prints_a_line_per_chunk_when_piped(tmp_path, capsys):
    assert main(["population", _fast(tmp_path), "--n", "6", "--chunk", "2", "--out", str(tmp_path / "o"),
                 "--no-plots"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [ln for ln in err if ln.startswith("nanodds: population:")] == [
        f"nanodds: population: {i}/3 chunks of 6 patients done..." for i in (1, 2, 3)]
