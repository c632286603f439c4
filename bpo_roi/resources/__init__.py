"""Files the kit ships beside its code, found the same way from a wheel and from a clone.

The business-case and explorer notebooks (``notebooks/``), the report template and the blank
scenario (``templates/``) and the example scenarios (``assumptions/``) live once, at the top of
the repository. The build maps those folders into the wheel as ``bpo_roi/resources/<folder>``
(``pyproject.toml``: ``package-dir``, ``package-data``), so nothing is kept twice:

- installed from a wheel, :func:`resource_path` finds them with :mod:`importlib.resources`;
- in a clone or an editable install, it finds the top-level folders of the repository.

>>> resource_path("notebooks", "business_case.ipynb").name
'business_case.ipynb'
>>> notebook_path("business_case").suffix
'.ipynb'
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from bpo_roi._validation import invalid_parameter

__all__ = ["NOTEBOOKS", "ResourceNotFoundError", "notebook_path", "resource_path"]

NOTEBOOKS = ("business_case", "compare_versions", "explorer", "tracking")
"""Notebooks the kit ships, by name: every ``notebooks/*.ipynb`` (a test keeps this true)."""

_FOLDERS = ("notebooks", "templates", "assumptions")
_CLONE_ROOT = Path(__file__).resolve().parents[2]


class ResourceNotFoundError(FileNotFoundError):
    """A file the kit ships is missing from this installation."""


def resource_path(folder: str, *parts: str) -> Path:
    """Path of a shipped file or folder: ``resource_path("templates", "assumptions.yaml")``.

    Raises
    ------
    ResourceNotFoundError
        When neither the installed package nor a source checkout holds it.
    """
    if folder not in _FOLDERS:
        raise invalid_parameter("folder", "resource_path", f"one of {', '.join(_FOLDERS)}",
                                folder)
    installed = files(__name__).joinpath(folder, *parts)
    if isinstance(installed, Path) and installed.exists():
        return installed
    clone = _CLONE_ROOT.joinpath(folder, *parts)
    if clone.exists():
        return clone
    raise ResourceNotFoundError(
        f"{'/'.join((folder, *parts))}: not found in this bpo-roi installation (looked in "
        f"{installed} and {clone}); reinstall bpo-roi (pip install --force-reinstall bpo-roi)")


def notebook_path(name: str) -> Path:
    """Path of a shipped notebook by name (one of :data:`NOTEBOOKS`, e.g. ``"explorer"``)."""
    stem = name.removesuffix(".ipynb")
    if stem not in NOTEBOOKS:
        raise invalid_parameter("name", "notebook_path", f"one of {', '.join(NOTEBOOKS)}",
                                name)
    return resource_path("notebooks", f"{stem}.ipynb")
