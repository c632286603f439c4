"""Notebooks in a kept kernel: a papermill engine registered through papermill's public API.

Starting a kernel and importing pandas, plotly and the kit in it take about 2.5 s: more than a
business-case notebook's own work. A worker of ``bpo-roi run`` therefore keeps one kernel per
thread from one scenario to the next (:func:`kept_kernel`), warms it up with the notebook's
imports while it computes the scenario (:data:`WARM_UP`), and resets it before each notebook
(:data:`RESET`), so the executed notebook is the same as in a fresh kernel.

:class:`KeptKernelEngine` is papermill's own ``NBClientEngine``, registered under
:data:`ENGINE_NAME` with ``papermill_engines.register``: it resets the kept kernel, then lets
``NBClientEngine`` execute the notebook with the kept kernel's manager (``km``, a parameter
papermill passes on to nbclient). nbclient asks that manager for a client; a kept kernel's
manager (:class:`KeptKernelManager`) always hands out the same connected client, which stays
connected afterwards (nbclient leaves a kernel it was given running).
"""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from papermill.engines import NBClientEngine, papermill_engines

__all__ = ["ENGINE_NAME", "KERNEL_ARGUMENTS", "KERNEL_START_FAILURES", "RESET", "WARM_UP",
           "KeptKernel", "KeptKernelEngine", "drop_kernel", "execute_notebook", "kept_kernel"]

ENGINE_NAME = "bpo-roi-kept-kernel"
"""Name of :class:`KeptKernelEngine` in papermill's engine registry."""

KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying")
"""Kernel start-up failures worth one retry: parallel start-ups can race (papermill #239)."""

RESET = "get_ipython().reset(new_session=True)"
"""Run before each notebook in a kept kernel: an empty namespace, a new history session (an
empty ``In``), cells numbered from 1. (``%reset -f`` keeps the history session: cells numbered
from 1 again then collide with the previous notebook's lines in the history database.)"""

WARM_UP = """\
try:
    import bpo_roi.reporting.case, bpo_roi.reporting.charts, bpo_roi.reporting.html_report
    import bpo_roi.scenario.reading, bpo_roi.analysis.business_case
    import plotly.graph_objects, plotly.io._renderers
except Exception:
    pass
"""
"""Sent to a kept kernel as soon as it starts: the imports of every business-case notebook
(pandas, plotly and its renderers, the kit: about 1.5 s), made while the worker computes the
scenario. Silent and outside the history; the reset before each notebook (:data:`RESET`)
empties the namespace, so only ``sys.modules`` keeps them, as it keeps a previous notebook's
imports."""


class KeptKernelClient(AsyncKernelClient):
    """The one client of a kept kernel: connecting it again, or waiting again for a kernel
    that already answered, does nothing (a new connection waits ≥ 0.2 s for IOPub)."""

    _ready = False

    def start_channels(self, *args: Any, **kwargs: Any) -> None:
        if not self.channels_running:
            super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        if not self._ready:
            await super().wait_for_ready(timeout=timeout)
            self._ready = True


class KeptKernelManager(AsyncKernelManager):
    """A kernel manager whose :meth:`client` is always the same :class:`KeptKernelClient`."""

    _kept_client: KeptKernelClient | None = None

    def client(self, **kwargs: Any) -> KeptKernelClient:
        if self._kept_client is None:
            self._kept_client = super().client(**kwargs)
        return self._kept_client


KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
"""Added to a kept kernel's command line: no IPython history database (by default
``~/.ipython/profile_default/history.sqlite``). The kernel's IPython folder (its profile,
``startup/``, ``pid/``) is also a temporary folder of the worker, removed with the kernel, so a
run writes nothing under ``$HOME``."""


@contextlib.contextmanager
def _ipython_dir(folder: str) -> Any:
    """``$IPYTHONDIR`` is ``folder`` inside the block (the kernel inherits it)."""
    import os

    before = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IPYTHONDIR", None)
        else:
            os.environ["IPYTHONDIR"] = before


