"""`make bench`: measured figures, printed (never asserted).

Each figure is the median of repeated runs in this process (or of repeated subprocesses for
start-up costs), with a baseline measured in the same run where a ratio makes sense.
Sections: engine (evaluate, import), risk (simulate, Erlang C, tornado), runs (bpo-roi run,
bare papermill), sweep (bpo-roi sweep on 2 local workers against a loop of evaluate),
explorer, hostile, diff, workbook (writing results.xlsx; the workbook's Monte Carlo in
LibreOffice against `simulate`). Pass section names to run only some:
``python benchmarks/run.py engine``. ``BENCH_QUICK=1`` runs the workbook section with one write
and a few LibreOffice trials (tests/test_bench.py: the lines, not the figures).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "assumptions" / "contact_centre.yaml"
sys.path.insert(0, str(ROOT))


def median_seconds(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def subprocess_seconds(code: str, repeat: int = 7) -> float:
    def once() -> None:
        subprocess.run([sys.executable, "-c", code], check=True)
    return median_seconds(once, repeat)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:9.2f} ms" if seconds < 10 else f"{seconds:9.2f} s "


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<58} {fmt(seconds)}  {note}")


def machine() -> None:
    cpu = platform.processor() or platform.machine()
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")


def bench_engine() -> None:
    import bpo_roi

    print("engine")
    scenario = bpo_roi.load_scenario(DEFAULT)
    n_offers, horizon = len(scenario.offers), scenario.scenario.horizon_months
    three = scenario.with_overrides({})
    if n_offers < 3:
        data = scenario.model_dump()
        extra = dict(data["offers"][0], name="Third offer (copy of the first)")
        data["offers"] = [*data["offers"], extra]
        data["criteria"] = data["cases"] = None  # the scorecard scores the file's offers only
        three = bpo_roi.Scenario.model_validate(data)
    queue = "Erlang C queue" if scenario.workload.queue is not None else "work hours"
    # cold: the first evaluate in a fresh process (imports done), staffing tables still to build
    cold_code = ("import sys, time, bpo_roi, bpo_roi.analysis, scipy.special;"
                 "s = bpo_roi.load_scenario(sys.argv[1]);"
                 "d = s.model_dump(); o = list(d['offers']);"
                 "d['offers'] = o if len(o) >= 3 else [*o, dict(o[0], name='Third offer')];"
                 "d['criteria'] = d['cases'] = None;"
                 "s = bpo_roi.Scenario.model_validate(d); t = time.perf_counter();"
                 "bpo_roi.evaluate(s); print(time.perf_counter() - t)")
    cold = statistics.median(float(subprocess.run(
        [sys.executable, "-c", cold_code, str(DEFAULT)], capture_output=True, text=True,
        check=True).stdout) for _ in range(3))
    t2 = median_seconds(lambda: bpo_roi.evaluate(three, breakeven=False), 50)
    line(f"evaluate default scenario ({queue}), {horizon} mo × 3 offers, no breakeven "
         "(baseline)", t2)
    t = median_seconds(lambda: bpo_roi.evaluate(three), 20)
    line(f"evaluate default scenario ({queue}), {horizon} mo × 3 offers, with breakeven", t,
         f"target ≤ 20 ms; {t / t2:.1f}× the baseline; first call in a fresh process "
         f"{cold * 1e3:.0f} ms (staffing tables built)")
    data = three.model_dump()
    data["workload"]["queue"] = None
    plain = bpo_roi.Scenario.model_validate(data)
    t4 = median_seconds(lambda: bpo_roi.evaluate(plain, breakeven=False), 50)
    line(f"evaluate same scenario sized by work hours, {horizon} mo × 3 offers, no breakeven "
         "(baseline)", t4)
    t3 = median_seconds(lambda: bpo_roi.evaluate(plain), 50)
    line(f"evaluate same scenario sized by work hours, {horizon} mo × 3 offers, with breakeven",
         t3, f"target ≤ 2 ms; {t3 / t4:.1f}× the baseline")
    shipped = []
    for path in sorted((ROOT / "assumptions").glob("*.yaml")):
        s = bpo_roi.load_scenario(path)
        sized = "queue" if s.workload.queue is not None else "work hours"
        t5 = median_seconds(lambda s=s: bpo_roi.evaluate(s), 20)
        shipped.append(f"{path.stem} ({sized}, {len(s.offers)} offers, "
                       f"{s.scenario.horizon_months} mo) {t5 * 1e3:.2f} ms")
    print("  evaluate with breakeven, each shipped scenario: " + "; ".join(shipped))
    # the metrics table through pandas' column-array constructor (private) against the public
    # DataFrame(dict) it falls back to: the fast path is kept only while this shows it pays
    import pandas as pd

    fast = median_seconds(lambda: bpo_roi.evaluate(plain, breakeven=False), 50)
    private = pd.DataFrame.__dict__.get("_from_arrays")
    if private is not None:
        delattr(pd.DataFrame, "_from_arrays")
        try:
            public = median_seconds(lambda: bpo_roi.evaluate(plain, breakeven=False), 50)
        finally:
            pd.DataFrame._from_arrays = private
        line("evaluate, work hours, no breakeven: metrics table by the public constructor",
             public, f"{public / fast:.2f}× the private fast path ({fast * 1e3:.2f} ms)")
    base = subprocess_seconds("pass")
    light = subprocess_seconds("import bpo_roi")
    full = subprocess_seconds("import bpo_roi.analysis, bpo_roi.scenario")
    line("python start-up (baseline)", base)
    line("import bpo_roi (incl. start-up)", light, f"+{(light - base) * 1e3:.1f} ms over baseline")
    line("import bpo_roi.analysis + scenario (numpy, pandas, pydantic)", full,
         f"+{(full - base) * 1e3:.1f} ms over baseline")
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, bpo_roi, bpo_roi.analysis, bpo_roi.scenario; "
         "print(','.join(m for m in ('plotly','ipywidgets','papermill','nbconvert') "
         "if m in sys.modules))"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"  heavy modules loaded by the engine: {heavy or 'none'}")


def bench_risk() -> None:
    import numpy as np

    import bpo_roi
    from bpo_roi.staffing import erlang_c_agents

    print("risk and staffing")
    s = bpo_roi.load_scenario(DEFAULT)
    n_offers, horizon = len(s.offers), s.scenario.horizon_months
    n_uncertain = len(bpo_roi.simulate(s, trials=10, seed=0).samples.columns)
    seeds = iter(range(1, 1_000))  # a new seed each time: nothing drawn is reused
    sim = median_seconds(lambda: bpo_roi.simulate(s, trials=10_000, seed=next(seeds)), 7)
    line(f"simulate 10,000 trials × {horizon} months × {n_offers} offers "
         f"({n_uncertain} uncertain inputs)", sim, "target ≤ 0.2 s")
    one = median_seconds(lambda: bpo_roi.evaluate(s, breakeven=False), 50)
    line("one deterministic evaluate (no breakeven), same scenario", one)
    print(f"  vectorisation speed-up: 10,000 × evaluate / one 10,000-trial simulate = "
          f"{10_000 * one / sim:,.0f}×  (target ≥ 100×)")
    # the same trials one at a time: the model run and the NPVs for each trial's own draws
    from bpo_roi.analysis.monte_carlo import sample_assumptions
    from bpo_roi.model.flows import cash_flows, offers_npv

    draws = sample_assumptions(s, 200, seed=1)

    def trial_by_trial() -> None:
        for i in range(200):
            offers_npv(cash_flows(s, {p: v[i:i + 1] for p, v in draws.items()}))

    per_trial = median_seconds(trial_by_trial, 3) / 200
    print(f"  the model run trial by trial (cash flows + NPV, each trial's draws): "
          f"{per_trial * 1e3:.2f} ms a trial; 10,000 of them / one simulate = "
          f"{10_000 * per_trial / sim:,.0f}×")
    rng = np.random.default_rng(0)
    calls = rng.uniform(0, 2000, 10_000)
    erl = median_seconds(lambda: erlang_c_agents(calls, 300, 900, 0.8, 20, 0.9), 20)
    line("erlang_c_agents over 10,000 intervals (0–2,000 calls / 15 min)", erl,
         "target < 50 ms")
    from bpo_roi.staffing import erlang_a_agents

    def sized_a() -> object:
        return erlang_a_agents(calls, 300, 900, 0.8, 20, 180, None, 0.9)

    era = median_seconds(sized_a, 20)
    cpu = []  # CPU time too: on a loaded machine the wall time says more about the neighbours
    for _ in range(20):
        start = time.process_time()
        sized_a()
        cpu.append(time.process_time() - start)
    line("erlang_a_agents, same intervals, patience 180 s", era,
         f"target ≤ 50 ms; {era / erl:.0f}× Erlang C; CPU {statistics.median(cpu) * 1e3:.1f} ms")
    cc = s.with_overrides({"workload.queue.patience_seconds": 180})
    one_a = median_seconds(lambda: bpo_roi.evaluate(cc, breakeven=False), 20)
    line("evaluate default scenario with Erlang A (patience 180 s), no breakeven", one_a,
         f"{one_a / one:.1f}× Erlang C")
    drivers = len(bpo_roi.tornado(s))
    tor = median_seconds(lambda: bpo_roi.tornado(s), 5)
    line(f"tornado over every driver of the default scenario ({drivers} drivers)", tor)


def bench_explorer() -> None:
    from bpo_roi.reporting.explorer import Explorer

    print("explorer")
    ex = Explorer(ROOT / "assumptions", DEFAULT)
    volume = ex.controls["monthly_volume"]
    values = [volume.value * f for f in (0.9, 1.1)]

    def move() -> None:
        volume.value = values[0] if volume.value != values[0] else values[1]

    line("one slider change: recompute + update 3 FigureWidgets + table",
         median_seconds(move, 20), "target < 100 ms")


def bench_runs() -> None:
    import tempfile

    print("runs (wall time, one run each; kernel start-up included)")
    files = sorted(str(p) for p in (ROOT / "assumptions").glob("*.yaml"))
    bare = ROOT / "benchmarks" / "empty.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        def papermill_empty() -> None:
            subprocess.run([sys.executable, "-m", "papermill", str(bare), f"{tmp}/e.ipynb",
                            "-k", "python3", "--no-progress-bar", "--log-level", "ERROR"],
                           check=True, capture_output=True)

        def run(workers: int) -> Callable[[], None]:
            def go() -> None:
                subprocess.run([sys.executable, "-m", "bpo_roi.cli", "run", *files, "--out",
                                f"{tmp}/w{workers}", "--workers", str(workers), "--quiet",
                                "-p", "trials=1000"], check=True, capture_output=True)
            return go

        empty = median_seconds(papermill_empty, 3)
        w1 = median_seconds(run(1), 1, warmup=0)
        w2 = median_seconds(run(2), 1, warmup=0)
    n = len(files)
    line("bare papermill run of an empty notebook (baseline)", empty)
    line(f"bpo-roi run, {n} scenarios, --workers 1", w1,
         f"{w1 / n:.2f} s/scenario = {w1 / n / empty:.1f}× the bare run")
    line(f"bpo-roi run, {n} scenarios, --workers 2", w2, f"speed-up {w1 / w2:.2f}× over 1 worker")
    line("overhead per scenario beyond kernel start-up (workers 1)", w1 / n - empty)


PEAK = """
def peak_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")
"""


def _child(code: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PEAK + code, *args], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


def bench_hostile() -> None:
    """Refusing hostile files and large grids: time and peak memory, against ordinary work."""
    import tempfile

    print("hostile inputs (each in a fresh process; peak = VmHWM)")
    validate = """
