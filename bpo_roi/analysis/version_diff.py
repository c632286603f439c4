"""What changed between two versions of a business case, and what each change did to NPV.

:func:`diff` lists every input that differs between an old and a new scenario and attributes
each offer's NPV change to those inputs.

**Inputs.** Both scenarios are walked field by field. A number, or a distribution (compared by
its parameters; the NPV uses its point value), is one input. So is any other value (a pricing
model, ramp months, a currency), a section present in one version only, and a list whose length
changed (tiers, seasonality): a *structural* input, applied as a whole. Names, notes and sources
are text, not inputs. Offers are matched by name: an offer in one version only is reported as
added or removed, with its NPV, and takes no part in the bridge.

**Attribution.** Let ``v(S)`` be an offer's NPV with the changes in ``S`` applied to the old
scenario and every other input at its old value; ``v(∅)`` is the old NPV and ``v(N)`` the new
one. The default, **Shapley values**, gives input ``i``

    φ_i = Σ_{S ⊆ N \\ {i}}  |S|! (k − |S| − 1)! / k!  ·  (v(S ∪ {i}) − v(S)),

its marginal effect averaged over every order of applying the ``k`` changes: the effects add
up exactly to ``v(N) − v(∅)``, an input that moves nothing gets 0, and the order in which the
changes are listed does not matter. All ``2^k`` coalitions are evaluated as one batched model
run over the trials axis (numeric inputs take their old or new value per trial; structural ones
are applied by building the few scenarios they need). Above 16 changed inputs they are
grouped by section (the scenario, workload, in-house, and each offer) and the bridge says so.

**Bounded work.** The exact sum needs ``2^k`` coalitions: fine for the ``k ≤``
:data:`MAX_EXACT_PLAYERS` (12) inputs or groups, 8 million for 23. Above the bound the Shapley
values are *sampled*: :data:`SAMPLED_PERMUTATIONS` (256) orders of the ``k`` players are drawn
with a fixed seed (:data:`SAMPLING_SEED`; 128 random orders, each with its reverse), and each
player's effect is the mean of its marginal effect ``v(S ∪ {i}) − v(S)`` over them, ``S`` the
players before it. Each order's marginal effects telescope to ``v(N) − v(∅)``, so their mean
does too: the effects still add up exactly to the NPV change, and a player that moves nothing
still gets 0; only the split between the inputs is an estimate (the same on every run). It
costs at most ``256 · (k − 1) + 2`` coalitions. ``ScenarioDiff.permutations`` says how many
orders were sampled (0: exact).

``method="sequential"`` applies the changes one after another in the new file's order, as a
hand-made variance bridge does (its result depends on that order).

**Order.** The changes are listed, and applied by ``"sequential"``, in the order they appear
in the new file: pass its line numbers as ``new_lines`` (what
:func:`bpo_roi.scenario.reading.line_numbers` gives for its text; ``bpo-roi diff`` does). A
change with no line of its own (a field the new file leaves at its default) takes the line of
the nearest key above it. Without ``new_lines``, as when two ``Scenario`` objects are compared
from Python, the order is the schema's: the scenario, workload, in-house and offers sections,
each field in the order the template lists it, offers in the old file's order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from bpo_roi._validation import invalid_parameter
from bpo_roi.analysis.business_case import recommend
from bpo_roi.model.flows import cash_flows, offer_npv
from bpo_roi.scenario.distributions import Distribution, point
from bpo_roi.scenario.schema import Scenario
from bpo_roi.staffing.queue_sizing import EXACT_LIMIT

__all__ = ["MAX_EXACT_INPUTS", "MAX_EXACT_PLAYERS", "METHODS", "SAMPLED_PERMUTATIONS",
           "SAMPLING_SEED", "Change", "ScenarioDiff", "changed_inputs", "diff"]

METHODS = ("shapley", "sequential")
MAX_EXACT_INPUTS = 16
"""Most changed inputs attributed one by one; above it, inputs are grouped by section."""
MAX_EXACT_PLAYERS = 12
"""Most inputs (or groups) whose Shapley values are exact (``2^12`` coalitions); above it they
are sampled over :data:`SAMPLED_PERMUTATIONS` orders."""
SAMPLED_PERMUTATIONS = 256
"""Orders of the changes averaged above :data:`MAX_EXACT_PLAYERS` (128 random, each with its
reverse)."""
SAMPLING_SEED = 0
"""Seed of the sampled orders: the same diff gives the same bridge on every run."""
_DECISION_SECTIONS = frozenset({"criteria", "cases"})
"""The scorecard and the named cases: they move no NPV, so they are not inputs of the bridge."""
_TEXT_FIELDS = frozenset({"name", "notes", "source"})
_CHUNK = 4096


@dataclass(frozen=True)
class Change:
    """One input that differs: its dotted path (0-based offer index of the *old* file), a
    readable label, old and new value, and whether it is numeric or structural."""

    path: str
    label: str
    old: Any
    new: Any
    structural: bool
    section: str


@dataclass
class ScenarioDiff:
    """Result of :func:`diff`.

    ``changes``: one row per changed input (``input``, ``label``, ``old``, ``new``, ``kind``).
    ``effects``: one row per offer × changed input (``offer``, ``input``, ``label``, ``old``,
    ``new``, ``npv_effect``), effects of an offer summing to ``npv_new − npv_old``.
    ``npv``: per common offer, ``npv_old``, ``npv_new`` and ``npv_change``.
    """

    method: str
    changes: pd.DataFrame
    effects: pd.DataFrame
    npv: pd.DataFrame
    recommendation_old: str
    recommendation_new: str
    offers_added: list[str] = field(default_factory=list)
    offers_removed: list[str] = field(default_factory=list)
    added_npv: dict[str, float] = field(default_factory=dict)
    removed_npv: dict[str, float] = field(default_factory=dict)
    grouped: bool = False
    currency: str = ""
    permutations: int = 0
    """Orders of the changes sampled for the Shapley values (0: exact over every coalition)."""

    @property
    def sampled(self) -> bool:
        """True when the Shapley values were sampled (see the module docstring)."""
        return self.permutations > 0

    @property
    def recommendation_changed(self) -> bool:
        return self.recommendation_old != self.recommendation_new

    def headline(self) -> str:
        """The recommendations first, in one sentence."""
        if self.recommendation_changed:
            return (f"The recommendation changed: {self.recommendation_old!r} (old) → "
                    f"{self.recommendation_new!r} (new).")
        return f"The recommendation is unchanged: {self.recommendation_new!r}."


# -- walking two scenarios --------------------------------------------------------------------


def _label(path: str, scenario: Scenario) -> str:
    parts = path.split(".")
    words: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part == "offers" and i + 1 < len(parts) and parts[i + 1].isdigit():
            k = int(parts[i + 1])
            words.append(f"offer {k + 1} ({scenario.offers[k].name})")
            i += 2
            continue
        if part.isdigit():
            words[-1] = f"{words[-1]} {int(part) + 1}"
        else:
            words.append({"in_house": "in-house", "scenario": "scenario"}.get(
                part, part.replace("_", " ")))
        i += 1
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def _section(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[:2]) if parts[0] == "offers" else parts[0]


def _is_number(value: Any) -> bool:
    return isinstance(value, float | Distribution) and not isinstance(value, bool)


def _walk(old: Any, new: Any, path: str, out: list[tuple[str, Any, Any, bool]]) -> None:
    """Append ``(path, old, new, structural)`` for every differing leaf."""
    if old == new:
        return
    if _is_number(old) and _is_number(new):
        out.append((path, old, new, False))
    elif isinstance(old, BaseModel) and isinstance(new, BaseModel) and type(old) is type(new) \
            and not isinstance(old, Distribution):
        for name in type(old).model_fields:
            if name in _TEXT_FIELDS or (not path and name in _DECISION_SECTIONS):
                continue
            _walk(getattr(old, name), getattr(new, name), f"{path}.{name}" if path else name,
                  out)
    elif isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(a, b, f"{path}.{i}", out)
    else:
        out.append((path, old, new, True))


def changed_inputs(old: Scenario, new: Scenario,
                   new_lines: Mapping[tuple[Any, ...], int] | None = None) -> list[Change]:
    """Every input that differs between two versions with the same offers (what :func:`diff`
    lists, without the NPV attribution), in the new file's order when ``new_lines`` is given,
    else in the schema's (see the module docstring)."""
    raw: list[tuple[str, Any, Any, bool]] = []
    _walk(old, new, "", raw)
    changes = [Change(p, _label(p, old), a, b, s, _section(p)) for p, a, b, s in raw]
    return _in_file_order(changes, old, new, new_lines)


