"""Shared fixtures: the shipped scenarios and a tiny scenario small enough to check by hand.

The tiny scenario (``tiny``), computed on paper in ``tests/test_hand_computed.py``:

* 6,000 transactions a month at 10 minutes = 1,000 work hours; 100 productive hours per FTE
  (no shrinkage, full occupancy) → 10 agents and 1 supervisor (span 10).
* In-house per month: salaries 50,000; benefits 10,000; supervision 7,200; overhead 5,500;
  attrition 110; fixed 1,000; rework 1,800 (60 errors × 0.5 h × 60/h) → 75,610.
* Per-seat offer: 8 seats × 4,000 = 32,000; rework 3,600 (none in month 1, the parallel run);
  governance 5,000; parallel run 75,610 in month 1; search and transition 50,000 in month 0;
  severance 22,000 (11 FTE) in month 1, when the parallel run ends; exit 10,000 in month 12.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bpo_roi.scenario.schema import Scenario

# scripts the tests run with other interpreters (LibreOffice's uno needs the system Python)
collect_ignore_glob = ["helpers/*"]

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "assumptions").glob("*.yaml"))

TINY: dict[str, Any] = {
    "scenario": {"name": "Tiny", "currency": "USD", "start_month": "2027-01",
                 "horizon_months": 12, "discount_rate_annual": 0.0},
    "workload": {"monthly_volume": 6000, "annual_growth": 0.0, "handle_time_minutes": 10},
    "in_house": {
        "paid_hours_per_month": 100, "shrinkage": 0.0, "occupancy": 1.0,
        "salary_annual": 60000, "benefits_rate": 0.2, "overhead_per_seat_monthly": 500,
        "supervisor_salary_annual": 72000, "span_of_control": 10, "attrition_annual": 0.12,
        "cost_per_hire": 1000, "fixed_monthly": 1000, "wage_inflation_annual": 0.0,
        "cost_inflation_annual": 0.0, "error_rate": 0.01, "rework_minutes": 30,
    },
    "offers": [{
        "name": "Seats",
        "pricing": {"model": "per_seat", "rate_per_seat_month": 4000,
                    "productive_hours_per_seat_month": 125, "minimum_seats": 0},
        "quality": {"error_rate": 0.02},
        "governance": {"retained_fte": 1, "cost_per_fte_annual": 60000},
        "transition": {"vendor_selection": 10000, "contracting_legal": 5000,
                       "knowledge_transfer": 20000, "it_integration": 15000,
                       "severance_per_fte": 2000},
        "parallel_run_months": 1,
        "exit_cost": 10000,
    }],
}


def tiny_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of the tiny scenario with ``section__field=value`` style changes applied."""
    data = copy.deepcopy(TINY)
    for key, value in changes.items():
        node: Any = data
        parts = key.split("__")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[parts[-1]] = value
    return data


def tiny(**changes: Any) -> Scenario:
    """The tiny scenario, validated, with changes (see :func:`tiny_dict`)."""
    return Scenario.model_validate(tiny_dict(**changes))


def _notebooks_state() -> tuple[set[str], dict[str, int]]:
    """Every path under ``notebooks/`` and the modification time of each folder there (a
    folder's time changes whenever an entry is created, removed or renamed in it)."""
    folder = ROOT / "notebooks"
    paths = {str(p.relative_to(folder)) for p in folder.rglob("*")}
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    return paths, {str(d): d.stat().st_mtime_ns for d in folders}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keeps ``--dist loadgroup`` grouping by ``xdist_group`` on pytest 9.2.

    pytest-xdist 3.8 groups a test by adding ``@GROUP`` to its node id through the legacy
    ``_nodeid`` attribute, which pytest 9.2 no longer reads (its ids are structured, in
    ``_id``): every grouped test was scheduled on its own, so a module's shared fixture (the
    wheel, a run, a notebook, LibreOffice, a Dask cluster) was set up once per worker, and
    again whenever a worker came back to the module (pytest-xdist issue 1386). Runs after
    xdist's own hook, on the workers only, and changes nothing where the suffix is there
    already (older pytest, or an xdist that sets the structured id itself)."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        structured = getattr(item, "_id", None)
        if groups and structured is not None and not item.nodeid.endswith(suffix):
            item._id = type(structured).parse(item.nodeid + suffix)


@pytest.fixture(scope="session", autouse=True)
def _tests_never_write_into_notebooks() -> Any:
    """Fails the session when a test leaves a file in the shipped ``notebooks/`` folder, or
    created one there and removed it again: tests write into ``tmp_path``."""
    before_paths, before_times = _notebooks_state()
    yield
    after_paths, after_times = _notebooks_state()
    left = sorted(after_paths - before_paths)
    assert not left, f"tests left files in notebooks/: {left}"
    touched = sorted(d for d, t in after_times.items() if before_times.get(d) != t)
    assert not touched, f"tests created or removed files in {touched}"


class LibreOffice:
    """One LibreOffice (``tests/helpers/lo_recalc.py --serve``, run by the system Python that
    has LibreOffice's ``uno``): a job a line in, a result a line out. A job changes the named
    cells of a book in memory, recalculates hard and reads names and ranges; the book on disk
    is never saved."""

    def __init__(self) -> None:
        import subprocess

        self.process = subprocess.Popen(
            ["/usr/bin/python3", str(ROOT / "tests" / "helpers" / "lo_recalc.py"), "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def recalculate(self, job: dict) -> dict:
        import json

        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "LibreOffice stopped"
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def office() -> Any:
    """One LibreOffice for a module's tests (keep them in one xdist group)."""
    lo = LibreOffice()
    yield lo
    lo.close()


@pytest.fixture(params=SHIPPED, ids=[p.stem for p in SHIPPED])
def shipped_path(request: pytest.FixtureRequest) -> Path:
    return request.param


def yaml_text(data: Any) -> str:
    """A scenario dictionary as YAML text (safe dumper)."""
    import io

    from ruamel.yaml import YAML

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


def assert_refused_in_one_line(tmp_path: Path, data: dict[str, Any], where: str,
                               allowed: str) -> None:
    """``bpo-roi evaluate`` on ``data`` exits 2 with one line naming the file (and line),
    ``where`` (the field path) and ``allowed`` (the rule), and writes nothing."""
    import subprocess
    import sys

    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text(data))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "bpo_roi.cli", "evaluate", str(path), "--out",
                        str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{path}:") and where in lines[0] and allowed in lines[0], lines
    assert "Traceback" not in r.stderr
    assert not out.exists()


def monthly_column(ev: Any, column: str, offer: str | None = None) -> Any:
    """One column of an evaluation's monthly table as floats (one offer's rows, or the first
    offer's rows when the scenario has one offer)."""
    m = ev.monthly
    if offer is not None:
        m = m[m.offer == offer]
    return m[column].to_numpy(dtype=float)
