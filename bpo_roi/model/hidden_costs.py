"""Hidden costs of outsourcing: what a vendor's price sheet leaves out.

All in the scenario currency, in months ``0..H`` (formulas for month ``t``):

* **vendor search and contracting** (month 0): ``vendor_selection + contracting_legal``;
* **transition** (month 0): ``knowledge_transfer + travel + it_integration``;
* **severance and retention** (month 0):
  ``displaced_fte × (1 - redeployed_share) × (severance_per_fte + retention_bonus_per_fte)``,
  where ``displaced_fte`` is the in-house headcount (agents and supervisors) in month 1;
* **parallel run** (months ``1..N``): the whole in-house cost is still paid while the vendor runs;
* **productivity ramp**: the extra seats or hours billed while the vendor is below steady
  productivity, ``fee_t(with ramp) - fee_t(steady)``; zero under per-transaction pricing;
* **rework of vendor errors**, done in-house at the in-house loaded cost per productive hour:
  ``V_t × e_t × rework_minutes / 60 × loaded_cost_per_productive_hour_t`` with
  ``e_t = error_rate × (1 + (ramp_error_multiplier - 1) × (1 - ramp_progress_t))``;
* **governance**: ``retained_fte × cost_per_fte_annual / 12 × w_t +
  contract_value_share × vendor_fees_t``;
* **exit / switching** (month ``H``): ``exit_cost``.
"""

from __future__ import annotations

import numpy as np

from bpo_roi.model.timeline import ArrayLike, month_row, operating_months

__all__ = [
    "excel_exit_cost",
    "excel_governance_cost",
    "excel_vendor_error_rate",
    "excel_vendor_rework_cost",
    "exit_cost",
    "governance_cost",
    "one_time_costs",
    "parallel_run_cost",
    "vendor_error_rate",
    "vendor_rework_cost",
]


def _at_month(amount: ArrayLike, month: int, horizon_months: int) -> np.ndarray:
    return np.where(month_row(horizon_months) == month, amount, 0.0)


def one_time_costs(*, horizon_months: int, vendor_selection: ArrayLike,
                   contracting_legal: ArrayLike, knowledge_transfer: ArrayLike,
                   travel: ArrayLike, it_integration: ArrayLike, displaced_fte: ArrayLike,
                   redeployed_share: ArrayLike, severance_per_fte: ArrayLike,
                   retention_bonus_per_fte: ArrayLike) -> dict[str, np.ndarray]:
    """Month-0 costs: search and contracting, transition, severance and retention.

    >>> c = one_time_costs(horizon_months=2, vendor_selection=10.0, contracting_legal=5.0,
    ...     knowledge_transfer=1.0, travel=1.0, it_integration=1.0, displaced_fte=10.0,
    ...     redeployed_share=0.2, severance_per_fte=3.0, retention_bonus_per_fte=1.0)
    >>> {k: v.tolist() for k, v in c.items()}
    {'search_contracting': [[15.0, 0.0, 0.0]], 'transition': [[3.0, 0.0, 0.0]], \
'severance_retention': [[32.0, 0.0, 0.0]]}
    """
    severance = (np.asarray(displaced_fte) * (1.0 - redeployed_share)
                 * (severance_per_fte + retention_bonus_per_fte))
    return {
        "search_contracting": _at_month(vendor_selection + contracting_legal, 0, horizon_months),
        "transition": _at_month(knowledge_transfer + travel + it_integration, 0, horizon_months),
        "severance_retention": _at_month(severance, 0, horizon_months),
    }


def parallel_run_cost(in_house_total: np.ndarray, parallel_run_months: int) -> np.ndarray:
    """In-house cost still paid during the first ``parallel_run_months`` months of operation.

    >>> parallel_run_cost(np.array([[0.0, 5.0, 5.0, 5.0]]), 2).tolist()
    [[0.0, 5.0, 5.0, 0.0]]
    """
    t = month_row(in_house_total.shape[-1] - 1)
    return np.where((t >= 1) & (t <= parallel_run_months), in_house_total, 0.0)


