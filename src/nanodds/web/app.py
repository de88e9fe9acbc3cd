"""The FastAPI application factory: database, migrations, job runner, API and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from nanodds.errors import InputError
from nanodds.web.bodycap import BodyCap
from nanodds.web.db import make_engine, migrate, session_factory
from nanodds.web.inputs import BinaryUpload
from nanodds.web.jobs import JobRunner
from nanodds.web.settings import Settings

__all__ = ["create_app"]


def _validation_line(exc: RequestValidationError) -> str:
    """The first pydantic error as one line ``<field>: got <value>; allowed: <message>``."""
    errs = exc.errors()
    if not errs:
        return "request: got an invalid body; allowed: see the OpenAPI schema"
    e = errs[0]
    loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
    value = e.get("input")
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return f"{loc or 'request'}: got {shown[:80]}; allowed: {e.get('msg', 'a valid value')}"


def create_app(settings: Settings | None = None, *, start_runner: bool = True) -> FastAPI:
    """Build the app.

    Parameters
    ----------
    settings : Settings, optional
        Default :meth:`Settings.from_env`.
    start_runner : bool
        Start the job worker threads with the app (on start-up, after crash recovery).
    """
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = session_factory(engine)
    runner = JobRunner(sessions, settings.jobs_dir, settings.workers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start_runner:
            runner.start()
        try:
            yield
        finally:
            runner.stop()
            engine.dispose()

    app = FastAPI(title="nanodds", version="0.1.0", lifespan=lifespan,
                  description="Nanomedicine drug delivery simulator: the library calls of the `nanodds` CLI over "
                              "HTTP. Long computations are background runs with progress and cancellation.")
    app.state.settings, app.state.sessions, app.state.runner = settings, sessions, runner
    lim = settings.limits  # largest legitimate body: an upload, or the arms of a comparison, plus framing
    app.add_middleware(BodyCap, cap=lim.max_upload_bytes + (lim.max_arms + 1) * lim.max_scenario_chars)

    @app.exception_handler(InputError)
    async def _input_error(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc).splitlines()[0]}, status_code=415 if isinstance(exc, BinaryUpload)
                            else 422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_line(exc)}, status_code=422)

    from nanodds.web.api import router
    from nanodds.web.pages import router as pages

    app.include_router(router)
    app.include_router(pages)
    return app


def app_from_env() -> Any:
    """Uvicorn factory (``uvicorn --factory nanodds.web.app:app_from_env``)."""
    return create_app()
