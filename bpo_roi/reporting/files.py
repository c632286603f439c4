"""Writing results: atomic files, the ``monthly.csv`` / ``metrics.json`` contract, safe slugs,
inert text, and the marker that tells the kit's own folders from the user's.

Every file is written to a temporary name in its destination folder and renamed into place
when complete, so a reader never sees half a file and a failure leaves nothing behind.

User text (scenario and offer names, notes, sources, error messages that quote them) is
written to CSV as inert text: a cell that a spreadsheet would read as a formula (it starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, as
OWASP recommends against CSV injection. Numbers stay numbers.

A folder the kit writes carries a marker file, :data:`KIT_MARKER`; the kit replaces or removes
a folder only when it carries that marker, so it never deletes what it did not write.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DIFF_COLUMNS",
    "FORMULA_TRIGGERS",
    "KIT_MARKER",
    "LOCK_NAME",
    "RUN_FILES",
    "SUMMARY_COLUMNS",
    "SUMMARY_STABLE_COLUMNS",
    "SWEEP_FILES",
    "OutputBusyError",
    "OutputRefusedError",
    "atomic_path",
    "atomic_write_text",
    "foreign_file",
    "inert_text",
    "kit_marker",
    "not_regular",
    "not_written_by_kit",
    "output_lock",
    "remove_stale_work",
    "slugify",
    "sweep_files_not_ours",
    "write_annual_csv",
    "write_diff_csv",
    "write_kit_marker",
    "write_metrics_json",
    "write_monthly_csv",
    "write_new_file",
    "write_summary_csv",
    "write_sweep_table",
    "write_table_csv",
    "write_together",
    "written_by_kit",
]

KIT_MARKER = ".bpo-roi"
"""Name of the marker file in every folder the kit writes (JSON: writer, run id, scenario)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP)."""


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give the result the usual permissions (umask applied)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_new_file(target: str | os.PathLike[str], write: Any) -> None:
    """Create ``target`` with ``write(temporary path)``, never replacing a file: the finished
    file is linked into place, which fails with :class:`FileExistsError` when ``target``
    appeared meanwhile (the temporary file is removed either way)."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.link(tmp_path, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _open_text(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8", newline="")


def inert_text(value: Any) -> Any:
    """Text that a spreadsheet shows as text: a formula-like string gets a leading ``'``.

    Anything that is not a string (numbers included) is returned unchanged.

    >>> inert_text("=1+2"), inert_text("-1"), inert_text(-1.5)
    ("'=1+2", "'-1", -1.5)
    >>> inert_text("Nearshore per seat")
    'Nearshore per seat'
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_table_csv(table: Any, target: str | os.PathLike[str]) -> None:
    """Write a DataFrame as CSV (full float precision, no index) atomically; every text column
    is written as inert text (:func:`inert_text`), numbers stay numbers."""
    frame = table.copy()
    for column in frame.columns:
        if frame[column].dtype.kind not in "biufc":
            frame[column] = frame[column].map(inert_text)
    with atomic_path(target) as tmp, _open_text(tmp) as fh:
        frame.to_csv(fh, index=False)


def write_monthly_csv(monthly: Any, target: str | os.PathLike[str]) -> None:
    """Write the long monthly table as ``monthly.csv`` (:func:`write_table_csv`)."""
    write_table_csv(monthly, target)


def write_annual_csv(annual: Any, target: str | os.PathLike[str]) -> None:
    """Write ``annual.csv`` (fiscal years; see
    :func:`bpo_roi.analysis.business_case.annual_table`) atomically, text inert."""
    write_table_csv(annual, target)


SUMMARY_COLUMNS = ("scenario", "file", "status", "offer", "pricing_model", "npv", "roi",
                   "irr_annual", "payback_month", "savings_pct", "one_time_cost",
                   "cost_per_transaction_in_house", "cost_per_transaction_outsourced",
                   "recommendation", "currency", "report", "error", "mirr_annual", "p_best",
                   "p_npv_positive", "flags", "overrides", "trials", "seed", "file_sha256",
                   "run_at", "this_run", "version")
"""Columns of a run's ``summary.csv``, in order (later kit versions only add columns)."""
SUMMARY_STABLE_COLUMNS = 17
"""``"scenario"`` to ``"error"``: the header of the first kit version's ``summary.csv``."""