import sys, time
from bpo_roi.cli.commands import main
import contextlib, io
t = time.perf_counter()
with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
    rc = main(["validate", sys.argv[1]])
print(rc, time.perf_counter() - t, peak_mb())
"""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 8)]
    with tempfile.TemporaryDirectory() as tmp:
        bomb = Path(tmp) / "bomb.yaml"
        bomb.write_text("\n".join(lines) + "\n")
        deep = Path(tmp) / "deep.yaml"
        deep.write_text("x: " + "[" * 5000 + "]" * 5000 + "\n")
        _, base_s, base_mb = _child(validate, str(DEFAULT))
        line("validate the default scenario (baseline)", float(base_s),
             f"peak {float(base_mb):.0f} MB")
        hostile = [("alias bomb, depth 7 × 9 (9⁸ ≈ 43 M strings expanded)", bomb),
                   ("5,000 nested brackets", deep)]
        # the rest of tests/test_hostile.py's HOSTILE_FILES (the test asserts the refusal
        # and the memory; their times are these figures)
        ap_text = (ROOT / "assumptions" / "ap_invoice_processing.yaml").read_text()
        for label, name, text in (
                ("a list of 600,000 items (over the size limit)", "huge_list",
                 "x:\n" + "- 1\n" * 600_000),
                ("a value of 20,000 characters", "huge_value", "x: " + "a" * 20_000 + "\n"),
                ("a list of 100,000 items (under the size limit)", "items",
                 "x:\n" + "- 1\n" * 100_000),
                ("a flow list of 200,000 items", "flow", "x: [" + "1," * 200_000 + "]\n"),
                ("an integer of 400 digits in a scenario", "int400",
                 ap_text.replace("monthly_volume: ", "monthly_volume: " + "9" * 400 + " #", 1)),
                ("an integer of 6,000 digits", "int6000", "x: " + "9" * 6000 + "\n")):
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(text, encoding="utf-8")
            hostile.append((label, path))
        for label, path in hostile:
            rc, s, mb = _child(validate, str(path))
            line(f"refuse {label}", float(s),
                 f"exit {rc}, {float(s) / float(base_s):.2f}× baseline, peak {float(mb):.0f} MB "
                 f"({float(mb) / float(base_mb):.2f}× baseline)")
        # refusals of `bpo-roi run` before any kernel starts (the tests assert that none ran)
        from bpo_roi.reporting.files import output_lock

        cli = [sys.executable, "-m", "bpo_roi.cli"]

        def quiet(*args: str) -> Callable[[], None]:
            return lambda: subprocess.run([*cli, *args], capture_output=True)

        base_cli = median_seconds(quiet("validate", str(DEFAULT)), 3)
        line("bpo-roi validate the default scenario, whole process (baseline)", base_cli)
        out = Path(tmp) / "locked"
        out.mkdir()
        with output_lock(out):
            locked = median_seconds(quiet("run", str(DEFAULT), "--out", str(out), "--quiet"),
                                    3)
        line("refuse bpo-roi run on an --out another run holds", locked,
             f"{locked / base_cli:.2f}× the baseline")
        bad = median_seconds(quiet("run", str(DEFAULT), "--out", f"{tmp}/o", "-p", "trials=0",
                                   "--quiet"), 3)
        line("refuse bpo-roi run -p trials=0", bad, f"{bad / base_cli:.2f}× the baseline")
    grid = """
