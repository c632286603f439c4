"""Command-line layer: ``bpo-roi validate | evaluate | run | new`` and the scenario runner.

:mod:`~bpo_roi.cli.commands` (argument parsing, one function per command),
:mod:`~bpo_roi.cli.runner` (``bpo-roi run``: notebooks executed per scenario in worker processes,
atomic output folders, the portfolio summary) and :mod:`~bpo_roi.cli.console` (exit statuses
and the printed headline table).

May import: every layer below (reporting, analysis, model, scenario, staffing); papermill, tqdm.
"""

from bpo_roi.cli.commands import main

__all__ = ["main"]
