"""Checks of the command-line options that every command shares (``--workers``, ``--trials``,
``--seed``, ``--out``), each failing with the kit's one sentence
(:func:`bpo_roi._validation.invalid_parameter`) after the option's name:

>>> check_workers(0, "bpo-roi run")
Traceback (most recent call last):
...
bpo_roi.cli.options.OptionError: --workers: The 'workers' parameter of bpo-roi run must be an int ≥ 1. Got 0 instead.
"""  # noqa: E501

from __future__ import annotations

import warnings
from typing import Any

from bpo_roi._validation import interval_text, invalid_parameter

__all__ = ["OptionError", "cap_workers", "check_cell_timeout", "check_notebook", "check_out",
           "check_seed", "check_trials", "check_workers", "option_error"]


class OptionError(ValueError):
    """A command-line option the command cannot take (the message is one line)."""


def option_error(option: str, command: str, rule: str, value: Any, *,
                 got: str | None = None) -> OptionError:
    """``--OPTION: The 'OPTION' parameter of COMMAND must be RULE. Got VALUE instead.``"""
    sentence = invalid_parameter(option.replace("-", "_"), command, rule, value, got=got)
    return OptionError(f"--{option}: {sentence}")


def check_workers(workers: int, command: str) -> None:
    """``--workers`` is at least 1."""
    if workers < 1:
        raise option_error("workers", command, interval_text(ge=1, what="an int"), workers)


def check_trials(trials: int | None, command: str) -> None:
    """``--trials``, when given, is an allowed number of Monte Carlo trials."""
    from bpo_roi.analysis.monte_carlo import MAX_TRIALS, TRIALS_RULE

    if trials is not None and not 1 <= trials <= MAX_TRIALS:
        raise option_error("trials", command, TRIALS_RULE, trials)


def check_seed(seed: int | None, command: str) -> None:
    """``--seed``, when given, is an allowed Monte Carlo seed."""
    from bpo_roi.cli.parameters import MAX_SEED

    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise option_error("seed", command, interval_text(ge=0, le=MAX_SEED, what="an int"),
                           seed)


def check_out(out: str, command: str) -> None:
    """``--out`` is not empty (where it points is checked by each command)."""
    if not out.strip():
        raise option_error("out", command, "a folder path", out, got="an empty string")


def cap_workers(workers: int, per_worker: int | None = None) -> tuple[int, str | None]:
    """``--workers`` capped at the cores and memory of this machine
    (:func:`bpo_roi.cli.executors.local_worker_cap`): the number of local workers to start and
    the one note line to print when fewer than asked, else ``None``.

    ``per_worker`` is the estimated bytes of one worker (default: a ``run`` worker with its
    kernel, :data:`bpo_roi.cli.executors.RUN_WORKER_BYTES`).
    """
    from bpo_roi.cli.executors import RUN_WORKER_BYTES, local_worker_cap

    cap = local_worker_cap(RUN_WORKER_BYTES if per_worker is None else per_worker)
    return min(workers, cap.workers), cap.note(workers)


def check_cell_timeout(seconds: int, command: str) -> None:
    """``--cell-timeout`` is at least 1 second."""
    if seconds < 1:
        raise option_error("cell-timeout", command, interval_text(ge=1, what="an int (seconds)"),
                           seconds)


def check_notebook(path: str, command: str) -> None:
    """``--notebook`` is a Jupyter notebook whose parameters can be read."""
    from pathlib import Path

    from bpo_roi.cli.parameters import notebook_parameters

    rule = "a Jupyter notebook (.ipynb) with a cell tagged \"parameters\""
    if not Path(path).is_file():
        # a path is named in full: a user must find the file it means
        raise option_error("notebook", command, rule, path, got=f"{path!r} "
                           f"({'a folder' if Path(path).is_dir() else 'not found'})")
    try:
        with warnings.catch_warnings():  # papermill warns of a name not ending in .ipynb
            warnings.simplefilter("ignore")
            notebook_parameters(path)
    except Exception as exc:  # nbformat and papermill raise many kinds: none is a notebook
        reason = ("its text is not JSON" if "JSON" in type(exc).__name__ else
                  "its JSON does not hold notebook cells")
        raise option_error("notebook", command, rule, path,
                           got=f"{path!r}, which is not a notebook ({reason}),") from None
