"""What ``bpo-roi run`` does per scenario, typed: a :class:`Task` in, a :class:`RunResult` out,
and the plan that checks every file before any kernel starts (:func:`plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpo_roi.cli.parameters import NOTEBOOK
from bpo_roi.reporting.files import KIT_MARKER
from bpo_roi.reporting.summary import ScenarioOutcome

__all__ = ["DEFAULT_CELL_TIMEOUT", "RunResult", "Task", "not_ours", "one_line", "plan",
           "rejected_overrides"]

DEFAULT_CELL_TIMEOUT = 600
"""Time limit per notebook cell, in seconds, unless ``--cell-timeout`` says."""


@dataclass(frozen=True)
class Task:
    """One scenario of a run, as a worker gets it.

    Attributes
    ----------
    file : str
        The scenario file as the user gave it.
    slug : str
        Its folder's name in ``out``.
    name : str
        The scenario's name.
    overrides : dict
        Dotted path → value, the same for every scenario of the run.
    out : str
        The run's output folder.
    parameters : dict
        The notebook parameters given with ``-p`` (trials, seed, ...).
    notebook : str
        The business-case notebook to execute.
    cell_timeout : int
        Time limit per notebook cell, in seconds.
    run_id : str
        The run's id, written into each folder's kit marker.
    pdf_browser : str, optional
        A Chrome-family browser to print ``report.pdf`` with; no PDF when None.
    keep_kernel : bool
        Run the notebook in the worker's kept kernel (local workers).
    source : str
        The scenario file, resolved: the folder's marker names it, so that a run of another
        file never replaces the folder.
    bids : tuple of str
        Returned price sheets (``--bids``), each added to the scenario as an offer.
    """

    file: str
    slug: str
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    out: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    notebook: str = str(NOTEBOOK)
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    run_id: str = ""
    pdf_browser: str | None = None
    keep_kernel: bool = False
    source: str = ""
    bids: tuple[str, ...] = ()

    def failed(self, error: str) -> RunResult:
        """The result of this task when it could not run."""
        return RunResult(file=self.file, ok=False, slug=self.slug, name=self.name, error=error)


@dataclass
class RunResult:
    """Outcome of one scenario of a run.

    ``metrics`` is its ``metrics.json`` document; ``extra`` carries a failure's
    ``traceback`` and, from a cluster worker, the made ``files`` (name → bytes) until they
    are installed.
    """

    file: str
    ok: bool
    slug: str | None = None
    name: str | None = None
    folder: str | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def outcome(self) -> ScenarioOutcome:
        """This result as the portfolio summary shows it."""
        return ScenarioOutcome(file=self.file, ok=self.ok, slug=self.slug, name=self.name,
                               metrics=self.metrics, error=self.error)


def one_line(exc: BaseException) -> str:
    """A failure as one line: a notebook cell's error by its cell number, else the first line
    of the exception."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        evalue = str(exc.evalue).strip().splitlines()
        return (f"notebook cell {exc.exec_count} raised {exc.ename}: "
                f"{evalue[0] if evalue else ''}".strip())
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def not_ours(folder: Path) -> str:
    """Why ``folder`` is left alone: it exists and the kit did not write it."""
    return (f"{folder} exists and was not written by bpo-roi (it has no {KIT_MARKER} marker); "
            f"nothing in it was changed. Rename the scenario or choose another --out")


def _owner(marker: dict[str, Any]) -> tuple[str, str]:
    """The file a kit folder was written for: (resolved path, as the user gave it). A marker
    written before markers named the resolved file names it only as given: resolved from
    the current folder."""
    given = str(marker.get("file") or "")
    source = str(marker.get("source") or "")
    if not source and given:
        source = str(Path(given).resolve())
    return source, given or source


def rejected_overrides(files: list[str], overrides: dict[str, Any]) -> list[str]:
    """One line per ``-p`` override that a scenario file rejects (a path it does not have, a
    value of the wrong type or out of range), in the file errors' words: ``FILE: -p override
    rejected: PATH: got VALUE; what is allowed``. Checked before any work (bad usage, exit
    2); a file that cannot be read is left to :func:`plan`, which lists it as failed, and one
    that is not a regular file is never opened."""
    from bpo_roi.reporting.files import not_regular
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    problems: list[str] = []
    if not overrides:
        return problems
    seen: set[str] = set()
    for f in files:
        path = Path(f)
        if not_regular(path, follow=True) is not None or not path.exists():
            continue
        if (key := str(path.resolve())) in seen:
            continue
        seen.add(key)
        try:
            scenario = load_scenario(f)
        except AssumptionsError:
            continue
        try:
            scenario.with_overrides(overrides, source=f"{f}: -p override rejected")
        except AssumptionsError as exc:
            problems += exc.problems
    return problems


