"""The optimal sourcing split: shares of the work to in-house and to the offers, chosen on a
grid under business rules, exactly, by a mixed-integer program (``scipy.optimize.milp``,
HiGHS).

The split's cost (:mod:`bpo_roi.model.split`) is a sum of parts that each depend on one
choice, so the model's own evaluation of every option at every share level, of the retained
team at every kept share and of the stranded costs from every first go-live, makes the
program exact over the grid — a multiple-choice formulation, not a heuristic. With binary
``x[k,l]`` (offer ``k`` takes share level ``l``), ``z[t,v]`` (the kept share in month ``t``
is ``v``) and ``u[g]`` (the first go-live is month ``g``; ``g = H + 1``: none)::

    maximise   NPV = PV(I) − Σ_k,l PV(C_k(l)) x[k,l] − Σ_t,v PV_t(R_t(v)) z[t,v]
                               − Σ_g PV(S(g)) u[g]
    subject to Σ_l x[k,l] = 1                           one share level per offer
               Σ_v z[t,v] = 1,   Σ_v v z[t,v] + Σ_k,l l σ_k,t x[k,l] = 1    (months 1..H)
               Σ_g u[g] = 1,     Σ_{l>0} x[k,l] ≤ Σ_{g ≤ g_k} u[g]          (each offer)
               1 − max_in ≤ Σ_k,l l x[k,l] ≤ 1 − min_in                    (in-house share)
               min_vendors ≤ Σ_k Σ_{l>0} x[k,l] ≤ max_vendors
               x[k,l] = 0 outside offer k's [min_share, max_share] and capacity (l = 0 allowed)

``R_t(v)`` is the retained team's cost in month ``t`` when it keeps a share ``v`` of the
volume: a team sized for that volume (Erlang C / A for a queue: the economies of scale), so
the ``z`` take every kept share the grid can reach in that month, and the equality makes
each ``z[t, ·]`` the one the shares give. The stranded costs only grow the earlier work
leaves, so the optimum takes ``u`` at the earliest go-live of the offers chosen. A retained
team sized month by month is what makes this exact: a ``planned`` in-house team (re-planned
by period) is refused.

**Risk-aware.** With Monte Carlo trials every coefficient has one value per trial ``i`` and
``NPV_i`` is linear in the same binaries. The best split whose ``p``-th percentile of NPV
stays at or above a floor ``F`` maximises the mean NPV subject to, with a binary ``w_i``
(trial ``i`` may fall below the floor) and ``M_i = F − (lowest NPV_i any split can have)``::

    NPV_i ≥ F − M_i w_i,   Σ_i w_i ≤ ⌈p N / 100⌉ − 1

so that the ``⌈p N / 100⌉``-th lowest NPV — the percentile by the inverted CDF, numpy's
``method="inverted_cdf"`` — is at least ``F``. The frontier of expected NPV against that
percentile runs from the best expected split to the split with the highest percentile (the
same program maximising the percentile itself), with the best split for floors between.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi.model.split import IN_HOUSE
from bpo_roi.model.timeline import discount_factors
from bpo_roi.scenario.allocation import Allocation
from bpo_roi.scenario.distributions import point
from bpo_roi.scenario.schema import Scenario

__all__ = ["AllocationError", "OptimalSplit", "optimise"]

_EXACT = {"presolve": True, "mip_rel_gap": 0.0}
"""HiGHS options: no gap (its default stops within 0.01 % of the bound: not exact)."""
ENUMERATION_LIMIT = 200_000
"""Up to this many splits allowed by the rules, the risk-aware optimum and frontier come from
every split's NPV in every trial (exact and complete); beyond, from the program."""
ENUMERATION_CHUNK = 4096
"""Splits whose trials are added up at once (4,096 × 1,000 trials: 33 MB)."""
MAX_FRONTIER = 25
"""The most frontier splits listed (evenly along it, both ends kept)."""
FRONTIER_POINTS = 8
"""The most splits the risk frontier walks (from the best expected towards the safest)."""
FRONTIER_STEP = 0.01
"""How much higher the next frontier split's percentile must be: this share of the best
expected split's expected NPV (at least one unit of the currency)."""
_ROUND = 12  # decimals that make two kept shares the same (0.1 + 0.2 is 0.3)
_MICRO = 1_000_000  # shares as whole millionths when splits are listed


class AllocationError(ValueError):
    """Rules no split on the grid can meet, or a scenario the optimiser cannot treat exactly."""


