"""Cohort statistics for one exam: up to four groups (org units with their subtree, cohorts HR
defines, or everyone the viewer sees) side by side, each in a period (default the last twelve
months, Beijing days; or this year against last), under a counting rule (the first attempt per
person by default; all, best, last).

Read from the compact answer sheets only (one row per graded attempt), in one statement with
the columns the figures need; ``summary`` computes with numpy. Reads only; ``today`` and ``now``
are given.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.bank.models import Category
from exam_app.errors import DomainError, NotFound
from exam_app.exams.models import Exam
from exam_app.stats import cohorts, summary
from exam_app.stats.models import AnswerSheet, Cohort
from exam_app.stats.selection import Counting
from exam_app.stats.summary import Sheets, Summary
from exam_app.tracking.scope import subtree

#: groups compared at most
MAX_GROUPS = 4
#: roles that see every person's results
EVERYONE = (Role.HR, Role.ADMIN, Role.TRAINER)
ALL = "all"


def visible_units(session: Session, viewer: User) -> frozenset[int] | None:
    """The units whose people's results ``viewer`` sees (None: everyone's). HR, administrators
    and trainers see everyone; a supervisor their own unit's subtree; anyone else no one."""
    if viewer.has_role(*EVERYONE):
        return None
    if viewer.has_role(Role.SUPERVISOR) and viewer.org_unit_id is not None:
        return subtree(session, viewer.org_unit_id)
    return frozenset()


@dataclass(frozen=True)
class Query:
    """What the page asks for; ``refs`` are "unit:<id>", "cohort:<id>" or "all"."""

    exam_id: int
    refs: tuple[str, ...] = (ALL,)
    start: date | None = None
    end: date | None = None
    counting: Counting = Counting.FIRST
    years: bool = False  #: this year against last (``start`` and ``end`` ignored)


@dataclass(frozen=True)
class Group:
    ref: str
    label: str
    start: date
    end: date
    members: int | None  #: people in the group (None: everyone the viewer sees)
    summary: Summary


