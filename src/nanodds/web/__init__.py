"""``nanodds serve``: a web app and JSON API over the same library calls as the command line.

Modules: :mod:`.settings` (database URL, data directory, token, per-request caps), :mod:`.db` (SQLAlchemy models,
Alembic migrations), :mod:`.jobs` (background runner: one process per job, progress, cancellation, crash
recovery), :mod:`.tasks` (the job bodies, calling the library as the CLI does), :mod:`.inputs` (request checks),
:mod:`.api` (JSON routes), :mod:`.pages` (HTML pages) and :mod:`.app` (the application factory).
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # re-export without importing FastAPI at package import
    """See :func:`nanodds.web.app.create_app`."""
    from nanodds.web.app import create_app as _create

    return _create(*args, **kwargs)