def write_summary_csv(rows: list[dict[str, Any]], target: str | os.PathLike[str]) -> None:
    """Write a run's ``summary.csv`` atomically: :data:`SUMMARY_COLUMNS`, one row per
    scenario × offer (see :func:`bpo_roi.reporting.summary.summary_rows`); a missing value
    is an empty cell, text is inert (:func:`inert_text`)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else inert_text(row.get(k)))
                         for k in SUMMARY_COLUMNS})
    atomic_write_text(target, buffer.getvalue())


DIFF_COLUMNS = ("offer", "input", "label", "old", "new", "npv_effect")


def write_diff_csv(effects: Any, target: str | os.PathLike[str]) -> None:
    """Write ``diff.csv`` (one row per offer × changed input, columns :data:`DIFF_COLUMNS`)
    atomically, text inert."""
    frame = effects.loc[:, list(DIFF_COLUMNS)].copy()
    for column in ("offer", "input", "label"):
        frame[column] = frame[column].map(lambda v: inert_text(str(v)))
    for column in ("old", "new"):  # numbers stay numbers; descriptions are inert text
        frame[column] = frame[column].map(inert_text)
    with atomic_path(target) as tmp, _open_text(tmp) as fh:
        frame.to_csv(fh, index=False)


def write_metrics_json(metrics: dict[str, Any], target: str | os.PathLike[str]) -> None:
    """Write the ``metrics.json`` document atomically (NaN is never written: ``null``)."""
    atomic_write_text(target, json.dumps(metrics, indent=2, ensure_ascii=False,
                                         allow_nan=False) + "\n")


def slugify(name: str, max_length: int = 80) -> str:
    """A filesystem-safe folder name for a scenario: lowercase ASCII, digits and dashes.

    It can never be empty, ``.``/``..``, or contain a path separator.

    >>> slugify("Accounts Payable — EU / UK")
    'accounts-payable-eu-uk'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("ÉTÉ ✓")
    'ete'
    >>> slugify("✓✓")
    'scenario'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_length].strip("-")
    return slug or "scenario"


def write_kit_marker(folder: str | os.PathLike[str], **facts: Any) -> None:
    """Mark ``folder`` as written by the kit (see :func:`written_by_kit`)."""
    document = {"written_by": "bpo-roi", **facts}
    atomic_write_text(Path(folder) / KIT_MARKER, json.dumps(document, ensure_ascii=False) + "\n")


