"""How big a ``bpo-roi sweep`` is, said before any worker starts: the evaluations (scenario
files × variants × offers) and the time they should take, from a timing of one variant here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SweepEstimate", "estimate_sweep"]


@dataclass(frozen=True)
class SweepEstimate:
    """How big a sweep is (:func:`estimate_sweep`)."""

    files: int
    variants: int
    evaluations: int
    seconds_each: float
    workers: int | None

    @property
    def seconds(self) -> float:
        """Estimated seconds of work, shared among ``workers`` (one when not known)."""
        return self.evaluations * self.seconds_each / max(1, self.workers or 1)

    def line(self) -> str:
        """One line: the evaluations and the time they should take."""
        where = (f"on {self.workers} local worker{'s' if self.workers != 1 else ''}"
                 if self.workers else "of work for one worker, shared by the cluster's")
        return (f"Sweep: {self.files:,} file{'s' if self.files != 1 else ''} × "
                f"{self.variants:,} variant{'s' if self.variants != 1 else ''}: "
                f"{self.evaluations:,} evaluations (variant × offer), about "
                f"{_duration(self.seconds)} {where} ({self.seconds_each * 1000:,.1f} ms each "
                f"here)")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 0.1):.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def estimate_sweep(scenarios: Sequence[tuple[str, Any]], grid: dict[str, list[Any]],
                   resolved: dict[str, dict[str, str]], workers: int | None, *,
                   trials: int | None = None, seed: int | None = None,
                   breakeven: bool = False) -> SweepEstimate:
    """The sweep's size: scenario files × variants × offers evaluations, and their time from
    one timed evaluation here of the first file's first variant (as a worker would evaluate
    it), divided by its offers. ``workers`` is the number of local workers (``None`` on a
    cluster, whose size is not known yet)."""
    from bpo_roi.analysis.portfolio import evaluate_batch

    n_variants = math.prod(len(v) for v in grid.values())
    evaluations = n_variants * sum(len(s.offers) for _, s in scenarios)
    file, scenario = scenarios[0]
    first = {resolved[file][p]: values[0] for p, values in grid.items()}
    start = time.perf_counter()
    try:
        evaluate_batch(scenario, [first], trials=trials, seed=seed, breakeven=breakeven)
    except Exception:  # its error is the variant's row later; the timing still counts
        pass
    each = (time.perf_counter() - start) / max(1, len(scenario.offers))
    return SweepEstimate(len(scenarios), n_variants, evaluations, each, workers)
