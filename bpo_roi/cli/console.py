"""What the command line prints: exit statuses and the headline table of a ``metrics.json``.

A leaf module of the command-line layer: the commands and the runner both use it.
"""

from __future__ import annotations

import sys
from typing import Any

from bpo_roi.reporting.formatting import is_missing, month_text, pct

__all__ = ["DIFF_LABEL_WIDTH", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "diff_table",
           "error_line", "headline_table"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def error_line(message: str) -> None:
    """One line of a command's errors, on standard error."""
    print(message, file=sys.stderr)
"""0 success; 1 a scenario failed while running; 2 bad input (an invalid file, a bad option)."""


def _fmt_money(x: Any, currency: str = "") -> str:
    if x is None:
        return "—"
    return f"{x:,.0f} {currency}".strip()


def headline_table(metrics: dict[str, Any]) -> str:
    """Readable headline figures from a ``metrics.json`` document: months and rates as the
    report writes them (:mod:`bpo_roi.reporting.formatting`); NPV in full, not in millions."""
    cur = metrics["currency"]
    rows = [("offer", "model", f"NPV ({cur})", "payback", "MIRR/yr", "ROI", "savings",
             f"cost/txn in-house → out ({cur})")]
    for name, m in metrics["offers"].items():
        unit = (f"{m['cost_per_transaction_in_house']:.2f} → "
                f"{m['cost_per_transaction_outsourced']:.2f}"
                if m["cost_per_transaction_in_house"] is not None else "—")
        rows.append((name, m["pricing_model"], _fmt_money(m["npv"]),
                     month_text(m["payback_month"]), pct(m.get("mirr_annual")),
                     pct(m["roi"]), pct(m["savings_pct"]), unit))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = (f"{metrics['scenario']} — {metrics['horizon_months']} months, discount "
             f"{metrics['discount_rate_annual'] * 100:.1f} %/yr")
    from bpo_roi.analysis.advice import flags_to_show

    flags = [f"  ! {f}" for f in flags_to_show(metrics.get("recommendation_flags", []),
                                               bool(metrics.get("close_call")))]
    confidence = metrics.get("recommendation_confidence")
    headline = metrics.get("recommendation_headline")
    return "\n".join([title, *lines, f"Recommendation: {metrics['recommendation']}",
                      *([f"  {headline}"] if headline else []),
                      *([f"  {confidence}"] if confidence else []), *flags])


DIFF_LABEL_WIDTH = 72
"""Widest label column of the diff table; longer labels wrap, and a change that does not fit
on one line shows its old and new values in full on the lines below its label."""


def diff_table(d: Any, old_file: str, new_file: str) -> str:
    """The recommendation of each version first, then each offer's NPV bridge as text.

    Nothing is cut: a label longer than :data:`DIFF_LABEL_WIDTH` wraps, and a change whose
    ``label: old → new`` does not fit shows ``old:`` and ``new:`` on lines of their own.
    """
    import textwrap

    cur = d.currency
    permutations = getattr(d, "permutations", 0)
    sampled = (f", sampled over {permutations} orders of the changes (fixed seed; the effects "
               f"still add up exactly)" if permutations else "")
    lines = [d.headline(), f"Old: {old_file}   New: {new_file}   "
             f"(attribution: {d.method}{', grouped by section' if d.grouped else ''}{sampled})"]
    lines += [f"Offer added: {n} (NPV {_fmt_money(d.added_npv.get(n), cur)})"
              for n in d.offers_added]
    lines += [f"Offer removed: {n} (NPV was {_fmt_money(d.removed_npv.get(n), cur)})"
              for n in d.offers_removed]
    if d.changes.empty:
        lines.append("No input differs between the two versions.")
        return "\n".join(lines)
    for offer, npv in d.npv.iterrows():
        # (label, lines under it, amount)
        rows: list[tuple[str, list[str], str]] = [
            ("NPV, old version", [], _fmt_money(npv.npv_old, cur))]
        for r in d.effects[d.effects.offer == offer].itertuples():
            old, new = _value_text(r.old), _value_text(r.new)
            inline = f"{r.label}: {old} → {new}"
            if r.new == "":  # a group of inputs: its label says how many
                rows.append((r.label, [], _signed(r.npv_effect, cur)))
            elif len(inline) <= DIFF_LABEL_WIDTH:
                rows.append((inline, [], _signed(r.npv_effect, cur)))
            else:
                rows.append((r.label, [f"old: {old}", f"new: {new}"],
                             _signed(r.npv_effect, cur)))
        rows.append(("NPV, new version", [], _fmt_money(npv.npv_new, cur)))
        width = min(max(len(label) for label, _, _ in rows), DIFF_LABEL_WIDTH)
        lines.append("")
        lines.append(f"{offer}")
        for label, below, amount in rows:
            head, *rest = textwrap.wrap(label, width) or [""]
            lines.append(f"  {head.ljust(width)}  {amount.rjust(18)}")
            lines += [f"    {part}" for part in rest]
            for detail in below:
                lines += [f"    {part}" for part in textwrap.wrap(
                    detail, width, subsequent_indent="     ")]
    return "\n".join(lines)


def _signed(x: Any, currency: str) -> str:
    return "—" if is_missing(x) else f"{x:+,.0f} {currency}"


def _value_text(x: Any) -> str:
    return f"{x:,.6g}" if isinstance(x, float) else str(x)
