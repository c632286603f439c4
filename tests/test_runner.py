"""`bpo-roi run`: outputs per scenario, the portfolio summary, fault isolation, escaping."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest

from bpo_roi.cli.parameters import ParameterError, parse_parameters
from bpo_roi.cli.runner import run_scenarios

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"
# the tests reading the one run of run_dir share a worker (the run is made once)
one_run = pytest.mark.xdist_group("runner")


INJECTIONS = {
    "  - name: Offshore dedicated seats":
        """  - name: '=HYPERLINK("http://evil.example","x")'""",
    "  - name: Time-and-materials hourly": """  - name: "@SUM(1+1)*cmd|' /C calc'!A0\"""",
    "    source: Vendor proposal (illustrative).": """    source: "+1+cmd|' /C calc'!A0\"""",
    "  source: ITSM tool ticket data, 2026; September peak from new joiners.":
        '  source: "-2+3"',
}


def hostile_scenario(tmp_path: Path) -> Path:
    text = HD.read_text()
    text = text.replace("  name: IT service desk",
                        '  name: "<script>alert(1)</script> & Co / ../../etc"')
    text = text.replace("  - name: Managed service desk per ticket",
                        '  - name: "<img src=x onerror=alert(2)>"')
    text = text.replace("  source: IT capital committee discount rate.",
                        '  source: "<b>bold</b> claim"')
    # spreadsheet formula payloads (OWASP CSV injection), in names and free text
    for old, new in INJECTIONS.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    bad = tmp / "broken.yaml"
    bad.write_text(AP.read_text().replace("  shrinkage: 0.18", "  shrinkage: 3"))
    files = [str(AP), str(bad), str(hostile_scenario(tmp))]
    out = tmp / "out"
    proc = subprocess.run([str(BIN), "run", *files, "--out", str(out), "--workers", "2",
                           "-p", "trials=50", "--quiet"], capture_output=True, text=True,
                          timeout=600)
    return proc, out, files


@one_run
def test_run_writes_every_output_per_scenario(run_dir):
    proc, out, _ = run_dir
    folder = out / "accounts-payable-invoice-processing"
    for name in ("report.html", "business_case.ipynb", "results.xlsx", "monthly.csv",
                 "metrics.json"):
        assert (folder / name).is_file(), name
    nb = nbformat.read(folder / "business_case.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["trials"] == 50
    assert "Report:" in proc.stdout and "report.html" in proc.stdout


@one_run
def test_workbook_sheets_formats_and_numbers_match_metrics(run_dir):
    _, out, _ = run_dir
    folder = out / "accounts-payable-invoice-processing"
    metrics = json.loads((folder / "metrics.json").read_text())
    wb = openpyxl.load_workbook(folder / "results.xlsx", data_only=True)  # cached values
    assert {"About", "Metrics", "Monthly", "Annual", "Inputs", "Risk", "Tornado"} <= set(
        wb.sheetnames)
    ws = wb["Metrics"]
    offers = [c.value for c in ws[1]][1:]
    assert offers == list(metrics["offers"]) and ws.freeze_panes == "B2"
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    for k, m in enumerate(metrics["offers"].values()):
        assert rows["NPV (EUR)"][k] == pytest.approx(m["npv"])
        assert rows["ROI (NPV ÷ PV outsourced)"][k] == pytest.approx(m["roi"])
        assert rows["Payback month"][k] == m["payback_month"]
    labels = [r[0].value for r in ws.iter_rows(min_row=1)]
    assert ws.cell(labels.index("NPV (EUR)") + 1, 2).number_format == "#,##0"
    assert ws.cell(labels.index("ROI (NPV ÷ PV outsourced)") + 1, 2).number_format == "0.0%"
    monthly = wb["Monthly"]
    assert monthly.max_row == 1 + 2 * 49
    assert monthly.column_dimensions["A"].width >= 10
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows() if r[0].value}
    assert about["Monte Carlo trials"] == "50"  # the run's -p trials=50
    assert metrics["risk"]["trials"] == 50 and metrics["risk"]["seed"] == 2026
    shares = [o["p_best"] for o in metrics["risk"]["offers"].values()]
    assert sum(shares) + metrics["risk"]["p_best_stay_in_house"] == pytest.approx(1.0)
    assert isinstance(metrics["recommendation_flags"], list)
    assert len(about["Scenario file SHA-256"]) == 64


