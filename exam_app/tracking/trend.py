"""Compliance over the last twelve months: the board's counts per status at each month's end
(and on the board's own date for the month it is in), for the same people the board shows
(unit, position, level, requirement; the status and due filters pick rows, not the chart).
Reads only; no clock. From the spans in one statement when they are fresh, else from the
facts month by month (slower, the same answer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from exam_app.tracking import board, spans
from exam_app.tracking.board import STATES, Filters
from exam_app.tracking.models import Requirement, StatusSpan
from exam_app.tracking.rules import State
from exam_app.tracking.scope import subtree

MONTHS = 12


@dataclass(frozen=True)
class Month:
    day: date
    counts: dict[State, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def segments(self, height: float) -> list[tuple[State, float, float]]:
        """(state, y, h) of a stacked bar ``height`` tall, overdue at the bottom, in SVG
        coordinates (y grows downwards)."""
        out, top = [], float(height)
        for state in STATES:
            n = self.counts[state]
            if self.total and n:
                h = height * n / self.total
                top -= h
                out.append((state, round(top, 2), round(h, 2)))
        return out

    @property
    def required(self) -> int:
        """People a requirement asks something of (exempt and not required left out)."""
        return sum(self.counts[s] for s in (State.OVERDUE, State.DUE_SOON, State.COMPLIANT))

    @property
    def on_track(self) -> float | None:
        """The share of them not overdue (None: no one required)."""
        if not self.required:
            return None
        return 1 - self.counts[State.OVERDUE] / self.required


def month_ends(on: date, months: int = MONTHS) -> list[date]:
    """The last day of each of the ``months - 1`` months before ``on``'s, then ``on``."""
    days, first = [on], on.replace(day=1)
    for _ in range(months - 1):
        last = first - timedelta(days=1)
        days.append(last)
        first = last.replace(day=1)
    return sorted(days)


def monthly(
    session: Session, filters: Filters, on: date, scope: frozenset[int] | None = None
) -> list[Month]:
    days = month_ends(on)
    chart = Filters(
        filters.unit_id, filters.position, filters.level, "", None, filters.requirement_id
    )
    units = None if chart.unit_id is None else set(subtree(session, chart.unit_id))
    if scope is not None:
        units = set(scope) if units is None else units & scope
    wanted = set(
        [chart.requirement_id] if chart.requirement_id else session.scalars(select(Requirement.id))
    )
    counts = {day: dict.fromkeys(STATES, 0) for day in days}
    if wanted <= spans.fresh(session):
        # one pass over the spans that touch the twelve months, a conditional count per day
        per_day = [
            func.sum(case((and_(StatusSpan.starts_on <= d, StatusSpan.ends_on >= d), 1), else_=0))
            for d in days
        ]
        query = (
            select(StatusSpan.state, *per_day)
            .where(
                StatusSpan.ends_on >= days[0],
                StatusSpan.starts_on <= days[-1],
                StatusSpan.unit_id.is_not(None),
            )
            .group_by(StatusSpan.state)
        )
        if chart.requirement_id is not None:
            query = query.where(StatusSpan.requirement_id == chart.requirement_id)
        if units is not None:
            query = query.where(StatusSpan.unit_id.in_(sorted(units)))
        if chart.position:
            query = query.where(StatusSpan.position == chart.position)
        if chart.level:
            query = query.where(StatusSpan.level == chart.level)
        for state, *ns in session.execute(query):
            for day, n in zip(days, ns, strict=True):
                counts[day][State(state)] = int(n or 0)
    else:
        for day in days:
            rows = board._from_facts(session, chart, day, scope, units, 0)[2]
            for leaf in rows.values():
                for state, n in leaf.items():
                    counts[day][state] += n
    return [Month(day, counts[day]) for day in days]
