"""People's history services and compliance from stored facts: the same statuses the pure rules
give, read from the database for a set of people on fixed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.certificates import issuing
from exam_app.certificates.models import Certificate
from exam_app.errors import DomainError
from exam_app.tracking import compliance, history
from exam_app.tracking.models import (
    Exemption,
    Extension,
    PositionSpell,
    Requirement,
    RequirementVersion,
    UnitSpell,
)
from exam_app.tracking.rules import Cause, Pass, Spell, State, Status
from tests.factories import load_bank, make_attempt, make_exam, make_org_tree, make_user

pytestmark = pytest.mark.usefixtures("in_app")

REP = "客服代表"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_a_move_ends_the_open_spell_the_day_before(db_session: Session) -> None:
    units = make_org_tree(db_session)
    hall, other = units["GD-GZ-TH"], units["GD-GZ-YX"]
    user = make_user(db_session)
    history.hire(db_session, user.id, date(2026, 3, 2), REP, hall.id, None, NOW)
    history.move_to_unit(db_session, user.id, other.id, date(2026, 5, 1), None, NOW)
    history.change_position(db_session, user.id, "客服专员", date(2026, 5, 10), None, NOW)
    units = db_session.scalars(select(UnitSpell).order_by(UnitSpell.starts_on)).all()
    assert [(s.unit_id, s.starts_on, s.ends_on) for s in units] == [
        (hall.id, date(2026, 3, 2), date(2026, 4, 30)),
        (other.id, date(2026, 5, 1), None),
    ]
    positions = db_session.scalars(select(PositionSpell).order_by(PositionSpell.starts_on)).all()
    assert [(s.position, s.ends_on) for s in positions] == [
        (REP, date(2026, 5, 9)),
        ("客服专员", None),
    ]
    facts = compliance.people_facts(db_session, [user.id])[user.id]
    assert facts.history.unit_on(date(2026, 4, 30)) == hall.id
    assert facts.history.unit_on(date(2026, 5, 1)) == other.id
    with pytest.raises(DomainError):
        history.move_to_unit(db_session, user.id, other.id, date(2026, 6, 1), None, NOW)
    with pytest.raises(DomainError):  # not after the open spell's start
        history.move_to_unit(db_session, user.id, hall.id, date(2026, 5, 1), None, NOW)
    with pytest.raises(DomainError):
        history.hire(db_session, user.id, date(2026, 3, 2), REP, hall.id, None, NOW)


def test_absences_do_not_overlap_and_end_when_the_person_is_back(db_session: Session) -> None:
    hall = make_org_tree(db_session)["GD-GZ-TH"]
    user = make_user(db_session)
    history.hire(db_session, user.id, date(2020, 1, 1), REP, hall.id, None, NOW)
    away = history.record_absence(db_session, user.id, date(2026, 1, 1), None, "病假", None, NOW)
    with pytest.raises(DomainError):
        history.record_absence(db_session, user.id, date(2026, 3, 1), None, "", None, NOW)
    history.end_absence(db_session, away.id, date(2026, 4, 30), None, NOW)
    with pytest.raises(DomainError):
        history.end_absence(db_session, away.id, date(2026, 5, 30), None, NOW)
    history.record_absence(db_session, user.id, date(2026, 5, 1), date(2026, 5, 3), "", None, NOW)
    facts = compliance.people_facts(db_session, [user.id])[user.id]
    assert sorted((a.start, a.end) for a in facts.history.absences) == [
        (date(2026, 1, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 3)),
    ]


def test_statuses_from_stored_facts_on_fixed_dates(db_session: Session) -> None:
    units = make_org_tree(db_session)
    region, hall, elsewhere = units["GD-GZ"], units["GD-GZ-TH"], units["GX-NN-QX"]
    requirement = Requirement(name="营业厅客服代表持中级工证")
    db_session.add(requirement)
    db_session.flush()
    db_session.add(
        RequirementVersion(
            requirement_id=requirement.id,
            effective_from=date(2025, 1, 1),
            level="intermediate",
            positions=[REP],
            unit_ids=[region.id],  # and its subtree: the hall
            renewal_window_days=60,
        )
    )
    alice, bob, carol, dave, erin = (make_user(db_session, name=n) for n in "甲乙丙丁戊")
    hire = lambda u, on, unit=hall: history.hire(db_session, u.id, on, REP, unit.id, None, NOW)  # noqa: E731
    hire(alice, date(2026, 3, 2))
    hire(bob, date(2020, 1, 1))
    history.move_to_unit(db_session, bob.id, elsewhere.id, date(2026, 4, 1), None, NOW)
    # carol is not tracked: no hire date
    hire(dave, date(2020, 1, 1))
    hire(erin, date(2026, 3, 2))
    hr = make_user(db_session, Role.HR)
    db_session.add_all(
        [
            Exemption(
                requirement_id=requirement.id,
                user_id=dave.id,
                starts_on=date(2026, 1, 1),
                until=date(2026, 12, 31),
                reason="借调",
                granted_at=NOW,
                granted_by_id=hr.id,
            ),
            Extension(
                requirement_id=requirement.id,
                user_id=erin.id,
                granted_on=date(2026, 5, 20),
                due_on=date(2026, 7, 31),
                reason="培训班满员",
                granted_at=NOW,
                granted_by_id=hr.id,
            ),
        ]
    )
    db_session.commit()
    # alice passes the certification exam on 1 June 2026 (a 36-month certificate)
    load_bank(db_session)
    exam = make_exam(
        db_session,
        certificate_months=36,
        pass_percent=60,
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
    )
    attempt = make_attempt(db_session, exam, alice, "submitted", "key", now=NOW)
    cert = db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    assert cert is not None and cert.expires_on == date(2029, 5, 31)

    people = [alice.id, bob.id, carol.id, dave.id, erin.id]

    def on(day: date) -> dict[int, Status]:
        return compliance.statuses(db_session, requirement.id, people, day)

    not_required = Status(State.NOT_REQUIRED)
    assert on(date(2026, 3, 31)) == {
        alice.id: Status(State.DUE_SOON, due=date(2026, 5, 31), cause=Cause.NEW_STAFF),
        bob.id: Status(State.OVERDUE, since=date(2025, 1, 1), cause=Cause.MISSING),
        carol.id: not_required,
        dave.id: Status(State.EXEMPT, until=date(2026, 12, 31)),
        erin.id: Status(State.DUE_SOON, due=date(2026, 5, 31), cause=Cause.NEW_STAFF),
    }
    assert on(date(2026, 6, 1)) == {
        alice.id: Status(State.COMPLIANT, until=date(2029, 5, 31)),
        bob.id: not_required,  # moved to the call centre on 1 April
        carol.id: not_required,
        dave.id: Status(State.EXEMPT, until=date(2026, 12, 31)),
        erin.id: Status(
            State.DUE_SOON, due=date(2026, 7, 31), cause=Cause.NEW_STAFF, extended=True
        ),
    }
    facts = compliance.people_facts(db_session, [alice.id])[alice.id]
    assert facts.passes == [Pass(date(2026, 6, 1), "intermediate")]
    assert facts.history.positions == (Spell(date(2026, 3, 2), None, REP),)

    # revoked at 01:00 on 1 July in Beijing (still 30 June in UTC): held up to 30 June
    stored = db_session.get(Certificate, cert.id)
    assert stored is not None
    issuing.revoke(db_session, stored, "考试作弊", hr.id, datetime(2026, 6, 30, 17, 0, tzinfo=UTC))
    db_session.commit()
    assert on(date(2026, 6, 30))[alice.id] == Status(State.COMPLIANT, until=date(2029, 5, 31))
    assert on(date(2026, 7, 1))[alice.id] == Status(
        State.OVERDUE, since=date(2026, 7, 1), cause=Cause.REVOKED
    )
    assert on(date(2026, 8, 1))[erin.id] == Status(
        State.OVERDUE, since=date(2026, 8, 1), cause=Cause.NEW_STAFF, extended=True
    )
