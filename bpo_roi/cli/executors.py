"""Where ``bpo-roi run`` and ``bpo-roi sweep`` do their work: one interface, two back ends.

- **Local** (default): a :class:`concurrent.futures.ProcessPoolExecutor` of ``--workers N``
  processes started with ``spawn`` (no state inherited from the parent). Each worker quiets its
  standard error, ends when the parent run is gone, and on SIGTERM kills the kernels it started
  (:func:`init_local_worker`).
- **Dask**: with ``--scheduler tcp://HOST:PORT`` (or the environment variable
  ``DASK_SCHEDULER_ADDRESS``), a :class:`distributed.Client` connected to that scheduler and
  its ``concurrent.futures`` executor (``client.get_executor``). The workers must have the same
  ``bpo_roi`` installed. When a worker dies, Dask runs its tasks again elsewhere, so no task is
  lost. ``dask`` and ``distributed`` are the optional ``[dask]`` extra.

Both give a :class:`WorkPool`: ``submit`` returns a :class:`concurrent.futures.Future`, so the
commands wait on either with :func:`concurrent.futures.as_completed`. Opening a pool fails with
:class:`ExecutorUnavailable` (one line: the extra is missing, the scheduler cannot be reached)
before any work is sent.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CONNECT_TIMEOUT", "RUN_WORKER_BYTES", "SCHEDULER_ENV", "SWEEP_WORKER_BYTES",
           "ExecutorUnavailable", "RunInterrupted", "WorkPool", "WorkerCap", "available_memory",
           "init_local_worker", "local_worker_cap", "open_pool", "scheduler_address",
           "signals_interrupt_the_run", "usable_cores"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
"""Environment variable read when ``--scheduler`` is not given."""

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a Dask scheduler to answer before giving up with one line."""


RUN_WORKER_BYTES = 600 * 2**20
"""Estimated memory of one local worker of ``bpo-roi run``: the worker process and its kept
notebook kernel (pandas, plotly and the kit imported in both; ``--workers 8`` measured about
4 GB for 18 processes)."""

SWEEP_WORKER_BYTES = 300 * 2**20
"""Estimated memory of one local worker of ``bpo-roi sweep`` (no kernel)."""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform says, else
    :func:`os.cpu_count`), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Bytes of memory available to start new processes without swapping (``MemAvailable`` of
    ``/proc/meminfo``; else free pages from :func:`os.sysconf`), or ``None`` when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class WorkerCap:
    """How many local workers this machine takes, and why (:func:`local_worker_cap`)."""

    workers: int
    cores: int
    memory: int | None
    per_worker: int

    def note(self, asked: int, option: str = "--workers") -> str | None:
        """One line when ``asked`` is above the cap, else ``None``."""
        if asked <= self.workers:
            return None
        why = [f"{self.cores} core{'s' if self.cores != 1 else ''}"]
        if self.memory is not None:
            why.append(f"{self.memory / 2**30:.1f} GB of memory available at about "
                       f"{self.per_worker / 2**20:.0f} MB a worker")
        return (f"note: {option} {asked}: using {self.workers} local worker process"
                f"{'es' if self.workers != 1 else ''} ({' and '.join(why)})")


def local_worker_cap(per_worker: int = RUN_WORKER_BYTES) -> WorkerCap:
    """The most local workers worth starting: no more than the usable cores, and no more than
    the available memory holds at ``per_worker`` bytes each (at least 1)."""
    cores = usable_cores()
    memory = available_memory()
    by_memory = cores if memory is None else max(1, memory // max(1, per_worker))
    return WorkerCap(max(1, min(cores, by_memory)), cores, memory, per_worker)


class ExecutorUnavailable(RuntimeError):
    """The requested executor cannot be used (the message is one line for the user)."""


class RunInterrupted(Exception):
    """The run was stopped by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by signal {signum}")
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt_the_run() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`RunInterrupted` (in the main thread; elsewhere nothing
    changes)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise RunInterrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def scheduler_address(option: str | None) -> str | None:
    """The Dask scheduler to use: ``--scheduler`` if given, else ``$DASK_SCHEDULER_ADDRESS``,
    else ``None`` (work locally). Blank values count as not given.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    value = option if option is not None else os.environ.get(SCHEDULER_ENV)
    value = (value or "").strip()
    return value or None


# -- local worker processes -----------------------------------------------------------------


def _watch_parent(parent_pid: int) -> None:
    """End this worker when the parent run is gone (SIGKILL leaves no chance to clean up)."""
    import signal
    import threading

    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):  # PR_SET_PDEATHSIG = 1: SIGTERM on parent death
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.5)

    threading.Thread(target=watch, name="bpo-roi-parent-watch", daemon=True).start()


