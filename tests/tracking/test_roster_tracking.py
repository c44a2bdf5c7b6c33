"""The roster import and the admin's user page feed the people's dated history (through
``accounts.events.person_changed``; accounts never imports tracking): a 入职日期 starts
tracking, a new unit or position becomes a move dated on the row's 变动日期 (the admin's page:
today), a bad date or a change the history refuses refuses the whole file."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts import roster
from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history
from exam_app.tracking.models import PositionSpell, TrackedPerson, UnitSpell
from tests.factories import POLICY, make_org_tree, make_user
from tests.web import client_for, csrf_from, csrf_token

HEAD = "工号,姓名,单位,岗位,角色,入职日期,邮箱,变动日期\n"
FIRST = (
    HEAD
    + "GZ001,张三,天河营业厅,客服代表,受理员,2024-03-01,zhangsan@example.com,\n"
    + "GZ002,李四,越秀营业厅,客服代表,,,,\n"
)


@pytest.fixture
def units(db_session: Session) -> dict[str, OrgUnit]:
    return make_org_tree(db_session)


@pytest.fixture
def admin(app: Flask, db_session: Session, units: dict[str, OrgUnit]) -> FlaskClient:
    db_session.commit()
    return client_for(app, make_user(db_session, Role.ADMIN, name="管理员"))


def _fresh(db_session: Session) -> None:
    db_session.rollback()
    db_session.expire_all()


def _upload(client: FlaskClient, text: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/roster",
        data={
            "csrf_token": csrf_token(client, "/accounts/roster"),
            "file": (io.BytesIO(text.encode("utf-8")), "roster.csv"),
        },
        content_type="multipart/form-data",
    )


def _import(client: FlaskClient, text: str):  # type: ignore[no-untyped-def]
    page = _upload(client, text).get_data(as_text=True)
    found = re.search(r'action="(/accounts/roster/\d+/confirm)"', page)
    assert found, page
    return client.post(found.group(1), data={"csrf_token": csrf_from(page)})


def _user(db_session: Session, no: str) -> User:
    user = db_session.scalar(select(User).where(User.employee_no == no))
    assert user is not None
    return user


def _spells(db_session: Session, kind: type[UnitSpell | PositionSpell], user_id: int) -> list:  # type: ignore[type-arg]
    return list(
        db_session.scalars(select(kind).where(kind.user_id == user_id).order_by(kind.starts_on))
    )


def test_a_row_with_a_hire_date_starts_tracking(
    admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    done = _import(admin, FIRST)
    assert done.status_code == 200, done.get_data(as_text=True)
    _fresh(db_session)
    zhang, li = _user(db_session, "GZ001"), _user(db_session, "GZ002")
    assert zhang.email == "zhangsan@example.com"
    person = db_session.get(TrackedPerson, zhang.id)
    assert person is not None and person.hired_on == date(2024, 3, 1)
    assert [
        (s.unit_id, s.starts_on, s.ends_on) for s in _spells(db_session, UnitSpell, zhang.id)
    ] == [(units["GD-GZ-TH"].id, date(2024, 3, 1), None)]
    assert [p.position for p in _spells(db_session, PositionSpell, zhang.id)] == ["客服代表"]
    assert db_session.get(TrackedPerson, li.id) is None  # no hire date: not tracked


def test_a_later_roster_dates_the_move_on_its_change_date(
    admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    _import(admin, FIRST)
    second = (
        HEAD
        + "GZ001,张三,越秀营业厅,班长,受理员,2024-03-01,,2025/7/1\n"  # a blank 邮箱 keeps it
        + "GZ002,李四,越秀营业厅,客服代表,,2025-01-02,,\n"  # now with a hire date
    )
    done = _import(admin, second)
    assert done.status_code == 200, done.get_data(as_text=True)
    _fresh(db_session)
    zhang = _user(db_session, "GZ001")
    assert [
        (s.unit_id, s.starts_on, s.ends_on) for s in _spells(db_session, UnitSpell, zhang.id)
    ] == [
        (units["GD-GZ-TH"].id, date(2024, 3, 1), date(2025, 6, 30)),
        (units["GD-GZ-YX"].id, date(2025, 7, 1), None),
    ]
    assert [
        (p.position, p.starts_on, p.ends_on) for p in _spells(db_session, PositionSpell, zhang.id)
    ] == [("客服代表", date(2024, 3, 1), date(2025, 6, 30)), ("班长", date(2025, 7, 1), None)]
    assert zhang.org_unit_id == units["GD-GZ-YX"].id and zhang.position == "班长"
    assert zhang.email == "zhangsan@example.com"
    li = _user(db_session, "GZ002")
    tracked = db_session.get(TrackedPerson, li.id)
    assert tracked is not None and tracked.hired_on == date(2025, 1, 2)
    # the same file again changes nothing
    _import(admin, second)
    _fresh(db_session)
    assert len(_spells(db_session, UnitSpell, zhang.id)) == 2


def test_a_change_without_a_change_date_is_dated_the_import_day(
    admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    _import(admin, FIRST)
    _import(admin, HEAD + "GZ001,张三,天河营业厅,班长,受理员,,,\n")
    _fresh(db_session)
    today = utcnow().astimezone(DISPLAY_TZ).date()
    zhang = _user(db_session, "GZ001")
    assert [(p.position, p.starts_on) for p in _spells(db_session, PositionSpell, zhang.id)][
        -1
    ] == (
        "班长",
        today,
    )


def test_a_bad_hire_date_refuses_the_whole_file_naming_row_and_column(
    admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    text = (
        HEAD
        + "GZ001,张三,天河营业厅,客服代表,受理员,2024-03-01,,\n"
        + "GZ002,李四,越秀营业厅,客服代表,,2024-02-30,,\n"  # row 3: no such day
        + "GZ003,王五,越秀营业厅,客服代表,,,not-an-address,明天\n"  # row 4
    )
    plan = roster.plan_roster(db_session, roster.read_roster(text.encode(), "r.csv"))
    assert [(p.row, p.field) for p in plan.problems] == [
        (3, "入职日期"),
        (4, "变动日期"),
        (4, "邮箱"),
    ]
    assert "2024-02-30" in plan.problems[0].message
    response = _upload(admin, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<td>3</td><td>入职日期</td><td>[^<]*2024-02-30", page), page
    assert '/confirm"' not in page
    _fresh(db_session)
    assert db_session.scalar(select(func.count()).where(User.employee_no.like("GZ%"))) == 0
    assert db_session.scalar(select(func.count()).select_from(TrackedPerson)) == 0


def test_the_dry_run_refuses_a_change_the_history_would_refuse(
    admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    _import(admin, FIRST)
    text = (
        HEAD
        + "GZ001,张三,越秀营业厅,客服代表,受理员,,,2024-01-01\n"  # before the open spell
        + "GZ009,新人,越秀营业厅,,,2025-01-01,,\n"  # a hire date needs a position
    )
    response = _upload(admin, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '/confirm"' not in page
    assert re.search(r"<td>2</td><td>变动日期</td><td>[^<]*2024-03-01", page), page
    assert re.search(r"<td>3</td><td>岗位</td>", page), page


def test_a_change_the_history_refuses_at_confirmation_refuses_the_whole_import(
    app: Flask, admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    _import(admin, FIRST)
    text = (
        HEAD
        + "GZ009,新人,越秀营业厅,客服代表,,2025-01-01,,\n"
        + "GZ001,张三,越秀营业厅,客服代表,受理员,,,2024-06-01\n"
    )
    page = _upload(admin, text).get_data(as_text=True)
    found = re.search(r'action="(/accounts/roster/\d+/confirm)"', page)
    assert found, "the dry run passes"
    _fresh(db_session)
    zhang = _user(db_session, "GZ001")
    with app.app_context():  # meanwhile HR records a later move: the row's date is now too early
        history.move_to_unit(
            db_session, zhang.id, units["GX-NN-QX"].id, date(2024, 9, 1), None, utcnow()
        )
        db_session.commit()
    done = admin.post(found.group(1), data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    message = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "名册已不再有效" in message  # confirming checks the rows again
    _fresh(db_session)
    assert db_session.scalar(select(User).where(User.employee_no == "GZ009")) is None  # row 2 too
    assert len(_spells(db_session, UnitSpell, zhang.id)) == 2  # HR's move only


def test_a_refusal_inside_apply_names_the_row(
    app: Flask, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    text = HEAD + "GZ001,张三,天河营业厅,客服代表,受理员,2024-03-01,,\n"
    with app.app_context():
        plan = roster.plan_roster(db_session, roster.read_roster(text.encode(), "r.csv"))
        assert plan.ok
        roster.apply_roster(db_session, plan, POLICY, utcnow(), None)
        db_session.commit()
        moved = HEAD + "GZ001,张三,越秀营业厅,客服代表,受理员,,,2024-06-01\n"
        plan = roster.plan_roster(db_session, roster.read_roster(moved.encode(), "r.csv"))
        assert plan.ok
        zhang = _user(db_session, "GZ001")
        history.move_to_unit(
            db_session, zhang.id, units["GX-NN-QX"].id, date(2024, 9, 1), None, utcnow()
        )
        with pytest.raises(DomainError, match="第 2 行（变动日期）"):
            roster.apply_roster(db_session, plan, POLICY, utcnow(), None)
        db_session.rollback()


def test_the_admin_page_dates_a_tracked_persons_move_today_and_sets_the_email(
    app: Flask, admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    person = make_user(db_session, name="赵六", org_unit=units["GD-GZ-TH"], position="客服代表")
    today = utcnow().astimezone(DISPLAY_TZ).date()
    with app.app_context():
        history.hire(
            db_session,
            person.id,
            today - timedelta(days=100),
            "客服代表",
            units["GD-GZ-TH"].id,
            None,
            utcnow(),
        )
        db_session.commit()
    url = f"/accounts/users/{person.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    done = admin.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "employee_no": person.employee_no,
            "name": "赵六",
            "org_unit_id": str(units["GD-GZ-YX"].id),
            "position": "客服代表",
            "email": "zhao@example.com",
            "roles": ["operator"],
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    _fresh(db_session)
    spells = _spells(db_session, UnitSpell, person.id)
    assert [(s.unit_id, s.starts_on, s.ends_on) for s in spells] == [
        (units["GD-GZ-TH"].id, today - timedelta(days=100), today - timedelta(days=1)),
        (units["GD-GZ-YX"].id, today, None),
    ]
    user = db_session.get(User, person.id)
    assert user is not None and user.email == "zhao@example.com"
    bad = admin.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "employee_no": person.employee_no,
            "name": "赵六",
            "org_unit_id": str(units["GD-GZ-YX"].id),
            "position": "客服代表",
            "email": "not an address",
            "roles": ["operator"],
        },
    )
    assert "格式不正确" in bad.get_data(as_text=True)


def test_the_admin_page_refusal_of_a_second_move_today_is_shown_on_the_unit(
    app: Flask, admin: FlaskClient, db_session: Session, units: dict[str, OrgUnit]
) -> None:
    person = make_user(db_session, name="孙七", org_unit=units["GD-GZ-TH"], position="客服代表")
    today = utcnow().astimezone(DISPLAY_TZ).date()
    with app.app_context():  # hired today: a move dated today is not after the spell's start
        history.hire(db_session, person.id, today, "客服代表", units["GD-GZ-TH"].id, None, utcnow())
        db_session.commit()
    url = f"/accounts/users/{person.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    refused = admin.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "employee_no": person.employee_no,
            "name": "孙七",
            "org_unit_id": str(units["GD-GZ-YX"].id),
            "position": "客服代表",
            "roles": ["operator"],
        },
    )
    assert refused.status_code == 200 and "变动日期须晚于" in refused.get_data(as_text=True)
    _fresh(db_session)
    user = db_session.get(User, person.id)
    assert user is not None and user.org_unit_id == units["GD-GZ-TH"].id
