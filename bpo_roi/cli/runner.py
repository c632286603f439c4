"""``bpo-roi run``: execute the business-case notebook for many scenarios, in parallel, and
write each scenario's report, workbook and metrics, then a portfolio summary.

For each scenario, in a worker process: evaluate it (``monthly.csv``, ``metrics.json``,
``results.xlsx``), execute ``notebooks/business_case.ipynb`` with papermill, convert it to
``report.html``. Everything is written into a temporary folder inside ``--out`` that is renamed
to ``--out/<slug>`` only when complete: a failing scenario leaves nothing half-written and
never stops the others. The exit status is non-zero when any scenario failed.

Where the work runs is :mod:`bpo_roi.cli.executors`: local worker processes (each keeps its
notebook kernel from one scenario to the next, reset in between), or with ``--scheduler`` the
workers of a Dask cluster, which get the scenario file and notebook as bytes and send the
finished files back; they are written into ``--out`` here in the same atomic way.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import shutil
import sys
import time
import traceback
import uuid
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpo_roi._validation import interval_text, invalid_parameter
from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, headline_table
from bpo_roi.cli.executors import (
    RunInterrupted,
    WorkPool,
    open_pool,
)
from bpo_roi.cli.executors import signals_interrupt_the_run as _signals_interrupt_the_run
from bpo_roi.reporting.files import KIT_MARKER, foreign_file
from bpo_roi.resources import notebook_path

__all__ = ["MAX_SEED", "NOTEBOOK", "RunResult", "add_run_parser", "parse_parameters", "run_record",
           "run_scenarios"]

NOTEBOOK = notebook_path("business_case")
RESERVED = {"assumptions_path": "it is set from each FILE", "overrides":
            "give overrides one by one as -p section.field=VALUE"}
MAX_SEED = 2**63 - 1
DEFAULT_CELL_TIMEOUT = 600


class ParameterError(ValueError):
    """A ``-p NAME=VALUE`` the notebook cannot take."""


@dataclass
class RunResult:
    """Outcome of one scenario of a run."""

    file: str
    ok: bool
    slug: str | None = None
    name: str | None = None
    folder: str | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# -- parameters ---------------------------------------------------------------------------------


def notebook_parameters(notebook: Path = NOTEBOOK) -> dict[str, dict[str, Any]]:
    """Names, inferred types and defaults of the notebook's ``parameters`` cell."""
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def parse_parameters(pairs: list[str], notebook: Path = NOTEBOOK
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``-p NAME=VALUE`` pairs into notebook parameters and dotted-path overrides.

    Values are read as YAML (``2000`` → int, ``0.1`` → float, ``true`` → bool); a NAME with a
    dot (``workload.monthly_volume``) is a scenario override checked against each scenario.

    Raises
    ------
    ParameterError
        For a malformed pair, an unknown NAME or a value of the wrong type.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    known = notebook_parameters(notebook)
    params: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"-p {pair!r}: expected NAME=VALUE, e.g. -p trials=2000")
        try:
            value = YAML(typ="safe", pure=True).load(raw) if raw.strip() else raw
        except YAMLError:
            value = raw
        if "." in name:
            if isinstance(value, (dict, list)) or value is None:
                raise ParameterError(f"-p {name}: an override needs a number or a word; got "
                                     f"{raw!r}")
            overrides[name] = value
            continue
        if name in RESERVED:
            raise ParameterError(f"-p {name}: cannot be set here ({RESERVED[name]})")
        if name not in known:
            names = ", ".join(n for n in known if n not in RESERVED)
            raise ParameterError(f"-p {name}: unknown parameter; the notebook takes {names} "
                                 f"(or a scenario path such as workload.monthly_volume)")
        params[name] = _typed(name, value, raw, known[name].get("inferred_type_name", ""))
    return params, overrides


def _typed(name: str, value: Any, raw: str, type_name: str) -> Any:
    kind = type_name.split("[")[0].strip().lower()
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "dict": isinstance(value, dict),
        "list": isinstance(value, list),
        "str": True,
    }.get(kind, True)
    command = "bpo-roi run"  # the -p parameters are the business-case notebook's, set by it
    if not ok:
        article = "an" if kind[:1] in "aeiou" else "a"
        raise ParameterError(f"-p {name}: "
                             f"{invalid_parameter(name, command, f'{article} {kind}', raw)}")
    if kind == "str":
        return raw
    if kind == "float":
        return float(value)
    if name == "trials":
        from bpo_roi.analysis.monte_carlo import MAX_TRIALS, TRIALS_RULE

        if not 1 <= value <= MAX_TRIALS:
            raise ParameterError(f"-p trials: "
                                 f"{invalid_parameter(name, command, TRIALS_RULE, value)}")
    if name == "seed" and not 0 <= value <= MAX_SEED:
        rule = interval_text(ge=0, le=MAX_SEED, what="an int")
        raise ParameterError(f"-p seed: {invalid_parameter(name, command, rule, value)}")
    return value


