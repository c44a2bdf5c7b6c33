"""Reminders against a real SMTP server (aiosmtpd on 127.0.0.1, a free port): each goes out
once, in Chinese, naming the right deadline; a second run sends nothing; notices keep an
unread count; an overdue person's escalation reaches HR over their unit, and no one else."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import compliance, history, notices, reminders, spans
from exam_app.tracking.mail import SmtpMailer, SmtpSettings
from exam_app.tracking.models import Notice, Requirement, RequirementVersion, SentReminder
from exam_app.tracking.reminder_rules import Kind, Reminder
from tests.factories import make_org_tree, make_user

pytestmark = pytest.mark.usefixtures("in_app")

REP = "客服代表"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 March 2026 in Beijing


@dataclass
class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        self.raw.append(envelope.original_content)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(app: Flask) -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings = SmtpSettings.from_config(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": controller.port,
            "SMTP_FROM": "培训考试 <exam@example.test>",
        }
    )
    assert settings is not None
    old = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM=settings.sender)
    try:
        yield inbox, settings
    finally:
        app.config.update(old)
        controller.stop()


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class World:
    alice: User  # hired 2 March 2026: due 31 May 2026 (90 days' grace)
    bob: User  # hired 2020: overdue since the rule came in (1 January 2025)
    hr_region: User  # HR of 广州 (bob's and alice's hall is under it)
    hr_elsewhere: User  # HR of another branch
    hr_all: User  # HR without a unit: the whole organization
    requirement: Requirement


def _world(session: Session) -> World:
    units: dict[str, OrgUnit] = make_org_tree(session)
    region, hall, elsewhere = units["GD-GZ"], units["GD-GZ-TH"], units["GX-NN"]
    requirement = Requirement(name="营业厅客服代表持中级工证")
    session.add(requirement)
    session.flush()
    session.add(
        RequirementVersion(
            requirement_id=requirement.id,
            effective_from=date(2025, 1, 1),
            level="intermediate",
            positions=[REP],
            unit_ids=[region.id],
        )
    )
    alice = make_user(session, name="张三")
    bob = make_user(session, name="李四")
    hr_region = make_user(session, Role.HR, name="广州人资", org_unit=region)
    hr_elsewhere = make_user(session, Role.HR, name="南宁人资", org_unit=elsewhere)
    hr_all = make_user(session, Role.HR, name="总部人资")
    for user, address in [
        (alice, "alice@example.test"),
        (bob, "bob@example.test"),
        (hr_region, "hr-gz@example.test"),
        (hr_elsewhere, "hr-nn@example.test"),
    ]:
        user.email = address  # hr_all has none: an in-app notice only
    history.hire(session, alice.id, date(2026, 3, 2), REP, hall.id, None, NOW)
    history.hire(session, bob.id, date(2020, 1, 1), REP, hall.id, None, NOW)
    session.commit()
    return World(alice, bob, hr_region, hr_elsewhere, hr_all, requirement)


def test_reminders_arrive_once_in_chinese_with_the_deadline(
    db_session: Session, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    w = _world(db_session)
    result = reminders.reminder_job(db_session, NOW)
    assert "3 sent" in result
    assert sorted(a for rcpt, _ in inbox.received for a in rcpt) == [
        "alice@example.test",
        "bob@example.test",
        "hr-gz@example.test",
    ]
    (to_alice,) = inbox.to("alice@example.test")
    assert to_alice["Subject"] == "培训要求提醒：「营业厅客服代表持中级工证」"
    # on the wire: headers in RFC 2047 encoded words, the body declared UTF-8
    raw_alice = next(r for r in inbox.raw if b"alice@example.test" in r)
    assert raw_alice.isascii() and b"Subject: =?utf-8?" in raw_alice
    assert to_alice.get_content_charset() == "utf-8"
    body = _text(to_alice)
    assert "张三" in body and "2026年5月31日" in body and "还有 90 天" in body
    assert to_alice["From"] == "培训考试 <exam@example.test>"
    (to_bob,) = inbox.to("bob@example.test")
    assert "已逾期" in to_bob["Subject"]
    assert "2024年12月31日" in _text(to_bob)  # the rule came in on 1 January 2025
    (to_hr,) = inbox.to("hr-gz@example.test")
    assert "李四" in to_hr["Subject"] and "2024年12月31日" in _text(to_hr)
    assert w.bob.employee_no in _text(to_hr)

    # a second run, the same day or the next (still the same overdue week): nothing more
    assert "0 sent" in reminders.reminder_job(db_session, NOW)
    assert "0 sent" in reminders.reminder_job(db_session, NOW + timedelta(days=1))
    assert len(inbox.received) == 3

    # a week on, bob's weekly reminder (no second escalation); alice's next one is at 30 days
    with SmtpMailer(settings) as mailer:
        counts = reminders.send_due_reminders(db_session, NOW + timedelta(days=7), mailer)
    db_session.commit()
    assert (counts.reminders, counts.emails) == (1, 1)
    assert len(inbox.to("bob@example.test")) == 2 and len(inbox.received) == 4
    at_30 = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)  # 30 days before 31 May
    with SmtpMailer(settings) as mailer:
        reminders.send_due_reminders(db_session, at_30, mailer)
    db_session.commit()
    latest = inbox.to("alice@example.test")[-1]
    assert "还有 30 天" in _text(latest) and "2026年5月31日" in _text(latest)


def test_notices_are_stored_with_an_unread_count(
    db_session: Session, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    w = _world(db_session)
    counts = reminders.send_due_reminders(db_session, NOW, None)  # no SMTP: notices only
    db_session.commit()
    assert (counts.reminders, counts.notices, counts.emails) == (3, 4, 0)
    assert smtp[0].received == []
    assert notices.unread_count(db_session, w.alice.id) == 1
    (notice,) = notices.notices_for(db_session, w.alice.id)
    assert "2026年5月31日" in notice.body and notice.read_at is None
    assert notices.mark_read(db_session, w.alice.id, NOW) == 1
    db_session.commit()
    assert notices.unread_count(db_session, w.alice.id) == 0
    assert notices.unread_count(db_session, w.bob.id) == 1
    # what was sent about bob, and to whom
    sent = notices.reminders_about(db_session, w.bob.id)
    assert {(r.kind, r.deadline) for r in sent} == {
        (Kind.OVERDUE, date(2024, 12, 31)),
        (Kind.ESCALATION, date(2024, 12, 31)),
    }
    escalation = next(r for r in sent if r.kind == Kind.ESCALATION)
    assert sorted(escalation.recipients) == sorted([w.hr_region.id, w.hr_all.id])
    # again: nothing new
    again = reminders.send_due_reminders(db_session, NOW, None)
    assert (again.reminders, again.already_sent, again.notices) == (0, 3, 0)
    assert db_session.scalar(select(func.count()).select_from(Notice)) == 4


def test_escalation_reaches_hr_over_the_unit_only_when_overdue(
    db_session: Session, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    w = _world(db_session)
    with SmtpMailer(settings) as mailer:
        reminders.send_due_reminders(db_session, NOW, mailer)
    db_session.commit()
    assert inbox.to("hr-nn@example.test") == []  # another branch's HR hears nothing
    hr_notices = notices.notices_for(db_session, w.hr_region.id)
    assert [n.title for n in hr_notices] == ["逾期督办：李四 的「营业厅客服代表持中级工证」"]
    assert notices.unread_count(db_session, w.hr_all.id) == 1
    assert notices.unread_count(db_session, w.hr_elsewhere.id) == 0
    # alice is only due soon: her reminders never escalate
    assert all("张三" not in n.title for n in hr_notices)


def test_a_key_taken_by_another_server_is_skipped(db_session: Session) -> None:
    w = _world(db_session)
    # another server claimed alice's 90-day reminder first
    key = f"{w.alice.id}:{w.requirement.id}:before:2026-05-31:90"
    db_session.add(
        SentReminder(
            key=key,
            user_id=w.alice.id,
            requirement_id=w.requirement.id,
            kind=Kind.BEFORE,
            deadline=date(2026, 5, 31),
            step=90,
            sent_at=NOW,
            recipients=[w.alice.id],
        )
    )
    db_session.commit()
    counts = reminders.send_due_reminders(db_session, NOW, None)
    assert (counts.reminders, counts.already_sent) == (2, 1)
    assert notices.unread_count(db_session, w.alice.id) == 0
    # the insert-first claim itself: a second insert of a key does nothing
    reminder = Reminder(Kind.BEFORE, date(2026, 5, 31), 90)
    assert reminder.key(w.alice.id, w.requirement.id) == key
    due = reminders._Due(key, w.alice.id, w.requirement.id, "x", reminder)
    assert reminders._claim_all(db_session, [(due, [w.alice.id])], NOW) == {}


def test_two_servers_at_once_send_each_reminder_once(app: Flask, db_session: Session) -> None:
    """Two app servers' runs overlap: the first has claimed everything and not committed yet;
    the second waits (PostgreSQL: on the unique key; SQLite: for the write lock), then finds
    every reminder taken."""
    _world(db_session)
    engine = app.extensions["db_engine"]
    results: dict[str, reminders.RunCounts] = {}
    with Session(engine) as first:
        results["first"] = reminders.send_due_reminders(first, NOW, None)

        def second_server() -> None:
            with app.app_context(), Session(engine) as second:
                results["second"] = reminders.send_due_reminders(second, NOW, None)
                second.commit()

        thread = threading.Thread(target=second_server)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first server's transaction
        first.commit()
    thread.join(10)
    assert not thread.is_alive()
    assert results["first"].reminders == 3
    assert (results["second"].reminders, results["second"].already_sent) == (0, 3)
    assert db_session.scalar(select(func.count()).select_from(Notice)) == 4


def test_escalation_goes_to_the_nearest_supervisor_instead_of_hr(
    db_session: Session, smtp: tuple[Inbox, SmtpSettings]
) -> None:
    inbox, settings = smtp
    _world(db_session)
    units = {u.code: u for u in db_session.scalars(select(OrgUnit)).all()}
    team_lead = make_user(db_session, Role.SUPERVISOR, name="班组长", org_unit=units["GD-GZ-TH"])
    make_user(db_session, Role.SUPERVISOR, name="地区主管", org_unit=units["GD-GZ"])
    team_lead.email = "lead@example.test"
    db_session.commit()
    with SmtpMailer(settings) as mailer:
        reminders.send_due_reminders(db_session, NOW, mailer)
    db_session.commit()
    escalation = db_session.scalars(
        select(SentReminder).where(SentReminder.kind == Kind.ESCALATION)
    ).one()
    assert escalation.recipients == [team_lead.id]  # the hall's lead, not the region's
    assert [m["Subject"] for m in inbox.to("lead@example.test")] == [
        "逾期督办：李四 的「营业厅客服代表持中级工证」"
    ]
    assert all("督办" not in m["Subject"] for m in inbox.to("hr-gz@example.test"))


def test_with_fresh_spans_the_job_reads_them_and_sends_the_same(db_session: Session) -> None:
    w = _world(db_session)
    on = NOW.astimezone(DISPLAY_TZ).date()
    people = [w.alice.id, w.bob.id]
    worked_out = compliance.statuses(db_session, w.requirement.id, people, on)
    spans.rebuild(db_session, NOW)
    assert spans.fresh(db_session) == {w.requirement.id}
    assert spans.statuses_on(db_session, w.requirement.id, on) == worked_out
    counts = reminders.send_due_reminders(db_session, NOW, None)
    kinds = sorted(str(r.kind) for r in db_session.scalars(select(SentReminder)))
    assert (counts.reminders, kinds) == (3, ["before", "escalation", "overdue"])