@one_run
def test_failing_scenario_is_isolated_reported_and_leaves_nothing(run_dir):
    proc, out, files = run_dir
    assert proc.returncode == 1
    assert "broken.yaml" in proc.stderr and "in_house.shrinkage" in proc.stderr
    assert "Traceback" not in proc.stderr
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the run removed its lock file; nothing half-written
    with (out / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["file"] == files[1]
    assert "shrinkage" in failed[0]["error"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 2 + 3  # two offers + three offers
    assert "failed" in (out / "summary.html").read_text()


@one_run
def test_user_text_is_escaped_and_slug_stays_inside(run_dir):
    _, out, _ = run_dir
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert all(p.parent == out for p in folders)
    hostile = out / "script-alert-1-script-co-etc"
    assert hostile.is_dir()
    report = (hostile / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "<img src=x" not in report and "&lt;img src=x onerror=alert(2)&gt;" in report
    assert "<b>bold</b>" not in report and "&lt;b&gt;bold&lt;/b&gt;" in report
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in summary and "<img src=x" not in summary


def test_a_notebook_failure_leaves_no_partial_folder(tmp_path):
    broken = nbformat.read(ROOT / "notebooks" / "business_case.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('chart server down')"))
    nb_path = tmp_path / "nb" / "broken.ipynb"  # never written into the repo's notebooks/
    nb_path.parent.mkdir()
    nbformat.write(broken, nb_path)
    out = tmp_path / "out"
    (r,) = run_scenarios([str(AP)], out, notebook=nb_path, progress=False,
                         parameters={"trials": 20})
    assert not r.ok and "RuntimeError: chart server down" in r.error
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv", "summary.html"]


def test_parameters_are_typed_and_checked():
    params, overrides = parse_parameters(["trials=2000", "seed=7",
                                          "workload.monthly_volume=90000"])
    assert params == {"trials": 2000, "seed": 7}
    assert overrides == {"workload.monthly_volume": 90000}
    for bad, message in [("trials=abc", "must be an int"), ("trials=1.5", "must be an int"),
                         ("trials=0", "from 1 to"), ("colour=red", "unknown parameter"),
                         ("assumptions_path=x.yaml", "set from each FILE"),
                         ("novalue", "NAME=VALUE")]:
        with pytest.raises(ParameterError, match=message):
            parse_parameters([bad])


@pytest.mark.parametrize("args, message", [
    (["run", "nope.yaml", "--out", "{tmp}/o"], "nope.yaml: file not found"),
    (["run", str(AP), "--out", "{tmp}/file/o"], "cannot be written"),
    (["run", str(AP), "--out", "{tmp}/o", "-p", "trials=many"], "must be an int"),
    (["run", str(AP), "--out", "{tmp}/o", "-p", "workload.volume=5"], "override rejected"),
    (["run", str(AP), "--out", "{tmp}/o", "--workers", "0"],
     "--workers: The 'workers' parameter of bpo-roi run must be an int ≥ 1. Got 0 instead."),
    (["run", str(AP), "--out", " "],
     "--out: The 'out' parameter of bpo-roi run must be a folder path. Got an empty string"),
    (["run", str(AP), "--out", "{tmp}/o", "-p", "case_path=x.pickle"], "cannot be set here"),
])
def test_run_input_errors_are_one_line_without_traceback(tmp_path, args, message):
    (tmp_path / "file").write_text("x")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = subprocess.run([str(BIN), *args, "--quiet"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@one_run
def test_no_written_workbook_or_csv_holds_a_formula_from_user_text(run_dir, tmp_path):
    _, out, files = run_dir
    books = sorted(out.rglob("*.xlsx"))
    assert len(books) == 2  # the two scenarios that ran
    hostile = out / "script-alert-1-script-co-etc"

    def formulas(book):
        wb = openpyxl.load_workbook(book)  # formulas are read as formulas, not values
        return {f"{ws.title}!{c.coordinate}": c.value for ws in wb.worksheets
                for row in ws.iter_rows() for c in row if c.data_type == "f"}

    # the kit's own formulas, written afresh for the same scenario: the run's workbook holds
    # exactly these and no other (no user text became a formula)
    from bpo_roi import evaluate, load_scenario
    from bpo_roi.reporting.workbook import write_results_xlsx

    for book, source in ((hostile / "results.xlsx", files[2]),
                         (out / "accounts-payable-invoice-processing" / "results.xlsx",
                          files[0])):
        fresh = tmp_path / f"{book.parent.name}.xlsx"
        write_results_xlsx(evaluate(load_scenario(source)), fresh)
        expected = formulas(fresh)
        assert formulas(book) == expected, book
        assert not any("HYPERLINK" in f or "cmd|" in f for f in expected.values())
    wb = openpyxl.load_workbook(hostile / "results.xlsx")
    texts = {c.value: c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)}
    assert texts['=HYPERLINK("http://evil.example","x")'] == "s"  # kept, as text
    for csv_path in [*sorted(out.rglob("monthly.csv")), out / "summary.csv"]:
        with csv_path.open(newline="", encoding="utf-8") as fh:
            cells = [cell for row in csv.reader(fh) for cell in row]
        risky = [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]
        assert risky == [], csv_path
    with (hostile / "monthly.csv").open(newline="", encoding="utf-8") as fh:
        offers = {row["offer"] for row in csv.DictReader(fh)}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in offers
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in offers


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_a_kept_kernel_runs_each_notebook_as_a_fresh_one_would(tmp_path):
    """A worker keeps its kernel from one scenario to the next (no start-up, no imports):
    each notebook still starts from an empty namespace with cells numbered from 1."""
    nb = nbformat.read(ROOT / "notebooks" / "business_case.ipynb", as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(
        "assert 'leak_marker' not in dir(), 'state leaked from the previous notebook'\n"
        "assert not any(i.startswith('leak_marker') for i in In), 'input history leaked'"))
    nb.cells.append(nbformat.v4.new_code_cell("leak_marker = 1"))
    nb_path = tmp_path / "nb" / "kept.ipynb"  # never written into the repo's notebooks/
    nb_path.parent.mkdir()
    nbformat.write(nb, nb_path)
    results = run_scenarios([str(AP), str(HD)], tmp_path / "out", notebook=nb_path,
                            progress=False, parameters={"trials": 20}, workers=1)
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    for r in results:
        executed = nbformat.read(Path(r.folder) / "business_case.ipynb", as_version=4)
        counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1))
        # its own history session, as in a fresh kernel: numbering lines from 1 again in the
        # previous notebook's session prints "ERROR! Session/line number was not unique"
        streams = [o.text for c in executed.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream"]
        assert not streams, streams


# -- compute once: the worker computes each scenario once; the notebook shows those results --

COUNTING = """\
import json as _json
import bpo_roi.analysis.business_case as _bc
import bpo_roi.analysis.monte_carlo as _mc
import bpo_roi.analysis.sensitivity as _se
import bpo_roi.reporting.case as _case
_calls = {}
_originals = []
for _module, _name in ((_bc, "evaluate"), (_mc, "simulate"), (_se, "tornado"),
                       (_case, "run_record")):
    def _counted(*args, _f=getattr(_module, _name), _n=_name, **kwargs):
        _calls[_n] = _calls.get(_n, 0) + 1
        return _f(*args, **kwargs)
    _originals.append((_module, _name, getattr(_module, _name)))
    setattr(_module, _name, _counted)
"""
REPORT_CALLS = """\
for _module, _name, _f in _originals:
    setattr(_module, _name, _f)
print(_json.dumps({"calls": _calls, "run": run}))
"""


def counting_notebook(tmp_path: Path) -> Path:
    """The shipped notebook with the engine's entry points counted from before its setup cell
    (in a copy in ``tmp_path``); its last cell prints the counts and the notebook's run
    record."""
    nb = nbformat.read(ROOT / "notebooks" / "business_case.ipynb", as_version=4)
    parameters = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get(
        "tags", []))
    nb.cells.insert(parameters + 1, nbformat.v4.new_code_cell(COUNTING))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT_CALLS))
    path = tmp_path / "nb" / "counting.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path