def _in_file_order(changes: list[Change], old: Scenario, new: Scenario,
                   new_lines: Mapping[tuple[Any, ...], int] | None) -> list[Change]:
    """``changes`` sorted by their line in the new file (stable: ties and changes with no line
    keep the schema's order). Paths index ``old``'s offers; the new file's keys index its own,
    those of ``new`` (the whole new version), matched by name."""
    if not new_lines:
        return changes
    position = {o.name: j for j, o in enumerate(new.offers)}

    def line(change: Change) -> float:
        parts: list[Any] = [int(x) if x.isdigit() else x for x in change.path.split(".")]
        if parts[0] == "offers" and len(parts) > 1:
            parts[1] = position.get(old.offers[parts[1]].name, parts[1])
        for n in range(len(parts), 0, -1):
            found = new_lines.get(tuple(parts[:n]))
            if found is not None:
                return found
        return math.inf

    return sorted(changes, key=line)


def _align(old: Scenario, new: Scenario) -> tuple[Scenario, Scenario, list[str], list[str]]:
    """Both scenarios restricted to the offers they share, in the old file's order."""
    old_names = [o.name for o in old.offers]
    new_by_name = {o.name: o for o in new.offers}
    common = [n for n in old_names if n in new_by_name]
    removed = [n for n in old_names if n not in new_by_name]
    added = [o.name for o in new.offers if o.name not in set(old_names)]
    if not common:
        return old, new, added, removed
    old_common = old.model_copy(update={"offers": tuple(o for o in old.offers
                                                        if o.name in new_by_name)})
    new_common = new.model_copy(update={"offers": tuple(new_by_name[n] for n in common)})
    return old_common, new_common, added, removed