# -- one scenario (runs in a worker process) ------------------------------------------------


def _one_line(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        evalue = str(exc.evalue).strip().splitlines()
        return (f"notebook cell {exc.exec_count} raised {exc.ename}: "
                f"{evalue[0] if evalue else ''}".strip())
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _produce(task: dict[str, Any], folder: Path, file: str, notebook: str) -> dict[str, Any]:
    """Evaluate one scenario and write all its outputs into ``folder`` (which exists).

    ``file`` and ``notebook`` are the paths to read here (on a cluster worker: local copies);
    the ``run`` block names ``task["file"]``, the file the user gave. Returns the
    ``metrics.json`` document.

    The data files (``monthly.csv``, ``annual.csv``, ``metrics.json``, ``results.xlsx``) are
    written on a helper thread while this one executes the notebook, which mostly waits for
    its kernel. When both fail, the data files' error is the one raised, as when they were
    written first. The helper is given absolute paths: papermill changes the process's working
    directory while it runs a notebook in a new kernel.
    """
    from concurrent.futures import ThreadPoolExecutor

    from bpo_roi.reporting.html_report import render_report
    from bpo_roi.scenario.reading import load_scenario

    if task.get("keep_kernel"):  # start it now: it boots and imports while we work here
        _kept_kernel(str(Path(notebook).parent))
    scenario = load_scenario(file).with_overrides(task["overrides"])
    risk = _risk_parameters(task, notebook)  # imports papermill: once, not on both threads
    parameters = {"assumptions_path": str(Path(file).resolve()),
                  "overrides": task["overrides"], **task["parameters"]}
    executed = folder / "business_case.ipynb"
    with ThreadPoolExecutor(1, thread_name_prefix="bpo-roi-data-files") as helper:
        data_files = helper.submit(_write_data_files, scenario, task, folder.resolve(),
                                   str(Path(file).resolve()), *risk)
        try:
            nb = _execute_notebook(notebook, executed, parameters,
                                   task.get("cell_timeout", DEFAULT_CELL_TIMEOUT),
                                   keep_kernel=bool(task.get("keep_kernel")))
            render_report(nb, folder / "report.html", title=scenario.scenario.name)
        except BaseException:
            data_files.result()  # its error, if any, comes first
            raise
        return data_files.result()


def _write_data_files(scenario: Any, task: dict[str, Any], folder: Path, file: str,
                      trials: int, seed: int) -> dict[str, Any]:
    """Evaluate ``scenario`` and its Monte Carlo; write ``monthly.csv``, ``annual.csv``,
    ``metrics.json`` and ``results.xlsx`` into ``folder``; return the ``metrics.json``
    document (whose ``run`` block names ``task["file"]``)."""
    from bpo_roi.analysis.advice import advise
    from bpo_roi.analysis.business_case import evaluate
    from bpo_roi.analysis.monte_carlo import simulate
    from bpo_roi.analysis.sensitivity import tornado
    from bpo_roi.reporting.files import write_annual_csv, write_metrics_json, write_monthly_csv
    from bpo_roi.reporting.workbook import write_results_xlsx

    evaluation = evaluate(scenario)
    simulation = simulate(scenario, trials=trials, seed=seed)
    document = evaluation.to_metrics_dict(advise(evaluation, simulation))
    document["run"] = run_record(file, task["overrides"], trials, seed)
    document["run"]["file"] = str(task["file"])
    write_monthly_csv(evaluation.monthly, folder / "monthly.csv")
    write_annual_csv(evaluation.annual, folder / "annual.csv")
    write_metrics_json(document, folder / "metrics.json")
    write_results_xlsx(evaluation, folder / "results.xlsx", simulation=simulation,
                       tornado=tornado(scenario), run=document["run"])
    return document


KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying")
"""Kernel start-up failures worth one retry: parallel start-ups can race (papermill #239)."""

_RESET = "get_ipython().reset(new_session=True)"
"""Run before each notebook in a kept kernel: an empty namespace, a new history session (an
empty ``In``), cells numbered from 1. (``%reset -f`` keeps the history session: cells numbered
from 1 again then collide with the previous notebook's lines in the history database.)"""

WARM_UP = """\
try:
    import bpo_roi.cli.runner, bpo_roi.reporting.charts, bpo_roi.reporting.html_report
    import plotly.graph_objects, plotly.io._renderers
except Exception:
    pass
"""
"""Sent to a kept kernel as soon as it starts: the imports of every business-case notebook
(pandas, plotly and its renderers, the kit: about 1.5 s), made while the worker evaluates the
scenario and writes its workbook. Silent and outside the history; the reset before each
notebook (:data:`_RESET`) empties the namespace, so only ``sys.modules`` keeps them, as it
keeps a previous notebook's imports."""


class _KeptKernel:
    """A kernel of this worker and the one client that talks to it, kept from one notebook to
    the next: the client's channels stay open, so a notebook does not wait for a new client to
    connect (a new client waits ≥ 0.2 s for its IOPub channel)."""

    def __init__(self, cwd: str) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.km = AsyncKernelManager(kernel_name="python3")
        run_sync(self.km.start_kernel)(cwd=cwd)  # returns once the process is launched
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.allow_stdin = False
        self.kc.execute(WARM_UP, silent=True, store_history=False)
        self.ready = False

    def client(self, timeout: float) -> Any:
        """The connected client, once the kernel answers (the first time: after the warm-up
        imports); raises ``RuntimeError("Kernel didn't respond ...")`` after ``timeout`` s."""
        from jupyter_core.utils import run_sync

        if not self.ready:
            run_sync(self.kc.wait_for_ready)(timeout=timeout)
            self.ready = True
        return self.kc

    def is_alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)