@dataclass
class OptimalSplit:
    """The result of :func:`optimise`.

    ``shares``: offer name → share, and ``"in-house"`` (every offer, 0 when it gets no work);
    ``npv``: the split's NPV (``evaluate_split`` of ``shares``); ``best_single_npv``: the best
    offer's NPV on its own (all the work); ``value_of_splitting``: ``npv`` − the best
    all-or-nothing choice (that offer, or staying in-house at 0); ``contributions``: each
    option's NPV contribution (they add up to ``npv``, :mod:`bpo_roi.model.split`); with a
    Monte Carlo, ``risk`` (the percentile, floor, trials, the split's expected NPV and
    percentile) and ``frontier`` (splits from the best expected to the safest).
    """

    shares: dict[str, float]
    npv: float
    best_single_npv: float
    best_single: str
    objective: str
    step: float
    pv_cost: float
    contributions: dict[str, float]
    risk: dict[str, Any] | None = None
    frontier: list[dict[str, Any]] = field(default_factory=list)
    program_npv: float = float("nan")
    """The mixed-integer program's own NPV of the split (point values): equal to ``npv``,
    which ``evaluate_split`` computes, as the program is exact."""
    evaluations: int = 0
    held_back: str = "the rules rule it out"
    """Why the best single offer is not the answer when it has the higher NPV."""
    """Share levels the engine evaluated (offers × levels, kept shares and go-lives)."""

    @property
    def value_of_splitting(self) -> float:
        """How much the split adds to the best all-or-nothing choice."""
        return self.npv - max(self.best_single_npv, 0.0)

    def table(self) -> pd.DataFrame:
        """``allocation.csv``: ``option``, ``share``, ``npv_contribution``."""
        return pd.DataFrame({"option": list(self.shares),
                             "share": [self.shares[o] for o in self.shares],
                             "npv_contribution": [self.contributions[o] for o in self.shares]})

    def to_dict(self) -> dict[str, Any]:
        """``allocation.json``."""
        return {"shares": dict(self.shares), "npv": self.npv,
                "best_single_npv": self.best_single_npv, "best_single": self.best_single,
                "value_of_splitting": self.value_of_splitting, "objective": self.objective,
                "pv_cost": self.pv_cost, "step": self.step,
                "contributions": dict(self.contributions), "risk": self.risk,
                "frontier": list(self.frontier)}


def optimise(scenario: Scenario, *, step: float | None = None,
             rules: Allocation | Mapping[str, Any] | None = None,
             objective: str | None = None, trials: int | None = None,
             percentile: float | None = None, floor: float | None = None,
             seed: int | None = None) -> OptimalSplit:
    """The best split of the work on the share grid under the rules (module docstring).

    Parameters
    ----------
    scenario : Scenario
    step : float, optional
        The grid's step (default: the scenario's ``allocation.step``, else 0.1).
    rules : Allocation or mapping, optional
        The rules (an ``allocation:`` section); default: the scenario's, else none.
    objective : {"npv", "pv_cost"}, optional
        Maximise NPV or minimise the PV of cost: the same split (the in-house cost is the
        same for every split); the report shows the one chosen.
    trials, percentile, floor, seed : optional
        A risk-aware optimisation over ``trials`` Monte Carlo trials: the best expected NPV
        whose ``percentile`` (default 5) of NPV is at least ``floor`` (none: no floor), and
        the frontier. Default: the rules' ``risk``, else deterministic.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> best = bpo_roi.optimise(s, step=0.25, rules={"max_vendors": 1})
    >>> sum(best.shares.values())
    1.0
    """
    from bpo_roi.analysis.sourcing import evaluate_split

    allocation = _rules(scenario, rules, step)
    if objective is not None and objective not in ("npv", "pv_cost"):
        raise AllocationError(f"objective: {objective!r}; choose 'npv' or 'pv_cost'")
    objective = objective or allocation.objective
    if scenario.in_house.plan is not None:
        raise AllocationError(
            "the optimiser sizes the retained team month by month; in_house.staffing: "
            "planned re-plans it by period, which it cannot yet treat exactly. Compare "
            "splits with evaluate_split, or optimise with staffing sized by need")
    risk = allocation.risk
    if any(v is not None for v in (trials, percentile, floor, seed)):
        base = risk.model_dump() if risk is not None else {}
        given = {"trials": trials, "percentile": percentile, "floor": floor, "seed": seed}
        base.update({k: v for k, v in given.items() if v is not None})
        from bpo_roi.scenario.allocation import RiskRule
        risk = RiskRule.model_validate(base)
    problem = _Problem.build(scenario, allocation, risk)
    chosen = problem.solve(floor=None)
    risk_block, frontier = None, []
    best_mean = chosen
    if risk is not None:
        chosen, risk_block, frontier = problem.risk_aware(chosen, risk)
    shares = problem.shares_of(chosen)
    indices = {k: v for k, v in enumerate(problem.levels_of(chosen)) if v > 0}
    evaluation = evaluate_split(scenario, {scenario.offers[k].name: v
                                           for k, v in indices.items()})
    npv = float(evaluation.metrics.npv.iloc[0])
    singles = [(float(problem.single_npv[k]), scenario.offers[k].name)
               for k in range(len(scenario.offers))]
    best_single_npv, best_single = max(singles) if singles else (0.0, "")
    held_back = _held_back(problem, allocation, best_single, risk,
                           floored=not np.array_equal(chosen, best_mean))
    return OptimalSplit(
        shares=shares, npv=npv, best_single_npv=best_single_npv, best_single=best_single,
        objective=objective, step=allocation.step,
        pv_cost=float(evaluation.metrics.pv_outsourced.iloc[0]),
        contributions=_contributions(scenario, evaluation, shares),
        risk=risk_block, frontier=frontier,
        program_npv=float(problem.point_npv(chosen)), evaluations=problem.evaluations,
        held_back=held_back)


