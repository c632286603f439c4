"""Analysis layer: questions asked of the model.

:mod:`~bpo_roi.analysis.business_case` (the deterministic case and its recommendation:
``evaluate``), :mod:`~bpo_roi.analysis.breakeven_search` (the value of an input at which NPV is
zero: ``breakeven``), :mod:`~bpo_roi.analysis.monte_carlo` (vectorised risk: ``simulate``) and
:mod:`~bpo_roi.analysis.sensitivity` (``tornado``, ``grid``) and
:mod:`~bpo_roi.analysis.version_diff` (what changed between two versions and its NPV bridge:
``diff``) and :mod:`~bpo_roi.analysis.termination` (the NPV of terminating the contract in
each month: ``exit_analysis``).

Pure computation: no I/O, no printing, no plotting.
May import: :mod:`bpo_roi.model`, :mod:`bpo_roi.scenario`, :mod:`bpo_roi.staffing`; numpy,
pandas, scipy.
"""

from bpo_roi.analysis.advice import Advice, advise
from bpo_roi.analysis.breakeven_search import Breakeven, breakeven, breakeven_values
from bpo_roi.analysis.business_case import STAY_IN_HOUSE, Evaluation, evaluate, recommend
from bpo_roi.analysis.monte_carlo import Simulation, simulate
from bpo_roi.analysis.sensitivity import grid, tornado
from bpo_roi.analysis.termination import exit_analysis
from bpo_roi.analysis.version_diff import ScenarioDiff, diff

__all__ = [
    "STAY_IN_HOUSE",
    "Advice",
    "Breakeven",
    "Evaluation",
    "ScenarioDiff",
    "Simulation",
    "advise",
    "breakeven",
    "breakeven_values",
    "diff",
    "evaluate",
    "exit_analysis",
    "grid",
    "recommend",
    "simulate",
    "tornado",
]