def printed(notebook: Path) -> dict:
    nb = nbformat.read(notebook, as_version=4)
    (text,) = [o.text for o in nb.cells[-1].outputs if o.output_type == "stream"]
    return json.loads(text)


def test_a_run_computes_each_scenario_once_and_report_and_metrics_share_one_record(tmp_path):
    notebook = counting_notebook(tmp_path)
    (r,) = run_scenarios([str(HD)], tmp_path / "out", notebook=notebook, progress=False,
                         parameters={"trials": 30},
                         overrides={"workload.monthly_volume": 20000})
    assert r.ok, r.error
    folder = Path(r.folder)
    seen = printed(folder / "business_case.ipynb")
    assert seen["calls"] == {}  # no evaluate, simulate, tornado or run record in the notebook
    metrics = json.loads((folder / "metrics.json").read_text())
    assert seen["run"] == metrics["run"]  # the one record, "at" included
    assert metrics["run"]["file"] == str(HD) and metrics["run"]["trials"] == 30
    assert metrics["run"]["overrides"] == {"workload.monthly_volume": 20000}
    assert metrics["risk"]["trials"] == 30
    # the worker's hand-over to the notebook is gone from the installed folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".bpo-roi", "annual.csv", "business_case.ipynb", "metrics.json", "monthly.csv",
         "report.html", "results.xlsx"])
    # and the report shows that record
    from bpo_roi.reporting.html_report import run_table_html

    shown = run_table_html(metrics["run"]).replace("'", '"')  # nbconvert writes " quotes
    assert shown in (folder / "report.html").read_text(encoding="utf-8")