@dataclass(frozen=True)
class Report:
    exam_id: int
    exam_title: str
    pass_percent: float
    counting: Counting
    years: bool
    groups: tuple[Group, ...]
    axis: tuple[str, ...]  #: the trend's x labels ("YYYY-MM", or "MM" this year against last)
    categories: dict[int, str]  #: category id → name, for the categories the groups show
    computed_at: datetime  #: when these figures were computed (now)
    newest: datetime | None  #: the newest sheet counted (its grading time)
    sheets_read: int


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off for a while: 100,000 rows of small objects (rows, tuples, ids)
    set it off again and again (a third of the read's time), and none of them is in a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _epoch_seconds(column: Any, dialect: str) -> Any:
    """The UTC time as whole epoch seconds, computed by the database: 100,000 datetimes made
    in Python cost more than the rest of the read."""
    if dialect == "sqlite":  # stored as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff"
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def _epoch_micros(column: Any, dialect: str) -> Any:
    """The UTC time as whole epoch microseconds (exact: the order of two starts is kept; a
    window ``rank()`` would sort in the database, a third of the read's time)."""
    if dialect == "sqlite":  # SQLAlchemy writes six digits of microseconds at 21–26
        seconds = cast(func.strftime("%s", column), BigInteger)
        return seconds * 1_000_000 + cast(func.substr(column, 21, 6), BigInteger)
    return cast(func.extract("epoch", column) * 1_000_000, BigInteger)


def read_sheets(session: Session, exam_id: int) -> Sheets:
    """Every sheet of the exam: one statement, seven columns (the start in epoch microseconds,
    the grading time in epoch seconds, by_category as its JSON text)."""
    dialect = session.get_bind().dialect.name
    query = select(
        AnswerSheet.attempt_id,
        AnswerSheet.user_id,
        _epoch_micros(AnswerSheet.started_at, dialect),
        _epoch_seconds(AnswerSheet.graded_at, dialect),
        AnswerSheet.percent,
        AnswerSheet.passed,
        cast(AnswerSheet.by_category, Text),
    ).where(AnswerSheet.exam_id == exam_id)
    with gc_paused():
        # Core, not the ORM's result machinery: plain rows, a third faster
        return summary.sheets_from_rows(session.connection().execute(query).all())


def _resolve(
    session: Session, ref: str, on: date, scope: frozenset[int] | None
) -> tuple[str, frozenset[int] | None]:
    """The group's label and members (limited to the viewer's units)."""
    kind, _sep, raw = ref.partition(":")
    target: Cohort | OrgUnit | None = None
    if kind == "unit" and raw.isdecimal():
        target = session.get(OrgUnit, int(raw))
        if target is not None and scope is not None and target.id not in scope:
            raise DomainError(_("只能查看本单位及下级单位的统计。"))
    elif kind == "cohort" and raw.isdecimal():
        target = session.get(Cohort, int(raw))
    elif ref != ALL:
        raise NotFound(_("群组不存在。"))
    if ref == ALL:
        found = None if scope is None else _scope_members(session, scope)
        return _("全部"), found
    if target is None:
        raise NotFound(_("群组不存在。"))
    found = cohorts.members(session, target, on)
    if scope is not None:
        found = found & _scope_members(session, scope)
    return target.name, found


def _scope_members(session: Session, scope: frozenset[int]) -> frozenset[int]:
    query = select(User.id).where(User.org_unit_id.in_(sorted(scope)))
    return frozenset(session.connection().execute(query).scalars())


def _periods(query: Query, today: date) -> list[tuple[date, date, str]]:
    if query.years:
        this, last = summary.year_against_last(today)
        return [(*this, str(today.year)), (*last, str(today.year - 1))]
    start, end = summary.last_twelve_months(today)
    start, end = query.start or start, query.end or end
    if start > end:
        raise DomainError(_("开始日期晚于结束日期。"), field="start")
    return [(start, end, "")]


def report(
    session: Session,
    query: Query,
    scope: frozenset[int] | None,
    today: date,
    now: datetime,
) -> Report:
    """The figures of every group the query names, for the viewer's ``scope`` of units.

    :raises NotFound: no such exam, unit or cohort
    :raises DomainError: more than ``MAX_GROUPS`` groups, a unit outside the scope, a period
        that ends before it starts
    """
    exam = session.get(Exam, query.exam_id)
    if exam is None:
        raise NotFound(_("考试不存在。"))
    refs = tuple(dict.fromkeys(query.refs)) or (ALL,)
    periods = _periods(query, today)
    if len(refs) * len(periods) > MAX_GROUPS:
        raise DomainError(_("最多同时比较 %(n)d 组。", n=MAX_GROUPS))
    with gc_paused():
        sheets = summary.counted(read_sheets(session, exam.id), query.counting.value)
        groups = _groups(session, sheets, refs, periods, scope, today)
    newest = max((g.summary.newest for g in groups if g.summary.newest), default=None)
    first = summary.months_between(groups[0].start, groups[0].end)
    axis = tuple(m[5:] for m in first) if query.years else tuple(first)
    return Report(
        exam.id,
        exam.title,
        float(exam.pass_percent),
        query.counting,
        query.years,
        tuple(groups),
        axis,
        _category_names(session, groups),
        now,
        None if newest is None else datetime.fromtimestamp(newest, UTC),
        len(sheets),
    )


def _groups(
    session: Session,
    sheets: Sheets,
    refs: Sequence[str],
    periods: Sequence[tuple[date, date, str]],
    scope: frozenset[int] | None,
    today: date,
) -> list[Group]:
    """Each ref's figures in each period (this year, last year: a group each)."""
    groups: list[Group] = []
    for ref in refs:
        label, found = _resolve(session, ref, min(today, periods[0][1]), scope)
        mine = summary.of_members(sheets, found)
        for start, end, year in periods:
            months = summary.months_between(start, end)
            figures = summary.summarize(summary.in_period(mine, start, end), months)
            shown = f"{label} {year}" if year else label
            size = None if found is None else len(found)
            groups.append(Group(ref, shown, start, end, size, figures))
    return groups


def _category_names(session: Session, groups: Sequence[Group]) -> dict[int, str]:
    ids = sorted({c.category_id for g in groups for c in g.summary.categories})
    if not ids:
        return {}
    rows = session.execute(select(Category.id, Category.name).where(Category.id.in_(ids)))
    return dict(rows.all())


def exams_with_sheets(session: Session) -> list[tuple[int, str]]:
    """(id, title) of the exams that have graded attempts, newest first."""
    has = select(AnswerSheet.exam_id).where(AnswerSheet.exam_id == Exam.id).exists()
    return list(session.execute(select(Exam.id, Exam.title).where(has).order_by(Exam.id.desc())))
