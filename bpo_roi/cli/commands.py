"""The ``bpo-roi`` command line: validate, evaluate, optimise, run, sweep, new, convert, diff,
track, notebook-path (``convert`` and ``new --xlsx``: :mod:`bpo_roi.cli.workbook_commands`;
``optimise``: :mod:`bpo_roi.cli.optimise_command`; ``track``: :mod:`bpo_roi.cli.track_command`).

Exit status: 0 on success, 1 when a scenario failed while running, 2 for bad input (an invalid
file, a bad option). Errors are one line each on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from bpo_roi.cli.console import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    diff_table,
    error_line,
    headline_table,
)
from bpo_roi.cli.optimise_command import add_optimise_parser
from bpo_roi.cli.out_folder import check_out_folder as _check_out
from bpo_roi.cli.out_folder import emit as _emit
from bpo_roi.cli.run_command import add_run_parser
from bpo_roi.cli.sweep import add_sweep_parser
from bpo_roi.cli.track_command import add_track_parser
from bpo_roi.cli.workbook_commands import add_bid_sheet_parser, add_convert_parser
from bpo_roi.reporting.scenario_file import write_scenario_file
from bpo_roi.resources import NOTEBOOKS, ResourceNotFoundError, notebook_path, resource_path

__all__ = ["build_parser", "main"]


def _load_all(files: Sequence[str]) -> tuple[list[Any], int]:
    from bpo_roi.reporting.files import not_regular
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    loaded, bad = [], 0
    for f in files:
        if (kind := not_regular(f, follow=True)) not in (None, "a folder"):
            bad += 1  # never opened: a FIFO would block until someone writes into it
            error_line(f"{f}: not a regular file ({kind}); give a scenario file")
            continue
        try:
            loaded.append((f, load_scenario(f)))
        except AssumptionsError as exc:
            bad += 1
            for line in exc.problems:
                error_line(line)
    return loaded, bad


def cmd_validate(args: argparse.Namespace) -> int:
    loaded, bad = _load_all(args.files)
    for f, s in loaded:
        print(f"{f}: valid ({s.scenario.name!r}, {len(s.offers)} offer"
              f"{'s' if len(s.offers) != 1 else ''})")
    return EXIT_BAD_INPUT if bad else EXIT_OK


EVALUATE_FILES = ("monthly.csv", "annual.csv", "metrics.json")
DIFF_FILES = ("diff.csv", "bridge.html")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from bpo_roi.analysis.business_case import evaluate
    from bpo_roi.reporting.files import (
        write_annual_csv,
        write_metrics_json,
        write_monthly_csv,
        write_together,
    )

    if args.out is not None and (
            problem := _check_out(args.out, EVALUATE_FILES, "bpo-roi evaluate")):
        error_line(problem)
        return EXIT_BAD_INPUT
    loaded, bad = _load_all([args.file])
    if bad:
        return EXIT_BAD_INPUT
    file, scenario = loaded[0]
    from bpo_roi.scenario.bids import add_bids
    from bpo_roi.scenario.reading import AssumptionsError

    try:
        scenario = add_bids(scenario, args.bids)
    except AssumptionsError as exc:
        for line in exc.problems:
            error_line(line)
        return EXIT_BAD_INPUT
    from bpo_roi.analysis.sourcing import SplitError, evaluate_split, parse_split, split_document

    try:
        if args.split is None:
            result = evaluate(scenario)
        else:
            result = evaluate_split(scenario, parse_split(args.split))
    except SplitError as exc:
        error_line(f"{file}: {exc}")
        return EXIT_BAD_INPUT
    except ValueError as exc:  # e.g. a queue no finite staff can serve
        error_line(f"{file}: cannot be evaluated: {str(exc).splitlines()[0]}")
        return EXIT_BAD_INPUT
    from bpo_roi.reporting.case import decide, run_record

    if args.split is None:
        # the advice with its negotiation targets, scorecard and cases (no Monte Carlo here)
        document = result.to_metrics_dict(decide(result))
    else:  # a split is one option of its own: no advice between offers
        document = result.to_metrics_dict()
        document["split"] = split_document(result)
    document["run"] = run_record(file, {}, None, None, bids=args.bids)
    wrote = []
    if args.out is not None:
        out = Path(args.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
            write_together(out, {"monthly.csv": lambda p: write_monthly_csv(result.monthly, p),
                                 "annual.csv": lambda p: write_annual_csv(result.annual, p),
                                 "metrics.json": lambda p: write_metrics_json(document, p)},
                           label="evaluate")
        except OSError as exc:
            error_line(f"{out}: cannot write results ({exc.strerror or exc})")
            return EXIT_BAD_INPUT
        wrote.append(f"Wrote monthly.csv, annual.csv and metrics.json in {out}")
    _emit(headline_table(document), *wrote)
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from bpo_roi.reporting.files import slugify

    name = args.name
    if slugify(name) != name.lower() and not name.replace("_", "").isalnum():
        error_line(f"The NAME argument of 'bpo-roi new' must be a plain file name (letters, "
                   f"digits, '-' or '_'). Got {name!r} instead; try "
                   f"{slugify(name).replace('-', '_')!r}.")
        return EXIT_BAD_INPUT
    target = Path(args.dir) / f"{name}.{'xlsx' if args.xlsx else 'yaml'}"
    if target.exists():
        error_line(f"{target}: already exists; choose another NAME or edit that file")
        return EXIT_BAD_INPUT
    try:
        text = resource_path("templates", "assumptions.yaml").read_text(encoding="utf-8")
    except (OSError, ResourceNotFoundError) as exc:
        error_line(str(exc))
        return EXIT_FAILED
    text = text.replace("  name: NAME ", f"  name: {name} ", 1)
    blocking = next((p for p in (target.parent, *target.parent.parents)
                     if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        error_line(f"{blocking}: is a file, not a folder; give --dir a folder (it is created "
                   f"when missing)")
        return EXIT_BAD_INPUT
    if args.xlsx:
        return _new_workbook(text, target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        error_line(f"{target}: cannot create ({exc.strerror or exc})")
        return EXIT_FAILED
    print(f"Created {target}: edit it, then run `bpo-roi validate {target}`")
    return EXIT_OK


def _new_workbook(template_text: str, target: Path) -> int:
    """``new NAME --xlsx``: the template's scenario as a scenario workbook."""
    from bpo_roi.scenario.reading import parse_scenario

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        error_line(f"{target.parent}: cannot create ({exc.strerror or exc})")
        return EXIT_FAILED
    problem = write_scenario_file(parse_scenario(template_text, "template"), target)
    if problem:
        error_line(problem)
        return EXIT_FAILED
    print(f"Created {target}: fill in its Inputs sheet, then run `bpo-roi validate {target}`")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from bpo_roi.analysis.version_diff import diff
    from bpo_roi.reporting.bridge import write_bridge_html
    from bpo_roi.reporting.files import write_diff_csv, write_together

    if args.out is not None and (problem := _check_out(args.out, DIFF_FILES, "bpo-roi diff")):
        error_line(problem)
        return EXIT_BAD_INPUT
    loaded, bad = _load_all([args.old, args.new])
    if bad:
        return EXIT_BAD_INPUT
    (old_file, old), (new_file, new) = loaded
    try:
        result = diff(old, new, method=args.method, new_lines=_lines_of(new_file))
    except ValueError as exc:
        error_line(f"{new_file}: cannot be compared with {old_file}: {str(exc).splitlines()[0]}")
        return EXIT_BAD_INPUT
    wrote = []
    if args.out is not None:  # the files first: a reader that stops early loses nothing
        out = Path(args.out)
        try:  # both or neither: a full disk never leaves diff.csv without its bridge.html
            out.mkdir(parents=True, exist_ok=True)
            write_together(out, {
                "diff.csv": lambda p: write_diff_csv(result.effects, p),
                "bridge.html": lambda p: write_bridge_html(result, p, old_file, new_file)},
                label="diff")
        except OSError as exc:
            error_line(f"{out}: cannot write the diff ({exc.strerror or exc})")
            return EXIT_BAD_INPUT
        wrote.append(f"Wrote {out / 'diff.csv'} and {out / 'bridge.html'}")
    _emit(diff_table(result, old_file, new_file), *wrote)
    return EXIT_OK


