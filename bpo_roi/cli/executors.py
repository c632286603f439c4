"""Where ``bpo-roi run`` and ``bpo-roi sweep`` do their work: one interface, two back ends.

- **Local** (default): a :class:`concurrent.futures.ProcessPoolExecutor` of ``--workers N``
  processes started with ``spawn`` (no state inherited from the parent). Each worker's life
  (quiet standard error, ending with the parent, killing its kernels on SIGTERM, noting in
  memory shared with the parent which task and step it runs) is in
  :mod:`bpo_roi.cli.worker_process`, so that when one dies and breaks the pool
  (``BrokenProcessPool``), :meth:`WorkPool.lost` tells the task of the dead worker apart from
  those of the workers the broken pool then stopped: the commands fail that task alone and run
  the others again on a fresh pool. Only public APIs are used: the workers are the children
  :func:`multiprocessing.active_children` lists that appeared with the pool.
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
import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpo_roi.cli.worker_process import (
    FIELDS,
    ended_text,
    exit_code,
    init_local_worker,
    run_tracked,
)

__all__ = ["CONNECT_TIMEOUT", "RUN_WORKER_BYTES", "SCHEDULER_ENV", "SWEEP_WORKER_BYTES",
           "ExecutorUnavailable", "LostTask", "RunInterrupted", "WorkPool", "WorkerCap",
           "available_memory", "local_worker_cap", "open_pool", "scheduler_address",
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


@dataclass(frozen=True)
class LostTask:
    """A task whose own worker process died while running it (:meth:`WorkPool.lost`)."""

    future: cf.Future[Any]
    step: int
    """The step it was at (:func:`note_step`), -1 when it noted none."""
    ended: str
    """How the worker ended (:func:`ended_text`)."""


class _Workers:
    """The local worker processes of one pool, as the parent sees them: the
    :class:`multiprocessing.Process` objects (from :func:`multiprocessing.active_children`,
    those that appeared with the pool) and the shared slots the workers write."""

    def __init__(self, context: Any, n: int) -> None:
        import multiprocessing

        self.n = n
        self.slots = context.RawArray("q", n * FIELDS)
        self.claimed = context.Value("i", 0)
        self.earlier = {p.pid for p in multiprocessing.active_children()}
        self.processes: dict[int, Any] = {}

    def note_processes(self) -> None:
        """Add the pool's processes started since the last look (they start on submit)."""
        import multiprocessing

        if len(self.processes) >= self.n:
            return
        for p in multiprocessing.active_children():
            if p.pid not in self.earlier:
                self.processes.setdefault(p.pid, p)

    def stop(self, grace: float) -> None:
        """SIGTERM every worker, SIGKILL those still alive after ``grace`` seconds."""
        self.note_processes()
        processes = list(self.processes.values())
        for p in processes:
            with contextlib.suppress(Exception):
                p.terminate()
        deadline = time.monotonic() + grace
        for p in processes:
            with contextlib.suppress(Exception):
                p.join(max(0.0, deadline - time.monotonic()))
                if p.is_alive():
                    p.kill()
                    p.join(1.0)

    def died_on_their_own(self) -> list[tuple[int, int, int]]:
        """``(task number, step, exit code)`` of the workers that ended before the pool stopped
        the others. A worker the pool (or :meth:`stop`) stopped got a SIGTERM and exited by our
        handler (noting when) or, before the handler was set, by the signal; any other end is
        its own. When every worker got a SIGTERM, the first to get one is the dead one: the
        pool signals the others only once a worker has died. Call when all have ended."""
        import signal

        seen = []
        for k in range(self.n):
            pid, number, step, term = self.slots[k * FIELDS:(k + 1) * FIELDS]
            process = self.processes.get(pid)
            if pid == 0 or process is None:
                continue
            code = exit_code(process)
            stopped = code is None or code == -signal.SIGTERM or (
                code == 128 + signal.SIGTERM and term > 0)
            seen.append((number, step, code, term, stopped))
        dead = [s for s in seen if not s[4]]
        if not dead:
            termed = [s for s in seen if s[3] > 0]
            dead = [min(termed, key=lambda s: s[3])] if termed else []
        return [(number, step, code) for number, step, code, _, _ in dead]


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
    _workers: _Workers | None = field(default=None, repr=False)
    _futures: dict[int, cf.Future[Any]] = field(default_factory=dict, repr=False)
    _numbers: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args, **kwargs)`` on a worker; the result comes back as a future.

        Raises
        ------
        concurrent.futures.BrokenExecutor
            When a local worker has died and broken the pool (see :meth:`lost`).
        """
        if self._workers is None:
            return self.executor.submit(fn, *args, **kwargs)
        number = next(self._numbers)
        future = self.executor.submit(run_tracked, number, fn, *args, **kwargs)
        self._futures[number] = future
        self._workers.note_processes()
        return future

    def lost(self) -> list[LostTask]:
        """After a local worker died and broke the pool (its futures raise
        :class:`concurrent.futures.BrokenExecutor`): the tasks whose own worker died while
        running them, with the step each was at and how the worker ended. Stops the pool
        first. Every other unfinished task was only stopped with the pool and may run again.
        Empty for a Dask cluster (which runs a lost task again itself) and when no worker
        died while running a task."""
        self.stop()
        if self._workers is None:
            return []
        return [LostTask(self._futures[number], step, ended_text(code))
                for number, step, code in self._workers.died_on_their_own()
                if number in self._futures]

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
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self._workers is not None:
            self._workers.stop(grace=5.0)

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
        tracked = _Workers(context, n)
        pool = cf.ProcessPoolExecutor(max_workers=n, mp_context=context,
                                      initializer=init_local_worker,
                                      initargs=(os.getpid(), tracked.slots, tracked.claimed))
        return WorkPool(pool, n, f"{n} local worker process{'es' if n != 1 else ''}",
                        _workers=tracked)
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
