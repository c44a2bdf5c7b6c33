"""Pure requirement rules: every status for people in each situation, with literal dates, and
a person's two years checked on past dates against statuses written out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar

import pytest

from exam_app.tracking.rules import (
    Absence,
    Cause,
    Certificate,
    Exemption,
    Extension,
    GraceFrom,
    History,
    Pass,
    RequirementVersion,
    Spell,
    State,
    Status,
    status,
    version_on,
)

T = TypeVar("T")
REP, SPECIALIST, SUPERVISOR = "客服代表", "客服专员", "客服主管"
HALL_A, HALL_B, CALL_CENTRE = 11, 12, 21  # two 营业厅 and a 呼叫中心
MID = "intermediate"

#: every 客服代表 in 营业厅 units holds a valid 中级工 certificate; 90 days' grace from hire;
#: the renewal window opens 60 days before expiry; back from 90 days away: pass again
RULE = RequirementVersion(
    effective_from=date(2025, 1, 1),
    level=MID,
    positions=frozenset({REP}),
    units=frozenset({HALL_A, HALL_B}),
    grace_days=90,
    renewal_window_days=60,
    return_after_absence_days=90,
)


def person(
    hired: date,
    unit: int = HALL_A,
    position: str = REP,
    absences: Sequence[Absence] = (),
) -> History:
    return History(
        hired_on=hired,
        positions=(Spell(hired, None, position),),
        units=(Spell(hired, None, unit),),
        absences=tuple(absences),
    )


def cert(
    valid_from: date,
    expires_on: date,
    revoked_on: date | None = None,
    superseded_on: date | None = None,
    level: str = MID,
) -> Certificate:
    return Certificate(level, valid_from, expires_on, revoked_on, superseded_on)


def check(
    history: History,
    on: date,
    certs: Sequence[Certificate] = (),
    exemptions: Sequence[Exemption] = (),
    extensions: Sequence[Extension] = (),
    passes: Sequence[Pass] = (),
    versions: Sequence[RequirementVersion] = (RULE,),
) -> Status:
    return status(versions, history, certs, exemptions, extensions, on, passes)


def compliant(until: date | None) -> Status:
    return Status(State.COMPLIANT, until=until)


def due(day: date, cause: Cause, extended: bool = False) -> Status:
    return Status(State.DUE_SOON, due=day, cause=cause, extended=extended)


def overdue(since: date, cause: Cause, extended: bool = False) -> Status:
    return Status(State.OVERDUE, since=since, cause=cause, extended=extended)


NOT_REQUIRED = Status(State.NOT_REQUIRED)
LONG_AGO = date(2020, 1, 1)  # hired long before the rule: past every grace
VALID = cert(date(2025, 6, 1), date(2030, 5, 31))


# --- new staff -----------------------------------------------------------------------------

NEW = person(date(2026, 3, 2))  # grace: 90 days from hire, to 31 May 2026


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 3, 1), NOT_REQUIRED),  # not hired yet
        (date(2026, 3, 2), due(date(2026, 5, 31), Cause.NEW_STAFF)),  # the first day
        (date(2026, 4, 15), due(date(2026, 5, 31), Cause.NEW_STAFF)),  # inside 90 days
        (date(2026, 5, 31), due(date(2026, 5, 31), Cause.NEW_STAFF)),  # the last day of grace
        (date(2026, 6, 1), overdue(date(2026, 6, 1), Cause.NEW_STAFF)),  # past 90 days
        (date(2026, 9, 30), overdue(date(2026, 6, 1), Cause.NEW_STAFF)),
    ],
)
def test_new_hire_inside_and_past_the_grace(on: date, expected: Status) -> None:
    assert check(NEW, on) == expected


def test_new_hire_who_passes_inside_the_grace_is_compliant_from_that_day() -> None:
    first = cert(date(2026, 5, 10), date(2029, 5, 9))
    assert check(NEW, date(2026, 5, 9), [first]) == due(date(2026, 5, 31), Cause.NEW_STAFF)
    assert check(NEW, date(2026, 5, 10), [first]) == compliant(date(2029, 5, 9))


def test_grace_from_joining_counts_from_the_first_day_in_scope() -> None:
    # hired long ago in the call centre, moves to a hall on 2 March 2026
    mover = History(
        hired_on=LONG_AGO,
        positions=(Spell(LONG_AGO, None, REP),),
        units=(
            Spell(LONG_AGO, date(2026, 3, 1), CALL_CENTRE),
            Spell(date(2026, 3, 2), None, HALL_A),
        ),
    )
    on = date(2026, 4, 15)
    # from hire: the grace is long gone; nothing held on the first day in scope is late
    assert check(mover, on) == overdue(date(2026, 3, 2), Cause.MISSING)
    joining = replace(RULE, grace_from=GraceFrom.JOINING)
    assert check(mover, on, versions=[joining]) == due(date(2026, 5, 31), Cause.NEW_STAFF)
    assert check(mover, date(2026, 3, 1), versions=[joining]) == NOT_REQUIRED


def test_a_new_rule_with_grace_from_joining_gives_everyone_its_grace() -> None:
    later = replace(RULE, effective_from=date(2026, 7, 1), grace_from=GraceFrom.JOINING)
    veteran = person(LONG_AGO)
    assert check(veteran, date(2026, 6, 30), versions=[later]) == NOT_REQUIRED
    assert check(veteran, date(2026, 7, 1), versions=[later]) == due(
        date(2026, 9, 29), Cause.NEW_STAFF
    )
    # from hire, the veteran has nothing and is late from the rule's first day
    from_hire = replace(later, grace_from=GraceFrom.HIRE)
    assert check(veteran, date(2026, 7, 2), versions=[from_hire]) == overdue(
        date(2026, 7, 1), Cause.MISSING
    )


def test_a_new_hire_with_an_old_expired_certificate_still_has_the_grace() -> None:
    old = cert(date(2019, 1, 1), date(2021, 12, 31))
    assert check(NEW, date(2026, 4, 1), [old]) == due(date(2026, 5, 31), Cause.NEW_STAFF)


# --- renewal, expiry, revocation, supersession ---------------------------------------------

VETERAN = person(LONG_AGO)
EXPIRING = cert(date(2024, 7, 1), date(2027, 6, 30))  # window opens 1 May 2027


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2027, 4, 30), compliant(date(2027, 6, 30))),  # before the window
        (date(2027, 5, 1), due(date(2027, 6, 30), Cause.RENEWAL)),  # the window opens
        (date(2027, 6, 30), due(date(2027, 6, 30), Cause.RENEWAL)),  # the last valid day
        (date(2027, 7, 1), overdue(date(2027, 7, 1), Cause.EXPIRED)),  # expired
        (date(2028, 2, 1), overdue(date(2027, 7, 1), Cause.EXPIRED)),
    ],
)
def test_renewal_window_and_expiry(on: date, expected: Status) -> None:
    assert check(VETERAN, on, [EXPIRING]) == expected


def test_a_renewal_counts_from_its_pass_and_not_before() -> None:
    renewed = cert(date(2027, 5, 20), date(2030, 6, 30))
    certs = [replace(EXPIRING, superseded_on=date(2027, 5, 20)), renewed]
    assert check(VETERAN, date(2027, 5, 19), certs) == due(date(2027, 6, 30), Cause.RENEWAL)
    assert check(VETERAN, date(2027, 5, 20), certs) == compliant(date(2030, 6, 30))
    # a pass after expiry starts afresh: overdue until it, compliant from it
    late = cert(date(2027, 8, 10), date(2030, 8, 9))
    assert check(VETERAN, date(2027, 8, 9), [EXPIRING, late]) == overdue(
        date(2027, 7, 1), Cause.EXPIRED
    )
    assert check(VETERAN, date(2027, 8, 10), [EXPIRING, late]) == compliant(date(2030, 8, 9))


def test_a_certificate_of_another_level_does_not_count() -> None:
    junior = cert(date(2025, 6, 1), date(2030, 5, 31), level="junior")
    assert check(VETERAN, date(2026, 1, 1), [junior]) == overdue(date(2025, 1, 1), Cause.MISSING)


def test_revoked_counts_until_the_revocation_and_past_dates_stay_true() -> None:
    revoked = cert(date(2026, 1, 10), date(2029, 1, 9), revoked_on=date(2027, 3, 15))
    assert check(VETERAN, date(2027, 3, 14), [revoked]) == compliant(date(2029, 1, 9))
    assert check(VETERAN, date(2027, 3, 15), [revoked]) == overdue(date(2027, 3, 15), Cause.REVOKED)
    assert check(VETERAN, date(2027, 6, 1), [revoked]) == overdue(date(2027, 3, 15), Cause.REVOKED)
    # revoked on the day it was issued: it never counted
    void = cert(date(2026, 1, 10), date(2029, 1, 9), revoked_on=date(2026, 1, 10))
    assert check(VETERAN, date(2026, 2, 1), [void]) == overdue(date(2025, 1, 1), Cause.MISSING)


def test_revoked_inside_the_grace_leaves_the_grace() -> None:
    hire = person(date(2027, 2, 1))  # grace to 2 May 2027
    revoked = cert(date(2027, 2, 20), date(2030, 2, 19), revoked_on=date(2027, 3, 1))
    assert check(hire, date(2027, 2, 25), [revoked]) == compliant(date(2030, 2, 19))
    assert check(hire, date(2027, 3, 10), [revoked]) == due(date(2027, 5, 2), Cause.NEW_STAFF)
    assert check(hire, date(2027, 5, 3), [revoked]) == overdue(date(2027, 5, 3), Cause.NEW_STAFF)


def test_a_superseded_certificate_still_covers() -> None:
    superseded = cert(date(2026, 1, 10), date(2029, 1, 9), superseded_on=date(2028, 6, 1))
    assert check(VETERAN, date(2028, 7, 1), [superseded]) == compliant(date(2029, 1, 9))
    # its successor is later revoked: the earlier pass still stands until its own expiry
    successor = cert(date(2028, 6, 1), date(2032, 1, 9), revoked_on=date(2028, 9, 1))
    both = [superseded, successor]
    assert check(VETERAN, date(2028, 8, 31), both) == compliant(date(2032, 1, 9))
    assert check(VETERAN, date(2028, 9, 1), both) == compliant(date(2029, 1, 9))
    assert check(VETERAN, date(2028, 12, 1), both) == due(date(2029, 1, 9), Cause.RENEWAL)
    assert check(VETERAN, date(2029, 1, 10), both) == overdue(date(2029, 1, 10), Cause.EXPIRED)


def test_the_successor_revoked_after_the_old_one_expired_reads_as_revoked() -> None:
    old = cert(date(2026, 1, 10), date(2029, 1, 9), superseded_on=date(2028, 12, 1))
    new = cert(date(2028, 12, 1), date(2032, 1, 9), revoked_on=date(2029, 2, 1))
    assert check(VETERAN, date(2029, 1, 20), [old, new]) == compliant(date(2032, 1, 9))
    assert check(VETERAN, date(2029, 2, 1), [old, new]) == overdue(date(2029, 2, 1), Cause.REVOKED)


def test_a_certificate_issued_later_is_not_known_earlier() -> None:
    later = cert(date(2026, 8, 1), date(2029, 7, 31))
    assert check(NEW, date(2026, 7, 31), [later]) == overdue(date(2026, 6, 1), Cause.NEW_STAFF)


# --- exemptions and extensions -------------------------------------------------------------

EXEMPT_H1 = Exemption(date(2027, 1, 1), date(2027, 6, 30), "产假")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 12, 31), overdue(date(2025, 1, 1), Cause.MISSING)),  # not granted yet
        (date(2027, 1, 1), Status(State.EXEMPT, until=date(2027, 6, 30))),
        (date(2027, 6, 30), Status(State.EXEMPT, until=date(2027, 6, 30))),
        # no new grace after it, but the days exempt are not days late
        (date(2027, 7, 1), overdue(date(2027, 7, 1), Cause.MISSING)),
        (date(2027, 9, 1), overdue(date(2027, 7, 1), Cause.MISSING)),
    ],
)
def test_exempt_until_a_date(on: date, expected: Status) -> None:
    assert check(VETERAN, on, exemptions=[EXEMPT_H1]) == expected


def test_exemption_hides_a_renewal_and_not_required_wins_over_exemption() -> None:
    assert check(VETERAN, date(2027, 5, 15), [EXPIRING], [EXEMPT_H1]) == Status(
        State.EXEMPT, until=date(2027, 6, 30)
    )
    moved = person(LONG_AGO, unit=CALL_CENTRE)
    assert check(moved, date(2027, 3, 1), exemptions=[EXEMPT_H1]) == NOT_REQUIRED


EXTENDED = Extension(date(2026, 5, 20), date(2026, 7, 31), "培训班满员")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 5, 19), due(date(2026, 5, 31), Cause.NEW_STAFF)),  # not granted yet
        (date(2026, 5, 20), due(date(2026, 7, 31), Cause.NEW_STAFF, extended=True)),
        (date(2026, 6, 15), due(date(2026, 7, 31), Cause.NEW_STAFF, extended=True)),
        (date(2026, 8, 1), overdue(date(2026, 8, 1), Cause.NEW_STAFF, extended=True)),
    ],
)
def test_an_extension_moves_the_due_date(on: date, expected: Status) -> None:
    assert check(NEW, on, extensions=[EXTENDED]) == expected


def test_an_extension_granted_when_overdue_makes_it_due_again() -> None:
    rescue = Extension(date(2026, 6, 10), date(2026, 7, 31), "病假补考")
    assert check(NEW, date(2026, 6, 9), extensions=[rescue]) == overdue(
        date(2026, 6, 1), Cause.NEW_STAFF
    )
    assert check(NEW, date(2026, 6, 10), extensions=[rescue]) == due(
        date(2026, 7, 31), Cause.NEW_STAFF, extended=True
    )


def test_an_extension_never_moves_a_date_earlier_or_reaches_a_later_obligation() -> None:
    earlier = Extension(date(2026, 4, 1), date(2026, 5, 1), "")
    assert check(NEW, date(2026, 4, 2), extensions=[earlier]) == due(
        date(2026, 5, 31), Cause.NEW_STAFF
    )
    short = cert(date(2026, 6, 1), date(2026, 12, 31))
    assert check(NEW, date(2027, 1, 5), [short], extensions=[EXTENDED]) == overdue(
        date(2027, 1, 1), Cause.EXPIRED
    )


def test_an_extension_moves_a_renewal() -> None:
    later = Extension(date(2027, 5, 10), date(2027, 8, 31), "")
    assert check(VETERAN, date(2027, 5, 10), [EXPIRING], extensions=[later]) == due(
        date(2027, 8, 31), Cause.RENEWAL, extended=True
    )
    assert check(VETERAN, date(2027, 7, 15), [EXPIRING], extensions=[later]) == due(
        date(2027, 8, 31), Cause.EXPIRED, extended=True
    )
    assert check(VETERAN, date(2027, 9, 1), [EXPIRING], extensions=[later]) == overdue(
        date(2027, 9, 1), Cause.EXPIRED, extended=True
    )


# --- return after a long absence -----------------------------------------------------------

AWAY = Absence(date(2027, 1, 1), date(2027, 4, 30), "病假")  # 120 days; back on 1 May 2027
RETURNER = person(LONG_AGO, absences=[AWAY])


@pytest.mark.parametrize(
    ("on", "passes", "expected"),
    [
        (date(2027, 4, 15), [], compliant(date(2030, 5, 31))),  # still away: nothing yet
        (date(2027, 5, 1), [], due(date(2027, 5, 1), Cause.RETURN)),  # due on the return day
        (date(2027, 5, 2), [], overdue(date(2027, 5, 2), Cause.RETURN)),
        (
            date(2027, 5, 2),
            [Pass(date(2026, 12, 20), MID)],
            overdue(date(2027, 5, 2), Cause.RETURN),
        ),
        (date(2027, 5, 1), [Pass(date(2027, 4, 20), MID)], compliant(date(2030, 5, 31))),
        (date(2027, 5, 3), [Pass(date(2027, 5, 3), MID)], compliant(date(2030, 5, 31))),
        (date(2027, 5, 2), [Pass(date(2027, 5, 3), MID)], overdue(date(2027, 5, 2), Cause.RETURN)),
        (
            date(2027, 5, 3),
            [Pass(date(2027, 5, 3), "junior")],
            overdue(date(2027, 5, 2), Cause.RETURN),
        ),
    ],
)
def test_return_after_a_long_absence(on: date, passes: list[Pass], expected: Status) -> None:
    assert check(RETURNER, on, [VALID], passes=passes) == expected


@pytest.mark.parametrize(
    ("absence", "expected"),
    [
        (Absence(date(2027, 1, 1), date(2027, 3, 30)), compliant(date(2030, 5, 31))),  # 89 days
        (Absence(date(2027, 1, 1), date(2027, 3, 31)), overdue(date(2027, 4, 2), Cause.RETURN)),
        (Absence(date(2027, 1, 1), None), compliant(date(2030, 5, 31))),  # not back yet
    ],
)
def test_an_absence_is_long_from_n_days_both_ends_counted(
    absence: Absence, expected: Status
) -> None:
    assert check(person(LONG_AGO, absences=[absence]), date(2027, 4, 10), [VALID]) == expected


def test_a_certificate_issued_during_the_absence_counts_as_passing_again() -> None:
    renewed = cert(date(2027, 4, 25), date(2030, 4, 24))
    assert check(RETURNER, date(2027, 5, 10), [EXPIRING, renewed]) == compliant(date(2030, 4, 24))


def test_the_worse_of_return_and_renewal_is_shown() -> None:
    # back on 1 May 2027 inside the renewal window of a certificate expiring 30 June
    assert check(RETURNER, date(2027, 5, 5), [EXPIRING]) == overdue(date(2027, 5, 2), Cause.RETURN)
    assert check(RETURNER, date(2027, 5, 1), [EXPIRING]) == due(date(2027, 5, 1), Cause.RETURN)


def test_an_extension_and_an_exemption_apply_to_the_return_too() -> None:
    ext = Extension(date(2027, 4, 20), date(2027, 5, 15), "")
    assert check(RETURNER, date(2027, 5, 10), [VALID], extensions=[ext]) == due(
        date(2027, 5, 15), Cause.RETURN, extended=True
    )
    exempt = Exemption(date(2027, 5, 1), date(2027, 5, 31), "")
    assert check(RETURNER, date(2027, 6, 5), [VALID], [exempt]) == overdue(
        date(2027, 6, 1), Cause.RETURN
    )


def test_a_return_before_coming_into_scope_asks_nothing() -> None:
    history = History(
        hired_on=LONG_AGO,
        positions=(Spell(LONG_AGO, None, REP),),
        units=(
            Spell(LONG_AGO, date(2027, 5, 31), CALL_CENTRE),
            Spell(date(2027, 6, 1), None, HALL_A),
        ),
        absences=(AWAY,),
    )
    assert check(history, date(2027, 6, 10), [VALID]) == compliant(date(2030, 5, 31))


# --- scope: units, positions, rule versions ------------------------------------------------


def test_moved_to_another_unit_out_of_scope_is_not_required() -> None:
    history = History(
        hired_on=LONG_AGO,
        positions=(Spell(LONG_AGO, None, REP),),
        units=(
            Spell(LONG_AGO, date(2027, 2, 28), HALL_A),
            Spell(date(2027, 3, 1), date(2027, 8, 31), CALL_CENTRE),
            Spell(date(2027, 9, 1), None, HALL_B),
        ),
    )
    assert check(history, date(2027, 2, 28)) == overdue(date(2025, 1, 1), Cause.MISSING)
    assert check(history, date(2027, 3, 1)) == NOT_REQUIRED
    assert check(history, date(2027, 8, 31)) == NOT_REQUIRED
    # back in a hall: late again from the day of the move, not from before it
    assert check(history, date(2027, 9, 2)) == overdue(date(2027, 9, 1), Cause.MISSING)


def test_moving_between_two_covered_units_does_not_restart_the_grace() -> None:
    joining = replace(RULE, grace_from=GraceFrom.JOINING)
    history = History(
        hired_on=date(2026, 3, 2),
        positions=(Spell(date(2026, 3, 2), None, REP),),
        units=(
            Spell(date(2026, 3, 2), date(2026, 4, 30), HALL_A),
            Spell(date(2026, 5, 1), None, HALL_B),
        ),
    )
    assert check(history, date(2026, 5, 10), versions=[joining]) == due(
        date(2026, 5, 31), Cause.NEW_STAFF
    )


def test_a_promotion_out_of_the_position_is_not_required() -> None:
    history = History(
        hired_on=LONG_AGO,
        positions=(
            Spell(LONG_AGO, date(2027, 3, 31), REP),
            Spell(date(2027, 4, 1), None, SUPERVISOR),
        ),
        units=(Spell(LONG_AGO, None, HALL_A),),
    )
    assert check(history, date(2027, 3, 31), [EXPIRING]) == compliant(date(2027, 6, 30))
    assert check(history, date(2027, 4, 1), [EXPIRING]) == NOT_REQUIRED


def test_without_position_or_unit_lists_the_rule_covers_everyone_hired() -> None:
    everyone = RequirementVersion(date(2025, 1, 1), MID)
    assert check(
        person(LONG_AGO, CALL_CENTRE, SUPERVISOR), date(2026, 1, 1), [VALID], versions=[everyone]
    ) == compliant(date(2030, 5, 31))


def test_the_version_in_force_decides() -> None:
    v1 = RULE
    v2 = replace(RULE, effective_from=date(2027, 1, 1), level="senior")
    retired = replace(RULE, effective_from=date(2028, 1, 1), retired=True)
    versions = [v1, v2, retired]
    assert version_on(versions, date(2024, 12, 31)) is None
    assert version_on(versions, date(2026, 12, 31)) is v1
    assert version_on(versions, date(2027, 1, 1)) is v2
    assert check(VETERAN, date(2024, 12, 31), [VALID], versions=versions) == NOT_REQUIRED
    assert check(VETERAN, date(2026, 12, 31), [VALID], versions=versions) == compliant(
        date(2030, 5, 31)
    )
    # the edit asks for 高级工 from 2027: the 中级工 certificate no longer does, and what is
    # missing is late from the edit's date, not from when the old level was first asked
    assert check(VETERAN, date(2027, 1, 2), [VALID], versions=versions) == overdue(
        date(2027, 1, 1), Cause.MISSING
    )
    joining = [replace(v, grace_from=GraceFrom.JOINING) for v in versions]
    assert check(VETERAN, date(2027, 1, 2), [VALID], versions=joining) == due(
        date(2027, 4, 1), Cause.NEW_STAFF
    )
    # an edit that asks for the same level carries on the same requirement
    wider = replace(RULE, effective_from=date(2026, 1, 1), renewal_window_days=30)
    assert check(VETERAN, date(2026, 2, 1), versions=[RULE, wider]) == overdue(
        date(2025, 1, 1), Cause.MISSING
    )
    assert check(VETERAN, date(2028, 1, 1), [VALID], versions=versions) == NOT_REQUIRED
    assert check(VETERAN, date(2026, 6, 1), versions=[]) == NOT_REQUIRED


def test_of_two_versions_on_the_same_day_the_later_one_counts() -> None:
    first = replace(RULE, effective_from=date(2026, 1, 1))
    fixed = replace(first, units=frozenset({HALL_B}))
    assert version_on([first, fixed], date(2026, 1, 1)) is fixed


# --- a rule asking for a pass, not a certificate (安规) -------------------------------------

SAFETY = RequirementVersion(
    date(2025, 1, 1), "safety", certificate=False, grace_days=30, return_after_absence_days=90
)


def test_a_pass_rule_needs_one_pass_and_again_after_a_long_absence() -> None:
    hire = person(date(2026, 3, 2), absences=[Absence(date(2027, 1, 1), date(2027, 4, 30))])
    passed = [Pass(date(2026, 3, 20), "safety")]
    assert check(hire, date(2026, 3, 10), versions=[SAFETY]) == due(
        date(2026, 4, 1), Cause.NEW_STAFF
    )
    assert check(hire, date(2026, 4, 2), versions=[SAFETY]) == overdue(
        date(2026, 4, 2), Cause.NEW_STAFF
    )
    assert check(hire, date(2026, 12, 31), passes=passed, versions=[SAFETY]) == compliant(None)
    assert check(hire, date(2027, 5, 1), passes=passed, versions=[SAFETY]) == due(
        date(2027, 5, 1), Cause.RETURN
    )
    again = [*passed, Pass(date(2027, 5, 1), "safety")]
    assert check(hire, date(2027, 5, 1), passes=again, versions=[SAFETY]) == compliant(None)


def test_a_pass_rule_counts_a_standing_certificate_as_its_pass() -> None:
    safety_cert = cert(date(2025, 6, 1), date(2026, 5, 31), level="safety")
    assert check(VETERAN, date(2027, 1, 1), [safety_cert], versions=[SAFETY]) == compliant(None)
    revoked = replace(safety_cert, revoked_on=date(2026, 1, 1))
    assert check(VETERAN, date(2025, 12, 31), [revoked], versions=[SAFETY]) == compliant(None)
    assert check(VETERAN, date(2026, 1, 1), [revoked], versions=[SAFETY]) == overdue(
        date(2025, 1, 1), Cause.MISSING
    )


# --- two years of one person's history, checked on past dates -----------------------------

#: v1: 客服代表 in the halls, 90 days' grace from joining, window 60 days, back from 90 days away
#: v2 (an edit taking effect on 1 January 2027): the call centre too, 30 days' grace, window 90
V1 = replace(RULE, grace_from=GraceFrom.JOINING)
V2 = replace(
    V1,
    effective_from=date(2027, 1, 1),
    units=frozenset({HALL_A, HALL_B, CALL_CENTRE}),
    grace_days=30,
    renewal_window_days=90,
)
TWO_YEARS = History(
    hired_on=date(2025, 7, 1),
    positions=(
        Spell(date(2025, 7, 1), date(2026, 2, 28), SPECIALIST),
        Spell(date(2026, 3, 1), None, REP),
    ),
    units=(
        Spell(date(2025, 7, 1), date(2026, 4, 30), CALL_CENTRE),
        Spell(date(2026, 5, 1), date(2026, 10, 31), HALL_A),
        Spell(date(2026, 11, 1), None, CALL_CENTRE),
    ),
    absences=(Absence(date(2027, 4, 1), date(2027, 7, 15), "病假"),),  # 106 days
)
TWO_YEARS_CERTS = (
    cert(date(2026, 7, 10), date(2027, 2, 28)),  # first certificate
    cert(date(2027, 3, 10), date(2028, 3, 9), revoked_on=date(2027, 9, 1)),  # renewal, revoked
    cert(date(2027, 10, 15), date(2030, 10, 14)),  # passed again
)
TWO_YEARS_PASSES = (Pass(date(2027, 7, 20), MID),)  # the pass after the absence
TWO_YEARS_EXTENSIONS = (Extension(date(2027, 9, 5), date(2027, 10, 31), "补考安排"),)

BY_HAND = [
    # a 客服专员 in the call centre: no rule covers them
    (date(2026, 2, 15), NOT_REQUIRED),
    # a 客服代表 now, but v1 does not cover the call centre
    (date(2026, 4, 15), NOT_REQUIRED),
    # moved to hall A on 1 May: 90 days from joining, to 30 July
    (date(2026, 6, 1), due(date(2026, 7, 30), Cause.NEW_STAFF)),
    # passed on 10 July; the 60-day window before 28 Feb 2027 opens on 30 Dec
    (date(2026, 8, 1), compliant(date(2027, 2, 28))),
    # back in the call centre on 1 Nov, which v1 does not cover (v2 is not in force yet)
    (date(2026, 12, 1), NOT_REQUIRED),
    # v2 covers the call centre; its 90-day window before 28 Feb opened on 30 Nov
    (date(2027, 1, 10), due(date(2027, 2, 28), Cause.RENEWAL)),
    # expired on 28 Feb; the renewal comes on 10 March
    (date(2027, 3, 5), overdue(date(2027, 3, 1), Cause.EXPIRED)),
    # renewed, away since 1 April: nothing asked while away
    (date(2027, 5, 15), compliant(date(2028, 3, 9))),
    # back on 16 July without passing again: due that day, overdue from the 17th
    (date(2027, 7, 16), due(date(2027, 7, 16), Cause.RETURN)),
    (date(2027, 7, 18), overdue(date(2027, 7, 17), Cause.RETURN)),
    # passed on 20 July; the renewal is revoked on 1 September, not known yet
    (date(2027, 8, 31), compliant(date(2028, 3, 9))),
    (date(2027, 9, 3), overdue(date(2027, 9, 1), Cause.REVOKED)),
    # HR extends to 31 October on 5 September
    (date(2027, 9, 10), due(date(2027, 10, 31), Cause.REVOKED, extended=True)),
    # passed again on 15 October
    (date(2027, 12, 31), compliant(date(2030, 10, 14))),
]


def two_years_on(on: date) -> Status:
    return status(
        [V1, V2],
        TWO_YEARS,
        TWO_YEARS_CERTS,
        (),
        TWO_YEARS_EXTENSIONS,
        on,
        TWO_YEARS_PASSES,
    )


@pytest.mark.parametrize(("on", "expected"), BY_HAND)
def test_two_years_of_history_on_past_dates(on: date, expected: Status) -> None:
    assert two_years_on(on) == expected


Known = tuple[list[RequirementVersion], History, list[Certificate], list[Pass], list[Extension]]


def _known_on(day: date) -> Known:
    """Only what had happened by ``day``: later spells, certificates, passes, revocations,
    extensions and rule edits left out; spells and absences still running are open."""

    def spells(items: tuple[Spell[T], ...]) -> tuple[Spell[T], ...]:
        return tuple(
            replace(s, end=s.end if s.end is not None and s.end < day else None)
            for s in items
            if s.start <= day
        )

    history = History(
        TWO_YEARS.hired_on,
        spells(TWO_YEARS.positions),
        spells(TWO_YEARS.units),
        tuple(
            replace(a, end=a.end if a.end is not None and a.end < day else None)
            for a in TWO_YEARS.absences
            if a.start <= day
        ),
    )
    certs = [
        replace(c, revoked_on=c.revoked_on if c.revoked_on and c.revoked_on <= day else None)
        for c in TWO_YEARS_CERTS
        if c.valid_from <= day
    ]
    return (
        [v for v in (V1, V2) if v.effective_from <= day],
        history,
        certs,
        [p for p in TWO_YEARS_PASSES if p.on <= day],
        [x for x in TWO_YEARS_EXTENSIONS if x.granted_on <= day],
    )


def test_every_day_reads_the_same_from_what_was_known_that_day() -> None:
    """The board for a past date is what it showed on that day: every day of the two years
    gives the same status from all the facts as from those known then."""
    day = date(2025, 6, 1)
    while day <= date(2027, 12, 31):
        versions, history, certs, passes, extensions = _known_on(day)
        then = status(versions, history, certs, (), extensions, day, passes)
        assert two_years_on(day) == then, day
        day += timedelta(days=1)
