"""A person's status under one requirement on every day, as a few spans: the board for any date
is then one lookup instead of one ``rules.status`` call per person. Pure: plain values in,
spans out; no Flask, no database, no clock.

``rules.status`` compares ``on`` only with dates it reads from the facts, or such a date moved
by a rule's number of days (a grace, a renewal window). Between two consecutive such dates no
comparison changes, so neither does the answer: ``change_days`` lists every date on which one
may change (the module's docstring in ``rules`` says which facts those are), ``timeline``
asks ``rules.status`` on each and merges neighbours with the same answer. A span also carries
what the board shows beside the status: the unit and position held that day and the level the
version in force asks for. ``tests/tracking/test_timeline.py`` checks the spans against
``rules.status`` day by day over random histories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from exam_app.tracking import rules

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """From ``start`` to ``end`` (the last day; ``None``: every day after ``start``) the person
    works in ``unit`` as ``position`` and has ``status``; the version in force asks ``level``
    ("" when none is in force, or it is retired)."""

    start: date
    end: date | None
    unit: int | None
    position: str
    level: str
    status: rules.Status

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _shifted(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def change_days(
    versions: Sequence[rules.RequirementVersion],
    history: rules.History,
    certificates: Sequence[rules.Certificate],
    exemptions: Sequence[rules.Exemption],
    extensions: Sequence[rules.Extension],
    passes: Sequence[rules.Pass] = (),
) -> list[date]:
    """Every day, from the hire date on, on which the status may differ from the day before."""
    # The days the stretch in scope, and so "asked since", may start on.
    starts = history.boundaries() | {v.effective_from for v in versions}
    moved: list[tuple[date, int]] = []  # (day, days after it) for the derived dates
    days = set(starts)
    for e in exemptions:
        days.add(e.start)
        moved.append((e.until, 1))
    for x in extensions:
        days.add(x.granted_on)
        moved.append((x.due_on, 1))
    days.update(p.on for p in passes)
    windows = {v.renewal_window_days for v in versions}
    for c in certificates:
        days.add(c.valid_from)
        moved.append((c.expires_on, 1))
        lasts = [c.expires_on]
        if c.revoked_on is not None:
            days.add(c.revoked_on)
            lasts.append(c.revoked_on - ONE_DAY)
        moved.extend((last, -w) for last in lasts for w in windows)
    for a in history.absences:
        if a.end is not None:
            moved.extend([(a.end, 1), (a.end, 2)])  # the return day, and late from the next
    for grace in {v.grace_days for v in versions}:
        moved.extend((start, grace + 1) for start in starts | {history.hired_on})
    for day, shift in moved:
        found = _shifted(day, shift)
        if found is not None:
            days.add(found)
    return sorted(d for d in days if d >= history.hired_on)


def timeline(
    versions: Sequence[rules.RequirementVersion],
    history: rules.History,
    certificates: Sequence[rules.Certificate],
    exemptions: Sequence[rules.Exemption],
    extensions: Sequence[rules.Extension],
    passes: Sequence[rules.Pass] = (),
) -> list[Span]:
    """The person's spans from the hire date on, in order, none overlapping; days before the
    first span have nothing (not hired yet)."""
    spans: list[Span] = []
    for day in change_days(versions, history, certificates, exemptions, extensions, passes):
        status = rules.status(versions, history, certificates, exemptions, extensions, day, passes)
        version = rules.version_on(versions, day)
        level = version.level if version is not None and not version.retired else ""
        unit, position = history.unit_on(day), history.position_on(day) or ""
        if spans:
            last = spans[-1]
            if (last.unit, last.position, last.level, last.status) == (
                unit,
                position,
                level,
                status,
            ):
                continue
            spans[-1] = Span(
                last.start, day - ONE_DAY, last.unit, last.position, last.level, last.status
            )
        spans.append(Span(day, None, unit, position, level, status))
    return spans


def span_on(spans: Iterable[Span], day: date) -> Span | None:
    return next((s for s in spans if s.covers(day)), None)
