"""Exams: definitions (组卷规则), attempts, grading, practice and answer-key corrections."""

from exam_app.exams import jobs, manage_views, regrade_views, views
from exam_app.exams.cli import cli
from exam_app.exams.models import (
    ATTEMPT_STATUS_LABELS,
    EXAM_STATUS_LABELS,
    MODE_LABELS,
    REVIEW_LABELS,
)

bp = views.bp
VIEW_MODULES = (views, manage_views, regrade_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "MODE_LABELS": MODE_LABELS,
    "EXAM_STATUS_LABELS": EXAM_STATUS_LABELS,
    "ATTEMPT_STATUS_LABELS": ATTEMPT_STATUS_LABELS,
    "REVIEW_LABELS": REVIEW_LABELS,
}

#: Scheduled jobs this domain registers (``core.jobs``): the sweeper.
JOBS = (jobs.SWEEP,)

__all__ = ["JOBS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
