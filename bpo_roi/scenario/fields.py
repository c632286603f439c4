"""The building blocks of the scenario schema: numeric field types with their units and
bounds, text fields, located errors and the immutable base section.

Every pricing model's schema module (:mod:`bpo_roi.scenario.pricing`) and the scenario's own
sections (:mod:`bpo_roi.scenario.schema`) are made of these, so a field means the same thing
wherever it appears: a ``Price`` is a finite float above 0 and at most 10⁸, or a distribution
over that range; a ``Fraction`` may be written ``"30%"``.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bpo_roi._validation import interval_text, shown
from bpo_roi.scenario.distributions import Distribution, check_distribution, point

__all__ = [
    "STAY_IN_HOUSE_NAMES",
    "AnnualRate",
    "AttritionRate",
    "Currency",
    "DiscountRate",
    "Factor",
    "Fraction",
    "FractionBelowOne",
    "FxRate",
    "Headcount",
    "HoursOrZero",
    "HoursPerMonth",
    "Minutes",
    "MinutesOrZero",
    "Money",
    "Multiplier",
    "PositiveFraction",
    "Price",
    "SalaryAnnual",
    "ScenarioIsImmutableError",
    "SeasonalFactor",
    "Seconds",
    "Text",
    "Volume",
    "VolumeOrZero",
    "error_location",
    "point",
    "same_name_key",
    "set_root_section",
]

_ROOT: list[type[BaseModel]] = []
"""The schema's root section (:class:`bpo_roi.scenario.schema.Scenario`), for the paths an
in-place assignment error suggests; set once by :func:`set_root_section`."""


def set_root_section(root: type[BaseModel]) -> None:
    """Name the root section whose paths an in-place assignment error lists."""
    _ROOT[:] = [root]


_PERCENT = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*%\s*$")


def _parse_percent(value: Any, allowed: bool = True) -> Any:
    """Read ``"8%"`` as ``0.08`` where a percentage is allowed; leave every other value for
    pydantic to check."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match and not allowed:
            raise ValueError("a percentage is allowed only for rates and fractions; write the "
                             "number itself")
        if match:
            return float(match.group(1)) / 100.0
    if isinstance(value, bool):
        # YAML 1.1 habits (``NO``, ``yes``) must not slip into a number as 0 or 1.
        raise ValueError("a number is required, not a yes/no value")
    return value


class _Bounds:
    """Allowed range of a numeric field, used for numbers and distribution parameters alike.

    ``allowed``, the rule in words, is made from the bounds (:func:`interval_text`) with an
    optional ``hint``; it is never typed by hand.
    """

    def __init__(self, ge: float | None = None, le: float | None = None,
                 gt: float | None = None, lt: float | None = None, what: str = "a number",
                 hint: str = "") -> None:
        self.ge, self.le, self.gt, self.lt = ge, le, gt, lt
        self.allowed = interval_text(ge=ge, gt=gt, le=le, lt=lt, what=what) + (
            f" ({hint})" if hint else "")

    def check(self, x: float) -> None:
        if not math.isfinite(x):
            raise ValueError(f"must be a finite number ({self.allowed})")
        if (self.ge is not None and x < self.ge) or (self.gt is not None and x <= self.gt) or (
            self.le is not None and x > self.le) or (self.lt is not None and x >= self.lt):
            raise ValueError(f"must be {self.allowed}")


def _number(bounds: _Bounds, description: str = "", percent: bool = False) -> Any:
    """A numeric field type: a finite float within ``bounds``, or a distribution over it.

    ``percent``: the field is a rate or fraction, so ``"8%"`` may be written for ``0.08``.
    """

    def _validate(value: Any) -> Any:
        try:
            value = _parse_percent(value, percent)
        except ValueError as exc:
            raise ValueError(f"{exc} ({bounds.allowed})") from None
        if isinstance(value, Mapping) or isinstance(value, Distribution):
            dist = value if isinstance(value, Distribution) else Distribution.model_validate(
                dict(value))
            check_distribution(dist, bounds.check)
            return dist
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"must be a number ({bounds.allowed}); text is not allowed")\
                    from None
        if not isinstance(value, (int, float)):
            raise ValueError(f"must be a number ({bounds.allowed})")
        try:
            x = float(value)
        except OverflowError:  # an integer of hundreds of digits
            raise ValueError(f"is far too large: must be {bounds.allowed}") from None
        bounds.check(x)
        return x

    return Annotated[
        float | Distribution,
        BeforeValidator(_validate),
        Field(description=description or bounds.allowed, json_schema_extra={
            "allowed": bounds.allowed, "percent": percent,
            "bounds": {"ge": bounds.ge, "le": bounds.le, "gt": bounds.gt, "lt": bounds.lt}}),
    ]


