"""The budget view: an offer's profit-and-loss lines beside its cash, month by month.

The engine is cash: every cost falls in the month it is paid (end of month; month 0 holds the
one-time costs). An accounting policy (``accounting:`` in the scenario) moves some of those
payments in the P&L (all amounts positive costs, months ``t = 0..H``, an offer's rows):

* ``K_t``, **capitalised**: the transition items the policy capitalises, when paid;
* ``R_t``, **restructuring**: the components it reports below EBITDA (severance and
  retention, stranded costs, exit), when paid;
* ``A_t``, **amortisation** of the capitalised items: an amount ``K_m`` paid in month ``m`` is
  spread evenly over the ``L = 12 × amortisation_years`` months from
  ``s_m = max(m + 1, g)`` (``g``: the offer's first go-live, when the asset is in use)::

      A_t = Σ_m K_m × [s_m ≤ t < s_m + L] / L
          = ([t ≥ g] × C_{t-1} − [t ≥ g + L] × C_{t-1-L}) / L,     C_j = Σ_{m ≤ j} K_m

Against staying in-house (``I_t``, the in-house cost, all operating cost) the offer's
outsourced cash cost ``O_t`` becomes::

    operating cost    opex_t          = O_t − K_t − R_t
    EBITDA impact     ebitda_impact_t = I_t − opex_t
    EBIT impact       ebit_impact_t   = ebitda_impact_t − R_t − A_t
    cash impact       cash_impact_t   = I_t − O_t                       (the savings)
    bridge            cash_impact_t   = ebit_impact_t + A_t − K_t

Impacts are positive when outsourcing improves the line. Summed over the horizon, the P&L and
cash totals differ only by what is still to amortise, ``Σ K − Σ A`` (zero when every
capitalised amount is amortised by month ``H``). Without a policy ``K = R = A = 0``: opex is
the cash cost and every impact is the saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bpo_roi.model.scope import scheduled_amount
from bpo_roi.model.timeline import month_row
from bpo_roi.scenario.distributions import point

__all__ = [
    "PNL_LINES",
    "amortisation",
    "capitalised_cash",
    "excel_amortisation",
    "excel_pnl_lines",
    "offer_pnl",
    "pnl_lines",
    "restructuring_cash",
    "split_pnl",
]

PNL_LINES = ("capitalised", "opex", "ebitda_impact", "restructuring", "amortisation",
             "ebit_impact", "cash_impact")
"""The P&L lines of an offer, in the order the bridge reads."""


def amortisation(capitalised: np.ndarray, amortisation_months: int,
                 first_go_live: int = 1) -> np.ndarray:
    """Straight-line amortisation of capitalised amounts, ``A_t`` (module docstring).

    ``capitalised`` is ``(trials, H + 1)`` or a ``(1, H + 1)`` row; the result has its shape.

    >>> amortisation(np.array([[120.0, 0.0, 0.0, 0.0, 0.0, 0.0]]), 3).tolist()
    [[0.0, 40.0, 40.0, 40.0, 0.0, 0.0]]
    >>> amortisation(np.array([[120.0, 0.0, 0.0, 0.0, 0.0, 0.0]]), 3, first_go_live=2).tolist()
    [[0.0, 0.0, 40.0, 40.0, 40.0, 0.0]]
    """
    k = np.atleast_2d(np.asarray(capitalised, dtype=float))
    horizon = k.shape[-1] - 1
    t = month_row(horizon)
    paid = np.cumsum(k, axis=-1)  # C_j
    before = np.zeros_like(paid)
    before[:, 1:] = paid[:, :-1]  # C_{t-1}
    lag = int(amortisation_months)
    ended = np.zeros_like(paid)
    if lag + 1 <= horizon:
        ended[:, lag + 1:] = paid[:, :horizon - lag]  # C_{t-1-L}
    g = max(int(first_go_live), 1)
    return ((t >= g) * before - (t >= g + lag) * ended) / lag


def pnl_lines(in_house: np.ndarray, outsourced: np.ndarray, capitalised: np.ndarray,
              restructuring: np.ndarray, amortised: np.ndarray) -> dict[str, np.ndarray]:
    """An offer's P&L lines against in-house (:data:`PNL_LINES`; formulas in the module
    docstring), element by element over any common shape.

    >>> lines = pnl_lines(np.array([0.0, 100.0]), np.array([90.0, 60.0]),
    ...                   np.array([60.0, 0.0]), np.array([30.0, 0.0]), np.array([0.0, 20.0]))
    >>> {k: v.tolist() for k, v in lines.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'capitalised': [60.0, 0.0], 'opex': [0.0, 60.0], 'ebitda_impact': [0.0, 40.0],
     'restructuring': [30.0, 0.0], 'amortisation': [0.0, 20.0],
     'ebit_impact': [-30.0, 20.0], 'cash_impact': [-90.0, 40.0]}
    """
    opex = outsourced - capitalised - restructuring
    ebitda = in_house - opex
    return {
        "capitalised": capitalised + 0.0,
        "opex": opex,
        "ebitda_impact": ebitda,
        "restructuring": restructuring + 0.0,
        "amortisation": amortised + 0.0,
        "ebit_impact": ebitda - restructuring - amortised,
        "cash_impact": in_house - outsourced,
    }


def capitalised_cash(scenario: Any, k: int) -> np.ndarray:
    """``K_t`` of offer ``k`` at the point values: the capitalised transition items when they
    are paid (month 0, or spread over their schedule), a ``(1, H + 1)`` row; zeros without an
    ``accounting`` policy."""
    horizon = scenario.scenario.horizon_months
    out = np.zeros((1, horizon + 1))
    policy = scenario.accounting
    if policy is None:
        return out
    transition = scenario.offers[k].transition
    for item in policy.capitalise:
        value = getattr(transition, item)
        if hasattr(value, "months"):
            out = out + scheduled_amount(float(point(value.amount)), value.months, horizon)
        else:
            out = out + scheduled_amount(float(point(value)), (0,), horizon)
    return out


def restructuring_cash(components: Mapping[str, np.ndarray], items: Sequence[str]
                       ) -> np.ndarray:
    """``R_t``: the sum of the outsourced ``components`` the policy reports as restructuring.

    >>> restructuring_cash({"exit": np.array([0.0, 5.0]), "stranded": np.array([1.0, 1.0])},
    ...                    ["exit"]).tolist()
    [0.0, 5.0]
    """
    first = next(iter(components.values()))
    out = np.zeros(np.shape(first))
    for item in items:
        out = out + components[item]
    return out


def offer_pnl(scenario: Any, k: int, in_house: np.ndarray, outsourced: np.ndarray,
              components: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Offer ``k``'s P&L lines from its monthly cash (rows ``0..H``): ``in_house`` and
    ``outsourced`` totals and the outsourced ``components`` by name."""
    return split_pnl(scenario, [k], in_house, outsourced, components)


