"""A run's portfolio summary: ``summary.csv`` and ``summary.html`` in ``--out``.

One row per scenario × offer (one per failed scenario), from the ``metrics.json`` documents of
this run and of the scenario folders earlier runs left in the same folder. ``summary.html``
closes with an audit trail: one row per scenario with what its run was given.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bpo_roi.reporting.files import SUMMARY_COLUMNS, SUMMARY_STABLE_COLUMNS

__all__ = ["METRICS_MAX_BYTES", "SUMMARY_FILES", "SUMMARY_HTML_MARK", "ScenarioOutcome",
           "check_summary_is_ours", "damage", "earlier_outcomes", "summary_html",
           "summary_rows", "write_summary"]

SUMMARY_FILES = ("summary.csv", "summary.html")
SUMMARY_HTML_MARK = '<meta name="generator" content="bpo-roi">'
"""In the head of every ``summary.html`` the kit writes: how it recognises its own page."""


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario as the summary shows it.

    Attributes
    ----------
    file : str
        The scenario file as given.
    ok : bool
        Whether its outputs were written.
    slug : str, optional
        Its folder's name in ``--out``.
    name : str, optional
        The scenario's name.
    metrics : dict, optional
        Its ``metrics.json`` document (when ``ok``).
    error : str, optional
        Why it failed, one line.
    this_run : bool
        False for a folder an earlier run wrote.
    """

    file: str
    ok: bool
    slug: str | None = None
    name: str | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    this_run: bool = True


def check_summary_is_ours(out: str | os.PathLike[str]) -> None:
    """Refuse to overwrite a ``summary.csv`` or ``summary.html`` the kit did not write.

    Raises
    ------
    FileExistsError
        When either exists and does not begin as the kit's own do.
    """
    from bpo_roi.reporting.files import foreign_file, not_written_by_kit

    # every kit version's header starts with these columns (later ones add columns)
    csv_header = ",".join(SUMMARY_COLUMNS[:SUMMARY_STABLE_COLUMNS])
    for name in SUMMARY_FILES:
        path = Path(out) / name
        looks_ours = ((lambda head: head.startswith(csv_header)) if name.endswith(".csv")
                      else (lambda head: SUMMARY_HTML_MARK in head))
        if foreign_file(path, looks_ours):
            raise FileExistsError(not_written_by_kit(path))


def summary_rows(outcomes: list[ScenarioOutcome]) -> list[dict[str, Any]]:
    """One row per scenario × offer (or one per failed scenario) for the portfolio summary."""
    rows: list[dict[str, Any]] = []
    for r in outcomes:
        if not r.ok or r.metrics is None:
            rows.append({"scenario": r.name or "", "file": r.file, "status": "failed",
                         "error": r.error or "unknown error"})
            continue
        run = r.metrics.get("run") or {}
        risk = (r.metrics.get("risk") or {}).get("offers", {})
        for offer, m in r.metrics["offers"].items():
            rows.append({
                "scenario": r.metrics["scenario"], "file": r.file, "status": "ok",
                "offer": offer, **{k: m.get(k) for k in SUMMARY_COLUMNS if k in m},
                "recommendation": r.metrics["recommendation"],
                "currency": r.metrics["currency"],
                "report": f"{r.slug}/report.html", "error": "",
                "p_best": risk.get(offer, {}).get("p_best"),
                "p_npv_positive": risk.get(offer, {}).get("p_npv_positive"),
                "flags": " | ".join(r.metrics.get("recommendation_flags", [])),
                "overrides": json.dumps(run.get("overrides") or {}, ensure_ascii=False),
                "trials": run.get("trials"), "seed": run.get("seed"),
                "file_sha256": run.get("sha256"), "run_at": run.get("at"),
                "version": run.get("version"),
                "this_run": "yes" if r.this_run else "no"})
    return rows


METRICS_MAX_BYTES = 16 * 1024 * 1024
"""Largest ``metrics.json`` of an earlier folder the summary reads (the kit's are a few KiB)."""


