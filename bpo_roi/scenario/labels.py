"""A person's name for an input: the path ``offers.1.pricing.tiers.0.rate_per_transaction`` reads
"Offer 2 (Vendor B) · pricing · tier 1 · rate per transaction". List positions count from 1,
as everywhere a person reads them; paths (0-based) stay for scripts.
"""

from __future__ import annotations

__all__ = ["input_label"]

_WORDS = {"in_house": "in-house", "fte": "FTE", "fx": "FX", "aht": "AHT", "it": "IT",
          "cost_per_fte_annual": "cost per FTE (annual)", "exit_cost": "exit cost"}
_SINGULAR = {"tiers": "tier", "offers": "offer", "intraday_profile": "interval",
             "seasonality": "month", "correlations": "correlation", "between": "assumption"}


def input_label(path: str, offer_names: list[str] | None = None) -> str:
    """A person's name for an input path; list positions count from 1.

    >>> input_label("pricing.tiers.0.rate_per_transaction")
    'Pricing · tier 1 · rate per transaction'
    >>> input_label("offers.1.ramp.months", ["Vendor A", "Vendor B"])
    'Offer 2 (Vendor B) · ramp · months'
    >>> input_label("in_house.salary_annual")
    'In-house · salary annual'
    """
    parts = path.split(".")
    words: list[str] = []
    for i, part in enumerate(parts):
        if part.isdigit() and words:
            previous = parts[i - 1]
            label = f"{_SINGULAR.get(previous, previous.replace('_', ' '))} {int(part) + 1}"
            if previous == "offers" and offer_names and int(part) < len(offer_names):
                label += f" ({offer_names[int(part)]})"
            words[-1] = label
        else:
            words.append(_WORDS.get(part, part.replace("_", " ")))
    text = " · ".join(words)
    return text[:1].upper() + text[1:]
