"""Alembic environment of the nanodds web database; the connection is passed in by :func:`nanodds.web.db.migrate`."""

from __future__ import annotations

from alembic import context

from nanodds.web.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` on the command line
    from sqlalchemy import create_engine

    from nanodds.web.settings import Settings

    connection = create_engine(Settings.from_env().database_url).connect()
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
