"""`bpo-roi sweep` on this machine: the table equals `evaluate` for every variant, a failing
variant is a row, bad input is one line and exit 2 before any work, text is inert in CSV.

The cluster runs of the same sweep are in test_cluster.py.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bpo_roi import evaluate, load_scenario, simulate
from bpo_roi.analysis.advice import advise
from bpo_roi.analysis.business_case import METRIC_KEYS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"
CC = ROOT / "assumptions" / "contact_centre.yaml"


def sweep(*args: str, env: dict[str, str] | None = None, timeout: float = 300
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), "sweep", *args, "--quiet"], capture_output=True,
                          text=True, timeout=timeout, env=env)


def same(a: Any, b: Any) -> bool:
    """Exact equality, with every kind of missing (None, NaN, <NA>) equal to every other."""
    missing = [x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
               for x in (a, b)]
    if any(missing):
        return all(missing)
    return a == b


def expected_document(file: Path, overrides: dict[str, Any], *, trials: int | None = None,
                      seed: int | None = None, breakeven: bool = False) -> dict[str, Any]:
    """What `bpo-roi evaluate` (and a run's metrics.json) says for the variant, computed here."""
    s = load_scenario(file).with_overrides(overrides)
    ev = evaluate(s, breakeven=breakeven)
    sim = simulate(s, trials=trials, seed=seed) if trials else None
    return ev.to_metrics_dict(advise(ev, sim))


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    proc = sweep(str(AP), str(HD), "--grid", "workload.monthly_volume=9000,12000,30000",
                 "--grid", "offers[1].pricing.rate=2.5,3", "--out", str(out), "--workers", "2")
    return proc, out


@pytest.mark.xdist_group("sweep")  # one grid_sweep for both
def test_sweep_rows_equal_evaluate_for_every_variant_exactly(grid_sweep):
    proc, out = grid_sweep
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(out / "sweep.parquet")
    volumes, rates = (9000, 12000, 30000), (2.5, 3)
    checked = 0
    for file in (AP, HD):
        names = [o.name for o in load_scenario(file).offers]
        for k, (volume, rate) in enumerate((v, r) for v in volumes for r in rates):
            # offers[1] counts from 1: the first offer, offers.0 in with_overrides' terms
            doc = expected_document(file, {"workload.monthly_volume": volume,
                                           "offers.0.pricing.rate": rate})
            rows = table[(table.file == str(file)) & (table.variant == k)]
            assert list(rows.offer) == names
            assert set(rows["workload.monthly_volume"]) == {volume}
            assert set(rows["offers[1].pricing.rate"]) == {rate}
            for _, row in rows.iterrows():
                metrics = doc["offers"][row.offer]
                for key in METRIC_KEYS:
                    if key == "breakeven_monthly_volume":  # not solved unless --breakeven
                        assert same(row[key], None)
                        continue
                    assert same(row[key], metrics[key]), (file.name, k, row.offer, key)
                assert row.recommendation == doc["recommendation"]
                assert row.currency == doc["currency"]
                assert row["flags"] == " | ".join(doc["recommendation_flags"])
                assert same(row.error, None)
                checked += 1
    assert checked == len(table) == 6 * (len(load_scenario(AP).offers)
                                         + len(load_scenario(HD).offers))
    assert "12 variants" not in proc.stdout and "2 files × 6 variants" in proc.stdout


@pytest.mark.xdist_group("sweep")  # one grid_sweep for both
def test_csv_holds_the_same_numbers_as_parquet(grid_sweep):
    _, out = grid_sweep
    parquet = pd.read_parquet(out / "sweep.parquet")
    csv = pd.read_csv(out / "sweep.csv")
    assert list(csv.columns) == list(parquet.columns)
    assert list(csv.columns[:5]) == ["scenario", "file", "variant", "workload.monthly_volume",
                                     "offers[1].pricing.rate"]
    for column in ("npv", "roi", "pv_in_house", "mirr_annual", "total_outsourced"):
        assert all(same(a, b) for a, b in zip(csv[column], parquet[column], strict=True))
    assert not list(out.glob(".*.tmp"))  # atomic: no temporary file left


def test_trials_add_risk_figures_equal_to_the_monte_carlo(tmp_path):
    proc = sweep(str(HD), "--grid", "workload.monthly_volume=9000,14000", "--trials", "300",
                 "--seed", "7", "--out", str(tmp_path), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    for k, volume in enumerate((9000, 14000)):
        doc = expected_document(HD, {"workload.monthly_volume": volume}, trials=300, seed=7)
        risk = doc["risk"]["offers"]
        for _, row in table[table.variant == k].iterrows():
            for key in ("p_best", "p_npv_positive", "npv_p5", "npv_p50", "npv_p95"):
                assert row[key] == risk[row.offer][key]
            assert row.p_best_stay_in_house == doc["risk"]["p_best_stay_in_house"]
            assert row.npv == doc["offers"][row.offer]["npv"]
            assert row["flags"] == " | ".join(doc["recommendation_flags"])


def test_breakeven_only_when_asked(tmp_path):
    proc = sweep(str(AP), "--grid", "workload.monthly_volume=20000", "--breakeven",
                 "--out", str(tmp_path), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    doc = expected_document(AP, {"workload.monthly_volume": 20000}, breakeven=True)
    for _, row in table.iterrows():
        expected = doc["offers"][row.offer]["breakeven_monthly_volume"]
        assert same(row.breakeven_monthly_volume, expected)
    assert table.breakeven_monthly_volume.notna().any()


def test_a_failing_variant_is_a_row_with_its_error_and_the_others_run(tmp_path):
    # each value is valid with some partner: 12 h × 30 min and 6 h × 15 min give the 24
    # intervals of the intraday profile; the other two combinations break that rule
    proc = sweep(str(CC), "--grid", "workload.queue.hours_open_per_day=12,6",
                 "--grid", "workload.queue.interval_minutes=30,15", "--out", str(tmp_path),
                 "--workers", "1")
    assert proc.returncode == 1  # like `run`: non-zero when anything failed, table written
    assert "2 of 4 variants failed" in proc.stderr
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    failed = table[table.error.notna()]
    assert sorted(failed.variant) == [1, 2] and failed.offer.isna().all()
    assert all(e.startswith("workload.queue.intraday_profile: must have one weight per "
                            "interval") for e in failed.error)
    ok = table[table.error.isna()]
    assert sorted(set(ok.variant)) == [0, 3] and len(ok) == 4
    doc = expected_document(CC, {"workload.queue.hours_open_per_day": 6,
                                 "workload.queue.interval_minutes": 15})
    for _, row in ok[ok.variant == 3].iterrows():
        assert row.npv == doc["offers"][row.offer]["npv"]


@pytest.mark.parametrize(("args", "words"), [
    (["--grid", "workload.monthly_volume"], "expected PATH=V1,V2"),
    (["--grid", "workload.monthly_volume=1,,2"], "an empty value"),
    (["--grid", "=5"], "expected PATH=V1,V2"),
    (["--grid", "workload.monthly_volume=1", "--grid", "workload.monthly_volume=2"],
     "given twice"),
    (["--grid", "workload.monthly_volme=1"], "unknown path"),
    (["--grid", "offers[7].pricing.rate=1"], "offers are numbered 1 to 3"),
    (["--grid", "offers[Nobody].pricing.rate=1"], "no offer is named 'Nobody'"),
    (["--grid", "workload.monthly_volume=-5"], "got -5; must be"),
    (["--grid", "workload.monthly_volume=lots"], "got 'lots'"),
    (["--grid", "in_house.shrinkage=0.2,3"], "in_house.shrinkage=3"),
    (["--trials", "0"], "--trials"),
    (["--seed", "-1", "--trials", "5"], "--seed"),
    (["--workers", "0"], "--workers"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, words):
    out = tmp_path / "o"
    proc = sweep(str(HD), *args, "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert words in line and "Traceback" not in proc.stderr
    assert not out.exists()


def test_an_invalid_scenario_file_is_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(AP.read_text().replace("  shrinkage: 0.18", "  shrinkage: 3"))
    proc = sweep(str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "shrinkage" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_user_text_is_inert_in_csv_and_plain_in_parquet(tmp_path):
    text = HD.read_text().replace("  - name: Offshore dedicated seats",
                                  """  - name: '=HYPERLINK("http://evil.example","x")'""")
    text = text.replace("  name: IT service desk", "  name: '@SUM(1+1)'")
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    proc = sweep(str(path), "--out", str(tmp_path / "o"), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    csv = (tmp_path / "o" / "sweep.csv").read_text()
    assert "'=HYPERLINK" in csv and "'@SUM(1+1)" in csv
    assert ",=HYPERLINK" not in csv and ",@SUM" not in csv
    table = pd.read_parquet(tmp_path / "o" / "sweep.parquet")
    assert '=HYPERLINK("http://evil.example","x")' in set(table.offer)


def test_files_the_kit_did_not_write_are_never_replaced(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "sweep.csv").write_text("my,own,data\n")
    proc = sweep(str(AP), "--out", str(out))
    assert proc.returncode == 2 and "was not written by bpo-roi" in proc.stderr
    assert (out / "sweep.csv").read_text() == "my,own,data\n"
    assert not (out / "sweep.parquet").exists()
    (out / "sweep.csv").unlink()
    assert sweep(str(AP), "--out", str(out), "--workers", "1").returncode == 0
    assert sweep(str(AP), "--out", str(out), "--workers", "1").returncode == 0  # ours: replaced


def test_an_unreachable_scheduler_is_one_line_exit_2_before_any_work(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(BIN), *args, "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for args in (["sweep", str(AP), "--out", str(tmp_path / "s"), "--scheduler",
                           address],
                          ["run", str(AP), "--out", str(tmp_path / "r"), "--scheduler",
                           address])]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, err
        (line,) = err.strip().splitlines()
        assert line.startswith(f"--scheduler {address}: cannot reach the Dask scheduler")
    assert not (tmp_path / "s" / "sweep.csv").exists()
    assert not list((tmp_path / "r").glob("*/report.html")) if (tmp_path / "r").exists() \
        else True


def test_the_environment_names_the_scheduler(tmp_path):
    import os

    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": "tcp://127.0.0.1:9"}
    proc = sweep(str(AP), "--out", str(tmp_path), env=env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("--scheduler tcp://127.0.0.1:9: cannot reach")


def test_without_the_dask_extra_the_error_says_how_to_install_it(monkeypatch):
    from bpo_roi.cli.executors import ExecutorUnavailable, open_pool

    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    with pytest.raises(ExecutorUnavailable) as info:
        open_pool(2, "tcp://127.0.0.1:8786")
    assert "pip install 'bpo-roi[dask]'" in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_a_parquet_file_the_kit_did_not_write_is_never_replaced(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "o"
    out.mkdir()
    pq.write_table(pa.table({"mine": [1, 2]}), out / "sweep.parquet")  # a real Parquet file
    before = (out / "sweep.parquet").read_bytes()
    proc = sweep(str(AP), "--out", str(out))
    assert proc.returncode == 2 and "sweep.parquet exists and was not written" in proc.stderr
    assert (out / "sweep.parquet").read_bytes() == before


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list child processes")
def test_sigterm_stops_the_workers_and_writes_nothing(tmp_path):
    import signal
    import time

    volumes = ",".join(str(5000 + k) for k in range(3000))  # far longer than the test waits
    proc = subprocess.Popen([str(BIN), "sweep", str(AP), str(HD), "--grid",
                             f"workload.monthly_volume={volumes}", "--out", str(tmp_path),
                             "--workers", "2", "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers = {c for c in _children(proc.pid)
                       if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2, "the sweep did not start its two workers"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "Interrupted (signal 15): workers stopped; nothing was written" in err
        assert not (tmp_path / "sweep.csv").exists()
        assert not (tmp_path / "sweep.parquet").exists()
        time.sleep(1)
        assert [w for w in workers if _alive(w)] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


# In the sweep's workers only (the sweep itself has no parent process): every variant started
# is logged; the parked volume waits, with a file named after its process, until the test
# kills it; each worker's first other variant takes two seconds (a file says it started).
PARK_HOOK = '''\
import os

if os.environ.get("BPO_ROI_TEST_PARK_ON_VOLUME"):  # this test's processes only
    import multiprocessing
    import time

    import bpo_roi.analysis.portfolio as _portfolio

    _variant_rows = _portfolio.variant_rows
    _first = []

    def variant_rows(scenario, overrides, **kwargs):
        if multiprocessing.parent_process() is not None:
            folder = os.environ["BPO_ROI_TEST_PARKED"]
            volume = overrides.get("workload.monthly_volume")
            with open(os.path.join(folder, "started.log"), "a") as log:
                log.write(f"{os.getpid()} {volume}\\n")
            if volume == float(os.environ["BPO_ROI_TEST_PARK_ON_VOLUME"]):
                open(os.path.join(folder, f"parked-{os.getpid()}"), "w").close()
                time.sleep(300)
            elif not _first:
                _first.append(volume)
                open(os.path.join(folder, f"busy-{os.getpid()}"), "w").close()
                time.sleep(2)
        return _variant_rows(scenario, overrides, **kwargs)

    _portfolio.variant_rows = variant_rows
'''


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_a_killed_worker_fails_only_the_variant_it_was_evaluating(tmp_path, sig):
    """One worker is killed mid-variant (from outside, as the OOM killer or an operator
    would) while the other is busy too: that variant is a row with its error; every other
    variant (the other worker's batch, cut short, and the rest of the dead worker's) is
    evaluated on fresh workers. The hook is a ``sitecustomize`` of this test, first on the
    PYTHONPATH: no hook in the package."""
    import os
    import signal
    import time

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(PARK_HOOK)
    marks = tmp_path / "marks"
    marks.mkdir()
    volumes = [7777, *range(8000, 8060)]  # the parked one first: the first batch holds it
    env = {**os.environ, "BPO_ROI_TEST_PARK_ON_VOLUME": "7777",
           "BPO_ROI_TEST_PARKED": str(marks),
           "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT),
                                          os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "o"
    proc = subprocess.Popen([str(BIN), "sweep", str(HD), "--grid",
                             f"workload.monthly_volume={','.join(map(str, volumes))}",
                             "--out", str(out), "--workers", "2", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # one worker parked, the other in a variant
            assert proc.poll() is None, proc.communicate()
            if list(marks.glob("parked-*")) and list(marks.glob("busy-*")):
                break
            time.sleep(0.05)
        (parked,) = marks.glob("parked-*")
        (busy,) = marks.glob("busy-*")
        os.kill(int(parked.name.removeprefix("parked-")), getattr(signal, sig))
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 1, err
    assert any(line.startswith(f"1 of {len(volumes)} variants failed")
               for line in err.splitlines()), err
    table = pd.read_parquet(out / "sweep.parquet")
    failed = table[table.error.notna()]
    assert list(failed.variant) == [0], failed.error.tolist()
    how = ("killed by SIGKILL, e.g. by the out-of-memory killer" if sig == "SIGKILL"
           else "stopped by SIGTERM")
    assert failed.error.iloc[0] == f"worker failed: the worker process evaluating it died ({how})"
    ok = table[table.error.isna()]
    offers = len(load_scenario(HD).offers)
    assert sorted(set(ok.variant)) == list(range(1, len(volumes))) and len(ok) == (
        len(volumes) - 1) * offers
    expected = expected_document(HD, {"workload.monthly_volume": 8059})
    for _, row in ok[ok.variant == len(volumes) - 1].iterrows():
        assert row.npv == expected["offers"][row.offer]["npv"]
    # the variant the other worker was in when the pool broke ran again, in a new process
    started = [line.split() for line in (marks / "started.log").read_text().splitlines()]
    first_of_busy = next(v for pid, v in started if pid == busy.name.removeprefix("busy-"))
    assert len({pid for pid, v in started if v == first_of_busy}) == 2, started


def test_a_dead_worker_whose_code_another_thread_is_reaping_is_not_taken_for_a_running_one():
    """The pool's own thread reaps an ended worker too; for a moment our read of its exit
    code is None. Read as "still running", a SIGKILLed worker was taken for one the pool
    stopped and its variant ran again (a sweep hung in 1 run of 6). The code is waited for
    while the process's sentinel says it has ended."""
    import os

    from bpo_roi.cli.worker_process import exit_code

    read, write = os.pipe()
    os.close(write)  # a closed pipe is ready to read: the process has ended

    class Reaped:
        sentinel = read
        reads = 0

        @property
        def exitcode(self):
            self.reads += 1
            return None if self.reads < 4 else -9

    try:
        assert exit_code(Reaped()) == -9
    finally:
        os.close(read)

    class Running:
        sentinel, _ = os.pipe()  # nothing written: still running
        exitcode = None

    try:
        assert exit_code(Running(), wait=0.2) is None
    finally:
        os.close(Running.sentinel)
        os.close(Running._)
