"""`nanodds design`: seeded and deterministic, a front of runnable designs, files written atomically."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from nanodds.analysis.compare import get_path
from nanodds.design.optimise import Design, run_design
from nanodds.design.space import parse_space
from nanodds.engine import simulate
from nanodds.interfaces.cli import main
from nanodds.interfaces.cli_design_opt import load_design
from nanodds.specs.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCENARIO = EXAMPLES / "design_peg_liposome_mouse.yaml"
SPACE = EXAMPLES / "design_space_peg_liposome.yaml"

SMALL = yaml.safe_load(SPACE.read_text())
SMALL["optimiser"] = {"population": 6, "generations": 2, "seed": 3}
SMALL["objectives"].append({"name": "marrow_auc", "metric": "marrow AUC", "direction": "min"})


def _design(base, space):
    raw, scn, model = base
    return Design(scn, raw, parse_space(space, scn, raw, model))


def test_same_seed_same_evaluations_other_seed_others(base):
    a = run_design(_design(base, SMALL)).evaluations
    b = run_design(_design(base, SMALL)).evaluations
    pd.testing.assert_frame_equal(a, b)
    other = copy.deepcopy(SMALL)
    other["optimiser"]["seed"] = 4
    c = run_design(_design(base, other)).evaluations
    assert not np.allclose(a["diameter_nm"], c["diameter_nm"])
    assert len(a) == 12 and set(a["generation"]) == {1, 2}


def test_front_is_non_dominated_and_feasible(base):
    res = run_design(_design(base, SMALL))
    front, ev = res.pareto, res.evaluations
    assert len(front) >= 1 and front["feasible"].all()
    sign = {o.column: (-1 if o.direction == "max" else 1) for o in res.space.objectives}
    F = np.column_stack([sign[c] * ev[c] for c in sign])[ev["feasible"].to_numpy()]
    for _, row in front.iterrows():
        f = np.array([sign[c] * row[c] for c in sign])
        dominated = np.all(F <= f, axis=1) & np.any(F < f, axis=1)
        assert not dominated.any()


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("design")
    space = d / "space.yaml"
    space.write_text(yaml.safe_dump(SMALL))
    out = d / "out"
    assert main(["design", str(SCENARIO), "--space", str(space), "--out", str(out)]) == 0
    return space, out


def test_cli_writes_tidy_tables_plot_and_designs(cli_run, capsys):
    _, out = cli_run
    names = sorted(p.name for p in out.iterdir())
    assert names == ["all_evaluations.csv", "design.json", "designs", "manifest.json", "pareto.csv", "pareto.png"]
    front = pd.read_csv(out / "pareto.csv")
    assert {"diameter_nm", "pegylated", "release_rate_per_h", "dose_mg_per_kg", "dose_count",
            "tumour_released_auc_mg_h_per_L", "mps_load_mg_h"} <= set(front.columns)
    assert sorted(p.stem for p in (out / "designs").iterdir()) == sorted(front["design_id"])
    assert len(pd.read_csv(out / "all_evaluations.csv")) == 12
    assert json.loads((out / "design.json").read_text())["optimiser"]["seed"] == 3


def test_progress_line_per_generation(base, capsys, tmp_path):
    space = tmp_path / "s.yaml"
    space.write_text(yaml.safe_dump(SMALL))
    assert main(["design", str(SCENARIO), "--space", str(space), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "generation 1/2:" in err and "generation 2/2: 12 evaluations" in err


def test_design_round_trip_through_simulate(cli_run, tmp_path):
    """Criterion: each design file, run by `nanodds simulate`, reproduces its pareto.csv row to 1e-9."""
    space, out = cli_run
    design = load_design(str(SCENARIO), str(space))
    front = pd.read_csv(out / "pareto.csv")
    for _, row in front.head(3).iterrows():
        path = out / "designs" / f"{row['design_id']}.yaml"
        sim_out = tmp_path / row["design_id"]
        assert main(["simulate", str(path), "--out", str(sim_out), "--no-plots"]) == 0
        metrics = json.loads((sim_out / "metrics.json").read_text())
        sol = simulate(load_scenario(path))
        for o in design.space.objectives:
            assert o.metric.from_solution(sol) == pytest.approx(row[o.column], rel=1e-9)
            key = o.metric.metrics_json_path()
            if key is not None:
                assert get_path(metrics, key) == pytest.approx(row[o.column], rel=1e-9)
        assert any(o.metric.metrics_json_path() for o in design.space.objectives)  # marrow AUC is in metrics.json


def test_bad_space_exits_2_and_writes_nothing(tmp_path, capsys):
    space = tmp_path / "s.yaml"
    bad = copy.deepcopy(SMALL)
    bad["variables"]["diameter"] = {"low": "10 nm", "high": "150 nm"}
    space.write_text(yaml.safe_dump(bad))
    out = tmp_path / "o"
    assert main(["design", str(SCENARIO), "--space", str(space), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "variables.diameter.low" in err[0] and "'10 nm'" in err[0]
    assert not out.exists()
    space.write_text("variables: [")
    assert main(["design", str(SCENARIO), "--space", str(space), "--out", str(out)]) == 2
    assert "space" in capsys.readouterr().err
