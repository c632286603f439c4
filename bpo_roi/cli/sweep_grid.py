"""``bpo-roi sweep``'s grid: ``--grid PATH=V1,V2,...`` options parsed, and every path and
value checked against every scenario before any work starts (each problem one line)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["COMBINATIONS_TRIED", "GridError", "check_grid", "parse_grid"]

_OFFER_NUMBER = re.compile(r"^offers\[\s*(\d+)\s*\](\..+)?$")


class GridError(ValueError):
    """A ``--grid`` the sweep cannot take (the message is one line)."""


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` options → ``{PATH: [values]}``, values read as YAML scalars.

    A path names an offer by position (``offers[2]``, counted from 1 as in the kit's error
    messages), by name (``offers[Offshore per call]``) or by 0-based index (``offers.1``).

    >>> parse_grid(["workload.monthly_volume=80000,100000", "offers[1].pricing.rate=3.5"])
    {'workload.monthly_volume': [80000, 100000], 'offers[1].pricing.rate': [3.5]}

    Raises
    ------
    GridError
        For a missing ``=``, an empty path or value, a path given twice, or a value that is
        not a number or a word.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    grid: dict[str, list[Any]] = {}
    for spec in specs:
        # an offer's name may hold '=': split after its closing bracket
        start = spec.find("]") + 1 if spec.lstrip().startswith("offers[") else 0
        cut = spec.find("=", start)
        path, raw = (spec[:cut].strip(), spec[cut + 1:]) if cut >= 0 else (spec.strip(), None)
        if raw is None or not path:
            raise GridError(f"--grid {spec!r}: expected PATH=V1,V2,..., e.g. --grid "
                            f"workload.monthly_volume=80000,100000")
        if path in grid:
            raise GridError(f"--grid {path}: given twice; give all its values in one --grid")
        values = []
        for item in raw.split(","):
            text = item.strip()
            if not text:
                raise GridError(f"--grid {spec!r}: an empty value; separate values with single "
                                f"commas, e.g. {path}=1,2,3")
            try:
                value = YAML(typ="safe", pure=True).load(text)
            except YAMLError:
                value = text
            if isinstance(value, (dict, list)) or value is None:
                raise GridError(f"--grid {path}: {text!r} is not a number or a word")
            values.append(value)
        grid[path] = values
    return grid


def _resolve(scenario: Any, path: str, file: str) -> str:
    """``offers[N]`` (1-based, when no offer is named ``N``) → ``offers.N-1``; else ``path``."""
    from bpo_roi.scenario.problems import UnknownPathError

    match = _OFFER_NUMBER.match(path)
    if match is None:
        return path
    names = {o.name.strip().casefold() for o in scenario.offers}
    if match.group(1) in names:
        return path
    n = int(match.group(1))
    if not 1 <= n <= len(scenario.offers):
        raise UnknownPathError(file, [f"{file}: {path}: unknown path; offers are numbered 1 to "
                                      f"{len(scenario.offers)} "
                                      f"({[o.name for o in scenario.offers]})"])
    return f"offers.{n - 1}{match.group(2) or ''}"


COMBINATIONS_TRIED = 64
"""A value the scenario rejects on its own is tried with up to this many combinations of the
other grid values before it is called bad (a cross-field rule may need a partner value)."""


def check_grid(scenarios: Sequence[tuple[str, Any]], grid: dict[str, list[Any]]
               ) -> dict[str, dict[str, str]]:
    """Check every path and every value of ``grid`` against every scenario.

    A path must exist in every scenario. A value is bad when the scenario rejects it with the
    other inputs at the file's values and in every one of the first :data:`COMBINATIONS_TRIED`
    combinations with the other grid values (so ``hours_open_per_day=6`` passes when the grid
    also has the ``interval_minutes`` that makes it valid; the variants that still break a rule
    become rows with their error).

    Returns, per file, the grid path as given → the path :meth:`Scenario.with_overrides` takes.

    Raises
    ------
    GridError
        The first unknown path or bad value, in one line naming the file, the path, the value
        and what is allowed.
    """
    from itertools import islice, product

    from bpo_roi.scenario.problems import AssumptionsError, UnknownPathError

    resolved: dict[str, dict[str, str]] = {}
    for file, scenario in scenarios:
        paths = {}
        for path in grid:
            try:
                paths[path] = _resolve(scenario, path, file)
            except UnknownPathError as exc:
                raise GridError(f"--grid {path}: {exc.problems[0]}") from None
        for path, values in grid.items():
            others = [p for p in grid if p != path]
            for value in values:
                try:
                    scenario.with_overrides({paths[path]: value}, source=file)
                    continue
                except UnknownPathError as exc:
                    raise GridError(f"--grid {path}: {exc.problems[0]}") from None
                except AssumptionsError as exc:
                    problem = f"--grid {path}={value}: {exc.problems[0]}"
                for combination in islice(product(*(grid[p] for p in others)),
                                          COMBINATIONS_TRIED):
                    overrides = {paths[p]: v for p, v in zip(others, combination, strict=True)}
                    try:
                        scenario.with_overrides({**overrides, paths[path]: value})
                        break
                    except AssumptionsError:
                        continue
                else:
                    raise GridError(problem)
        resolved[file] = paths
    return resolved
