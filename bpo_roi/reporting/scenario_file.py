"""A scenario written to a new file, as YAML or as a workbook by the file's extension:
``bpo-roi convert``, ``bpo-roi new NAME --xlsx`` and the explorer's "Save as scenario".

Never replaces a file: the finished file is linked into place
(:func:`bpo_roi.reporting.files.write_new_file`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["SCENARIO_SUFFIXES", "write_scenario_file"]

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
