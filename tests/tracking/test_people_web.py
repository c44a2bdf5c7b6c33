"""A person's page over HTTP, with data made through the services: the dated history, the
statuses today, exemptions and extensions with who granted them, and the reminders sent (in
Beijing time); HR's forms, each changing the history with a date and an audit entry; the
account following a change dated today; a supervisor reading the people of their subtree and
refused the others and every change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.core.models import AuditEvent
from exam_app.db import utcnow
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history, requirements
from exam_app.tracking.models import (
    Absence,
    Exemption,
    Extension,
    PositionSpell,
    SentReminder,
    TrackedPerson,
    UnitSpell,
)
from exam_app.tracking.reminder_rules import Kind
from exam_app.tracking.requirements import VersionSpec
from tests.factories import make_org_tree, make_user
from tests.web import client_for, csrf_from

REP = "客服代表"


@dataclass
class World:
    today: date
    units: dict[str, OrgUnit]
    requirement_id: int
    hr: User
    boss: User  # supervisor of 广州供电局 (its subtree: both halls)
    alice: User  # tracked, 天河营业厅, hired 400 days ago, an absence, an exemption
    carol: User  # tracked, 青秀营业厅 (another region)
    newbie: User  # not tracked


@pytest.fixture
def world(app: Flask, db_session: Session) -> World:
    now = utcnow()
    today = now.astimezone(DISPLAY_TZ).date()
    units = make_org_tree(db_session)
    hall = units["GD-GZ-TH"]
    hr = make_user(db_session, Role.HR, name="人资小王")
    boss = make_user(db_session, Role.SUPERVISOR, name="主管老李", org_unit=units["GD-GZ"])
    alice = make_user(db_session, name="甲一", org_unit=hall, position=REP)
    carol = make_user(db_session, name="丙三", org_unit=units["GX-NN-QX"], position=REP)
    newbie = make_user(db_session, name="新人", org_unit=hall)
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    with app.app_context():
        requirement = requirements.create_requirement(
            db_session,
            "客服代表持中级工证",
            VersionSpec(effective_from=d(1000), level="intermediate", positions=(REP,)),
            hr.id,
            now,
        )
        history.hire(db_session, alice.id, d(400), REP, hall.id, hr.id, now)
        history.hire(db_session, carol.id, d(400), REP, units["GX-NN-QX"].id, hr.id, now)
        history.record_absence(db_session, alice.id, d(200), d(150), "产假", hr.id, now)
        requirements.exempt(
            db_session,
            requirement.id,
            alice.id,
            d(10),
            today + timedelta(days=50),
            "借调",
            hr.id,
            now,
        )
        db_session.add(
            SentReminder(
                key="test:alice:overdue:1",
                user_id=alice.id,
                requirement_id=requirement.id,
                kind=Kind.OVERDUE,
                deadline=date(2026, 2, 20),
                step=1,
                sent_at=datetime(2026, 3, 1, 2, 30, tzinfo=UTC),  # 10:30 in Beijing
                recipients=[alice.id, boss.id],
                emails=1,
            )
        )
        db_session.commit()
    return World(today, units, requirement.id, hr, boss, alice, carol, newbie)


def _post(client: FlaskClient, url: str, page: str, prefix: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    data[f"{prefix}-csrf_token"] = csrf_from(page)
    return client.post(url, data=data)


def test_the_page_shows_history_statuses_grants_and_what_was_sent(app: Flask, world: World) -> None:
    page = client_for(app, world.hr).get(f"/tracking/people/{world.alice.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    hired = (world.today - timedelta(days=400)).isoformat()
    assert hired in html
    assert "中国南方电网/广东电网公司/广州供电局/天河营业厅" in html  # the unit's path
    assert REP in html
    absence = re.search(r'data-absence="\d+">(.*?)</tr>', html, re.S)
    assert absence and "产假" in absence.group(1)
    assert (world.today - timedelta(days=150)).isoformat() in absence.group(1)
    exemption = re.search(r'data-exemption="\d+">(.*?)</tr>', html, re.S)
    assert exemption and "借调" in exemption.group(1) and "人资小王" in exemption.group(1)
    assert re.search(r'data-requirement="\d+" data-state="exempt"', html)  # status today
    sent = re.search(r'data-reminder="\d+" data-kind="overdue">(.*?)</tr>', html, re.S)
    assert sent, html
    row = sent.group(1)
    assert "2026-03-01 10:30" in row and "2026-02-20" in row  # Beijing time; the deadline
    assert "甲一" in row and "主管老李" in row and "<td>1</td>" in row
    assert "逾期提醒" in row
    assert 'name="move-csrf_token"' in html  # HR's forms


def test_the_board_links_each_person_to_their_page(app: Flask, world: World) -> None:
    html = client_for(app, world.hr).get("/tracking/?status=exempt").get_data(as_text=True)
    assert f'href="/tracking/people/{world.alice.id}"' in html


def test_user_text_is_escaped(app: Flask, db_session: Session, world: World) -> None:
    with app.app_context():
        history.record_absence(
            db_session, world.alice.id, world.today, None, "<script>x()</script>", None, utcnow()
        )
        db_session.commit()
    html = (
        client_for(app, world.hr).get(f"/tracking/people/{world.alice.id}").get_data(as_text=True)
    )
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html


def _fresh(db_session: Session) -> None:
    """See what the requests committed (the test's objects were kept across its commits)."""
    db_session.rollback()
    db_session.expire_all()


def _actions(db_session: Session, user_id: int) -> list[str]:
    _fresh(db_session)
    return list(
        db_session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target == f"user:{user_id}")
            .order_by(AuditEvent.id)
        )
    )


