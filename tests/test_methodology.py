"""The methodology cannot drift from the engine: its worked examples run here.

`docs/methodology.md` states each worked example twice: once by hand, as plain arithmetic on the
scenario's inputs (no `bpo_roi` involved), and once as the kit's own output. Both live in
```python blocks written as doctests, so the figures printed in the document are the expected
outputs: a rule change that moves a figure fails here until the document says what the code now
does. Each section's blocks run in order in one namespace, from the repository root.

Every computed figure the prose states (money with a thousands separator and decimals, like an
NPV to the cent, or a percentage with decimals, like an ROI) must also be printed by one of its
section's blocks, so a headline sentence cannot keep an old figure either.
"""

from __future__ import annotations

import doctest
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "methodology.md"
FENCE = re.compile(r"```(\w*)\n(.*?)```", flags=re.DOTALL)
# computed figures: money with a thousands separator and decimals (4,944,478.67, 18,723.2) and
# percentages with decimals (61.5 %)
FIGURE = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+\.\d+|(?<![\w.,])\d+\.\d+ %")


def _sections() -> dict[str, str]:
    """Text of each numbered section (``## 4. …`` with its ``###`` subsections), by heading."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^(## .+)$", text, flags=re.MULTILINE)
    return {heading: body for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def _python_blocks(body: str) -> list[str]:
    return [code for lang, code in FENCE.findall(body) if lang == "python"]


SECTIONS = {h: b for h, b in _sections().items() if _python_blocks(b)}


def test_the_worked_examples_are_there():
    # the sections whose worked examples state figures of the shipped scenarios
    numbers = {h.split()[1] for h in SECTIONS}
    assert {"2.", "4.", "5.", "5a.", "6.", "7.", "8."} <= numbers, sorted(SECTIONS)


@pytest.mark.parametrize("heading", sorted(SECTIONS))
def test_worked_examples_run_and_match(heading, monkeypatch):
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    namespace: dict[str, object] = {"__name__": "__methodology__"}
    report: list[str] = []
    text = DOC.read_text(encoding="utf-8")
    for number, block in enumerate(_python_blocks(SECTIONS[heading]), start=1):
        line = text[:text.index(block)].count("\n")  # 0-based line of the block's first line
        test = parser.get_doctest(block, namespace, f"{heading}, block {number}", str(DOC), line)
        runner.run(test, out=report.append, clear_globs=False)
        namespace = test.globs  # the next block goes on where this one stopped
    assert runner.failures == 0, "".join(report)
    assert runner.tries > 0


@pytest.mark.parametrize("heading", sorted(_sections()))
def test_every_computed_figure_in_the_prose_is_printed_by_a_worked_example(heading):
    body = _sections()[heading]
    prose = FENCE.sub("", body)
    printed = " ".join(example.want for block in _python_blocks(body)
                       for example in doctest.DocTestParser().get_examples(block))
    unchecked = sorted({f for f in FIGURE.findall(prose) if f not in printed})
    assert unchecked == [], f"{heading}: figures in the prose that no worked example prints"


def test_the_figure_check_sees_a_stale_figure():
    body = ("Accounts payable: NPV 4,910,745.60 EUR.\n\n```python\n>>> print('4,944,478.67')\n"
            "4,944,478.67\n```\n")
    prose = FENCE.sub("", body)
    printed = " ".join(e.want for b in _python_blocks(body)
                       for e in doctest.DocTestParser().get_examples(b))
    assert [f for f in FIGURE.findall(prose) if f not in printed] == ["4,910,745.60"]


def test_the_seed_rule_in_section_8_is_the_codes():
    # §8 states each uncertain input's stream as SeedSequence(seed, spawn_key=(key,)) with key
    # the first 8 bytes of blake2b(path), little-endian: the same in every process (Python's
    # hash() of a string is salted per process and would not reproduce a run)
    from bpo_roi.analysis.monte_carlo import _stream

    text = DOC.read_text(encoding="utf-8")
    assert "hash(path)" not in text
    assert "blake2b" in text
    path = "workload.monthly_volume"
    key = int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "little")
    expected = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(key,))).random(5)
    assert np.array_equal(_stream(7, path).random(5), expected)
