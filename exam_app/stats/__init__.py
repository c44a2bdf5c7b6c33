"""Cohort statistics and item analysis (issue 15): reads every other domain, imported by none.

Sheets (``sheets.py``) are written when an attempt is graded (``exams.events.attempt_graded``);
the ``stats.refresh`` job folds them into each exam's tally and figures (``refresh.py``), so a
page reads figures that are already computed and says when.
"""

from exam_app.stats import sheets, views

bp = views.bp
cli = None
VIEW_MODULES = (views,)
TEMPLATE_GLOBALS: dict[str, object] = {}
SUBSCRIBERS = (sheets.on_attempt_graded,)

__all__ = ["SUBSCRIBERS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