_KERNELS: dict[tuple[int, str], _KeptKernel] = {}
"""Kernels kept by this worker process, one per thread and working folder (see
:func:`_kept_kernel`)."""


def _kept_kernel(cwd: str) -> _KeptKernel:
    """A kernel for notebooks run from ``cwd``, started once per worker thread and reused.

    Starting a kernel and importing pandas, plotly and the kit in it take about 2.5 s: more
    than the notebook's own work. The kernel is started at the beginning of the worker's first
    scenario (:func:`_produce`) and makes its imports (:data:`WARM_UP`) while the worker
    evaluates the scenario. Each notebook gets the kernel with its namespace and history
    reset and its cell numbers starting from 1 (:data:`_RESET`), so the executed notebook is
    the same as in a fresh kernel. A kernel that died or timed out is replaced. The kernels
    are children of the worker: they end with it (``init_local_worker`` kills them on SIGTERM;
    a finaliser shuts them down when the pool closes; ipykernel also exits when its parent is
    gone).
    """
    import threading

    key = (threading.get_ident(), cwd)
    kept = _KERNELS.get(key)
    if kept is not None:
        if kept.is_alive():
            return kept
        _drop_kernel(key)
    if not _KERNELS:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _drop_all_kernels, exitpriority=10)
    kept = _KERNELS[key] = _KeptKernel(cwd)
    return kept


def _drop_kernel(key: tuple[int, str]) -> None:
    kept = _KERNELS.pop(key, None)
    if kept is not None:
        kept.shutdown()


def _drop_all_kernels() -> None:
    for key in list(_KERNELS):
        _drop_kernel(key)


