"""``bpo-roi track SCENARIO ACTUALS --offer NAME --out DIR``: actual costs of a signed deal
against its business case, the variance bridge and the re-forecast (methodology §11).

Writes ``variance.csv``, ``tracking.json``, ``tracking.html`` and ``tracking.xlsx`` into
``--out``, all or nothing; a file of those names that the kit did not write is never replaced
(nothing is written, one line says why). Bad input (a scenario or actuals file that cannot be
read, an unknown offer, a bad option) is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_OK, error_line
from bpo_roi.cli.out_folder import check_out_folder

__all__ = ["add_track_parser", "cmd_track", "out_problem"]

def add_track_parser(sub: Any) -> None:
    p = sub.add_parser("track", help="actual monthly costs of a signed offer against the "
                                     "business case: variance, bridge, re-forecast")
    p.add_argument("scenario", metavar="SCENARIO", help="the approved scenario file")
    p.add_argument("actuals", metavar="ACTUALS", help="monthly actuals, .csv or .xlsx")
    p.add_argument("--offer", metavar="NAME",
                   help="the offer signed (needed when the scenario has more than one)")
    p.add_argument("--out", metavar="DIR", help="folder for variance.csv, tracking.json, "
                                                "tracking.html and tracking.xlsx")
    p.add_argument("--as-of", metavar="MONTH", dest="as_of",
                   help="last month tracked (YYYY-MM or a month number; default: the last "
                        "month with figures); later months with figures are refused")
    p.add_argument("--trials", type=int, default=1000, metavar="N",
                   help="Monte Carlo trials of the forecast band (default 1000; 0: none)")
    p.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seed of the Monte Carlo (default 0)")
    p.set_defaults(func=cmd_track)


def _xlsx_is_ours(path: Path) -> bool:
    from bpo_roi.reporting.tracking_report import XLSX_TAG

    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")[:8192].decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    return XLSX_TAG in core


def out_problem(value: str) -> str | None:
    """Why ``--out`` cannot take the four files (one line), or None; checked before any work,
    as ``evaluate`` and ``diff`` check theirs (:func:`bpo_roi.cli.out_folder.check_out_folder`;
    the workbook is the kit's when its properties carry the kit's tag)."""
    from bpo_roi.reporting.tracking_report import TRACKING_FILES

    return check_out_folder(value, TRACKING_FILES, "bpo-roi track",
                            owned={"tracking.xlsx": _xlsx_is_ours})


def cmd_track(args: argparse.Namespace) -> int:
    from bpo_roi.analysis.tracking import track
    from bpo_roi.reporting.files import not_regular
    from bpo_roi.reporting.tracking_report import write_tracking_files
    from bpo_roi.scenario.actuals import read_actuals
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    if args.trials < 0:
        error_line(f"--trials: got {args.trials}; give 0 (no band) or more trials")
        return EXIT_BAD_INPUT
    if args.out is not None and (problem := out_problem(args.out)) is not None:
        error_line(problem)
        return EXIT_BAD_INPUT
    for f in (args.scenario, args.actuals):
        if (kind := not_regular(f, follow=True)) is not None:
            error_line(f"{f}: not a regular file ({kind})")
            return EXIT_BAD_INPUT
    try:
        scenario = load_scenario(args.scenario)
        actuals = read_actuals(args.actuals, scenario, args.as_of)
    except AssumptionsError as exc:
        error_line(exc.problems[0] if exc.problems else str(exc))
        return EXIT_BAD_INPUT
    try:
        result = track(scenario, actuals, args.offer, trials=args.trials, seed=args.seed)
    except ValueError as exc:
        error_line(f"{args.scenario}: {str(exc).splitlines()[0]}")
        return EXIT_BAD_INPUT
    lines = [result.headline(), *(f"flag: {f}" for f in result.flags),
             *(f"note: {n}" for n in result.notes)]
    lines += [f"  {e:<12} {a:>16,.0f} {result.currency}"
              for e, a in zip(result.bridge.effect, result.bridge.amount, strict=True)]
    if args.out is not None:
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_tracking_files(result, out)
        except OSError as exc:
            error_line(f"{out}: cannot write the tracking files ({exc.strerror or exc})")
            return EXIT_BAD_INPUT
        lines.append(f"Wrote variance.csv, tracking.json, tracking.html and tracking.xlsx "
                     f"in {out}")
    for line in lines:
        print(line)
    return EXIT_OK
