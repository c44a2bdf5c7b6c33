"""The compliance board: every tracked person's status under every requirement as of a date,
counted per org unit (each unit with its subtree), filtered, and exported to Excel. Reads only;
no clock (``on`` is given). Everything comes from ``compliance`` (the stored, dated facts handed
to ``rules.status``), so the board for a past date is what those facts say for that day.

A person counts in the unit they worked in on ``on`` (``History.unit_on``), with the position
they held then; someone not yet hired, or without a unit on that day, is not on the board.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, User
from exam_app.tracking import compliance, rules, spans
from exam_app.tracking.models import Requirement, StatusSpan, TrackedPerson
from exam_app.tracking.rules import State
from exam_app.tracking.scope import subtree
from exam_app.trees import depth_first

#: the order statuses are counted, shown and sorted in (worst first)
STATES = (State.OVERDUE, State.DUE_SOON, State.COMPLIANT, State.EXEMPT, State.NOT_REQUIRED)
_RANK = {state: n for n, state in enumerate(STATES)}


@dataclass(frozen=True)
class Filters:
    unit_id: int | None = None  #: the unit and its subtree
    position: str = ""
    level: str = ""  #: the level the requirement asks for on the date
    status: str = ""  #: a ``State`` value
    due_within_days: int | None = None  #: due soon (or valid until) within N days of the date
    requirement_id: int | None = None


@dataclass(frozen=True)
class Row:
    """One person under one requirement as of the board's date."""

    user_id: int
    name: str
    employee_no: str
    unit_id: int
    position: str
    requirement_id: int
    requirement: str
    level: str  #: asked for on the date ("" when no version is in force)
    status: rules.Status

    @property
    def deadline(self) -> date | None:
        """The day that matters: due by, valid until, overdue since, or exempt until."""
        s = self.status
        return s.due or s.since or s.until


