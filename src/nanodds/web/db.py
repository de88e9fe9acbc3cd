"""Persistence: scenarios, uploaded data sets and jobs (runs with their inputs and results).

SQLAlchemy 2 models; the schema is created and upgraded by Alembic (``nanodds/web/migrations``) on start-up,
so a SQLite file or a PostgreSQL database (``NANODDS_DATABASE_URL``) both follow the same migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, LargeBinary, String, Text, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

__all__ = ["Base", "Dataset", "Job", "SavedScenario", "make_engine", "migrate", "now"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def now() -> datetime:
    """The current UTC time (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the web models."""


class SavedScenario(Base):
    """A scenario as the user wrote it (YAML text), checked when saved."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    yaml_text: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Dataset(Base):
    """An uploaded data file (release CSV or delivery-prediction CSV), stored as bytes."""

    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Job(Base):
    """A background run: kind, inputs (kept whatever happens), status, progress and result."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def to_dict(self, with_result: bool = True) -> dict[str, Any]:
        """JSON view of the job."""
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "status": self.status, "progress": self.progress,
                             "message": self.message, "inputs": self.inputs, "error": self.error,
                             "created": _iso(self.created), "started": _iso(self.started),
                             "finished": _iso(self.finished)}
        if with_result:
            d["result"] = self.result
        return d


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets a busy timeout and WAL so the job threads and requests share it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded attributes after commit."""
    return sessionmaker(engine, expire_on_commit=False)
