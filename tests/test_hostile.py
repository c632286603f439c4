"""Hostile inputs, faults and concurrent runs: nothing of the user's is lost, no payload runs,
no nonsense is printed. One test (or a few) per class of issue #15."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from bpo_roi.reporting.files import KIT_MARKER, output_lock, write_kit_marker, written_by_kit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
AP_SLUG = "accounts-payable-invoice-processing"


def bpo_roi(*args: str, cwd: Path | None = None, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd)


def scenario_named(tmp_path: Path, name: str, file: str = "s.yaml") -> Path:
    text = AP.read_text(encoding="utf-8").replace(
        "  name: Accounts payable invoice processing", f"  name: {name}", 1)
    path = tmp_path / file
    path.write_text(text, encoding="utf-8")
    return path


def tiny_notebook(folder: Path, body: str = "x = 1") -> Path:
    """A business-case stand-in: the same parameters, one quick cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("assumptions_path = ''\noverrides = {}\ntrials = 10\n"
                                       "seed = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


# -- 1. data loss ---------------------------------------------------------------------------


def test_run_never_replaces_a_folder_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    user = out / AP_SLUG
    user.mkdir(parents=True)
    (user / "precious.xlsx").write_text("the controller's own workbook")
    proc = bpo_roi("run", str(AP), "--out", str(out), "--quiet")
    assert proc.returncode == 1
    assert "was not written by bpo-roi" in proc.stderr and "Traceback" not in proc.stderr
    assert (user / "precious.xlsx").read_text() == "the controller's own workbook"
    assert sorted(p.name for p in user.iterdir()) == ["precious.xlsx"]
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["status"] == "failed" and "not written by bpo-roi" in row["error"]


def test_out_dot_with_a_scenario_named_like_a_project_folder_deletes_nothing(tmp_path):
    # the reported case: `--out .` and a scenario called "Docs" wiped the user's docs/ folder
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "methodology.md").write_text("years of work")
    (tmp_path / "linked").symlink_to(tmp_path / "docs")
    for name in ("Docs", "Linked"):
        scenario = scenario_named(tmp_path, name, f"{name}.yaml")
        proc = bpo_roi("run", str(scenario), "--out", ".", "--quiet", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "was not written by bpo-roi" in proc.stderr
    assert (tmp_path / "docs" / "methodology.md").read_text() == "years of work"
    assert (tmp_path / "linked").is_symlink()


def test_out_must_be_a_non_empty_path(tmp_path):
    proc = bpo_roi("run", str(AP), "--out", "", "--quiet", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--out" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_summary_the_kit_did_not_write_is_never_overwritten(tmp_path):
    (tmp_path / "summary.csv").write_text("quarter,budget\nQ1,100\n")
    proc = bpo_roi("run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 2
    assert "summary.csv exists and was not written by bpo-roi" in proc.stderr
    assert (tmp_path / "summary.csv").read_text() == "quarter,budget\nQ1,100\n"


def test_marker_tells_the_kits_folders_from_the_users(tmp_path):
    mine, theirs, link = tmp_path / "mine", tmp_path / "theirs", tmp_path / "link"
    mine.mkdir()
    theirs.mkdir()
    write_kit_marker(mine, run_id="r1")
    (theirs / KIT_MARKER).write_text('{"written_by": "someone else"}')
    link.symlink_to(mine)
    assert written_by_kit(mine)
    assert not written_by_kit(theirs) and not written_by_kit(link)
    assert not written_by_kit(tmp_path / "absent")


@pytest.mark.xdist_group("kernels")
def test_a_folder_the_kit_wrote_is_replaced_and_stale_work_is_cleaned(tmp_path):
    from bpo_roi.cli.runner import run_scenarios

    notebook = tiny_notebook(tmp_path)
    out = tmp_path / "out"
    (first,) = run_scenarios([str(AP)], out, notebook=notebook, progress=False)
    assert first.ok, first.error
    folder = out / AP_SLUG
    assert written_by_kit(folder)
    run1 = json.loads((folder / KIT_MARKER).read_text())["run_id"]
    # a dead run's temporary folders: the kit's are removed, a look-alike of the user's is not
    stale = out / f".{AP_SLUG}.partial-0123abcd"
    stale.mkdir()
    write_kit_marker(stale, run_id="dead")
    lookalike = out / ".notes.partial-89abcdef"
    lookalike.mkdir()
    (lookalike / "mine.txt").write_text("user data")
    (second,) = run_scenarios([str(AP)], out, notebook=notebook, progress=False)
    assert second.ok, second.error
    assert json.loads((folder / KIT_MARKER).read_text())["run_id"] != run1
    assert not stale.exists()
    assert (lookalike / "mine.txt").read_text() == "user data"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".bpo-roi.lock", ".notes.partial-89abcdef", AP_SLUG, "summary.csv", "summary.html"])


# -- 7. concurrent runs ---------------------------------------------------------------------


def test_a_second_run_on_the_same_out_fails_at_once_with_one_line(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with output_lock(out):  # a run in progress
        start = time.perf_counter()
        proc = bpo_roi("run", str(AP), "--out", str(out), "--quiet")
        seconds = time.perf_counter() - start
    assert proc.returncode == 2
    assert "another bpo-roi run" in proc.stderr and f"pid {os.getpid()}" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (out / "summary.csv").exists() and not (out / AP_SLUG).exists()
    assert seconds < 60  # it did not wait for a kernel


# -- 6. processes ---------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {c for c, p in parents.items() if p in frontier} - found
        found |= children
        frontier = children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list child processes")
@pytest.mark.xdist_group("kernels")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_and_kernels_do_not_outlive_the_parent(tmp_path, sig):
    notebook = tiny_notebook(tmp_path, "import time\ntime.sleep(120)")
    files = [str(scenario_named(tmp_path, f"Slow {i}", f"s{i}.yaml")) for i in range(2)]
    parent = subprocess.Popen([str(BIN), "run", *files, "--out", str(tmp_path / "out"),
                               "--workers", "2", "--notebook", str(notebook), "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        children: set[int] = set()
        while time.monotonic() < deadline:  # two workers, each with a kernel
            children = _descendants(parent.pid)
            if len(children) >= 4:
                break
            time.sleep(0.5)
        assert len(children) >= 4, "the run did not start its workers and kernels"
        time.sleep(2)
        children = _descendants(parent.pid)
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)
        time.sleep(10)
        survivors = sorted((c, Path(f"/proc/{c}/cmdline").read_bytes()[:120]) for c in children
                           if _alive(c))
        assert survivors == []
        if sig == signal.SIGTERM:
            assert parent.returncode == 128 + signal.SIGTERM
            summary = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
            assert summary.count("interrupted before it finished") == 2
            assert ",ok," not in summary
    finally:
        for c in _descendants(parent.pid) | {parent.pid}:
            try:
                os.kill(c, signal.SIGKILL)
            except ProcessLookupError:
                pass
        parent.wait(timeout=10)
