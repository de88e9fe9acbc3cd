"""The other background runs (sensitivity, design, release compare, predict-delivery) give the library's result."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import MOUSE, make_app, wait

SPACE = """variables:
  diameter: {low: 60 nm, high: 180 nm}
objectives:
  - {name: tumour_released_auc, metric: tumour released AUC0-T, direction: max}
  - {name: heart_released_auc, metric: heart released AUC0-T, direction: min}
optimiser: {population: 4, generations: 2, seed: 1}
"""
TWO_PROFILES = b"""profile,replicate,time_min,percent
ref,1,10,20
ref,1,20,45
ref,1,30,70
ref,2,10,22
ref,2,20,47
ref,2,30,72
test,1,10,18
test,1,20,40
test,1,30,66
test,2,10,19
test,2,20,42
test,2,30,68
"""
DELIVERY = (b"Type,HD,Zeta,Shape,TM,CT,Dose,BW,MAT\n"
            b"Organic,100,-10,Spherical,Xenograft Heterotopic,breast,5,20,Liposome\n")


@pytest.fixture
def client2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NANODDS_TOKEN", raising=False)
    monkeypatch.delenv("NANODDS_DATABASE_URL", raising=False)
    with TestClient(make_app(tmp_path, workers=2)) as c:
        yield c


def test_sensitivity_design_release_compare_predict(client2: TestClient) -> None:
    c = client2
    sens = c.post("/api/runs/sensitivity", json={"scenario": MOUSE, "n": 4, "linear": True,
                                                  "params": "drug_clearance_multiplier: {low: 0.5, high: 2}\n"})
    assert sens.status_code == 202, sens.json()
    design = c.post("/api/runs/design", json={"scenario": MOUSE, "space": SPACE})
    assert design.status_code == 202, design.json()
    ds = c.post("/api/datasets", files={"file": ("p.csv", TWO_PROFILES)}).json()
    assert ds["summary"]["profiles"] == ["ref", "test"] and ds["summary"]["replicates"]
    rel = c.post("/api/runs/release-compare", json={"dataset_id": ds["id"], "reference": "ref", "test": "test",
                                                     "rule": "all"})
    assert rel.status_code == 202, rel.json()
    dd = c.post("/api/datasets", files={"file": ("d.csv", DELIVERY)}, data={"kind": "delivery"}).json()
    pred = c.post("/api/runs/predict-delivery", json={"dataset_id": dd["id"]})
    assert pred.status_code == 202, pred.json()
    jobs = {k: wait(c, r.json()["id"]) for k, r in
            (("sens", sens), ("design", design), ("rel", rel), ("pred", pred))}
    assert all(j["status"] == "done" for j in jobs.values()), {k: j["error"] for k, j in jobs.items()}
    assert jobs["sens"]["result"]["evaluations"] == 4 * (1 + 2)  # n (D + 2)
    assert jobs["design"]["result"]["optimiser"]["evaluations"] == 8 and jobs["design"]["result"]["pareto"]
    # f2 of means 21/46/71 vs 18.5/41/67 (differences 2.5, 5, 4): 50 log10(100 / sqrt(1 + 47.25 / 3))
    import math

    assert jobs["rel"]["result"]["f2"] == pytest.approx(50 * math.log10(100 / math.sqrt(1 + 47.25 / 3)), rel=1e-9)
    row = jobs["pred"]["result"]["rows"][0]
    assert 0 <= row["DE24_pred"] <= 100 and row["DE24_lo"] <= row["DE24_pred"] <= row["DE24_hi"]


def test_design_cap(client2: TestClient) -> None:
    big = SPACE.replace("population: 4, generations: 2", "population: 100, generations: 100")
    r = client2.post("/api/runs/design", json={"scenario": MOUSE, "space": big})
    # the design library's own cap (data/design/optimiser.yaml), checked before the run is queued
    assert r.status_code == 422 and r.json()["detail"].startswith("optimiser: got 'population 100 x generations 100")
    assert client2.get("/api/runs").json() == []
