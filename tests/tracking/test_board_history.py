"""Two years of a small organization, recorded through the services as it happened (each fact
on its own day): people hired and moved, a rule widened, certificates earned, one revoked, one
expiring, an exemption, a change of position. The board as of eleven past dates is checked
against the statuses worked out by hand below, computed from the facts and read from the
status spans: the spans built before most facts, kept in step person by person as each fact
was committed, then rebuilt for the rule edit that made them stale.

The rule ("营业厅客服代表持中级工证"):
  v1 from 2025-01-01: 客服代表 in 天河营业厅 (hall A); 90 days' grace from hire; window 90.
  v2 from 2026-01-01: 客服代表 anywhere in 广州供电局 (the region: both halls); 90 days'
      grace from joining; window 60.
Certificates run 18 months from the pass (pass 2025-02-10: last day 2026-08-09).

  甲 hired 2024-06-01, hall A. Passes 2025-02-10.
  乙 hired 2024-06-01, hall B (越秀营业厅); to hall A 2025-07-01; never passes; exempt
     2026-03-01 – 2026-04-30; 客服专员 from 2026-10-01.
  丙 hired 2025-09-01, hall B. Passes 2026-01-20; revoked 2026-06-01.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.certificates import issuing
from exam_app.certificates.models import Certificate
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import board, history, requirements, spans
from exam_app.tracking.requirements import VersionSpec
from exam_app.tracking.rules import GraceFrom, State
from tests.factories import load_bank, make_attempt, make_exam, make_org_tree, make_user

REP, SPECIALIST = "客服代表", "客服专员"
OV, D, C, E, N = State.OVERDUE, State.DUE_SOON, State.COMPLIANT, State.EXEMPT, State.NOT_REQUIRED
A, B = "hall A", "hall B"

#: date → {person: (state, the date that matters, unit)}; a person not yet hired is absent
BY_HAND: list[tuple[date, dict[str, tuple[State, date | None, str]]]] = [
    # v1 is not in force yet
    (date(2024, 12, 15), {"甲": (N, None, A), "乙": (N, None, B)}),
    # v1 in force: 甲 is past the grace with nothing held, late from its first day
    (date(2025, 1, 15), {"甲": (OV, date(2025, 1, 1), A), "乙": (N, None, B)}),
    # 甲 passed on 10 February: held to 9 August 2026
    (date(2025, 3, 1), {"甲": (C, date(2026, 8, 9), A), "乙": (N, None, B)}),
    # 乙 joined hall A on 1 July, past the grace from hire: late from that day
    (date(2025, 7, 15), {"甲": (C, date(2026, 8, 9), A), "乙": (OV, date(2025, 7, 1), A)}),
    # 丙 hired into hall B, which v1 does not cover
    (
        date(2025, 10, 1),
        {"甲": (C, date(2026, 8, 9), A), "乙": (OV, date(2025, 7, 1), A), "丙": (N, None, B)},
    ),
    # v2: hall B is covered; grace from joining: 丙 due 90 days after 1 January, 乙 late
    # since 90 days after joining hall A (29 September)
    (
        date(2026, 1, 10),
        {
            "甲": (C, date(2026, 8, 9), A),
            "乙": (OV, date(2025, 9, 30), A),
            "丙": (D, date(2026, 4, 1), B),
        },
    ),
    # 丙 passed on 20 January
    (
        date(2026, 2, 1),
        {
            "甲": (C, date(2026, 8, 9), A),
            "乙": (OV, date(2025, 9, 30), A),
            "丙": (C, date(2027, 7, 19), B),
        },
    ),
    # 乙 exempt from 1 March to 30 April
    (
        date(2026, 4, 10),
        {
            "甲": (C, date(2026, 8, 9), A),
            "乙": (E, date(2026, 4, 30), A),
            "丙": (C, date(2027, 7, 19), B),
        },
    ),
    # 甲 inside v2's 60-day window; 乙 late again the day after the exemption; 丙's
    # certificate revoked on 1 June
    (
        date(2026, 6, 15),
        {
            "甲": (D, date(2026, 8, 9), A),
            "乙": (OV, date(2026, 5, 1), A),
            "丙": (OV, date(2026, 6, 1), B),
        },
    ),
    # 甲's certificate expired on 9 August
    (
        date(2026, 9, 1),
        {
            "甲": (OV, date(2026, 8, 10), A),
            "乙": (OV, date(2026, 5, 1), A),
            "丙": (OV, date(2026, 6, 1), B),
        },
    ),
    # 乙 is a 客服专员 from 1 October: not covered
    (
        date(2026, 11, 15),
        {
            "甲": (OV, date(2026, 8, 10), A),
            "乙": (N, None, A),
            "丙": (OV, date(2026, 6, 1), B),
        },
    ),
]


def _at(day: date) -> datetime:
    """10:00 in Beijing on ``day``."""
    return datetime.combine(day, time(10), tzinfo=DISPLAY_TZ).astimezone(UTC)


@pytest.fixture
def organization(app: Flask, db_session: Session) -> tuple[int, dict[str, User], dict[str, int]]:
    units = make_org_tree(db_session)
    region, hall_a, hall_b = units["GD-GZ"], units["GD-GZ-TH"], units["GD-GZ-YX"]
    hr = make_user(db_session, Role.HR, name="人资")
    people = {n: make_user(db_session, name=n) for n in ("甲", "乙", "丙")}
    s = db_session
    with app.app_context():
        load_bank(s)
        exam = make_exam(
            s,
            certificate_months=18,
            pass_percent=60,
            opens_at=_at(date(2024, 1, 1)),
            closes_at=_at(date(2027, 1, 1)),
        )
        s.commit()

        def on(day: date) -> datetime:
            return _at(day)

        rule = requirements.create_requirement(
            s,
            "营业厅客服代表持中级工证",
            VersionSpec(date(2025, 1, 1), "intermediate", (REP,), (hall_a.id,)),
            hr.id,
            on(date(2024, 5, 1)),
        )
        history.hire(
            s, people["甲"].id, date(2024, 6, 1), REP, hall_a.id, hr.id, on(date(2024, 6, 1))
        )
        history.hire(
            s, people["乙"].id, date(2024, 6, 1), REP, hall_b.id, hr.id, on(date(2024, 6, 1))
        )
        s.commit()
        spans.rebuild(s, on(date(2024, 6, 1)))  # built now; from here on kept in step
        assert spans.fresh(s) == {rule.id}

        make_attempt(s, exam, people["甲"], "submitted", "key", now=on(date(2025, 2, 10)))
        s.commit()
        history.move_to_unit(
            s, people["乙"].id, hall_a.id, date(2025, 7, 1), hr.id, on(date(2025, 7, 1))
        )
        s.commit()
        history.hire(
            s, people["丙"].id, date(2025, 9, 1), REP, hall_b.id, hr.id, on(date(2025, 9, 1))
        )
        s.commit()
        assert spans.fresh(s) == {rule.id}  # facts of people leave the rule's build fresh
        requirements.add_version(
            s,
            rule.id,
            VersionSpec(
                date(2026, 1, 1),
                "intermediate",
                (REP,),
                (region.id,),
                grace_from=GraceFrom.JOINING,
                renewal_window_days=60,
            ),
            hr.id,
            on(date(2025, 12, 15)),
        )
        s.commit()
        assert spans.fresh(s) == set()  # the edit made every span of the rule stale
        make_attempt(s, exam, people["丙"], "submitted", "key", now=on(date(2026, 1, 20)))
        requirements.exempt(
            s, rule.id, people["乙"].id, date(2026, 3, 1), date(2026, 4, 30), "借调", hr.id,
            on(date(2026, 3, 1)),
        )  # fmt: skip
        s.commit()
        cert = s.scalars(select(Certificate).where(Certificate.user_id == people["丙"].id)).one()
        issuing.revoke(s, cert, "考试违纪", hr.id, on(date(2026, 6, 1)))
        s.commit()
        history.change_position(
            s, people["乙"].id, SPECIALIST, date(2026, 10, 1), hr.id, on(date(2026, 10, 1))
        )
        s.commit()
    return rule.id, people, {A: hall_a.id, B: hall_b.id}


def _seen(result: board.Board, names: dict[int, str], units: dict[int, str]) -> dict[str, tuple]:  # type: ignore[type-arg]
    return {
        names[r.user_id]: (r.status.state, r.deadline, units[r.unit_id])
        for r in result.rows
        if r.user_id in names
    }


def test_the_board_as_of_eleven_past_dates_is_what_was_worked_out_by_hand(
    db_session: Session, organization: tuple[int, dict[str, User], dict[str, int]]
) -> None:
    rule_id, people, halls = organization
    names = {u.id: n for n, u in people.items()}
    units = {unit_id: label for label, unit_id in halls.items()}
    filters = board.Filters(requirement_id=rule_id)
    computed = {
        day: _seen(board.board(db_session, filters, day), names, units) for day, _ in BY_HAND
    }
    assert spans.fresh(db_session) == set()  # those were computed from the facts
    spans.rebuild(db_session, _at(date(2026, 11, 30)))
    assert spans.fresh(db_session) == {rule_id}
    for day, expected in BY_HAND:
        assert computed[day] == expected, day
        from_spans = _seen(board.board(db_session, filters, day), names, units)
        assert from_spans == expected, day


def test_spans_follow_each_fact_as_it_is_committed(
    db_session: Session, organization: tuple[int, dict[str, User], dict[str, int]]
) -> None:
    """Rebuilt once for the edit, then every later fact is one person's refresh: the spans
    agree with the facts on every day of the two years."""
    rule_id, people, _halls = organization
    spans.rebuild(db_session, _at(date(2026, 11, 30)))
    history.record_absence(
        db_session, people["甲"].id, date(2026, 9, 5), date(2026, 10, 5), "病假", None,
        _at(date(2026, 9, 5)),
    )  # fmt: skip
    db_session.commit()
    assert spans.fresh(db_session) == {rule_id}
    from_facts = board.Filters(requirement_id=rule_id)
    day = date(2024, 5, 1)
    while day <= date(2027, 1, 31):
        read = spans.statuses_on(db_session, rule_id, day)
        worked = {
            r.user_id: r.status
            for r in board._from_facts(db_session, from_facts, day, None, None, None)[0]
        }
        assert read == worked, day
        day += timedelta(days=1)
