"""Output folders stay the user's (issue 29): a folder belongs to one scenario file, a rerun
keeps what the user added, locks are never written through a link and never left behind,
files that are not regular files are refused before they are opened, a damaged folder never
breaks later runs, and a command's files are written all or nothing."""

from __future__ import annotations

import csv
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpo_roi.reporting.files import KIT_MARKER, LOCK_NAME, output_lock

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
AP_SLUG = "accounts-payable-invoice-processing"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"


def bpo_roi(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=timeout)


def tiny_notebook(folder: Path) -> Path:
    """A business-case stand-in: the same parameters, one quick cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("assumptions_path = ''\noverrides = {}\ntrials = 10\n"
                                       "seed = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def copy_of_ap(folder: Path, file: str) -> Path:
    """The AP scenario under another file name, the scenario's name unchanged."""
    path = folder / file
    path.write_text(AP.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1 and "Traceback" not in text


# -- 1. a folder belongs to one scenario file ----------------------------------------------


def test_a_folder_written_for_one_file_is_never_replaced_by_a_run_of_another(tmp_path):
    from bpo_roi.cli.runner import run_scenarios

    notebook = tiny_notebook(tmp_path)
    payroll, v2 = copy_of_ap(tmp_path, "payroll.yaml"), copy_of_ap(tmp_path, "payroll_v2.yaml")
    out = tmp_path / "out"
    (first,) = run_scenarios([str(payroll)], out, notebook=notebook, progress=False)
    assert first.ok, first.error
    folder = out / AP_SLUG
    before = (folder / "metrics.json").read_bytes()
    # v2 alone: refused in one line naming both files; payroll's folder untouched
    (alone,) = run_scenarios([str(v2)], out, notebook=notebook, progress=False)
    assert not alone.ok
    assert str(v2) in alone.error and str(payroll) in alone.error and "\n" not in alone.error
    assert (folder / "metrics.json").read_bytes() == before
    assert json.loads((folder / KIT_MARKER).read_text())["file"] == str(payroll)
    # both together, in either order: payroll keeps its folder, v2 never lands elsewhere
    for order in ([v2, payroll], [payroll, v2]):
        from bpo_roi.cli.tasks import Task, plan

        entries = plan([str(f) for f in order], {}, out)
        by_file = {e.file: e for e in entries}
        assert isinstance(by_file[str(payroll)], Task)
        assert not isinstance(by_file[str(v2)], Task) and str(payroll) in by_file[str(v2)].error
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        AP_SLUG, "summary.csv", "summary.html"]
    # no folder yet: both files of one run that would share it are refused, whatever the order
    fresh = tmp_path / "fresh"
    for order in ([v2, payroll], [payroll, v2]):
        entries = plan([str(f) for f in order], {}, fresh)
        assert all(not isinstance(e, Task) for e in entries)
        assert all(str(payroll) in e.error and str(v2) in e.error for e in entries)


# -- 2. a rerun keeps the user's files; locks ----------------------------------------------


def test_a_rerun_carries_over_a_file_the_user_saved_in_the_folder(tmp_path):
    from bpo_roi.cli.runner import run_scenarios

    notebook = tiny_notebook(tmp_path)
    out = tmp_path / "out"
    (first,) = run_scenarios([str(AP)], out, notebook=notebook, progress=False)
    assert first.ok, first.error
    folder = out / AP_SLUG
    (folder / "my_comments_for_cfo.txt").write_text("ask about the ramp")
    (folder / "drafts").mkdir()
    (folder / "drafts" / "v1.md").write_text("draft")
    run1 = json.loads((folder / KIT_MARKER).read_text())["run_id"]
    (second,) = run_scenarios([str(AP)], out, notebook=notebook, progress=False)
    assert second.ok, second.error
    assert json.loads((folder / KIT_MARKER).read_text())["run_id"] != run1  # a new folder
    assert (folder / "my_comments_for_cfo.txt").read_text() == "ask about the ramp"
    assert (folder / "drafts" / "v1.md").read_text() == "draft"
    assert not [p for p in out.iterdir() if ".old-" in p.name or ".partial-" in p.name]