import sys, time
import numpy as np
import bpo_roi
s = bpo_roi.load_scenario(sys.argv[1])
n = int(sys.argv[2])
bpo_roi.evaluate(s, breakeven=False)
before = peak_mb()
t = time.perf_counter()
bpo_roi.grid(s, "workload.monthly_volume", np.linspace(20_000, 80_000, n),
             "offers.1.pricing.rate_per_hour", np.linspace(10, 30, n), offer=1)
print(time.perf_counter() - t, peak_mb() - before)
"""
    ap = str(ROOT / "assumptions" / "ap_invoice_processing.yaml")
    small_s, small_mb = (float(v) for v in _child(grid, ap, "100"))
    line("grid 100 × 100 NPV cells (baseline)", small_s, f"+{small_mb:.0f} MB")
    big_s, big_mb = (float(v) for v in _child(grid, ap, "2000"))
    line("grid 2,000 × 2,000 NPV cells (400× the cells)", big_s,
         f"+{big_mb:.0f} MB ({big_mb / max(small_mb, 1):.1f}× the baseline's memory; "
         f"{big_s / small_s:.0f}× its time)")


def bench_diff() -> None:
    """A 10-input diff (1,024 coalitions) against one deterministic evaluate of the same case."""
    import bpo_roi

    print("diff (Shapley over every coalition of the changed inputs)")
    for name in ("it_helpdesk", "contact_centre"):
        old = bpo_roi.load_scenario(ROOT / "assumptions" / f"{name}.yaml")
        paths = [p for p in old.numeric_paths()
                 if p.startswith(("workload.", "in_house.", "offers.0.transition"))
                 and "seasonality" not in p and "queue" not in p]
        overrides = {}
        for p in paths:
            value = old.get(p)
            point = getattr(value, "point", value)
            if point and len(overrides) < 10:
                overrides[p] = point * (0.98 if old.field_bounds(p)["le"] == 1.0 else 1.02)
        new = old.with_overrides(overrides)
        one = median_seconds(lambda s=old: bpo_roi.evaluate(s, breakeven=False), 10)
        d = median_seconds(lambda o=old, n=new: bpo_roi.diff(o, n), 3)
        queue = "Erlang C" if old.workload.queue is not None else "work hours"
        line(f"diff, {len(overrides)} changed inputs, {name} ({queue})", d,
             f"target ≤ 0.5 s; {d / one:.0f}× one evaluate ({one * 1e3:.1f} ms)")


def bench_sweep() -> None:
    """`bpo-roi sweep` throughput on 2 local worker processes (no breakeven), against a Python
    loop of `evaluate` calls in this process over the same variants."""
    import tempfile

    import bpo_roi
    from bpo_roi.analysis.advice import advise
    from bpo_roi.analysis.portfolio import grid_variants
    from bpo_roi.cli.executors import open_pool
    from bpo_roi.cli.sweep import check_grid, run_sweep

    files = sorted(str(p) for p in (ROOT / "assumptions").glob("*.yaml"))
    print(f"sweep ({len(files)} shipped scenarios × a volume grid; evaluations = scenario × "
          f"variant)")
    scenarios = [(f, bpo_roi.load_scenario(f)) for f in files]
    grid = {"workload.monthly_volume": [6000 + 75 * k for k in range(400)]}
    resolved = check_grid(scenarios, grid)
    n = len(scenarios) * len(grid_variants(grid))
    sample = grid_variants({"workload.monthly_volume": grid["workload.monthly_volume"][::20]})

    def loop() -> None:
        for _, s in scenarios:
            for v in sample:
                ev = bpo_roi.evaluate(s.with_overrides(v), breakeven=False)
                ev.to_metrics_dict(advise(ev))

    per_eval = median_seconds(loop, 3) / (len(scenarios) * len(sample))
    line("python loop: with_overrides + evaluate + metrics dict, per evaluation", per_eval,
         f"{60 / per_eval:,.0f} evaluations a minute on 1 core")
    pool = open_pool(2)
    try:
        # both workers started and the engine imported in them before timing
        warm = {"workload.monthly_volume": grid["workload.monthly_volume"][:8]}
        run_sweep(scenarios, warm, check_grid(scenarios, warm), pool, progress=False)
        start = time.perf_counter()
        table = run_sweep(scenarios, grid, resolved, pool, progress=False)
        wall = time.perf_counter() - start
    finally:
        pool.close()
    assert table.error.isna().all()
    line(f"sweep, {n:,} evaluations, 2 local workers (warm)", wall,
         f"{n / wall * 60:,.0f} evaluations a minute; {per_eval * n / wall:.2f}× the loop; "
         f"target ≥ 20,000/min")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bpo_roi.cli", "sweep", *files, "--grid",
                        "workload.monthly_volume=" + ",".join(
                            str(v) for v in grid["workload.monthly_volume"]),
                        "--out", tmp, "--workers", "2", "--quiet"], check=True,
                       capture_output=True)
        cli = time.perf_counter() - start
    line(f"bpo-roi sweep command, same {n:,} evaluations, --workers 2", cli,
         f"{n / cli * 60:,.0f} evaluations a minute, start-up and files included")


def _lo_missing() -> str | None:
    """Why the workbook's LibreOffice figures cannot be measured here, or None."""
    import shutil

    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed"
    probe = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True)
    return None if probe.returncode == 0 else "the system python3 has no uno (python3-uno)"


