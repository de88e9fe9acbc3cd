"""Runs through the API: the same library results as the CLI, progress, cancellation, restart and crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.web.conftest import FREE, MOUSE, make_app, wait

from nanodds.analysis.metrics import compute_metrics
from nanodds.engine import simulate
from nanodds.specs.scenario import parse_scenario
from nanodds.web.db import Job
from nanodds.web.jobs import CRASH_MESSAGE

POP = """name: Doxil, human
species: human
drug: doxorubicin
carrier: {type: pegylated_liposome, diameter: 85 nm}
regimen:
  - {route: iv_infusion, dose: 50 mg/m^2, duration: 1 h}
simulation: {duration: 336 h, points: 201}
"""


def test_simulate_matches_library_and_survives_restart(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as c:
        r = c.post("/api/runs/simulate", json={"scenario": MOUSE})
        assert r.status_code == 202 and r.json()["status"] == "queued"
        job = wait(c, r.json()["id"])
    assert job["status"] == "done", job["error"]
    scn = parse_scenario(yaml.safe_load(MOUSE))
    expected = compute_metrics(simulate(scn), scn.regimen, scn.bsa_m2)
    got = job["result"]["metrics"]
    assert got["plasma_total"]["auc_inf_mg_h_per_L"] == pytest.approx(expected["plasma_total"]["auc_inf_mg_h_per_L"],
                                                                      rel=1e-9)
    assert job["progress"] == 1.0 and job["inputs"] == {"scenario": MOUSE}
    series = job["result"]["arms"][0]["series"]
    assert len(series["time_h"]) == 101 and "plasma total" in series["conc_mg_per_L"]
    # a new server on the same data directory (SQLite file) still has the run and its result
    with TestClient(make_app(tmp_path)) as c2:
        again = c2.get(f"/api/runs/{job['id']}").json()
        assert again["status"] == "done" and again["result"] == job["result"]
        report = c2.get(f"/api/runs/{job['id']}/report.html")
        assert report.status_code == 200 and "Plotly.newPlot" in report.text and "<script src=" not in report.text


def test_compare_nano_vs_conventional_and_three_arms(client: TestClient) -> None:
    a = client.post("/api/runs/compare", json={"scenario": MOUSE}).json()
    arms = [{"scenario": FREE, "label": "free"}, {"scenario": MOUSE, "label": "liposome 100 nm"},
            {"scenario": MOUSE.replace("100 nm", "200 nm"), "label": "liposome 200 nm"}]
    b = client.post("/api/runs/compare", json={"arms": arms}).json()
    two, three = wait(client, a["id"]), wait(client, b["id"])
    assert two["status"] == "done" and three["status"] == "done", (two["error"], three["error"])
    doc = two["result"]["doc"]
    # the liposome keeps the drug in plasma: far higher plasma AUC than the free drug at the same dose
    assert doc["ratios"]["plasma_total.auc_inf_mg_h_per_L"] > 10
    assert [x["label"] for x in three["result"]["arms"]] == ["free", "liposome 100 nm", "liposome 200 nm"]
    d3 = three["result"]["doc"]
    assert d3["reference"] == "free" and set(d3["ratios"]) == {"liposome 100 nm", "liposome 200 nm"}
    # the 100 nm arm of the three-arm comparison is the same simulation as the nano arm of nano vs conventional
    assert d3["ratios"]["liposome 100 nm"]["plasma_total.auc_inf_mg_h_per_L"] == pytest.approx(
        doc["ratios"]["plasma_total.auc_inf_mg_h_per_L"], rel=1e-9)
    figs = client.get(f"/api/runs/{b['id']}/figures").json()
    assert len(figs["figures"][0]["data"]) == 3 and len(figs["table"]) > 0


def test_population_progress_and_cancel_running(client: TestClient) -> None:
    r = client.post("/api/runs/population", json={"scenario": POP, "n": 2000})
    running = wait(client, r.json()["id"], until=("running", "done", "failed"))
    assert running["status"] == "running"
    assert client.post(f"/api/runs/{running['id']}/cancel").json()["status"] == "cancelling"
    assert wait(client, running["id"])["status"] == "cancelled"
    small = client.post("/api/runs/population", json={"scenario": POP, "n": 40}).json()
    job = wait(client, small["id"])
    assert job["status"] == "done", job["error"]
    assert job["result"]["summary"]["n"] == 40 and len(job["result"]["values"]["plasma_total_auc_inf"]) == 40


def test_cancel_queued_run(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, start_runner=False)) as c:
        jid = c.post("/api/runs/simulate", json={"scenario": MOUSE}).json()["id"]
        assert c.post(f"/api/runs/{jid}/cancel").json()["status"] == "cancelled"
        assert c.get(f"/api/runs/{jid}").json()["status"] == "cancelled"
        assert c.post("/api/runs/999/cancel").status_code == 404


def test_crash_mid_run_marks_failed_and_keeps_inputs(tmp_path: Path) -> None:
    app = make_app(tmp_path, start_runner=False)
    with TestClient(app) as c:
        jid = c.post("/api/runs/simulate", json={"scenario": MOUSE}).json()["id"]
    with app.state.sessions() as s:  # the state a killed server leaves behind: the run was in progress
        job = s.get(Job, jid)
        job.status = "running"
        s.commit()
    with TestClient(make_app(tmp_path)) as c2:
        job = c2.get(f"/api/runs/{jid}").json()
    assert job["status"] == "failed" and job["error"] == CRASH_MESSAGE
    assert job["inputs"] == {"scenario": MOUSE}


def test_queued_run_is_run_after_restart(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, start_runner=False)) as c:
        jid = c.post("/api/runs/simulate", json={"scenario": MOUSE}).json()["id"]
    with TestClient(make_app(tmp_path)) as c2:
        assert wait(c2, jid)["status"] == "done"


def test_run_failing_in_the_library_is_one_line(client: TestClient) -> None:
    """An error only the task meets (a deleted data set) fails the run with one line, not a traceback."""
    csv = b"time,percent\n0,0\n1,20\n2,40\n4,65\n8,85\n"
    ds = client.post("/api/datasets", files={"file": ("r.csv", csv, "text/csv")}).json()
    app = client.app
    from nanodds.web.db import Dataset

    jid = client.post("/api/runs/release-fit", json={"dataset_id": ds["id"]}).json()["id"]
    job = wait(client, jid)
    assert job["status"] == "done", job["error"]
    profile = next(iter(job["result"]["profiles"].values()))
    ranks = [m["rank"] for m in profile["models"] if m["status"] == "ok"]
    assert ranks == sorted(ranks) and profile["best"] == profile["models"][0]["model"]
    with app.state.sessions() as s:
        s.delete(s.get(Dataset, ds["id"]))
        s.commit()
    gone = client.post("/api/runs/release-fit", json={"dataset_id": ds["id"]})
    assert gone.status_code == 422 and gone.json()["detail"].startswith("dataset_id: got")