def _held_back(problem: _Problem, allocation: Allocation, name: str, risk: Any,
               floored: bool) -> str:
    """Why the best offer on its own (all its scope) is not the split chosen, when it has
    the higher NPV: the rule that excludes it, the floor, or the average over the trials."""
    if floored:
        return f"the floor on the P{risk.percentile:g} NPV rules it out"
    names = [o.name for o in problem.scenario.offers]
    if name not in names:
        return "the rules rule it out"
    k = names.index(name)
    scope = _scopes(problem.scenario)[k]
    rule = allocation.rule(name)
    if scope > rule.max_share + 1e-12:
        return f"the rules cap {name} at {rule.max_share:.0%} of the work".replace("%", " %")
    if round(scope, 9) not in {round(lv, 9) for lv in problem.allowed.get(k, ())}:
        return f"{name}'s capacity or minimum share in the rules excludes it"
    kept = 1.0 - scope
    house = allocation.in_house
    if not house.min_share - 1e-9 <= kept <= house.max_share + 1e-9:
        return (f"the rules keep {house.min_share:.0%} to {house.max_share:.0%} of the work "
                f"in-house").replace("%", " %")
    if allocation.min_vendors > 1:
        return f"the rules ask for at least {allocation.min_vendors} vendors"
    if risk is not None:
        return "it is not the best on average over the Monte Carlo trials"
    return "the rules rule it out"


def _rules(scenario: Scenario, rules: Any, step: float | None) -> Allocation:
    if rules is None:
        allocation = scenario.allocation or Allocation()
    elif isinstance(rules, Allocation):
        allocation = rules
    else:
        try:
            allocation = Allocation.model_validate(dict(rules))
        except ValueError as exc:
            raise AllocationError(f"rules: {str(exc).splitlines()[-1].strip()}") from None
    if step is not None:
        try:
            allocation = Allocation.model_validate({**allocation.model_dump(), "step": step})
        except ValueError as exc:
            raise AllocationError(f"step: {exc.errors()[0]['msg']}") from None  # type: ignore[attr-defined]
    names = [o.name for o in scenario.offers]
    for rule in allocation.options:
        if rule.offer not in names:
            raise AllocationError(f"rules: {rule.offer!r} is not an offer of this scenario; "
                                  f"the offers are {', '.join(repr(n) for n in names)}")
    return allocation


def _contributions(scenario: Scenario, evaluation: Any, shares: Mapping[str, float]
                   ) -> dict[str, float]:
    """Each option's NPV contribution (:mod:`bpo_roi.model.split`), adding up to the NPV."""
    flows = evaluation.flows
    parts = flows.extras["split"]
    d = discount_factors(point(scenario.scenario.discount_rate_annual),
                         flows.horizon_months)[0]
    in_house = flows.in_house.total[0]
    out = dict.fromkeys(shares, 0.0)
    for k, (_, offer_flows) in parts.offers.items():
        taken = parts.vendor_share[k][0] * in_house
        out[scenario.offers[k].name] = float(np.sum((taken - offer_flows.total[0]) * d))
    kept = parts.kept[0] * in_house
    out[IN_HOUSE] = float(np.sum((kept - parts.retained[0] - parts.stranded[0]) * d))
    return out


