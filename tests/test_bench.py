"""`make bench` keeps working: its quick sections run and print their figures (the figures are
measured, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_sections_run_and_print_figures():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "engine",
                           "diff"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "evaluate default scenario" in proc.stdout and " ms" in proc.stdout
    assert "diff, 10 changed inputs" in proc.stdout
