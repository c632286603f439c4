"""The report on paper: a print stylesheet, and `bpo-roi run --pdf` printing it with a headless
Chrome-family browser (fewer than 9 A4 pages for the shipped contact centre)."""

from __future__ import annotations

import os
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


def test_the_report_template_has_a_print_stylesheet():
    template = (ROOT / "templates" / "report" / "index.html.j2").read_text(encoding="utf-8")
    assert "@media print" in template and "@page" in template
    assert ".modebar" in template and "break-inside: avoid" in template


@pytest.mark.skipif(BROWSER is None or shutil.which("pdftotext") is None,
                    reason="needs a Chrome-family browser and poppler-utils (pdftotext)")
@pytest.mark.xdist_group("kernels")
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