def bench_workbook() -> None:
    """Writing results.xlsx (the live formula model), and the Monte Carlo a user would build on
    it: LibreOffice setting the uncertain inputs and recalculating the book once per trial,
    against one vectorised `simulate` of the same draws."""
    import json
    import tempfile

    import numpy as np
    import openpyxl

    import bpo_roi
    from bpo_roi.reporting.live_model import defined_name
    from bpo_roi.reporting.workbook import write_results_xlsx

    quick = os.environ.get("BENCH_QUICK") == "1"
    repeat, trials, reload_trials = (1, 5, 2) if quick else (3, 200, 20)
    print("workbook (results.xlsx: every monthly line a formula from named inputs)")
    # it_helpdesk is 36 months in the file: the case is 60 months × 3 offers
    helpdesk = bpo_roi.load_scenario(ROOT / "assumptions" / "it_helpdesk.yaml").with_overrides(
        {"scenario.horizon_months": 60})
    centre = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    cases = [("it_helpdesk 60 mo × 3 offers (horizon 36 → 60)", helpdesk),
             (f"contact_centre {centre.scenario.horizon_months} mo × {len(centre.offers)} "
              "offers, Erlang C", centre)]
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, s) in enumerate(cases):
            ev = bpo_roi.evaluate(s, breakeven=False)
            book = Path(tmp) / "results.xlsx"
            one = median_seconds(lambda s=s: bpo_roi.evaluate(s, breakeven=False), 20)
            if i == 0:  # one untimed write first (imports, first-use caches)
                write_results_xlsx(ev, book)
            walls, cpus = [], []  # CPU time too: the wall time on a shared machine varies
            for _ in range(repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                write_results_xlsx(ev, book)
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - start_cpu)
            t = statistics.median(walls)
            wb = openpyxl.load_workbook(book, read_only=True)
            per_sheet = {ws.title: sum(1 for row in ws.iter_rows(values_only=True)
                                       for v in row if isinstance(v, str) and v.startswith("="))
                         for ws in wb.worksheets}
            wb.close()
            sheets = ", ".join(f"{k} {v:,}" for k, v in per_sheet.items() if v)
            line(f"write_results_xlsx {label}", t,
                 f"CPU {statistics.median(cpus):.2f} s; {sum(per_sheet.values()):,} formulas "
                 f"({sheets}); {t / one:,.0f}× one evaluate ({one * 1e3:.1f} ms); issue 23: "
                 "about 1 s")
        # the spreadsheet Monte Carlo: the helpdesk book with volume, salary and the hourly
        # rate made uncertain too, so each trial sets six named inputs
        missing = _lo_missing()
        if missing:
            print(f"  LibreOffice Monte Carlo skipped: {missing}")
            return
        mc = helpdesk.with_overrides({
            "workload.monthly_volume": {"dist": "triangular", "low": 15000, "mode": 18000,
                                        "high": 22000},
            "in_house.salary_annual": {"dist": "normal", "mean": 34000, "sd": 2000},
            "offers.2.pricing.rate_per_hour": {"dist": "uniform", "low": 21, "high": 27}})
        n_offers = len(mc.offers)
        book = Path(tmp) / "mc.xlsx"
        write_results_xlsx(bpo_roi.evaluate(mc, breakeven=False), book)
        seeds = iter(range(1, 1_000))
        sim_t = median_seconds(lambda: bpo_roi.simulate(mc, trials=trials, seed=next(seeds)), 7)
        sim_10k = median_seconds(lambda: bpo_roi.simulate(mc, trials=10_000,
                                                          seed=next(seeds)), 3)
        sim = bpo_roi.simulate(mc, trials=trials, seed=0)
        names = [f"npv_{k}" for k in range(1, n_offers + 1)]
        sets = [{defined_name(p): float(sim.samples[p].iloc[i]) for p in sim.samples.columns}
                for i in range(trials)]
        office = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests" / "helpers" /
                                                       "lo_recalc.py"), "--serve"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert office.stdin is not None and office.stdout is not None

        def ask(job: dict[str, object]) -> dict[str, float]:
            office.stdin.write(json.dumps(job) + "\n")
            office.stdin.flush()
            answer = office.stdout.readline()
            if not answer:
                raise RuntimeError("LibreOffice stopped")
            return json.loads(answer)["names"]

        try:
            start = time.perf_counter()
            ask({"book": str(book), "names": names[:1]})  # LibreOffice started, book loaded
            first = time.perf_counter() - start
            start = time.perf_counter()
            for values in sets[:reload_trials]:  # each job reloads the book
                ask({"book": str(book), "set": values, "names": names})
            reload = (time.perf_counter() - start) / reload_trials
            got = []
            start = time.perf_counter()
            for values in sets:  # one open document, every changed name set again each trial
                got.append(ask({"book": str(book), "set": values, "names": names,
                                "keep_open": True}))
            kept = (time.perf_counter() - start) / trials
        finally:
            office.stdin.close()
            office.wait(timeout=60)
        worst = 0.0
        for k, offer in enumerate(mc.offers, start=1):
            want = sim.trials.loc[sim.trials.offer == offer.name, "npv"].to_numpy(float)
            lo = np.array([g[f"npv_{k}"] for g in got], dtype=float)
            worst = max(worst, float(np.max(np.abs(lo - want) / np.abs(want))))
        vec = sim_t / trials
        print(f"  spreadsheet Monte Carlo: it_helpdesk book (60 mo × {n_offers} offers), "
              f"{len(sets[0])} named inputs set per trial, hard recalc, npv_1..{n_offers} read")
        line("LibreOffice start + first load and recalc of the book", first)
        line(f"LibreOffice, book reloaded each trial ({reload_trials} trials), per trial",
             reload, f"{reload / kept:.1f}× the open document")
        line(f"LibreOffice, one open document, {trials} trials, per trial", kept,
             f"{trials} trials {kept * trials:.1f} s; NPVs equal simulate's to "
             f"{worst:.0e} (relative)")
        line(f"simulate(trials={trials}) of the same draws, per trial", vec,
             f"one run {sim_t * 1e3:.1f} ms; 10,000 trials {sim_10k * 1e3:.0f} ms "
             f"({sim_10k / 10_000 * 1e6:.1f} µs a trial)")
        print(f"  spreadsheet / vectorised, per trial: {kept / vec:,.0f}× at {trials} trials, "
              f"{kept / (sim_10k / 10_000):,.0f}× against a 10,000-trial simulate")


