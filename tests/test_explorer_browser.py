"""The explorer as a person uses it: a real JupyterLab server, headless Chromium driven by
Playwright (the system browser; none is downloaded), Run All, move a slider, see the charts and
the tiles change, and no error in the browser console."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
pytestmark = [
    pytest.mark.skipif(BROWSER is None, reason="needs a Chrome-family browser (chromium)"),
]
TOKEN = "bpo-roi-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "assumptions", root / "assumptions")
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "explorer.ipynb", root / "notebooks")
    # Settings of this server's own: fetchNews "false" stops the "notified about official
    # Jupyter news?" pop-up, which otherwise covers the chart in the screenshots.
    settings = tmp_path_factory.mktemp("lab-settings")
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("lab-workspaces")))
    port = _free_port()
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
            "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
            "--LabApp.news_url=None"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start")
    yield url
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


PLOT_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(p => (p.data || []).map(t => Array.from(t.y || [])))"""


def plots_unchanged(page) -> bool:
    return page.evaluate(f"() => JSON.stringify(({PLOT_DATA})()) === window.__before")


def test_explorer_runs_in_jupyterlab_and_a_slider_moves_the_charts(lab, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking",
                                          "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{lab}/lab/tree/notebooks/explorer.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook", timeout=90_000)
        # Run All is disabled until the kernel is up: wait for the status bar to say Idle
        page.wait_for_selector(".jp-StatusBar-Widget >> text=Idle", timeout=120_000)
        for attempt in range(3):
            page.click("text=Run", timeout=30_000)  # the menu
            page.click("text=Run All Cells", timeout=30_000)
            try:
                page.wait_for_selector(".widget-slider", timeout=60_000)
                break
            except playwright.TimeoutError:
                if attempt == 2:
                    page.screenshot(path=str(tmp_path / "explorer-timeout.png"))
                    raise
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3"
                               " && Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".every(p => p.data && p.data.length > 0)", timeout=120_000)
        before = page.evaluate(PLOT_DATA)
        page.evaluate(f"() => {{ window.__before = JSON.stringify(({PLOT_DATA})()); }}")
        tiles_before = page.inner_text(".bpo-tiles")
        assert page.get_by_text("official Jupyter news").count() == 0  # no pop-up over charts
        page.screenshot(path=str(tmp_path / "explorer-before.png"))
        box = page.locator(".widget-text input").first  # monthly volume, beside its slider
        shown = box.input_value()
        # a value below the slider's range is refused where the user sees it, not clamped
        box.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("1")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=is outside this slider's range", timeout=60_000)
        assert box.input_value() == shown
        assert plots_unchanged(page)
        box.click()
        page.keyboard.press("Control+A")
        volume = float(shown.replace(",", "")) * 1.8
        page.keyboard.type(f"{volume:.0f}")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => JSON.stringify(({PLOT_DATA})()) !== window.__before",
                               timeout=60_000)
        after = page.evaluate(PLOT_DATA)
        page.wait_for_function("t => document.querySelector('.bpo-tiles').innerText !== t",
                               arg=tiles_before, timeout=60_000)
        tiles_after = page.inner_text(".bpo-tiles")
        page.screenshot(path=str(tmp_path / "explorer-after.png"))
        browser.close()
    if os.environ.get("BPO_ROI_SCREENSHOTS"):  # refresh the README's picture
        shutil.copy(tmp_path / "explorer-after.png",
                    Path(os.environ["BPO_ROI_SCREENSHOTS"]) / "explorer.png")
    assert after != before and tiles_after != tiles_before
    # the in-house cost line of the monthly chart scales with the volume
    assert max(after[0][0]) > max(before[0][0])
    serious = [e for e in errors if "favicon" not in e and "Failed to load resource" not in e]
    assert serious == [], serious
