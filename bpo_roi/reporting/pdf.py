"""``report.pdf``: the executive report printed by a headless Chrome-family browser.

The report's print stylesheet (A4, no chart toolbars, tables that fit, headings kept with what
follows) decides the pages. The browser is the first of ``BPO_ROI_BROWSER``, ``chromium``,
``chromium-browser``, ``google-chrome`` found on the machine; it runs offline with a profile of
its own, and the PDF is written atomically.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["BROWSERS", "NoBrowserError", "find_browser", "print_pdf"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class NoBrowserError(RuntimeError):
    """No Chrome-family browser to print with."""


def find_browser() -> str:
    """Path of the browser that prints PDFs, or :class:`NoBrowserError` saying what to do."""
    given = os.environ.get("BPO_ROI_BROWSER")
    if given:
        found = shutil.which(given)
        if found is None:
            raise NoBrowserError(f"BPO_ROI_BROWSER={given!r} is not an executable browser")
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise NoBrowserError(
        "--pdf needs a Chrome-family browser (chromium, chromium-browser or google-chrome, or "
        "set BPO_ROI_BROWSER); none was found, e.g. apt-get install chromium")


def print_pdf(html: str | os.PathLike[str], target: str | os.PathLike[str],
              browser: str | None = None, timeout: float = 180) -> None:
    """Print ``html`` to ``target`` (PDF) with the headless browser, atomically."""
    from bpo_roi.reporting.files import atomic_path

    browser = browser or find_browser()
    source = Path(html).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="bpo-roi-browser-") as profile, \
            atomic_path(target) as tmp:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-pdf-header-footer", "--virtual-time-budget=8000",
             f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", source],
            check=True, capture_output=True, timeout=timeout)
        if not Path(tmp).stat().st_size:
            raise RuntimeError(f"{browser} wrote an empty PDF for {html}")
