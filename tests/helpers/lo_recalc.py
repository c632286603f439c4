"""Recalculate a workbook in LibreOffice (hard recalculation) and print named values as JSON.

Run with the system Python that has LibreOffice's ``uno`` module (not the project's venv):
``python3 lo_recalc.py BOOK.xlsx NAME=VALUE ... -- NAME NAME ...``. Each ``NAME=VALUE`` sets
the cell a workbook name refers to before recalculating; each plain NAME after ``--`` is read
back (number, or text when the cell holds text).

``python3 lo_recalc.py --batch < jobs.json`` recalculates many books in one LibreOffice: each
job is ``{"book": path, "set": {name: value}, "names": [name, ...], "ranges": ["Monthly!A1:B9",
...]}``; it prints one JSON list, each item ``{"names": {...}, "ranges": {range: rows}}``.
``--serve`` does the same for one job a line, answering each with a line, until stdin closes.

A job with ``"keep_open": true`` (``--batch`` or ``--serve``) does not reload its book: it works
on the document the previous job left open when that job named the same book and kept it open
too (loading it otherwise), and leaves it open. What earlier jobs set stays set; a sequence of
jobs that each set every name any of them changes (Monte Carlo trials) needs no restoring. The
document closes when a job names another book or does not keep it open, and at exit.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(argv):
    book, rest = argv[0], argv[1:]
    split = rest.index("--") if "--" in rest else len(rest)
    sets = [a.split("=", 1) for a in rest[:split]]
    names = rest[split + 1:]
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"bpo_roi_{uuid.uuid4().hex[:10]}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         f"-env:UserInstallation=file://{profile}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(120):
            try:
                ctx = resolver.resolve(
                    f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        if ctx is None:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)
        kept = {}  # the document a keep_open job left open: {"url": ..., "doc": ...}
        try:
            if book == "--serve":  # one job a line on stdin, one result a line on stdout
                for line in sys.stdin:
                    print(json.dumps(_job(desktop, json.loads(line), kept)), flush=True)
            elif book == "--batch":
                jobs = json.load(sys.stdin)
                print(json.dumps([_job(desktop, job, kept) for job in jobs]))
            else:
                job = _job(desktop, {"book": book, "set": {k: float(v) for k, v in sets},
                                    "names": names}, kept)
                print(json.dumps(job["names"]))
        finally:
            _close_kept(kept)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        office.terminate()
        try:
            office.wait(timeout=20)
        except Exception:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _close_kept(kept):
    doc = kept.pop("doc", None)
    kept.pop("url", None)
    if doc is not None:
        doc.close(True)


def _job(desktop, job, kept):
    url = uno.systemPathToFileUrl(os.path.abspath(job["book"]))
    keep = bool(job.get("keep_open"))
    if keep and kept.get("url") == url:
        doc = kept["doc"]
    else:
        _close_kept(kept)
        doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        if keep:
            kept.update(url=url, doc=doc)
    try:
        ranges = doc.NamedRanges
        for name, value in job.get("set", {}).items():
            cell = ranges.getByName(name).getReferredCells().getCellByPosition(0, 0)
            if isinstance(value, str):
                cell.setString(value)
            else:
                cell.setValue(float(value))
        doc.calculateAll()
        out = {}
        for name in job.get("names", []):
            cell = ranges.getByName(name).getReferredCells().getCellByPosition(0, 0)
            formula_result = cell.getString()
            if cell.getError():  # #N/A, #VALUE!: the error's text, never a number
                out[name] = formula_result or f"#ERROR {cell.getError()}"
                continue
            try:
                out[name] = cell.getValue() if cell.getType().value != "TEXT" and \
                    formula_result not in ("", "never") else formula_result
            except Exception:
                out[name] = formula_result
        got = {}
        for address in job.get("ranges", []):
            sheet, cells = address.split("!")
            area = doc.Sheets.getByName(sheet).getCellRangeByName(cells)
            got[address] = [list(row) for row in area.getDataArray()]
        return {"names": out, "ranges": got}
    finally:
        if not keep:
            doc.close(True)


if __name__ == "__main__":
    main(sys.argv[1:])
