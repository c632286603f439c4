"""Scenario layer: what a business case assumes, and reading it from a file.

Holds the schema (:mod:`~bpo_roi.scenario.schema`, pydantic models with units in field names,
unknown keys rejected), reading YAML with one-line errors that name the file, line, field, value
and what is allowed (:mod:`~bpo_roi.scenario.reading`), and the distributions an uncertain
input may carry (:mod:`~bpo_roi.scenario.distributions`).

May import: numpy, pydantic, ruamel.yaml. No other bpo_roi layer (it is the bottom one, beside
:mod:`bpo_roi.staffing`).
"""

from bpo_roi.scenario.reading import AssumptionsError, load_scenario, parse_scenario
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["AssumptionsError", "Scenario", "load_scenario", "parse_scenario", "point"]
