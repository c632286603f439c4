"""The life of a local worker process of :class:`bpo_roi.cli.executors.WorkPool`.

A worker quiets its standard error, ends when the parent run is gone, and on SIGTERM notes when
and kills the kernels it started (:func:`init_local_worker`). While it runs a task it notes, in
a slot of memory shared with the parent, the task's number and the step it is at
(:func:`note_step`), so that when a worker dies the pool can tell its task apart from those the
broken pool stopped (:meth:`bpo_roi.cli.executors.WorkPool.lost`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FIELDS", "ended_text", "exit_code", "init_local_worker", "note_step", "run_tracked"]


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


# In a worker: its slot of the shared array (see :class:`~bpo_roi.cli.executors.WorkPool`).
_SLOT: tuple[Any, int] | None = None
FIELDS = 4
"""A worker's slot: its pid, the number of the task it runs (-1: none), the step of that task
(:func:`note_step`; -1: none) and when it got a SIGTERM (``time.monotonic_ns``; 0: never)."""


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """Stop now: note when, kill this worker's kernels, then exit.

    The time tells the parent which worker was stopped first (:meth:`WorkPool.lost`). A kernel
    whose parent died before it started watching it would live on, so the worker ends its
    kernels itself. The temporary folder stays behind and the next run removes it
    (:func:`bpo_roi.reporting.files.remove_stale_work`).
    """
    import signal

    if _SLOT is not None:
        slots, base = _SLOT
        slots[base + 3] = time.monotonic_ns()
    for child in _child_pids(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
    os._exit(128 + signum)


def init_local_worker(parent_pid: int, slots: Any = None, claimed: Any = None) -> None:
    """Worker start-up: quiet standard error, die with the parent, stop cleanly on SIGTERM,
    and take a slot of ``slots`` (memory shared with the parent; ``claimed`` counts the slots
    taken) to note the task it runs.

    Standard error is silenced because kernels inherit it and print start-up warnings; results
    and errors travel back as return values, so nothing is lost.
    """
    import signal

    global _SLOT
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C reaches the whole process group; the parent decides what stops, and tells us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)
    if slots is not None and claimed is not None:
        with claimed.get_lock():
            index = claimed.value
            claimed.value += 1
        if (index + 1) * FIELDS <= len(slots):
            base = index * FIELDS
            slots[base + 1] = slots[base + 2] = -1
            slots[base] = os.getpid()
            _SLOT = (slots, base)


def run_tracked(number: int, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """On a local worker: note that this worker runs task ``number``, then run it."""
    slot = _SLOT
    if slot is None:
        return fn(*args, **kwargs)
    slots, base = slot
    slots[base + 2] = -1
    slots[base + 1] = number
    try:
        return fn(*args, **kwargs)
    finally:
        slots[base + 1] = -1


def note_step(step: int) -> None:
    """Called by a task on a worker: it is now at ``step`` (e.g. the index of the variant it
    evaluates), so that should the worker die, :meth:`WorkPool.lost` says which step was lost.
    Does nothing outside a local worker of a :class:`WorkPool`."""
    if _SLOT is not None:
        slots, base = _SLOT
        slots[base + 2] = int(step)


def ended_text(code: int | None) -> str:
    """How a worker process ended, from its exit code, for messages.

    >>> ended_text(-9)
    'killed by SIGKILL, e.g. by the out-of-memory killer'
    >>> ended_text(143), ended_text(1)
    ('stopped by SIGTERM', 'exit code 1')
    """
    import signal

    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"killed by {name}{', e.g. by the out-of-memory killer' if -code == 9 else ''}"
    if code == 128 + signal.SIGTERM:  # our SIGTERM handler's exit
        return "stopped by SIGTERM"
    return f"exit code {code}"


def exit_code(process: Any, wait: float = 2.0) -> int | None:
    """A worker's exit code, or None while it runs. An ended worker may show None for a moment:
    the pool's own thread reaps the same process, and our ``waitpid`` then finds nothing to
    reap until that thread has set the code; wait for it (a SIGKILLed worker read as still
    running was taken for one the pool stopped, and its task ran again)."""
    from multiprocessing.connection import wait as ready

    code = process.exitcode
    deadline = time.monotonic() + wait
    while code is None and time.monotonic() < deadline and ready([process.sentinel], 0):
        time.sleep(0.01)
        code = process.exitcode
    return code
