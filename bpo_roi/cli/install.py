"""Installing a scenario's outputs: a complete temporary folder renamed to ``out/<slug>``.

A scenario's files are made in ``out/.<slug>.partial-XXXXXXXX`` (the kit's marker first) and
the folder is renamed into place only when complete, replacing an earlier folder only when
the kit wrote it; a failure leaves nothing half-written. Files a cluster worker sends back are
installed the same way (:func:`install_remote`).
"""

from __future__ import annotations

import shutil
import traceback
import uuid
from pathlib import Path

from bpo_roi.cli.tasks import RunResult, Task, not_ours, one_line

__all__ = ["install", "install_remote", "partial_folder", "print_pdf"]


def partial_folder(task: Task) -> Path:
    """A new temporary folder name for ``task`` in its ``out`` (not created)."""
    return Path(task.out) / f".{task.slug}.partial-{uuid.uuid4().hex[:8]}"


def install(tmp: Path, out: Path, slug: str) -> Path:
    """Rename the complete folder ``tmp`` to ``out/slug``, replacing a folder the kit wrote.

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
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def print_pdf(task: Task, folder: Path) -> None:
    """Print ``report.pdf`` next to ``report.html`` when the run asked for it (``--pdf``)."""
    if task.pdf_browser:
        from bpo_roi.reporting.pdf import print_pdf as _print

        _print(folder / "report.html", folder / "report.pdf", task.pdf_browser)


def install_remote(task: Task, result: RunResult) -> RunResult:
    """Write the files a cluster worker made (``result.extra["files"]``) into ``out/<slug>``
    exactly as a local run does: a temporary folder with the kit's marker, renamed into place
    when complete (and ``report.pdf`` printed here, where the browser was found)."""
    from bpo_roi.reporting.files import write_kit_marker

    files = result.extra.pop("files", None)
    if not result.ok:
        return result
    tmp = partial_folder(task)
    try:
        tmp.mkdir()
        write_kit_marker(tmp, run_id=task.run_id or uuid.uuid4().hex, scenario=task.name,
                         file=task.file)
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
