"""Authorization as data: every view declares who may use it, and one hook enforces it.

``@allow(Role.ADMIN)`` / ``@public`` / ``@any_user`` attach an ``Access`` to the view function.
``enforce_access`` runs before every request; a route that declares nothing is refused (and the
route x role test fails), so forgetting a rule can never open a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from exam_app.accounts.claims import Claim, session_claim
from exam_app.accounts.models import Role
from exam_app.extensions import csrf

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """Who may call a view: anyone, any signed-in user, or signed-in users with one of ``roles``."""

    public: bool = False
    roles: frozenset[Role] | None = None  # None: any signed-in user
    #: the view's own statement checks the signed-in user (``claims.py``); it must call
    #: ``confirm_access()`` before doing anything else
    checked_in_statement: bool = False

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


def allow(*roles: Role, checked_in_statement: bool = False) -> Callable[[F], F]:
    """Signed-in users holding any of ``roles``. ``checked_in_statement``: the view's write
    checks the session's claim itself (``claims.py``), and calls ``confirm_access()`` when it
    wrote nothing."""
    if not roles:
        raise ValueError("allow() needs at least one role; use any_user for every signed-in user")
    return _declare(Access(roles=frozenset(roles), checked_in_statement=checked_in_statement))


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
    if access.checked_in_statement and (claim := _claim_with_token()) is not None:
        g.unconfirmed_claim = claim
        return None
    return _check_signed_in(access)


def unconfirmed_claim() -> Claim | None:
    """For a view ``checked_in_statement``: the claim its statement must check, or None when
    the usual check already ran (the principal is loaded and admitted)."""
    return g.get("unconfirmed_claim")


def confirm_access() -> ResponseReturnValue | None:
    """The usual check, for a view ``checked_in_statement`` whose statement wrote nothing:
    None when the caller is admitted (go on with ``current_user``), else the answer any view
    gives (sign-in page, password change, 403)."""
    if g.pop("unconfirmed_claim", None) is None:
        return None  # enforce_access ran it already
    access = access_for(request.endpoint or "")
    assert access is not None  # enforce_access refused undeclared views
    return _check_signed_in(access)


def _claim_with_token() -> Claim | None:
    """The session's claim, once the request's CSRF token is good. With a bad token the
    usual check runs instead, so a caller without the role still learns only 403."""
    claim = session_claim()
    if claim is None:
        return None
    try:
        csrf.protect()
    except CSRFError:
        return None
    return claim


def _check_signed_in(access: Access) -> ResponseReturnValue | None:
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
