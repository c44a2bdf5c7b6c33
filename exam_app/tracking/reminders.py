"""Reminders (issue 14 item 5): before a deadline (90, 30 and 7 days by default), on the day,
every week while overdue, to the person; escalation to their supervisors when overdue.

``send_due_reminders`` reads everyone's statuses as of the Beijing date of ``now`` (from the
status spans when they are fresh, else through ``compliance.statuses``), asks
``reminder_rules.due_reminders`` what each calls for, works out each one's recipients, and
for the reminders not yet recorded:

1. **claims them** by inserting their rows (with the recipients) into
   ``tracking_sent_reminders`` under their UNIQUE keys, ``CLAIM_BATCH`` to a statement
   (``INSERT … ON CONFLICT (key) DO NOTHING RETURNING key, id``, insert-first): a key the
   insert returns no row for was already taken by another run (another app server) and is
   skipped.
   On PostgreSQL a second server's insert of a key still uncommitted waits for that commit
   and then does nothing; SQLite writes one transaction at a time.
2. records an in-app notice (``notices``) for each recipient, in one statement;
3. e-mails each recipient with an address (``User.email``) when a mailer is given (SMTP
   configured), in Chinese, naming the deadline. Mail goes out after every claim is flushed;
   a failed message is counted (``email_failures``) and not retried, the notice stands.

A second run on the same day (or any later day with the same statuses) sends nothing: every
key is already recorded. The service flushes and never commits; ``reminder_job`` (for the
scheduler) commits once, like a CLI command.

**Escalation recipients.** An overdue person's escalation goes to their nearest supervisors
(``Role.SUPERVISOR``): the active supervisors of the person's unit, else of its parent, and so
up the tree (a 班组长 hears before the bureau's 主管). Where no supervisor stands above the
person, it goes to the active HR users whose own unit is the person's unit or one of its
ancestors, and to HR users without a unit (the whole organization). The person's unit is their
tracked unit spell on the day, else ``User.org_unit_id``.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User, UserRole
from exam_app.tracking import compliance, notices, rules, spans
from exam_app.tracking.mail import Mailer, SmtpMailer, SmtpSettings
from exam_app.tracking.models import Requirement, SentReminder, TrackedPerson, UnitSpell
from exam_app.tracking.reminder_rules import DEFAULT_OFFSETS, Kind, Reminder, due_reminders

log = logging.getLogger(__name__)

#: keys per IN (...) list when looking up what was already sent
CHUNK = compliance.CHUNK


@dataclass
class RunCounts:
    """What one run did."""

    people: int = 0  #: tracked active people whose statuses were computed
    reminders: int = 0  #: reminders claimed and sent now
    already_sent: int = 0  #: due, but recorded by an earlier run (or another server)
    notices: int = 0
    emails: int = 0
    email_failures: int = 0
    escalations_without_recipient: int = 0

    def summary(self) -> str:
        return (
            f"reminders: {self.reminders} sent, {self.already_sent} already sent, "
            f"{self.notices} notices, {self.emails} e-mails"
            + (f", {self.email_failures} e-mails failed" if self.email_failures else "")
            + f" ({self.people} people)"
        )


@dataclass(frozen=True)
class _Due:
    key: str
    person_id: int
    requirement_id: int
    requirement: str
    reminder: Reminder


def format_date(day: date) -> str:
    """A date as Chinese readers write it: 2026年9月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def message_for(due: _Due, person_name: str, employee_no: str, on: date) -> tuple[str, str]:
    """The notice's (and e-mail's) title and body, in Chinese whatever the reader's language."""
    r, req = due.reminder, due.requirement
    deadline = format_date(r.deadline)
    with force_locale("zh_CN"):
        if r.kind == Kind.BEFORE:
            title = _("培训要求提醒：「%(req)s」", req=req)
            body = _(
                "%(name)s，您好：您的培训要求「%(req)s」最迟须在 %(deadline)s 完成，"
                "还有 %(days)s 天。",
                name=person_name,
                req=req,
                deadline=deadline,
                days=(r.deadline - on).days,
            )
        elif r.kind == Kind.DUE_DAY:
            title = _("今天截止：「%(req)s」", req=req)
            body = _(
                "%(name)s，您好：今天（%(deadline)s）是培训要求「%(req)s」的最后期限，"
                "请在今天内完成。",
                name=person_name,
                req=req,
                deadline=deadline,
            )
        elif r.kind == Kind.OVERDUE:
            title = _("培训要求已逾期：「%(req)s」", req=req)
            body = _(
                "%(name)s，您好：您的培训要求「%(req)s」已于 %(deadline)s 到期，"
                "现已逾期（第 %(week)s 周），请尽快完成。",
                name=person_name,
                req=req,
                deadline=deadline,
                week=r.step,
            )
        else:
            title = _("逾期督办：%(name)s 的「%(req)s」", name=person_name, req=req)
            body = _(
                "%(name)s（工号 %(no)s）的培训要求「%(req)s」已于 %(deadline)s 到期，"
                "至今未完成，请督促其尽快完成。",
                name=person_name,
                no=employee_no,
                req=req,
                deadline=deadline,
            )
    return str(title), str(body)


