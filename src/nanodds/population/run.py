"""Population runs in chunks, restartable, in-process or on Dask.

``run_population`` samples the patients (one seed, so every chunk is reproducible), splits them in chunks
of ``chunk`` patients, solves each chunk (:func:`run_chunk`) and writes ``DIR/chunks/part-XXXXX.parquet``
as soon as it is done (atomic rename), then its check record ``part-XXXXX.json`` (SHA-256 of the part, rows,
columns, hash of the run's inputs). A re-run with the same scenario, covariates, N, seed and chunk skips the
parts it can trust, so an interrupted run resumes; a part is trusted only when its record exists, names the
same inputs, its SHA-256 matches and it holds the expected patients (rows, IDs) and columns; any other part
is solved again. ``DIR/run.json`` records the settings and a different run into the same directory needs
``force``. At the end ``DIR/population.parquet``, ``DIR/summary.json`` and ``DIR/population.png`` are
written, then ``DIR/manifest.json`` (:class:`nanodds.io.runfolder.RunFolder`: lock against a concurrent run;
on failure the parts and ``run.json`` are kept for the resume, everything else this run wrote is removed).

Schedulers: ``"inline"`` solves the chunks one after another in this process (default up to
:data:`INLINE_MAX_N` patients: a chunk of 500 takes ~0.1-1 s, less than starting a cluster);
``"local"`` starts a ``distributed.LocalCluster`` (one single-threaded worker process per core; default
above :data:`INLINE_MAX_N`); ``"tcp://host:port"`` uses a running Dask scheduler (connection timeout
:data:`CONNECT_TIMEOUT_S`). Workers receive the scenario text and their patients' covariates and return
the chunk's table; the client writes the parquet files, so workers need no shared file system.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nanodds.analysis.acting import ACTING_SITES
from nanodds.errors import InputError
from nanodds.io.atomic import file_sha256, save_figure, write_json, write_parquet
from nanodds.io.runfolder import RunFolder
from nanodds.io.yaml_safe import parse_yaml, read_text_file
from nanodds.limits import limit, limit_ref
from nanodds.population.batch_solve import iter_population
from nanodds.population.dosing import compare_strategies, personalised_doses
from nanodds.population.fast import PopulationModel
from nanodds.population.virtual import load_covariates, sample_patients
from nanodds.specs.scenario import parse_scenario
from nanodds.specs.validity import check_range, validated_range

MAX_N = 100_000
"""Largest N without ``force`` (10^5 patients x ~70 columns ~ 60 MB of parquet, minutes of compute)."""
INLINE_MAX_N = 20_000
SOLVE_BLOCK = 128
"""Patients solved at a time inside a chunk (:func:`iter_population`): a chunk of 500 at once held ~100 MB of
trajectories (24 observables x 1,000 points) and spent ~0.9 s of 2.6 s CPU in page faults per 1,000 patients;
blocks of 100 measured 2.0 s CPU, 0.2 s of it system time (Doxil, linear, 1 week, 1,000 points)."""
CONNECT_TIMEOUT_S = 3
_MODELS: dict[str, PopulationModel] = {}


def _model(text: str) -> PopulationModel:
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _MODELS:
        raw = parse_yaml(text, "scenario")
        _MODELS[key] = PopulationModel(parse_scenario(raw), raw.get("regimen"))
    return _MODELS[key]


def observed(pm: PopulationModel) -> list[str]:
    """Observables summarised per patient: plasma (and an active metabolite's), every tissue, tumour amount (DE)."""
    names = ["plasma_total", "plasma_unbound", "plasma_encapsulated", "plasma_metabolite"]
    names += [f"tissue_{o}" for o in pm.model.volumes_L]
    # what acts: released and unbound drug at the tumour and the toxicity sites, beside total drug
    names += [f"tissue_{m}_{o}" for o, _ in ACTING_SITES for m in ("released", "unbound")]
    if "amount_tumour" in pm.obs_names:
        names.append("amount_tumour")
    return [k for k in names if k in pm.obs_names]


def run_chunk(text: str, patients: pd.DataFrame, target_auc: float | None = None) -> pd.DataFrame:
    """Solve one chunk of patients; one row per patient with covariates, doses and metrics.

    Columns ``<obs>_auc_inf``, ``<obs>_auc_0_t`` (mg h/L), ``<obs>_cmax`` (mg/L), ``<obs>_tmax_h`` for the
    plasma observables and every tissue; ``tumour_de24_percent``/``tumour_de168_percent`` (% of dose);
    with a target, ``personalised_dose_mg`` and ``personalised_auc``.
    """
    pm = _model(text)
    names = observed(pm)
    am = pm.amounts(patients)
    n = len(patients)
    cols: dict[str, np.ndarray] = {"dose_mg": am.sum(axis=1)}  # joined once (column inserts fragment the frame)
    grid = pm.t_grid
    de_at = {t: np.flatnonzero(np.isclose(grid, t)) for t in (24.0, 168.0)} if "amount_tumour" in names else {}
    keep = ["amount_tumour"] if de_at else []  # the other trajectories only for their Cmax, block by block
    for rows, res in iter_population(pm, patients, names, amounts_mg=am, block=SOLVE_BLOCK, trajectories=keep):
        for k in names:
            if k == "amount_tumour":
                continue
            for key, part in (("auc_inf", res.auc_inf), ("auc_0_t", res.auc_t), ("cmax", res.cmax),
                              ("tmax_h", res.tmax_h)):
                cols.setdefault(f"{k}_{key}", np.empty(n))[rows] = part[k]
        for t, hit in de_at.items():
            if hit.size:
                cols.setdefault(f"tumour_de{int(t)}_percent", np.empty(n))[rows] = \
                    100.0 * res.observables["amount_tumour"][:, hit[0]] / am[rows].sum(1)
    if target_auc is not None:
        pers, ach = personalised_doses(pm, patients, target_auc)
        cols["personalised_dose_mg"] = pers.sum(axis=1)
        cols["personalised_auc"] = ach
    base = patients.reset_index(drop=True)
    return pd.concat([base, pd.DataFrame(cols, index=base.index)], axis=1)


def _client(scheduler: str) -> Any:
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        raise InputError("--scheduler", scheduler, "a reachable Dask scheduler address (tcp://host:port), "
                         "'local' or 'inline'") from exc


def _progress(total: int, enabled: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("population"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    disable=not enabled, transient=True)


def _record_path(part: Path) -> Path:
    return part.with_suffix(".json")


def _write_part(folder: RunFolder, path: Path, df: pd.DataFrame, inputs_sha256: str) -> None:
    """Write a chunk's parquet part, then its check record; both, and ``run.json``, are kept if the run fails."""
    write_parquet(path, df, keep_on_failure=True)
    write_json(_record_path(path), {"sha256": file_sha256(path), "rows": len(df), "columns": list(df.columns),
                                    "inputs_sha256": inputs_sha256}, keep_on_failure=True)
    folder.wrote(path.parent.parent / "run.json", keep_on_failure=True)


def part_trusted(path: Path, inputs_sha256: str, ids: list[int]) -> bool:
    """Whether a part on disk can be reused: its check record names the same inputs, the file's SHA-256 is the
    recorded one, and it reads as a parquet table of the expected patient ``ids`` with the recorded columns."""
    try:
        rec = json.loads(_record_path(path).read_text(encoding="utf-8"))
        if not isinstance(rec, dict) or rec.get("inputs_sha256") != inputs_sha256 or rec.get("rows") != len(ids):
            return False
        if file_sha256(path) != rec.get("sha256"):
            return False
        df = pd.read_parquet(path)
    except (OSError, ValueError):  # missing or unreadable record/part (pyarrow errors are ValueErrors)
        return False
    return list(df.columns) == rec.get("columns") and "ID" in df and df["ID"].tolist() == ids


def run_population(scenario: str | Path, n: int, out: str | Path, seed: int = 0, chunk: int = 500,
                   scheduler: str | None = None, force: bool = False, target_auc: float | None = None,
                   covariates: str | Path | None = None, progress: bool | None = None,
                   plots: bool = True, on_step: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run a virtual population; see the module docstring for outputs (``plots=False``: no population.png).

    ``on_step(message)`` is called once the inputs are checked (before the first chunk) and after each chunk is
    written, e.g. to print a progress line when stderr is not a terminal.
    Returns the summary mapping."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError("--n", n, "an integer >= 1")
    if n > MAX_N and not force:
        raise InputError("--n", n, f"at most {MAX_N} patients (pass --force to run more)")
    if n > limit("population_max_n_forced"):
        raise InputError("--n", n, f"at most {limit('population_max_n_forced')} patients even with --force "
                                   f"({limit_ref('population_max_n_forced')})")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise InputError("--chunk", chunk, "an integer >= 1")
    if target_auc is not None and not (np.isfinite(target_auc) and target_auc > 0):
        raise InputError("--target-auc", target_auc, "a value > 0 (mg h/L)")
    text = read_text_file(scenario, "scenario")
    scn = parse_scenario(parse_yaml(text, "scenario", source=str(scenario)))
    spec = load_covariates(covariates)
    sched = scheduler or ("inline" if n <= INLINE_MAX_N else "local")
    if sched not in ("inline", "local") and not sched.startswith(("tcp://", "tls://", "inproc://")):
        raise InputError("--scheduler", sched, "inline, local or a scheduler address tcp://host:port")
    pm = _model(text)  # fails early on unsupported scenarios (e.g. hyperthermia)
    patients = sample_patients(n, seed, spec)
    outdir = Path(out)
    if outdir.exists() and not outdir.is_dir():
        raise InputError("--out", str(out), "a directory path (not an existing file)")
    args = {"scenario": str(scenario), "n": n, "out": str(out), "seed": seed, "chunk": chunk,
            "scheduler": scheduler, "force": force, "target_auc": target_auc,
            "covariates": None if covariates is None else str(covariates), "plots": plots}
    settings = {"scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "covariates_sha256": hashlib.sha256(
                    (Path(covariates).read_text(encoding="utf-8") if covariates else "packaged").encode()).hexdigest(),
                "n": n, "seed": seed, "chunk": chunk, "target_auc": target_auc}
    with RunFolder(outdir, "population", args, {"scenario": Path(scenario), "covariates": covariates}) as folder:
        files, todo, inputs_sha = _plan(folder, outdir, settings, patients, force)
        starts = list(range(0, n, chunk))
        t0 = time.perf_counter()
        show = sys.stderr.isatty() if progress is None else progress
        done = [len(files) - len(todo)]

        def tick() -> None:
            done[0] += 1
            if on_step is not None:
                on_step(f"population: {done[0]}/{len(files)} chunks of {n} patients done...")

        def start() -> None:  # once the scheduler is reachable: an input error stays the only line
            if on_step is not None:
                on_step(f"simulating {n} patients in {len(files)} chunks ({done[0]} already done, {sched})...")

        with _progress(len(files), show) as bar:
            task = bar.add_task("chunks", total=len(files), completed=len(files) - len(todo))
            if sched == "inline":
                start()
                for i in todo:
                    _write_part(folder, files[i], run_chunk(text, patients.iloc[starts[i]:starts[i] + chunk],
                                                            target_auc), inputs_sha)
                    bar.advance(task)
                    tick()
            else:
                from distributed import as_completed

                client = _client(sched)
                start()
                try:
                    futs = {client.submit(run_chunk, text, patients.iloc[starts[i]:starts[i] + chunk], target_auc,
                                          pure=False): i for i in todo}
                    for fut in as_completed(futs):
                        _write_part(folder, files[futs[fut]], fut.result(), inputs_sha)
                        bar.advance(task)
                        tick()
                finally:
                    cluster = getattr(client, "cluster", None) if sched == "local" else None
                    client.close()
                    if cluster is not None:
                        cluster.close()
        elapsed = time.perf_counter() - t0
        pop = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        write_parquet(outdir / "population.parquet", pop)
        summary = summarise(pop, pm, scn.name, sched, elapsed, target_auc)
        write_json(outdir / "summary.json", summary)
        if plots:
            plot(pop, outdir / "population.png")
    return summary


def _plan(folder: RunFolder, outdir: Path, settings: dict[str, Any], patients: pd.DataFrame,
          force: bool) -> tuple[list[Path], list[int], str]:
    """Check ``run.json`` against ``settings``, write it, and sort the parts into trusted and to-do.

    Returns the part paths, the indices of the parts to solve and the inputs hash of the check records.
    """
    parts = outdir / "chunks"
    mpath = outdir / "run.json"
    try:
        previous = json.loads(mpath.read_text(encoding="utf-8")) if mpath.is_file() else None
    except (OSError, ValueError):  # unreadable (e.g. cut by an older version): each part is checked anyway
        previous = None
    if previous is not None and previous != settings:
        if not force:
            raise InputError("--out", str(outdir), "a new directory or one of the same run (--force overwrites)")
        shutil.rmtree(parts, ignore_errors=True)
    write_json(mpath, settings)  # kept on failure once a part exists (see _write_part)
    inputs_sha = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    n, chunk = int(settings["n"]), int(settings["chunk"])
    files = [parts / f"part-{i:05d}.parquet" for i in range(len(range(0, n, chunk)))]
    ids = [patients["ID"].iloc[s:s + chunk].tolist() for s in range(0, n, chunk)]
    todo = [i for i, f in enumerate(files) if not part_trusted(f, inputs_sha, ids[i])]
    for i, f in enumerate(files):
        if i not in todo:  # trusted parts of an earlier attempt are part of this run's results
            for p in (f, _record_path(f), mpath):
                folder.wrote(p, keep_on_failure=True)
    return files, todo, inputs_sha


def _clean(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def summarise(pop: pd.DataFrame, pm: PopulationModel, name: str, scheduler: str, elapsed_s: float,
              target_auc: float | None) -> dict[str, Any]:
    """Summary mapping: settings, quantiles of every metric column, dosing comparison with a target."""
    sat = pm.scenario.saturable and len(pm.sat_src) > 0
    metrics = {}
    for c in pop.columns:
        if c.endswith(("_auc_inf", "_auc_0_t", "_cmax", "_percent")) or c in ("dose_mg", "personalised_dose_mg"):
            q = np.percentile(pop[c].to_numpy(dtype=float), [5, 25, 50, 75, 95])
            metrics[c] = dict(zip(("q05", "q25", "median", "q75", "q95"), map(_clean, q), strict=True))
    notes = []
    if pm.scenario.drug.name != "irinotecan":
        notes.append("UGT1A1 genotype is sampled but not used: it only affects SN-38 glucuronidation "
                     f"(irinotecan); this scenario's drug is {pm.scenario.drug.name}")
    out: dict[str, Any] = {"scenario": name, "n": len(pop), "scheduler": scheduler,
                           "solver": "saturable-etd2-batch" if sat else "linear-expm-batch",
                           "elapsed_s": elapsed_s, "metrics": metrics, "notes": notes}
    if target_auc is not None:
        sub = pop.iloc[: min(len(pop), 2000)]  # dosing table on at most 2000 patients (re-solves them)
        tab = compare_strategies(pm, sub, target_auc)
        doses = tab.set_index("strategy")["median_dose_mg"]
        factor = float(doses["personalised"] / doses["body_size"])
        if check_range("--target-auc", factor, target_auc, "personalised_dose_factor", "1",
                       note=f" (median personalised dose {factor:.3g} x the scenario's regimen)"):
            lo, hi = validated_range("personalised_dose_factor", "1") or (math.nan, math.nan)
            notes.append(f"--target-auc {target_auc:g} mg h/L needs {factor:.3g} x the scenario's doses (median): "
                         f"outside the validated {lo:g}-{hi:g} x, an extrapolation")
        out["dosing"] = {"metric": "plasma_total AUC0-inf (mg h/L)", "target_auc": target_auc,
                         "patients": len(sub), "strategies": tab.to_dict(orient="records")}
    return out


def plot(pop: pd.DataFrame, path: Path) -> None:
    """Histograms (log scale) of plasma total and unbound AUC and of tumour and heart AUC, released drug (what
    acts) beside total drug."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c in ("plasma_total_auc_inf", "plasma_unbound_auc_inf", "tissue_tumour_auc_inf",
                        "tissue_released_tumour_auc_inf", "tissue_heart_auc_inf", "tissue_released_heart_auc_inf")
            if c in pop]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.6 * len(cols), 3.2))
    for ax, c in zip(np.atleast_1d(axes), cols, strict=True):
        v = pop[c].to_numpy(dtype=float)
        v = v[np.isfinite(v) & (v > 0)]
        if v.size:
            ax.hist(np.log10(v), bins=40, color="#4477aa")
        ax.set_xlabel(f"log10 {c.removesuffix('_auc_inf')} AUC [mg h/L]")
        ax.set_ylabel("patients")
    fig.tight_layout()
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)
