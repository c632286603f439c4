"""The commands between scenario files and workbooks: ``bpo-roi convert`` (YAML ↔ xlsx), the
``--xlsx`` form of ``bpo-roi new``, and ``bpo-roi bid-sheet`` (the price sheet for vendors).

Neither replaces a file: the target must not exist (the finished file is linked into place).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error_line
from bpo_roi.reporting.scenario_file import SCENARIO_SUFFIXES, write_scenario_file

__all__ = ["add_bid_sheet_parser", "add_convert_parser", "cmd_bid_sheet", "cmd_convert"]

def cmd_convert(args: argparse.Namespace) -> int:
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    source, target = Path(args.source), Path(args.dest)
    if SCENARIO_SUFFIXES.get(source.suffix.lower()) is None:
        error_line(f"{source}: unknown kind of file {source.suffix or '(no suffix)'!r}; a "
                   f"scenario file ends with {', '.join(SCENARIO_SUFFIXES)}")
        return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(source)
    except AssumptionsError as exc:
        for line in exc.problems:
            error_line(line)
        return EXIT_BAD_INPUT
    problem = write_scenario_file(scenario, target, header=f"Converted from {source.name} by "
                                                         f"bpo-roi convert")
    if problem:
        error_line(problem)
        return EXIT_FAILED if "cannot write" in problem else EXIT_BAD_INPUT
    print(f"Wrote {target} ({scenario.scenario.name!r}, {len(scenario.offers)} offer"
          f"{'s' if len(scenario.offers) != 1 else ''})")
    return EXIT_OK


def add_convert_parser(sub: Any) -> None:
    p = sub.add_parser("convert", help="convert a scenario between YAML and a workbook (.xlsx), "
                                       "by the files' extensions")
    p.add_argument("source", metavar="SRC", help="a .yaml, .yml or .xlsx scenario")
    p.add_argument("dest", metavar="DEST", help="the new file: .yaml, .yml or .xlsx (never "
                                                "replaced when it exists)")
    p.set_defaults(func=cmd_convert)


def cmd_bid_sheet(args: argparse.Namespace) -> int:
    from bpo_roi.reporting.bid_sheet import write_bid_sheet
    from bpo_roi.reporting.files import write_new_file
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    target = Path(args.out)
    if target.suffix.lower() != ".xlsx":
        error_line(f"--out: got {str(target)!r}; a price sheet is a workbook: give a file "
                   f"name ending in .xlsx")
        return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(args.scenario)
    except AssumptionsError as exc:
        for line in exc.problems:
            error_line(line)
        return EXIT_BAD_INPUT
    try:
        chosen = args.offer
        if isinstance(chosen, str) and chosen.strip().isdigit():
            chosen = int(chosen) - 1  # a person counts offers from 1
        offer = scenario.offer_index(chosen, "bpo-roi bid-sheet --offer")
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        error_line(str(exc).strip("'\""))
        return EXIT_BAD_INPUT
    if target.exists() or target.is_symlink():
        error_line(f"{target}: already exists; choose another name (nothing is overwritten)")
        return EXIT_BAD_INPUT
    try:
        write_new_file(target, lambda tmp: write_bid_sheet(scenario, offer, tmp))
    except FileExistsError:
        error_line(f"{target}: already exists; choose another name (nothing is overwritten)")
        return EXIT_BAD_INPUT
    except OSError as exc:
        error_line(f"{target}: cannot write ({exc.strerror or exc})")
        return EXIT_FAILED
    print(f"Wrote {target}: send it to vendors; add each returned sheet with "
          f"`bpo-roi run {args.scenario} --bids FILE.xlsx --out DIR`")
    return EXIT_OK


def add_bid_sheet_parser(sub: Any) -> None:
    p = sub.add_parser("bid-sheet", help="write the price sheet to send to vendors: one "
                                         "offer's terms to quote, the scenario's volumes")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the new price sheet")
    p.add_argument("--offer", metavar="NAME_OR_NUMBER", help="the offer to start from (its "
                   "name, or its number from 1); default: the first")
    p.set_defaults(func=cmd_bid_sheet)