Money = _number(_Bounds(ge=0.0, le=1e10, what="an amount"))
SalaryAnnual = _number(_Bounds(ge=0.0, le=1e8, what="an annual amount"))
Price = _number(_Bounds(gt=0.0, le=1e8, what="a price"))
Volume = _number(_Bounds(gt=0.0, le=1e9, what="transactions a month"))
VolumeOrZero = _number(_Bounds(ge=0.0, le=1e9, what="transactions a month"))
Minutes = _number(_Bounds(gt=0.0, le=10_000.0, what="minutes"))
MinutesOrZero = _number(_Bounds(ge=0.0, le=10_000.0, what="minutes"))
Seconds = _number(_Bounds(ge=0.0, le=86_400.0, what="seconds"))
Headcount = _number(_Bounds(ge=0.0, le=1e7, what="seats or FTE"))
HoursOrZero = _number(_Bounds(ge=0.0, le=1e9, what="hours"))
FxRate = _number(_Bounds(ge=1e-6, le=1e6, what="a rate"))
SeasonalFactor = _number(_Bounds(gt=0.0, le=12.0, what="a factor"))
Fraction = _number(_Bounds(ge=0.0, le=1.0, what="a fraction", hint='e.g. 0.3 or "30%"'),
                   percent=True)
FractionBelowOne = _number(_Bounds(ge=0.0, lt=1.0, what="a fraction"),
                           percent=True)
PositiveFraction = _number(_Bounds(gt=0.0, le=1.0, what="a fraction"),
                           percent=True)
AnnualRate = _number(_Bounds(ge=-0.5, le=1.0, what="an annual rate", hint='e.g. 0.03 or "3%"'),
                     percent=True)
DiscountRate = _number(_Bounds(ge=0.0, le=1.0, what="an annual rate", hint="e.g. 0.08"),
                       percent=True)
AttritionRate = _number(_Bounds(ge=0.0, le=3.0, what="an annual rate", hint="3 is 300 %"),
                        percent=True)
HoursPerMonth = _number(_Bounds(ge=1.0, le=744.0, what="hours per month"))
Multiplier = _number(_Bounds(ge=1.0, le=10.0, what="a multiplier"))
Factor = _number(_Bounds(gt=0.0, le=10.0, what="a factor"))

STAY_IN_HOUSE_NAMES = frozenset({"stay in-house", "stay in house", "in-house", "in house",
                                 "status quo"})
"""Offer names that would read as the "stay in-house" recommendation."""


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that reorder the text around them: a name with one prints differently from
what it is (``Vendor \u202egnp.exe`` prints as ``Vendor exe.png``)."""


def _clean_text(value: Any, *, multiline: bool) -> Any:
    """Strip surrounding spaces, NFC-normalise, refuse control characters; in names (one
    line) also invisible format characters (zero-width spaces and joiners, bidi controls),
    in notes the bidi controls."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value).strip()
    allowed = "\n\t" if multiline else ""
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in allowed:
            where = "" if multiline else " (names are one line)"
            raise ValueError(f"must not contain control characters{where}; found "
                             f"U+{ord(ch):04X} at character {i + 1}")
        if ch in _BIDI_CONTROLS or (category == "Cf" and not multiline):
            what = ("a bidirectional control, which makes text print in another order"
                    if ch in _BIDI_CONTROLS else "an invisible format character")
            raise ValueError(f"must not contain invisible or reordering characters; found "
                             f"U+{ord(ch):04X} ({what}) at character {i + 1}")
    return text


def same_name_key(name: str) -> str:
    """How two names are compared for uniqueness: compatibility-normalised (NFKC: full-width
    and other look-alike forms fold to one), without case.

    >>> same_name_key("Ｖｅｎｄｏｒ Ａ") == same_name_key("vendor a")
    True
    """
    return unicodedata.normalize("NFKC", name).casefold()


def _name(max_length: int) -> Any:
    return Annotated[str, BeforeValidator(lambda v: _clean_text(v, multiline=False)),
                     Field(min_length=1, max_length=max_length)]


Text = Annotated[str, BeforeValidator(lambda v: _clean_text(v, multiline=True)),
                 Field(max_length=5000), AfterValidator(lambda v: v if v.strip() else None)]
