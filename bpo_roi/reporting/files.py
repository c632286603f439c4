"""Writing results: atomic files, the ``monthly.csv`` / ``metrics.json`` contract, safe slugs.

Every file is written to a temporary name in its destination folder and renamed into place
when complete, so a reader never sees half a file and a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_path", "atomic_write_text", "slugify", "write_metrics_json",
           "write_monthly_csv"]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give the result the usual permissions (umask applied)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _open_text(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8", newline="")


def write_monthly_csv(monthly: Any, target: str | os.PathLike[str]) -> None:
    """Write the long monthly table as CSV (full float precision) atomically."""
    with atomic_path(target) as tmp, _open_text(tmp) as fh:
        monthly.to_csv(fh, index=False)


def write_metrics_json(metrics: dict[str, Any], target: str | os.PathLike[str]) -> None:
    """Write the ``metrics.json`` document atomically (NaN is never written: ``null``)."""
    atomic_write_text(target, json.dumps(metrics, indent=2, ensure_ascii=False,
                                         allow_nan=False) + "\n")


def slugify(name: str, max_length: int = 80) -> str:
    """A filesystem-safe folder name for a scenario: lowercase ASCII, digits and dashes.

    It can never be empty, ``.``/``..``, or contain a path separator.

    >>> slugify("Accounts Payable — EU / UK")
    'accounts-payable-eu-uk'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("ÉTÉ ✓")
    'ete'
    >>> slugify("✓✓")
    'scenario'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_length].strip("-")
    return slug or "scenario"