def split_pnl(scenario: Any, offers: Sequence[int], in_house: np.ndarray,
              outsourced: np.ndarray, components: Mapping[str, np.ndarray]
              ) -> dict[str, np.ndarray]:
    """A sourcing split's P&L lines (:mod:`bpo_roi.model.split`): the capitalised transition
    items and their amortisation of every offer in it (each from its own first go-live; an
    offer's one-time costs are the same at any share), the restructuring on the split's
    components."""
    policy = scenario.accounting
    years = policy.amortisation_years if policy else 1
    capitalised = np.zeros(np.shape(outsourced))
    amortised = np.zeros(np.shape(outsourced))
    for k in offers:
        offer = scenario.offers[k]
        first = offer.scope.waves[0].go_live_month if offer.scope is not None else 1
        own = capitalised_cash(scenario, k)
        capitalised = capitalised + own[0]
        amortised = amortised + amortisation(own, 12 * years, first)[0]
    restructuring = restructuring_cash(components, policy.restructuring if policy else ())
    return pnl_lines(np.asarray(in_house, float), np.asarray(outsourced, float), capitalised,
                     restructuring, amortised)


# -- the same as Excel expressions, for one month's row -----------------------------------------


def excel_amortisation(*, capitalised: str, months: str, month: str, first_go_live: str,
                       amortisation_months: str) -> str:
    """:func:`amortisation` as an Excel expression for one month's row: ``capitalised`` and
    ``months`` are the offer's block of ``K`` and of month numbers (absolute ranges), ``month``
    the row's month.

    >>> excel_amortisation(capitalised="$K$2:$K$14", months="$B$2:$B$14", month="B5",
    ...                    first_go_live="g", amortisation_months="L")  # doctest: +ELLIPSIS
    '(IF(B5>=MAX(g,1),SUMIFS($K$2:$K$14,$B$2:$B$14,"<="&(B5-1)),0)-IF(B5>=MAX(g,1)+(L),...)/(L)'
    """
    g = f"MAX({first_go_live},1)"
    n = f"({amortisation_months})"
    return (f"(IF({month}>={g},SUMIFS({capitalised},{months},\"<=\"&({month}-1)),0)"
            f"-IF({month}>={g}+{n},SUMIFS({capitalised},{months},"
            f"\"<=\"&({month}-1-{n})),0))/{n}")


def excel_pnl_lines(*, in_house: str, outsourced: str, capitalised: str, restructuring: str,
                    amortised: str, opex: str, ebitda_impact: str) -> dict[str, str]:
    """:func:`pnl_lines` as Excel expressions (``opex`` and ``ebitda_impact`` are the cells
    that hold those lines, so later lines build on them).

    >>> excel_pnl_lines(in_house="I5", outsourced="O5", capitalised="K5", restructuring="R5",
    ...     amortised="A5", opex="P5", ebitda_impact="E5")["ebit_impact"]
    'E5-R5-A5'
    """
    return {
        "capitalised": capitalised,
        "opex": f"{outsourced}-{capitalised}-{restructuring}",
        "ebitda_impact": f"{in_house}-{opex}",
        "restructuring": restructuring,
        "amortisation": amortised,
        "ebit_impact": f"{ebitda_impact}-{restructuring}-{amortised}",
        "cash_impact": f"{in_house}-{outsourced}",
    }