def damage(metrics: Any) -> str | None:
    """Why a ``metrics.json`` document cannot be summarised (one phrase), or None: the summary
    needs ``scenario``, ``currency`` and ``recommendation`` as text and ``offers`` as a
    non-empty mapping of offer name → mapping."""
    if not isinstance(metrics, dict):
        return "not a JSON object"
    for key in ("scenario", "currency", "recommendation"):
        if not isinstance(metrics.get(key), str):
            return f"no {key!r} text"
    offers = metrics.get("offers")
    if not isinstance(offers, dict) or not offers:
        return "no offers"
    if not all(isinstance(m, dict) for m in offers.values()):
        return "an offer that is not an object"
    for key in ("run", "risk"):
        if metrics.get(key) is not None and not isinstance(metrics[key], dict):
            return f"{key!r} is not an object"
    risk = (metrics.get("risk") or {}).get("offers", {})
    if not isinstance(risk, dict) or not all(isinstance(v, dict) for v in risk.values()):
        return "'risk' offers that are not objects"
    flags = metrics.get("recommendation_flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        return "'recommendation_flags' is not a list of texts"
    return None


def earlier_outcomes(out: str | os.PathLike[str], written: set[str]) -> list[ScenarioOutcome]:
    """The scenario folders in ``out`` that earlier runs wrote (kit marker, ``metrics.json``)
    and this run did not (``written``: this run's folder names), so the summary covers every
    scenario in the folder.

    A kit folder whose ``metrics.json`` is damaged (unreadable, not JSON, nested too deep, or
    without what the summary needs: :func:`damage`) never stops the summary: it is one failed
    row saying so. A folder without ``metrics.json`` is not a scenario folder and is skipped.
    """
    from bpo_roi.reporting.files import not_regular, written_by_kit

    found = []
    for folder in sorted(p for p in Path(out).iterdir() if not p.name.startswith(".")):
        if folder.name in written or not written_by_kit(folder):
            continue
        path = folder / "metrics.json"
        if not (path.exists() or path.is_symlink()):
            continue
        if (kind := not_regular(path)) is not None:
            problem: str | None = f"is {kind}"
        else:
            try:
                with path.open("rb") as fh:
                    raw = fh.read(METRICS_MAX_BYTES + 1)
                if len(raw) > METRICS_MAX_BYTES:
                    raise ValueError("larger than 16 MiB")
                metrics = json.loads(raw.decode("utf-8"))
                problem = damage(metrics)
            except (OSError, ValueError, RecursionError) as exc:
                problem = f"cannot be read ({type(exc).__name__})"
        if problem is not None:
            found.append(ScenarioOutcome(
                file="", ok=False, slug=folder.name, name=folder.name, this_run=False,
                error=f"{path}: damaged, {problem}; left as it is and not summarised"))
            continue
        file = str((metrics.get("run") or {}).get("file", ""))
        found.append(ScenarioOutcome(file=file, ok=True, slug=folder.name,
                                     name=metrics.get("scenario"), metrics=metrics,
                                     this_run=False))
    return found


_STYLE = """\
body { font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; margin: 32px;
       color: #1d2733; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #e5e9ef; padding: 6px 8px; text-align: left; }
tr.best td { background: #eaf4fb; font-weight: 600; }
tr.failed td { background: #fdecea; color: #8a1c1c; }
td.hash { font-family: monospace; font-size: .8em; overflow-wrap: anywhere; }
"""


def _offer_rows(rows: list[dict[str, Any]]) -> str:
    from bpo_roi.reporting.formatting import PRICING_LABELS, esc, money, month_text, pct

    def flag_note(row: dict[str, Any]) -> str:
        n = len([f for f in str(row.get("flags") or "").split(" | ") if f])
        return f" <span title='{esc(row['flags'])}'>⚑ {n}</span>" if n else ""

    body = []
    for row in rows:
        if row["status"] != "ok":
            body.append(f"<tr class='failed'><td>{esc(row['scenario'] or row['file'])}</td>"
                        f"<td colspan='7'>failed: {esc(row['error'])}</td></tr>")
            continue
        best = " class='best'" if row["offer"] == row["recommendation"] else ""
        body.append(
            f"<tr{best}><td>{esc(row['scenario'])}</td><td>{esc(row['offer'])}</td>"
            f"<td>{esc(PRICING_LABELS.get(row['pricing_model'], row['pricing_model']))}</td>"
            f"<td>{money(row['npv'], esc(row['currency']))}</td><td>{pct(row['roi'])}</td>"
            f"<td>{month_text(row['payback_month'])}</td><td>{esc(row['recommendation'])}"
            f"{flag_note(row)}{'' if row['this_run'] == 'yes' else ' (earlier run)'}</td>"
            f"<td><a href='{esc(row['report'])}'>report</a></td></tr>")
    return "".join(body)


def _audit_rows(rows: list[dict[str, Any]]) -> str:
    from bpo_roi.reporting.formatting import esc

    audit, seen = [], set()
    for row in rows:  # one row per scenario: every offer's row carries the same run fields
        if row["status"] != "ok" or row["report"] in seen:
            continue
        seen.add(row["report"])
        overrides = json.loads(row["overrides"] or "{}")
        changes = "; ".join(f"{k} = {v}" for k, v in overrides.items()) or "none"
        audit.append(
            f"<tr><td>{esc(row['scenario'])}</td><td>{esc(Path(str(row['file'])).name)}</td>"
            f"<td class='hash'>{esc(row['file_sha256'] or '—')}</td><td>{esc(changes)}</td>"
            f"<td>{esc(row['trials'] if row['trials'] is not None else '—')}</td>"
            f"<td>{esc(row['seed'] if row['seed'] is not None else '—')}</td>"
            f"<td>{esc(row['version'] or '—')}</td>"
            f"<td>{esc(str(row['run_at'] or '—').replace('T', ' '))}</td></tr>")
    return "".join(audit)


def summary_html(outcomes: list[ScenarioOutcome], *, interrupted: bool = False) -> str:
    """The ``summary.html`` page: the offers of every scenario (recommended ones highlighted,
    failures listed) and the audit trail; every user text escaped."""
    rows = summary_rows(outcomes)
    mine = [r for r in outcomes if r.this_run]
    ok = sum(r.ok for r in mine)
    earlier = len(outcomes) - len(mine)
    more = f"; {earlier} more from earlier runs in this folder" if earlier else ""
    status = ("<strong>This run was interrupted: the scenarios marked failed did not "
              "finish.</strong> ") if interrupted else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{SUMMARY_HTML_MARK}
<title>bpo-roi portfolio summary</title>
<style>
{_STYLE}</style></head><body>
<h1>Portfolio summary</h1>
<p>{status}{ok} of {len(mine)} scenarios of this run ran{more}; recommended offers are
highlighted, and ⚑ counts the flags of a recommendation (hover to read them).</p>
<table><tr><th>Scenario</th><th>Offer</th><th>Pricing</th><th>NPV</th><th>ROI</th>
<th>Payback</th><th>Recommendation</th><th></th></tr>
{_offer_rows(rows)}
</table>
<h2>Audit trail</h2>
<p>What each scenario's run was given: the scenario file and the SHA-256 of its bytes, the
overrides, the Monte Carlo trials and seed, the bpo-roi version and when it ran (UTC).</p>
<table><tr><th>Scenario</th><th>File</th><th>SHA-256</th><th>Overrides</th><th>Trials</th>
<th>Seed</th><th>Version</th><th>Run at (UTC)</th></tr>
{_audit_rows(rows)}
</table></body></html>
"""


def write_summary(outcomes: list[ScenarioOutcome], out: str | os.PathLike[str], *,
                  interrupted: bool = False) -> None:
    """Write ``summary.csv`` (:func:`bpo_roi.reporting.files.write_summary_csv`) and
    ``summary.html`` (:func:`summary_html`) into ``out``, each atomically."""
    from bpo_roi.reporting.files import atomic_write_text, write_summary_csv

    out = Path(out)
    write_summary_csv(summary_rows(outcomes), out / "summary.csv")
    atomic_write_text(out / "summary.html", summary_html(outcomes, interrupted=interrupted))