"""Free text (notes, a source); a blank one is no text at all (``None``), as an empty cell is."""

_CURRENCY_RULE = "a three-letter ISO 4217 code, e.g. USD, EUR, GBP"


def _currency(value: Any) -> str:
    """A currency code: three letters, read in capitals (``usd`` is ``USD``)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        return value.strip().upper()
    raise ValueError(f"must be {_CURRENCY_RULE} (usd is read as USD)")


Currency = Annotated[str, BeforeValidator(_currency), Field(description=_CURRENCY_RULE)]
"""An ISO 4217 currency code; written in lower case, it is read in capitals."""

_LOC = re.compile(r"^\[at ([^\]]+)\] ")


def _at(path: str, message: str) -> ValueError:
    """A cross-field error located at a field (relative to the model that raises it), so the
    file error can name that field and its line: ``_at("offers.0.fx_rate", "...")``."""
    return ValueError(f"[at {path}] {message}")


def error_location(message: str) -> tuple[tuple[str | int, ...], str]:
    """Split a message made by :func:`_at` into its relative location and its text."""
    match = _LOC.match(message)
    if not match:
        return (), message
    loc = tuple(int(p) if p.isdigit() else p for p in match.group(1).split("."))
    return loc, message[match.end():]




class ScenarioIsImmutableError(TypeError):
    """A scenario (or one of its sections) was assigned to in place."""


class _Section(BaseModel):
    """Base of every section: unknown keys rejected, NaN/inf rejected, values re-checked.

    Sections are immutable (lists are tuples too): a changed input is a new scenario, made by
    :meth:`Scenario.with_overrides`, so no result computed from the old one can be mistaken for
    the new one's.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):  # private state (the point-value memo) is the model's own
            super().__setattr__(name, value)
            return
        import typing

        # A section does not know where it sits, but its class does, from the schema: every
        # path at which the schema holds this class ("<i>" for a list index).
        def paths(model: type[BaseModel], prefix: str, seen: tuple[type, ...]) -> Any:
            for field, info in model.model_fields.items():
                stack = [(info.annotation, False)]
                while stack:
                    kind, listed = stack.pop()
                    if isinstance(kind, type) and issubclass(kind, _Section):
                        path = f"{prefix}{field}" + (".<i>" if listed else "")
                        if kind is type(self):
                            yield path
                        if kind not in seen:
                            yield from paths(kind, path + ".", (*seen, kind))
                    elif typing.get_origin(kind) is not None:
                        listed |= typing.get_origin(kind) in (list, tuple)
                        stack += [(arg, listed) for arg in typing.get_args(kind)]

        root = _ROOT[0]
        where = ([""] if type(self) is root else list(dict.fromkeys(paths(root, "", ()))))
        examples = " or ".join(f"s.with_overrides({{'{w + '.' if w else ''}{name}': "
                               f"{shown(value)}}})" for w in where[:3])
        if not examples:  # not reachable from a scenario: say what the path ends with
            examples = f"s.with_overrides({{'<path to the {type(self).__name__}>.{name}': ...}})"
        if len(where) > 3:
            examples += f" (or another of its {len(where)} places)"
        index = " (<i>: the 0-based index in the list)" if "<i>" in examples else ""
        raise ScenarioIsImmutableError(
            f"Scenario inputs cannot be changed in place ({type(self).__name__}.{name} = "
            f"{shown(value)}). Make a new scenario instead: {examples}{index}.")

    def __delattr__(self, name: str) -> None:
        raise ScenarioIsImmutableError(
            f"Scenario inputs cannot be deleted ({type(self).__name__}.{name}); use "
            f"scenario.with_overrides(...) to make a changed copy.")




def _check_bands(bounds: list[Any], field: str, key: str, noun: str) -> None:
    """Bands (tiers) end with an open one (``null``) and their upper bounds increase."""
    if bounds[-1] is not None:
        raise _at(f"{field}.{len(bounds) - 1}.{key}",
                  f"the last {noun} must have {key}: null (no upper bound)")
    for j, b in enumerate(bounds[:-1]):
        if b is None:
            raise _at(f"{field}.{j}.{key}", f"only the last {noun} may have {key}: null")
    points = [point(b) for b in bounds[:-1]]
    for j, (b1, b2) in enumerate(itertools.pairwise(points), start=1):
        if b2 <= b1:
            raise _at(f"{field}.{j}.{key}",
                      f"{noun} {key} bounds must increase (in order); got {points}")



