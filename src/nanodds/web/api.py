"""JSON API: scenarios, carriers, drugs, data sets, catalogue products and runs (background jobs)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from nanodds.errors import InputError, known
from nanodds.io.outputs import to_jsonable
from nanodds.web import schemas as S
from nanodds.web.db import Dataset, Job, SavedScenario
from nanodds.web.inputs import check_count, check_upload, parse_scenario_text, parse_yaml_text

__all__ = ["router"]


def require_token(request: Request) -> None:
    """When the server has a token, every API request must carry ``Authorization: Bearer <token>``."""
    token = request.app.state.settings.token
    if not token:
        return
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HTTPException(401, "authorization: a valid 'Bearer <token>' header is required on this server",
                            headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/api", dependencies=[Depends(require_token)])


def _session(request: Request) -> Any:
    return request.app.state.sessions()


def _limits(request: Request) -> Any:
    return request.app.state.settings.limits


# -- reference data --------------------------------------------------------------------------------------------
@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """Liveness check."""
    return {"status": "ok"}


@router.get("/carriers", tags=["reference"])
def carriers() -> list[dict[str, Any]]:
    """Carrier types with their default properties (value, unit, source)."""
    from nanodds.specs.params import Param, load_yaml

    out = []
    for name, d in sorted(load_yaml("carriers/carriers.yaml").items()):
        props = {k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in d.items()
                 if isinstance(v, Param)}
        out.append({"type": name, "description": d.get("description", ""), "pegylated": d.get("pegylated"),
                    "defaults": props})
    return out


@router.get("/ligands", tags=["reference"])
def ligands() -> list[dict[str, Any]]:
    """Targeting ligand classes a carrier may carry (``carrier.ligand``), with default Kd and density (value, unit,
    source)."""
    from nanodds.model.tumour_delivery import params

    return [{"type": name, **{k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in d.items()}}
            for name, d in sorted(params()["ligands"].items())]


@router.get("/drugs", tags=["reference"])
def drugs() -> list[str]:
    """Drugs with a data file (the payloads a scenario may name)."""
    from nanodds.specs.drug import drug_names

    return drug_names()


@router.get("/catalogue", tags=["catalogue"])
def catalogue() -> list[dict[str, Any]]:
    """Approved nanomedicines (one row per product)."""
    from nanodds.catalog.products import list_products

    return [{"key": p.key, "brand": p.brand, "drugs": [str(a) for a in p.raw["actives"]],
             "carrier": p.carrier_type, "size_nm": p.size_nm, "year": p.first_approval["year"],
             "agency": p.first_approval["agency"], "simulable": p.simulable, "combination": p.is_combination}
            for p in list_products()]


@router.get("/catalogue/{name}", tags=["catalogue"])
def product(name: str) -> dict[str, Any]:
    """Every field of a product with its sources."""
    from nanodds.catalog.products import get_product

    p = get_product(name)

    def plain(node: Any) -> Any:
        if hasattr(node, "value") and hasattr(node, "unit") and hasattr(node, "source"):
            return {"value": node.value, "unit": node.unit, "source": node.source}
        if isinstance(node, dict):
            return {k: plain(v) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v) for v in node]
        return node

    return to_jsonable({"key": p.key, "brand": p.brand, "simulable_blocker": p.blocker(), "fields": plain(p.raw)})


# -- scenarios -------------------------------------------------------------------------------------------------
@router.post("/scenarios/validate", tags=["scenarios"])
def validate_scenario(body: S.ScenarioIn, request: Request) -> dict[str, Any]:
    """Check a scenario as the CLI does: 200 with its name and range warnings, or 422 with the one-line error."""
    _, scn, notes = parse_scenario_text(body.yaml, _limits(request))
    return {"ok": True, "name": scn.name, "species": scn.species, "drug": scn.drug.name,
            "carrier": None if scn.carrier is None else scn.carrier.type, "warnings": notes}


@router.post("/scenarios", tags=["scenarios"], status_code=201)
def save_scenario(body: S.ScenarioIn, request: Request) -> dict[str, Any]:
    """Check and store a scenario."""
    _, scn, notes = parse_scenario_text(body.yaml, _limits(request))
    with _session(request) as s:
        row = SavedScenario(name=body.name or scn.name, yaml_text=body.yaml)
        s.add(row)
        s.commit()
        return {"id": row.id, "name": row.name, "warnings": notes}


@router.get("/scenarios", tags=["scenarios"])
def list_scenarios(request: Request) -> list[dict[str, Any]]:
    """Saved scenarios (newest first)."""
    with _session(request) as s:
        rows = s.scalars(select(SavedScenario).order_by(SavedScenario.id.desc()))
        return [{"id": r.id, "name": r.name, "created": r.created.isoformat()} for r in rows]


@router.get("/scenarios/{scenario_id}", tags=["scenarios"])
def get_scenario(scenario_id: Annotated[int, Path(ge=1, le=S.MAX_ID)], request: Request) -> dict[str, Any]:
    """One saved scenario with its YAML."""
    with _session(request) as s:
        r = s.get(SavedScenario, scenario_id)
        if r is None:
            raise HTTPException(404, f"scenario_id: got {scenario_id}; allowed: a saved scenario's id")
        return {"id": r.id, "name": r.name, "yaml": r.yaml_text, "created": r.created.isoformat()}


# -- data sets -------------------------------------------------------------------------------------------------
@router.post("/datasets", tags=["datasets"], status_code=201)
async def upload_dataset(request: Request, file: Annotated[UploadFile, File()],
                         kind: Annotated[Literal["release", "delivery"], Form()] = "release") -> dict[str, Any]:
    """Upload a CSV (``release`` profiles or ``delivery`` Nano-Tumor DB rows). Too big: 413; binary: 415;
    unreadable or wrong columns: 422."""
    cap = _limits(request).max_upload_bytes
    content = await file.read(cap + 1)
    if len(content) > cap:
        raise HTTPException(413, f"file: got more than {cap} bytes; allowed: at most {cap} bytes on this server")
    name = (file.filename or "upload.csv")[:200]
    summary = check_upload(content, name, kind)
    with _session(request) as s:
        row = Dataset(name=name, kind=kind, content=content, summary=summary)
        s.add(row)
        s.commit()
        return {"id": row.id, "name": row.name, "kind": kind, "summary": summary}


@router.get("/datasets", tags=["datasets"])
def list_datasets(request: Request) -> list[dict[str, Any]]:
    """Uploaded data sets (newest first)."""
    with _session(request) as s:
        rows = s.scalars(select(Dataset).order_by(Dataset.id.desc()))
        return [{"id": r.id, "name": r.name, "kind": r.kind, "summary": r.summary} for r in rows]


def _dataset(request: Request, dataset_id: int, kind: str) -> dict[str, Any]:
    with _session(request) as s:
        r = s.get(Dataset, dataset_id)
        if r is None or r.kind != kind:
            raise InputError("dataset_id", dataset_id, f"the id of an uploaded {kind} data set")
        return dict(r.summary)


# -- runs ------------------------------------------------------------------------------------------------------
def _submit(request: Request, kind: str, inputs: dict[str, Any]) -> dict[str, Any]:
    job = request.app.state.runner.submit(kind, inputs)
    return job.to_dict(with_result=False)


@router.post("/runs/simulate", tags=["runs"], status_code=202)
def run_simulate(body: S.SimulateIn, request: Request) -> dict[str, Any]:
    """Simulate a scenario (background job)."""
    parse_scenario_text(body.scenario, _limits(request))
    return _submit(request, "simulate", body.model_dump())


@router.post("/runs/compare", tags=["runs"], status_code=202)
def run_compare(body: S.CompareIn, request: Request) -> dict[str, Any]:
    """Nano vs conventional (``scenario`` with a carrier, or a catalogue ``product``), or two or more ``arms``."""
    lim = _limits(request)
    given = [k for k in ("scenario", "arms", "product") if getattr(body, k) is not None]
    if len(given) != 1:
        raise InputError("compare", ", ".join(given) or "nothing", "exactly one of scenario, arms or product")
    if body.arms is not None:
        check_count("arms", len(body.arms), 2, lim.max_arms)
        labels = []
        for i, arm in enumerate(body.arms):
            _, scn, _ = parse_scenario_text(arm.scenario, lim, f"arms[{i}].scenario")
            labels.append(arm.label or scn.name)
        if len(set(labels)) != len(labels):
            raise InputError("arms", labels, "one distinct label per arm (set 'label')")
        return _submit(request, "compare", {"arms": [{"scenario": a.scenario, "label": lab}
                                                      for a, lab in zip(body.arms, labels, strict=True)]})
    if body.product is not None:
        from nanodds.catalog.products import get_product

        p = get_product(body.product)
        if p.is_combination:
            raise InputError("product", body.product, "a single-drug product (co-loaded products run with "
                             "`nanodds catalog run` on the command line)")
        if p.blocker() is not None:
            raise InputError("product", body.product, f"a simulable product ({p.brand}: {p.blocker()})")
        return _submit(request, "compare", {"product": p.key})
    from nanodds.analysis.compare import require_carrier

    _, scn, _ = parse_scenario_text(body.scenario or "", lim)
    require_carrier(scn)
    return _submit(request, "compare", {"scenario": body.scenario})


@router.post("/runs/release-fit", tags=["runs"], status_code=202)
def run_release_fit(body: S.ReleaseFitIn, request: Request) -> dict[str, Any]:
    """Fit release models to an uploaded data set and rank them."""
    from nanodds.release.models import parse_model_list

    summary = _dataset(request, body.dataset_id, "release")
    parse_model_list(body.models)
    if body.profile is not None and not known(body.profile, summary["profiles"]):
        raise InputError("profile", body.profile, f"one of {', '.join(summary['profiles'])}")
    return _submit(request, "release_fit", body.model_dump())


@router.post("/runs/release-compare", tags=["runs"], status_code=202)
def run_release_compare(body: S.ReleaseCompareIn, request: Request) -> dict[str, Any]:
    """f1, f2 (and bootstrap f2) of two profiles of an uploaded data set."""
    summary = _dataset(request, body.dataset_id, "release")
    for field in ("reference", "test"):
        if getattr(body, field) not in summary["profiles"]:
            raise InputError(field, getattr(body, field), f"one of {', '.join(summary['profiles'])}")
    check_count("bootstrap", body.bootstrap, 0, _limits(request).max_bootstrap)
    return _submit(request, "release_compare", body.model_dump())


@router.post("/runs/population", tags=["runs"], status_code=202)
def run_population(body: S.PopulationIn, request: Request) -> dict[str, Any]:
    """A virtual population (progress by finished chunks)."""
    lim = _limits(request)
    check_count("n", body.n, 1, lim.max_population)
    parse_scenario_text(body.scenario, lim)
    return _submit(request, "population", body.model_dump())


@router.post("/runs/sensitivity", tags=["runs"], status_code=202)
def run_sensitivity(body: S.SensitivityIn, request: Request) -> dict[str, Any]:
    """Sobol indices of the scenario outcomes."""
    from nanodds.analysis.model_params import parse_param_specs

    lim = _limits(request)
    check_count("n", body.n, 1, lim.max_sobol_n)
    _, scn, _ = parse_scenario_text(body.scenario, lim)
    parse_param_specs(scn, parse_yaml_text(body.params, "params", lim))
    return _submit(request, "sensitivity", body.model_dump())


@router.post("/runs/design", tags=["runs"], status_code=202)
def run_design(body: S.DesignIn, request: Request) -> dict[str, Any]:
    """Pareto-optimal carrier/regimen designs (NSGA-II)."""
    from nanodds.design.space import parse_space
    from nanodds.engine import build

    lim = _limits(request)
    raw, scn, _ = parse_scenario_text(body.scenario, lim)
    parse_space(parse_yaml_text(body.space, "space", lim), scn, raw, build(scn))  # caps evaluations itself
    return _submit(request, "design", body.model_dump())


@router.post("/runs/predict-delivery", tags=["runs"], status_code=202)
def run_predict(body: S.PredictIn, request: Request) -> dict[str, Any]:
    """Learned tumour delivery (DE24, DE168, Demax) of the rows of an uploaded delivery data set."""
    _dataset(request, body.dataset_id, "delivery")
    return _submit(request, "predict_delivery", body.model_dump())


@router.get("/runs", tags=["runs"])
def list_runs(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    """Recent runs without their results (newest first)."""
    with _session(request) as s:
        rows = s.scalars(select(Job).order_by(Job.id.desc()).limit(limit))
        return [r.to_dict(with_result=False) for r in rows]


def _job(request: Request, run_id: int) -> Job:
    with _session(request) as s:
        job = s.get(Job, run_id)
    if job is None:
        raise HTTPException(404, f"run_id: got {run_id}; allowed: the id of a run")
    return job


@router.get("/runs/{run_id}", tags=["runs"])
def get_run(run_id: Annotated[int, Path(ge=1, le=S.MAX_ID)], request: Request) -> dict[str, Any]:
    """A run: status, progress, inputs and (when done) its result."""
    return _job(request, run_id).to_dict()


@router.post("/runs/{run_id}/cancel", tags=["runs"])
def cancel_run(run_id: Annotated[int, Path(ge=1, le=S.MAX_ID)], request: Request) -> dict[str, Any]:
    """Cancel a queued or running run."""
    status = request.app.state.runner.cancel(run_id)
    if status is None:
        raise HTTPException(404, f"run_id: got {run_id}; allowed: the id of a run")
    return {"id": run_id, "status": status}


@router.get("/runs/{run_id}/figures", tags=["runs"])
def run_figures(run_id: Annotated[int, Path(ge=1, le=S.MAX_ID)], request: Request) -> dict[str, Any]:
    """Plotly figures (data + layout) and a metrics table of a finished run, for the run page."""
    from nanodds.analysis.compare import get_path
    from nanodds.web.report import REPORT_ROWS, arm_metrics, figures

    job = _job(request, run_id)
    result = job.result or {}
    metrics = arm_metrics(result) if job.kind in ("simulate", "compare") else {}
    table = [{"metric": lab, "unit": unit, "values": {a: get_path(m, key) for a, m in metrics.items()}}
             for lab, key, unit in REPORT_ROWS] if metrics else []
    return to_jsonable({"figures": figures(job.kind, result) if job.status == "done" else [], "table": table})


@router.get("/runs/{run_id}/report.html", tags=["runs"], response_class=HTMLResponse)
def run_report(run_id: Annotated[int, Path(ge=1, le=S.MAX_ID)], request: Request) -> HTMLResponse:
    """A self-contained HTML report of a finished run (inputs, metrics, interactive plots)."""
    from nanodds.web.report import report_html

    job = _job(request, run_id)
    if job.status != "done":
        raise HTTPException(409, f"run {run_id}: got status {job.status!r}; allowed: a finished (done) run")
    return HTMLResponse(report_html(job.to_dict()),
                        headers={"Content-Disposition": f'attachment; filename="nanodds-run-{run_id}.html"'})
