"""The site itself: home page, language switch, health check (above every domain)."""

from exam_app.site import views

bp = views.bp
cli = None
VIEW_MODULES = (views,)
TEMPLATE_GLOBALS: dict[str, object] = {}

__all__ = ["TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
