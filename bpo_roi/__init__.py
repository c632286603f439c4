"""bpo_roi: keep a business process in-house or outsource it, under which pricing model?

Load a scenario, evaluate it, read the metrics:

>>> import bpo_roi
>>> scenario = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
>>> result = bpo_roi.evaluate(scenario)
>>> result.recommendation in set(result.metrics.index) | {"stay in-house"}
True

The modules read like the methodology (``docs/methodology.md``): :mod:`~bpo_roi.workload`,
:mod:`~bpo_roi.in_house`, :mod:`~bpo_roi.pricing`, :mod:`~bpo_roi.hidden_costs`,
:mod:`~bpo_roi.metrics`, :mod:`~bpo_roi.model`. Plotting and notebooks live at the edges and are
imported only when used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_scenario": ("bpo_roi.loading", "load_scenario"),
    "parse_scenario": ("bpo_roi.loading", "parse_scenario"),
    "AssumptionsError": ("bpo_roi.loading", "AssumptionsError"),
    "Scenario": ("bpo_roi.assumptions", "Scenario"),
    "evaluate": ("bpo_roi.model", "evaluate"),
    "Evaluation": ("bpo_roi.model", "Evaluation"),
    "simulate": ("bpo_roi.risk", "simulate"),
    "tornado": ("bpo_roi.sensitivity", "tornado"),
    "grid": ("bpo_roi.sensitivity", "grid"),
    "breakeven": ("bpo_roi.breakeven", "breakeven"),
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    # Lazy so that `import bpo_roi` stays light (no pandas/pydantic until first use).
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bpo_roi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
