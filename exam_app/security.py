"""Response headers and production safety checks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response


class ConfigError(RuntimeError):
    pass


def check_production_config(app: Flask) -> None:
    """Refuse to start a production server with development secrets."""
    if app.config["ENV_NAME"] != "production" or app.testing:
        return
    if (
        app.config["SECRET_KEY"] in ("", "dev-only-not-secret")
        or len(app.config["SECRET_KEY"]) < 32
    ):
        raise ConfigError("EXAM_APP_ENV=production needs SECRET_KEY set to 32+ random characters")


#: Scripts and styles come only from this site; nothing may frame our pages.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    if response.headers.get("Content-Disposition", "").lower().startswith("attachment"):
        # Downloads carry answer keys (bank exports) or personal data: no browser or proxy
        # may keep a copy, whatever the view said.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


#: Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
#: "/\t/evil.example" or "/\\evil.example" would leave the site: such targets are refused.
_UNSAFE_IN_TARGET = re.compile(r"[\x00-\x20\x7f\\]")


def safe_redirect_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (the open-redirect guard for every
    ``next`` parameter)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if _UNSAFE_IN_TARGET.search(target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
