"""Fixtures of the web tests: an app on a temporary data directory (file SQLite), small scenarios."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nanodds.web.app import create_app
from nanodds.web.settings import Settings

MOUSE = """name: PEG liposome mouse
species: mouse
drug: doxorubicin
carrier: {type: pegylated_liposome, diameter: 100 nm}
regimen:
  - {route: iv_bolus, dose: 5 mg/kg}
tumour: {volume: 0.2 mL}
simulation: {duration: 48 h, points: 101}
"""

FREE = """name: free doxorubicin mouse
species: mouse
drug: doxorubicin
regimen:
  - {route: iv_bolus, dose: 5 mg/kg}
tumour: {volume: 0.2 mL}
simulation: {duration: 48 h, points: 101}
"""

#: A run still queued or running after this long is a hang, not a slow machine (a bound, not a timed assert).
WAIT_LIMIT_S = 300.0


def wait(client: TestClient, run_id: int, until: tuple[str, ...] = ("done", "failed", "cancelled"),
         headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Poll a run until its status is in ``until``."""
    t0 = time.monotonic()
    while True:
        job = client.get(f"/api/runs/{run_id}", headers=headers or {}).json()
        if job["status"] in until:
            return job
        if time.monotonic() - t0 > WAIT_LIMIT_S:
            raise RuntimeError(f"run {run_id} still {job['status']} ({job['message']})")
        time.sleep(0.1)


def make_app(data_dir: Path, **kw: Any):
    """An app on ``data_dir`` (SQLite file ``nanodds.sqlite3`` there)."""
    start = kw.pop("start_runner", True)
    return create_app(Settings.from_env(data_dir=data_dir, **kw), start_runner=start)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("NANODDS_DATABASE_URL", raising=False)
    monkeypatch.delenv("NANODDS_TOKEN", raising=False)
    with TestClient(make_app(tmp_path)) as c:
        yield c