#: reminders per INSERT … VALUES (…), (…): nine parameters each, well inside both databases'
#: limits; one statement per batch instead of one per reminder (50,000 people: 30 s → a few)
CLAIM_BATCH = 500


def _claim_all(
    session: Session, planned: Sequence[tuple[_Due, list[int]]], now: datetime
) -> dict[str, int]:
    """Insert each reminder's row first, with its recipients; the ids of those inserted, by
    key (a key another run already took inserts nothing and is missing here)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, SentReminder.__table__)
    claimed: dict[str, int] = {}
    for start in range(0, len(planned), CLAIM_BATCH):
        rows = [
            {
                "key": due.key,
                "user_id": due.person_id,
                "requirement_id": due.requirement_id,
                "kind": str(due.reminder.kind),
                "deadline": due.reminder.deadline,
                "step": due.reminder.step,
                "sent_at": now,
                "recipients": recipients,
                "emails": 0,
            }
            for due, recipients in planned[start : start + CLAIM_BATCH]
        ]
        stmt = (
            insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(table.c.key, table.c.id)
        )
        claimed.update((key, int(rid)) for key, rid in session.execute(stmt))
    return claimed


def _already_sent(session: Session, planned: Sequence[_Due]) -> set[str]:
    """The planned keys already recorded. Read by ranges of the people's ids, not by lists of
    keys: a range costs two comparisons a row whatever plan the database picks (PostgreSQL,
    before its statistics on a new table caught up, compared each row with every key of a
    thousand-key list: 12 s for 32,705 reminders)."""
    wanted = {d.key for d in planned}
    people = sorted({d.person_id for d in planned})
    found: set[str] = set()
    for start in range(0, len(people), CHUNK):
        low, high = people[start], people[min(start + CHUNK, len(people)) - 1]
        found.update(
            key
            for key in session.scalars(
                select(SentReminder.key).where(
                    SentReminder.user_id >= low, SentReminder.user_id <= high
                )
            )
            if key in wanted
        )
    return found


class _Supervisors:
    """Who hears of an overdue person (see the module's docstring)."""

    def __init__(self, session: Session, person_ids: Sequence[int], on: date) -> None:
        self.parent: dict[int, int | None] = {
            unit_id: parent_id
            for unit_id, parent_id in session.execute(select(OrgUnit.id, OrgUnit.parent_id))
        }
        self.hr_by_unit: dict[int | None, list[int]] = defaultdict(list)
        self.supervisors_by_unit: dict[int, list[int]] = defaultdict(list)
        for user_id, unit_id, role in session.execute(
            select(User.id, User.org_unit_id, UserRole.role)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role.in_((Role.HR.value, Role.SUPERVISOR.value)),
                User.active.is_(True),
            )
        ):
            if role == Role.HR.value:
                self.hr_by_unit[unit_id].append(user_id)
            elif unit_id is not None:
                self.supervisors_by_unit[unit_id].append(user_id)
        spells: dict[int, list[rules.Spell[int]]] = defaultdict(list)
        homes: dict[int, int | None] = {}
        ids = sorted(set(person_ids))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for user_id, starts, ends, unit_id in session.execute(
                select(
                    UnitSpell.user_id, UnitSpell.starts_on, UnitSpell.ends_on, UnitSpell.unit_id
                ).where(UnitSpell.user_id.in_(chunk))
            ):
                spells[user_id].append(rules.Spell(starts, ends, unit_id))
            for user_id, unit_id in session.execute(
                select(User.id, User.org_unit_id).where(User.id.in_(chunk))
            ):
                homes[user_id] = unit_id
        self.unit = {
            pid: rules.value_on(spells[pid], on) if spells[pid] else homes.get(pid) for pid in ids
        }

    def _up(self, person_id: int) -> list[int]:
        """The person's unit and its ancestors, nearest first."""
        chain, unit = [], self.unit.get(person_id)
        while unit is not None and unit not in chain:
            chain.append(unit)
            unit = self.parent.get(unit)
        return chain

    def of(self, person_id: int) -> list[int]:
        chain = self._up(person_id)
        for unit in chain:
            nearest = set(self.supervisors_by_unit.get(unit, ())) - {person_id}
            if nearest:
                return sorted(nearest)
        found = list(self.hr_by_unit.get(None, ()))
        for unit in chain:
            found.extend(self.hr_by_unit.get(unit, ()))
        return sorted(set(found) - {person_id})


