"""What ``bpo-roi run`` does per scenario, typed: a :class:`Task` in, a :class:`RunResult` out,
and the plan that checks every file before any kernel starts (:func:`plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpo_roi.cli.parameters import NOTEBOOK
from bpo_roi.reporting.files import KIT_MARKER
from bpo_roi.reporting.summary import ScenarioOutcome

__all__ = ["DEFAULT_CELL_TIMEOUT", "RunResult", "Task", "not_ours", "one_line", "plan"]

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


def plan(files: list[str], overrides: dict[str, Any], out: Path | None = None,
         **settings: Any) -> list[Task | RunResult]:
    """Check every file up front, in order: one :class:`Task` per runnable file (with the
    run's ``settings``: the other :class:`Task` fields), else its failure.

    A missing file, a file given twice, an invalid scenario or override, and a scenario whose
    folder exists but was not written by the kit all fail here, before any kernel starts. Each
    runnable scenario gets a unique slug.
    """
    from bpo_roi.reporting.files import slugify, written_by_kit
    from bpo_roi.scenario.reading import AssumptionsError, load_scenario, override_problems

    entries: list[Task | RunResult] = []
    used: set[str] = set()
    seen: dict[str, str] = {}
    for f in files:
        path = Path(f)
        if not path.is_file():
            reason = "is a folder, not a scenario file" if path.is_dir() else "file not found"
            entries.append(RunResult(file=f, ok=False, error=f"{f}: {reason}"))
            continue
        key = str(path.resolve())
        if key in seen:
            entries.append(RunResult(file=f, ok=False, error=f"{f}: the same file as "
                                     f"{seen[key]}, given twice; it runs once"))
            continue
        seen[key] = f
        try:
            scenario = load_scenario(f)
            scenario.with_overrides(overrides)
        except AssumptionsError as exc:
            entries.append(RunResult(file=f, ok=False, error="; ".join(exc.problems)))
            continue
        except ValueError as exc:  # an override the scenario rejects: in the file errors' words
            if type(exc).__name__ == "ValidationError":
                problems = override_problems(exc, f"{f}: -p override rejected")  # type: ignore[arg-type]
            else:  # no such path
                first = str(exc).strip().splitlines()
                problems = [f"{f}: -p override rejected: {first[0] if first else 'no such path'}"]
            entries.append(RunResult(file=f, ok=False, error="; ".join(problems)))
            continue
        base = slugify(scenario.scenario.name)
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        if out is not None:
            folder = out / slug
            if (folder.exists() or folder.is_symlink()) and not written_by_kit(folder):
                entries.append(RunResult(file=f, ok=False, slug=slug,
                                         name=scenario.scenario.name, error=not_ours(folder)))
                continue
        entries.append(Task(file=f, slug=slug, name=scenario.scenario.name,
                            overrides=dict(overrides), out=str(out or ""), **settings))
    return entries
