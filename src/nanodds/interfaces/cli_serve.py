"""``nanodds serve [--host 127.0.0.1] [--port 8000]``: the web app and JSON API (:mod:`nanodds.web`).

Data (SQLite file, job folders) live in ``--data-dir`` (default ``$NANODDS_DATA_DIR`` or the user's data
directory); ``NANODDS_DATABASE_URL`` selects another database (e.g. PostgreSQL). ``--token`` (or
``NANODDS_TOKEN``) requires ``Authorization: Bearer <token>`` on every API request, for shared deployments.
"""

from __future__ import annotations

import argparse

from nanodds.errors import InputError

__all__ = ["cmd_serve", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the ``nanodds`` parser."""
    p = subparsers.add_parser("serve", help="web app and JSON API (background runs, plots, reports)",
                              description="Serve the nanodds web app and API; the OpenAPI spec is at /openapi.json.")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument("--data-dir", default=None, help="folder of the SQLite database and job files "
                                                    "(default: $NANODDS_DATA_DIR or ~/.local/share/nanodds)")
    p.add_argument("--token", default=None, help="require 'Authorization: Bearer TOKEN' on API requests "
                                                 "(default: $NANODDS_TOKEN; none = open, for local use)")
    p.add_argument("--workers", type=int, default=1, help="runs computed at the same time (default 1)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted; returns the exit code."""
    if not 0 < args.port < 65536:
        raise InputError("--port", args.port, "a TCP port from 1 to 65535")
    if not 1 <= args.workers <= 64:
        raise InputError("--workers", args.workers, "an integer from 1 to 64")
    try:
        import uvicorn

        from nanodds.web.app import create_app
        from nanodds.web.settings import Settings
    except ImportError as exc:
        raise InputError("serve", exc.name, "the web extra installed: pip install 'nanodds[web]'") from None
    app = create_app(Settings.from_env(data_dir=args.data_dir, token=args.token, workers=args.workers))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
