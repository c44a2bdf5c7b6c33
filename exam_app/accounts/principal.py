"""Who is signed in: a small value object loaded on every request, not the ORM ``User``.

Every request starts by loading its user. Through the ORM that is an identity-map lookup, a
SELECT and a second SELECT for the roles, ~0.4 ms: more than the whole rest of an answer save.
One Core statement (the user joined to its roles) gives everything a route check and a page
header need in ~0.06 ms. A view that changes the user or walks its relations loads the entity
itself with ``signed_in_user()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from exam_app.accounts.models import Role, User, UserRole
from exam_app.db import read_lock_free


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    employee_no: str
    name: str
    org_unit_id: int | None
    locale: str | None
    must_change_password: bool
    session_version: int
    roles: frozenset[Role]

    # Flask-Login's user protocol: a principal exists only for an active, current session.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def signed_in_user(session: Session) -> User:
    """The signed-in user as an ORM entity, for views that change it or follow its relations.
    Its roles are not loaded with it (a second SELECT every time): the principal has them, and
    ``User.roles`` loads them if asked."""
    user = session.get(User, current_user.id, options=[lazyload(User.role_rows)])
    if user is None:  # deleted during this request; the next request signs them out
        raise LookupError(f"user {current_user.id} no longer exists")
    return user


#: Built once: composing a statement costs more than SQLite takes to run it.
_PRINCIPAL = (
    select(
        User.employee_no,
        User.name,
        User.org_unit_id,
        User.locale,
        User.must_change_password,
        User.session_version,
        User.active,
        User.is_demo,
        UserRole.role,
    )
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


def load_principal(
    session: Session, user_id: int, session_version: int, *, allow_demo: bool = False
) -> Principal | None:
    """The signed-in user, or None when the account is gone, inactive, a demo account where
    those are not allowed (``allow_demo``: ALLOW_DEMO_DATA), or the session was revoked (the
    version in the cookie is older than the account's)."""
    # On SQLite this runs before the request takes the write lock (see db.read_lock_free).
    rows = read_lock_free(session, _PRINCIPAL, {"user_id": user_id})
    if not rows:
        return None
    first = rows[0]
    if not first.active or first.session_version != session_version:
        return None
    if first.is_demo and not allow_demo:
        return None
    return Principal(
        id=user_id,
        employee_no=first.employee_no,
        name=first.name,
        org_unit_id=first.org_unit_id,
        locale=first.locale,
        must_change_password=first.must_change_password,
        session_version=first.session_version,
        roles=frozenset(Role(row.role) for row in rows if row.role is not None),
    )