def bench_excel_in() -> None:
    """Reading a scenario from a workbook against reading it from YAML (the baseline, same
    run), and writing the workbooks a finance team fills in."""
    import tempfile

    import bpo_roi
    from bpo_roi.reporting.bid_sheet import write_bid_sheet
    from bpo_roi.reporting.inputs_sheet import write_scenario_xlsx
    from bpo_roi.reporting.workbook import write_results_xlsx

    print("excel in (a scenario read from a workbook's Inputs sheet)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("ap_invoice_processing", "contact_centre"):
            path = ROOT / "assumptions" / f"{name}.yaml"
            s = bpo_roi.load_scenario(path)
            book, results = Path(tmp) / f"{name}.xlsx", Path(tmp) / f"{name}-results.xlsx"
            write_scenario_xlsx(s, book)
            write_results_xlsx(bpo_roi.evaluate(s, breakeven=False), results)
            yaml_t = median_seconds(lambda p=path: bpo_roi.load_scenario(p), 7)
            book_t = median_seconds(lambda p=book: bpo_roi.load_scenario(p), 7)
            res_t = median_seconds(lambda p=results: bpo_roi.load_scenario(p), 5)
            write_t = median_seconds(lambda s=s, p=book: write_scenario_xlsx(s, p), 5)
            bid_t = median_seconds(
                lambda s=s: write_bid_sheet(s, 0, Path(tmp) / "bid.xlsx"), 5)
            line(f"  {name}: read YAML (baseline)", yaml_t)
            line(f"  {name}: read scenario workbook", book_t, f"{book_t / yaml_t:,.1f}× YAML")
            line(f"  {name}: read results.xlsx", res_t, f"{res_t / yaml_t:,.1f}× YAML "
                 f"({results.stat().st_size / 1e3:,.0f} kB)")
            line(f"  {name}: write scenario workbook (new --xlsx, convert)", write_t)
            line(f"  {name}: write price sheet (bid-sheet)", bid_t)


def eight_offers(name: str = "contact_centre") -> object:
    """The shipped scenario with eight offers: its own offers repeated at prices from 90 %
    to 118 % of theirs, every third without its minimum commitment."""
    import copy

    import bpo_roi
    from bpo_roi.scenario.schema import Scenario

    data = bpo_roi.load_scenario(ROOT / "assumptions" / f"{name}.yaml").model_dump(
        mode="json", exclude_none=True)
    offers = []
    for j in range(8):
        offer = copy.deepcopy(data["offers"][j % len(data["offers"])])
        offer["name"] = f"Vendor {chr(65 + j)}"
        pricing, factor = offer["pricing"], 0.9 + 0.04 * j
        for key in ("rate_per_seat_month", "rate_per_hour", "rate_per_transaction"):
            if key in pricing:
                pricing[key] = round(pricing[key] * factor, 4)
        for tier in pricing.get("tiers", []):
            tier["rate_per_transaction"] = round(tier["rate_per_transaction"] * factor, 4)
        if j % 3 == 0:
            for key in ("minimum_seats", "minimum_monthly_volume", "minimum_hours_per_month"):
                pricing.pop(key, None)
        offers.append(offer)
    data["offers"] = offers
    for key in ("criteria", "cases", "allocation"):
        data.pop(key, None)
    return Scenario.model_validate(data)


def bench_allocation() -> None:
    """The optimal split: 8 offers × 11 share levels under rules, deterministic and with
    1,000 trials, against evaluating the same scenario (and simulating it) in the same run,
    and against brute force through evaluate_split (timed on a sample of splits)."""
    import bpo_roi
    from bpo_roi.analysis.allocation import _Problem, _rules

    rules = {"max_vendors": 3, "in_house": {"max_share": 0.5},
             "options": [{"offer": "Vendor A", "max_share": 0.4},
                         {"offer": "Vendor B", "min_share": 0.2}]}
    print("allocation (the optimal split, exact: a mixed-integer program for HiGHS)")
    for name in ("contact_centre", "claims_back_office"):
        s = eight_offers(name)
        problem = _Problem.build(s, _rules(s, rules, 0.1), None)
        count = problem.feasible_splits(10**7).shape[0]
        base = median_seconds(lambda s=s: bpo_roi.evaluate(s, breakeven=False), 5)
        det = median_seconds(lambda s=s: bpo_roi.optimise(s, step=0.1, rules=rules), 5)
        sim = median_seconds(lambda s=s: bpo_roi.simulate(s, trials=1000, seed=1), 3)
        risk = median_seconds(lambda s=s: bpo_roi.optimise(s, step=0.1, rules=rules,
                                                          trials=1000, seed=1), 3)
        names = [o.name for o in s.offers]
        sample = [dict(zip(names, row, strict=True)) for row in
                  (problem.levels_of(r) for r in problem.feasible_splits(10**7)
                   .toarray()[:: max(1, count // 40)].astype(int))]
        each = median_seconds(lambda s=s, sample=sample: [bpo_roi.evaluate_split(s, x)
                                                          for x in sample], 3) / len(sample)
        label = "queue" if name == "contact_centre" else "waves"
        print(f"  {label}: 8 offers × 11 levels, {count:,} splits allowed by the rules, "
              f"{len(problem.columns)} program columns")
        line(f"  {label}: evaluate the 8 offers (baseline)", base)
        line(f"  {label}: optimise (target < 1 s)", det, f"{det / base:,.1f}× evaluate")
        line(f"  {label}: brute force through evaluate_split (estimated)", each * count,
             f"{each * count / det:,.0f}× optimise")
        line(f"  {label}: simulate 1,000 trials (baseline)", sim)
        line(f"  {label}: optimise with 1,000 trials (target < 5 s)", risk,
             f"{risk / sim:,.1f}× simulate")


SECTIONS: dict[str, Callable[[], None]] = {"engine": bench_engine, "risk": bench_risk,
                                           "explorer": bench_explorer, "runs": bench_runs,
                                           "hostile": bench_hostile, "diff": bench_diff,
                                           "sweep": bench_sweep, "workbook": bench_workbook,
                                           "excel_in": bench_excel_in,
                                           "allocation": bench_allocation}


def main(argv: list[str]) -> int:
    machine()
    chosen = argv or list(SECTIONS)
    for name in chosen:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(sys.argv[1:]))
