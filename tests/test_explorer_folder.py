"""The explorer works on the user's own folder and refuses typed values it cannot take
(issue 29): an installed explorer listed only the bundled examples, and typing 6,000 into a
slider whose range starts at 9,000 silently became 9,000."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT


def _user_folder(root: Path, name: str = "Payroll back office") -> Path:
    """A folder as `bpo-roi new` leaves it: assumptions/ holding one scenario of the user's."""
    text = (ROOT / "assumptions" / "it_helpdesk.yaml").read_text(encoding="utf-8")
    assert "  name: IT service desk\n" in text
    (root / "assumptions").mkdir(parents=True)
    mine = root / "assumptions" / "payroll_secret.yaml"
    mine.write_text(text.replace("  name: IT service desk\n", f"  name: {name}\n", 1),
                    encoding="utf-8")
    return mine


def test_the_explorer_offers_the_scenarios_of_the_working_folder(tmp_path, monkeypatch):
    from bpo_roi.reporting.explorer import Explorer

    mine = _user_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PWD", str(tmp_path))
    ex = Explorer()
    assert [value for _, value in ex.picker.options] == [str(mine.resolve())]
    assert "Payroll back office" in ex.status.value
    assert str(tmp_path.resolve() / "assumptions") in ex.source.value


def test_a_notebook_opened_elsewhere_finds_the_folder_jupyter_started_from(tmp_path,
                                                                          monkeypatch):
    # `jupyter lab "$(bpo-roi notebook-path explorer)"` runs the kernel in site-packages; the
    # shell's folder is still $PWD
    from bpo_roi.reporting.explorer import Explorer

    mine = _user_folder(tmp_path / "home")
    site = tmp_path / "site-packages" / "bpo_roi" / "resources" / "notebooks"
    site.mkdir(parents=True)
    monkeypatch.chdir(site)
    monkeypatch.setenv("PWD", str(tmp_path / "home"))
    ex = Explorer()
    assert [value for _, value in ex.picker.options] == [str(mine.resolve())]


def test_with_no_scenario_of_the_users_the_shipped_examples_are_shown_and_said_so(
        tmp_path, monkeypatch):
    from bpo_roi.reporting.explorer import Explorer

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PWD", str(tmp_path))
    ex = Explorer()
    shown = sorted(Path(value).name for _, value in ex.picker.options)
    assert "contact_centre.yaml" in shown and "it_helpdesk.yaml" in shown
    assert "showing the examples shipped with bpo-roi" in ex.source.value
    assert "bpo-roi new NAME" in ex.source.value


def test_a_draft_that_does_not_load_is_skipped_and_picking_it_says_why(tmp_path, monkeypatch):
    from bpo_roi.reporting.explorer import Explorer

    mine = _user_folder(tmp_path)
    draft = tmp_path / "assumptions" / "a_draft.yaml"  # sorts first
    draft.write_text("scenario:\n  name: half written\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ex = Explorer()
    assert ex.picker.value == str(mine.resolve())
    assert "Payroll back office" in ex.status.value
    ex.picker.value = str(draft.resolve())
    assert "a_draft.yaml" in ex.message.value
    assert ex.picker.value == str(mine.resolve())  # the scenario in use stays shown
    assert ex.result.scenario.scenario.name == "Payroll back office"


def test_the_installed_notebook_run_from_a_users_folder_shows_the_users_scenario(tmp_path):
    import papermill as pm

    _user_folder(tmp_path, name="Claims of Mrs Example")
    nb = pm.execute_notebook(str(ROOT / "notebooks" / "explorer.ipynb"),
                             str(tmp_path / "out.ipynb"), parameters={"interactive": False},
                             kernel_name="python3", cwd=str(tmp_path), execution_timeout=300,
                             progress_bar=False)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Claims of Mrs Example: recommendation" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assumptions", "out.ipynb"]


# -- typed values (item: refused visibly, not clamped) ------------------------------------------

@pytest.fixture
def contact_centre():
    from bpo_roi.reporting.explorer import Explorer

    return Explorer(ROOT / "assumptions", ROOT / "assumptions" / "contact_centre.yaml")


def test_a_typed_value_below_the_sliders_range_is_refused_with_a_message(contact_centre):
    ex = contact_centre
    volume = ex.controls["monthly_volume"]
    # the file's volume is 120,000 a month; the slider runs from a fifth of it to three times
    assert volume.value == 120_000 and volume.min == pytest.approx(24_000)
    ex.entries["monthly_volume"].value = "6,000"
    assert volume.value == 120_000  # not clamped to 24,000
    assert ex.overrides() == {}  # the file's volume (a range around 120,000) still holds
    assert "6,000 is outside this slider's range, 24,000 to 360,000" in ex.message.value
    assert "not applied" in ex.message.value
    assert ex.entries["monthly_volume"].value == "120,000"  # the box shows the value in use
    ex.entries["monthly_volume"].value = "400000"  # above the range: refused as well
    assert volume.value == 120_000 and "400000 is outside" in ex.message.value


def test_a_typed_value_in_range_is_taken_and_clears_the_message(contact_centre):
    ex = contact_centre
    ex.entries["monthly_volume"].value = "6,000"
    assert ex.message.value
    ex.entries["monthly_volume"].value = "60,000"
    assert ex.message.value == ""
    assert ex.controls["monthly_volume"].value == 60_000
    assert ex.result.scenario.workload.monthly_volume == 60_000
    assert ex.entries["monthly_volume"].value == "60,000"


def test_percentages_whole_months_and_words_are_read_or_refused(contact_centre):
    ex = contact_centre
    ex.entries["vendor_error_rate"].value = "5%"
    assert ex.controls["vendor_error_rate"].value == pytest.approx(0.05)
    assert ex.result.scenario.offers[0].quality.error_rate == pytest.approx(0.05)
    ex.entries["vendor_error_rate"].value = "5"  # 500 %: refused, with how to type 5 %
    assert ex.controls["vendor_error_rate"].value == pytest.approx(0.05)
    assert "type a percentage such as 5%" in ex.message.value
    months = ex.controls["ramp_months"].value
    ex.entries["ramp_months"].value = "3.5"
    assert ex.controls["ramp_months"].value == months and "not a whole number" in ex.message.value
    ex.entries["salary_annual"].value = "a lot"
    assert "not a number" in ex.message.value


def test_a_dragged_slider_updates_its_box(contact_centre):
    ex = contact_centre
    ex.controls["salary_annual"].value = 50_000
    assert ex.entries["salary_annual"].value == "50,000"
    assert all(ex.entries[name].value for name in ex.controls)  # every box shows a value
