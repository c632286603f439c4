"""Kept so that scripts written against bpo-roi 0.1 keep working: the financial metrics now live
in :mod:`bpo_roi.model.metrics`, which this module re-exports unchanged."""

from bpo_roi.model.metrics import *  # noqa: F403
from bpo_roi.model.metrics import __all__  # noqa: F401
