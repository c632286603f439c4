"""Reporting layer: what people and scripts read. The edge where plotly, widgets, nbconvert and
files live, each imported only by the module that needs it.

:mod:`~bpo_roi.reporting.formatting` (money, rates, months and labels: the leaf every other
module here uses), :mod:`~bpo_roi.reporting.charts` (plotly figures),
:mod:`~bpo_roi.reporting.html_report` (report fragments and notebook → HTML),
:mod:`~bpo_roi.reporting.workbook` (``results.xlsx``), :mod:`~bpo_roi.reporting.files`
(``monthly.csv``, ``metrics.json``, ``summary.csv``, atomic writes, slugs),
:mod:`~bpo_roi.reporting.case` (a scenario's business case computed once, and its run record),
:mod:`~bpo_roi.reporting.summary` (a run's portfolio summary) and
:mod:`~bpo_roi.reporting.explorer` (the JupyterLab widget).

May import: :mod:`bpo_roi.analysis`, :mod:`bpo_roi.model`, :mod:`bpo_roi.scenario`,
:mod:`bpo_roi.staffing`; plotly, ipywidgets, anywidget, nbconvert, XlsxWriter. Importing this
package imports none of them: import the module you need.
"""