def send_due_reminders(
    session: Session,
    now: datetime,
    mailer: Mailer | None = None,
    offsets: Sequence[int] = DEFAULT_OFFSETS,
) -> RunCounts:
    """Send every reminder due as of ``now`` that was not sent before (see the module's
    docstring); flushes, never commits."""
    on = compliance.local_date(now)
    assert on is not None
    counts = RunCounts()
    people = list(
        session.scalars(
            select(TrackedPerson.user_id)
            .join(User, User.id == TrackedPerson.user_id)
            .where(User.active.is_(True))
            .order_by(TrackedPerson.user_id)
        )
    )
    counts.people = len(people)
    planned: list[_Due] = []
    built = spans.fresh(session)
    for requirement_id, name in session.execute(
        select(Requirement.id, Requirement.name).order_by(Requirement.id)
    ):
        if requirement_id in built:  # read from the spans; the same answer, faster
            active = set(people)
            found = spans.statuses_on(session, requirement_id, on)
            now_statuses = {p: s for p, s in found.items() if p in active}
        else:
            now_statuses = compliance.statuses(session, requirement_id, people, on)
        for person_id, status in sorted(now_statuses.items()):
            for reminder in due_reminders(status, on, offsets):
                key = reminder.key(person_id, requirement_id)
                planned.append(_Due(key, person_id, requirement_id, name, reminder))
    sent = _already_sent(session, planned)
    todo = [d for d in planned if d.key not in sent]
    counts.already_sent = len(planned) - len(todo)
    if not todo:
        return counts

    escalated = [d.person_id for d in todo if d.reminder.kind == Kind.ESCALATION]
    supervisors = _Supervisors(session, escalated, on) if escalated else None
    addressed: list[tuple[_Due, list[int]]] = []
    for due in todo:
        if due.reminder.kind == Kind.ESCALATION:
            assert supervisors is not None
            addressed.append((due, supervisors.of(due.person_id)))
        else:
            addressed.append((due, [due.person_id]))
    who = _people(session, {i for due, to in addressed for i in (due.person_id, *to)})
    claimed = _claim_all(session, addressed, now)
    outbox: list[tuple[int, str, str, str]] = []  # reminder id, address, title, body
    sent_notices: list[notices.NewNotice] = []
    for due, recipients in addressed:
        reminder_id = claimed.get(due.key)
        if reminder_id is None:  # another server took it between our look-up and the insert
            counts.already_sent += 1
            continue
        counts.reminders += 1
        if not recipients:
            counts.escalations_without_recipient += 1
        name, employee_no, _email = who[due.person_id]
        title, body = message_for(due, name, employee_no, on)
        for recipient in recipients:
            sent_notices.append(notices.NewNotice(recipient, title, body, reminder_id))
            address = who[recipient][2]
            if mailer is not None and address:
                outbox.append((reminder_id, address, title, body))
    counts.notices += notices.notify_all(session, sent_notices, now)
    session.flush()
    if mailer is not None:
        _send_mail(session, mailer, outbox, counts)
    return counts


def _people(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str | None]]:
    """Name, 工号 and e-mail of each of ``ids``."""
    found: dict[int, tuple[str, str, str | None]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        for user_id, name, employee_no, email in session.execute(
            select(User.id, User.name, User.employee_no, User.email).where(
                User.id.in_(ordered[start : start + CHUNK])
            )
        ):
            found[user_id] = (name, employee_no, email)
    return found


def _send_mail(
    session: Session,
    mailer: Mailer,
    outbox: Sequence[tuple[int, str, str, str]],
    counts: RunCounts,
) -> None:
    emailed: dict[int, int] = defaultdict(int)
    for reminder_id, address, title, body in outbox:
        try:
            mailer.send(address, title, body)
        except (smtplib.SMTPException, OSError) as error:
            counts.email_failures += 1
            log.warning("reminder e-mail to %s failed: %s", address, error)
            continue
        counts.emails += 1
        emailed[reminder_id] += 1
    for reminder_id, n in emailed.items():
        session.execute(
            update(SentReminder)
            .where(SentReminder.id == reminder_id)
            .values(emails=n)
            .execution_options(synchronize_session=False)
        )
    session.flush()


# --- for the scheduler -------------------------------------------------------------------------

JobFunction = Callable[[Session, datetime], str]


def reminder_job(session: Session, now: datetime) -> str:
    """The scheduled job: send what is due, with e-mail when ``SMTP_HOST`` is configured, and
    commit once; returns a one-line summary. Run it in an app context (it reads the config),
    as often as you like (hourly is plenty): each reminder goes out once."""
    config = current_app.config
    settings = SmtpSettings.from_config(config)
    offsets = tuple(config.get("REMINDER_OFFSETS") or DEFAULT_OFFSETS)
    if settings is None:
        counts = send_due_reminders(session, now, None, offsets)
    else:
        with SmtpMailer(settings) as mailer:
            counts = send_due_reminders(session, now, mailer, offsets)
    session.commit()
    return counts.summary()


#: The jobs this package offers the scheduler: (name, function, how often).
JOBS: tuple[tuple[str, JobFunction, timedelta], ...] = (
    ("tracking.reminders", reminder_job, timedelta(hours=1)),
)


def register_jobs(register: Callable[[str, JobFunction, timedelta], Any]) -> None:
    """Hand each of this package's jobs to the scheduler: ``register(name, job, every)``,
    where ``job(session, now) -> str`` runs in an app context and commits itself (the
    scheduler's lease makes one server run it at a time; the unique keys make a reminder go
    out once even if two do)."""
    for name, job, every in JOBS:
        register(name, job, every)