def vendor_error_rate(error_rate: ArrayLike, ramp_error_multiplier: ArrayLike,
                      progress: np.ndarray) -> np.ndarray:
    """Vendor error rate, raised during the ramp and falling linearly to its steady value.

    >>> vendor_error_rate(0.02, 3.0, np.array([[1.0, 0.0, 0.5, 1.0]])).round(4).tolist()
    [[0.02, 0.06, 0.04, 0.02]]
    """
    return error_rate * (1.0 + (ramp_error_multiplier - 1.0) * (1.0 - progress))


def vendor_rework_cost(volume: np.ndarray, vendor_error_rate: np.ndarray,
                       rework_minutes: ArrayLike,
                       loaded_cost_per_productive_hour: np.ndarray) -> np.ndarray:
    """Cost of reworking vendor errors in-house: ``V × e × minutes / 60 × hourly cost``."""
    return volume * vendor_error_rate * (rework_minutes / 60.0) * loaded_cost_per_productive_hour


def governance_cost(*, retained_fte: ArrayLike, cost_per_fte_annual: ArrayLike,
                    wage_index: np.ndarray, contract_value_share: ArrayLike,
                    vendor_fees: np.ndarray) -> np.ndarray:
    """Retained organisation plus a share of the contract value, months ``1..H``.

    >>> governance_cost(retained_fte=2.0, cost_per_fte_annual=120.0, wage_index=np.ones((1, 2)),
    ...     contract_value_share=0.1, vendor_fees=np.array([[0.0, 100.0]])).tolist()
    [[0.0, 30.0]]
    """
    operating = operating_months(vendor_fees.shape[-1] - 1)
    return (retained_fte * (cost_per_fte_annual / 12.0) * wage_index * operating
            + contract_value_share * vendor_fees)


def exit_cost(amount: ArrayLike, horizon_months: int) -> np.ndarray:
    """Exit or switching cost at the end of the term, month ``H``.

    >>> exit_cost(7.0, 2).tolist()
    [[0.0, 0.0, 7.0]]
    """
    return _at_month(amount, horizon_months, horizon_months)


# -- the same as Excel expressions, for one month's row -----------------------------------------


def excel_vendor_error_rate(error_rate: str, ramp_error_multiplier: str, progress: str) -> str:
    """:func:`vendor_error_rate` as an Excel expression.

    >>> excel_vendor_error_rate("e", "m", "P5")
    'e*(1+(m-1)*(1-P5))'
    """
    return f"{error_rate}*(1+({ramp_error_multiplier}-1)*(1-{progress}))"


def excel_vendor_rework_cost(volume: str, vendor_error_rate: str, rework_minutes: str,
                             loaded_cost_per_productive_hour: str) -> str:
    """:func:`vendor_rework_cost` as an Excel expression.

    >>> excel_vendor_rework_cost("E5", "Q5", "rm", "R5")
    'E5*Q5*(rm/60)*R5'
    """
    return (f"{volume}*{vendor_error_rate}*({rework_minutes}/60)"
            f"*{loaded_cost_per_productive_hour}")


def excel_governance_cost(*, retained_fte: str, cost_per_fte_annual: str, wage_index: str,
                          contract_value_share: str, vendor_fees: str, month: str) -> str:
    """:func:`governance_cost` as an Excel expression.

    >>> excel_governance_cost(retained_fte="f", cost_per_fte_annual="c", wage_index="I5",
    ...     contract_value_share="s", vendor_fees="T5", month="B5")
    'f*(c/12)*I5*IF(B5>=1,1,0)+s*T5'
    """
    return (f"{retained_fte}*({cost_per_fte_annual}/12)*{wage_index}*IF({month}>=1,1,0)"
            f"+{contract_value_share}*{vendor_fees}")


def excel_exit_cost(amount: str, month: str, horizon: str) -> str:
    """:func:`exit_cost` as an Excel expression.

    >>> excel_exit_cost("x", "B5", "H")
    'IF(B5=H,x,0)'
    """
    return f"IF({month}={horizon},{amount},0)"