def _renumbered(path: str, aligned: Scenario, original: Scenario) -> str:
    """``offers.<k>.…`` of the aligned (shared offers only) scenario as the same offer's index
    in the original old file."""
    parts = path.split(".")
    if len(parts) > 1 and parts[0] == "offers" and parts[1].isdigit():
        name = aligned.offers[int(parts[1])].name
        parts[1] = str(next(i for i, o in enumerate(original.offers) if o.name == name))
    return ".".join(parts)


def _replace(node: Any, parts: Sequence[str], value: Any) -> Any:
    """A copy of ``node`` with the value at ``parts`` replaced (no validation: both values
    come from validated scenarios)."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(node, tuple):
        k = int(head)
        return (*node[:k], _replace(node[k], rest, value), *node[k + 1:])
    return node.model_copy(update={head: _replace(getattr(node, head), rest, value)})


# -- evaluating coalitions --------------------------------------------------------------------


def _coalition_npvs(old: Scenario, players: Sequence[Sequence[Change]], masks: np.ndarray,
                    batchable: frozenset[str]) -> np.ndarray:
    """NPV of every common offer (rows) for each coalition mask (columns).

    Bit ``p`` of a mask applies every change of player ``p``. Players whose changes are all
    numbers the model reads through its input reader are applied per trial, in batched runs;
    the others by building one scenario per combination of them.
    """
    numeric = [p for p, cs in enumerate(players)
               if all(not c.structural and c.path in batchable for c in cs)]
    other = [p for p in range(len(players)) if p not in set(numeric)]
    out = np.empty((len(old.offers), masks.size))
    other_bits = np.zeros(masks.size, dtype=np.int64)
    for p in other:
        other_bits |= masks & (1 << p)
    for combo in np.unique(other_bits):
        columns = np.nonzero(other_bits == combo)[0]
        scenario = old
        for p in other:
            if combo & (1 << p):
                for c in players[p]:
                    scenario = _replace(scenario, c.path.split("."), c.new)
        chunk = _chunk_size(scenario)
        for start in range(0, columns.size, chunk):
            cols = columns[start:start + chunk]
            samples = {}
            for p in numeric:
                on = (masks[cols] & (1 << p)) != 0
                for c in players[p]:
                    samples[c.path] = np.where(on, float(point(c.new)), float(point(c.old)))
            flows = cash_flows(scenario, samples or None)
            for row, offer in enumerate(flows.offers):
                out[row, cols] = np.broadcast_to(offer_npv(flows, offer), (cols.size,))
    return out


def _chunk_size(scenario: Scenario) -> int:
    """Trials per batched run: small enough that queue staffing is sized exactly."""
    q = scenario.workload.queue
    if q is None:
        return _CHUNK
    intervals = round(float(point(q.hours_open_per_day)) * 60 / q.interval_minutes)
    per_trial = (scenario.scenario.horizon_months + 1) * max(intervals, 1)
    return max(1, min(_CHUNK, EXACT_LIMIT // per_trial))


def _shapley(values: np.ndarray, k: int) -> np.ndarray:
    """Exact Shapley values from ``values[..., mask]`` over all ``2^k`` coalitions."""
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
                        if s < k else 0.0 for s in sizes])
    phi = np.empty((*values.shape[:-1], k))
    for i in range(k):
        without = masks[(masks & (1 << i)) == 0]
        marginal = values[..., without | (1 << i)] - values[..., without]
        phi[..., i] = marginal @ weights[without]
    return phi


def _orders(k: int, n: int = SAMPLED_PERMUTATIONS, seed: int = SAMPLING_SEED) -> np.ndarray:
    """``n`` orders of ``k`` players, shape ``(n, k)``: ``n // 2`` drawn with ``seed``, each
    followed by its reverse (antithetic pairs: lower variance for the same work)."""
    rng = np.random.default_rng(seed)
    half = np.array([rng.permutation(k) for _ in range(n // 2)], dtype=np.int64)
    return np.stack([half, half[:, ::-1]], axis=1).reshape(-1, k)


def _sampled_shapley(old: Scenario, players: Sequence[Sequence[Change]],
                     batchable: frozenset[str]) -> tuple[np.ndarray, int]:
    """Shapley values averaged over sampled orders (see the module docstring): each order's
    marginal effects, ``v`` of its prefixes differenced, add up to ``v(N) − v(∅)``."""
    k = len(players)
    orders = _orders(k)
    prefixes = np.zeros((orders.shape[0], k + 1), dtype=np.int64)
    prefixes[:, 1:] = np.cumsum(np.left_shift(np.int64(1), orders), axis=1)
    masks, where = np.unique(prefixes, return_inverse=True)
    values = _coalition_npvs(old, players, masks, batchable)  # (offers, coalitions)
    marginal = np.diff(values[:, where.reshape(prefixes.shape)], axis=2)  # (offers, n, k)
    phi = np.zeros((values.shape[0], k))
    for j in range(k):
        np.add.at(phi, (slice(None), orders[:, j]), marginal[:, :, j])
    return phi / orders.shape[0], orders.shape[0]


# -- the diff -----------------------------------------------------------------------------------


def diff(old_scenario: Scenario, new_scenario: Scenario, method: str = "shapley",
         new_lines: Mapping[tuple[Any, ...], int] | None = None) -> ScenarioDiff:
    """What changed between two versions of a scenario, and each change's effect on NPV.

    Parameters
    ----------
    old_scenario, new_scenario : Scenario
    method : {"shapley", "sequential"}
        Shapley values (default; independent of the order of the changes) or a sequential
        bridge, applying the changes in the order they appear in the new file. Shapley values
        are exact for up to :data:`MAX_EXACT_PLAYERS` (12) changed inputs or groups; above
        that they are the mean over :data:`SAMPLED_PERMUTATIONS` (256) orders drawn with the
        fixed seed :data:`SAMPLING_SEED`, and ``permutations`` of the result says so. Either
        way each offer's effects add up exactly to its NPV change.
    new_lines : mapping, optional
        The new file's line of every key and list item, by path, as
        :func:`bpo_roi.scenario.reading.line_numbers` gives it. It sets the order the changes
        are listed and applied in; without it, the schema's order (see the module docstring).

    Examples
    --------
    >>> import bpo_roi
    >>> old = bpo_roi.load_scenario("assumptions/it_helpdesk.yaml")
    >>> new = old.with_overrides({"in_house.salary_annual": 36_000,
    ...                           "workload.monthly_volume": 9_000})
    >>> d = bpo_roi.diff(old, new)
    >>> list(d.changes["input"])
    ['workload.monthly_volume', 'in_house.salary_annual']
    >>> bool(abs(d.effects.groupby("offer", sort=False).npv_effect.sum()
    ...          - d.npv.npv_change).max() < 1e-6)
    True
    """
    if method not in METHODS:
        raise invalid_parameter("method", "diff", f"one of {', '.join(METHODS)}", method)
    old, new, added, removed = _align(old_scenario, new_scenario)
    raw: list[tuple[str, Any, Any, bool]] = []
    _walk(old, new, "", raw)
    # computed on the shared offers; shown by each offer's place in the old file
    shown = {p: _renumbered(p, old, old_scenario) for p, *_ in raw}
    changes = _in_file_order([Change(p, _label(shown[p], old_scenario), a, b, s, _section(p))
                              for p, a, b, s in raw], old, new_scenario, new_lines)
    names = [o.name for o in old.offers] if set(o.name for o in old.offers) & set(
        o.name for o in new.offers) else []
    base_old = recommend_of(old_scenario)
    base_new = recommend_of(new_scenario)
    old_npv = _npvs(old_scenario)
    new_npv = _npvs(new_scenario)
    grouped = len(changes) > MAX_EXACT_INPUTS
    players = _players(changes, grouped, old)
    k = len(players)
    rows: list[dict[str, Any]] = []
    permutations = 0
    if names and k:
        batchable = cash_flows(old).inputs_read | cash_flows(new).inputs_read
        groups = [[changes[j] for j in members] for _, members in players]
        if method == "shapley" and k > MAX_EXACT_PLAYERS:
            effects, permutations = _sampled_shapley(old, groups, batchable)
        elif method == "shapley":
            masks = np.arange(1 << k, dtype=np.int64)
            values = _coalition_npvs(old, groups, masks, batchable)
            effects = _shapley(values, k)
        else:  # apply the changes one after another, in the new file's order
            masks = np.array([(1 << j) - 1 for j in range(k + 1)], dtype=np.int64)
            values = _coalition_npvs(old, groups, masks, batchable)
            effects = np.diff(values, axis=1)
        for row, name in enumerate(names):
            for j, (label, members) in enumerate(players):
                first = changes[members[0]]
                rows.append({
                    "offer": name,
                    "input": shown[first.path] if len(members) == 1 else first.section,
                    "label": first.label if len(members) == 1 else label,
                    "old": _value(first.old) if len(members) == 1 else f"{len(members)} inputs",
                    "new": _value(first.new) if len(members) == 1 else "",
                    "npv_effect": float(effects[row, j]),
                })
    effects_table = pd.DataFrame(rows, columns=["offer", "input", "label", "old", "new",
                                                "npv_effect"])
    npv_table = pd.DataFrame(
        {"npv_old": [old_npv[n] for n in names], "npv_new": [new_npv[n] for n in names]},
        index=pd.Index(names, name="offer"))
    npv_table["npv_change"] = npv_table.npv_new - npv_table.npv_old
    changes_table = pd.DataFrame(
        [{"input": shown[c.path], "label": c.label, "old": _value(c.old), "new": _value(c.new),
          "kind": "structural" if c.structural else "number"} for c in changes],
        columns=["input", "label", "old", "new", "kind"])
    return ScenarioDiff(
        method=method, changes=changes_table, effects=effects_table, npv=npv_table,
        recommendation_old=base_old, recommendation_new=base_new, offers_added=added,
        offers_removed=removed, added_npv={n: new_npv[n] for n in added},
        removed_npv={n: old_npv[n] for n in removed}, grouped=grouped,
        currency=new_scenario.scenario.currency, permutations=permutations)


def recommend_of(scenario: Scenario) -> str:
    """The point recommendation of a scenario (as :func:`evaluate` gives it)."""
    table = pd.DataFrame({"npv": list(_npvs(scenario).values())},
                         index=[o.name for o in scenario.offers])
    return recommend(table)


def _npvs(scenario: Scenario) -> dict[str, float]:
    flows = cash_flows(scenario)
    return {f.name: float(offer_npv(flows, f)[0]) for f in flows.offers}


def _players(changes: Sequence[Change], grouped: bool, old: Scenario
             ) -> list[tuple[str, list[int]]]:
    """Each change is a player, or, above :data:`MAX_EXACT_INPUTS`, each section's changes."""
    if not grouped:
        return [(c.label, [j]) for j, c in enumerate(changes)]
    sections: dict[str, list[int]] = {}
    for j, c in enumerate(changes):
        sections.setdefault(c.section, []).append(j)
    return [(f"{_label(s, old)} ({len(m)} inputs, grouped)", m) for s, m in sections.items()]


def _value(value: Any) -> Any:
    """A number stays a number (machine-readable in ``diff.csv``); anything else is described."""
    if isinstance(value, float) and not isinstance(value, bool):
        return value
    return _shown(value)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Distribution):
        return value.describe()
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, BaseModel):
        model = getattr(value, "model", None)
        return f"{type(value).__name__}{f' ({model})' if model else ''}"
    if isinstance(value, tuple):
        return f"{len(value)} items"
    return str(value)
