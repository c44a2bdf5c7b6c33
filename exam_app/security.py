"""Response headers, the secret key and production safety checks."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response


class ConfigError(RuntimeError):
    pass


#: Shorter keys are refused in production and never written by ``load_secret_key``.
MIN_SECRET_LENGTH = 32


def check_production_config(app: Flask) -> None:
    """Refuse to start a production server without a real secret from the environment (every
    app server behind the balancer must sign with the same key; a per-machine file cannot)."""
    if app.config["ENV_NAME"] != "production" or app.testing:
        return
    if len(app.config.get("SECRET_KEY") or "") < MIN_SECRET_LENGTH:
        raise ConfigError("EXAM_APP_ENV=production needs SECRET_KEY set to 32+ random characters")


def use_installation_secret(app: Flask) -> None:
    """Without a configured SECRET_KEY, sign with this installation's own random key."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(Path(app.config["SECRET_KEY_FILE"]))


def load_secret_key(path: Path) -> str:
    """The key kept in ``path``, made on first use: random, readable by the owner only (0600).

    Several workers starting at once may race to make it: each writes a complete key to a
    private temporary file and links it into place, and the first link wins, so nobody reads a
    half-written key and all of them end up with the same one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another worker was first
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds no usable secret key: delete it to make a new one")
    return key


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
