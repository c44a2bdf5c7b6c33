"""Exams (组卷规则 and settings), attempts with their drawn papers, answers and event logs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_app.bank.parsed import ItemType
from exam_app.db import Base, EnumText, UTCDateTime, in_check, utcnow

if TYPE_CHECKING:
    from exam_app.accounts.models import User


class ExamMode(StrEnum):
    PRACTICE = "practice"
    CERTIFICATION = "certification"


class ExamStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class ReviewPolicy(StrEnum):
    SCORE_ONLY = "score"
    BY_CATEGORY = "category"
    FULL = "full"  # answers with keys and explanations


MODE_LABELS = {ExamMode.PRACTICE: _l("练习"), ExamMode.CERTIFICATION: _l("认证考试")}
EXAM_STATUS_LABELS = {
    ExamStatus.DRAFT: _l("草稿"),
    ExamStatus.PUBLISHED: _l("已发布"),
    ExamStatus.CLOSED: _l("已关闭"),
}
REVIEW_LABELS = {
    ReviewPolicy.SCORE_ONLY: _l("只看分数"),
    ReviewPolicy.BY_CATEGORY: _l("分数及各分类得分"),
    ReviewPolicy.FULL: _l("答案、标准答案及解析"),
}


class Exam(Base):
    __tablename__ = "exams"
    __table_args__ = (
        CheckConstraint(in_check("mode", ExamMode), name="mode_valid"),
        CheckConstraint(in_check("status", ExamStatus), name="status_valid"),
        CheckConstraint(in_check("review_policy", ReviewPolicy), name="review_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[ExamMode] = mapped_column(EnumText(ExamMode))
    status: Mapped[ExamStatus] = mapped_column(EnumText(ExamStatus), default=ExamStatus.DRAFT)
    level: Mapped[str | None] = mapped_column(String(30))  #: bank Level code; None = any
    duration_minutes: Mapped[int] = mapped_column(default=60)
    pass_percent: Mapped[float] = mapped_column(default=60.0)
    points_single: Mapped[float] = mapped_column(default=1.0)
    points_multiple: Mapped[float] = mapped_column(default=2.0)
    points_judge: Mapped[float] = mapped_column(default=1.0)
    partial_credit: Mapped[bool] = mapped_column(default=False)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    #: certification: the window, who may sit, how often
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_attempts: Mapped[int | None] = mapped_column()
    wait_minutes: Mapped[int] = mapped_column(default=0)
    review_policy: Mapped[ReviewPolicy] = mapped_column(
        EnumText(ReviewPolicy), default=ReviewPolicy.FULL
    )
    #: certificates: a pass of a certification exam with a validity issues one
    certificate_title: Mapped[str] = mapped_column(String(100), default="用电客户受理员")
    certificate_months: Mapped[int | None] = mapped_column()  #: None: issues no certificate
    #: a pass this many days before the old certificate expires renews from its expiry
    renewal_window_days: Mapped[int] = mapped_column(default=90)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rules: Mapped[list[ExamRule]] = relationship(
        back_populates="exam", cascade="all, delete-orphan", order_by="ExamRule.position"
    )
    assignments: Mapped[list[ExamAssignment]] = relationship(
        back_populates="exam", cascade="all, delete-orphan"
    )

    def points_for(self, item_type: str) -> float:
        return {
            "single": self.points_single,
            "multiple": self.points_multiple,
            "judge": self.points_judge,
        }[item_type]


class ExamRule(Base):
    """One line of the blueprint: fixed items, or N random items by category × type × difficulty."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    count: Mapped[int] = mapped_column(default=1)
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  #: non-empty = fixed rule
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    type: Mapped[ItemType | None] = mapped_column(EnumText(ItemType))
    difficulty_min: Mapped[int] = mapped_column(default=1)
    difficulty_max: Mapped[int] = mapped_column(default=5)

    exam: Mapped[Exam] = relationship(back_populates="rules")

    @property
    def key(self) -> str:
        return f"r{self.position}"


