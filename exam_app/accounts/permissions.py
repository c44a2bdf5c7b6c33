"""Authorization as data: every view declares who may use it, and one hook enforces it.

``@allow(Role.ADMIN)`` / ``@public`` / ``@any_user`` attach an ``Access`` to the view function.
``enforce_access`` runs before every request; a route that declares nothing is refused (and the
route x role test fails), so forgetting a rule can never open a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from exam_app.accounts.models import Role
from exam_app.extensions import csrf

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """Who may call a view: anyone, any signed-in user, or signed-in users with one of ``roles``."""

    public: bool = False
    roles: frozenset[Role] | None = None  # None: any signed-in user

    def admits(self, roles: frozenset[Role] | None) -> bool:
        """Whether a caller holding ``roles`` (``None`` = anonymous) may call the view."""
        if self.public:
            return True
        if roles is None:
            return False
        return self.roles is None or bool(self.roles & roles)


def _declare(access: Access) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access = access  # type: ignore[attr-defined]
        return view

    return decorate


def allow(*roles: Role) -> Callable[[F], F]:
    """Signed-in users holding any of ``roles``."""
    if not roles:
        raise ValueError("allow() needs at least one role; use any_user for every signed-in user")
    return _declare(Access(roles=frozenset(roles)))


public = _declare(Access(public=True))
any_user = _declare(Access())

#: Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"accounts.change_password", "accounts.logout", "site.set_locale", "static"}
)


def access_rules(app: Flask) -> dict[str, Access | None]:
    """Every endpoint of the app with its declared access (``None`` = undeclared)."""
    rules: dict[str, Access | None] = {}
    for endpoint, view in app.view_functions.items():
        rules[endpoint] = (
            Access(public=True) if endpoint == "static" else getattr(view, "access", None)
        )
    return rules


def access_for(endpoint: str) -> Access | None:
    if endpoint == "static":
        return Access(public=True)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def current_roles() -> frozenset[Role] | None:
    return current_user.roles if current_user.is_authenticated else None


def can(endpoint: str) -> bool:
    """Template helper: show a link only to those who may follow it."""
    access = access_for(endpoint)
    return access is not None and access.admits(current_roles())


def enforce_access() -> ResponseReturnValue | None:
    if request.endpoint is None:  # no route matched; Flask answers 404/405 itself
        return None
    access = access_for(request.endpoint)
    if access is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    if access.public:
        csrf.protect()
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("accounts.change_password"))
    if not access.admits(current_user.roles):
        abort(403)
    # CSRF is checked here, after the role check, so a caller without the role learns nothing
    # more than 403 (Flask-WTF's automatic check is switched off in config for this order).
    csrf.protect()
    return None
