"""The one sentence every bad parameter gets, and interval text made from bounds.

A leaf below every layer (it imports nothing from bpo_roi), after scikit-learn's parameter
validation: "The 'x' parameter of F must be RULE. Got VALUE instead."

>>> str(invalid_parameter("trials", "simulate", "an int from 1 to 1,000,000", 0))
"The 'trials' parameter of simulate must be an int from 1 to 1,000,000. Got 0 instead."
>>> interval_text(ge=0.0, le=1e9, what="transactions a month")
'transactions a month from 0 to 10⁹'
>>> interval_text(gt=0.0, lt=1.0, what="a fraction")
'a fraction above 0 and below 1'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["SHOWN_CHARS", "interval_text", "invalid_parameter", "number_text", "shown"]

SHOWN_CHARS = 80
"""Most characters of a bad value quoted back in an error message."""

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def shown(value: Any) -> str:
    """``repr(value)``, cut to :data:`SHOWN_CHARS` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 3] + "..."


def invalid_parameter(name: str, function: str, rule: str, value: Any, *,
                      got: str | None = None, note: str = "") -> ValueError:
    """The error for a bad ``name`` parameter of ``function`` (the public function the user
    called); ``got`` replaces the quoted value when a description reads better."""
    return ValueError(f"The {name!r} parameter of {function} must be {rule}. "
                      f"Got {shown(value) if got is None else got} instead{note}.")


def number_text(x: float) -> str:
    """A bound as a person writes it: ``10⁹`` for powers of ten from 10⁵, else ``1,440``.

    >>> number_text(1e8), number_text(744.0), number_text(0.5), number_text(1e-6)
    ('10⁸', '744', '0.5', '10⁻⁶')
    >>> number_text(2**63 - 1)  # an int other than a power of ten: every digit
    '9,223,372,036,854,775,807'
    """
    if isinstance(x, int) and not isinstance(x, bool):  # exact, however large
        exponent = len(str(x)) - 1
        if x > 0 and exponent >= 5 and x == 10**exponent:
            return "10" + str(exponent).translate(_SUPERSCRIPT)
        return f"{x:,}"
    if x > 0:
        exponent = math.log10(x)
        if exponent == round(exponent) and abs(exponent) >= 5:
            return "10" + str(round(exponent)).translate(_SUPERSCRIPT)
    return f"{x:,.10g}"


def interval_text(*, ge: float | None = None, gt: float | None = None, le: float | None = None,
                  lt: float | None = None, what: str = "a number") -> str:
    """The allowed range in words, from the bounds themselves (never typed by hand)."""
    n = number_text
    if ge is not None and le is not None:
        return f"{what} from {n(ge)} to {n(le)}"
    if gt is not None and le is not None:
        return f"{what} above {n(gt)}, at most {n(le)}"
    if ge is not None and lt is not None:
        return f"{what} from {n(ge)} to below {n(lt)}"
    if gt is not None and lt is not None:
        return f"{what} above {n(gt)} and below {n(lt)}"
    for bound, sign in ((ge, "≥"), (gt, ">"), (le, "≤"), (lt, "<")):
        if bound is not None:
            return f"{what} {sign} {n(bound)}"
    return what