@dataclass
class UnitCounts:
    unit: OrgUnit
    depth: int
    counts: dict[State, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def bar(self) -> list[tuple[State, float, float]]:
        """(state, x, width) in percent of the unit's total, for an SVG bar."""
        total, x, out = self.total, 0.0, []
        for state in STATES:
            if total and self.counts[state]:
                width = 100.0 * self.counts[state] / total
                out.append((state, round(x, 3), round(width, 3)))
                x += width
        return out


@dataclass
class Board:
    on: date
    filters: Filters
    rows: list[Row]  #: the filtered rows, worst first (up to the limit asked for)
    row_count: int  #: how many rows the filters keep in all
    tree: list[UnitCounts]  #: the units shown (the chosen unit's subtree), each with counts
    totals: dict[State, int]
    positions: list[str]  #: every position held on the date, for the filter


def all_rows(session: Session, on: date, requirement_ids: Iterable[int] | None = None) -> list[Row]:
    """Every tracked person with a unit on ``on`` under every requirement (or those given):
    the people's facts are loaded once for all requirements."""
    reqs = session.execute(select(Requirement.id, Requirement.name).order_by(Requirement.name))
    requirements = [(rid, name) for rid, name in reqs]
    if requirement_ids is not None:
        wanted = set(requirement_ids)
        requirements = [(rid, name) for rid, name in requirements if rid in wanted]
    people = {
        uid: (name, no)
        for uid, name, no in session.execute(
            select(User.id, User.name, User.employee_no).join(
                TrackedPerson, TrackedPerson.user_id == User.id
            )
        )
    }
    facts = compliance.people_facts(session, people)
    placed: dict[int, tuple[int, str]] = {}
    for uid, person in facts.items():
        unit = person.history.unit_on(on)
        if unit is not None and person.history.hired_on <= on:
            placed[uid] = (unit, person.history.position_on(on) or "")
    rows: list[Row] = []
    for rid, rname in requirements:
        version = rules.version_on(compliance.requirement_versions(session, rid), on)
        level = version.level if version is not None and not version.retired else ""
        found = compliance.statuses_with_facts(session, rid, facts, placed, on)
        for uid, (unit, position) in placed.items():
            name, no = people[uid]
            rows.append(Row(uid, name, no, unit, position, rid, rname, level, found[uid]))
    return rows


def _keep(row: Row, filters: Filters, units: set[int] | None, on: date) -> bool:
    if units is not None and row.unit_id not in units:
        return False
    if filters.position and row.position != filters.position:
        return False
    if filters.level and row.level != filters.level:
        return False
    if filters.status and row.status.state != filters.status:
        return False
    if filters.due_within_days is not None:
        s = row.status
        if s.state == State.DUE_SOON:
            day = s.due
        elif s.state == State.COMPLIANT:
            day = s.until
        else:
            return False
        if day is None or day > on + timedelta(days=filters.due_within_days):
            return False
    return True


def board(
    session: Session,
    filters: Filters,
    on: date,
    scope: frozenset[int] | None = None,
    limit: int | None = None,
) -> Board:
    """The board as of ``on``; ``scope`` keeps it to those units (a supervisor's subtree),
    ``limit`` to the worst rows first. Read from the status spans when every requirement shown
    has fresh ones (``spans.fresh``), else computed from the facts: the same answer."""
    requirement_ids = None if filters.requirement_id is None else [filters.requirement_id]
    units = None if filters.unit_id is None else set(subtree(session, filters.unit_id))
    if scope is not None:
        units = set(scope) if units is None else units & scope
    wanted = set(requirement_ids or session.scalars(select(Requirement.id)))
    if wanted <= spans.fresh(session):
        found = _from_spans(session, filters, on, scope, units, limit)
    else:
        found = _from_facts(session, filters, on, scope, units, limit)
    rows, row_count, leaf_counts, positions = found
    return Board(
        on,
        filters,
        rows,
        row_count,
        _tree(session, leaf_counts, units),
        _totals(leaf_counts),
        positions,
    )


_Found = tuple[list[Row], int, dict[int, dict[State, int]], list[str]]


def _from_facts(
    session: Session,
    filters: Filters,
    on: date,
    scope: frozenset[int] | None,
    units: set[int] | None,
    limit: int | None,
) -> _Found:
    requirement_ids = None if filters.requirement_id is None else [filters.requirement_id]
    every = all_rows(session, on, requirement_ids)
    if scope is not None:
        every = [r for r in every if r.unit_id in scope]
    rows = [r for r in every if _keep(r, filters, units, on)]
    rows.sort(key=_order)
    leaf_counts: dict[int, dict[State, int]] = {}
    for row in rows:
        counts = leaf_counts.setdefault(row.unit_id, dict.fromkeys(STATES, 0))
        counts[row.status.state] += 1
    positions = sorted({r.position for r in every if r.position})
    return rows[:limit] if limit is not None else rows, len(rows), leaf_counts, positions


def _order(r: Row) -> tuple[int, date, str, int, str]:
    return (_RANK[r.status.state], r.deadline or date.max, r.name, r.user_id, r.requirement)


def _from_spans(
    session: Session,
    filters: Filters,
    on: date,
    scope: frozenset[int] | None,
    units: set[int] | None,
    limit: int | None,
) -> _Found:
    base = [spans.covering(on), StatusSpan.unit_id.is_not(None)]  # no unit: not on the board
    if filters.requirement_id is not None:
        base.append(StatusSpan.requirement_id == filters.requirement_id)
    if scope is not None:
        base.append(StatusSpan.unit_id.in_(sorted(scope)))
    kept = list(base)
    if units is not None and units != scope:
        kept.append(StatusSpan.unit_id.in_(sorted(units)))
    if filters.position:
        kept.append(StatusSpan.position == filters.position)
    if filters.level:
        kept.append(StatusSpan.level == filters.level)
    if filters.status:
        kept.append(StatusSpan.state == filters.status)
    if filters.due_within_days is not None:
        by = on + timedelta(days=filters.due_within_days)
        kept.append(
            or_(
                and_(StatusSpan.state == State.DUE_SOON, StatusSpan.due <= by),
                and_(StatusSpan.state == State.COMPLIANT, StatusSpan.until <= by),
            )
        )
    leaf_counts: dict[int, dict[State, int]] = {}
    for unit_id, state, n in session.execute(
        select(StatusSpan.unit_id, StatusSpan.state, func.count())
        .where(*kept)
        .group_by(StatusSpan.unit_id, StatusSpan.state)
    ):
        if unit_id is not None:  # never: the query keeps spans with a unit
            leaf_counts.setdefault(unit_id, dict.fromkeys(STATES, 0))[State(state)] = n
    row_count = sum(sum(c.values()) for c in leaf_counts.values())
    positions = sorted(
        p for p in session.scalars(select(StatusSpan.position).where(*base).distinct()) if p
    )
    rank = case({state.value: n for n, state in enumerate(STATES)}, value=StatusSpan.state)
    text = _bytewise(session)
    query = (
        select(StatusSpan, User.name, User.employee_no, Requirement.name)
        .join(User, User.id == StatusSpan.user_id)
        .join(Requirement, Requirement.id == StatusSpan.requirement_id)
        .where(*kept)
        .order_by(
            rank,
            func.coalesce(StatusSpan.due, StatusSpan.since, StatusSpan.until, date.max),
            text(User.name),
            StatusSpan.user_id,
            text(Requirement.name),
        )
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [
        Row(
            span.user_id,
            name,
            employee_no,
            span.unit_id or 0,  # never 0: the query keeps spans with a unit
            span.position,
            span.requirement_id,
            requirement,
            span.level,
            spans.status_of(span),
        )
        for span, name, employee_no, requirement in session.execute(query)
    ]
    return rows, row_count, leaf_counts, positions


def _bytewise(session: Session) -> Callable[[Any], Any]:
    """Order text as Python does (by code point): SQLite's default; PostgreSQL's "C"."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda column: column.collate("C")
    return lambda column: column


def _tree(
    session: Session, leaf_counts: dict[int, dict[State, int]], units: set[int] | None
) -> list[UnitCounts]:
    all_units = session.scalars(select(OrgUnit).order_by(OrgUnit.name)).all()
    parent = {u.id: u.parent_id for u in all_units}
    per_unit: dict[int, dict[State, int]] = {}
    for leaf, counts in leaf_counts.items():
        unit: int | None = leaf
        while unit is not None:  # a unit counts its whole subtree
            into = per_unit.setdefault(unit, dict.fromkeys(STATES, 0))
            for state, n in counts.items():
                into[state] += n
            unit = parent.get(unit)
    shown = [u for u in all_units if units is None or u.id in units]
    shown_ids = {u.id for u in shown}

    def parent_in_view(u: OrgUnit) -> int | None:
        return u.parent_id if u.parent_id in shown_ids else None

    return [
        UnitCounts(u, depth, dict(per_unit.get(u.id, dict.fromkeys(STATES, 0))))
        for depth, u in depth_first(shown, lambda u: u.id, parent_in_view)
    ]


def _totals(leaf_counts: dict[int, dict[State, int]]) -> dict[State, int]:
    totals = dict.fromkeys(STATES, 0)
    for counts in leaf_counts.values():
        for state, n in counts.items():
            totals[state] += n
    return totals


def person_statuses(session: Session, user_id: int, on: date) -> list[Row]:
    """One person's requirements as of ``on`` (those that ask something of them)."""
    return [r for r in all_rows_for(session, user_id, on) if r.status.state != State.NOT_REQUIRED]


def all_rows_for(session: Session, user_id: int, on: date) -> list[Row]:
    facts = compliance.people_facts(session, [user_id])
    person = facts.get(user_id)
    if person is None:  # not tracked: no requirement asks anything of them
        return []
    user = session.execute(
        select(User.name, User.employee_no).where(User.id == user_id)
    ).one_or_none()
    if user is None:
        return []
    unit = person.history.unit_on(on)
    position = person.history.position_on(on) or ""
    rows = []
    for rid, rname in session.execute(
        select(Requirement.id, Requirement.name).order_by(Requirement.name)
    ):
        version = rules.version_on(compliance.requirement_versions(session, rid), on)
        level = version.level if version is not None and not version.retired else ""
        found = compliance.statuses_with_facts(session, rid, facts, [user_id], on)[user_id]
        rows.append(
            Row(user_id, user.name, user.employee_no, unit or 0, position, rid, rname, level, found)
        )
    return rows


HEADERS = (
    "姓名",
    "工号",
    "单位",
    "岗位",
    "培训要求",
    "等级",
    "状态",
    "截止/有效期至",
    "逾期起",
    "原因",
)


def workbook(
    rows: list[Row],
    unit_names: dict[int, str],
    state_names: dict[str, str],
    level_names: dict[str, str],
    cause_names: dict[str, str],
    on: date,
) -> bytes:
    """The board's people as an .xlsx: one row per person and requirement, as of ``on``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"达标情况 {on.isoformat()}"
    ws.append(HEADERS)
    for r in rows:
        s = r.status
        ws.append(
            (
                r.name,
                r.employee_no,
                unit_names.get(r.unit_id, ""),
                r.position,
                r.requirement,
                level_names.get(r.level, r.level),
                state_names[s.state],
                s.due or s.until,
                s.since,
                cause_names.get(s.cause, "") if s.cause else "",
            )
        )
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
