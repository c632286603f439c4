"""The explorer overrides only what the user moved (issue 29): an untouched explorer's risk
band is the report's."""

from __future__ import annotations

from conftest import ROOT


def test_the_explorer_keeps_the_files_distributions_until_a_slider_moves():
    import bpo_roi
    from bpo_roi.analysis.monte_carlo import uncertain_paths
    from bpo_roi.reporting.explorer import Explorer

    path = ROOT / "assumptions" / "contact_centre.yaml"
    ex = Explorer(ROOT / "assumptions", path)
    base = bpo_roi.load_scenario(path)
    assert ex.overrides() == {}
    # the risk band of the untouched explorer is the report's: the same uncertain inputs
    untouched = base.with_overrides(ex.overrides())
    assert uncertain_paths(untouched) == uncertain_paths(base)
    assert "workload.monthly_volume" in uncertain_paths(base)
    ex.controls["monthly_volume"].value = ex.controls["monthly_volume"].value * 1.1
    moved = base.with_overrides(ex.overrides())
    assert set(uncertain_paths(base)) - set(uncertain_paths(moved)) == {
        "workload.monthly_volume"}


def test_save_as_scenario_writes_the_sliders_values_beside_the_file_and_never_over_one(
        tmp_path):
    import shutil

    import bpo_roi
    from bpo_roi.reporting.explorer import Explorer

    original = tmp_path / "ap.yaml"
    shutil.copy(ROOT / "assumptions" / "ap_invoice_processing.yaml", original)
    ex = Explorer(tmp_path, original)
    ex.controls["monthly_volume"].value = 61_000
    ex.controls["salary_annual"].value = 47_500
    base = bpo_roi.load_scenario(original)
    for name in ("ap_v2.yaml", "ap_v2.xlsx"):
        saved = ex.save_as(name)
        assert saved == tmp_path / name and saved.is_file()
        expected = base.with_overrides({"workload.monthly_volume": 61_000,
                                        "in_house.salary_annual": 47_500,
                                        "scenario.name": f"{base.scenario.name} (ap_v2)"})
        assert bpo_roi.load_scenario(saved) == expected
    # a new explorer on the folder offers both new files beside the original
    assert {v for _, v in Explorer(tmp_path, original).picker.options} == {
        str(tmp_path / n) for n in ("ap.yaml", "ap_v2.yaml", "ap_v2.xlsx")}
    before = (tmp_path / "ap_v2.yaml").read_bytes()
    ex.controls["monthly_volume"].value = 70_000
    assert ex.save_as("ap_v2.yaml") is None
    assert "already exists" in ex.message.value
    assert (tmp_path / "ap_v2.yaml").read_bytes() == before
    for bad in ("", "../elsewhere.yaml", "sub/x.yaml"):
        assert ex.save_as(bad) is None and "plain file name" in ex.message.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ap.yaml", "ap_v2.xlsx",
                                                          "ap_v2.yaml"]
