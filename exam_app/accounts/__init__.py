"""Accounts: users, roles, org units, sign-in, the roster."""

from exam_app.accounts import admin_views, views
from exam_app.accounts.cli import cli
from exam_app.accounts.models import ORG_KIND_LABELS, ROLE_LABELS
from exam_app.accounts.permissions import can

bp = views.bp
VIEW_MODULES = (views, admin_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "can": can,
    "ROLE_LABELS": ROLE_LABELS,
    "ORG_KIND_LABELS": ORG_KIND_LABELS,
}

__all__ = ["TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
