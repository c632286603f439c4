"""`bpo-roi diff` / `bpo_roi.diff`: what changed between two versions and an exact NPV bridge.

Every NPV a test compares with comes from `evaluate` on a scenario built independently (from
edited YAML text or `with_overrides`), never from the diff's own batched runs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpo_roi import diff, evaluate, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
HD = ROOT / "assumptions" / "it_helpdesk.yaml"
CC = ROOT / "assumptions" / "contact_centre.yaml"
BIN = Path(sys.executable).parent / "bpo-roi"


def npvs(scenario) -> dict[str, float]:
    return evaluate(scenario, breakeven=False).metrics["npv"].astype(float).to_dict()


def edited(path: Path, *replacements: tuple[str, str]):
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_scenario(text, "edited.yaml")


def assert_bridge_is_exact(result, old, new):
    before, after = npvs(old), npvs(new)
    for offer, row in result.npv.iterrows():
        expected = after[offer] - before[offer]
        total = result.effects[result.effects.offer == offer].npv_effect.sum()
        assert total == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert row.npv_old == pytest.approx(before[offer], rel=1e-12)
        assert row.npv_new == pytest.approx(after[offer], rel=1e-12)


def test_effects_add_up_exactly_with_numbers_distributions_and_structure():
    old = load_scenario(HD)
    new = edited(HD, ("  salary_annual: 34000", "  salary_annual: 36500"),
                 ("  monthly_volume: ", "  monthly_volume: 16500 #"),
                 ("    parallel_run_months: ", "    parallel_run_months: 4 #"))
    result = diff(old, new)
    assert set(result.changes["input"]) >= {"in_house.salary_annual",
                                             "workload.monthly_volume"}
    assert (result.changes["kind"] == "structural").any()  # the int parallel run
    assert_bridge_is_exact(result, old, new)


def test_int_fields_are_inputs_and_a_list_that_changes_length_is_one():
    # ints (parallel run months, a wave's go-live month) are inputs like any other, and a
    # list that gains or loses items (waves, a schedule's months) is one structural input
    single = load_scenario(HD)
    new = single.with_overrides({"offers.0.parallel_run_months": 4})
    (change,) = diff(single, new).changes.itertuples()
    assert (change.input, change.old, change.new) == ("offers.0.parallel_run_months", "1", "4")
    assert_bridge_is_exact(diff(single, new), single, new)
    cb = ROOT / "assumptions" / "claims_back_office.yaml"
    old = load_scenario(cb)
    new = edited(cb, ("        - {go_live_month: 5, share: 0.4}",
                      "        - {go_live_month: 7, share: 0.4}"),
                 ("knowledge_transfer: {amount: 80000, months: [0, 1, 2, 3, 4]}",
                  "knowledge_transfer: {amount: 80000, months: [0, 1, 2]}"),
                 ("        - {go_live_month: 1, share: 0.35}\n        - {go_live_month: 4, "
                  "share: 0.35}\n", "        - {go_live_month: 1, share: 0.70}\n"))
    result = diff(old, new)
    assert list(zip(result.changes["input"], result.changes["kind"], strict=True)) == [
        ("offers.0.transition.knowledge_transfer.months", "structural"),
        ("offers.0.scope.waves.1.go_live_month", "structural"),
        ("offers.1.scope.waves", "structural")]
    assert_bridge_is_exact(result, old, new)
    for path in result.changes["input"]:  # each one moves some offer's NPV
        assert result.effects[result.effects.input == path].npv_effect.abs().max() > 1


def test_queue_sized_scenario_bridge_is_exact():
    # Erlang C staffing in batched runs must match the one-at-a-time evaluation exactly
    old = load_scenario(CC)
    new = old.with_overrides({"workload.monthly_volume": 100_000,
                              "in_house.salary_annual": 41_000,
                              "offers.0.pricing.rate_per_seat_month": 3_700})
    assert_bridge_is_exact(diff(old, new), old, new)


def test_a_single_change_gets_the_whole_npv_change():
    old = load_scenario(HD)
    new = old.with_overrides({"offers.1.pricing.rate": 2_100})
    result = diff(old, new)
    (change,) = result.changes.itertuples()
    assert change.input == "offers.1.pricing.rate_per_seat_month"
    effects = result.effects.set_index("offer").npv_effect
    before, after = npvs(old), npvs(new)
    for offer in effects.index:
        assert effects[offer] == pytest.approx(after[offer] - before[offer], rel=1e-9, abs=1e-6)
    # the other offers do not depend on this offer's price at all
    assert effects["Managed service desk per ticket"] == 0.0


def test_a_change_that_moves_nothing_gets_zero():
    # the distribution's range changes, its most likely value (what NPV uses) does not
    old = load_scenario(HD)
    path = "workload.handle_time_minutes"
    dist = old.get(path)
    wider = dist.model_copy(update={"low": dist.low * 0.8, "high": dist.high * 1.2})
    new = old.with_overrides({path: wider.model_dump(), "in_house.salary_annual": 35_000})
    result = diff(old, new)
    assert path in set(result.changes["input"])
    assert (result.effects[result.effects.input == path].npv_effect == 0.0).all()


def test_two_inputs_shapley_is_the_average_of_both_orders():
    old = load_scenario(HD)
    a = {"in_house.salary_annual": 39_000}
    b = {"workload.monthly_volume": 12_000}
    v0, va, vb, vab = (npvs(old.with_overrides(o)) for o in ({}, a, b, {**a, **b}))
    result = diff(old, old.with_overrides({**a, **b}))
    for offer in v0:
        rows = result.effects[result.effects.offer == offer].set_index("input").npv_effect
        # salary first then volume, and volume first then salary, averaged
        phi_a = ((va[offer] - v0[offer]) + (vab[offer] - vb[offer])) / 2
        phi_b = ((vb[offer] - v0[offer]) + (vab[offer] - va[offer])) / 2
        assert rows["in_house.salary_annual"] == pytest.approx(phi_a, rel=1e-9)
        assert rows["workload.monthly_volume"] == pytest.approx(phi_b, rel=1e-9)
        assert phi_a != pytest.approx(va[offer] - v0[offer])  # the orders really differ


def test_sequential_bridge_applies_the_changes_in_file_order():
    old = load_scenario(HD)
    steps = [{"workload.monthly_volume": 15_000}, {"in_house.salary_annual": 38_000},
             {"offers.2.pricing.rate_per_hour": 19.5}]
    new = old.with_overrides({k: v for s in steps for k, v in s.items()})
    result = diff(old, new, method="sequential")
    applied: dict[str, float] = {}
    previous = npvs(old)
    for step in steps:
        applied.update(step)
        current = npvs(old.with_overrides(applied))
        (path,) = step
        for offer, value in current.items():
            got = result.effects[(result.effects.offer == offer)
                                 & (result.effects.input == path)].npv_effect.item()
            assert got == pytest.approx(value - previous[offer], rel=1e-9, abs=1e-6)
        previous = current


def _moved_in_house_first(text: str) -> str:
    """The same scenario with its in_house section moved above workload."""
    lines = text.splitlines(keepends=True)
    top = [i for i, line in enumerate(lines) if line[:1].isalpha()]
    start = {lines[i].split(":")[0]: i for i in top}
    end = {lines[a].split(":")[0]: b for a, b in zip(top, [*top[1:], len(lines)], strict=True)}
    workload = lines[start["workload"]:end["workload"]]
    in_house = lines[start["in_house"]:end["in_house"]]
    assert end["workload"] == start["in_house"]  # adjacent, workload first
    return "".join([*lines[:start["workload"]], *in_house, *workload,
                    *lines[end["in_house"]:]])


def test_sequential_follows_the_new_files_order_shapley_does_not_depend_on_it(tmp_path):
    from bpo_roi.scenario.reading import line_numbers

    text = HD.read_text(encoding="utf-8")
    for old, new in [("  salary_annual: 34000", "  salary_annual: 38000"),
                     ("  monthly_volume: 18000", "  monthly_volume: 15000")]:
        assert old in text
        text = text.replace(old, new, 1)
    old = load_scenario(HD)
    orders = {}
    for layout, new_text in [("workload first", text),
                             ("in_house first", _moved_in_house_first(text))]:
        new = parse_scenario(new_text, "v2.yaml")
        lines = line_numbers(new_text)
        orders[layout] = {m: diff(old, new, method=m, new_lines=lines) for m in
                          ("sequential", "shapley")}
    salary, volume = "in_house.salary_annual", "workload.monthly_volume"
    assert list(orders["workload first"]["sequential"].changes["input"]) == [volume, salary]
    assert list(orders["in_house first"]["sequential"].changes["input"]) == [salary, volume]
    v0 = npvs(old)
    v_volume = npvs(old.with_overrides({volume: 15_000}))
    v_salary = npvs(old.with_overrides({salary: 38_000}))
    for layout, first, alone in [("workload first", volume, v_volume),
                                 ("in_house first", salary, v_salary)]:
        effects = orders[layout]["sequential"].effects
        for offer in v0:
            # the first change in the file is applied first: its effect is its effect alone
            got = effects[(effects.offer == offer) & (effects.input == first)].npv_effect.item()
            assert got == pytest.approx(alone[offer] - v0[offer], rel=1e-9, abs=1e-6)
    sequential = [orders[k]["sequential"].effects.set_index(["offer", "input"]).npv_effect
                  for k in orders]
    assert (sequential[0] - sequential[1]).abs().max() > 1_000  # the order matters
    shapley = [orders[k]["shapley"].effects.set_index(["offer", "input"]).npv_effect
               for k in orders]
    assert shapley[1].reindex(shapley[0].index).to_numpy() == pytest.approx(
        shapley[0].to_numpy(), rel=1e-12)
    # from Python, without the file's lines: the schema's order (workload before in-house)
    bare = diff(old, parse_scenario(_moved_in_house_first(text)), method="sequential")
    assert list(bare.changes["input"]) == [volume, salary]


def test_cli_sequential_reads_the_order_from_the_new_file(tmp_path):
    text = HD.read_text(encoding="utf-8").replace("  salary_annual: 34000",
                                                  "  salary_annual: 38000", 1)
    text = text.replace("  monthly_volume: 18000", "  monthly_volume: 15000", 1)
    new_file = tmp_path / "v2.yaml"
    new_file.write_text(_moved_in_house_first(text), encoding="utf-8")
    proc = subprocess.run([str(BIN), "diff", str(HD), str(new_file), "--method", "sequential",
                           "--out", str(tmp_path / "d")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    with (tmp_path / "d" / "diff.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["input"] for r in rows[:2]] == ["in_house.salary_annual",
                                              "workload.monthly_volume"]
    assert proc.stdout.index("salary annual") < proc.stdout.index("monthly volume")


def test_terminal_table_shows_long_labels_and_both_values_in_full():
    from bpo_roi.cli.console import DIFF_LABEL_WIDTH, diff_table

    old = load_scenario(CC)
    long_name = "Nearshore per seat, " + "with a very long offer name " * 3 + "(v7 bid)"
    data = old.model_dump(mode="json")
    data["offers"][0]["name"] = long_name
    data["criteria"] = data["cases"] = None  # they name the offer: not what this test is about
    old = type(old).model_validate(data)
    path = "workload.handle_time_minutes"
    dist = old.get(path)
    wider = dist.model_copy(update={"low": dist.low * 0.8, "high": dist.high * 1.2})
    new = old.with_overrides({path: wider.model_dump(), "offers.0.pricing.rate": 3_700,
                              "in_house.salary_annual": 35_000})
    table = diff_table(diff(old, new), "old.yaml", "new.yaml")
    lines = table.splitlines()
    # the distribution's new value used to be cut at 90 characters; both are shown whole
    assert f"    old: {dist.describe()}" in lines and f"    new: {wider.describe()}" in lines
    assert "    old: 3,900" in lines and "    new: 3,700" in lines
    # the long label wraps under itself, the amount on its first line; nothing is cut
    first = next(i for i, line in enumerate(lines) if line.startswith("  Offer 1 ("))
    assert lines[first].endswith("USD")
    wrapped = [lines[first][:-18].strip()]
    for line in lines[first + 1:]:
        if not line.startswith("    ") or line.startswith(("    old:", "    new:")):
            break
        wrapped.append(line.strip())
    assert " ".join(wrapped) == f"Offer 1 ({long_name}), pricing, rate per seat month"
    rows = [line for line in lines if line.startswith("  ")]  # the bridges, not the titles
    assert max(len(line) for line in rows) <= 2 + DIFF_LABEL_WIDTH + 2 + 18
    # a change that fits stays on one line
    assert any(line.startswith("  In-house, salary annual: 42,000 → 35,000 ") for line in lines)


def test_identical_versions_give_an_empty_diff():
    result = diff(load_scenario(HD), load_scenario(HD))
    assert result.changes.empty and result.effects.empty
    assert not result.recommendation_changed
    assert (result.npv.npv_change == 0).all()


def test_offers_are_matched_by_name_added_and_removed_are_reported():
    old = load_scenario(HD)
    data = old.model_dump(mode="json")
    data["offers"] = [data["offers"][2], data["offers"][0]]  # reorder, drop one
    data["offers"][1]["name"] = "Managed service desk (renamed)"
    new = type(old).model_validate(data)
    result = diff(old, new)
    assert result.offers_removed == ["Managed service desk per ticket",
                                     "Offshore dedicated seats"]
    assert result.offers_added == ["Managed service desk (renamed)"]
    assert list(result.npv.index) == ["Time-and-materials hourly"]
    assert result.changes.empty  # the shared offer did not change, only its position
    assert result.added_npv["Managed service desk (renamed)"] == pytest.approx(
        npvs(new)["Managed service desk (renamed)"])


def test_more_than_16_changes_are_grouped_by_section_and_still_exact():
    old = load_scenario(HD)
    paths = [p for p in old.numeric_paths()
             if p.startswith(("workload.", "in_house.")) and "seasonality" not in p]
    overrides = {}
    for p in paths:
        value = old.get(p)
        point = value.point if hasattr(value, "point") else value
        if point:
            overrides[p] = point * 1.01 if old.field_bounds(p)["le"] in (None, 1e10, 1e9, 1e8) \
                else point * 0.99
    new = old.with_overrides(overrides)
    result = diff(old, new)
    assert len(result.changes) > 16 and result.grouped
    assert result.effects["label"].str.contains("grouped").all()
    assert_bridge_is_exact(result, old, new)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(factors=st.lists(st.floats(0.8, 1.25), min_size=4, max_size=4))
def test_property_effects_always_add_up(factors):
    old = load_scenario(HD)
    paths = ["workload.monthly_volume", "in_house.salary_annual",
             "offers.0.transition.knowledge_transfer", "offers.2.pricing.rate_per_hour"]
    overrides = {p: float(old.get(p) if not hasattr(old.get(p), "point")
                          else old.get(p).point) * f for p, f in zip(paths, factors, strict=True)}
    new = old.with_overrides(overrides)
    assert_bridge_is_exact(diff(old, new), old, new)


def test_shapley_does_not_depend_on_the_order_the_offers_and_sections_are_listed():
    old = load_scenario(HD)
    new = old.with_overrides({"in_house.salary_annual": 37_000,
                              "workload.monthly_volume": 20_000})
    forward = diff(old, new).effects.set_index(["offer", "input"]).npv_effect
    # the same versions with the offers in another order
    def reordered(s):
        data = s.model_dump(mode="json")
        data["offers"] = data["offers"][::-1]
        return type(s).model_validate(data)
    backward = diff(reordered(old), reordered(new)).effects.set_index(
        ["offer", "input"]).npv_effect
    for (offer, path), value in forward.items():
        assert backward[offer, path] == pytest.approx(value, rel=1e-9)


# -- command line -----------------------------------------------------------------------------


def test_cli_writes_diff_csv_and_an_offline_bridge(tmp_path):
    new_file = tmp_path / "v7.yaml"
    text = HD.read_text(encoding="utf-8").replace("  salary_annual: 34000",
                                                  "  salary_annual: 37000", 1)
    text = text.replace("  - name: Offshore dedicated seats",
                        '  - name: "<b>Offshore</b> =seats"', 1)
    new_file.write_text(text, encoding="utf-8")
    proc = subprocess.run([str(BIN), "diff", str(HD), str(new_file), "--out",
                           str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("The recommendation")
    with (tmp_path / "d" / "diff.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["offer", "input", "label", "old", "new", "npv_effect"]
    assert {r["input"] for r in rows} == {"in_house.salary_annual"}
    assert float(rows[0]["old"]) == 34_000 and float(rows[0]["new"]) == 37_000
    page = (tmp_path / "d" / "bridge.html").read_text(encoding="utf-8")
    assert "<script src=" not in page and page.count("Plotly.newPlot") == 2
    assert "<b>Offshore</b>" not in page  # names are text
    assert "Offer added: <strong>&lt;b&gt;Offshore&lt;/b&gt; =seats</strong>" in page


@pytest.mark.parametrize("args, words", [
    (["missing.yaml", str(HD)], "missing.yaml: file not found"),
    ([str(HD), "{tmp}/bad.yaml"], "bad.yaml"),
    ([str(HD), str(HD), "--method", "random"], "invalid choice"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, args, words):
    (tmp_path / "bad.yaml").write_text("scenario: [unclosed\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = subprocess.run([str(BIN), "diff", *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert words in proc.stderr and "Traceback" not in proc.stderr


def test_cli_out_must_be_a_folder_path_and_a_users_file_is_never_overwritten(tmp_path,
                                                                               capsys):
    from bpo_roi.cli.commands import main

    for blank in ("", "   "):  # `run` refuses it too; it used to write into the current folder
        proc = subprocess.run([str(BIN), "diff", str(HD), str(HD), "--out", blank],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.strip() == ("--out: The 'out' parameter of bpo-roi diff must be a "
                                       "folder path. Got an empty string instead.")
        assert list(tmp_path.iterdir()) == []
    out = tmp_path / "d"
    out.mkdir()
    (out / "diff.csv").write_text("quarter,variance\nQ1,-3\n")
    assert main(["diff", str(HD), str(HD), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"{out / 'diff.csv'} exists and was not written by bpo-roi; nothing was "
                   f"written. Move it or choose another --out\n")
    assert (out / "diff.csv").read_text() == "quarter,variance\nQ1,-3\n"
    assert sorted(p.name for p in out.iterdir()) == ["diff.csv"]
    # an existing regular file as --out is bad input too
    assert main(["diff", str(HD), str(HD), "--out", str(out / "diff.csv")]) == 2
    assert "must be a folder" in capsys.readouterr().err
    # the kit's own files are replaced
    (out / "diff.csv").unlink()
    assert main(["diff", str(HD), str(HD), "--out", str(out)]) == 0
    assert main(["diff", str(HD), str(HD), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["bridge.html", "diff.csv"]


@pytest.mark.parametrize("command", ["diff", "evaluate"])
def test_cli_writes_its_files_and_exits_0_when_the_reader_stops_early(tmp_path, command):
    # `bpo-roi diff A B --out D | head -1` used to exit 1 with no files: the table came first
    # and the broken pipe ended the command. Here the reader is gone before the first line.
    new_file = tmp_path / "v2.yaml"
    new_file.write_text(HD.read_text(encoding="utf-8").replace(
        "  salary_annual: 34000", "  salary_annual: 36000", 1), encoding="utf-8")
    out = tmp_path / "d"
    args = [str(HD), str(new_file)] if command == "diff" else [str(new_file)]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([str(BIN), command, *args, "--out", str(out)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 0 and proc.stderr == ""
    expected = (["bridge.html", "diff.csv"] if command == "diff"
                else ["annual.csv", "metrics.json", "monthly.csv"])
    assert sorted(p.name for p in out.iterdir()) == expected
    if command == "diff":
        with (out / "diff.csv").open(encoding="utf-8", newline="") as fh:
            assert {r["input"] for r in csv.DictReader(fh)} == {"in_house.salary_annual"}


def test_cli_identical_files_say_so(tmp_path):
    proc = subprocess.run([str(BIN), "diff", str(HD), str(HD)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0
    assert "No input differs" in proc.stdout and "unchanged" in proc.stdout


def test_compare_versions_notebook_renders_the_bridge(tmp_path):
    import papermill as pm

    new_file = tmp_path / "v2.yaml"
    new_file.write_text(HD.read_text(encoding="utf-8").replace(
        "  salary_annual: 34000", "  salary_annual: 36000", 1), encoding="utf-8")
    out = tmp_path / "cv.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "compare_versions.ipynb"), str(out),
                        parameters={"old_path": str(HD), "new_path": str(new_file)},
                        kernel_name="python3", execution_timeout=300, progress_bar=False,
                        cwd=str(ROOT / "notebooks"))
    from bpo_roi.reporting.html_report import render_report

    render_report(out, tmp_path / "cv.html", title="Compare versions")
    page = (tmp_path / "cv.html").read_text(encoding="utf-8")
    assert "The recommendation" in page and page.count("Plotly.newPlot") == 3
    assert "import bpo_roi" not in page  # no code in the rendered page


def test_with_an_offer_removed_paths_and_labels_keep_the_old_files_numbering():
    from bpo_roi.scenario.schema import Scenario

    old = load_scenario(HD)
    data = old.with_overrides({"offers.2.pricing.rate_per_hour": 26.0}).model_dump()
    data["offers"] = data["offers"][1:]  # the first offer is dropped
    result = diff(old, Scenario.model_validate(data))
    assert result.offers_removed == [old.offers[0].name]
    [change] = result.changes.itertuples()
    assert change.input == "offers.2.pricing.rate_per_hour"
    assert change.label.startswith(f"Offer 3 ({old.offers[2].name})")
    effect = result.effects[result.effects.offer == old.offers[2].name].iloc[0]
    assert effect.input == "offers.2.pricing.rate_per_hour" and effect.npv_effect < 0


def test_a_diff_of_the_discount_rate_with_the_risk_adjustment_adds_up():
    # only the discount rate differs between the coalitions of one batch: the NPVs must still
    # be one per coalition (this raised a broadcast error)
    import bpo_roi

    old = bpo_roi.load_scenario(ROOT / "assumptions" / "contact_centre.yaml")
    new = old.with_overrides({"scenario.discount_rate_annual": 0.1,
                              "scenario.risk_adjustment.benefit_haircut": 0.1})
    d = bpo_roi.diff(old, new)
    npv_old = bpo_roi.evaluate(old, breakeven=False).metrics.npv
    npv_new = bpo_roi.evaluate(new, breakeven=False).metrics.npv
    for offer in npv_old.index:
        total = d.effects.loc[d.effects.offer == offer, "npv_effect"].sum()
        assert total == pytest.approx(npv_new[offer] - npv_old[offer], rel=1e-9)
