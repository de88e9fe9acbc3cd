"""End to end in headless Chromium (Debian ``chromium`` driven by Playwright; ``make e2e-deps`` installs both):
design a carrier, run a comparison, see the plot. A screenshot is saved as ``out/e2e/compare.png``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from nanodds.web.app import create_app
from nanodds.web.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "out" / "e2e" / "compare.png"
#: Upper bound on any one page wait (ms): a comparison is two simulations plus a worker process start.
WAIT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("NANODDS_DATABASE_URL", raising=False)
    monkeypatch.delenv("NANODDS_TOKEN", raising=False)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings.from_env(data_dir=tmp_path)), host="127.0.0.1",
                                        port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        if not th.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(30)


def test_design_carrier_compare_and_see_plot(server: str) -> None:
    assert CHROMIUM.is_file(), "run `make e2e-deps` (installs Debian chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server + "/", wait_until="networkidle")
            page.select_option("#species", "mouse")
            page.select_option("#material", "pegylated_liposome")
            page.fill("#diameter", "90")
            page.check("#peg")
            page.fill("#zeta", "-20")
            page.select_option("#ligand", "peptide")
            page.select_option("#drug", "doxorubicin")
            page.fill("#dose", "5")
            page.select_option("#dose_unit", "mg/kg")
            page.fill("#tumour", "0.2")
            page.fill("#horizon", "72")
            preview = page.inner_text("#yaml-preview")
            assert "diameter: \"90 nm\"" in preview
            assert "zeta: \"-20 mV\"" in preview and "ligand: \"peptide\"" in preview  # both act in the model
            page.click("#run-compare")
            page.wait_for_url("**/runs/*", timeout=WAIT_MS)
            page.wait_for_selector("#plot0 .main-svg", timeout=WAIT_MS)
            assert page.inner_text("#status") == "done"
            traces = page.evaluate("document.getElementById('plot0').data.map(t => t.name)")
            assert len(traces) == 2 and traces[1] == "conventional drug"
            assert page.locator("#summary table tr").count() > 3
            assert page.get_attribute("#report", "href", timeout=WAIT_MS).endswith("/report.html")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            assert errors == []
        finally:
            browser.close()


def test_editor_shows_the_cli_line(server: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(server + "/editor", wait_until="networkidle")
            page.fill("#scenario", "species: mouse\ndrug: doxorubicin\ncarrier: {type: pegylated_liposome, "
                                   "diameter: -5 nm}\nregimen: [{route: iv_bolus, dose: 5 mg/kg}]\n")
            page.click("#check")
            page.wait_for_selector("#message.error", timeout=WAIT_MS)
            assert page.inner_text("#message") == "carrier.diameter: got '-5 nm'; allowed: a value > 0 nm"
        finally:
            browser.close()