@dataclass
class _Problem:
    """The multiple-choice program of a scenario under rules: its columns and coefficients
    (one row per trial; row 0 is the point values when there are no trials)."""

    scenario: Scenario
    allocation: Allocation
    columns: list[tuple[str, Any, Any]]
    """``("x", k, level)``, ``("z", group, kept)`` or ``("u", g, None)`` per column (a
    group: months where every offer's vendor share is the same, so is the kept share)."""
    cost: np.ndarray
    """``(trials, columns)``: each column's present cost."""
    pv_in: np.ndarray
    """``(trials,)``: the in-house present cost."""
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_lb: np.ndarray
    b_ub: np.ndarray
    single_npv: np.ndarray
    evaluations: int
    point_cost: np.ndarray
    """``(columns,)``: each column's present cost at the point values."""
    point_pv_in: float
    patterns: list[Any] = field(default_factory=list)
    """The month groups (:func:`_kept_values`)."""
    allowed: dict[int, list[float]] = field(default_factory=dict)
    """Each offer's allowed share levels."""
    sigma: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def build(cls, scenario: Scenario, allocation: Allocation, risk: Any) -> _Problem:
        from bpo_roi.model.flows import split_options

        offers = scenario.offers
        levels = allocation.levels()
        horizon = scenario.scenario.horizon_months
        volume = _point_volume(scenario)
        sigma = _vendor_shares(scenario)
        allowed = {k: _allowed_levels(allocation, o.name, levels, volume, sigma[k], scope)
                   for k, (o, scope) in enumerate(zip(offers, _scopes(scenario), strict=True))}
        patterns = _kept_values(sigma, allowed, horizon)
        kept_all = sorted({v for _, _, values in patterns for v in values} | {1.0})
        samples = None
        if risk is not None:
            from bpo_roi.analysis.monte_carlo import sample_assumptions

            samples = sample_assumptions(scenario, risk.trials, risk.seed) or None
        every = sorted({lv for values in allowed.values() for lv in values if lv > 0})
        parts = split_options(scenario, every, kept_all, samples)
        d = np.atleast_2d(discount_factors(parts["flows"].discount_rate_annual, horizon))
        trials = risk.trials if samples else 1

        def pv(a: np.ndarray) -> np.ndarray:
            return np.broadcast_to(np.sum(np.asarray(a) * d, axis=-1), (trials,))

        def pv_month(a: np.ndarray, t: int) -> np.ndarray:
            return np.broadcast_to(np.atleast_2d(a)[:, t] * d[:, t], (trials,))

        columns: list[tuple[str, Any, Any]] = []
        cost: list[np.ndarray] = []
        for k in range(len(offers)):
            for lv in allowed[k]:
                columns.append(("x", k, lv))
                cost.append(np.zeros(trials) if lv == 0
                            else pv(parts["offer_cost"][k][lv]))
        fixed_kept = np.zeros(trials)  # months where no offer can take work: kept is 1
        for j, (_, months, values) in enumerate(patterns):
            if values == [1.0]:
                for t in months:
                    fixed_kept = fixed_kept + pv_month(parts["retained"][1.0], t)
                continue
            for v in values:
                columns.append(("z", j, v))
                cost.append(sum(pv_month(parts["retained"][v], t) for t in months))
        for g, stranded in parts["stranded"].items():
            columns.append(("u", g, None))
            cost.append(pv(stranded) + fixed_kept)  # every split pays the fixed months once
        cost_matrix = np.column_stack(cost)
        pv_in = pv(parts["in_house"])
        from bpo_roi.analysis.business_case import evaluate

        # each offer alone at the point values, as evaluate gives it (evaluate_split of 100 %
        # to an offer is the same figure)
        single = evaluate(scenario, breakeven=False).metrics.npv.to_numpy(float)
        point_cost, point_pv_in = cost_matrix[0], float(pv_in[0])
        if samples:  # the same program at the point values, for the split's own NPV
            point = cls.build(scenario, allocation, None)
            point_cost, point_pv_in = point.point_cost, point.point_pv_in
        return cls(scenario, allocation, columns, cost_matrix, pv_in,
                   *_constraints(columns, allocation, sigma, patterns, len(offers)),
                   single_npv=single,
                   evaluations=sum(len(v) - 1 for v in allowed.values()) + len(kept_all)
                   + len(parts["stranded"]), point_cost=point_cost, point_pv_in=point_pv_in,
                   patterns=patterns, sigma=sigma, allowed=allowed)

    # -- solving ----------------------------------------------------------------------------

    def solve(self, floor: float | None = None, percentile: float = 5.0) -> np.ndarray:
        """The best columns (0/1 per column) for the mean NPV; with ``floor``, only among
        splits whose ``percentile`` of NPV is at least ``floor``."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array, hstack, vstack

        n = len(self.columns)
        trials = self.cost.shape[0]
        mean_cost = self.cost.mean(axis=0)
        a_eq, a_ub = csr_array(self.a_eq), csr_array(self.a_ub)
        constraints = [LinearConstraint(a_eq, self.b_eq, self.b_eq),
                       LinearConstraint(a_ub, self.b_lb, self.b_ub)]
        c = mean_cost
        extra = 0
        if floor is not None:
            # NPV_i = pv_in_i − cost_i·x ≥ F − M_i w_i  ⇔  cost_i·x − M_i w_i ≤ pv_in_i − F
            allowed = max(math.ceil(percentile * trials / 100.0) - 1, 0)
            worst = self.pv_in - self._most_cost()
            best = self.pv_in - self._least_cost()
            if np.count_nonzero(best < floor) > allowed:  # more trials fail whatever the split
                raise AllocationError(f"no split on the grid keeps the P{percentile:g} NPV at "
                                      f"or above {floor:,.0f}")
            big = np.maximum(floor - worst, 0.0)
            risky = np.nonzero(big > 0)[0]  # trials no split can take below the floor: none
            extra = risky.size
            if extra:
                rows = hstack([csr_array(self.cost[risky]), -csr_array(np.diag(big[risky]))])
                constraints = [LinearConstraint(hstack([a, csr_array((a.shape[0], extra))]),
                                                con.lb, con.ub)
                               for a, con in ((a_eq, constraints[0]), (a_ub, constraints[1]))]
                constraints.append(LinearConstraint(rows, -np.inf, self.pv_in[risky] - floor))
                count = vstack([hstack([csr_array((1, n)), csr_array(np.ones((1, extra)))])])
                constraints.append(LinearConstraint(count, 0, allowed))
                c = np.concatenate([mean_cost, np.zeros(extra)])
        res = milp(c, constraints=constraints, integrality=np.ones(n + extra),
                   bounds=Bounds(0, 1), options=_EXACT)
        return self._answer(res)[:n]

    def _answer(self, res: Any) -> np.ndarray:
        if res.status != 0 or res.x is None:
            raise AllocationError(f"no split on the grid meets the rules ({res.message}); "
                                  f"loosen the shares, vendor counts, capacities or floor")
        return np.round(res.x).astype(int)

    def _most_cost(self) -> np.ndarray:
        return self._bound_cost(np.max)

    def _least_cost(self) -> np.ndarray:
        return self._bound_cost(np.min)

    def _bound_cost(self, pick: Any) -> np.ndarray:
        """Per trial, the highest (or lowest) present cost any choice can have: each group's
        (an offer's levels, a month's kept shares, the go-lives) worst or best column."""
        groups: dict[tuple[str, Any], list[int]] = {}
        for j, (kind, key, _) in enumerate(self.columns):
            groups.setdefault((kind, key if kind != "u" else None), []).append(j)
        return sum((pick(self.cost[:, cols], axis=1) for cols in groups.values()),
                   np.zeros(self.cost.shape[0]))

    def npv_by_trial(self, chosen: np.ndarray) -> np.ndarray:
        """Each trial's NPV of the split ``chosen``."""
        return self.pv_in - self.cost @ chosen

    def point_npv(self, chosen: np.ndarray) -> float:
        """The NPV of ``chosen`` at the point values (the deterministic program's row)."""
        return float(self.point_pv_in - self.point_cost @ chosen)

    def levels_of(self, chosen: np.ndarray) -> list[float]:
        """Each offer's share in ``chosen``."""
        out = [0.0] * len(self.scenario.offers)
        for j, (kind, k, level) in enumerate(self.columns):
            if kind == "x" and chosen[j]:
                out[k] = float(level)
        return out

    def shares_of(self, chosen: np.ndarray) -> dict[str, float]:
        """Offer name → share, then ``"in-house"``."""
        levels = self.levels_of(chosen)
        shares = {o.name: levels[k] for k, o in enumerate(self.scenario.offers)}
        shares[IN_HOUSE] = round(max(0.0, 1.0 - sum(levels)), _ROUND)
        return shares

    def risk_aware(self, best: np.ndarray, risk: Any
                   ) -> tuple[np.ndarray, dict[str, Any], list[dict[str, Any]]]:
        """The split for the rules' floor, its risk figures and the frontier.

        Up to :data:`ENUMERATION_LIMIT` splits meet the rules: every one's NPV in every trial
        is added up from the program's own coefficients (one sparse product), so the
        frontier is every split no other beats on both expected and percentile NPV, and the
        floor's split the best expected among those at or above it. Beyond, the frontier
        is walked with the program: from the best expected split, the best expected split
        whose percentile is above the last one's by :data:`FRONTIER_STEP` of its expected
        NPV, up to :data:`FRONTIER_POINTS` points."""
        q = risk.percentile
        splits = self.feasible_splits(ENUMERATION_LIMIT)
        if splits is not None:
            return self._risk_by_enumeration(splits, risk)

        def point_of(chosen: np.ndarray) -> dict[str, Any]:
            npv = self.npv_by_trial(chosen)
            return {"shares": self.shares_of(chosen), "expected_npv": float(npv.mean()),
                    "percentile_npv": float(np.percentile(npv, q, method="inverted_cdf"))}

        walk = [(best, point_of(best))]
        step = max(1.0, FRONTIER_STEP * abs(walk[0][1]["expected_npv"]))
        complete = False
        while len(walk) < FRONTIER_POINTS:
            last = walk[-1][1]["percentile_npv"]
            try:
                safer = self.solve(floor=last + step, percentile=q)
            except AllocationError:
                complete = True
                break
            walk.append((safer, point_of(safer)))
        chosen = best
        if risk.floor is not None:
            meeting = [x for x, p in walk if p["percentile_npv"] >= risk.floor]
            if meeting:
                chosen = meeting[0]  # the walk goes down in expected NPV
            elif complete:
                raise AllocationError(
                    f"no split on the grid keeps the P{q:g} NPV at or above the floor "
                    f"{risk.floor:,.0f}; the highest is {walk[-1][1]['percentile_npv']:,.0f}")
            else:
                chosen = self.solve(floor=risk.floor, percentile=q)
        block = {"percentile": q, "floor": risk.floor, "trials": int(self.cost.shape[0]),
                 "seed": risk.seed, "frontier_complete": complete, "method": "program",
                 **{k: v for k, v in point_of(chosen).items() if k != "shares"}}
        return chosen, block, [p for _, p in walk]

    # -- every split at once ----------------------------------------------------------------

    def feasible_splits(self, limit: int) -> np.ndarray | None:
        """Every split the rules allow, as 0/1 rows over the columns ``(splits, columns)``
        (sparse), or None when there are more than ``limit``."""
        from scipy.sparse import csr_array

        offers = len(self.scenario.offers)
        units = _MICRO  # shares as whole millionths: exact sums of grid and scope levels
        columns_of: list[dict[int, int]] = [{} for _ in range(offers)]
        for j, (kind, k, level) in enumerate(self.columns):
            if kind == "x":
                columns_of[k][round(level * units)] = j
        rule = self.allocation
        hi_taken = round((1.0 - rule.in_house.min_share) * units)
        lo_taken = round((1.0 - rule.in_house.max_share) * units)
        max_v = rule.max_vendors if rule.max_vendors is not None else offers
        options = [sorted(columns_of[k]) for k in range(offers)]
        if self._count(options, hi_taken, max_v) > limit:
            return None
        levels: list[list[int]] = []

        def walk(k: int, taken: int, vendors: int, chosen: list[int]) -> None:
            if k == offers:
                if lo_taken <= taken and vendors >= rule.min_vendors:
                    levels.append(list(chosen))
                return
            for u in options[k]:
                if taken + u > hi_taken or (u > 0 and vendors + 1 > max_v):
                    continue
                chosen.append(u)
                walk(k + 1, taken + u, vendors + (u > 0), chosen)
                chosen.pop()

        walk(0, 0, 0, [])
        if not levels:
            raise AllocationError("no split on the grid meets the rules; loosen the shares, "
                                  "vendor counts or capacities")
        grid = np.asarray(levels, dtype=float) / units  # (splits, offers) shares
        x_cols = np.asarray([[columns_of[k][u] for k, u in enumerate(row)] for row in levels])
        cols = [x_cols]
        for p, (key, _, values) in enumerate(self.patterns):
            if values == [1.0]:
                continue
            z = {v: j for j, (kind, q, v) in enumerate(self.columns) if kind == "z" and q == p}
            kept = np.round(np.maximum(0.0, 1.0 - grid @ np.asarray(key, float)), _ROUND)
            cols.append(np.asarray([z[v] for v in kept])[:, None])
        go_live = {g: j for j, (kind, g, _) in enumerate(self.columns) if kind == "u"}
        firsts = np.asarray([first_go_live_of(s) for s in self.sigma], dtype=float)
        horizon = self.scenario.scenario.horizon_months
        first = np.where(grid > 0, firsts[None, :], horizon + 1).min(axis=1)
        cols.append(np.asarray([go_live[int(g)] for g in first])[:, None])
        index = np.hstack(cols)
        n = index.shape[0]
        return csr_array((np.ones(index.size), (np.repeat(np.arange(n), index.shape[1]),
                                                index.ravel())), shape=(n, len(self.columns)))

    @staticmethod
    def _count(options: list[list[int]], hi_taken: int, max_vendors: int) -> int:
        """How many level choices keep at most ``hi_taken`` units and ``max_vendors`` vendors
        (an upper bound on the splits the rules allow)."""
        ways: dict[tuple[int, int], int] = {(0, 0): 1}
        for levels in options:
            new: dict[tuple[int, int], int] = {}
            for (taken, vendors), n in ways.items():
                for u in levels:
                    key = (taken + u, vendors + (u > 0))
                    if key[0] <= hi_taken and key[1] <= max_vendors:
                        new[key] = new.get(key, 0) + n
            ways = new
        return sum(ways.values())

    def _risk_by_enumeration(self, splits: Any, risk: Any
                             ) -> tuple[np.ndarray, dict[str, Any], list[dict[str, Any]]]:
        q = risk.percentile
        trials = self.cost.shape[0]
        kth = max(math.ceil(q * trials / 100.0) - 1, 0)  # the inverted CDF's order statistic
        mean = np.empty(splits.shape[0])
        low = np.empty(splits.shape[0])
        for start in range(0, splits.shape[0], ENUMERATION_CHUNK):
            block = splits[start:start + ENUMERATION_CHUNK]
            npv = self.pv_in[None, :] - (block @ self.cost.T)  # (splits, trials)
            mean[start:start + block.shape[0]] = npv.mean(axis=1)
            low[start:start + block.shape[0]] = np.partition(npv, kth, axis=1)[:, kth]
        order = np.lexsort((-low, -mean))  # best expected first; ties: the safer first
        front, best_low = [], -np.inf
        for i in order:
            if low[i] > best_low:
                front.append(int(i))
                best_low = low[i]
        pick = int(order[0])
        if risk.floor is not None:
            meeting = [i for i in front if low[i] >= risk.floor]
            if not meeting:
                raise AllocationError(
                    f"no split on the grid keeps the P{q:g} NPV at or above the floor "
                    f"{risk.floor:,.0f}; the highest is {low[front[-1]]:,.0f}")
            pick = meeting[0]

        def chosen_of(i: int) -> np.ndarray:
            return splits[[i]].toarray()[0].astype(int)

        shown = front if len(front) <= MAX_FRONTIER else [
            front[round(j)] for j in np.linspace(0, len(front) - 1, MAX_FRONTIER)]
        frontier = [{"shares": self.shares_of(chosen_of(i)), "expected_npv": float(mean[i]),
                     "percentile_npv": float(low[i])} for i in shown]
        block = {"percentile": q, "floor": risk.floor, "trials": int(trials),
                 "seed": risk.seed, "frontier_complete": len(shown) == len(front),
                 "method": "enumeration", "splits": int(splits.shape[0]),
                 "expected_npv": float(mean[pick]), "percentile_npv": float(low[pick])}
        return chosen_of(pick), block, frontier


