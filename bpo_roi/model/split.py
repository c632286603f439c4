"""A sourcing split: the work shared between in-house and several offers at once.

A split gives offer ``k`` a share ``s_k`` of the whole volume (``Σ s_k ≤ 1``; the rest,
``h = 1 − Σ s_k``, stays in-house once every wave is live). An offer's own waves (``scope``)
cover ``S_k = Σ_w s_w`` of the work (1 without a scope), so ``s_k ≤ S_k``, and they carry
``s_k / S_k`` of theirs: offer ``k``'s vendor share in month ``t`` is
``(s_k / S_k) × σ_k,t`` (``σ_k,t``: its waves' share, :func:`bpo_roi.model.scope.vendor_share`),
and ``s_k = S_k`` is the offer as the scenario gives it. Months ``t = 0..H``, end-of-month
flows, month 0 without operations::

    kept_t        = 1 − Σ_k (s_k / S_k) × σ_k,t                (months 1..H)
    outsourced_t  = Σ_{k: s_k > 0} C_k,t(s_k)                  (each offer on its own share)
                    + R_t(kept_t)                              (one retained team)
                    + S_t(g*)                                  (stranded costs, once)
    g*            = min over offers with s_k > 0 of their first go-live month

``C_k,t(s_k)``: every component of offer ``k`` evaluated on its share alone — its fee with
its own minimums and tiers on its own volume, ramp, contract clauses, rework, governance
(per vendor), parallel run and severance on the work it takes, and its one-time search,
transition and exit costs in full (a vendor's project costs do not shrink with its share).
``R_t(kept)``: the in-house cost of the kept volume worked by a team sized for it, with the
kept share of the fixed costs outsourcing can remove. ``S_t(g)``: the stranded costs from the
first go-live ``g`` (:func:`bpo_roi.model.scope.stranded_cost`). A split of every share to
nothing is the status quo (outsourced = in-house, NPV 0).

The split's NPV is not the sum of its offers' separately evaluated NPVs: a retained team
sized by Erlang C / A for a part of the calls is less efficient than the whole team (the
economies of scale of a queue), each evaluated alone would count the stranded costs and the
retained team again, and an offer's one-time costs are the same at any share. A split of an
offer's whole scope (100 % for an offer without a ``scope``) is exactly that offer's
evaluation.

Each offer's NPV contribution (``allocation.csv``) hands the in-house cost of the work it
takes over to it, so that the contributions add up to the split's NPV exactly (``PV``: the
present value at the scenario's discount rate, ``I_t``: the in-house cost)::

    contribution_k        = PV((s_k / S_k) × σ_k,t × I_t) − PV(C_k,t(s_k))
    contribution_in_house = PV(kept_t × I_t) − PV(R_t(kept_t)) − PV(S_t(g*))

Excel: a split is not a column of the live workbook; its parts are the offers' own columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["IN_HOUSE", "scaled_waves", "scope_share", "split_label", "wave_scale"]

IN_HOUSE = "in-house"
"""The name of the in-house option in a split (``allocation.csv``, ``shares``)."""


def scaled_waves(waves: Sequence[tuple[int, float]], share: float
                 ) -> list[tuple[int, float]]:
    """An offer's waves carrying ``share`` of theirs: ``(g_w, s × s_w)`` (unchanged at 1).

    >>> scaled_waves([(1, 0.4), (7, 0.6)], 0.5)
    [(1, 0.2), (7, 0.3)]
    """
    if share == 1.0:
        return list(waves)
    return [(g, share * w) for g, w in waves]


def scope_share(waves: Sequence[tuple[int, float]]) -> float:
    """``S_k``: the share of the work an offer's waves cover once all are live.

    >>> scope_share([(1, 0.4), (7, 0.4)])
    0.8
    """
    return float(sum(w for _, w in waves))


def wave_scale(waves: Sequence[tuple[int, float]], share: float) -> float:
    """``s_k / S_k``: how much of its waves an offer carries for a share of the whole work
    (exactly 1 at its scope).

    >>> wave_scale([(1, 0.4), (7, 0.4)], 0.4), wave_scale([(1, 1.0)], 0.3)
    (0.5, 0.3)
    """
    return share / scope_share(waves)


def split_label(shares: Mapping[str, float]) -> str:
    """The split's name as a report shows it: each option's share in whole per cent (to a
    tenth where needed), offers first, in-house last.

    >>> split_label({"Vendor A": 0.5, "Vendor B": 0.3})
    'Split: Vendor A 50 %, Vendor B 30 %, in-house 20 %'
    >>> split_label({"Vendor A": 1.0})
    'Split: Vendor A 100 %'
    """
    parts = [(name, s) for name, s in shares.items() if s > 0 and name != IN_HOUSE]
    kept = 1.0 - sum(s for _, s in parts)
    if kept > 1e-12:
        parts.append((IN_HOUSE, kept))
    return "Split: " + ", ".join(f"{name} {_percent(s)} %" for name, s in parts)


def _percent(share: float) -> str:
    value = round(100.0 * share, 1)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
