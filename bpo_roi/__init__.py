"""bpo_roi: keep a business process in-house or outsource it, under which pricing model?

Load a scenario, evaluate it, read the metrics:

>>> import bpo_roi
>>> scenario = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
>>> result = bpo_roi.evaluate(scenario)
>>> result.recommendation in set(result.metrics.index) | {"stay in-house"}
True

The package is one folder per layer; a layer imports only the layers below it
(``docs/architecture.md``)::

    cli         command line, scenario runner
    reporting   charts, HTML report, workbook, explorer, output files
    analysis    business case (evaluate), breakeven, Monte Carlo, sensitivity
    model       timeline, workload, in-house cost, pricing, hidden costs, cash flows, metrics
    scenario    schema, reading files, distributions  |  staffing   Erlang C queues

The engine (``scenario``, ``staffing``, ``model``, ``analysis``) is pure computation. Plotting,
widgets, notebooks and files live at the edges and are imported only when used, so
``import bpo_roi`` loads neither pandas nor pydantic until the first call.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "load_scenario": ("bpo_roi.scenario.reading", "load_scenario"),
    "parse_scenario": ("bpo_roi.scenario.reading", "parse_scenario"),
    "add_bids": ("bpo_roi.scenario.bids", "add_bids"),
    "AssumptionsError": ("bpo_roi.scenario.reading", "AssumptionsError"),
    "Scenario": ("bpo_roi.scenario.schema", "Scenario"),
    "evaluate": ("bpo_roi.analysis.business_case", "evaluate"),
    "evaluate_split": ("bpo_roi.analysis.sourcing", "evaluate_split"),
    "optimise": ("bpo_roi.analysis.allocation", "optimise"),
    "Evaluation": ("bpo_roi.analysis.business_case", "Evaluation"),
    "simulate": ("bpo_roi.analysis.monte_carlo", "simulate"),
    "tornado": ("bpo_roi.analysis.sensitivity", "tornado"),
    "grid": ("bpo_roi.analysis.sensitivity", "grid"),
    "breakeven": ("bpo_roi.analysis.breakeven_search", "breakeven"),
    "diff": ("bpo_roi.analysis.version_diff", "diff"),
    "exit_analysis": ("bpo_roi.analysis.termination", "exit_analysis"),
    "ScenarioDiff": ("bpo_roi.analysis.version_diff", "ScenarioDiff"),
    "track": ("bpo_roi.analysis.tracking", "track"),
    "Tracking": ("bpo_roi.analysis.tracking", "Tracking"),
}
_SUBPACKAGES = ("analysis", "cli", "model", "reporting", "scenario", "staffing")

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    # Lazy so that `import bpo_roi` stays light (no pandas/pydantic until first use). No
    # submodule shares a name with an exported function, so importing a submodule never
    # shadows one of these.
    import importlib

    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"bpo_roi.{name}")
    raise AttributeError(f"module 'bpo_roi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBPACKAGES))
