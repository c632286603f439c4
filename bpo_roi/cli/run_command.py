"""``bpo-roi run``: its options, every check before any work, then
:func:`~bpo_roi.cli.runner.run_scenarios` and what it prints."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error_line, headline_table
from bpo_roi.cli.options import (
    OptionError,
    cap_workers,
    check_cell_timeout,
    check_notebook,
    check_out,
    check_workers,
)

__all__ = ["add_run_parser", "cmd_run"]


def add_run_parser(sub: Any) -> None:
    """The ``run`` sub-command (:func:`cmd_run`)."""
    from bpo_roi.cli.parameters import NOTEBOOK
    from bpo_roi.cli.tasks import DEFAULT_CELL_TIMEOUT

    p = sub.add_parser(
        "run", help="execute the business-case notebook per scenario: report.html, "
                    "results.xlsx, monthly.csv, metrics.json, and a portfolio summary")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="parallel worker processes (default 1; at most the cores and what "
                        "the memory takes, with a note when fewer)")
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
    p.add_argument("--bids", action="append", default=[], metavar="FILE.xlsx",
                   help="a returned price sheet (bpo-roi bid-sheet) to add as an offer to "
                        "every scenario; repeat for more")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """``bpo-roi run``: every check before any work, then
    :func:`~bpo_roi.cli.runner.run_scenarios`; each scenario's headline table, the summary."""
    import signal
    import uuid

    from bpo_roi.cli.executors import ExecutorUnavailable, RunInterrupted, scheduler_address
    from bpo_roi.cli.parameters import ParameterError, parse_parameters
    from bpo_roi.cli.runner import run_scenarios
    from bpo_roi.cli.tasks import rejected_overrides
    from bpo_roi.reporting.files import OutputRefusedError

    try:
        check_workers(args.workers, "bpo-roi run")
        check_out(args.out, "bpo-roi run")
    except OptionError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    workers, scheduler = args.workers, scheduler_address(args.scheduler)
    if args.bids and scheduler is not None:
        error_line("--bids: not available with a Dask scheduler yet (the price sheets are not "
                   "sent to the workers); run locally, or add the bids to the scenario file "
                   "with bpo-roi convert")
        return EXIT_BAD_INPUT
    if scheduler is None:  # local workers: no more than the cores and memory take
        workers, note = cap_workers(workers)
        if note:
            error_line(note)
    browser = None
    if args.pdf:  # checked before any work starts
        from bpo_roi.reporting.pdf import NoBrowserError, find_browser

        try:
            browser = find_browser()
        except NoBrowserError as exc:
            error_line(str(exc))
            return EXIT_BAD_INPUT
    notebook = Path(args.notebook)
    try:
        check_cell_timeout(args.cell_timeout, "bpo-roi run")
        check_notebook(args.notebook, "bpo-roi run")
    except OptionError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    try:
        params, overrides = parse_parameters(args.params, notebook)
    except ParameterError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    rejected = rejected_overrides(list(args.files), overrides)  # before any kernel starts
    for line in rejected:
        error_line(line)
    if rejected:
        return EXIT_BAD_INPUT
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{uuid.uuid4().hex[:8]}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        error_line(f"{out}: output folder cannot be written ({exc.strerror or exc})")
        return EXIT_BAD_INPUT
    try:
        results = run_scenarios(list(args.files), out, workers=workers, parameters=params,
                                overrides=overrides, progress=not args.quiet,
                                notebook=notebook, cell_timeout=args.cell_timeout,
                                pdf_browser=browser, scheduler=scheduler,
                                bids=tuple(args.bids))
    except (OutputRefusedError, FileExistsError, ExecutorUnavailable) as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    except RunInterrupted as exc:
        name = "SIGINT" if exc.signum == signal.SIGINT else f"signal {exc.signum}"
        error_line(f"\nInterrupted ({name}): workers stopped; {out / 'summary.html'} lists what "
                   f"finished")
        return 128 + exc.signum
    for r in results:
        if r.ok and r.metrics is not None:
            print()
            print(headline_table(r.metrics))
            print(f"Report: {Path(r.folder or '') / 'report.html'}  ({r.seconds:.1f} s)")
        else:
            error_line(f"FAILED {r.file}: {r.error}")
    print(f"\nSummary: {out / 'summary.html'} ({sum(r.ok for r in results)} of "
          f"{len(args.files)} scenarios ok)")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