def _point_volume(scenario: Scenario) -> np.ndarray:
    from bpo_roi.model.flows import cash_flows

    return cash_flows(scenario, offers=[]).volume[0]


def _scopes(scenario: Scenario) -> list[float]:
    """Each offer's ``S_k``: the share of the work its waves cover."""
    from bpo_roi.model.scope import waves_of
    from bpo_roi.model.split import scope_share

    return [scope_share(waves_of(o)) for o in scenario.offers]


def _vendor_shares(scenario: Scenario) -> list[np.ndarray]:
    """Each offer's vendor share per unit of its share of the work, ``σ_k,t / S_k``
    (:mod:`bpo_roi.model.split`), months ``0..H``: offer ``k`` at share ``l`` carries
    ``l × σ_k,t / S_k`` of month ``t``'s volume."""
    from bpo_roi.model.scope import vendor_share, waves_of

    horizon = scenario.scenario.horizon_months
    return [vendor_share(waves_of(o), horizon)[0] / scope
            for o, scope in zip(scenario.offers, _scopes(scenario), strict=True)]


def _allowed_levels(allocation: Allocation, name: str, levels: Sequence[float],
                    volume: np.ndarray, sigma: np.ndarray, scope: float) -> list[float]:
    """The share levels an offer may take: 0, and those up to its scope (the scope itself
    too, on the grid or not) within its min / max share whose largest monthly volume,
    ``max_t l × σ_k,t / S_k × V_t``, stays within its capacity (at the point values)."""
    rule = allocation.rule(name)
    peak = float(np.max(sigma * volume)) if volume.size else 0.0
    out = [0.0]
    for lv in sorted({*(lv for lv in levels if lv < scope - 1e-12), scope}):
        if lv <= 0 or lv < rule.min_share - 1e-12 or lv > rule.max_share + 1e-12:
            continue
        if rule.capacity_monthly_volume is not None and lv * peak > \
                rule.capacity_monthly_volume * (1 + 1e-12):
            continue
        out.append(float(lv))
    return out


