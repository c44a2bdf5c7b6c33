"""Question bank: items and their versions, categories, importers, authoring and review."""

from exam_app.bank import category_views, editor_views, views
from exam_app.bank.cli import cli
from exam_app.bank.models import EXPOSURE_LABELS, LEVEL_LABELS, STATUS_LABELS, TYPE_LABELS

bp = views.bp
VIEW_MODULES = (views, editor_views, category_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "EXPOSURE_LABELS": EXPOSURE_LABELS,
    "LEVEL_LABELS": LEVEL_LABELS,
    "STATUS_LABELS": STATUS_LABELS,
    "TYPE_LABELS": TYPE_LABELS,
}

__all__ = ["TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
