"""The commands between scenario files and workbooks: ``bpo-roi convert`` (YAML ↔ xlsx) and the
``--xlsx`` form of ``bpo-roi new``.

Neither replaces a file: the target must not exist (the finished file is linked into place).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bpo_roi.cli.console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error_line

__all__ = ["SCENARIO_SUFFIXES", "add_convert_parser", "cmd_convert", "write_scenario_file"]

SCENARIO_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx"}
"""What a scenario file's name may end with, and its format."""


def write_scenario_file(scenario: Any, target: Path, header: str = "") -> str | None:
    """Write ``scenario`` to a new file ``target`` in the format its suffix names; the problem
    in one line, or None when written."""
    from bpo_roi.reporting.files import write_new_file
    from bpo_roi.reporting.inputs_sheet import write_scenario_xlsx
    from bpo_roi.scenario.writing import scenario_yaml

    kind = SCENARIO_SUFFIXES.get(target.suffix.lower())
    if kind is None:
        return (f"{target}: unknown kind of file {target.suffix or '(no suffix)'!r}; a scenario "
                f"file ends with {', '.join(SCENARIO_SUFFIXES)}")
    if target.exists() or target.is_symlink():
        return f"{target}: already exists; choose another name (nothing is overwritten)"
    if not target.parent.is_dir():
        return f"{target.parent}: no such folder"
    try:
        if kind == "xlsx":
            write_new_file(target, lambda tmp: write_scenario_xlsx(scenario, tmp))
        else:
            text = scenario_yaml(scenario, header)
            write_new_file(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except FileExistsError:
        return f"{target}: already exists; choose another name (nothing is overwritten)"
    except OSError as exc:
        return f"{target}: cannot write ({exc.strerror or exc})"
    return None


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
