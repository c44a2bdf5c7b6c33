"""Tracking: people's dated history (hire, position and unit spells, absences), requirements
and their versions, exemptions and extensions. Rows are appended, never rewritten: a move
ends one spell and starts the next, an edit of a rule is a new version, and each row says who
recorded it and when, so ``rules.status`` can answer for any past date."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_app.db import Base, EnumText, UTCDateTime, in_check, utcnow
from exam_app.tracking.reminder_rules import Kind as ReminderKind
from exam_app.tracking.rules import Cause, GraceFrom, State

if TYPE_CHECKING:
    from exam_app.accounts.models import User

__all__ = [
    "Absence",
    "Exemption",
    "Extension",
    "GraceFrom",
    "Notice",
    "PositionSpell",
    "Requirement",
    "RequirementVersion",
    "SentReminder",
    "SpanBuild",
    "StatusSpan",
    "TrackedPerson",
    "UnitSpell",
]

_ENDS_AFTER_START = "ends_on IS NULL OR ends_on >= starts_on"


class TrackedPerson(Base):
    """A person whose requirements are tracked: the hire date. Without this row nothing is
    required of them (the roster import and the admin pages create it)."""

    __tablename__ = "tracking_people"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hired_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PositionSpell(Base):
    """The position (岗位: 客服代表 …) held from ``starts_on`` to ``ends_on`` (the last day;
    NULL: still held)."""

    __tablename__ = "tracking_position_spells"
    __table_args__ = (CheckConstraint(_ENDS_AFTER_START, name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class UnitSpell(Base):
    """The org unit worked in from ``starts_on`` to ``ends_on`` (the last day; NULL: still)."""

    __tablename__ = "tracking_unit_spells"
    __table_args__ = (CheckConstraint(_ENDS_AFTER_START, name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Absence(Base):
    """Away from ``starts_on`` to ``ends_on`` (the last day away; NULL: not back yet)."""

    __tablename__ = "tracking_absences"
    __table_args__ = (CheckConstraint(_ENDS_AFTER_START, name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Requirement(Base):
    """A rule HR defines ("every 客服代表 in 营业厅 units holds a valid 中级工 certificate");
    what it asks is in its versions."""

    __tablename__ = "tracking_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    versions: Mapped[list[RequirementVersion]] = relationship(
        back_populates="requirement",
        order_by="(RequirementVersion.effective_from, RequirementVersion.id)",
    )


class RequirementVersion(Base):
    """What a requirement asks from ``effective_from`` on (``rules.RequirementVersion``).
    Never edited: an edit is a new row, and of two with the same date the later row counts."""

    __tablename__ = "tracking_requirement_versions"
    __table_args__ = (
        CheckConstraint(in_check("grace_from", GraceFrom), name="grace_from_valid"),
        CheckConstraint(
            "grace_days >= 0 AND renewal_window_days >= 0"
            " AND (return_after_absence_days IS NULL OR return_after_absence_days > 0)",
            name="days_valid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tracking_requirements.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(30))  #: bank Level code
    #: positions covered (NULL: every position)
    positions: Mapped[list[str] | None] = mapped_column(JSON)
    #: org units covered, each with its whole subtree (NULL: every unit)
    unit_ids: Mapped[list[int] | None] = mapped_column(JSON)
    #: true: hold a valid certificate of the level; false: have passed an exam of it
    certificate: Mapped[bool] = mapped_column(default=True)
    grace_days: Mapped[int] = mapped_column(default=90)
    grace_from: Mapped[GraceFrom] = mapped_column(EnumText(GraceFrom), default=GraceFrom.HIRE)
    renewal_window_days: Mapped[int] = mapped_column(default=90)
    return_after_absence_days: Mapped[int | None] = mapped_column()
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    requirement: Mapped[Requirement] = relationship(back_populates="versions")


class Exemption(Base):
    """Person not required by a requirement from ``starts_on`` to ``until``, and why."""

    __tablename__ = "tracking_exemptions"
    __table_args__ = (
        CheckConstraint("until >= starts_on", name="until_after_start"),
        Index("ix_tracking_exemptions_requirement_user", "requirement_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tracking_requirements.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Extension(Base):
    """From ``granted_on``, a person's due dates under a requirement before ``due_on`` move
    to ``due_on``; why, who and when."""

    __tablename__ = "tracking_extensions"
    __table_args__ = (
        Index("ix_tracking_extensions_requirement_user", "requirement_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tracking_requirements.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SentReminder(Base):
    """A reminder that went out, once: its stable key (``reminder_rules.Reminder.key``) is
    UNIQUE, and the row is inserted before anything is sent, so of several app servers only
    the one whose insert succeeds sends it (the others' insert does nothing)."""

    __tablename__ = "tracking_sent_reminders"
    __table_args__ = (
        CheckConstraint(in_check("kind", ReminderKind), name="kind_valid"),
        Index("ix_tracking_sent_reminders_user_sent", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  #: whom it is about
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tracking_requirements.id"))
    kind: Mapped[ReminderKind] = mapped_column(EnumText(ReminderKind))
    deadline: Mapped[date] = mapped_column(Date)
    step: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the users it went to (the person, or their supervisors / HR), and how many e-mails
    recipients: Mapped[list[int]] = mapped_column(JSON)
    emails: Mapped[int] = mapped_column(default=0)


class Notice(Base):
    """An in-app notice to a user; unread while ``read_at`` is NULL."""

    __tablename__ = "tracking_notices"
    __table_args__ = (Index("ix_tracking_notices_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the reminder it came from (NULL: another kind of notice)
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracking_sent_reminders.id"), index=True
    )


#: ``StatusSpan.ends_on`` of a span without end: one plain range test finds a date's spans
OPEN_END = date(9999, 12, 31)


class StatusSpan(Base):
    """Derived, never the record: a person's status under a requirement from ``starts_on`` to
    ``ends_on`` (``timeline.Span``), rebuilt from the facts above whenever they change
    (``spans``). The board for any date reads the spans covering it."""

    __tablename__ = "tracking_status_spans"
    __table_args__ = (
        CheckConstraint(in_check("state", State), name="state_valid"),
        CheckConstraint(in_check("cause", Cause), name="cause_valid"),
        Index("ix_tracking_status_spans_days", "ends_on", "starts_on", "requirement_id"),
        Index("ix_tracking_status_spans_person", "user_id", "requirement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("tracking_requirements.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  #: the last day; OPEN_END: no end
    unit_id: Mapped[int | None] = mapped_column()  #: the unit worked in (None: not on the board)
    position: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(30))  #: asked by the version in force ("": none)
    state: Mapped[State] = mapped_column(EnumText(State))
    until: Mapped[date | None] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date)
    since: Mapped[date | None] = mapped_column(Date)
    cause: Mapped[Cause | None] = mapped_column(EnumText(Cause))
    extended: Mapped[bool] = mapped_column(default=False)


class SpanBuild(Base):
    """The spans of a requirement were built for everyone from its versions and the org tree
    as ``fingerprint`` sums them up; a different sum now means they are stale."""

    __tablename__ = "tracking_span_builds"

    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("tracking_requirements.id"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
