"""Language and time zone: Chinese first, English second; UTC stored, Asia/Shanghai shown."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import has_request_context, request, session
from flask_login import current_user

LOCALES = {"zh_CN": "中文", "en": "English"}
#: Where the operators are; stored times are UTC and shown here (config BABEL_DEFAULT_TIMEZONE).
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time as operators read it, for messages built outside templates."""
    return value.astimezone(DISPLAY_TZ).strftime(fmt) if value else ""


def select_locale() -> str:
    """The user's saved choice, else this browser's choice, else Chinese.

    The browser's Accept-Language is deliberately not consulted: operators' PCs often run an
    English Windows, and the product's working language is Chinese.
    """
    if not has_request_context():  # CLI commands and services called from tests
        return "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    if request.args.get("lang") in LOCALES:
        return str(request.args["lang"])
    return "zh_CN"
