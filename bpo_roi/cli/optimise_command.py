"""``bpo-roi optimise FILE --out DIR``: the best split of the work between in-house and the
offers under the scenario's ``allocation:`` rules (:func:`bpo_roi.optimise`), written as
``allocation.csv``, ``allocation.json`` and ``allocation.html``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_OK, error_line
from bpo_roi.cli.out_folder import check_out_folder, emit

__all__ = ["add_optimise_parser", "cmd_optimise"]


def add_optimise_parser(sub: Any) -> None:
    p = sub.add_parser("optimise", help="the best split of the work between in-house and the "
                                        "offers (exact, under the allocation: rules)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", metavar="DIR",
                   help="folder for allocation.csv, allocation.json and allocation.html")
    p.add_argument("--step", type=float, metavar="SHARE",
                   help="the grid of shares (default: allocation.step, else 0.1)")
    p.add_argument("--objective", choices=("npv", "pv_cost"),
                   help="maximise NPV (default) or minimise the PV of cost: the same split")
    p.add_argument("--trials", type=int, metavar="N",
                   help="risk-aware over N Monte Carlo trials (default: allocation.risk)")
    p.add_argument("--seed", type=int, metavar="N", help="seed of the trials")
    p.add_argument("--percentile", type=float, metavar="P",
                   help="the bad-case percentile of NPV (default 5)")
    p.add_argument("--floor", type=float, metavar="AMOUNT",
                   help="the lowest acceptable percentile NPV (in the scenario's currency)")
    p.set_defaults(func=cmd_optimise)


def cmd_optimise(args: argparse.Namespace) -> int:
    from bpo_roi.analysis.allocation import AllocationError, optimise
    from bpo_roi.reporting.allocation_report import (
        ALLOCATION_FILES,
        write_allocation_csv,
        write_allocation_html,
        write_allocation_json,
    )
    from bpo_roi.reporting.files import not_regular, write_together
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    if args.out is not None and (
            problem := check_out_folder(args.out, ALLOCATION_FILES, "bpo-roi optimise")):
        error_line(problem)
        return EXIT_BAD_INPUT
    if (kind := not_regular(args.file, follow=True)) is not None:
        error_line(f"{args.file}: not a regular file ({kind}); give a scenario file")
        return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(args.file)
    except AssumptionsError as exc:
        for line in exc.problems:
            error_line(line)
        return EXIT_BAD_INPUT
    try:
        result = optimise(scenario, step=args.step, objective=args.objective,
                          trials=args.trials, seed=args.seed, percentile=args.percentile,
                          floor=args.floor)
    except ValueError as exc:  # AllocationError, or rules the schema refuses
        kind = "" if isinstance(exc, AllocationError) else "cannot be optimised: "
        error_line(f"{args.file}: {kind}{str(exc).splitlines()[0]}")
        return EXIT_BAD_INPUT
    info = scenario.scenario
    lines = [_summary(result, info.name, info.currency)]
    if args.out is not None:
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_together(out, {
                "allocation.csv": lambda p: write_allocation_csv(result, p),
                "allocation.json": lambda p: write_allocation_json(
                    result, p, scenario=info.name, currency=info.currency),
                "allocation.html": lambda p: write_allocation_html(result, p, info.name,
                                                                   info.currency)},
                label="optimise")
        except OSError as exc:
            error_line(f"{out}: cannot write the allocation ({exc.strerror or exc})")
            return EXIT_BAD_INPUT
        lines.append(f"Wrote allocation.csv, allocation.json and allocation.html in {out}")
    emit(*lines)
    return EXIT_OK


def _summary(result: Any, name: str, currency: str) -> str:
    from bpo_roi.cli.console import _fmt_money

    shares = ", ".join(f"{option} {100 * share:.0f} %" for option, share
                       in result.shares.items() if share > 0)
    lines = [f"{name}: best split {shares}",
             f"  NPV {_fmt_money(result.npv)} {currency}; best single offer "
             f"{_fmt_money(result.best_single_npv)} ({result.best_single}); value of "
             f"splitting {_fmt_money(result.value_of_splitting)}"]
    if result.risk is not None:
        r = result.risk
        lines.append(f"  over {r['trials']:,} trials: expected NPV "
                     f"{_fmt_money(r['expected_npv'])}, P{r['percentile']:g} NPV "
                     f"{_fmt_money(r['percentile_npv'])}; {len(result.frontier)} split"
                     f"{'s' if len(result.frontier) != 1 else ''} on the frontier")
    return "\n".join(lines)
