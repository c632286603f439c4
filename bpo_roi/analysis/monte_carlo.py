"""Monte Carlo risk: many trials of the whole business case, vectorised.

Every assumption given as a distribution in the scenario file is sampled once per trial; the
model then runs **once** over a ``(trials, months)`` array (no Python loop per trial; large
runs go in chunks of :data:`CHUNK` trials to bound memory).

Reproducibility: each uncertain assumption draws from its own random stream, seeded by
``SeedSequence(seed, spawn_key=(key,))`` with ``key`` the first 8 bytes of the BLAKE2b digest of
its path (little-endian; the same in every process, unlike Python's salted ``hash``). The same
seed gives the same trials, and adding a distribution to one assumption never changes the
samples of another.

Correlation: ``correlations`` in the scenario file (or the ``correlations`` argument) gives
Spearman rank correlations between pairs of uncertain assumptions. They are imposed with a
Gaussian copula: each stream's uniforms become normal scores, the scores are mixed with the
Cholesky factor of the matrix ``ρ = 2 sin(π ρ_s / 6)`` (the normal correlation with rank
correlation ``ρ_s``), and mapped back to uniforms before the inverse-CDF sampling.

Summary per offer: mean, P5, P50 and P95 of NPV and ROI, the probability that NPV > 0 (that
outsourcing saves money) and the probability of payback within the horizon.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi._validation import interval_text, invalid_parameter
from bpo_roi.scenario.distributions import Distribution, sample_from_uniform
from bpo_roi.scenario.schema import Scenario

__all__ = ["CHUNK", "MAX_TRIALS", "TRIALS_RULE", "Simulation", "sample_assumptions", "simulate",
           "uncertain_paths", "uniform_stream"]

#: Largest run accepted. 1,000,000 trials × 5 offers of results is ~200 MB of trial rows; the
#: model itself runs in chunks, so memory stays bounded, and a run that size takes ~20 s.
MAX_TRIALS = 1_000_000
#: What a number of trials must be, in words (``simulate`` and ``bpo-roi run -p trials``).
TRIALS_RULE = interval_text(ge=1, le=MAX_TRIALS, what="an int")
#: Trials per model run: ~50 MB per (trials × 61 months) float64 array, a few dozen alive.
CHUNK = 20_000


@dataclass
class Simulation:
    """Result of :func:`simulate`.

    Attributes
    ----------
    trials : DataFrame
        One row per trial and offer: ``trial``, ``offer``, ``npv``, ``roi``, ``payback_month``
        (``<NA>`` if never), ``discounted_payback_month``, and ``risk_adjusted_npv`` when the
        scenario has a risk adjustment.
    summary : DataFrame
        One row per offer (see module docstring).
    samples : DataFrame
        The sampled value of every uncertain assumption, one column per path.
    """

    scenario: Scenario
    trials: pd.DataFrame
    summary: pd.DataFrame
    samples: pd.DataFrame
    seed: int | None

    def payback_curve(self, offer: str) -> pd.Series:
        """Probability that the offer has paid back by each month ``0..H``."""
        horizon = self.scenario.scenario.horizon_months
        months = self.trials.loc[self.trials.offer == offer, "payback_month"]
        paid = months.dropna().to_numpy(dtype=int)
        counts = np.bincount(paid, minlength=horizon + 1)[: horizon + 1]
        return pd.Series(np.cumsum(counts) / max(len(months), 1), index=pd.RangeIndex(
            horizon + 1, name="month"), name=offer)


def uniform_stream(seed: int | None, path: str) -> np.random.Generator:
    """The random stream of the uncertain input at ``path`` (section 8's rule: the seed and
    the 8-byte BLAKE2b digest of the path), shared by every draw the kit makes for it."""
    return _stream(seed, path)


def _stream(seed: int | None, path: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def uncertain_paths(scenario: Scenario) -> list[str]:
    """Paths of the assumptions that carry a distribution."""
    return [p for p in scenario.numeric_paths() if isinstance(scenario.get(p), Distribution)]


def _check_trials(trials: Any) -> int:
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or not (
            1 <= trials <= MAX_TRIALS):
        raise invalid_parameter("trials", "simulate", TRIALS_RULE, trials)
    return int(trials)


def _copula(uniforms: dict[str, np.ndarray], correlations: Sequence[Any]) -> None:
    """Impose rank correlations on the uniforms in place (Gaussian copula)."""
    if not correlations:
        return
    from scipy import special

    paths = sorted({p for c in correlations for p in _pair(c)[0]})
    index = {p: i for i, p in enumerate(paths)}
    rho = np.eye(len(paths))
    for c in correlations:
        (a, b), rank = _pair(c)
        rho[index[a], index[b]] = rho[index[b], index[a]] = 2.0 * np.sin(np.pi * rank / 6.0)
    try:
        chol = np.linalg.cholesky(rho)
    except np.linalg.LinAlgError:
        raise ValueError("The rank correlations between "
                         f"{paths} are not consistent with each other (the correlation matrix "
                         "is not positive definite); weaken some of them.") from None
    z = special.ndtri(np.clip(np.vstack([uniforms[p] for p in paths]), 1e-15, 1 - 1e-15))
    mixed = special.ndtr(chol @ z)
    for p, row in zip(paths, mixed, strict=True):
        uniforms[p] = row


def _pair(c: Any) -> tuple[tuple[str, str], float]:
    if isinstance(c, Mapping):
        return tuple(c["between"]), float(c["rank_correlation"])  # type: ignore[return-value]
    return tuple(c.between), float(c.rank_correlation)  # type: ignore[return-value]


def sample_assumptions(scenario: Scenario, trials: int, seed: int | None = None,
                       correlations: Sequence[Any] | None = None) -> dict[str, np.ndarray]:
    """One sampled value per trial for every uncertain assumption: ``{path: (trials,)}``."""
    trials = _check_trials(trials)
    paths = uncertain_paths(scenario)
    uniforms = {p: _stream(seed, p).random(trials) for p in paths}
    pairs = list(correlations if correlations is not None else (scenario.correlations or []))
    for c in pairs:
        (a, b), _ = _pair(c)
        for p in (a, b):
            if p not in uniforms:
                raise ValueError(f"The correlation between {a!r} and {b!r} names {p!r}, which "
                                 f"is not an uncertain assumption of this scenario; uncertain "
                                 f"ones: {paths}")
    _copula(uniforms, pairs)
    return {p: sample_from_uniform(scenario.get(p), u) for p, u in uniforms.items()}


def simulate(scenario: Scenario, trials: int = 10_000, seed: int | None = None,
             correlations: Sequence[Any] | None = None) -> Simulation:
    """Monte Carlo over every uncertain assumption of the scenario (see module docstring).

    Parameters
    ----------
    scenario : Scenario
    trials : int
        Number of trials, 1 to :data:`MAX_TRIALS`.
    seed : int, optional
        Seed of the random streams; the same seed gives identical trials.
    correlations : list, optional
        Rank correlations ``{"between": [path_a, path_b], "rank_correlation": 0.6}``; by default
        those of the scenario file.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/contact_centre.yaml")
    >>> sim = bpo_roi.simulate(s, trials=2000, seed=1)
    >>> sorted(sim.summary.columns)[:3]
    ['npv_mean', 'npv_p5', 'npv_p50']
    """
    from bpo_roi.model.flows import cash_flows, summary_arrays

    trials = _check_trials(trials)
    samples = sample_assumptions(scenario, trials, seed, correlations)
    names = [o.name for o in scenario.offers]
    collected: dict[str, list[np.ndarray]] = {}
    for start in range(0, trials, CHUNK):
        stop = min(start + CHUNK, trials)
        # nothing uncertain: one deterministic run, broadcast to every trial below
        flows = cash_flows(scenario, {p: v[start:stop] for p, v in samples.items()})
        pv_in = None  # the same for every offer: computed with the first
        for offer in flows.offers:
            arrays = summary_arrays(flows, offer.total, pv_in)
            pv_in = arrays["pv_in_house"]
            for key, values in arrays.items():
                collected.setdefault(f"{offer.name}\0{key}", []).append(
                    np.broadcast_to(values, (stop - start,)))
    frames, rows = [], []
    for name in names:
        cols = {key.split("\0")[1]: np.concatenate(v) for key, v in collected.items()
                if key.split("\0")[0] == name}
        months = np.asarray(cols["payback_month"]).astype(np.int64)  # -1: never pays back
        # the summary from the arrays themselves (what summarise reads back from the table)
        rows.append(_summary_row(name, np.asarray(cols["npv"], dtype=float),
                                 np.asarray(cols["roi"], dtype=float),
                                 np.where(months >= 0, months, np.nan)))
        for col in ("payback_month", "discounted_payback_month"):
            months = np.asarray(cols[col]).astype(np.int64)
            cols[col] = pd.arrays.IntegerArray(np.maximum(months, 0), months < 0)
        frames.append(pd.DataFrame({"trial": np.arange(trials), "offer": name, **cols}))
    table = pd.concat(frames, ignore_index=True)
    _require_finite_npv(table, pd.DataFrame(samples), scenario)
    summary = pd.DataFrame(rows).set_index("offer")
    return Simulation(scenario=scenario, trials=table, summary=summary,
                      samples=pd.DataFrame(samples), seed=seed)


def _require_finite_npv(table: pd.DataFrame, samples: pd.DataFrame, scenario: Scenario
                        ) -> None:
    """Refuse a simulation whose NPV is not finite in some trial, naming that trial's draws."""
    bad = ~np.isfinite(table["npv"].to_numpy(dtype=float))
    if not bad.any():
        return
    first = table.loc[bad].iloc[0]
    trial = int(first["trial"])
    draws = ", ".join(f"{c} = {samples.at[trial, c]:.6g}" for c in samples.columns) \
        if trial in samples.index else "no sampled inputs"
    raise ValueError(
        f"scenario {scenario.scenario.name!r}: NPV of offer {first['offer']!r} is not finite in "
        f"{int(bad.sum())} of {len(table)} trial-offers (first: trial {trial}: {draws[:300]}); "
        f"check those distributions for values far outside a real process")


