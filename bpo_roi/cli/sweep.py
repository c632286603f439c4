"""``bpo-roi sweep``: many scenarios × override variants, engine only, one tidy table.

No notebook and no kernel: each variant is evaluated as ``bpo-roi evaluate`` evaluates a file
(:func:`bpo_roi.analysis.portfolio.variant_rows`), in batches sent to local worker processes or
to a Dask cluster (:mod:`bpo_roi.cli.executors`). The result is ``sweep.parquet`` and
``sweep.csv`` in ``--out``: one row per scenario × variant × offer with the overrides as
columns, every per-offer metric of ``metrics.json``, the recommendation, and with ``--trials``
the risk figures. A variant that fails is a row with its ``error``.

Everything the user typed is checked before any work starts: grid syntax, every path in every
scenario, every value on its own. Each problem is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from bpo_roi.reporting.case import DEFAULT_SEED

__all__ = ["MAX_VARIANTS", "GridError", "add_sweep_parser", "check_grid", "parse_grid",
           "plan_batches", "run_sweep", "sweep_table"]

MAX_VARIANTS = 1_000_000
"""Largest sweep accepted (scenario files × grid variants)."""
BATCH_MAX = 64
"""Most variants in one task: about a second of work, so a lost worker costs little."""

_OFFER_NUMBER = re.compile(r"^offers\[\s*(\d+)\s*\](\..+)?$")


class GridError(ValueError):
    """A ``--grid`` the sweep cannot take (the message is one line)."""


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` options → ``{PATH: [values]}``, values read as YAML scalars.

    A path names an offer by position (``offers[2]``, counted from 1 as in the kit's error
    messages), by name (``offers[Offshore per call]``) or by 0-based index (``offers.1``).

    >>> parse_grid(["workload.monthly_volume=80000,100000", "offers[1].pricing.rate=3.5"])
    {'workload.monthly_volume': [80000, 100000], 'offers[1].pricing.rate': [3.5]}

    Raises
    ------
    GridError
        For a missing ``=``, an empty path or value, a path given twice, or a value that is
        not a number or a word.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    grid: dict[str, list[Any]] = {}
    for spec in specs:
        # an offer's name may hold '=': split after its closing bracket
        start = spec.find("]") + 1 if spec.lstrip().startswith("offers[") else 0
        cut = spec.find("=", start)
        path, raw = (spec[:cut].strip(), spec[cut + 1:]) if cut >= 0 else (spec.strip(), None)
        if raw is None or not path:
            raise GridError(f"--grid {spec!r}: expected PATH=V1,V2,..., e.g. --grid "
                            f"workload.monthly_volume=80000,100000")
        if path in grid:
            raise GridError(f"--grid {path}: given twice; give all its values in one --grid")
        values = []
        for item in raw.split(","):
            text = item.strip()
            if not text:
                raise GridError(f"--grid {spec!r}: an empty value; separate values with single "
                                f"commas, e.g. {path}=1,2,3")
            try:
                value = YAML(typ="safe", pure=True).load(text)
            except YAMLError:
                value = text
            if isinstance(value, (dict, list)) or value is None:
                raise GridError(f"--grid {path}: {text!r} is not a number or a word")
            values.append(value)
        grid[path] = values
    return grid


def _resolve(scenario: Any, path: str) -> str:
    """``offers[N]`` (1-based, when no offer is named ``N``) → ``offers.N-1``; else ``path``."""
    match = _OFFER_NUMBER.match(path)
    if match is None:
        return path
    names = {o.name.strip().casefold() for o in scenario.offers}
    if match.group(1) in names:
        return path
    n = int(match.group(1))
    if not 1 <= n <= len(scenario.offers):
        raise ValueError(f"Unknown path {path!r}: offers are numbered 1 to "
                         f"{len(scenario.offers)} ({[o.name for o in scenario.offers]})")
    return f"offers.{n - 1}{match.group(2) or ''}"


def _value_problem(exc: BaseException) -> str:
    from bpo_roi.analysis.portfolio import validation_problem

    return validation_problem(exc)[2]


COMBINATIONS_TRIED = 64
"""A value the scenario rejects on its own is tried with up to this many combinations of the
other grid values before it is called bad (a cross-field rule may need a partner value)."""


def check_grid(scenarios: Sequence[tuple[str, Any]], grid: dict[str, list[Any]]
               ) -> dict[str, dict[str, str]]:
    """Check every path and every value of ``grid`` against every scenario.

    A path must exist in every scenario. A value is bad when the scenario rejects it with the
    other inputs at the file's values and in every one of the first :data:`COMBINATIONS_TRIED`
    combinations with the other grid values (so ``hours_open_per_day=6`` passes when the grid
    also has the ``interval_minutes`` that makes it valid; the variants that still break a rule
    become rows with their error).

    Returns, per file, the grid path as given → the path :meth:`Scenario.with_overrides` takes.

    Raises
    ------
    GridError
        The first unknown path or bad value, in one line naming the file, the path, the value
        and what is allowed.
    """
    from itertools import islice, product

    from bpo_roi.scenario.reading import override_problems

    resolved: dict[str, dict[str, str]] = {}
    for file, scenario in scenarios:
        paths = {}
        for path in grid:
            try:
                paths[path] = _resolve(scenario, path)
            except ValueError as exc:
                raise GridError(f"--grid {path}: unknown path in {file}: "
                                f"{_value_problem(exc)}") from None
        for path, values in grid.items():
            others = [p for p in grid if p != path]
            for value in values:
                try:
                    scenario.with_overrides({paths[path]: value})
                    continue
                except Exception as exc:
                    if type(exc).__name__ != "ValidationError":  # ValueError: no such path
                        raise GridError(f"--grid {path}: unknown path in {file}: "
                                        f"{_value_problem(exc)}") from None
                    problem = f"--grid {path}={value}: {override_problems(exc, file)[0]}"
                for combination in islice(product(*(grid[p] for p in others)),
                                          COMBINATIONS_TRIED):
                    overrides = {paths[p]: v for p, v in zip(others, combination, strict=True)}
                    try:
                        scenario.with_overrides({**overrides, paths[path]: value})
                        break
                    except Exception:
                        continue
                else:
                    raise GridError(problem)
        resolved[file] = paths
    return resolved


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
    """One task, on a worker: the rows of each variant of one scenario."""
    from bpo_roi.analysis.portfolio import evaluate_batch

    return evaluate_batch(scenario, variants, trials=trials, seed=seed, breakeven=breakeven)


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
              seed: int | None = None, breakeven: bool = False, progress: bool = True) -> Any:
    """Evaluate every scenario × grid variant on ``pool`` (:class:`bpo_roi.cli.executors.
    WorkPool`); return the table (:func:`sweep_table`), rows in file, variant, offer order
    whatever order the tasks finished in."""
    from tqdm import tqdm

    from bpo_roi.analysis.portfolio import grid_variants

    variants = grid_variants(grid)
    batches = plan_batches(len(scenarios), len(variants), pool.parallelism)
    done: dict[tuple[int, int], list[dict[str, Any]]] = {}
    bar = tqdm(total=len(scenarios) * len(variants), desc="variants", unit="variant",
               disable=not progress, file=sys.stderr)
    try:
        futures = {}
        for i, indices in batches:
            file, scenario = scenarios[i]
            paths = resolved[file]
            payload = [{paths[p]: v for p, v in variants[j].items()} for j in indices]
            futures[pool.submit(_run_batch, scenario, payload, trials, seed, breakeven)] = (
                i, indices)
        for future in as_completed(futures):
            i, indices = futures[future]
            try:
                results = future.result()
            except Exception as exc:  # the task itself failed (not a variant): say so per row
                text = str(exc).strip().splitlines()
                message = f"worker failed: {type(exc).__name__}: {text[0] if text else ''}"
                results = [[{"error": message}] for _ in indices]
            for j, rows in zip(indices, results, strict=True):
                done[(i, j)] = rows
            bar.update(len(indices))
    finally:
        bar.close()
    table_rows = []
    for i, (file, scenario) in enumerate(scenarios):
        for j, variant in enumerate(variants):
            for row in done[(i, j)]:
                table_rows.append({"scenario": scenario.scenario.name, "file": file,
                                   "variant": j, **variant, **row})
    return sweep_table(table_rows, list(grid))


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
                   help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster at tcp://HOST:PORT (default: "
                        "$DASK_SCHEDULER_ADDRESS, else on this machine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_sweep(args: argparse.Namespace) -> int:
    import os
    import signal

    from bpo_roi.cli.executors import (
        ExecutorUnavailable,
        RunInterrupted,
        open_pool,
        scheduler_address,
        signals_interrupt_the_run,
    )
    from bpo_roi.cli.options import OptionError, check_out, check_seed, check_trials, check_workers
    from bpo_roi.reporting.files import (
        OutputBusyError,
        output_lock,
        sweep_files_not_ours,
        write_sweep_table,
    )
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    try:
        for check, value in ((check_workers, workers), (check_trials, args.trials),
                             (check_seed, args.seed), (check_out, args.out)):
            check(value, "bpo-roi sweep")
    except OptionError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    try:
        grid = parse_grid(args.grid)
    except GridError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    scenarios, seen = [], set()
    for f in args.files:
        key = str(Path(f).resolve())
        if key in seen:
            _err(f"{f}: given twice; a sweep evaluates each file once")
            return EXIT_BAD_INPUT
        seen.add(key)
        try:
            scenarios.append((f, load_scenario(f)))
        except AssumptionsError as exc:
            for line in exc.problems:
                _err(line)
            return EXIT_BAD_INPUT
    n_variants = math.prod(len(v) for v in grid.values())
    if len(scenarios) * n_variants > MAX_VARIANTS:
        _err(f"--grid: {len(scenarios):,} files × {n_variants:,} variants is more than the "
             f"{MAX_VARIANTS:,} a sweep takes; split it")
        return EXIT_BAD_INPUT
    try:
        resolved = check_grid(scenarios, grid)
    except GridError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _err(f"{out}: output folder cannot be written ({exc.strerror or exc})")
        return EXIT_BAD_INPUT
    seed = (args.seed if args.seed is not None else DEFAULT_SEED) if args.trials else None
    address = scheduler_address(args.scheduler)
    start = time.perf_counter()
    try:
        with output_lock(out):
            for path in sweep_files_not_ours(out):
                _err(f"{path} exists and was not written by bpo-roi; nothing was changed. "
                     f"Move it or choose another --out")
                return EXIT_BAD_INPUT
            pool = open_pool(workers, address)
            try:
                with signals_interrupt_the_run():
                    table = run_sweep(scenarios, grid, resolved, pool, trials=args.trials,
                                      seed=seed, breakeven=args.breakeven,
                                      progress=not args.quiet)
            except BaseException:
                pool.stop()
                raise
            pool.close()
            paths = write_sweep_table(table, out)
    except (ExecutorUnavailable, OutputBusyError) as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err(f"{out}: cannot write the sweep ({exc.strerror or exc})")
        return EXIT_FAILED
    except RunInterrupted as exc:
        name = "SIGINT" if exc.signum == signal.SIGINT else f"signal {exc.signum}"
        _err(f"\nInterrupted ({name}): workers stopped; nothing was written")
        return 128 + exc.signum
    seconds = time.perf_counter() - start
    evaluations = len(scenarios) * n_variants
    failed = table.loc[table.error.notna(), ["file", "variant"]].drop_duplicates()
    print(f"Wrote {paths[0]} and {paths[1]}: {len(table):,} rows ({len(scenarios)} file"
          f"{'s' if len(scenarios) != 1 else ''} × {n_variants:,} variant"
          f"{'s' if n_variants != 1 else ''}) in {seconds:.1f} s "
          f"({evaluations / seconds * 60:,.0f} evaluations a minute) on {pool.where}")
    if len(failed):
        _err(f"{len(failed):,} of {evaluations:,} variants failed; their rows say why (column "
             f"error)")
        return EXIT_FAILED
    return EXIT_OK
