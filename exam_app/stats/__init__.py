"""Cohort statistics and item analysis (issue 15): reads every other domain, imported by none.

Sheets (``sheets.py``) are written when an attempt is graded (``exams.events.attempt_graded``);
the ``stats.refresh`` job folds them into each exam's tally and figures (``refresh.py``), so a
page reads figures that are already computed and says when.
"""

from exam_app.stats import cohort_views, item_views, jobs, labels, pooling, sheets, views
from exam_app.stats.cli import cli

bp = views.bp
VIEW_MODULES = (views, item_views, cohort_views)
TEMPLATE_GLOBALS: dict[str, object] = {"stats_flag_text": labels.flag_text}
SUBSCRIBERS = (sheets.on_attempt_graded,)

__all__ = ["ITEM_FLAGS", "JOBS", "SUBSCRIBERS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]

#: Scheduled jobs this domain registers (``core.jobs``).
JOBS = tuple(j for j in jobs.jobs.registered() if j.name.startswith("stats."))
#: what the bank's pages show of an item's statistics (``bank.item_flags``)
ITEM_FLAGS = (pooling.bank_flags,)
