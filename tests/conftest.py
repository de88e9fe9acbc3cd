"""Test-session settings shared by every test (and inherited by the subprocesses tests start)."""

from __future__ import annotations

import os

# A `nanodds simulate` of a saturable scenario started by a test must not launch a detached background build of
# the ahead-of-time BDF kernel (nanodds.solve.bdf_aot): nothing may outlive the test session. Built modules
# are still loaded; tests/solve/test_stiff_aot.py builds its own into a temporary cache.
os.environ.setdefault("NANODDS_AOT", "load")
