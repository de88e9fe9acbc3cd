"""Property-based API check (schemathesis on the served OpenAPI spec): no request gives a server error (5xx).

Runs stay queued (the runner is not started), so every operation is exercised without computing; the
examples per operation are bounded to keep the test short.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from nanodds.web.app import create_app
from nanodds.web.settings import Settings

#: Examples per API operation (24 operations); enough to reach every validator, short enough for `make test`.
MAX_EXAMPLES = 50


_DATA = Path(tempfile.mkdtemp(prefix="nanodds-schemathesis-"))
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings.from_env(data_dir=_DATA, token=""), start_runner=False))


@pytest.fixture(scope="module", autouse=True)
def _remove_data() -> Iterator[None]:
    yield
    shutil.rmtree(_DATA, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