def test_a_lock_that_is_a_link_or_a_fifo_is_refused_and_nothing_outside_is_written(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(outside)
    with pytest.raises(RuntimeError, match="symbolic link"), output_lock(out):  # refused
        pass
    assert outside.read_text() == "not yours" and (out / LOCK_NAME).is_symlink()
    (out / LOCK_NAME).unlink()
    os.mkfifo(out / LOCK_NAME)
    proc = bpo_roi("sweep", str(AP), "--out", str(out), "--quiet", "--workers", "1")
    assert proc.returncode == 2 and one_line(proc.stderr) and "FIFO" in proc.stderr


def test_the_stale_lock_of_a_dead_run_is_cleaned(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    (tmp_path / LOCK_NAME).write_text(f"pid {dead.stdout.strip()}")  # its process is gone
    with output_lock(tmp_path) as lock:
        assert lock.read_text() == f"pid {os.getpid()}"
    assert not (tmp_path / LOCK_NAME).exists()


# -- 3. files that are not regular files: refused before they are opened --------------------


@pytest.mark.parametrize("fifo, command", [
    ("out/summary.csv", ["run", str(AP), "--out", "{out}", "--quiet"]),
    ("out/monthly.csv", ["evaluate", str(AP), "--out", "{out}"]),
    ("out/sweep.csv", ["sweep", str(AP), "--out", "{out}", "--quiet", "--workers", "1"]),
    ("out/" + LOCK_NAME, ["run", str(AP), "--out", "{out}", "--quiet"]),
    ("scenario.yaml", ["evaluate", "{tmp}/scenario.yaml"]),
    ("scenario.yaml", ["validate", "{tmp}/scenario.yaml"]),
    ("scenario.yaml", ["sweep", "{tmp}/scenario.yaml", "--out", "{out}", "--quiet"]),
])
def test_a_fifo_is_refused_at_once_in_one_line_with_exit_2(tmp_path, fifo, command):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(tmp_path / fifo)
    args = [a.format(out=out, tmp=tmp_path) for a in command]
    proc = bpo_roi(*args, timeout=45)  # before the fix: blocked on the FIFO until killed
    assert proc.returncode == 2, proc.stderr
    assert one_line(proc.stderr) and "FIFO" in proc.stderr


# -- 4. a damaged output folder never breaks later runs ------------------------------------


def test_damaged_kit_folders_are_one_row_each_and_the_run_goes_on(tmp_path):
    from bpo_roi.cli.runner import run_scenarios
    from bpo_roi.reporting.files import write_kit_marker

    out = tmp_path / "out"
    good = json.loads(bpo_roi_evaluate_metrics(tmp_path))
    damaged = {"no-offers": json.dumps({**good, "offers": []}),
               "no-scenario": json.dumps({k: v for k, v in good.items() if k != "scenario"}),
               "nested": '{"x":' * 100_000 + "0" + "}" * 100_000}
    for name, text in damaged.items():
        (out / name).mkdir(parents=True)
        write_kit_marker(out / name, run_id="old")
        (out / name / "metrics.json").write_text(text)
    (out / "fine").mkdir()
    write_kit_marker(out / "fine", run_id="old")
    (out / "fine" / "metrics.json").write_text(json.dumps(good))
    (result,) = run_scenarios([str(tmp_path / "missing.yaml")], out, progress=False)
    assert not result.ok  # the run's own failure, reported as before
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    damaged_rows = [r for r in rows if r["scenario"] in damaged]
    assert sorted(r["scenario"] for r in damaged_rows) == sorted(damaged)
    assert all(r["status"] == "failed" and "metrics.json: damaged" in r["error"]
               and "\n" not in r["error"] for r in damaged_rows)
    assert {r["report"] for r in rows if r["status"] == "ok"} == {"fine/report.html"}


def bpo_roi_evaluate_metrics(tmp_path: Path) -> str:
    proc = bpo_roi("evaluate", str(AP), "--out", str(tmp_path / "eval"))
    assert proc.returncode == 0, proc.stderr
    return (tmp_path / "eval" / "metrics.json").read_text()


# -- 5. a read-only --out is bad input; several files are written all or nothing ------------


def test_sweep_on_a_folder_that_cannot_be_written_is_exit_2_in_one_line(tmp_path, monkeypatch,
                                                                        capsys):
    from bpo_roi.cli.commands import main

    out = tmp_path / "out"
    out.mkdir()
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):  # a read-only file system under out
        if Path(path).parent == out and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    code = main(["sweep", str(AP), "--out", str(out), "--quiet", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert one_line(err) and "cannot be written" in err
    assert list(out.iterdir()) == []


def test_diff_on_a_full_disk_writes_neither_file(tmp_path, monkeypatch, capsys):
    import bpo_roi.reporting.bridge as bridge
    from bpo_roi.cli.commands import main

    new = tmp_path / "new.yaml"
    new.write_text(HD.read_text(encoding="utf-8").replace("monthly_volume: ", "monthly_volume: 1",
                                                          1), encoding="utf-8")
    out = tmp_path / "out"
    real = bridge.write_bridge_html

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(bridge, "write_bridge_html", disk_full)
    code = main(["diff", str(HD), str(new), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and one_line(err) and "No space left" in err
    assert list(out.iterdir()) == []  # no diff.csv without its bridge.html, no temporary folder
    monkeypatch.setattr(bridge, "write_bridge_html", real)
    assert main(["diff", str(HD), str(new), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["bridge.html", "diff.csv"]


@pytest.mark.parametrize("second_existed", [True, False], ids=["both_old", "second_new"])
def test_a_failed_rename_puts_back_the_files_already_renamed(tmp_path, monkeypatch,
                                                             second_existed):
    import bpo_roi.reporting.files as files

    (tmp_path / "a.csv").write_text("old a\n")
    if second_existed:
        (tmp_path / "b.html").write_text("old b\n")
    real = os.replace
    calls = []

    def second_fails(src, dst, *args, **kwargs):  # the second rename into the folder fails
        if Path(dst).parent == tmp_path:
            calls.append((Path(src).name, Path(dst).name))
            if len(calls) == 2:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", second_fails)
    with pytest.raises(OSError, match="Input/output error"):
        files.write_together(tmp_path, {"a.csv": lambda p: p.write_text("new a\n"),
                                        "b.html": lambda p: p.write_text("new b\n")})
    assert calls[:2] == [("a.csv", "a.csv"), ("b.html", "b.html")]  # a.csv was replaced
    assert (tmp_path / "a.csv").read_text() == "old a\n"  # ... and put back
    if second_existed:
        assert (tmp_path / "b.html").read_text() == "old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["a.csv", "b.html"] if second_existed else ["a.csv"])  # no temporary folder left
    monkeypatch.setattr(files.os, "replace", real)
    files.write_together(tmp_path, {"a.csv": lambda p: p.write_text("new a\n"),
                                    "b.html": lambda p: p.write_text("new b\n")})
    assert [(tmp_path / n).read_text() for n in ("a.csv", "b.html")] == ["new a\n", "new b\n"]


def test_a_failed_rename_removes_a_file_that_was_not_there_before(tmp_path, monkeypatch):
    import bpo_roi.reporting.files as files

    (tmp_path / "b.html").write_text("old b\n")
    real = os.replace
    calls = []

    def second_fails(src, dst, *args, **kwargs):
        if Path(dst).parent == tmp_path:
            calls.append(Path(dst).name)
            if len(calls) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", second_fails)
    with pytest.raises(OSError):
        files.write_together(tmp_path, {"a.csv": lambda p: p.write_text("new a\n"),
                                        "b.html": lambda p: p.write_text("new b\n")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.html"]
    assert (tmp_path / "b.html").read_text() == "old b\n"
