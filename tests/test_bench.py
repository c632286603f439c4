"""`make bench` keeps working: its quick sections run and print their figures (the figures are
measured, never asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURE = r"([\d,]+\.\d+) (ms|s )"  # the timing column of a bench line


def test_bench_quick_sections_run_and_print_figures():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "engine",
                           "diff"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "evaluate default scenario" in proc.stdout and " ms" in proc.stdout
    assert "diff, 10 changed inputs" in proc.stdout


def _figure(out: str, label: str) -> float:
    """The timing printed on the line that starts with ``label``, which must be positive."""
    found = re.search(rf"^  {re.escape(label)}.*?{FIGURE}", out, re.MULTILINE)
    assert found, f"no line {label!r} in:\n{out}"
    value = float(found.group(1).replace(",", ""))
    assert value > 0, found.group(0)
    return value


@pytest.mark.xdist_group("libreoffice")
def test_bench_workbook_section_prints_writes_formulas_and_the_spreadsheet_monte_carlo():
    """BENCH_QUICK: one write of each book, a few LibreOffice trials. The lines are there and
    their figures are positive numbers; without LibreOffice the section says it skipped."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "workbook"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "BENCH_QUICK": "1"})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for case in ("it_helpdesk 60 mo × 3 offers", "contact_centre 60 mo × 2 offers"):
        _figure(out, f"write_results_xlsx {case}")
        formulas = re.search(rf"write_results_xlsx {case}.*? ([\d,]+) formulas", out)
        assert formulas and int(formulas.group(1).replace(",", "")) > 0
    if "LibreOffice Monte Carlo skipped: " in out:
        return
    _figure(out, "LibreOffice, book reloaded each trial")
    _figure(out, "LibreOffice, one open document")
    _figure(out, "simulate(trials=")
    ratio = re.search(r"spreadsheet / vectorised, per trial: ([\d,]+)×", out)
    assert ratio and int(ratio.group(1).replace(",", "")) > 0