def not_regular(path: str | os.PathLike[str], *, follow: bool = False) -> str | None:
    """What ``path`` is when it exists and is not a regular file (``"a FIFO"``, ``"a symbolic
    link"``, ...), else None. Checked with ``lstat`` (``stat`` when ``follow``) before anything
    opens it: opening a FIFO blocks until another process opens its other end."""
    import stat

    try:
        mode = (os.stat if follow else os.lstat)(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def foreign_file(path: str | os.PathLike[str], looks_ours: Any) -> bool:
    """Whether ``path`` exists and is not one of the kit's own files: a link, not a regular
    file, or a file whose first 2 KiB ``looks_ours(head)`` does not recognise. A missing file
    is not foreign (the kit may write it). The type is checked before the file is opened."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return False
    if not_regular(path) is not None:
        return True
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(2048)
    except OSError:
        head = ""
    return not looks_ours(head)


def not_written_by_kit(path: str | os.PathLike[str]) -> str:
    """One line: ``path`` exists, the kit did not write it (saying what it is when it is not a
    regular file), and nothing was changed."""
    kind = not_regular(path)
    what = f"is {kind}, not a file bpo-roi wrote" if kind else "exists and was not written " \
        "by bpo-roi"
    return f"{path} {what}; nothing was changed. Move it or choose another --out"


def kit_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The marker document of ``folder`` when it is a real folder (not a link) that carries the
    kit's marker (a regular file, not a link), else None."""
    folder = Path(folder)
    marker = folder / KIT_MARKER
    if folder.is_symlink() or not folder.is_dir() or not_regular(marker) is not None \
            or not marker.exists():
        return None
    try:
        with marker.open(encoding="utf-8") as fh:
            document = json.loads(fh.read(4096))
    except (OSError, ValueError, RecursionError):
        return None
    if isinstance(document, dict) and document.get("written_by") == "bpo-roi":
        return document
    return None


def written_by_kit(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a real folder (not a link) that carries the kit's marker."""
    return kit_marker(folder) is not None


RUN_FILES = ("report.html", "report.pdf", "business_case.ipynb", "monthly.csv", "annual.csv",
             "metrics.json", "results.xlsx", "allocation.csv", "allocation.json",
             ".business-case.pickle", KIT_MARKER)
"""Every file ``bpo-roi run`` writes into a scenario's folder: anything else in such a folder
is the user's, and a rerun carries it over into the new folder."""


def write_together(folder: str | os.PathLike[str], writers: dict[str, Any],
                   label: str = "write") -> list[Path]:
    """Write several files into ``folder`` all or nothing. Returns the paths.

    Each ``writers[name](path)`` writes into a temporary folder inside ``folder`` (marked as
    the kit's, named so that a later run removes it should this process die). Only when every
    file is complete are they renamed into place, one :func:`os.replace` each. Before the
    first rename, the file each one replaces is kept aside in the temporary folder (a hard
    link, or a copy where the file system has none).

    Guarantee: when this function returns, every file is new; when it raises, every file in
    ``folder`` has its previous content (or is absent, as it was). A writer that fails
    leaves ``folder`` untouched; a rename that fails puts back the files already renamed (the
    kept-aside file, or none where there was none). Each file on its own is replaced
    atomically, so a reader never sees a half-written one; the group is not atomic to a
    reader during the renames (microseconds apart), nor to a crash of the machine or a
    SIGKILL between two renames: then some files may be new and some old, and the next run
    removes the temporary folder.
    """
    import shutil
    import uuid

    folder = Path(folder)
    work = folder / f".{label}.partial-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        write_kit_marker(work, purpose=label)
        for name, write in writers.items():
            write(work / name)
        aside = work / ".previous"
        aside.mkdir()
        kept: dict[str, Path | None] = {}
        for name in writers:
            target = folder / name
            if not (target.exists() or target.is_symlink()):
                kept[name] = None
                continue
            try:
                os.link(target, aside / name, follow_symlinks=False)
            except OSError:  # no hard links here: a copy
                shutil.copy2(target, aside / name, follow_symlinks=False)
            kept[name] = aside / name
        done: list[str] = []
        try:
            for name in writers:
                os.replace(work / name, folder / name)
                done.append(name)
        except BaseException:
            _put_back(folder, done, kept)
            raise
        return [folder / name for name in writers]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _put_back(folder: Path, names: list[str], kept: dict[str, Path | None]) -> None:
    """Undo :func:`write_together`'s renames of ``names``: the kept-aside file back in place,
    or the new file removed where there was none before (best effort: the original error is
    the one raised)."""
    for name in reversed(names):
        with contextlib.suppress(OSError):
            previous = kept[name]
            if previous is None:
                (folder / name).unlink()
            else:
                os.replace(previous, folder / name)


LOCK_NAME = ".bpo-roi.lock"


class OutputRefusedError(RuntimeError):
    """The kit will not write to an output folder (the message, one line, says why)."""


class OutputBusyError(OutputRefusedError):
    """Another run holds the lock of an output folder."""


@contextlib.contextmanager
def output_lock(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold an exclusive lock on an output folder for the length of a run.

    The lock is an ``flock`` on ``folder/.bpo-roi.lock``: the operating system releases it when
    the process ends, however it ends. The holder removes the file when it is done, and a lock
    file left by a run that died (nobody holds its ``flock``) is taken over and removed in the
    same way, so no stale lock stays. A run that has locked the file checks that the name
    still leads to it (another run may have just removed it), else it locks the new one.

    The file is opened without following a symbolic link and must be a regular file: a lock is
    never written through a link, and a FIFO is refused, not opened for writing.

    Raises
    ------
    OutputBusyError
        When another process holds the lock; the message names it.
    OutputRefusedError
        When the lock file is a link or not a regular file, or cannot be created.
    """
    import fcntl
    import stat

    path = Path(folder) / LOCK_NAME
    while True:
        if (kind := not_regular(path)) is not None:
            raise OutputRefusedError(
                f"{path}: the lock file is {kind}; bpo-roi writes it only as a regular file. "
                f"Remove it or choose another --out")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                         | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputRefusedError(f"{folder}: output folder cannot be written (cannot "
                                     f"lock {path.name}: {exc.strerror or exc})") from None
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):  # swapped in since the check above
                raise OutputRefusedError(f"{path}: the lock file is not a regular file; "
                                         f"remove it or choose another --out")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() \
                    or "another run"
                raise OutputBusyError(
                    f"{folder}: another bpo-roi run ({holder}) is writing to this folder; "
                    f"wait for it to finish or choose another --out") from None
            try:
                now = os.lstat(path)
            except FileNotFoundError:
                now = None
            if now is None or (now.st_dev, now.st_ino) != (opened.st_dev, opened.st_ino):
                os.close(fd)  # the holder before us removed it: lock the new one
                continue
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        break
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # still holding the lock: nobody else is using this file
        os.close(fd)  # closing the descriptor releases the lock


def remove_stale_work(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the kit's temporary folders (``.<slug>.partial-*``, ``.<slug>.old-*``) left
    behind by runs that died. Call it while holding :func:`output_lock`: no live run then
    owns one. Only folders that carry the kit's marker are removed, and an ``.old-`` folder
    (a replaced scenario folder) only when it holds nothing but :data:`RUN_FILES`: a file the
    user added stays. Returns what was removed.
    """
    import shutil

    removed = []
    for path in sorted(Path(folder).glob(".*")):
        match = re.fullmatch(r"\..+\.(partial|old)-[0-9a-f]{8}", path.name)
        if not match or not written_by_kit(path):
            continue
        if match.group(1) == "old" and any(p.name not in RUN_FILES for p in path.iterdir()):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


SWEEP_FILES = ("sweep.parquet", "sweep.csv")
"""The files of ``bpo-roi sweep``: one tidy table, twice."""

_SWEEP_CSV_HEAD = "scenario,file,variant,"
_SWEEP_PARQUET_KEY = b"generator"


def write_sweep_table(table: Any, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the sweep table as ``sweep.parquet`` and ``sweep.csv`` in ``folder``, both or
    neither (:func:`write_together`); text cells of the CSV are inert (:func:`inert_text`).
    The Parquet file carries ``generator: bpo-roi`` in its metadata, so a later sweep knows it
    may replace it.

    Returns the two paths.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           _SWEEP_PARQUET_KEY: b"bpo-roi"})
    parquet, csv_name = SWEEP_FILES
    return write_together(folder, {parquet: lambda path: pq.write_table(arrow, path),
                                   csv_name: lambda path: write_table_csv(table, path)},
                          label="sweep")


def sweep_files_not_ours(folder: str | os.PathLike[str]) -> list[Path]:
    """The sweep files in ``folder`` that exist but were not written by the kit (a sweep never
    replaces them): see :func:`foreign_file`; the Parquet file is the kit's when its metadata
    says ``generator: bpo-roi``."""
    parquet, csv_path = (Path(folder) / name for name in SWEEP_FILES)
    found = [csv_path] if foreign_file(csv_path, lambda head: head.startswith(_SWEEP_CSV_HEAD)) \
        else []
    if parquet.exists() or parquet.is_symlink():
        ours = False
        if parquet.is_file() and not parquet.is_symlink():
            import pyarrow.parquet as pq

            try:
                ours = (pq.read_schema(parquet).metadata or {}).get(_SWEEP_PARQUET_KEY) \
                    == b"bpo-roi"
            except Exception:  # unreadable or not Parquet: not the kit's
                ours = False
        if not ours:
            found.insert(0, parquet)
    return found