class ExamAssignment(Base):
    """Who may sit a certification exam: an org unit (and everything below it) or one person."""

    __tablename__ = "exam_assignments"
    __table_args__ = (
        CheckConstraint("(org_unit_id IS NULL) <> (user_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    exam: Mapped[Exam] = relationship(back_populates="assignments")


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


ATTEMPT_STATUS_LABELS = {
    AttemptStatus.IN_PROGRESS: _l("作答中"),
    AttemptStatus.SUBMITTED: _l("已交卷"),
}


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint(in_check("status", AttemptStatus), name="status_valid"),
        Index("ix_attempts_status_deadline", "status", "deadline_at"),
        Index("ix_attempts_user_exam", "user_id", "exam_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the paper is drawn from random.Random(seed): stored so it can be rebuilt for an audit
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[AttemptStatus] = mapped_column(
        EnumText(AttemptStatus), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extra_seconds: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    earned: Mapped[float | None] = mapped_column()
    possible: Mapped[float | None] = mapped_column()
    percent: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    #: {category_id or "none": [earned, possible]}
    by_category: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptItem.position"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="Answer.position"
    )
    events: Mapped[list[AttemptEvent]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptEvent.id"
    )


class AttemptItem(Base):
    """One question of a drawn paper: the exact version, and the option order shown."""

    __tablename__ = "attempt_items"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    rule_key: Mapped[str] = mapped_column(String(20))
    option_order: Mapped[list[str]] = mapped_column(JSON)  #: original labels, as displayed
    points: Mapped[float] = mapped_column()
    #: after grading: what it earned (None before)
    earned: Mapped[float | None] = mapped_column()
    #: a corrected key (original labels) set by a regrade; grading uses it instead of the
    #: version's key, so the version the candidate saw stays exactly as it was
    key_override: Mapped[list[str] | None] = mapped_column(JSON)

    attempt: Mapped[Attempt] = relationship(back_populates="items")


class Answer(Base):
    """The candidate's latest answer to one question, saved the moment it is given."""

    __tablename__ = "answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: original labels chosen (never the displayed positions: shuffling cannot change grading)
    response: Mapped[list[str]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(default=False)
    #: practice only: the feedback (key and explanation) was shown, so the answer can no longer
    #: change. A multiple-choice answer is final once confirmed; single and true/false at once.
    final: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: bumped on every accepted save; a save based on an older revision is refused, so a
    #: second tab showing stale state can never overwrite a newer answer
    revision: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class AttemptEventKind(StrEnum):
    STARTED = "started"
    OPENED = "opened"  # the attempt page was first shown
    ANSWERED = "answered"
    CONFLICT = "conflict"
    HIDDEN = "hidden"
    VISIBLE = "visible"
    RESUMED = "resumed"  # opened again (reload, another tab or device)
    HEARTBEAT_GAP = "heartbeat_gap"
    EXTRA_TIME = "extra_time"
    SUBMITTED = "submitted"
    AUTO_SUBMITTED = "auto_submitted"
    REGRADED = "regraded"
    REGRADE_REVERTED = "regrade_reverted"


class AttemptEvent(Base):
    """The attempt's log, readable by HR: what happened when, from which browser."""

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    attempt: Mapped[Attempt] = relationship(back_populates="events")


class WrongBookEntry(Base):
    """错题本: an item the operator missed; it leaves after two right answers in a row."""

    __tablename__ = "wrong_book"
    __table_args__ = (UniqueConstraint("user_id", "item_id", name="uq_wrong_book_user_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    misses: Mapped[int] = mapped_column(default=1)
    right_streak: Mapped[int] = mapped_column(default=0)
    last_missed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Regrade(Base):
    """A key correction applied to finished attempts: what changed, by whom, and its undoing."""

    __tablename__ = "regrades"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))  #: the corrected key
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: per attempt item: attempt_id, position, old/new key_override, earned, percent, passed
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
