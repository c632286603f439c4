"""The ``--out`` folder of the commands that write a few files (``evaluate``, ``diff``,
``optimise``, ``track``): checked before any work, and files the kit did not write never
replaced."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bpo_roi.cli.options import OptionError, check_out

__all__ = ["check_out_folder", "emit"]

# How each file that `evaluate`, `diff`, `optimise` and `track` write begins: a file of that
# name that does not begin so was not written by the kit, and is never overwritten.
_KIT_FILES = {
    "monthly.csv": lambda head: head.startswith("offer,month,"),
    "annual.csv": lambda head: head.startswith("offer,fiscal_year,"),
    "metrics.json": lambda head: head.startswith("{") and all(
        f'"{key}":' in head for key in ("scenario", "currency", "horizon_months")),
    "diff.csv": lambda head: head.startswith("offer,input,label,old,new,npv_effect"),
    "bridge.html": lambda head: '<meta name="generator" content="bpo-roi">' in head,
    "allocation.csv": lambda head: head.startswith("option,share,npv_contribution"),
    "allocation.json": lambda head: head.startswith("{") and '"shares":' in head,
    "allocation.html": lambda head: '<meta name="generator" content="bpo-roi">' in head,
    "variance.csv": lambda head: head.startswith("month,date,line,plan,actual,variance"),
    "tracking.json": lambda head: head.startswith("{") and all(
        f'"{key}":' in head for key in ("approved_npv", "forecast_npv")),
    "tracking.html": lambda head: '<meta name="generator" content="bpo-roi">' in head,
}


def check_out_folder(value: str, names: Sequence[str], command: str,
                     owned: Mapping[str, Callable[[Path], bool]] | None = None) -> str | None:
    """Why ``--out`` of ``command`` cannot take ``names`` (one line), or None: checked before
    any work. ``owned``: for a file that is not text (a workbook), whether the kit wrote it.

    ``--out`` must be a non-empty path to a folder (or to nothing yet, under a folder), and a
    file of one of ``names`` already in it is replaced only when the kit wrote it (it begins
    as the kit's files begin; a folder a run wrote, with the kit's marker, is the kit's too).
    A link or anything but a regular file of one of ``names`` is refused before it is opened.
    """
    import os

    from bpo_roi.reporting.files import foreign_file, not_regular, written_by_kit

    try:
        check_out(value, command)
    except OptionError as exc:
        return str(exc)
    out = Path(value)
    if out.exists() and not out.is_dir():
        return f"{out}: --out must be a folder; this is a file"
    if not out.exists():
        parent = next((p for p in out.absolute().parents if p.exists()), None)
        if parent is None or not parent.is_dir():
            return f"{out}: --out cannot be created: {parent} is not a folder"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"{out}: --out cannot be created: {parent} is not writable"
        return None
    if not os.access(out, os.W_OK | os.X_OK):
        return f"{out}: output folder cannot be written (permission denied)"
    for name in names:
        if (kind := not_regular(out / name)) is not None:
            return (f"{out / name} is {kind}, not a file bpo-roi wrote; nothing was written. "
                    f"Remove it or choose another --out")
    if written_by_kit(out):
        return None
    for name in names:
        path = out / name
        if name in (owned or {}):
            foreign = path.exists() and not owned[name](path)  # type: ignore[index]
        else:
            foreign = foreign_file(path, _KIT_FILES[name])
        if foreign:
            return (f"{path} exists and was not written by bpo-roi; nothing was written. Move "
                    f"it or choose another --out")
    return None


def emit(*lines: str) -> None:
    """Print to standard output; when the reader has gone (``| head -1``), stop quietly."""
    import os

    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush goes nowhere


