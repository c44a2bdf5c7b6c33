"""The spans ``timeline`` builds say, on every day, exactly what ``rules.status`` says that day
(with the unit, position and level of that day), over random histories that cover every kind
of fact: versions that move scope, level and grace; moves; absences; certificates that expire,
are revoked or renewed; passes; exemptions; extensions."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from exam_app.tracking import rules, timeline

START, END = date(2021, 1, 1), date(2029, 12, 31)
LEVELS = ("intermediate", "advanced")
POSITIONS = ("客服代表", "客服专员", "客服主管")
UNITS = (1, 2, 3, 4)


def _day(rng: random.Random, low: date = START, high: date = date(2028, 6, 30)) -> date:
    return low + timedelta(days=rng.randrange((high - low).days + 1))


def _subset(rng: random.Random, values: tuple[object, ...]) -> frozenset[object] | None:
    if rng.random() < 0.3:
        return None
    return frozenset(v for v in values if rng.random() < 0.6) or frozenset(values[:1])


def _spells(rng: random.Random, hired: date, values: tuple[object, ...]) -> tuple[rules.Spell, ...]:  # type: ignore[type-arg]
    spells, start = [], hired
    for n in range(rng.randint(1, 3)):
        last = n == 2 or rng.random() < 0.4
        end = None if last else _day(rng, start, start + timedelta(days=500))
        spells.append(rules.Spell(start, end, rng.choice(values)))
        if end is None:
            break
        start = end + timedelta(days=rng.choice((1, 1, 1, 30)))  # sometimes a gap
    return tuple(spells)


def _person(rng: random.Random) -> tuple:  # type: ignore[type-arg]
    versions = []
    for _ in range(rng.randint(1, 3)):
        versions.append(
            rules.RequirementVersion(
                effective_from=_day(rng),
                level=rng.choice(LEVELS),
                positions=_subset(rng, POSITIONS),  # type: ignore[arg-type]
                units=_subset(rng, UNITS),  # type: ignore[arg-type]
                certificate=rng.random() < 0.8,
                grace_days=rng.choice((0, 30, 90, 180)),
                grace_from=rng.choice(list(rules.GraceFrom)),
                renewal_window_days=rng.choice((0, 30, 90)),
                return_after_absence_days=rng.choice((None, None, 30, 90)),
                retired=rng.random() < 0.1,
            )
        )
    hired = _day(rng, START, date(2026, 12, 31))
    absences = []
    for _ in range(rng.randint(0, 2)):
        start = _day(rng, hired, hired + timedelta(days=900))
        end = None if rng.random() < 0.15 else start + timedelta(days=rng.choice((10, 29, 30, 95)))
        absences.append(rules.Absence(start, end))
    history = rules.History(
        hired,
        _spells(rng, hired, POSITIONS),
        _spells(rng, hired, UNITS),
        tuple(absences),
    )
    certificates, passes = [], []
    for _ in range(rng.randint(0, 3)):
        valid_from = _day(rng, hired - timedelta(days=100), hired + timedelta(days=1200))
        level = rng.choice(LEVELS)
        revoked = None
        if rng.random() < 0.25:
            revoked = valid_from + timedelta(days=rng.randrange(0, 800))
        certificates.append(
            rules.Certificate(
                level,
                valid_from,
                valid_from + timedelta(days=rng.choice((365, 730, 1095))),
                revoked,
            )
        )
        passes.append(rules.Pass(valid_from, level))
    for _ in range(rng.randint(0, 2)):
        passes.append(
            rules.Pass(_day(rng, hired, hired + timedelta(days=1200)), rng.choice(LEVELS))
        )
    exemptions = []
    if rng.random() < 0.3:
        start = _day(rng, hired)
        exemptions.append(rules.Exemption(start, start + timedelta(days=rng.randrange(0, 200))))
    extensions = [
        rules.Extension(granted, granted + timedelta(days=rng.randrange(0, 150)))
        for granted in (_day(rng, hired) for _ in range(rng.randint(0, 2)))
    ]
    return versions, history, certificates, exemptions, extensions, passes


@pytest.mark.parametrize("seed", range(4))
def test_the_spans_give_the_status_of_every_day(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        versions, history, certs, exemptions, extensions, passes = _person(rng)
        spans = timeline.timeline(versions, history, certs, exemptions, extensions, passes)
        for earlier, later in zip(spans, spans[1:], strict=False):
            assert earlier.end is not None and later.start == earlier.end + timedelta(days=1)
        day = START
        while day <= END:
            span = timeline.span_on(spans, day)
            if day < history.hired_on:
                assert span is None
            else:
                assert span is not None, day
                want = rules.status(versions, history, certs, exemptions, extensions, day, passes)
                version = rules.version_on(versions, day)
                level = version.level if version is not None and not version.retired else ""
                got = (span.status, span.unit, span.position, span.level)
                assert got == (
                    want,
                    history.unit_on(day),
                    history.position_on(day) or "",
                    level,
                ), (seed, day)
            day += timedelta(days=1)


def test_a_plain_career_is_a_handful_of_spans() -> None:
    """Hired, certified within the grace, renewed once: not required → due soon → compliant →
    renewal window → compliant again, five spans over years."""
    version = rules.RequirementVersion(date(2020, 1, 1), "intermediate", renewal_window_days=90)
    history = rules.History(
        date(2024, 3, 1),
        (rules.Spell(date(2024, 3, 1), None, "客服代表"),),
        (rules.Spell(date(2024, 3, 1), None, 7),),
    )
    certs = [
        rules.Certificate("intermediate", date(2024, 5, 10), date(2026, 5, 9)),
        rules.Certificate("intermediate", date(2026, 4, 1), date(2028, 3, 31)),
    ]
    spans = timeline.timeline([version], history, certs, [], [])
    assert [(s.start, s.status.state) for s in spans] == [
        (date(2024, 3, 1), rules.State.DUE_SOON),
        (date(2024, 5, 10), rules.State.COMPLIANT),
        (date(2026, 2, 8), rules.State.DUE_SOON),  # the window opens 90 days before 9 May
        (date(2026, 4, 1), rules.State.COMPLIANT),
        (date(2028, 1, 1), rules.State.DUE_SOON),
        (date(2028, 4, 1), rules.State.OVERDUE),
    ]
    assert spans[-1].end is None and spans[-1].status.since == date(2028, 4, 1)
