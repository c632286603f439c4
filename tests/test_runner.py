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

from bpo_roi.cli.runner import ParameterError, parse_parameters, run_scenarios

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "bpo-roi"
AP = ROOT / "assumptions" / "ap_invoice_processing.yaml"
HD = ROOT / "assumptions" / "it_helpdesk.yaml"
pytestmark = pytest.mark.xdist_group("kernels")


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


def test_run_writes_every_output_per_scenario(run_dir):
    proc, out, _ = run_dir
    folder = out / "accounts-payable-invoice-processing"
    for name in ("report.html", "business_case.ipynb", "results.xlsx", "monthly.csv",
                 "metrics.json"):
        assert (folder / name).is_file(), name
    nb = nbformat.read(folder / "business_case.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["trials"] == 50
    assert "Report:" in proc.stdout and "report.html" in proc.stdout


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


def test_failing_scenario_is_isolated_reported_and_leaves_nothing(run_dir):
    proc, out, files = run_dir
    assert proc.returncode == 1
    assert "broken.yaml" in proc.stderr and "in_house.shrinkage" in proc.stderr
    assert "Traceback" not in proc.stderr
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [".bpo-roi.lock"]  # the run's lock file; nothing half-written
    with (out / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["file"] == files[1]
    assert "shrinkage" in failed[0]["error"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 2 + 3  # two offers + three offers
    assert "failed" in (out / "summary.html").read_text()


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
    nb_path = tmp_path / "notebooks" / "broken.ipynb"  # never beside the shipped notebooks
    nb_path.parent.mkdir()
    nbformat.write(broken, nb_path)
    out = tmp_path / "out"
    results = run_scenarios([str(AP)], out, notebook=nb_path, progress=False,
                            parameters={"trials": 20})
    (r,) = results
    assert not r.ok and "RuntimeError: chart server down" in r.error
    assert sorted(p.name for p in out.iterdir()) == [".bpo-roi.lock", "summary.csv",
                                                     "summary.html"]


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
    nb_path = tmp_path / "notebooks" / "kept.ipynb"  # never beside the shipped notebooks
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
