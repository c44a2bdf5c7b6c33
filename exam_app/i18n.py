"""Language and time zone: Chinese first, English second; UTC stored, Asia/Shanghai shown."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import has_request_context, request, session
from flask_login import current_user

LOCALES = {"zh_CN": "中文", "en": "English"}
#: Where the operators are; stored times are UTC and shown here (config reads this name too).
DISPLAY_TZ_NAME = "Asia/Shanghai"
DISPLAY_TZ = ZoneInfo(DISPLAY_TZ_NAME)


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time as operators read it, for messages built outside templates."""
    return value.astimezone(DISPLAY_TZ).strftime(fmt) if value else ""


def from_local_input(local: datetime | None) -> datetime | None:
    """A naive date-time typed in a form (Beijing time) as aware UTC."""
    return local.replace(tzinfo=DISPLAY_TZ).astimezone(UTC) if local else None


def to_local_input(value: datetime | None) -> datetime | None:
    """An aware UTC time as the naive Beijing time a form field shows."""
    return value.astimezone(DISPLAY_TZ).replace(tzinfo=None) if value else None


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
