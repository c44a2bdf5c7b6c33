"""Question bank: items and their versions, categories, importers, authoring and review."""

from exam_app.bank import category_views as _category_views  # noqa: F401  (registers routes)
from exam_app.bank import editor_views as _editor_views  # noqa: F401  (registers routes)
from exam_app.bank.views import bp

__all__ = ["bp"]
