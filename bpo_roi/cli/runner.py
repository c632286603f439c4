"""``bpo-roi run``: execute the business-case notebook for many scenarios, in parallel, and
write each scenario's report, workbook and metrics, then a portfolio summary.

For each scenario, in a worker process: compute the business case once (evaluate, Monte Carlo,
tornado: :func:`bpo_roi.reporting.case.compute_case`), write ``monthly.csv``, ``annual.csv``,
``metrics.json`` and ``results.xlsx`` from it on a helper thread while
``notebooks/business_case.ipynb`` executes with papermill on the same results (handed over as
its ``case_path`` parameter), and convert the notebook to ``report.html``. Everything is
written into a temporary folder inside ``--out`` that is renamed to ``--out/<slug>`` only when
complete (:mod:`bpo_roi.cli.install`): a failing scenario leaves nothing half-written and never
stops the others. The exit status is non-zero when any scenario failed.

Where the work runs is :mod:`bpo_roi.cli.executors`: local worker processes (each keeps its
notebook kernel from one scenario to the next: :mod:`bpo_roi.cli.kernel_engine`), or with
``--scheduler`` the workers of a Dask cluster, which get the scenario file and notebook as
bytes and send the finished files back; they are written into ``--out`` here in the same
atomic way. The parts: :mod:`~bpo_roi.cli.parameters` (``-p``), :mod:`~bpo_roi.cli.tasks`
(typed tasks and the plan), :mod:`~bpo_roi.cli.install`, and the summary in
:mod:`bpo_roi.reporting.summary`.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
import traceback
import uuid
from concurrent.futures import as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from bpo_roi.cli.executors import RunInterrupted, WorkPool, open_pool
from bpo_roi.cli.executors import signals_interrupt_the_run as _signals_interrupt_the_run
from bpo_roi.cli.install import install, install_remote, mark, partial_folder, print_pdf
from bpo_roi.cli.parameters import NOTEBOOK, risk_parameters
from bpo_roi.cli.tasks import DEFAULT_CELL_TIMEOUT, RunResult, Task, one_line, plan

__all__ = ["RunResult", "Task", "render_remote", "run_one", "run_scenarios"]


# -- one scenario (runs in a worker process) ------------------------------------------------


def _produce(task: Task, folder: Path, file: str, notebook: str) -> dict[str, Any]:
    """Compute one scenario once and write all its outputs into ``folder`` (which exists).

    ``file`` and ``notebook`` are the paths to read here (on a cluster worker: local copies);
    the ``run`` block names ``task.file``, the file the user gave. Returns the
    ``metrics.json`` document.

    The business case is computed here, before the notebook starts (the kept kernel boots and
    imports meanwhile), and handed to the notebook as a pickle in ``folder``
    (:data:`bpo_roi.reporting.case.CASE_FILE`, removed before the folder is installed). The
    data files (``monthly.csv``, ``annual.csv``, ``metrics.json``, ``results.xlsx``) are
    written on a helper thread while this one executes the notebook, which mostly waits for
    its kernel. When both fail, the data files' error is the one raised, as when they were
    written first. Paths given to the kernel and the helper are absolute: papermill changes
    the process's working directory while it runs a notebook in a new kernel.
    """
    from concurrent.futures import ThreadPoolExecutor

    from bpo_roi.cli.kernel_engine import execute_notebook, kept_kernel
    from bpo_roi.reporting.case import CASE_FILE, compute_case, save_case
    from bpo_roi.reporting.html_report import render_report

    if task.keep_kernel:  # start it now: it boots and imports while we work here
        kept_kernel(str(Path(notebook).parent))
    source = str(Path(file).resolve())
    trials, seed = risk_parameters(task.parameters, notebook)
    bids = [str(Path(b).resolve()) for b in task.bids]
    case = compute_case(source, task.overrides, trials, seed, shown_file=task.file, bids=bids)
    case_file = save_case(case, folder.resolve() / CASE_FILE)
    parameters = {"assumptions_path": source, "overrides": task.overrides,
                  "case_path": str(case_file), **task.parameters}
    if bids:
        parameters["bids"] = bids
    executed = folder / "business_case.ipynb"
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="bpo-roi-data-files") as helper:
            data_files = helper.submit(_write_data_files, case, folder.resolve())
            try:
                nb = execute_notebook(notebook, executed, parameters, task.cell_timeout,
                                      keep_kernel=task.keep_kernel)
                render_report(nb, folder / "report.html", title=case.scenario.scenario.name)
            except BaseException:
                data_files.result()  # its error, if any, comes first
                raise
            return data_files.result()
    finally:
        case_file.unlink(missing_ok=True)


def _write_data_files(case: Any, folder: Path) -> dict[str, Any]:
    """Write ``monthly.csv``, ``annual.csv``, ``metrics.json`` and ``results.xlsx`` of the
    business case ``case`` into ``folder`` (and ``allocation.csv`` and ``allocation.json``
    when it has an optimal split); return the ``metrics.json`` document."""
    from bpo_roi.reporting.files import write_annual_csv, write_metrics_json, write_monthly_csv
    from bpo_roi.reporting.workbook import write_results_xlsx

    document = case.metrics_document()
    write_monthly_csv(case.evaluation.monthly, folder / "monthly.csv")
    write_annual_csv(case.evaluation.annual, folder / "annual.csv")
    write_metrics_json(document, folder / "metrics.json")
    if case.allocation is not None and not isinstance(case.allocation, str):
        from bpo_roi.reporting.allocation_report import (
            write_allocation_csv,
            write_allocation_json,
        )

        info = case.scenario.scenario
        write_allocation_csv(case.allocation, folder / "allocation.csv")
        write_allocation_json(case.allocation, folder / "allocation.json", scenario=info.name,
                              currency=info.currency)
    write_results_xlsx(case.evaluation, folder / "results.xlsx", simulation=case.simulation,
                       tornado=case.tornado, run=case.run, advice=case.advice)
    return document


def run_one(task: Task) -> RunResult:
    """Run one scenario into ``out/<slug>`` atomically (see module docstring)."""
    start = time.perf_counter()
    tmp = partial_folder(task)
    result = RunResult(file=task.file, ok=False, slug=task.slug, name=task.name)
    try:
        tmp.mkdir()
        mark(tmp, task)
        document = _produce(task, tmp, task.file, task.notebook)
        print_pdf(task, tmp)
        final = install(tmp, Path(task.out), task.slug)
        result.ok = True
        result.folder = str(final)
        result.metrics = document
    except Exception as exc:
        result.error = one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


def render_remote(task: Task, file_bytes: bytes, notebook_bytes: bytes) -> RunResult:
    """Run one scenario on a cluster worker, which may be another machine, from the scenario
    file's and the notebook's bytes; the outputs are made in a temporary folder of the worker
    and come back as bytes in ``result.extra["files"]`` (``{name: bytes}``). The parent writes
    them into ``--out`` (:func:`bpo_roi.cli.install.install_remote`). Nothing is left on the
    worker."""
    import tempfile

    start = time.perf_counter()
    result = RunResult(file=task.file, ok=False, slug=task.slug, name=task.name)
    work = Path(tempfile.mkdtemp(prefix="bpo-roi-"))
    try:
        source = work / "in" / (Path(task.file).name or "scenario.yaml")
        notebook = work / "notebook" / (Path(task.notebook).name or "notebook.ipynb")
        for path, data in ((source, file_bytes), (notebook, notebook_bytes)):
            path.parent.mkdir()
            path.write_bytes(data)
        folder = work / "out"
        folder.mkdir()
        result.metrics = _produce(task, folder, str(source), str(notebook))
        result.extra["files"] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
                                 if p.is_file() and not p.name.startswith(".")}
        result.ok = True
    except Exception as exc:
        result.error = one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


# -- the run --------------------------------------------------------------------------------


def run_scenarios(files: list[str], out: str | Path, *, workers: int = 1,
                  parameters: dict[str, Any] | None = None,
                  overrides: dict[str, Any] | None = None, progress: bool = True,
                  notebook: str | Path = NOTEBOOK, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                  pdf_browser: str | None = None, scheduler: str | None = None,
                  bids: tuple[str, ...] = ()) -> list[RunResult]:
    """Run every scenario file; return one :class:`RunResult` per file, in the given order.

    The notebooks run in ``workers`` local processes, or, given ``scheduler`` (a Dask
    scheduler's address), on that cluster's workers, which send the files back to be written
    here (:mod:`bpo_roi.cli.executors`). Holds the output folder's lock for the whole run (a
    second run on the same folder fails at once, see
    :func:`bpo_roi.reporting.files.output_lock`), removes temporary folders of dead runs, and
    writes the summary last, from exactly the folders this run wrote.

    Raises
    ------
    RunInterrupted
        On SIGTERM or SIGINT: workers are stopped within seconds; the summary lists every
        scenario that did not finish as interrupted.
    bpo_roi.cli.executors.ExecutorUnavailable
        Before any work, when the Dask extra is missing or the scheduler does not answer.
    """
    from tqdm import tqdm

    from bpo_roi.reporting.files import output_lock, remove_stale_work
    from bpo_roi.reporting.summary import check_summary_is_ours, earlier_outcomes, write_summary

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(output_lock(out))
        remove_stale_work(out)
        check_summary_is_ours(out)  # refused at once: before any worker starts
        pool = open_pool(workers, scheduler)
        reopen = (lambda: open_pool(workers, scheduler)) if scheduler is None else None
        stack.callback(pool.stop)  # a no-op once the tasks closed it
        entries = plan(files, overrides or {}, out, parameters=dict(parameters or {}),
                       notebook=str(notebook), cell_timeout=cell_timeout,
                       run_id=uuid.uuid4().hex, pdf_browser=pdf_browser, bids=tuple(bids))
        results: list[RunResult | None] = [e if isinstance(e, RunResult) else None
                                           for e in entries]
        tasks = {i: e for i, e in enumerate(entries) if isinstance(e, Task)}
        bar = tqdm(total=len(files), desc="scenarios", unit="scenario", disable=not progress,
                   file=sys.stderr, initial=len(files) - len(tasks))
        interrupted: RunInterrupted | None = None
        try:
            with _signals_interrupt_the_run():
                if tasks:
                    _run_tasks(tasks, results, pool, bar, reopen=reopen)
        except RunInterrupted as exc:
            interrupted = exc
        finally:
            bar.close()
        for i, t in tasks.items():
            if results[i] is None:
                results[i] = t.failed("interrupted before it finished")
        ordered = [r for r in results if r is not None]
        written = {r.slug for r in ordered if r.slug}
        write_summary([*(r.outcome() for r in ordered), *earlier_outcomes(out, written)], out,
                      interrupted=interrupted is not None)
        if interrupted is not None:  # still holding the lock: the stopped work goes now
            pool.stop()
            remove_stale_work(out)
    if interrupted is not None:
        raise interrupted
    return ordered


def _run_tasks(tasks: dict[int, Task], results: list[RunResult | None], pool: WorkPool,
               bar: Any, *, reopen: Any = None) -> None:
    """Run the tasks on ``pool`` (local worker processes or a Dask cluster: see
    :func:`bpo_roi.cli.executors.open_pool`); fill ``results`` as they finish.

    A local worker process that dies (``os._exit``, the OOM killer, a SIGKILL or SIGTERM from
    outside) breaks its whole pool (``BrokenProcessPool``): the scenario it was running fails
    with one line saying so, and the scenarios that had not finished run again, once, on a
    fresh pool from ``reopen``. The pool tells the scenario of the dead process apart from
    those of the workers the broken pool then stopped (:meth:`bpo_roi.cli.executors.WorkPool.
    lost`).
    """
    unfinished = _run_round(tasks, results, pool, bar)
    if unfinished and reopen is not None:
        unfinished = _run_round(unfinished, results, reopen(), bar)
    for i, t in unfinished.items():
        results[i] = t.failed("worker failed: its worker process died while the scenario "
                              "was waiting, twice")
        bar.update(1)


def _run_local(task: Task) -> RunResult:
    """On a local worker: run one scenario (keeping the worker's kernel)."""
    return run_one(task)


def _run_round(tasks: dict[int, Task], results: list[RunResult | None], pool: WorkPool,
               bar: Any) -> dict[int, Task]:
    """One pool's round of :func:`_run_tasks`; returns the tasks to run again (local pools
    whose worker died: every unfinished task but the dead worker's, failed here)."""
    from concurrent.futures import BrokenExecutor

    broken: dict[int, Task] = {}
    try:
        if pool.remote:
            futures = {pool.submit(render_remote, t, Path(t.file).read_bytes(),
                                   Path(t.notebook).read_bytes()): i
                       for i, t in tasks.items()}
        else:  # worker processes of this run: each keeps its kernel from one notebook to the next
            futures = {}
            for i, t in tasks.items():
                try:
                    futures[pool.submit(_run_local, replace(t, keep_kernel=True))] = i
                except BrokenExecutor:  # a worker died while the tasks were being sent
                    broken[i] = t
        for future in as_completed(futures):
            i = futures[future]
            t = tasks[i]
            try:
                r = future.result()
            except BrokenExecutor:  # a worker died: which one is sorted out below
                broken[i] = t
                continue
            except Exception as exc:  # the worker itself failed
                r = t.failed(f"worker failed: {one_line(exc)}")
            if pool.remote:
                r = install_remote(t, r)
            results[i] = r
            bar.update(1)
    except BaseException:
        pool.stop()
        raise
    if not broken:
        pool.close()
        return {}
    for lost in pool.lost():  # stops the pool
        i = futures.get(lost.future, -1)
        if i in broken:
            results[i] = broken.pop(i).failed(
                f"the worker process running it died ({lost.ended}); the scenarios "
                f"that had not finished were run again on a new worker")
            bar.update(1)
    return broken
