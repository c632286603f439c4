"""``bpo-roi sweep``: many scenarios × override variants, engine only, one tidy table.

No notebook and no kernel: each variant is evaluated as ``bpo-roi evaluate`` evaluates a file
(:func:`bpo_roi.analysis.portfolio.variant_rows`), in batches sent to local worker processes or
to a Dask cluster (:mod:`bpo_roi.cli.executors`). The result is ``sweep.parquet`` and
``sweep.csv`` in ``--out``: one row per scenario × variant × offer with the overrides as
columns, every per-offer metric of ``metrics.json``, the recommendation, and with ``--trials``
the risk figures. A variant that fails is a row with its ``error``; so is the variant a
local worker process was evaluating when it died (killed, the out-of-memory killer): the
other unfinished variants run again on fresh workers (:func:`run_sweep`).

Everything the user typed is checked before any work starts: grid syntax, every path in every
scenario, every value on its own. Each problem is one line on standard error and exit status 2.

Before any worker starts, the sweep says how big it is: the number of evaluations (scenario
files × variants × offers) and the time they should take, from a timing of one variant here
(:func:`bpo_roi.cli.sweep_size.estimate_sweep`). Above :data:`CONFIRM_ABOVE` evaluations it
refuses in one line unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error_line
from bpo_roi.cli.sweep_grid import GridError, check_grid, parse_grid
from bpo_roi.cli.sweep_size import SweepEstimate, estimate_sweep
from bpo_roi.reporting.case import DEFAULT_SEED

__all__ = ["CONFIRM_ABOVE", "MAX_VARIANTS", "GridError", "SweepEstimate", "add_sweep_parser",
           "check_grid", "estimate_sweep", "parse_grid", "plan_batches", "run_sweep",
           "sweep_table"]  # the grid's names live in cli.sweep_grid

MAX_VARIANTS = 1_000_000
"""Largest sweep accepted (scenario files × grid variants)."""
CONFIRM_ABOVE = 100_000
"""Evaluations (scenario files × variants × offers) above which a sweep runs only with
``--yes``: about a minute of work on two cores at the measured 20,000–30,000 evaluations a
minute (far more with ``--trials`` or ``--breakeven``)."""
BATCH_MAX = 64
"""Most variants in one task: about a second of work, so a lost worker costs little."""
POOL_RESTARTS = 3
"""Fresh local pools a sweep opens at most after workers died (see :func:`run_sweep`)."""

def plan_batches(n_scenarios: int, n_variants: int, parallelism: int
                 ) -> list[tuple[int, list[int]]]:
    """Split the sweep into tasks: ``(scenario index, [variant indices])``, each batch of one
    scenario, about four per worker thread and at most :data:`BATCH_MAX` variants.

    >>> plan_batches(2, 5, 1)
    [(0, [0, 1, 2]), (0, [3, 4]), (1, [0, 1, 2]), (1, [3, 4])]
    """
    total = n_scenarios * n_variants
    size = max(1, min(BATCH_MAX, math.ceil(total / (4 * max(1, parallelism)))))
    return [(i, list(range(start, min(start + size, n_variants))))
            for i in range(n_scenarios) for start in range(0, n_variants, size)]


def _run_batch(scenario: Any, variants: list[dict[str, Any]], trials: int | None,
               seed: int | None, breakeven: bool) -> list[list[dict[str, Any]]]:
    """One task, on a worker: the rows of each variant of one scenario (noting which variant
    it is at, :func:`bpo_roi.cli.worker_process.note_step`, should the worker die)."""
    from bpo_roi.analysis.portfolio import evaluate_batch
    from bpo_roi.cli.worker_process import note_step

    return evaluate_batch(scenario, variants, trials=trials, seed=seed, breakeven=breakeven,
                          before_each=note_step)


def sweep_table(rows: list[dict[str, Any]], grid_paths: Sequence[str]) -> Any:
    """The tidy table: columns ``scenario, file, variant``, the grid paths, then
    :data:`bpo_roi.analysis.portfolio.ROW_KEYS`; numbers as float (months as nullable int)."""
    import pandas as pd

    from bpo_roi.analysis.portfolio import ROW_KEYS

    columns = ["scenario", "file", "variant", *grid_paths, *ROW_KEYS]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    text = {"scenario", "file", "offer", "pricing_model", "irr_note", "recommendation",
            "currency", "flags", "error"}
    for column in columns:
        if column in grid_paths:
            values = frame[column].tolist()
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for v in values)
            frame[column] = (pd.Series(values, dtype=float) if numeric
                             else pd.Series([str(v) for v in values], dtype=object))
        elif column in ("variant",):
            frame[column] = frame[column].astype("int64")
        elif column in ("payback_month", "discounted_payback_month", "horizon_months"):
            frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
        elif column in text:
            frame[column] = pd.Series([v if isinstance(v, str) else None
                                       for v in frame[column]], dtype=object)
        else:
            frame[column] = pd.Series([math.nan if v is None else v for v in frame[column]],
                                      dtype=float)
    return frame


def run_sweep(scenarios: Sequence[tuple[str, Any]], grid: dict[str, list[Any]],
              resolved: dict[str, dict[str, str]], pool: Any, *, trials: int | None = None,
              seed: int | None = None, breakeven: bool = False, progress: bool = True,
              reopen: Callable[[], Any] | None = None) -> Any:
    """Evaluate every scenario × grid variant on ``pool`` (:class:`bpo_roi.cli.executors.
    WorkPool`); return the table (:func:`sweep_table`), rows in file, variant, offer order
    whatever order the tasks finished in.

    A local worker process that dies (killed, the out-of-memory killer) breaks its pool: the
    variant it was evaluating becomes a row with its error (how the worker ended), and every
    other unfinished variant runs again on a fresh pool from ``reopen``, up to
    :data:`POOL_RESTARTS` times; past that, or without ``reopen``, they too are rows with their
    error. The fresh pools are closed (or stopped) here; ``pool`` is stopped if it broke.
    """
    from tqdm import tqdm

    from bpo_roi.analysis.portfolio import grid_variants

    variants = grid_variants(grid)
    batches = plan_batches(len(scenarios), len(variants), pool.parallelism)
    done: dict[tuple[int, int], list[dict[str, Any]]] = {}
    bar = tqdm(total=len(scenarios) * len(variants), desc="variants", unit="variant",
               disable=not progress, file=sys.stderr)
    current = pool
    try:
        for restarts in itertools.count():
            batches = _sweep_round(current, batches, scenarios, resolved, variants, done, bar,
                                   (trials, seed, breakeven))
            if not batches:
                break
            if reopen is None or restarts >= POOL_RESTARTS:
                why = (f"worker failed: not evaluated; worker processes died {restarts + 1} "
                       f"time{'s' if restarts else ''} during this sweep (the rows of the "
                       f"variants they were evaluating say how)")
                for i, indices in batches:
                    done.update({(i, j): [{"error": why}] for j in indices})
                    bar.update(len(indices))
                break
            current = reopen()
        if current is not pool:
            current.close()
    except BaseException:
        current.stop()
        raise
    finally:
        bar.close()
    table_rows = []
    for i, (file, scenario) in enumerate(scenarios):
        for j, variant in enumerate(variants):
            for row in done[(i, j)]:
                table_rows.append({"scenario": scenario.scenario.name, "file": file,
                                   "variant": j, **variant, **row})
    return sweep_table(table_rows, list(grid))


def _sweep_round(pool: Any, batches: list[tuple[int, list[int]]],
                 scenarios: Sequence[tuple[str, Any]], resolved: dict[str, dict[str, str]],
                 variants: list[dict[str, Any]], done: dict[tuple[int, int], Any], bar: Any,
                 settings: tuple[int | None, int | None, bool]) -> list[tuple[int, list[int]]]:
    """One pool's round of :func:`run_sweep`: fill ``done``; when a local worker died, fail
    the variant it was evaluating and return the batches to run again."""
    from concurrent.futures import BrokenExecutor

    futures: dict[Any, tuple[int, list[int]]] = {}
    again: list[tuple[int, list[int]]] = []
    for n, (i, indices) in enumerate(batches):
        file, scenario = scenarios[i]
        paths = resolved[file]
        payload = [{paths[p]: v for p, v in variants[j].items()} for j in indices]
        try:
            futures[pool.submit(_run_batch, scenario, payload, *settings)] = (i, indices)
        except BrokenExecutor:  # a worker died while the batches were being sent
            again = list(batches[n:])
            break
    broken: dict[Any, tuple[int, list[int]]] = {}
    for future in as_completed(futures):
        i, indices = futures[future]
        try:
            results = future.result()
        except BrokenExecutor:  # a worker died: which one, and on what, is sorted out below
            broken[future] = (i, indices)
            continue
        except Exception as exc:  # the task itself failed (not a variant): say so per row
            text = str(exc).strip().splitlines()
            message = f"worker failed: {type(exc).__name__}: {text[0] if text else ''}"
            results = [[{"error": message}] for _ in indices]
        for j, rows in zip(indices, results, strict=True):
            done[(i, j)] = rows
        bar.update(len(indices))
    if not broken and not again:
        return []
    for lost in pool.lost():
        if lost.future not in broken:
            continue
        i, indices = broken.pop(lost.future)
        if not 0 <= lost.step < len(indices):  # not known which variant: all run again
            again.append((i, indices))
            continue
        done[(i, indices[lost.step])] = [{"error": f"worker failed: the worker process "
                                                   f"evaluating it died ({lost.ended})"}]
        bar.update(1)
        rest = indices[:lost.step] + indices[lost.step + 1:]
        if rest:
            again.append((i, rest))
    return [*again, *broken.values()]


# -- command line ---------------------------------------------------------------------------


def add_sweep_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sweep", help="evaluate many scenarios × override variants (no notebooks): "
                      "sweep.parquet and sweep.csv, one row per scenario × variant × offer")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--grid", action="append", default=[], metavar="PATH=V1,V2,...",
                   help="values of one input (workload.monthly_volume=80000,100000; "
                        "offers[2].pricing.rate=3.5,4 counts offers from 1; offers[NAME] "
                        "names one); repeat for a Cartesian product")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--trials", type=int, metavar="N",
                   help="Monte Carlo trials per variant: adds p_best, p_npv_positive and "
                        "npv_p5/p50/p95")
    p.add_argument("--seed", type=int, metavar="S",
                   help=f"Monte Carlo seed (default {DEFAULT_SEED})")
    p.add_argument("--breakeven", action="store_true",
                   help="also solve each offer's breakeven monthly volume (slower)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: the number of cores; at most the "
                        "cores and what the memory takes, with a note when fewer)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster at tcp://HOST:PORT (default: "
                        "$DASK_SCHEDULER_ADDRESS, else on this machine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--bids", action="append", default=[], metavar="FILE.xlsx",
                   help="a returned price sheet (bpo-roi bid-sheet) to add as an offer to "
                        "every scenario; repeat for more")
    p.add_argument("--yes", action="store_true",
                   help=f"run a sweep of more than {CONFIRM_ABOVE:,} evaluations (files × "
                        f"variants × offers); without it such a sweep only prints its size "
                        f"and estimated time")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    import signal

    from bpo_roi.cli.executors import (
        SWEEP_WORKER_BYTES,
        ExecutorUnavailable,
        RunInterrupted,
        open_pool,
        scheduler_address,
        signals_interrupt_the_run,
        usable_cores,
    )
    from bpo_roi.cli.options import (
        OptionError,
        cap_workers,
        check_out,
        check_seed,
        check_trials,
        check_workers,
    )
    from bpo_roi.reporting.files import (
        OutputRefusedError,
        not_regular,
        not_written_by_kit,
        output_lock,
        sweep_files_not_ours,
        write_sweep_table,
    )
    from bpo_roi.scenario.bids import add_bids
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    workers = args.workers if args.workers is not None else usable_cores()
    try:
        for check, value in ((check_workers, workers), (check_trials, args.trials),
                             (check_seed, args.seed), (check_out, args.out)):
            check(value, "bpo-roi sweep")
    except OptionError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    address = scheduler_address(args.scheduler)
    if address is None:  # local workers: no more than the cores and memory take
        workers, note = cap_workers(workers, SWEEP_WORKER_BYTES)
        if note:
            error_line(note)
    try:
        grid = parse_grid(args.grid)
    except GridError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    scenarios, seen = [], set()
    for f in args.files:
        key = str(Path(f).resolve())
        if key in seen:
            error_line(f"{f}: given twice; a sweep evaluates each file once")
            return EXIT_BAD_INPUT
        seen.add(key)
        if (kind := not_regular(f, follow=True)) not in (None, "a folder"):
            error_line(f"{f}: not a regular file ({kind}); give a scenario file")
            return EXIT_BAD_INPUT
        try:
            scenarios.append((f, add_bids(load_scenario(f), args.bids)))
        except AssumptionsError as exc:
            for line in exc.problems:
                error_line(line)
            return EXIT_BAD_INPUT
    n_variants = math.prod(len(v) for v in grid.values())
    if len(scenarios) * n_variants > MAX_VARIANTS:
        error_line(f"--grid: {len(scenarios):,} files × {n_variants:,} variants is more than the "
                   f"{MAX_VARIANTS:,} a sweep takes; split it")
        return EXIT_BAD_INPUT
    try:
        resolved = check_grid(scenarios, grid)
    except GridError as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    seed = (args.seed if args.seed is not None else DEFAULT_SEED) if args.trials else None
    size = estimate_sweep(scenarios, grid, resolved, workers if address is None else None,
                          trials=args.trials, seed=seed, breakeven=args.breakeven)
    print(size.line(), flush=True)
    if size.evaluations > CONFIRM_ABOVE and not args.yes:
        error_line(f"--yes: {size.evaluations:,} evaluations is more than the {CONFIRM_ABOVE:,} a "
                   f"sweep runs without --yes; nothing was started. Add --yes to run it, or make "
                   f"the grid smaller")
        return EXIT_BAD_INPUT
    out = Path(args.out)
    try:  # before any work: a folder that cannot be written is bad input (exit 2)
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}-{time.monotonic_ns()}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        error_line(f"{out}: output folder cannot be written ({exc.strerror or exc})")
        return EXIT_BAD_INPUT
    start = time.perf_counter()
    try:
        with output_lock(out):
            for path in sweep_files_not_ours(out):
                error_line(not_written_by_kit(path))
                return EXIT_BAD_INPUT
            # the handler first: a signal while the workers start still stops them cleanly
            with signals_interrupt_the_run():
                pool = open_pool(workers, address, per_worker=SWEEP_WORKER_BYTES)
                reopen = (None if address is not None else
                          lambda: open_pool(workers, None, per_worker=SWEEP_WORKER_BYTES))
                try:
                    table = run_sweep(scenarios, grid, resolved, pool, trials=args.trials,
                                      seed=seed, breakeven=args.breakeven,
                                      progress=not args.quiet, reopen=reopen)
                except BaseException:
                    pool.stop()
                    raise
            pool.close()
            paths = write_sweep_table(table, out)
    except (ExecutorUnavailable, OutputRefusedError) as exc:
        error_line(str(exc))
        return EXIT_BAD_INPUT
    except OSError as exc:
        error_line(f"{out}: cannot write the sweep ({exc.strerror or exc})")
        return EXIT_FAILED
    except RunInterrupted as exc:
        name = "SIGINT" if exc.signum == signal.SIGINT else f"signal {exc.signum}"
        error_line(f"\nInterrupted ({name}): workers stopped; nothing was written")
        return 128 + exc.signum
    seconds = time.perf_counter() - start
    evaluations = len(scenarios) * n_variants
    failed = table.loc[table.error.notna(), ["file", "variant"]].drop_duplicates()
    print(f"Wrote {paths[0]} and {paths[1]}: {len(table):,} rows ({len(scenarios)} file"
          f"{'s' if len(scenarios) != 1 else ''} × {n_variants:,} variant"
          f"{'s' if n_variants != 1 else ''}) in {seconds:.1f} s "
          f"({evaluations / seconds * 60:,.0f} evaluations a minute) on {pool.where}")
    if len(failed):
        error_line(f"{len(failed):,} of {evaluations:,} variants failed; their rows say why "
                   f"(column error)")
        return EXIT_FAILED
    return EXIT_OK
