"""The code base stays ruff-clean and keeps its layers (the rules live in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff_check_is_clean():
    proc = subprocess.run([str(BIN / "ruff"), "check", "bpo_roi", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_linter_contracts_are_kept():
    # layers (cli > reporting > analysis > model > scenario | staffing), no plotting or notebook
    # package in the engine, no import cycle between sibling modules
    proc = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout, proc.stdout
