"""Statistics' own tables. Nothing here is a fact: every row is derived from the grading
path's tables (attempts, attempt_items, answers) and can be rebuilt from them.

* ``AnswerSheet``: one graded attempt in a compact form (its items, points, scores and chosen
  options as packed arrays), written inside the grading transaction, so a full recomputation
  reads 100,000 rows instead of ten million responses.
* ``PendingSheet``: attempts graded since the figures were last brought up to date; the
  ``stats.refresh`` job folds them in (one sheet added to a tally is a few milliseconds) and
  deletes them in the same transaction.
* ``Figures``: an exam's item analysis under one counting rule (first / all / best / last
  attempt per person): the tally it was computed from (additive counts) and the result, with
  when it was computed. ``ItemFigures``: one bank item pooled over every exam that used it.
* ``Cohort`` and ``CohortMember``: the groups HR defines (a training class, a hiring batch,
  a hand-picked list, a saved filter); org units are cohorts without a row here.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from exam_app.db import Base, EnumText, UTCDateTime, in_check, utcnow
from exam_app.stats.selection import Counting

__all__ = [
    "AnswerSheet",
    "Cohort",
    "CohortKind",
    "CohortMember",
    "Counting",
    "Figures",
    "ItemFigures",
    "PendingSheet",
]


class AnswerSheet(Base):
    """A graded attempt, packed: ``items`` int32 item ids in paper order, ``points`` and
    ``scores`` float32 (the maximum and what was earned), ``chosen`` int16 bitmasks of the
    original option labels chosen (bit 0 = A; 0 = unanswered). Rewritten on a regrade."""

    __tablename__ = "stats_sheets"
    __table_args__ = (Index("ix_stats_sheets_exam_user", "exam_id", "user_id"),)

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    earned: Mapped[float] = mapped_column()
    possible: Mapped[float] = mapped_column()
    percent: Mapped[float] = mapped_column()
    passed: Mapped[bool] = mapped_column()
    items: Mapped[bytes] = mapped_column(LargeBinary)
    points: Mapped[bytes] = mapped_column(LargeBinary)
    scores: Mapped[bytes] = mapped_column(LargeBinary)
    chosen: Mapped[bytes] = mapped_column(LargeBinary)
    #: per-category earned and possible points (``{category id: [earned, possible]}``)
    by_category: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PendingSheet(Base):
    """A sheet written (or rewritten, ``regraded``) since the figures last took it in."""

    __tablename__ = "stats_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(index=True)
    exam_id: Mapped[int] = mapped_column(index=True)
    regraded: Mapped[bool] = mapped_column(default=False)
    #: 1: waiting for the default figures (first attempt per person); 2: for the other rules
    stage: Mapped[int] = mapped_column(default=1)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Figures(Base):
    """An exam's item analysis under one counting rule: the tally (JSON of integer counts)
    and the figures computed from it. ``sheets`` is how many attempts it counts."""

    __tablename__ = "stats_figures"
    __table_args__ = (
        UniqueConstraint("exam_id", "counting"),
        CheckConstraint(in_check("counting", Counting), name="counting_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    counting: Mapped[Counting] = mapped_column(EnumText(Counting))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sheets: Mapped[int] = mapped_column(default=0)
    #: bumped on every write: a process that parsed this tally may reuse it while it holds
    revision: Mapped[int] = mapped_column(default=0)
    tally: Mapped[str] = mapped_column(Text, default="")  #: ``Tally.to_json()``
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ItemFigures(Base):
    """One bank item pooled over every exam that used it (default counting), with its flags,
    which the trainers' bank and review pages show."""

    __tablename__ = "stats_item_figures"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    n: Mapped[int] = mapped_column(default=0)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CohortKind(StrEnum):
    TRAINING_CLASS = "class"  #: 培训班
    HIRING_BATCH = "batch"  #: 入职批次
    LIST = "list"  #: a hand-picked list
    FILTER = "filter"  #: a saved filter (position, level, hire dates, unit)


class Cohort(Base):
    """A group of people HR compares. A filter cohort's members are whoever matches
    ``criteria`` on the day it is read; the others list their members."""

    __tablename__ = "stats_cohorts"
    __table_args__ = (CheckConstraint(in_check("kind", CohortKind), name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[CohortKind] = mapped_column(EnumText(CohortKind))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: a filter cohort's criteria: position, level, unit_id, hired_from, hired_to
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starts_on: Mapped[date | None] = mapped_column(Date)  #: a class's or batch's first day
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CohortMember(Base):
    __tablename__ = "stats_cohort_members"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("stats_cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
