"""Study material: the company regulations behind the question bank, by chapter and clause."""

from exam_app.study import views
from exam_app.study.links import clause_url

bp = views.bp
cli = None
VIEW_MODULES = (views,)
TEMPLATE_GLOBALS: dict[str, object] = {"clause_url": clause_url}

__all__ = ["TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
