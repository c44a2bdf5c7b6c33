"""Accounts: users, roles, org units, sign-in."""

from exam_app.accounts import admin_views as _admin_views  # noqa: F401  (registers routes on bp)
from exam_app.accounts.views import bp

__all__ = ["bp"]