def test_the_notebook_computes_its_case_itself_under_plain_papermill(tmp_path):
    """The counting is not vacuous: without a worker's results the notebook computes once."""
    import papermill as pm

    notebook = counting_notebook(tmp_path)
    executed = tmp_path / "executed.ipynb"
    pm.execute_notebook(str(notebook), str(executed), kernel_name="python3",
                        parameters={"assumptions_path": str(AP), "trials": 25},
                        cwd=str(notebook.parent), execution_timeout=300, progress_bar=False)
    seen = printed(executed)
    assert {name: seen["calls"].get(name) for name in ("simulate", "run_record")} == {
        "simulate": 1, "run_record": 1}
    assert seen["calls"].get("evaluate", 0) >= 1 and seen["calls"].get("tornado", 0) >= 1
    assert seen["run"]["trials"] == 25 and seen["run"]["seed"] == 2026  # the notebook's seed


def test_risk_parameters_come_from_the_notebook_parameters_cell(tmp_path):
    import papermill as pm

    from bpo_roi.cli.parameters import risk_parameters
    from bpo_roi.reporting.case import DEFAULT_SEED, DEFAULT_TRIALS

    nb = nbformat.read(ROOT / "notebooks" / "business_case.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = (cell.source.replace("trials: int = 1000", "trials: int = 77")
                   .replace("seed: int = 2026", "seed: int = 5"))
    own = tmp_path / "own.ipynb"
    nbformat.write(nb, own)
    assert risk_parameters({}, own) == (77, 5)
    assert risk_parameters({"trials": 9}, own) == (9, 5)
    cell.source = "assumptions_path = 'x.yaml'"  # a notebook that takes neither
    bare = tmp_path / "bare.ipynb"
    nbformat.write(nb, bare)
    assert risk_parameters({}, bare) == (DEFAULT_TRIALS, DEFAULT_SEED)
    # the kit's constants are the shipped notebook's defaults
    shipped = pm.inspect_notebook(str(ROOT / "notebooks" / "business_case.ipynb"))
    assert (int(shipped["trials"]["default"]), int(shipped["seed"]["default"])) == (
        DEFAULT_TRIALS, DEFAULT_SEED)


def test_the_kept_kernel_engine_is_registered_through_papermills_public_api():
    from papermill.engines import NBClientEngine, papermill_engines

    from bpo_roi.cli.kernel_engine import ENGINE_NAME, KeptKernelEngine

    assert papermill_engines.get_engine(ENGINE_NAME) is KeptKernelEngine
    assert issubclass(KeptKernelEngine, NBClientEngine)
    # no private papermill name anywhere in the package
    import re

    for path in (ROOT / "bpo_roi").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"papermill[\w.]*\._\w", text), path