def _lines_of(file: str) -> dict[tuple[Any, ...], int] | None:
    """The line of every key in a scenario file just loaded (the order of its changes), or
    None (the schema's order) should it have changed since."""
    from bpo_roi.scenario.reading import AssumptionsError, line_numbers

    try:
        return line_numbers(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, AssumptionsError):
        return None


def cmd_notebook_path(args: argparse.Namespace) -> int:
    try:
        print(notebook_path(args.name))
    except ResourceNotFoundError as exc:
        error_line(str(exc))
        return EXIT_FAILED
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (argparse prints the whole usage first, over
    several lines) and the exit status of bad input."""

    def error(self, message: str) -> NoReturn:
        error_line(f"{self.prog}: {message} (see {self.prog} --help)")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bpo-roi",
        description="Keep a process in-house or outsource it: NPV, ROI, payback and risk of "
                    "vendor offers against the status quo.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files; exit 0 when all are valid")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("evaluate", help="evaluate one scenario; write monthly.csv and "
                                        "metrics.json")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--out", metavar="DIR", help="folder for monthly.csv and metrics.json")
    p.add_argument("--bids", action="append", default=[], metavar="FILE.xlsx",
                   help="a returned price sheet (bpo-roi bid-sheet) to add as an offer; "
                        "repeat for more")
    p.add_argument("--split", metavar='"NAME=SHARE,..."',
                   help='evaluate the work shared between offers, e.g. "Vendor A=0.5,Vendor '
                        'B=0.3" (the rest stays in-house)')
    p.set_defaults(func=cmd_evaluate)
    add_optimise_parser(sub)

    p = sub.add_parser("new", help="copy the commented template to assumptions/NAME.yaml "
                                   "(or NAME.xlsx with --xlsx)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--dir", default="assumptions", help="folder (default: assumptions)")
    p.add_argument("--xlsx", action="store_true", help="write assumptions/NAME.xlsx, a workbook "
                   "to fill in (units, allowed values, notes), instead of YAML")
    p.set_defaults(func=cmd_new)
    add_convert_parser(sub)
    add_bid_sheet_parser(sub)

    add_run_parser(sub)
    add_sweep_parser(sub)

    p = sub.add_parser("diff", help="what changed between two versions of a scenario, and what "
                                    "each change did to every offer's NPV")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--out", metavar="DIR", help="folder for diff.csv and bridge.html")
    p.add_argument("--method", choices=("shapley", "sequential"), default="shapley",
                   help="shapley (default): effects independent of the order of the changes; "
                        "sequential: in the new file's order, like a hand-made bridge")
    p.set_defaults(func=cmd_diff)
    add_track_parser(sub)

    p = sub.add_parser("notebook-path", help="print where a shipped notebook is (for plain "
                                             "papermill or JupyterLab)")
    p.add_argument("name", choices=NOTEBOOKS, metavar="NAME",
                   help=f"one of {', '.join(NOTEBOOKS)}")
    p.set_defaults(func=cmd_notebook_path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
