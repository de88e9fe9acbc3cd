"""`nanodds population`: local run, restart after an interrupted chunk, a real Dask cluster, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import nanodds.population.run as run_mod
from nanodds.interfaces.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "doxil_vs_doxorubicin_human.yaml"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["simulation"] = {"duration": "168 h", "points": 169, "saturable": False}
    p = tmp_path_factory.mktemp("scn") / "doxil_linear.yaml"
    p.write_text(yaml.safe_dump(raw))
    return p


def _run(scenario: Path, out: Path, *extra: str) -> int:
    return main(["population", str(scenario), "--n", "50", "--chunk", "20", "--out", str(out), "--seed", "3",
                 *extra])


def test_local_run_writes_outputs(scenario, tmp_path, capsys):
    assert _run(scenario, tmp_path / "a", "--target-auc", "60") == 0
    pop = pd.read_parquet(tmp_path / "a" / "population.parquet")
    assert len(pop) == 50 and pop.ID.tolist() == list(range(50))
    assert {"plasma_total_auc_inf", "tissue_heart_cmax", "tumour_de24_percent", "personalised_dose_mg"} <= set(pop)
    assert len(list((tmp_path / "a" / "chunks").glob("part-*.parquet"))) == 3
    s = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert s["n"] == 50 and s["solver"] == "linear-expm-batch"
    pers = next(r for r in s["dosing"]["strategies"] if r["strategy"] == "personalised")
    assert pers["pta"] == 1.0 and pers["median_auc"] == pytest.approx(60.0, rel=1e-9)
    assert (tmp_path / "a" / "population.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "50 patients" in out
    med = s["metrics"]["plasma_total_auc_inf"]["median"]  # the file keeps full precision, the console 4 digits
    assert f"AUC0-inf median {med:.4g} mg h/L;" in out and str(med) not in out


def test_no_plots_writes_no_png(scenario, tmp_path, capsys):
    assert _run(scenario, tmp_path / "np", "--no-plots") == 0
    assert (tmp_path / "np" / "population.parquet").is_file() and (tmp_path / "np" / "summary.json").is_file()
    assert not (tmp_path / "np" / "population.png").exists()
    assert "population.png" not in capsys.readouterr().out


def test_interrupted_run_keeps_chunks_and_resumes(scenario, tmp_path, monkeypatch):
    real = run_mod.run_chunk

    def flaky(text, patients, target):
        if patients.ID.iloc[0] == 40:
            raise RuntimeError("node lost")
        return real(text, patients, target)

    monkeypatch.setattr(run_mod, "run_chunk", flaky)
    assert _run(scenario, tmp_path / "b") == 1  # cli.main: one "internal error" line, no traceback
    parts = sorted(p.name for p in (tmp_path / "b" / "chunks").glob("part-*.parquet"))
    assert parts == ["part-00000.parquet", "part-00001.parquet"]
    first = (tmp_path / "b" / "chunks" / "part-00000.parquet").stat().st_mtime_ns
    monkeypatch.setattr(run_mod, "run_chunk", real)
    assert _run(scenario, tmp_path / "b") == 0
    assert (tmp_path / "b" / "chunks" / "part-00000.parquet").stat().st_mtime_ns == first  # skipped
    assert len(pd.read_parquet(tmp_path / "b" / "population.parquet")) == 50


def test_dask_cluster_equals_local(scenario, tmp_path):
    import distributed  # the dask extra is installed by make test: a missing one must fail, not skip

    assert _run(scenario, tmp_path / "local") == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert _run(scenario, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    a = pd.read_parquet(tmp_path / "local" / "population.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "population.parquet")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("args, needle", [
    (["--n", "0"], "--n"),
    (["--n", "100001"], "--force"),
    (["--n", "5", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler"),
    (["--n", "5", "--chunk", "0"], "--chunk"),
])
def test_bad_input_one_line(scenario, tmp_path, capsys, args, needle):
    assert main(["population", str(scenario), "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


def test_bad_covariates_one_line(scenario, tmp_path, capsys):
    cov = Path(run_mod.__file__).resolve().parents[1] / "data" / "population" / "covariates.yaml"
    bad = tmp_path / "cov.yaml"
    bad.write_text(cov.read_text().replace("value: 0.45", "value: -1.2", 1))
    assert main(["population", str(scenario), "--n", "5", "--out", str(tmp_path / "y"), "--covariates",
                 str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "weight_height_correlation" in err


def test_chunk_table_is_built_without_fragmentation_warnings(scenario):
    """Every metric column was inserted one by one: pandas warned 'DataFrame is highly fragmented' on the console."""
    import warnings

    from nanodds.population.virtual import sample_patients

    text = Path(scenario).read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        df = run_mod.run_chunk(text, sample_patients(20, 1), target_auc=60.0)
    assert len(df) == 20 and {"dose_mg", "plasma_total_auc_inf", "personalised_auc"} <= set(df)


def test_chunk_is_solved_in_blocks_with_flat_memory(scenario, monkeypatch):
    """run_chunk streams its patients through iter_population (SOLVE_BLOCK at a time): the same table as one
    solve of the whole chunk, and its peak memory does not grow with the chunk (4x the patients: within 1.5x;
    both past the few blocks solved ahead on the worker threads)."""
    import tracemalloc

    import numpy as np

    from nanodds.population.batch_solve import simulate_population
    from nanodds.population.virtual import sample_patients

    text = Path(scenario).read_text(encoding="utf-8")
    pts = sample_patients(256, 2)
    monkeypatch.setattr(run_mod, "SOLVE_BLOCK", 16)
    df = run_mod.run_chunk(text, pts.iloc[:64])
    pm = run_mod._model(text)
    whole = simulate_population(pm, pts.iloc[:64], run_mod.observed(pm))
    for k in ("plasma_total", "tissue_heart"):
        np.testing.assert_allclose(df[f"{k}_auc_inf"], whole.auc_inf[k], rtol=1e-12)
        np.testing.assert_allclose(df[f"{k}_cmax"], whole.cmax[k], rtol=1e-12)

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            run_mod.run_chunk(text, pts.iloc[:n])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(256) < 1.5 * peak(64)


def test_absurd_target_auc_is_reported(scenario, tmp_path, capsys):
    """A target AUC of 1e12 mg h/L was met 'with PTA 1.0' by personalised doses of ~1e10 mg, silently; now the
    dose factor is checked against its validated range (warning line and a note in summary.json)."""
    args = ["population", str(scenario), "--n", "8", "--out", str(tmp_path / "x"), "--no-plots", "--target-auc"]
    assert main([*args, "1e12"]) == 0
    err = capsys.readouterr().err
    assert "nanodds: warning: --target-auc: got 1000000000000.0 (median personalised dose" in err
    assert "validated range: 0.1 to 10 (the range" in err
    notes = json.loads((tmp_path / "x" / "summary.json").read_text())["notes"]
    assert any(n.startswith("--target-auc 1e+12 mg h/L needs") for n in notes)
    s = json.loads((tmp_path / "x" / "summary.json").read_text())
    typical = s["metrics"]["plasma_total_auc_inf"]["median"]
    assert main(["population", str(scenario), "--n", "8", "--out", str(tmp_path / "y"), "--no-plots",
                 "--target-auc", f"{typical:.6g}"]) == 0
    assert "--target-auc" not in capsys.readouterr().err


def test_time_varying_model_is_refused_in_one_line(tmp_path, capsys):
    """A drug vehicle makes K change over time (micelles fall apart): the population solver refused it with an
    internal KeyError (found by the mutation sweep, 2026-12-05); now one line naming the vehicle, exit 2."""
    taxol = EXAMPLE.parent / "taxol_cremophor_human.yaml"
    assert main(["population", str(taxol), "--n", "3", "--no-plots", "--out", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "vehicle" in err and "cremophor_el" in err and "simulate" in err