def _engine() -> str:
    """Register (once) and name the papermill engine that runs a notebook in a kept kernel:
    papermill's own nbclient engine, given the kept kernel's manager and client, resetting the
    kernel first and leaving the client connected after."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    name = "bpo-roi-kept-kernel"
    if name in papermill_engines._engines:
        return name

    class KeptKernelClient(PapermillNotebookClient):
        def papermill_execute_cells(self) -> None:
            msg_id = self.kc.execute(_RESET, silent=True, store_history=False)
            reply = self.wait_for_reply(msg_id)
            if not reply or reply.get("content", {}).get("status") != "ok":
                raise RuntimeError("Kernel died before replying to the reset of a kept kernel")
            super().papermill_execute_cells()

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str,
                                     log_output: bool = False, stdout_file: Any = None,
                                     stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: int | None = None,
                                     **kwargs: Any) -> Any:
            kept = kwargs.pop("kept")
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = KeptKernelClient(nb_man, km=kept.km, **final_kwargs)
            client.kc = kept.client(start_timeout)  # nbclient uses it and leaves it open
            return client.execute()

    papermill_engines.register(name, KeptKernelEngine)
    return name


def _execute_notebook(notebook: str, executed: Path, parameters: dict[str, Any],
                      cell_timeout: int, keep_kernel: bool = False) -> Any:
    """Execute ``notebook`` into ``executed`` with papermill and return the executed notebook;
    retry once when the kernel did not start. With ``keep_kernel`` the notebook runs in this
    worker's kept kernel (:func:`_kept_kernel`), which is replaced after any failure.

    ``executed`` is written once, when the notebook has run (or failed). Papermill would
    otherwise write it before and after every cell, ≈50 times, most of them with plotly.js
    (≈5 MB) embedded: over a second per scenario, for a file in a temporary folder that nobody
    reads before the scenario is complete."""
    import papermill as pm

    cwd = str(Path(notebook).parent)
    for attempt in (1, 2):
        extra: dict[str, Any] = {}
        if keep_kernel:
            extra = {"engine_name": _engine(), "kept": _kept_kernel(cwd)}
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                return pm.execute_notebook(  # a kept kernel runs in cwd already: no chdir
                    str(notebook), str(executed), parameters=parameters,
                    kernel_name="python3", cwd=None if keep_kernel else cwd,
                    execution_timeout=cell_timeout,
                    progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                    **extra)
        except Exception as exc:
            if keep_kernel:  # a timed-out or failed notebook may leave the kernel busy
                import threading

                _drop_kernel((threading.get_ident(), cwd))
            if attempt == 2 or not any(s in str(exc) for s in KERNEL_START_FAILURES):
                raise


def _install(tmp: Path, out: Path, slug: str) -> Path:
    """Rename the complete folder ``tmp`` to ``out/slug``, replacing a folder the kit wrote."""
    from bpo_roi.reporting.files import written_by_kit

    final = out / slug
    old = None
    if final.exists() or final.is_symlink():
        if not written_by_kit(final):  # checked up front too; a user may have made it since
            raise FileExistsError(_not_ours(final))
        old = out / f".{slug}.old-{uuid.uuid4().hex[:8]}"
        final.rename(old)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _print_pdf(task: dict[str, Any], folder: Path) -> None:
    if task.get("pdf_browser"):
        from bpo_roi.reporting.pdf import print_pdf

        print_pdf(folder / "report.html", folder / "report.pdf", task["pdf_browser"])


def run_one(task: dict[str, Any]) -> RunResult:
    """Run one scenario into ``out/<slug>`` atomically (see module docstring)."""
    from bpo_roi.reporting.files import write_kit_marker

    start = time.perf_counter()
    out = Path(task["out"])
    slug = task["slug"]
    run_id = task.get("run_id", uuid.uuid4().hex)
    tmp = out / f".{slug}.partial-{uuid.uuid4().hex[:8]}"
    result = RunResult(file=task["file"], ok=False, slug=slug, name=task["name"])
    try:
        tmp.mkdir()
        write_kit_marker(tmp, run_id=run_id, scenario=task["name"], file=task["file"])
        document = _produce(task, tmp, task["file"], str(task.get("notebook", NOTEBOOK)))
        _print_pdf(task, tmp)
        final = _install(tmp, out, slug)
        result.ok = True
        result.folder = str(final)
        result.metrics = document
    except Exception as exc:
        result.error = _one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


def render_remote(task: dict[str, Any]) -> RunResult:
    """Run one scenario on a cluster worker, which may be another machine: the task carries
    the scenario file's and the notebook's bytes (``file_bytes``, ``notebook_bytes``); the
    outputs are made in a temporary folder of the worker and come back as bytes in
    ``result.extra["files"]`` (``{name: bytes}``). The parent writes them into ``--out``
    (:func:`install_remote`). Nothing is left on the worker."""
    import tempfile

    start = time.perf_counter()
    result = RunResult(file=task["file"], ok=False, slug=task["slug"], name=task["name"])
    work = Path(tempfile.mkdtemp(prefix="bpo-roi-"))
    try:
        source = work / "in" / (Path(task["file"]).name or "scenario.yaml")
        notebook = work / "notebook" / (Path(str(task["notebook"])).name or "notebook.ipynb")
        for path, data in ((source, task["file_bytes"]), (notebook, task["notebook_bytes"])):
            path.parent.mkdir()
            path.write_bytes(data)
        folder = work / "out"
        folder.mkdir()
        result.metrics = _produce(task, folder, str(source), str(notebook))
        result.extra["files"] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
                                 if p.is_file() and not p.name.startswith(".")}
        result.ok = True
    except Exception as exc:
        result.error = _one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - start
    return result


def install_remote(task: dict[str, Any], result: RunResult) -> RunResult:
    """Write the files a cluster worker made (:func:`render_remote`) into ``out/<slug>``
    exactly as a local run does: a temporary folder with the kit's marker, renamed into place
    when complete (and ``report.pdf`` printed here, where the browser was found)."""
    from bpo_roi.reporting.files import write_kit_marker

    files = result.extra.pop("files", None)
    if not result.ok:
        return result
    out = Path(task["out"])
    slug = task["slug"]
    tmp = out / f".{slug}.partial-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        write_kit_marker(tmp, run_id=task.get("run_id", uuid.uuid4().hex),
                         scenario=task["name"], file=task["file"])
        for name, data in (files or {}).items():
            if Path(name).name != name or name.startswith("."):
                raise ValueError(f"a worker returned a file named {name!r}")
            (tmp / name).write_bytes(data)
        _print_pdf(task, tmp)
        result.folder = str(_install(tmp, out, slug))
    except Exception as exc:
        result.ok = False
        result.metrics = None
        result.error = _one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return result


def run_record(file: str, overrides: dict[str, Any], trials: int | None,
               seed: int | None) -> dict[str, Any]:
    """What a run was given: the ``run`` block of ``metrics.json`` (file name, SHA-256 of its
    bytes, overrides, Monte Carlo trials and seed, package version, time)."""
    import datetime as _dt

    from bpo_roi import __version__

    return {"file": str(file), "sha256": _sha256(file), "overrides": dict(overrides),
            "trials": trials, "seed": seed, "version": __version__,
            "at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _risk_parameters(task: dict[str, Any], notebook: str | Path = NOTEBOOK) -> tuple[int, int]:
    """The Monte Carlo trials and seed the notebook uses: given with -p, else its defaults."""
    import ast

    given = task["parameters"]
    defaults = notebook_parameters(Path(notebook))

    def value(name: str, fallback: int) -> int:
        if name in given:
            return int(given[name])
        try:
            return int(ast.literal_eval(str(defaults[name]["default"])))
        except (KeyError, ValueError, SyntaxError):
            return fallback

    return value("trials", 1000), value("seed", 2026)


def _not_ours(folder: Path) -> str:
    return (f"{folder} exists and was not written by bpo-roi (it has no {KIT_MARKER} marker); "
            f"nothing in it was changed. Rename the scenario or choose another --out")


# -- the run --------------------------------------------------------------------------------


def plan(files: list[str], overrides: dict[str, Any], out: Path | None = None
         ) -> list[dict[str, Any] | RunResult]:
    """Check every file up front, in order: one task per runnable file, else its failure.

    A missing file, a file given twice, an invalid scenario or override, and a scenario whose
    folder exists but was not written by the kit all fail here, before any kernel starts. Each
    runnable scenario gets a unique slug.
    """
    from bpo_roi.reporting.files import slugify, written_by_kit
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    entries: list[dict[str, Any] | RunResult] = []
    used: set[str] = set()
    seen: dict[str, str] = {}
    for f in files:
        path = Path(f)
        if not path.is_file():
            reason = "is a folder, not a scenario file" if path.is_dir() else "file not found"
            entries.append(RunResult(file=f, ok=False, error=f"{f}: {reason}"))
            continue
        key = str(path.resolve())
        if key in seen:
            entries.append(RunResult(file=f, ok=False, error=f"{f}: the same file as "
                                     f"{seen[key]}, given twice; it runs once"))
            continue
        seen[key] = f
        try:
            scenario = load_scenario(f)
            scenario.with_overrides(overrides)
        except AssumptionsError as exc:
            entries.append(RunResult(file=f, ok=False, error="; ".join(exc.problems)))
            continue
        except ValueError as exc:  # an override the scenario rejects
            first = str(exc).strip().splitlines()
            entries.append(RunResult(file=f, ok=False, error=f"{f}: override rejected: "
                                     f"{' '.join(line.strip() for line in first[:3])}"))
            continue
        base = slugify(scenario.scenario.name)
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        if out is not None:
            folder = out / slug
            if (folder.exists() or folder.is_symlink()) and not written_by_kit(folder):
                entries.append(RunResult(file=f, ok=False, slug=slug,
                                         name=scenario.scenario.name, error=_not_ours(folder)))
                continue
        entries.append({"file": f, "slug": slug, "name": scenario.scenario.name,
                        "overrides": overrides})
    return entries


def run_scenarios(files: list[str], out: str | Path, *, workers: int = 1,
                  parameters: dict[str, Any] | None = None,
                  overrides: dict[str, Any] | None = None, progress: bool = True,
                  notebook: Path = NOTEBOOK, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                  pdf_browser: str | None = None, scheduler: str | None = None
                  ) -> list[RunResult]:
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

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex
    pool = open_pool(workers, scheduler)
    with contextlib.ExitStack() as stack:
        stack.callback(pool.stop)  # a no-op once the tasks closed it
        stack.enter_context(output_lock(out))
        remove_stale_work(out)
        _check_summary_is_ours(out)
        entries = plan(files, overrides or {}, out)
        results: list[RunResult | None] = [e if isinstance(e, RunResult) else None
                                           for e in entries]
        tasks = {i: e for i, e in enumerate(entries) if isinstance(e, dict)}
        for t in tasks.values():
            t.update(out=str(out), parameters=parameters or {}, notebook=str(notebook),
                     cell_timeout=cell_timeout, run_id=run_id, pdf_browser=pdf_browser)
        bar = tqdm(total=len(files), desc="scenarios", unit="scenario", disable=not progress,
                   file=sys.stderr, initial=len(files) - len(tasks))
        interrupted: RunInterrupted | None = None
        try:
            with _signals_interrupt_the_run():
                if tasks:
                    _run_tasks(tasks, results, workers, bar, pool=pool)
        except RunInterrupted as exc:
            interrupted = exc
        finally:
            bar.close()
        for i, t in tasks.items():
            if results[i] is None:
                results[i] = RunResult(file=t["file"], ok=False, slug=t["slug"],
                                       name=t["name"], error="interrupted before it finished")
        ordered = [r for r in results if r is not None]
        written = {r.slug for r in ordered if r.slug}
        write_summary([*ordered, *earlier_results(out, written)], out,
                      interrupted=interrupted is not None)
    if interrupted is not None:
        raise interrupted
    return ordered


def _run_tasks(tasks: dict[int, dict[str, Any]], results: list[RunResult | None], workers: int,
               bar: Any, scheduler: str | None = None, pool: WorkPool | None = None) -> None:
    """Run the tasks on local worker processes, or on the Dask cluster at ``scheduler``
    (:func:`bpo_roi.cli.executors.open_pool`); fill ``results`` as they finish."""
    pool = pool if pool is not None else open_pool(workers, scheduler)
    try:
        if pool.remote:
            futures = {}
            for i, t in tasks.items():
                remote = {**t, "file_bytes": Path(t["file"]).read_bytes(),
                          "notebook_bytes": Path(t["notebook"]).read_bytes()}
                futures[pool.submit(render_remote, remote)] = i
        else:  # worker processes of this run: each keeps its kernel from one notebook to the next
            futures = {pool.submit(run_one, {**t, "keep_kernel": True}): i
                       for i, t in tasks.items()}
        for future in as_completed(futures):
            i = futures[future]
            t = tasks[i]
            try:
                r = future.result()
            except Exception as exc:  # the worker itself died
                r = RunResult(file=t["file"], ok=False, slug=t["slug"], name=t["name"],
                              error=f"worker failed: {_one_line(exc)}")
            if pool.remote:
                r = install_remote(t, r)
            results[i] = r
            bar.update(1)
    except BaseException:
        pool.stop()
        raise
    pool.close()


SUMMARY_FILES = ("summary.csv", "summary.html")
SUMMARY_HTML_MARK = '<meta name="generator" content="bpo-roi">'


def _check_summary_is_ours(out: Path) -> None:
    """Refuse to overwrite a ``summary.csv`` or ``summary.html`` the kit did not write."""
    # every kit version's header starts with these columns (later ones add columns)
    csv_header = ",".join(SUMMARY_COLUMNS[:SUMMARY_STABLE_COLUMNS])
    for name in SUMMARY_FILES:
        path = out / name
        looks_ours = ((lambda head: head.startswith(csv_header)) if name.endswith(".csv")
                      else (lambda head: SUMMARY_HTML_MARK in head))
        if foreign_file(path, looks_ours):
            raise FileExistsError(f"{path} exists and was not written by bpo-roi; nothing was "
                                  f"changed. Move it or choose another --out")


SUMMARY_COLUMNS = ["scenario", "file", "status", "offer", "pricing_model", "npv", "roi",
                   "irr_annual", "payback_month", "savings_pct", "one_time_cost",
                   "cost_per_transaction_in_house", "cost_per_transaction_outsourced",
                   "recommendation", "currency", "report", "error", "mirr_annual", "p_best",
                   "p_npv_positive", "flags", "overrides", "trials", "seed", "file_sha256",
                   "run_at", "this_run", "version"]
SUMMARY_STABLE_COLUMNS = 17  # "scenario" to "error": the header of the first kit version


def summary_rows(results: list[RunResult]) -> list[dict[str, Any]]:
    """One row per scenario × offer (or one per failed scenario) for the portfolio summary."""
    rows = []
    for r in results:
        if not r.ok or r.metrics is None:
            rows.append({"scenario": r.name or "", "file": r.file, "status": "failed",
                         "error": r.error or "unknown error"})
            continue
        run = r.metrics.get("run") or {}
        risk = (r.metrics.get("risk") or {}).get("offers", {})
        for offer, m in r.metrics["offers"].items():
            rows.append({
                "scenario": r.metrics["scenario"], "file": r.file, "status": "ok",
                "offer": offer, **{k: m.get(k) for k in SUMMARY_COLUMNS if k in m},
                "recommendation": r.metrics["recommendation"],
                "currency": r.metrics["currency"],
                "report": f"{r.slug}/report.html", "error": "",
                "p_best": risk.get(offer, {}).get("p_best"),
                "p_npv_positive": risk.get(offer, {}).get("p_npv_positive"),
                "flags": " | ".join(r.metrics.get("recommendation_flags", [])),
                "overrides": json.dumps(run.get("overrides") or {}, ensure_ascii=False),
                "trials": run.get("trials"), "seed": run.get("seed"),
                "file_sha256": run.get("sha256"), "run_at": run.get("at"),
                "version": run.get("version"),
                "this_run": "no" if r.extra.get("earlier_run") else "yes"})
    return rows


def earlier_results(out: Path, written: set[str]) -> list[RunResult]:
    """The scenario folders in ``out`` that earlier runs wrote (kit marker, ``metrics.json``)
    and this run did not, so the summary covers every scenario in the folder."""
    from bpo_roi.reporting.files import written_by_kit

    found = []
    for folder in sorted(p for p in out.iterdir() if not p.name.startswith(".")):
        if folder.name in written or not written_by_kit(folder):
            continue
        try:
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(metrics, dict) or "offers" not in metrics:
            continue
        file = str((metrics.get("run") or {}).get("file", ""))
        found.append(RunResult(file=file, ok=True, slug=folder.name, name=metrics.get("scenario"),
                               folder=str(folder), metrics=metrics,
                               extra={"earlier_run": True}))
    return found


def write_summary(results: list[RunResult], out: Path, *, interrupted: bool = False) -> None:
    """``summary.csv`` and ``summary.html``: one row per scenario × offer; failures listed.

    ``summary.html`` closes with an audit trail: one row per scenario with what its run was
    given (file, SHA-256, overrides, trials, seed, bpo-roi version, run time). Text cells of
    the CSV are inert (:func:`bpo_roi.reporting.files.inert_text`); the page escapes them.
    """
    from bpo_roi.reporting.files import atomic_write_text, inert_text
    from bpo_roi.reporting.formatting import PRICING_LABELS, esc, money, month_text, pct

    rows = summary_rows(results)

    def flag_note(row: dict[str, Any]) -> str:
        n = len([f for f in str(row.get("flags") or "").split(" | ") if f])
        return f" <span title='{esc(row['flags'])}'>⚑ {n}</span>" if n else ""

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else inert_text(row.get(k)))
                         for k in SUMMARY_COLUMNS})
    atomic_write_text(out / "summary.csv", buffer.getvalue())

    body = []
    for row in rows:
        if row["status"] != "ok":
            body.append(f"<tr class='failed'><td>{esc(row['scenario'] or row['file'])}</td>"
                        f"<td colspan='7'>failed: {esc(row['error'])}</td></tr>")
            continue
        best = " class='best'" if row["offer"] == row["recommendation"] else ""
        body.append(
            f"<tr{best}><td>{esc(row['scenario'])}</td><td>{esc(row['offer'])}</td>"
            f"<td>{esc(PRICING_LABELS.get(row['pricing_model'], row['pricing_model']))}</td>"
            f"<td>{money(row['npv'], esc(row['currency']))}</td><td>{pct(row['roi'])}</td>"
            f"<td>{month_text(row['payback_month'])}</td><td>{esc(row['recommendation'])}"
            f"{flag_note(row)}{'' if row['this_run'] == 'yes' else ' (earlier run)'}</td>"
            f"<td><a href='{esc(row['report'])}'>report</a></td></tr>")
    audit, seen = [], set()
    for row in rows:  # one row per scenario: every offer's row carries the same run fields
        if row["status"] != "ok" or row["report"] in seen:
            continue
        seen.add(row["report"])
        overrides = json.loads(row["overrides"] or "{}")
        changes = "; ".join(f"{k} = {v}" for k, v in overrides.items()) or "none"
        audit.append(
            f"<tr><td>{esc(row['scenario'])}</td><td>{esc(Path(str(row['file'])).name)}</td>"
            f"<td class='hash'>{esc(row['file_sha256'] or '—')}</td><td>{esc(changes)}</td>"
            f"<td>{esc(row['trials'] if row['trials'] is not None else '—')}</td>"
            f"<td>{esc(row['seed'] if row['seed'] is not None else '—')}</td>"
            f"<td>{esc(row['version'] or '—')}</td>"
            f"<td>{esc(str(row['run_at'] or '—').replace('T', ' '))}</td></tr>")
    mine = [r for r in results if not r.extra.get("earlier_run")]
    ok = sum(r.ok for r in mine)
    earlier = len(results) - len(mine)
    more = f"; {earlier} more from earlier runs in this folder" if earlier else ""
    status = ("<strong>This run was interrupted: the scenarios marked failed did not "
              "finish.</strong> ") if interrupted else ""
    html_text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{SUMMARY_HTML_MARK}
<title>bpo-roi portfolio summary</title>
<style>
body {{ font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; margin: 32px;
       color: #1d2733; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #e5e9ef; padding: 6px 8px; text-align: left; }}
tr.best td {{ background: #eaf4fb; font-weight: 600; }}
tr.failed td {{ background: #fdecea; color: #8a1c1c; }}
td.hash {{ font-family: monospace; font-size: .8em; overflow-wrap: anywhere; }}
</style></head><body>
<h1>Portfolio summary</h1>
<p>{status}{ok} of {len(mine)} scenarios of this run ran{more}; recommended offers are
highlighted, and ⚑ counts the flags of a recommendation (hover to read them).</p>
<table><tr><th>Scenario</th><th>Offer</th><th>Pricing</th><th>NPV</th><th>ROI</th>
<th>Payback</th><th>Recommendation</th><th></th></tr>
{''.join(body)}
</table>
<h2>Audit trail</h2>
<p>What each scenario's run was given: the scenario file and the SHA-256 of its bytes, the
overrides, the Monte Carlo trials and seed, the bpo-roi version and when it ran (UTC).</p>
<table><tr><th>Scenario</th><th>File</th><th>SHA-256</th><th>Overrides</th><th>Trials</th>
<th>Seed</th><th>Version</th><th>Run at (UTC)</th></tr>
{''.join(audit)}
</table></body></html>
"""
    atomic_write_text(out / "summary.html", html_text)