class KeptKernel:
    """A kernel of this worker and its one client, kept from one notebook to the next."""

    def __init__(self, cwd: str) -> None:
        import tempfile

        from jupyter_core.utils import run_sync

        self.ipython_dir = tempfile.mkdtemp(prefix="bpo-roi-ipython-")
        self.km = KeptKernelManager(kernel_name="python3", client_factory=KeptKernelClient)
        with _ipython_dir(self.ipython_dir):  # finding the kernel spec makes ~/.ipython too
            run_sync(self.km.start_kernel)(  # returns once the process is launched
                cwd=cwd, extra_arguments=[*KERNEL_ARGUMENTS,
                                          f"--ipython-dir={self.ipython_dir}"])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.allow_stdin = False
        self.kc.execute(WARM_UP, silent=True, store_history=False)

    def reset(self, timeout: float) -> None:
        """Wait until the kernel answers (the first time: after its warm-up imports), then
        empty its namespace and history (:data:`RESET`).

        Raises
        ------
        RuntimeError
            ``"Kernel didn't respond ..."`` after ``timeout`` seconds, or ``"Kernel died
            before replying ..."`` when the reset fails.
        """
        from jupyter_core.utils import run_sync

        run_sync(self.kc.wait_for_ready)(timeout=timeout)
        reply = run_sync(self.kc.execute_interactive)(
            RESET, silent=True, store_history=False, timeout=timeout,
            output_hook=lambda msg: None)
        if reply.get("content", {}).get("status") != "ok":
            raise RuntimeError("Kernel died before replying to the reset of a kept kernel")

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
        import shutil

        shutil.rmtree(self.ipython_dir, ignore_errors=True)


_KERNELS: dict[tuple[int, str], KeptKernel] = {}
"""Kernels kept by this worker process, one per thread and working folder."""


def kept_kernel(cwd: str) -> KeptKernel:
    """A kernel for notebooks run from ``cwd``, started once per worker thread and reused.

    A kernel that died or timed out is replaced. The kernels are children of the worker: they
    end with it (``init_local_worker`` kills them on SIGTERM; a finaliser shuts them down when
    the pool closes; ipykernel also exits when its parent is gone).
    """
    key = (threading.get_ident(), cwd)
    kept = _KERNELS.get(key)
    if kept is not None:
        if kept.is_alive():
            return kept
        drop_kernel(cwd)
    if not _KERNELS:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _drop_all_kernels, exitpriority=10)
    kept = _KERNELS[key] = KeptKernel(cwd)
    return kept


def drop_kernel(cwd: str) -> None:
    """Shut down this thread's kept kernel for ``cwd``, if any."""
    kept = _KERNELS.pop((threading.get_ident(), cwd), None)
    if kept is not None:
        kept.shutdown()


def _drop_all_kernels() -> None:
    for kept in list(_KERNELS.values()):
        kept.shutdown()
    _KERNELS.clear()


class KeptKernelEngine(NBClientEngine):
    """papermill's nbclient engine, run in a :class:`KeptKernel` (``kept=``): the kernel is
    reset first and left running after."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, *, kept: KeptKernel,
                                 start_timeout: int = 60, **kwargs: Any) -> Any:
        kept.reset(start_timeout)
        return super().execute_managed_notebook(nb_man, kernel_name, km=kept.km,
                                                start_timeout=start_timeout, **kwargs)


papermill_engines.register(ENGINE_NAME, KeptKernelEngine)


def execute_notebook(notebook: str, executed: Path, parameters: dict[str, Any],
                     cell_timeout: int, keep_kernel: bool = False) -> Any:
    """Execute ``notebook`` into ``executed`` with papermill and return the executed notebook;
    retry once when the kernel did not start. With ``keep_kernel`` the notebook runs in this
    worker's kept kernel (:func:`kept_kernel`), which is replaced after any failure.

    ``executed`` is written once, when the notebook has run (or failed). Papermill would
    otherwise write it before and after every cell, ≈50 times, most of them with plotly.js
    (≈5 MB) embedded: over a second per scenario, for a file in a temporary folder that nobody
    reads before the scenario is complete."""
    import papermill as pm

    cwd = str(Path(notebook).parent)
    for attempt in (1, 2):
        extra: dict[str, Any] = {}
        if keep_kernel:
            extra = {"engine_name": ENGINE_NAME, "kept": kept_kernel(cwd)}
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
                drop_kernel(cwd)
            if attempt == 2 or not any(s in str(exc) for s in KERNEL_START_FAILURES):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
