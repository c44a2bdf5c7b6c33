"""Exams: definitions (组卷规则), attempts, grading, practice and answer-key corrections."""

from exam_app.exams import manage_views, regrade_views, views
from exam_app.exams.cli import cli
from exam_app.exams.models import ATTEMPT_STATUS_LABELS, EXAM_STATUS_LABELS, MODE_LABELS

bp = views.bp
VIEW_MODULES = (views, manage_views, regrade_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "MODE_LABELS": MODE_LABELS,
    "EXAM_STATUS_LABELS": EXAM_STATUS_LABELS,
    "ATTEMPT_STATUS_LABELS": ATTEMPT_STATUS_LABELS,
}

__all__ = ["TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