def plan(files: list[str], overrides: dict[str, Any], out: Path | None = None,
         **settings: Any) -> list[Task | RunResult]:
    """Check every file up front, in order: one :class:`Task` per runnable file (with the
    run's ``settings``: the other :class:`Task` fields), else its failure.

    A missing file or one that is not a regular file (a FIFO is never opened), a file given
    twice, an invalid scenario or override, and a scenario whose folder exists but was not
    written by the kit all fail here, before any kernel starts.

    A scenario's folder is named after the scenario (:func:`slugify`) and belongs to one
    scenario file, which its marker names: a scenario of another file with a name that gives
    the same folder is refused (never written over it, never put elsewhere), whichever order
    the files come in. When no folder exists yet, every file of the run that would share it is
    refused.
    """
    from bpo_roi.reporting.files import kit_marker, not_regular, slugify
    from bpo_roi.scenario.bids import add_bids
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario

    entries: list[Task | RunResult] = []
    seen: dict[str, str] = {}
    by_slug: dict[str, list[int]] = {}
    for f in files:
        path = Path(f)
        if (kind := not_regular(path, follow=True)) is not None or not path.exists():
            reason = ("file not found" if kind is None
                      else "is a folder, not a scenario file" if kind == "a folder"
                      else f"not a regular file ({kind}); give a scenario file")
            entries.append(RunResult(file=f, ok=False, error=f"{f}: {reason}"))
            continue
        key = str(path.resolve())
        if key in seen:
            entries.append(RunResult(file=f, ok=False, error=f"{f}: the same file as "
                                     f"{seen[key]}, given twice; it runs once"))
            continue
        seen[key] = f
        try:
            scenario = add_bids(load_scenario(f), settings.get("bids", ()))
            # an override the scenario rejects: in the file errors' words
            scenario.with_overrides(overrides, source=f"{f}: -p override rejected")
        except AssumptionsError as exc:
            entries.append(RunResult(file=f, ok=False, error="; ".join(exc.problems)))
            continue
        slug = slugify(scenario.scenario.name)
        if out is not None:
            folder = out / slug
            if (folder.exists() or folder.is_symlink()) and kit_marker(folder) is None:
                entries.append(RunResult(file=f, ok=False, slug=slug,
                                         name=scenario.scenario.name, error=not_ours(folder)))
                continue
        by_slug.setdefault(slug, []).append(len(entries))
        entries.append(Task(file=f, slug=slug, name=scenario.scenario.name,
                            overrides=dict(overrides), out=str(out or ""), source=key,
                            **settings))
    for slug, indices in by_slug.items():
        _refuse_shared_folders(entries, indices, out / slug if out is not None else None)
    return entries


def _refuse_shared_folders(entries: list[Task | RunResult], indices: list[int],
                           folder: Path | None) -> None:
    """Replace by a failure each task in ``entries[indices]`` (one folder name) that may not
    write ``folder``: the folder belongs to another file, or no folder exists and another file
    of this run would write it too."""
    from bpo_roi.reporting.files import kit_marker

    tasks = [entries[i] for i in indices]
    marker = kit_marker(folder) if folder is not None else None
    shown = folder if folder is not None else tasks[0].slug
    source, given = _owner(marker) if marker is not None else ("", "")
    if source:  # (a marker that names no file at all is replaced as before)
        for i, t in zip(indices, tasks, strict=True):
            if isinstance(t, Task) and t.source != source:
                entries[i] = t.failed(
                    f"{t.file}: scenario {t.name!r} goes to {shown}, which holds the outputs "
                    f"of {given}; a run of another file never replaces them. Give the "
                    f"scenario its own name or choose another --out")
        return
    if len(tasks) > 1:
        for i, t in zip(indices, tasks, strict=True):
            if isinstance(t, Task):
                others = ", ".join(o.file for o in tasks if o is not t and isinstance(o, Task))
                entries[i] = t.failed(
                    f"{t.file}: scenario {t.name!r} would go to {shown}, as would {others} "
                    f"of this run; give each scenario its own name or run them into "
                    f"different --out folders")
