"""Server settings: database URL, data directory, optional token and the per-request caps.

The caps are data (``nanodds/data/web/limits.yaml``, each with unit and source); the database is SQLite in the
user's data directory unless ``NANODDS_DATABASE_URL`` names another (e.g. ``postgresql+psycopg://...``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nanodds.specs.params import load_yaml

__all__ = ["Limits", "Settings", "default_data_dir"]


def default_data_dir() -> Path:
    """``$NANODDS_DATA_DIR``, else ``$XDG_DATA_HOME/nanodds``, else ``~/.local/share/nanodds``."""
    if os.environ.get("NANODDS_DATA_DIR"):
        return Path(os.environ["NANODDS_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nanodds"


@dataclass(frozen=True)
class Limits:
    """Per-request caps (see ``data/web/limits.yaml`` for units and sources)."""

    max_horizon_h: float
    max_points: int
    max_population: int
    max_sobol_n: int
    max_bootstrap: int
    max_upload_bytes: int
    max_scenario_chars: int
    max_arms: int

    @classmethod
    def from_data(cls) -> Limits:
        """The packaged caps."""
        d = load_yaml("web/limits.yaml")
        return cls(max_horizon_h=d["max_horizon"].to("h"), max_points=int(d["max_points"].value),
                   max_population=int(d["max_population"].value), max_sobol_n=int(d["max_sobol_n"].value),
                   max_bootstrap=int(d["max_bootstrap"].value), max_upload_bytes=int(d["max_upload"].value),
                   max_scenario_chars=int(d["max_scenario_text"].value), max_arms=int(d["max_arms"].value))


@dataclass(frozen=True)
class Settings:
    """Everything :func:`nanodds.web.app.create_app` needs.

    Attributes
    ----------
    data_dir : Path
        Where the SQLite file and the job folders live.
    database_url : str
        SQLAlchemy URL; default ``sqlite:///<data_dir>/nanodds.sqlite3``.
    token : str or None
        When set, every ``/api`` request needs ``Authorization: Bearer <token>``.
    workers : int
        Jobs run at the same time (each in its own process).
    limits : Limits
        Per-request caps.
    """

    data_dir: Path
    database_url: str
    token: str | None = None
    workers: int = 1
    limits: Limits = field(default_factory=Limits.from_data)

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, token: str | None = None, workers: int = 1,
                 limits: Limits | None = None) -> Settings:
        """Settings from arguments, falling back to ``NANODDS_DATA_DIR``, ``NANODDS_DATABASE_URL`` and
        ``NANODDS_TOKEN``."""
        ddir = Path(data_dir) if data_dir is not None else default_data_dir()
        url = os.environ.get("NANODDS_DATABASE_URL") or f"sqlite:///{ddir / 'nanodds.sqlite3'}"
        tok = token if token is not None else (os.environ.get("NANODDS_TOKEN") or None)
        return cls(data_dir=ddir, database_url=url, token=tok, workers=workers,
                   limits=limits or Limits.from_data())

    @property
    def jobs_dir(self) -> Path:
        """Folder of the per-job working directories."""
        return self.data_dir / "jobs"
