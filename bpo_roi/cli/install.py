"""Installing a scenario's outputs: a complete temporary folder renamed to ``out/<slug>``.

A scenario's files are made in ``out/.<slug>.partial-XXXXXXXX`` (the kit's marker first) and
the folder is renamed into place only when complete, replacing an earlier folder only when
the kit wrote it; a failure leaves nothing half-written. What the user added to the earlier
folder (any file that is not one of :data:`bpo_roi.reporting.files.RUN_FILES`) is carried over
into the new one. Files a cluster worker sends back are
installed the same way (:func:`install_remote`).
"""

from __future__ import annotations

import shutil
import traceback
import uuid
from pathlib import Path

from bpo_roi.cli.tasks import RunResult, Task, not_ours, one_line

__all__ = ["install", "install_remote", "mark", "partial_folder", "print_pdf"]


def partial_folder(task: Task) -> Path:
    """A new temporary folder name for ``task`` in its ``out`` (not created)."""
    return Path(task.out) / f".{task.slug}.partial-{uuid.uuid4().hex[:8]}"


def mark(tmp: Path, task: Task) -> None:
    """Write the kit's marker into the new folder ``tmp``: the run, the scenario, and the file
    it was written for (as given, and resolved: a run of another file never replaces it)."""
    from bpo_roi.reporting.files import write_kit_marker

    write_kit_marker(tmp, run_id=task.run_id or uuid.uuid4().hex, scenario=task.name,
                     file=task.file, source=task.source or str(Path(task.file).resolve()))


def install(tmp: Path, out: Path, slug: str) -> Path:
    """Rename the complete folder ``tmp`` to ``out/slug``, replacing a folder the kit wrote;
    what the user added to that folder is carried over into the new one (when a file cannot be
    moved, the old folder stays as ``out/.<slug>.old-*`` with it, and no later run removes it).

    Raises
    ------
    FileExistsError
        When ``out/slug`` exists and the kit did not write it.
    """
    from bpo_roi.reporting.files import written_by_kit

    final = out / slug
    old = None
    if final.exists() or final.is_symlink():
        if not written_by_kit(final):  # checked up front too; a user may have made it since
            raise FileExistsError(not_ours(final))
        old = out / f".{slug}.old-{uuid.uuid4().hex[:8]}"
        final.rename(old)
    tmp.rename(final)
    if old is not None and _carry_over(old, final):
        shutil.rmtree(old, ignore_errors=True)
    return final


def _carry_over(old: Path, new: Path) -> bool:
    """Move every entry of ``old`` that the kit did not write into ``new`` (unless ``new`` has
    one of that name); whether everything of the user's was moved."""
    from bpo_roi.reporting.files import RUN_FILES

    moved = True
    for entry in sorted(old.iterdir()):
        if entry.name in RUN_FILES:
            continue
        target = new / entry.name
        try:
            if target.exists() or target.is_symlink():
                raise FileExistsError(target)
            entry.rename(target)
        except OSError:
            moved = False
    return moved


def print_pdf(task: Task, folder: Path) -> None:
    """Print ``report.pdf`` next to ``report.html`` when the run asked for it (``--pdf``)."""
    if task.pdf_browser:
        from bpo_roi.reporting.pdf import print_pdf as _print

        _print(folder / "report.html", folder / "report.pdf", task.pdf_browser)


def install_remote(task: Task, result: RunResult) -> RunResult:
    """Write the files a cluster worker made (``result.extra["files"]``) into ``out/<slug>``
    exactly as a local run does: a temporary folder with the kit's marker, renamed into place
    when complete (and ``report.pdf`` printed here, where the browser was found)."""
    files = result.extra.pop("files", None)
    if not result.ok:
        return result
    tmp = partial_folder(task)
    try:
        tmp.mkdir()
        mark(tmp, task)
        for name, data in (files or {}).items():
            if Path(name).name != name or name.startswith("."):
                raise ValueError(f"a worker returned a file named {name!r}")
            (tmp / name).write_bytes(data)
        print_pdf(task, tmp)
        result.folder = str(install(tmp, Path(task.out), task.slug))
    except Exception as exc:
        result.ok = False
        result.metrics = None
        result.error = one_line(exc)
        result.extra["traceback"] = traceback.format_exc()
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return result
