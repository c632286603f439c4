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
