"""The report on paper: a print stylesheet, and `bpo-roi run --pdf` printing it with a headless
Chrome-family browser (at most 8 A4 pages for the shipped contact centre, no section heading
at a page foot, no chart toolbar, the whole hidden-costs legend)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
CC = ROOT / "assumptions" / "contact_centre.yaml"
BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)


def test_without_a_browser_pdf_fails_in_one_line_before_any_work(tmp_path):
    env = dict(os.environ, BPO_ROI_BROWSER=str(tmp_path / "no-such-browser"))
    proc = subprocess.run([str(BIN), "run", str(CC), "--out", str(tmp_path / "out"), "--pdf",
                           "--quiet"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "BPO_ROI_BROWSER" in line and "not an executable browser" in line
    assert not (tmp_path / "out").exists()


def test_with_no_browser_on_the_path_pdf_fails_in_one_line_before_any_work(tmp_path):
    empty = tmp_path / "bin"  # a PATH with no chromium, chromium-browser nor google-chrome
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "BPO_ROI_BROWSER"}
    env["PATH"] = str(empty)
    proc = subprocess.run([str(BIN), "run", str(CC), "--out", str(tmp_path / "out"), "--pdf",
                           "--quiet"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "--pdf needs a Chrome-family browser" in line and "BPO_ROI_BROWSER" in line
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_the_report_template_has_a_print_stylesheet():
    template = (ROOT / "templates" / "report" / "index.html.j2").read_text(encoding="utf-8")
    assert "@media print" in template and "@page" in template
    assert ".modebar" in template and "break-inside: avoid" in template


@pytest.mark.skipif(BROWSER is None or shutil.which("pdftotext") is None,
                    reason="needs a Chrome-family browser and poppler-utils (pdftotext)")
def test_pdf_of_the_contact_centre_reads_right_and_fits_eight_pages(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([str(BIN), "run", str(CC), "--out", str(out), "--pdf", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    pdf = out / "customer-service-contact-centre" / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    assert 1 <= pages <= 8, pages
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "Customer service contact centre" in text
    assert "Outsource to Nearshore per seat" in text and "Read this first" in text
    assert "Zoom in" not in text and "Download plot as a png" not in text  # no toolbars
    assert "In-house cost" in text  # the hidden-costs legend's last entry, once scrolled away
    assert "What moves the NPV of" in text  # the tornado is in
    # no section heading at a page foot: on its page, each heading has its intro and then
    # content below it (the appendix heading used to end a page with one line after it)
    html = (pdf.parent / "report.html").read_text(encoding="utf-8")
    headings = {re.sub(r"<[^>]+>|¶", "", h).strip()
                for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)}
    assert {"Executive summary", "Risk and sensitivity", "Assumptions appendix"} <= headings
    for number, page in enumerate(text.split("\f"), 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        for i, line in enumerate(lines):
            if line in headings:
                assert len(lines) - i - 1 >= 4, f"{line!r} at the foot of page {number}"
