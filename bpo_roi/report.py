"""Kept so that scripts written against bpo-roi 0.1 keep working: the executive report now lives
in :mod:`bpo_roi.reporting.html_report`, which this module re-exports unchanged."""

from bpo_roi.reporting.html_report import *  # noqa: F403
from bpo_roi.reporting.html_report import __all__  # noqa: F401
