"""Sensitivity: which assumption moves the answer, and by how much.

* :func:`tornado` moves each numeric driver to a low and a high value, one at a time, and
  records the offer's NPV at each end, sorted by the width of the swing. Low/high are
  ``value × (1 ∓ swing)`` (kept inside the field's allowed range), or the P10/P90 of the
  assumption's distribution where it has one.
* :func:`grid` is a two-way table of NPV over two drivers (e.g. monthly volume × unit price).

Both run the model **once**: every variant is a "trial" of the vectorised engine (a tornado
over 70 drivers is one model run over 140 trials).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bpo_roi._validation import interval_text, invalid_parameter, shown
from bpo_roi.scenario.distributions import Distribution, quantile
from bpo_roi.scenario.labels import input_label
from bpo_roi.scenario.schema import Scenario, point

__all__ = ["GRID_CHUNK", "MAX_GRID_AXIS", "grid", "tornado"]


def _offer_for(scenario: Scenario, offer: int | str | None) -> int:
    """Index of the offer to analyse: given, or the one with the highest NPV."""
    if offer is not None:
        return scenario.offer_index(offer, "tornado")
    from bpo_roi.model.flows import cash_flows, offer_summary_arrays

    flows = cash_flows(scenario)
    npvs = [float(offer_summary_arrays(flows, f)["npv"][0]) for f in flows.offers]
    return int(np.argmax(npvs))


def _check_path(scenario: Scenario, path: Any, parameter: str, function: str) -> str:
    paths = scenario.numeric_paths()
    if isinstance(path, str) and path in paths:
        return path
    hint = difflib.get_close_matches(str(path), paths, n=1)
    did = f" Did you mean {hint[0]!r}?" if hint else ""
    raise invalid_parameter(parameter, function, "the dotted path of a numeric assumption of "
                            "this scenario, such as 'workload.monthly_volume'", path, note=did)


def _clip_to_field(scenario: Scenario, path: str, value: float) -> float:
    b = scenario.field_bounds(path)
    lo = b["ge"] if b["ge"] is not None else b["gt"]
    hi = b["le"] if b["le"] is not None else b["lt"]
    if lo is not None:
        value = max(value, lo + (1e-9 if b["gt"] is not None else 0.0))
    if hi is not None:
        value = min(value, hi - (1e-9 if b["lt"] is not None else 0.0))
    return value


def _npv_of(scenario: Scenario, k: int, samples: dict[str, np.ndarray]) -> np.ndarray:
    from bpo_roi.model.flows import cash_flows, offer_npv

    flows = cash_flows(scenario, samples, offers=[k])
    n = max((np.size(v) for v in samples.values()), default=1)
    return np.broadcast_to(offer_npv(flows, flows.offers[0]), (n,))


def tornado(scenario: Scenario, offer: int | str | None = None, swing: float = 0.2,
            paths: Sequence[str] | None = None) -> pd.DataFrame:
    """NPV of one offer with each driver at its low and its high value, widest swing first.

    Parameters
    ----------
    scenario : Scenario
    offer : int or str, optional
        Offer index or name; by default the offer with the highest NPV.
    swing : float
        Relative move for drivers without a distribution (0.2 = ±20 %), between 0 and 1.
    paths : list of str, optional
        Drivers to move (default: every numeric assumption the offer's model reads whose low
        and high differ and that moves the NPV; inputs pinned by calibration and other
        offers' inputs are left out).

    Returns
    -------
    DataFrame
        Columns ``driver``, ``label`` (the driver's name for a person), ``base_value``,
        ``low_value``, ``high_value``, ``npv_low``, ``npv_high``, ``npv_range``, ``basis``
        ("±20 %" or "P10/P90"); ``attrs["base_npv"]`` and ``attrs["offer"]`` say what it is
        about.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> t = bpo_roi.tornado(s, swing=0.1)
    >>> bool(t.npv_range.is_monotonic_decreasing)
    True
    """
    if isinstance(swing, bool) or not isinstance(swing, (int, float)) or not 0 < swing < 1:
        raise invalid_parameter("swing", "tornado", interval_text(gt=0, lt=1, what="a fraction")
                                + " (0.2 = ±20 %)", swing)
    k = _offer_for(scenario, offer)
    if paths is None:
        from bpo_roi.model.flows import cash_flows

        # only what this offer's model reads: not another offer's inputs, not an input that
        # calibration pins (in_house.occupancy), not the termination fees (exit analysis only)
        read = cash_flows(scenario, offers=[k]).inputs_read
        candidates = [p for p in scenario.numeric_paths() if p in read]
    else:
        candidates = [_check_path(scenario, p, "paths", "tornado") for p in paths]
    drivers: list[tuple[str, float, float, float, str]] = []
    for path in candidates:
        if path.endswith(".fx_rate") and paths is None:
            offer_ = scenario.get(path.rsplit(".", 1)[0])
            if (offer_.currency or scenario.scenario.currency) == scenario.scenario.currency:
                continue  # priced in the scenario currency: there is no exchange rate to move
        raw = scenario.get(path)
        base = float(point(raw))
        if isinstance(raw, Distribution):
            low, high, basis = quantile(raw, 0.10), quantile(raw, 0.90), "P10/P90"
        else:
            low = _clip_to_field(scenario, path, base * (1 - swing))
            high = _clip_to_field(scenario, path, base * (1 + swing))
            basis = f"±{swing * 100:g} %"
        if high - low > 1e-12 * max(1.0, abs(base)):
            drivers.append((path, base, low, high, basis))
    if not drivers:
        raise ValueError("tornado found no driver to move: every numeric assumption is zero "
                         "or pinned at its allowed limit")
    n = 2 * len(drivers)
    samples = {}
    for i, (path, base, low, high, _) in enumerate(drivers):
        column = np.full(n, base)
        column[2 * i], column[2 * i + 1] = low, high
        samples[path] = column
    npv = _npv_of(scenario, k, samples)
    base_npv = float(_npv_of(scenario, k, {})[0])
    table = pd.DataFrame({
        "driver": [d[0] for d in drivers],
        "base_value": [d[1] for d in drivers],
        "low_value": [d[2] for d in drivers],
        "high_value": [d[3] for d in drivers],
        "npv_low": npv[0::2],
        "npv_high": npv[1::2],
        "basis": [d[4] for d in drivers],
    })
    table["npv_range"] = (table.npv_high - table.npv_low).abs()
    if paths is None:
        # a driver that moves nothing (pinned by calibration, or a minimum that binds at both
        # ends) is not a driver: it is left out rather than ranked last
        moves = np.maximum((table.npv_low - base_npv).abs(), (table.npv_high - base_npv).abs())
        table = table[moves > 1e-9 * max(1.0, abs(base_npv))]
    names = [o.name for o in scenario.offers]
    table.insert(1, "label", [input_label(d, names) for d in table.driver])
    table = table.sort_values("npv_range", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs.update(base_npv=base_npv, offer=scenario.offers[k].name, swing=swing)
    return table


GRID_CHUNK = 4096
"""Grid cells evaluated in one batched model run."""
MAX_GRID_AXIS = 100_000
"""Most values along one axis of a grid."""


def _grid_values(scenario: Scenario, path: str, values: Any, parameter: str) -> np.ndarray:
    try:
        items = list(values)
    except TypeError:
        items = None
    if not items or len(items) > MAX_GRID_AXIS:
        raise invalid_parameter(parameter, "grid", f"a list of 1 to {MAX_GRID_AXIS:,} numbers",
                                values, got="no list" if items is None
                                else f"{len(items):,} values")
    return np.array([scenario.check_value(path, v, parameter, "grid") for v in items])


def grid(scenario: Scenario, x: str, x_values: Sequence[float], y: str,
         y_values: Sequence[float], offer: int | str | None = None) -> pd.DataFrame:
    """Two-way NPV table: rows ``y_values`` of assumption ``y``, columns ``x_values`` of ``x``.

    Examples
    --------
    >>> import bpo_roi
    >>> s = bpo_roi.load_scenario("assumptions/ap_invoice_processing.yaml")
    >>> g = bpo_roi.grid(s, "workload.monthly_volume", [30_000, 45_000, 60_000],
    ...                  "offers.1.pricing.rate_per_hour", [15.0, 19.0, 25.0], offer=1)
    >>> g.shape
    (3, 3)
    >>> bool((g.diff(axis=0).dropna() < 0).all().all())   # dearer hours, lower NPV
    True
    """
    x = _check_path(scenario, x, "x", "grid")
    y = _check_path(scenario, y, "y", "grid")
    if x == y:
        raise invalid_parameter("y", "grid", "an assumption other than x's", y,
                                got=f"{shown(y)}, the same as x,")
    xs = _grid_values(scenario, x, x_values, "x_values")
    ys = _grid_values(scenario, y, y_values, "y_values")
    k = scenario.offer_index(offer, "grid")
    # Row blocks of at most GRID_CHUNK cells: memory stays bounded whatever the grid's size
    rows_per_block = max(1, GRID_CHUNK // xs.size)
    npv = np.empty((ys.size, xs.size))
    for start in range(0, ys.size, rows_per_block):
        block = ys[start:start + rows_per_block]
        xx, yy = np.meshgrid(xs, block)
        npv[start:start + block.size] = _npv_of(
            scenario, k, {x: xx.ravel(), y: yy.ravel()}).reshape(yy.shape)
    table = pd.DataFrame(npv, index=pd.Index(ys, name=y), columns=pd.Index(xs, name=x))
    names = [o.name for o in scenario.offers]
    table.attrs.update(offer=scenario.offers[k].name, x_label=input_label(x, names),
                       y_label=input_label(y, names))
    return table