def summarise(table: pd.DataFrame, offers: Sequence[str]) -> pd.DataFrame:
    """Per-offer summary of a trials table (see module docstring)."""
    rows = []
    for name in offers:
        t = table[table.offer == name]
        rows.append(_summary_row(name, t.npv.to_numpy(dtype=float),
                                 t.roi.to_numpy(dtype=float),
                                 t.payback_month.to_numpy(dtype=float, na_value=np.nan)))
    return pd.DataFrame(rows).set_index("offer")


def _summary_row(name: str, npv: np.ndarray, roi: np.ndarray, payback: np.ndarray
                 ) -> dict[str, Any]:
    """One offer's summary from its trials' NPV, ROI and payback month (NaN: never)."""
    p5, p50, p95 = np.percentile(npv, [5, 50, 95])
    r5, r50, r95 = np.nanpercentile(roi, [5, 50, 95]) if np.isfinite(roi).any() else (
        np.nan,) * 3
    paid = ~np.isnan(payback)
    return {
        "offer": name, "trials": len(npv),
        "npv_mean": float(npv.mean()), "npv_p5": p5, "npv_p50": p50, "npv_p95": p95,
        "roi_mean": float(np.nanmean(roi)) if np.isfinite(roi).any() else np.nan,
        "roi_p5": r5, "roi_p50": r50, "roi_p95": r95,
        "prob_npv_positive": float((npv > 0).mean()),
        "prob_payback_within_horizon": float(paid.mean()),
        "payback_month_p50": float(np.median(payback[paid])) if paid.any() else np.nan,
    }
