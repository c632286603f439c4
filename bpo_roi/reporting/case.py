"""One scenario's business case, computed once, and the record of what its run was given.

:func:`compute_case` evaluates a scenario, runs its Monte Carlo and its tornado, and advises:
everything the business-case notebook shows and every data file of a run is made from it.
``bpo-roi run`` calls it once per scenario in its worker and hands the result to the notebook
as a pickle in the scenario's temporary folder (:func:`save_case`, the notebook's
``case_path`` parameter, :func:`load_case`); a notebook run by plain papermill or in
JupyterLab has no ``case_path`` and calls :func:`compute_case` itself. Either way the report
and ``metrics.json`` carry the same run record (:func:`run_record`).

The pickle is the worker's own file, written and read on one machine within one run; it is
removed before the scenario's folder is installed (:data:`CASE_FILE` starts with a dot, so a
cluster worker never sends it back either).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from bpo_roi.analysis.advice import Advice
    from bpo_roi.analysis.business_case import Evaluation
    from bpo_roi.analysis.monte_carlo import Simulation
    from bpo_roi.scenario.schema import Scenario

__all__ = ["CASE_FILE", "DEFAULT_SEED", "DEFAULT_TRIALS", "BusinessCase", "compute_case",
           "decide", "load_case", "run_record", "save_case"]

DEFAULT_TRIALS = 1000
"""Monte Carlo trials of a business case when neither ``-p trials`` nor the notebook says
(the shipped notebook's ``trials`` default; a test keeps the two equal)."""
DEFAULT_SEED = 2026
"""Seed of a business case's Monte Carlo when neither ``-p seed`` nor the notebook says (the
shipped notebook's ``seed`` default; ``bpo-roi sweep --trials`` uses it too)."""
CASE_FILE = ".business-case.pickle"
"""Name of the pickle a run's worker writes for the notebook, in the scenario's temporary
folder (removed before the folder is installed)."""


@dataclass(frozen=True)
class BusinessCase:
    """Everything a business-case report and a run's data files show, computed once.

    Attributes
    ----------
    original : Scenario
        The scenario file as read, before overrides.
    scenario : Scenario
        The scenario with this run's overrides: the one evaluated.
    evaluation : Evaluation
        :func:`bpo_roi.analysis.business_case.evaluate` of ``scenario``.
    simulation : Simulation
        :func:`bpo_roi.analysis.monte_carlo.simulate` of ``scenario`` (``trials``, ``seed``).
    advice : Advice
        :func:`bpo_roi.analysis.advice.advise` of the evaluation and simulation.
    tornado : pandas.DataFrame
        :func:`bpo_roi.analysis.sensitivity.tornado` of ``scenario``.
    run : dict
        What the run was given (:func:`run_record`): the ``run`` block of ``metrics.json`` and
        the report's "This run" table.
    """

    original: Scenario
    scenario: Scenario
    evaluation: Evaluation
    simulation: Simulation
    advice: Advice
    tornado: pd.DataFrame
    run: dict[str, Any]
    allocation: Any = None
    """With an ``allocation:`` section, :func:`bpo_roi.optimise` of ``scenario`` (an
    :class:`~bpo_roi.analysis.allocation.OptimalSplit`), or the one-line reason it has none."""

    def metrics_document(self) -> dict[str, Any]:
        """The ``metrics.json`` document: the evaluation's metrics, the advice, the optimal
        split (``allocation``, with an ``allocation:`` section) and the run record (the same
        dict as :attr:`run`)."""
        document = self.evaluation.to_metrics_dict(self.advice)
        if isinstance(self.allocation, str):
            document["allocation"] = {"error": self.allocation}
        elif self.allocation is not None:
            document["allocation"] = self.allocation.to_dict()
        document["run"] = self.run
        return document


def compute_case(assumptions_path: str | os.PathLike[str], overrides: Any, trials: int,
                 seed: int, *, shown_file: str | None = None,
                 bids: Any = ()) -> BusinessCase:
    """Load, override, evaluate, simulate, run the tornado and advise, once.

    Parameters
    ----------
    assumptions_path : str or path
        The scenario file to read.
    overrides : mapping, str or None
        Dotted path → value, or that mapping as JSON/YAML text
        (:func:`bpo_roi.scenario.reading.overrides_from`).
    trials, seed : int
        Monte Carlo trials and seed.
    shown_file : str, optional
        The file name the run record gives (the path the user typed, where
        ``assumptions_path`` is a copy on a cluster worker); by default ``assumptions_path``.
    bids : sequence of paths
        Returned price sheets, each added as an offer (:func:`bpo_roi.scenario.bids.add_bids`).

    Returns
    -------
    BusinessCase
    """
    from bpo_roi.analysis.business_case import evaluate
    from bpo_roi.analysis.monte_carlo import simulate
    from bpo_roi.analysis.sensitivity import tornado
    from bpo_roi.scenario.bids import add_bids
    from bpo_roi.scenario.reading import load_scenario, overrides_from

    bid_files = [str(b) for b in (bids or ())]
    original = add_bids(load_scenario(assumptions_path), bid_files)
    changes = overrides_from(overrides)
    scenario = original.with_overrides(changes)
    run = run_record(str(assumptions_path), changes, trials, seed, bids=bid_files)
    if shown_file is not None:
        run["file"] = str(shown_file)
    evaluation = evaluate(scenario)
    simulation = simulate(scenario, trials=trials, seed=seed)
    return BusinessCase(original=original, scenario=scenario, evaluation=evaluation,
                        simulation=simulation, advice=decide(evaluation, simulation),
                        tornado=tornado(scenario), run=run, allocation=best_split(scenario))


def best_split(scenario: Scenario) -> Any:
    """:func:`bpo_roi.optimise` of a scenario with an ``allocation:`` section (its rules, its
    ``risk`` if any), the reason when no split meets them, or None without the section: a
    report still reads without it."""
    if scenario.allocation is None:
        return None
    from bpo_roi.analysis.allocation import AllocationError, optimise

    try:
        return optimise(scenario)
    except AllocationError as exc:
        return str(exc)


def decide(evaluation: Evaluation, simulation: Simulation | None = None) -> Advice:
    """The advice with everything a CFO signs beside it: the negotiation targets, the
    scorecard beyond cost (with ``criteria:``) and the named cases (with ``cases:``)."""
    from bpo_roi.analysis.advice import advise
    from bpo_roi.analysis.cases import evaluate_cases
    from bpo_roi.analysis.negotiation import negotiation_targets
    from bpo_roi.analysis.scorecard import scorecard

    return advise(evaluation, simulation, negotiation=negotiation_targets(evaluation),
                  scorecard=scorecard(evaluation, simulation),
                  cases=evaluate_cases(evaluation.scenario) or None)


def save_case(case: BusinessCase, target: str | os.PathLike[str]) -> Path:
    """Pickle ``case`` into ``target`` (for :func:`load_case` in the notebook's kernel)."""
    path = Path(target)
    with path.open("wb") as fh:
        pickle.dump(case, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_case(source: str | os.PathLike[str]) -> BusinessCase:
    """The :class:`BusinessCase` a run's worker saved with :func:`save_case`.

    Only for the pickle the kit's own worker wrote for this notebook run: unpickling runs
    code, so never point it at a file from elsewhere.

    Raises
    ------
    TypeError
        When ``source`` holds something other than a business case.
    """
    with Path(source).open("rb") as fh:
        case = pickle.load(fh)  # the worker's own file, see above
    if not isinstance(case, BusinessCase):
        raise TypeError(f"{source}: not a business case saved by bpo-roi run")
    return case


def run_record(file: str, overrides: Mapping[str, Any], trials: int | None,
               seed: int | None, *, bids: Any = ()) -> dict[str, Any]:
    """What a run was given: the ``run`` block of ``metrics.json`` (file name, SHA-256 of its
    bytes, overrides, Monte Carlo trials and seed, package version, time; and, when price
    sheets were added with ``--bids``, each one's file and SHA-256 under ``bids``)."""
    from bpo_roi import __version__

    record = {"file": str(file), "sha256": _sha256(file), "overrides": dict(overrides),
              "trials": trials, "seed": seed, "version": __version__,
              "at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if bids:
        record["bids"] = [{"file": str(b), "sha256": _sha256(str(b))} for b in bids]
    return record


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
