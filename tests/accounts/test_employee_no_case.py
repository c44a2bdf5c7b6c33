"""工号 are unique regardless of case: services refuse or match "o0002" as "O0002", sign-in
ignores case, and the database holds a unique index on lower(employee_no)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from exam_app import migrate
from exam_app.accounts import roster, services
from exam_app.accounts.models import Role, User
from exam_app.db import utcnow
from exam_app.errors import DomainError
from tests.factories import PASSWORD, POLICY, make_org_tree
from tests.web import login


def _count(db_session, employee_no: str) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(
        select(func.count()).where(func.lower(User.employee_no) == employee_no.lower())
    )


def test_a_number_differing_only_in_case_is_refused_as_existing(db_session, make_user) -> None:
    make_user(employee_no="O0002")
    with pytest.raises(DomainError, match="O0002") as refused:
        services.create_user(
            db_session,
            employee_no="o0002",
            name="第二个",
            roles=[Role.OPERATOR],
            password=services.temporary_password(),
            policy=POLICY,
            now=utcnow(),
        )
    assert refused.value.field == "employee_no"
    assert services.find_user(db_session, "o0002").employee_no == "O0002"


def test_create_admin_refuses_a_number_differing_only_in_case(runner, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(employee_no="A0001")
    result = runner.invoke(args=["users", "create-admin", "a0001", "--password", "Kx7-room-4821"])
    assert result.exit_code != 0 and "已存在" in result.output


def test_a_roster_row_in_another_case_is_that_person(db_session) -> None:  # type: ignore[no-untyped-def]
    units = make_org_tree(db_session)
    services.create_user(
        db_session,
        employee_no="O0002",
        name="李四",
        roles=[Role.OPERATOR],
        password=services.temporary_password(),
        policy=POLICY,
        now=utcnow(),
        org_unit=units["GD-GZ-YX"],
        position="用电客户受理员",
    )
    db_session.commit()
    text_ = "工号,姓名,单位,岗位,角色\no0002,李四,天河营业厅,班长,受理员\nO0003,王五,天河营业厅,,\n"
    plan = roster.plan_roster(db_session, roster.read_roster(text_.encode(), "roster.csv"))
    assert plan.ok and plan.actions == {2: "update", 3: "create"}
    created = roster.apply_roster(db_session, plan, POLICY, utcnow(), actor_id=None)
    db_session.commit()
    assert [c.employee_no for c in created] == ["O0003"]
    assert _count(db_session, "O0002") == 1
    moved = services.find_user(db_session, "o0002")
    assert moved.employee_no == "O0002", "the stored spelling stays"
    assert (moved.org_unit.code, moved.position) == ("GD-GZ-TH", "班长")


def test_sign_in_ignores_the_case_of_the_number(client: FlaskClient, make_user) -> None:
    make_user(employee_no="GZ10001")
    assert login(client, "gz10001", PASSWORD).status_code == 302


def test_the_database_refuses_a_second_spelling_of_a_number(db_session, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(employee_no="O0002")
    row = {
        "employee_no": "o0002",
        "name": "重复",
        "position": "",
        "password_hash": "",
        "active": True,
        "must_change_password": False,
        "session_version": 1,
        "created_at": utcnow(),
    }
    with pytest.raises(IntegrityError):
        db_session.execute(User.__table__.insert().values(**row))
    db_session.rollback()


def _users_row(no: str) -> str:
    return (
        "INSERT INTO users (employee_no, name, position, password_hash, active,"
        " must_change_password, session_version, created_at)"
        f" VALUES ('{no}', 'x', '', '', 1, 0, 1, '2026-01-01 00:00:00')"
    )


def test_the_migration_names_numbers_that_differ_only_in_case(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine, "7c2d4e5f6a01")
    with engine.begin() as conn:
        for no in ("O0002", "o0002", "O0003"):
            conn.execute(text(_users_row(no)))
    with pytest.raises(RuntimeError, match="O0002, o0002"):
        migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE employee_no = 'o0002'"))
    migrate.upgrade(engine)
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text(_users_row("o0003")))
    engine.dispose()
