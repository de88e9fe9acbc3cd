"""API checks without computation: one-line 422 messages as the CLI's, caps, uploads, token, spec, pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.web.conftest import FREE, MOUSE, make_app

from nanodds.errors import InputError
from nanodds.interfaces.cli import main
from nanodds.specs.scenario import parse_scenario
from nanodds.web.settings import Limits

RELEASE_CSV = b"time_h,percent\n0,0\n1,22\n2,39\n4,63\n8,86\n12,95\n"


@pytest.fixture
def idle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An app whose runs stay queued (nothing is computed)."""
    monkeypatch.delenv("NANODDS_TOKEN", raising=False)
    monkeypatch.delenv("NANODDS_DATABASE_URL", raising=False)
    with TestClient(make_app(tmp_path, start_runner=False)) as c:
        yield c


def _cli_message(text: str) -> str:
    try:
        parse_scenario(yaml.safe_load(text))
    except InputError as exc:
        return str(exc)
    raise AssertionError("the scenario was accepted")


@pytest.mark.parametrize("bad", [
    MOUSE.replace("100 nm", "-5 nm"),
    MOUSE.replace("drug: doxorubicin", "drug: aspirin"),
    MOUSE.replace("species: mouse", "species: mouse\ncolour: blue"),
    MOUSE.replace("5 mg/kg", "5 parsecs"),
])
def test_scenario_errors_are_the_cli_line(idle: TestClient, bad: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    expected = _cli_message(bad)
    for path, body in (("/api/scenarios/validate", {"yaml": bad}), ("/api/runs/simulate", {"scenario": bad})):
        r = idle.post(path, json=body)
        assert r.status_code == 422 and r.json() == {"detail": expected}
    f = tmp_path / "bad.yaml"
    f.write_text(bad, encoding="utf-8")
    assert main(["simulate", str(f), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == f"nanodds: error: {expected}"
    assert idle.get("/api/runs").json() == []  # nothing was queued


def test_yaml_is_data_and_one_line(idle: TestClient) -> None:
    r = idle.post("/api/scenarios/validate", json={"yaml": "name: [unclosed"})
    assert r.status_code == 422 and "\n" not in r.json()["detail"] and "valid YAML" in r.json()["detail"]
    r = idle.post("/api/scenarios/validate", json={"yaml": "!!python/object/apply:os.system ['echo hi']"})
    assert r.status_code == 422
    r = idle.post("/api/scenarios/validate", json={"yaml": MOUSE + "drug: cytarabine\n"})
    assert r.status_code == 422 and r.json()["detail"].startswith("drug: got 'cytarabine'; allowed: each key once")


def test_compare_needs_a_carrier_and_one_source(idle: TestClient) -> None:
    from nanodds.analysis.compare import require_carrier

    with pytest.raises(InputError) as exc:
        require_carrier(parse_scenario(yaml.safe_load(FREE)))
    r = idle.post("/api/runs/compare", json={"scenario": FREE})
    assert r.status_code == 422 and r.json()["detail"] == str(exc.value)
    r = idle.post("/api/runs/compare", json={"scenario": MOUSE, "product": "doxil"})
    assert r.status_code == 422 and r.json()["detail"].startswith("compare: got")
    r = idle.post("/api/runs/compare", json={"arms": [{"scenario": MOUSE}, {"scenario": MOUSE}]})
    assert r.status_code == 422 and "distinct label" in r.json()["detail"]


def test_caps(idle: TestClient) -> None:
    lim = Limits.from_data()
    long = MOUSE.replace("duration: 48 h", f"duration: {lim.max_horizon_h + 1:g} h")
    r = idle.post("/api/runs/simulate", json={"scenario": long})
    assert r.status_code == 422
    assert r.json()["detail"] == (f"simulation.duration: got '{lim.max_horizon_h + 1:g} h'; allowed: at most "
                                  f"{lim.max_horizon_h:g} h on this server")
    many = MOUSE.replace("points: 101", f"points: {lim.max_points + 1}")
    assert idle.post("/api/runs/simulate", json={"scenario": many}).json()["detail"].startswith("simulation.points")
    r = idle.post("/api/runs/population", json={"scenario": MOUSE, "n": lim.max_population + 1})
    assert r.status_code == 422 and r.json()["detail"].startswith(f"n: got {lim.max_population + 1}")
    r = idle.post("/api/runs/sensitivity", json={"scenario": MOUSE, "params": "{}", "n": lim.max_sobol_n * 2})
    assert r.status_code == 422 and r.json()["detail"].startswith("n: got")
    r = idle.post("/api/scenarios/validate", json={"yaml": "x" * (lim.max_scenario_chars + 1)})
    assert r.status_code == 422


def test_unknown_body_key_is_refused(idle: TestClient) -> None:
    r = idle.post("/api/runs/simulate", json={"scenario": MOUSE, "colour": "blue"})
    assert r.status_code == 422 and r.json()["detail"].startswith("colour: got 'blue'")


def test_uploads(idle: TestClient) -> None:
    cap = Limits.from_data().max_upload_bytes
    big = b"time,percent\n" + b"1,1\n" * (cap // 4 + 1)
    assert idle.post("/api/datasets", files={"file": ("big.csv", big)}).status_code == 413
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    r = idle.post("/api/datasets", files={"file": ("x.csv", binary)})
    assert r.status_code == 415 and "binary" in r.json()["detail"]
    r = idle.post("/api/datasets", files={"file": ("x.csv", "caf\xe9".encode("latin-1"))})
    assert r.status_code == 415
    r = idle.post("/api/datasets", files={"file": ("w.csv", b"colour,shape\nred,round\n")})
    assert r.status_code == 422 and r.json()["detail"].startswith("time_column: got ")
    assert "allowed: a column named time" in r.json()["detail"]
    r = idle.post("/api/datasets", files={"file": ("w.csv", b"colour,shape\nred,round\n")}, data={"kind": "delivery"})
    assert r.status_code == 422 and "at least one of the columns" in r.json()["detail"]
    r = idle.post("/api/datasets", files={"file": ("e.csv", b"")})
    assert r.status_code == 422
    ok = idle.post("/api/datasets", files={"file": ("r.csv", RELEASE_CSV)})
    assert ok.status_code == 201 and ok.json()["summary"]["time_unit"] == "h"
    ds = ok.json()["id"]
    r = idle.post("/api/runs/release-fit", json={"dataset_id": ds, "models": "no_such_model"})
    assert r.status_code == 422 and r.json()["detail"].startswith("models")
    r = idle.post("/api/runs/predict-delivery", json={"dataset_id": ds})
    assert r.status_code == 422 and "delivery data set" in r.json()["detail"]
    assert idle.post("/api/runs/release-fit", json={"dataset_id": ds}).status_code == 202


def test_request_body_cap(idle: TestClient) -> None:
    lim = Limits.from_data()
    cap = lim.max_upload_bytes + (lim.max_arms + 1) * lim.max_scenario_chars
    r = idle.post("/api/runs/simulate", content=b"{" + b" " * cap + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"].startswith("request body: got more than")

    def chunks():  # no Content-Length: refused while streaming
        for _ in range(cap // 65536 + 2):
            yield b" " * 65536

    r = idle.post("/api/runs/simulate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_token(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, token="s3cret", start_runner=False)) as c:
        assert c.get("/api/drugs").status_code == 401
        assert c.get("/api/drugs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/drugs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/").status_code == 200  # pages hold no data; their API calls carry the token


def test_reference_data_spec_and_pages(idle: TestClient) -> None:
    assert "doxorubicin" in idle.get("/api/drugs").json()
    carriers = {c["type"]: c for c in idle.get("/api/carriers").json()}
    assert carriers["pegylated_liposome"]["defaults"]["diameter"]["unit"] == "nm"
    ligands = {lg["type"]: lg for lg in idle.get("/api/ligands").json()}
    assert ligands["peptide"]["kd"]["unit"] == "nM" and ligands["peptide"]["density"]["value"] == 200
    designer = idle.get("/").text
    assert 'id="ligand"' in designer and 'id="zeta"' in designer and "not modelled" not in designer
    cat = idle.get("/api/catalogue").json()
    assert any(p["brand"] == "Doxil" for p in cat)
    assert idle.get("/api/catalogue/doxil").json()["brand"] == "Doxil"
    assert idle.get("/api/catalogue/nonesuch").status_code == 422
    spec = idle.get("/openapi.json").json()
    assert {"/api/runs/compare", "/api/runs/population", "/api/datasets", "/api/runs/{run_id}/cancel"} <= set(
        spec["paths"])
    for page in ("/", "/editor", "/release", "/population", "/catalogue", "/runs", "/runs/1"):
        html = idle.get(page).text
        assert '<script src="/static/plotly.min.js">' in html and "https://" not in html
    js = idle.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert idle.get("/static/../db.py").status_code == 404


def test_saved_scenarios(idle: TestClient) -> None:
    r = idle.post("/api/scenarios", json={"yaml": MOUSE})
    assert r.status_code == 201
    got = idle.get(f"/api/scenarios/{r.json()['id']}").json()
    assert got["yaml"] == MOUSE and got["name"] == "PEG liposome mouse"
    assert idle.get("/api/scenarios/999").status_code == 404


def test_serve_rejects_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "nanodds: error: --port: got 70000; allowed: a TCP port from 1 to 65535"
