"""The signed-in principal: one statement gives the user, every role, and the revocation check."""

from __future__ import annotations

from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.accounts.principal import load_principal


def test_principal_carries_every_role_and_the_header_fields(make_user, db_session: Session) -> None:
    user = make_user(Role.TRAINER, Role.HR, name="李培训", employee_no="P0001")
    principal = load_principal(db_session, user.id, user.session_version)
    assert principal is not None
    assert principal.roles == {Role.TRAINER, Role.HR}
    assert (principal.employee_no, principal.name) == ("P0001", "李培训")
    assert principal.has_role(Role.HR) and not principal.has_role(Role.ADMIN, Role.OPERATOR)
    assert principal.get_id() == f"{user.id}:{user.session_version}"


def test_a_user_without_roles_has_an_empty_role_set(make_user, db_session: Session) -> None:
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    user.role_rows.clear()
    db_session.commit()
    principal = load_principal(db_session, user.id, user.session_version)
    assert principal is not None and principal.roles == frozenset()


def test_revoked_inactive_or_missing_users_are_no_principal(make_user, db_session: Session) -> None:
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    assert load_principal(db_session, user.id, user.session_version + 1) is None  # revoked
    assert load_principal(db_session, user.id + 1000, 1) is None  # no such user
    user.active = False
    db_session.commit()
    assert load_principal(db_session, user.id, user.session_version) is None