def _child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    children = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(entry.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            children.append(int(entry.parent.name))
    return children


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """Stop now: kill this worker's kernels, then exit.

    A kernel whose parent died before it started watching it would live on, so the worker ends
    its kernels itself. The temporary folder stays behind and the next run removes it
    (:func:`bpo_roi.reporting.files.remove_stale_work`).
    """
    import signal

    for child in _child_pids(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    os._exit(128 + signum)


def init_local_worker(parent_pid: int) -> None:
    """Worker start-up: quiet standard error, die with the parent, stop cleanly on SIGTERM.

    Standard error is silenced because kernels inherit it and print start-up warnings; results
    and errors travel back as return values, so nothing is lost.
    """
    import signal

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C reaches the whole process group; the parent decides what stops, and tells us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)


# -- the pool -------------------------------------------------------------------------------


@dataclass
class WorkPool:
    """Somewhere to send work: local processes or a Dask cluster (see module docstring).

    Attributes
    ----------
    executor : concurrent.futures.Executor
        Where :meth:`submit` sends the work.
    parallelism : int
        How many tasks run at once (worker processes, or the cluster's worker threads when it
        was opened); the commands size their batches with it.
    where : str
        Where the work runs, for messages.
    remote : bool
        ``True`` on a Dask cluster: workers may be other machines, so tasks must carry their
        inputs and return their outputs rather than read and write local files.
    """

    executor: cf.Executor
    parallelism: int
    where: str
    remote: bool = False
    client: Any = None
    _closed: bool = field(default=False, repr=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args, **kwargs)`` on a worker; the result comes back as a future."""
        return self.executor.submit(fn, *args, **kwargs)

    def stop(self) -> None:
        """Stop now: cancel queued work; stop local workers (SIGTERM, then SIGKILL after 5 s).

        On a cluster, queued and running tasks are cancelled and the client disconnects; a task
        already running on a worker finishes there, and its result is dropped.
        """
        if self._closed:
            return
        self._closed = True
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.executor.shutdown(wait=False, cancel_futures=True)
            with contextlib.suppress(Exception):
                self.client.close(timeout=2)
            return
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        deadline = time.monotonic() + 5.0
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(max(0.0, deadline - time.monotonic()))
                if p.is_alive():
                    p.kill()

    def close(self) -> None:
        """Wait for submitted work, then release the workers (or disconnect from the cluster)."""
        if self._closed:
            return
        self._closed = True
        self.executor.shutdown(wait=True)
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close(timeout=5)

    def __enter__(self) -> WorkPool:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.stop()


def open_pool(workers: int = 1, scheduler: str | None = None, *,
              connect_timeout: float = CONNECT_TIMEOUT,
              per_worker: int = RUN_WORKER_BYTES) -> WorkPool:
    """A :class:`WorkPool`: ``workers`` local processes, or the Dask cluster at ``scheduler``.

    Parameters
    ----------
    workers : int
        Local worker processes (ignored on a cluster, whose size its workers decide), capped
        at :func:`local_worker_cap` (the commands print the note:
        :func:`bpo_roi.cli.options.cap_workers`).
    per_worker : int
        Estimated bytes of one local worker, for the cap.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``); see :func:`scheduler_address`.
    connect_timeout : float
        Seconds to wait for the scheduler.

    Raises
    ------
    ExecutorUnavailable
        Without the ``[dask]`` extra, or when the scheduler does not answer in time.
    """
    if scheduler is None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        n = min(max(1, int(workers)), local_worker_cap(per_worker).workers)
        pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=context,
                                      initializer=init_local_worker, initargs=(os.getpid(),))
        return WorkPool(pool, n, f"{n} local worker process{'es' if n != 1 else ''}")
    return _open_dask(scheduler, connect_timeout)


def _open_dask(address: str, timeout: float) -> WorkPool:
    try:
        import distributed
    except ImportError:
        raise ExecutorUnavailable(
            f"--scheduler {address}: running on a Dask cluster needs the optional packages "
            f"dask and distributed: pip install 'bpo-roi[dask]'") from None
    import logging

    # a refused connection is retried until the timeout and logged each time: one line is ours
    quiet = [logging.getLogger(n) for n in ("distributed", "distributed.client",
                                            "distributed.core", "distributed.comm")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.CRITICAL)
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExecutorUnavailable(
            f"--scheduler {address}: cannot reach the Dask scheduler within {timeout:g} s "
            f"({reason[:160]})") from None
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    try:
        info = client.scheduler_info(n_workers=-1)
    except TypeError:  # older distributed: every worker listed by default
        info = client.scheduler_info()
    except Exception:
        info = {}
    workers = (info or {}).get("workers", {}) or {}
    threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
    executor = client.get_executor(pure=False)
    return WorkPool(executor, max(1, threads), f"Dask cluster at {address} ({len(workers)} "
                    f"worker{'s' if len(workers) != 1 else ''})", remote=True, client=client)
