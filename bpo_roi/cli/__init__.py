"""Command-line layer: ``bpo-roi validate | evaluate | run | sweep | new | diff | notebook-path``.

:mod:`~bpo_roi.cli.commands` (argument parsing, one function per command),
:mod:`~bpo_roi.cli.options` (the options commands share, checked with the kit's one sentence),
:mod:`~bpo_roi.cli.runner` (``bpo-roi run``: notebooks executed per scenario in worker processes
or on Dask workers) with its parts :mod:`~bpo_roi.cli.parameters` (``-p NAME=VALUE``),
:mod:`~bpo_roi.cli.tasks` (typed tasks and the plan), :mod:`~bpo_roi.cli.kernel_engine` (the
kept-kernel papermill engine) and :mod:`~bpo_roi.cli.install` (atomic output folders),
:mod:`~bpo_roi.cli.sweep` (``bpo-roi sweep``), :mod:`~bpo_roi.cli.executors` (local processes
or a Dask cluster) and :mod:`~bpo_roi.cli.console` (exit statuses and the printed headline
table).

May import: every layer below (reporting, analysis, model, scenario, staffing); papermill, tqdm,
distributed (optional).
"""

from bpo_roi.cli.commands import main

__all__ = ["main"]
