"""Exit analysis: what terminating the contract early would be worth, month by month.

If the client terminates for convenience at the end of month ``k`` (``1 ≤ k < H``), it has had
the savings of months ``1..k``, then pays, in month ``k``, the termination fee of the schedule
(:func:`bpo_roi.model.contract.termination_fee`), the unamortised financed transition when the
contract adds it, and a re-transition cost to bring the work back in-house (the offer's
``exit_cost``, stated in today's money and moved by the vendor's price steps to month ``k``);
from month ``k + 1`` the process is in-house again, so the savings are zero::

    NPV_k = Σ_{t=0..k} S_t × DF_t - (fee_k + unamortised_k + exit_cost) × DF_k

with ``S_t`` the monthly savings without the end-of-term exit cost and ``DF_t`` the
end-of-month discount factors. Month ``H`` is the contract run to term: ``NPV_H`` is the
offer's NPV. Termination fees and the unamortised transition are in the vendor's currency and
are converted at the month's rate (after any FX sharing).

The *termination breakeven month* is the earliest ``k`` from which terminating, in that month
or any later one, still beats never having outsourced (``NPV_j ≥ 0`` for every ``j ≥ k``);
``None`` when there is no such month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bpo_roi.model import contract
from bpo_roi.model.flows import Flows, OfferFlows, cash_flows
from bpo_roi.model.scope import first_go_live
from bpo_roi.model.timeline import discount_factors, month_dates
from bpo_roi.scenario.schema import Scenario, point

__all__ = [
    "EXIT_COLUMNS",
    "excel_npv_if_terminated",
    "exit_analysis",
    "exit_table",
    "termination_breakeven_month",
]

EXIT_COLUMNS = ("month", "date", "termination_fee", "unamortised_transition", "re_transition",
                "npv_if_terminated")


def exit_table(scenario: Scenario, flows: Flows, offer_flows: OfferFlows,
               k: int) -> pd.DataFrame:
    """:func:`exit_analysis` from flows already computed (first trial), for offer index ``k``."""
    offer = scenario.offers[k]
    horizon = flows.horizon_months
    df = discount_factors(flows.discount_rate_annual, horizon)[0]
    running = offer_flows.total[0] - offer_flows.components["exit"][0]
    cumulative = np.cumsum((flows.in_house.total[0] - running) * df)
    fx = (offer_flows.fx_paid[0] if offer_flows.fx_paid is not None
          else np.ones(horizon + 1))
    term = offer.termination
    fee = np.zeros(horizon + 1)
    unamortised = np.zeros(horizon + 1)
    if term is not None:
        fee = fx * contract.termination_fee([f.until_month for f in term.fees],
                                            [point(f.fee) for f in term.fees], horizon)[0]
        tc = offer.transition_charge
        if term.plus_unamortised_transition and tc is not None:
            unamortised = fx * contract.unamortised_transition(
                point(tc.amount), tc.months, point(tc.financing_rate_annual), horizon,
                first_go_live(offer))[0]
    steps = (offer_flows.price_steps[0] if offer_flows.price_steps is not None
             else np.ones(horizon + 1))
    re_transition = float(point(offer.exit_cost)) * steps  # today's money, indexed like prices
    npv = cumulative - (fee + unamortised + re_transition) * df
    # run to term: no termination fee; the end-of-term exit cost is in the offer's NPV
    fee[horizon] = unamortised[horizon] = 0.0
    npv[horizon] = float(np.sum((flows.in_house.total[0] - offer_flows.total[0]) * df))
    months = np.arange(horizon + 1)
    table = pd.DataFrame({
        "month": months,
        "date": month_dates(scenario.scenario.start_month, horizon),
        "termination_fee": fee,
        "unamortised_transition": unamortised,
        "re_transition": re_transition,
        "npv_if_terminated": npv,
    }).iloc[1:].reset_index(drop=True)
    table.attrs["offer"] = offer.name
    table.attrs["termination_breakeven_month"] = termination_breakeven_month(table)
    return table


def termination_breakeven_month(table: pd.DataFrame) -> int | None:
    """Earliest month from which terminating (then or later) still has ``NPV ≥ 0``.

    >>> t = pd.DataFrame({"month": [1, 2, 3, 4], "npv_if_terminated": [-5.0, 1.0, -1.0, 2.0]})
    >>> termination_breakeven_month(t)
    4
    """
    npv = table["npv_if_terminated"].to_numpy(dtype=float)
    negative = np.nonzero(npv < 0.0)[0]
    first = 0 if negative.size == 0 else int(negative[-1]) + 1
    return int(table["month"].iloc[first]) if first < len(npv) else None


def exit_analysis(scenario: Scenario, offer: str | int | None = None) -> pd.DataFrame:
    """NPV of terminating one offer's contract at the end of each month ``k = 1..H``.

    Parameters
    ----------
    scenario : Scenario
        Validated assumptions.
    offer : str or int, optional
        The offer, by name or 0-based index (default: the first).

    Returns
    -------
    DataFrame
        One row per month: ``month``, ``date``, ``termination_fee``,
        ``unamortised_transition``, ``re_transition`` and ``npv_if_terminated`` (scenario
        currency); ``attrs["termination_breakeven_month"]`` is the earliest month from which
        terminating still beats never having outsourced.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/claims_back_office.yaml")
    >>> t = bpo_roi.exit_analysis(s, "Offshore seats, FX shared (INR)")
    >>> int(t.month.iloc[-1]) == s.scenario.horizon_months
    True
    """
    k = scenario.offer_index(offer, "exit_analysis")
    flows = cash_flows(scenario, offers=[k])
    return exit_table(scenario, flows, flows.offers[0], k)


def excel_npv_if_terminated(*, month: str, horizon: str, cumulative: str, to_term: str,
                            termination_fee: str, unamortised: str, re_transition: str,
                            discount_factor: str) -> str:
    """``NPV_k`` (the module's formula) for the month of a row, as an Excel expression:
    ``cumulative`` is the discounted savings to date without the end-of-term exit cost,
    ``to_term`` the offer's discounted cumulative savings (its NPV in month ``H``).

    >>> excel_npv_if_terminated(month="B5", horizon="H", cumulative="X5", to_term="Y5",
    ...     termination_fee="F5", unamortised="U5", re_transition="R5", discount_factor="D5")
    'IF(B5=H,Y5,X5-(F5+U5+R5)*D5)'
    """
    return (f"IF({month}={horizon},{to_term},"
            f"{cumulative}-({termination_fee}+{unamortised}+{re_transition})*{discount_factor})")