def _kept_values(sigma: Sequence[np.ndarray], allowed: Mapping[int, Sequence[float]],
                 horizon: int) -> list[tuple[tuple[float, ...], list[int], list[float]]]:
    """The months grouped by the offers' vendor shares ``(σ_k,t)_k`` (months alike keep the
    same share in any split), each group with every kept share ``1 − Σ_k l_k σ_k,t`` the
    allowed levels can reach (at most 1 taken): ``(σ, months, kept shares)``."""
    groups: dict[tuple[float, ...], list[int]] = {}
    for t in range(1, horizon + 1):
        groups.setdefault(tuple(round(float(s[t]), _ROUND) for s in sigma), []).append(t)
    out = []
    for key, months in groups.items():
        sums = {0.0}
        for k, s in enumerate(key):
            if s == 0:
                continue
            sums = {round(a + lv * s, _ROUND) for a in sums for lv in allowed[k]
                    if a + lv * s <= 1.0 + 1e-9}
        out.append((key, months, sorted({round(max(0.0, 1.0 - a), _ROUND) for a in sums})))
    return out


def _constraints(columns: list[tuple[str, Any, Any]], allocation: Allocation,
                 sigma: Sequence[np.ndarray], patterns: Sequence[Any], n_offers: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of the program (module docstring): equalities, then ranges."""
    n = len(columns)
    eq_rows: list[np.ndarray] = []
    eq_rhs: list[float] = []
    by_kind: dict[str, list[int]] = {"x": [], "z": [], "u": []}
    for j, (kind, _, _) in enumerate(columns):
        by_kind[kind].append(j)
    for k in range(n_offers):  # one level per offer
        row = np.zeros(n)
        row[[j for j in by_kind["x"] if columns[j][1] == k]] = 1.0
        eq_rows.append(row)
        eq_rhs.append(1.0)
    for p in sorted({columns[j][1] for j in by_kind["z"]}):  # one kept share per group
        key = patterns[p][0]
        pick, link = np.zeros(n), np.zeros(n)
        for j in by_kind["z"]:
            if columns[j][1] == p:
                pick[j] = 1.0
                link[j] = columns[j][2]
        for j in by_kind["x"]:
            _, k, lv = columns[j]
            link[j] = lv * key[k]
        eq_rows += [pick, link]
        eq_rhs += [1.0, 1.0]
    row = np.zeros(n)
    row[by_kind["u"]] = 1.0
    eq_rows.append(row)
    eq_rhs.append(1.0)
    ub_rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    go_live = {columns[j][1]: j for j in by_kind["u"]}
    for k in range(n_offers):  # an offer with work sets the first go-live no later than its own
        own = first_go_live_of(sigma[k])
        row = np.zeros(n)
        for j in by_kind["x"]:
            if columns[j][1] == k and columns[j][2] > 0:
                row[j] = 1.0
        for g, j in go_live.items():
            if g <= own:
                row[j] = -1.0
        ub_rows.append(row)
        lo.append(-np.inf)
        hi.append(0.0)
    taken = np.zeros(n)
    vendors = np.zeros(n)
    for j in by_kind["x"]:
        taken[j] = columns[j][2]
        vendors[j] = 1.0 if columns[j][2] > 0 else 0.0
    rule = allocation.in_house
    ub_rows.append(taken)
    lo.append(1.0 - rule.max_share - 1e-9)
    hi.append(1.0 - rule.min_share + 1e-9)
    ub_rows.append(vendors)
    lo.append(float(allocation.min_vendors))
    hi.append(float(allocation.max_vendors) if allocation.max_vendors is not None else np.inf)
    return (np.vstack(eq_rows), np.asarray(eq_rhs), np.vstack(ub_rows), np.asarray(lo),
            np.asarray(hi))


def first_go_live_of(sigma: np.ndarray) -> int:
    """The first month an offer's waves carry work (its first go-live)."""
    live = np.nonzero(np.asarray(sigma)[1:] > 0)[0]
    return int(live[0]) + 1 if live.size else len(sigma)