# -- command line ---------------------------------------------------------------------------


def add_run_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run", help="execute the business-case notebook per scenario: report.html, "
                    "results.xlsx, monthly.csv, metrics.json, and a portfolio summary")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="parallel worker processes (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="render the notebooks on the Dask cluster at tcp://HOST:PORT (default: "
                        "$DASK_SCHEDULER_ADDRESS, else on this machine); the files come back "
                        "here")
    p.add_argument("-p", dest="params", action="append", default=[], metavar="NAME=VALUE",
                   help="notebook parameter (trials=2000, seed=7) or scenario override "
                        "(workload.monthly_volume=90000); repeatable")
    p.add_argument("--cell-timeout", type=int, default=DEFAULT_CELL_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per notebook cell (default {DEFAULT_CELL_TIMEOUT})")
    p.add_argument("--notebook", default=str(NOTEBOOK), metavar="PATH",
                   help="the business-case notebook to execute per scenario (default: the "
                        "shipped notebooks/business_case.ipynb)")
    p.add_argument("--pdf", action="store_true",
                   help="also print report.pdf with a headless Chrome-family browser")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import signal

    from bpo_roi.cli.executors import ExecutorUnavailable, scheduler_address
    from bpo_roi.reporting.files import OutputBusyError

    if args.workers < 1:
        print(f"--workers: The 'workers' option must be an int ≥ 1. Got {args.workers} "
              f"instead.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not args.out.strip():
        print("--out: The 'out' option must be a folder path; got an empty string",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    browser = None
    if args.pdf:  # checked before any work starts
        from bpo_roi.reporting.pdf import NoBrowserError, find_browser

        try:
            browser = find_browser()
        except NoBrowserError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_BAD_INPUT
    notebook = Path(args.notebook)
    if not notebook.is_file():
        print(f"--notebook: {notebook}: notebook not found", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        params, overrides = parse_parameters(args.params, notebook)
    except ParameterError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{uuid.uuid4().hex[:8]}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        print(f"{out}: output folder cannot be written ({exc.strerror or exc})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        results = run_scenarios(list(args.files), out, workers=args.workers, parameters=params,
                                overrides=overrides, progress=not args.quiet,
                                notebook=notebook, cell_timeout=args.cell_timeout,
                                pdf_browser=browser,
                                scheduler=scheduler_address(args.scheduler))
    except (OutputBusyError, FileExistsError, ExecutorUnavailable) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except RunInterrupted as exc:
        name = "SIGINT" if exc.signum == signal.SIGINT else f"signal {exc.signum}"
        print(f"\nInterrupted ({name}): workers stopped; {out / 'summary.html'} lists what "
              f"finished", file=sys.stderr)
        return 128 + exc.signum
    for r in results:
        if r.ok and r.metrics is not None:
            print()
            print(headline_table(r.metrics))
            print(f"Report: {Path(r.folder or '') / 'report.html'}  ({r.seconds:.1f} s)")
        else:
            print(f"FAILED {r.file}: {r.error}", file=sys.stderr)
    print(f"\nSummary: {out / 'summary.html'} ({sum(r.ok for r in results)} of "
          f"{len(args.files)} scenarios ok)")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