def test_each_form_changes_the_history_with_a_date_and_an_audit_entry(
    app: Flask, db_session: Session, world: World
) -> None:
    hr = client_for(app, world.hr)
    url = f"/tracking/people/{world.alice.id}"
    page = hr.get(url).get_data(as_text=True)
    other_hall = world.units["GD-GZ-YX"]
    moved_on = world.today - timedelta(days=30)
    done = _post(
        hr, f"{url}/unit", page, "move", on=moved_on.isoformat(), unit_id=str(other_hall.id)
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    _post(hr, f"{url}/position", page, "position", on=world.today.isoformat(), position="班长")
    _post(hr, f"{url}/absences", page, "absence", starts_on=world.today.isoformat(), reason="病假")
    _fresh(db_session)
    open_absence = db_session.scalar(
        select(Absence).where(Absence.user_id == world.alice.id, Absence.ends_on.is_(None))
    )
    assert open_absence is not None and open_absence.reason == "病假"
    back = world.today + timedelta(days=3)
    _post(hr, f"{url}/absences/{open_absence.id}/end", page, "end", ends_on=back.isoformat())
    until = world.today + timedelta(days=90)
    rid = str(world.requirement_id)
    _post(
        hr,
        f"{url}/exemptions",
        page,
        "exempt",
        requirement_id=rid,
        starts_on=world.today.isoformat(),
        until=until.isoformat(),
        reason="支援抢修",
    )
    due = world.today + timedelta(days=60)
    _post(
        hr,
        f"{url}/extensions",
        page,
        "extend",
        requirement_id=rid,
        due_on=due.isoformat(),
        reason="考位已满",
    )

    assert _actions(db_session, world.alice.id)[-6:] == [
        "tracking.move",
        "tracking.position",
        "tracking.absence",
        "tracking.absence_end",
        "tracking.exempt",
        "tracking.extend",
    ]
    spells = db_session.scalars(
        select(UnitSpell).where(UnitSpell.user_id == world.alice.id).order_by(UnitSpell.starts_on)
    ).all()
    assert [(s.unit_id, s.ends_on) for s in spells] == [
        (world.units["GD-GZ-TH"].id, moved_on - timedelta(days=1)),
        (other_hall.id, None),
    ]
    assert spells[1].starts_on == moved_on and spells[1].recorded_by_id == world.hr.id
    positions = db_session.scalars(
        select(PositionSpell)
        .where(PositionSpell.user_id == world.alice.id)
        .order_by(PositionSpell.starts_on)
    ).all()
    assert [(p.position, p.starts_on) for p in positions][-1] == ("班长", world.today)
    ended = db_session.get(Absence, open_absence.id)
    assert ended is not None and ended.ends_on == back
    exemption = db_session.scalar(select(Exemption).where(Exemption.reason == "支援抢修"))
    assert exemption is not None and (exemption.starts_on, exemption.until) == (world.today, until)
    assert exemption.granted_by_id == world.hr.id
    extension = db_session.scalar(select(Extension).where(Extension.user_id == world.alice.id))
    assert extension is not None and (extension.granted_on, extension.due_on) == (world.today, due)
    # dated today or before: the account follows (its unit and position are today's)
    user = db_session.get(User, world.alice.id)
    assert user is not None and user.org_unit_id == other_hall.id and user.position == "班长"
    html = hr.get(url).get_data(as_text=True)
    assert "考位已满" in html and "支援抢修" in html and "病假" in html


def test_a_change_dated_later_leaves_the_account_as_it_is(
    app: Flask, db_session: Session, world: World
) -> None:
    hr = client_for(app, world.hr)
    url = f"/tracking/people/{world.alice.id}"
    page = hr.get(url).get_data(as_text=True)
    later = world.today + timedelta(days=10)
    _post(
        hr,
        f"{url}/unit",
        page,
        "move",
        on=later.isoformat(),
        unit_id=str(world.units["GD-GZ-YX"].id),
    )
    _fresh(db_session)
    user = db_session.get(User, world.alice.id)
    assert user is not None and user.org_unit_id == world.units["GD-GZ-TH"].id
    spell = db_session.scalar(
        select(UnitSpell).where(UnitSpell.user_id == world.alice.id, UnitSpell.ends_on.is_(None))
    )
    assert spell is not None and spell.starts_on == later


def test_a_refused_change_says_why_and_changes_nothing(
    app: Flask, db_session: Session, world: World
) -> None:
    hr = client_for(app, world.hr)
    url = f"/tracking/people/{world.alice.id}"
    page = hr.get(url).get_data(as_text=True)
    too_early = world.today - timedelta(days=500)  # before the open spell's start
    done = _post(
        hr,
        f"{url}/unit",
        page,
        "move",
        on=too_early.isoformat(),
        unit_id=str(world.units["GD-GZ-YX"].id),
    )
    assert "变动日期须晚于当前记录的开始日期" in hr.get(done.headers["Location"]).get_data(
        as_text=True
    )
    missing = _post(
        hr,
        f"{url}/extensions",
        page,
        "extend",
        requirement_id=str(world.requirement_id),
        reason="x",
    )
    assert "新的截止日期" in hr.get(missing.headers["Location"]).get_data(as_text=True)
    _fresh(db_session)
    assert (
        len(db_session.scalars(select(UnitSpell).where(UnitSpell.user_id == world.alice.id)).all())
        == 1
    )
    assert db_session.scalar(select(Extension)) is None


def test_hr_starts_tracking_someone_from_their_page(
    app: Flask, db_session: Session, world: World
) -> None:
    hr = client_for(app, world.hr)
    url = f"/tracking/people/{world.newbie.id}"
    page = hr.get(url).get_data(as_text=True)
    assert "尚未记录" in page and 'name="hire-csrf_token"' in page
    hired = world.today - timedelta(days=5)
    _post(
        hr,
        f"{url}/hire",
        page,
        "hire",
        hired_on=hired.isoformat(),
        position=REP,
        unit_id=str(world.units["GD-GZ-YX"].id),
    )
    _fresh(db_session)
    person = db_session.get(TrackedPerson, world.newbie.id)
    assert person is not None and person.hired_on == hired and person.recorded_by_id == world.hr.id
    user = db_session.get(User, world.newbie.id)
    assert (
        user is not None and user.org_unit_id == world.units["GD-GZ-YX"].id and user.position == REP
    )
    assert _actions(db_session, world.newbie.id)[-1] == "tracking.hire"


def test_a_supervisor_reads_their_subtree_only_and_changes_nothing(
    app: Flask, db_session: Session, world: World
) -> None:
    boss = client_for(app, world.boss)
    mine = boss.get(f"/tracking/people/{world.alice.id}")
    assert mine.status_code == 200
    html = mine.get_data(as_text=True)
    assert "产假" in html and "借调" in html
    assert "-csrf_token" not in html, "no forms for a supervisor"
    assert boss.get(f"/tracking/people/{world.carol.id}").status_code == 403
    assert boss.get("/tracking/people/999999").status_code == 404
    token = csrf_from(html)
    url = f"/tracking/people/{world.alice.id}"
    for path, prefix, fields in (
        (
            "unit",
            "move",
            {"on": world.today.isoformat(), "unit_id": str(world.units["GD-GZ-YX"].id)},
        ),
        ("position", "position", {"on": world.today.isoformat(), "position": "班长"}),
        ("absences", "absence", {"starts_on": world.today.isoformat()}),
        (
            "exemptions",
            "exempt",
            {
                "requirement_id": "1",
                "starts_on": "2026-01-01",
                "until": "2026-02-01",
                "reason": "x",
            },
        ),
        ("extensions", "extend", {"requirement_id": "1", "due_on": "2026-01-01", "reason": "x"}),
        ("hire", "hire", {"hired_on": "2026-01-01", "position": REP, "unit_id": "1"}),
    ):
        data = {f"{prefix}-{k}": v for k, v in fields.items()}
        data[f"{prefix}-csrf_token"] = token
        assert boss.post(f"{url}/{path}", data=data).status_code == 403, path
    assert _actions(db_session, world.alice.id)[-1] == "tracking.exempt"  # the fixture's


def test_an_operator_may_not_open_a_persons_page(app: Flask, world: World) -> None:
    assert client_for(app, world.alice).get(f"/tracking/people/{world.alice.id}").status_code == 403
