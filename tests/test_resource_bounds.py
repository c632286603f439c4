"""Resource bounds (issue 29): local workers capped by cores and memory, a sweep's size said
before any work and confirmed past a threshold, diff coalitions bounded, a dead worker costing
only its own scenario, and kept kernels writing no IPython history under ``$HOME``."""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import bpo_roi.cli.executors as executors
from bpo_roi.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"


# -- 1. --workers capped by cores and memory, with a note --------------------------------------


def test_workers_are_capped_by_memory_as_well_as_cores(monkeypatch):
    monkeypatch.setattr(executors, "usable_cores", lambda: 2)
    monkeypatch.setattr(executors, "available_memory", lambda: 1000 * 2**20)
    cap = executors.local_worker_cap(per_worker=600 * 2**20)
    assert cap.workers == 1  # 1000 MB holds one 600 MB worker, though there are 2 cores
    assert cap.note(1) is None
    note = cap.note(64)
    assert note is not None and "\n" not in note and "--workers 64: using 1 local" in note


def test_asking_for_64_workers_runs_with_at_most_the_cap_and_says_so(tmp_path):
    cap = executors.local_worker_cap(executors.SWEEP_WORKER_BYTES).workers
    proc = subprocess.run([str(BIN), "sweep", str(HD), "--grid",
                           "workload.monthly_volume=8000,9000", "--out", str(tmp_path / "out"),
                           "--workers", "64", "--quiet"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note: --workers 64")]
    assert len(notes) == 1 and f"using {cap} local worker" in notes[0]
    used = re.search(r"on (\d+) local worker process", proc.stdout)
    assert used is not None and int(used.group(1)) <= cap <= os.cpu_count()


# -- 2. a sweep's size is said before any work; past a threshold only with --yes -------------


def _no_pool(*args, **kwargs):
    raise AssertionError("a worker pool was opened")


def test_a_large_sweep_is_refused_without_yes_before_any_worker_starts(tmp_path, monkeypatch,
                                                                       capsys):
    import bpo_roi.cli.sweep as sweep

    monkeypatch.setattr(sweep, "CONFIRM_ABOVE", 5)  # 2 variants × 3 offers = 6 evaluations
    monkeypatch.setattr(executors, "open_pool", _no_pool)
    out = tmp_path / "out"
    code = main(["sweep", str(HD), "--grid", "workload.monthly_volume=8000,9000", "--out",
                 str(out), "--workers", "1", "--quiet"])
    printed = capsys.readouterr()
    err = printed.err.splitlines()
    assert code == 2
    assert printed.out.startswith("Sweep: 1 file × 2 variants: 6 evaluations")
    refusal = [line for line in err if line.startswith("--yes:")]
    assert len(refusal) == 1 and "more than the 5" in refusal[0]
    assert not (out / "sweep.csv").exists()


def test_a_large_sweep_runs_with_yes(tmp_path, monkeypatch, capsys):
    import bpo_roi.cli.sweep as sweep

    monkeypatch.setattr(sweep, "CONFIRM_ABOVE", 5)
    monkeypatch.setattr(executors, "open_pool", lambda *a, **k: executors.WorkPool(
        cf.ThreadPoolExecutor(1), 1, "a test thread"))
    out = tmp_path / "out"
    code = main(["sweep", str(HD), "--grid", "workload.monthly_volume=8000,9000", "--out",
                 str(out), "--workers", "1", "--quiet", "--yes"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "6 evaluations" in printed.out and "--yes:" not in printed.err
    assert len(pd.read_csv(out / "sweep.csv")) == 6


def test_yes_is_in_the_sweeps_help():
    proc = subprocess.run([str(BIN), "sweep", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert "--yes" in proc.stdout


# -- 3. diff coalitions bounded: exact up to 12 changes, sampled above, always adding up -----


def _changed(old, n: int, skip: tuple[str, ...] = ()) -> dict:
    """``n`` numeric inputs of ``old``, each moved by 1 % (up where the bound allows), leaving
    out paths that start with ``skip``."""
    overrides = {}
    for p in old.numeric_paths():
        if len(overrides) == n:
            break
        value = old.get(p)
        point = value.point if hasattr(value, "point") else value
        if point and "seasonality" not in p and not p.startswith(skip):
            overrides[p] = point * 1.01 if old.field_bounds(p)["le"] in (None, 1e10, 1e9, 1e8) \
                else point * 0.99
    assert len(overrides) == n
    return overrides


def _npvs(scenario) -> dict[str, float]:
    from bpo_roi import evaluate

    return dict(evaluate(scenario).metrics.npv)


def _adds_up(result, old, new) -> None:
    before, after = _npvs(old), _npvs(new)
    for offer in result.npv.index:
        total = result.effects[result.effects.offer == offer].npv_effect.sum()
        assert total == pytest.approx(after[offer] - before[offer], rel=1e-9, abs=1e-6)


def test_a_diff_of_16_changes_is_sampled_adds_up_exactly_and_says_so(monkeypatch):
    import bpo_roi.analysis.version_diff as version_diff
    from bpo_roi import diff, load_scenario
    from bpo_roi.cli.console import diff_table

    old = load_scenario(HD)
    new = old.with_overrides(_changed(old, 16))
    result = diff(old, new)
    assert len(result.changes) == 16 and not result.grouped  # one effect per input
    assert result.sampled and result.permutations == version_diff.SAMPLED_PERMUTATIONS
    _adds_up(result, old, new)
    assert "sampled over 256 orders" in diff_table(result, "old.yaml", "new.yaml")
    from bpo_roi.reporting.bridge import summary_html

    assert "256 sampled orders" in summary_html(result, "old.yaml", "new.yaml")
    assert diff(old, new).effects.equals(result.effects)  # a fixed seed: the same every run
    # the sample is close to the exact values (2^16 coalitions when the bound allows them)
    monkeypatch.setattr(version_diff, "MAX_EXACT_PLAYERS", 16)
    exact = diff(old, new)
    assert not exact.sampled
    scale = exact.effects.npv_effect.abs().sum()
    gap = (result.effects.npv_effect - exact.effects.npv_effect).abs().max()
    assert gap <= 0.02 * scale


def test_at_the_bound_the_diff_is_exact_and_equals_the_shapley_formula():
    from itertools import permutations

    from bpo_roi import diff, load_scenario
    from bpo_roi.analysis.version_diff import MAX_EXACT_PLAYERS

    old = load_scenario(HD)
    at_bound = diff(old, old.with_overrides(_changed(old, MAX_EXACT_PLAYERS)))
    assert not at_bound.sampled and len(at_bound.changes) == MAX_EXACT_PLAYERS
    assert "sampled" not in __import__("bpo_roi.cli.console", fromlist=["diff_table"]
                                       ).diff_table(at_bound, "a", "b")
    # below it, the effects are the Shapley formula's, from NPVs computed independently
    changes = _changed(old, 3, skip=("scenario.",))
    new = old.with_overrides(changes)
    result = diff(old, new)
    value = {}
    for order in permutations(changes):
        applied: dict = {}
        for p in order:
            key_before = frozenset(applied)
            applied[p] = changes[p]
            key_after = frozenset(applied)
            for key, ov in ((key_before, {q: changes[q] for q in key_before}),
                            (key_after, {q: changes[q] for q in key_after})):
                if key not in value:
                    value[key] = _npvs(old.with_overrides(ov))
    for offer in result.npv.index:
        for p in changes:
            expected = sum(
                value[frozenset(order[:order.index(p) + 1])][offer]
                - value[frozenset(order[:order.index(p)])][offer]
                for order in permutations(changes)) / 6
            got = result.effects[(result.effects.offer == offer)
                                 & (result.effects.input == p)].npv_effect.item()
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


# -- 5. a run leaves nothing outside --out: no IPython history or profile under $HOME --------


def test_a_run_with_kept_kernels_creates_nothing_under_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    env.pop("IPYTHONDIR", None)
    proc = subprocess.run([str(BIN), "run", str(HD), "--out", str(tmp_path / "out"),
                           "-p", "trials=50", "--quiet"], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "summary.html").exists()
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []


# -- 4. a dead worker costs only its own scenario ----------------------------------------------

DIE_HOOK = '''\
import os

if os.environ.get("BPO_ROI_TEST_WORKER_DIES_FOR"):  # this test's processes only
    import bpo_roi.cli.runner as _runner

    _run_one = _runner.run_one

    def run_one(task):
        if os.path.basename(task.file) == os.environ["BPO_ROI_TEST_WORKER_DIES_FOR"]:
            os._exit(1)  # as the OOM killer would leave it: no result, no clean-up
        return _run_one(task)

    _runner.run_one = run_one
'''


def test_a_worker_that_dies_fails_only_its_own_scenario(tmp_path):
    """The spawned workers are made to die on one file by a ``sitecustomize`` of this test
    (in ``tmp_path``, first on their ``PYTHONPATH``): no hook in the package."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(DIE_HOOK)
    dies = tmp_path / "dies.yaml"
    dies.write_text(HD.read_text().replace("  name: IT service desk", "  name: Dies"))
    env = {**os.environ, "BPO_ROI_TEST_WORKER_DIES_FOR": "dies.yaml",
           "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT),
                                          os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "out"
    proc = subprocess.run([str(BIN), "run", str(dies), str(HD), str(ROOT / "assumptions" /
                           "ap_invoice_processing.yaml"), "--out", str(out), "--workers", "2",
                           "-p", "trials=50", "--quiet"], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 1, proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and str(dies) in failed[0]
    assert "the worker process running it died (exit code 1)" in failed[0]
    assert "2 of 3 scenarios ok" in proc.stdout
    assert len(list(out.glob("*/metrics.json"))) == 2  # the other two, retried, are complete
    assert not [p.name for p in out.iterdir() if p.name.startswith(".workers.")]
