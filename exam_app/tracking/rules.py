"""Pure rules of training requirements: whether a person must hold something on a date, and
whether they do. Plain values in, a ``Status`` out; no Flask, no database, no clock.

Everything answers "as of ``on``" from dated facts only, so the board for a past date is
exactly what it was on that day. A fact dated after ``on`` is not known on ``on``: a position
or unit spell starting later, a rule version taking effect later, a certificate issued later
(its ``valid_from`` is the day of the pass that issued it), a pass, an exemption or an
extension dated later, a revocation dated later. Facts are appended, never rewritten: a move
to another unit closes one spell and opens the next, an edit of a rule is a new version.

Days are whole dates and every range is inclusive at both ends (``Spell.end``,
``Absence.end``, ``Certificate.expires_on``, ``Exemption.until`` are the last day of it).
A **due date** is the last day one may still comply; **overdue since** is the first day one is
late (the day after the due date, or later, see ``status``).

What ``status`` decides, in this order:

1. **The rule version in force on ``on``**: of ``versions``, the one with the latest
   ``effective_from`` that is not after ``on`` (for two with the same date, the later in the
   sequence). None, or a retired one: ``not_required``.
2. **In scope on ``on``**: hired on or before ``on``, and the position and the unit held on
   ``on`` are among the version's (``None`` means any). Otherwise ``not_required``, so someone
   moved to a unit the rule does not cover stops being required the day they move. The
   **stretch** is the run of days up to ``on`` on which the person was in scope of the version
   in force on each of those days without a break; moving between two covered units, or an edit
   of the rule that still covers them, does not break it. The requirement has been asked of
   them **since** the later of the stretch's first day and the first day of the unbroken run of
   versions asking for the same level (and kind, certificate or pass) as the one in force: an
   edit that raises the level starts a new requirement on its date.
3. **Exempt**: an exemption with ``start <= on <= until``: ``exempt`` until its ``until`` (the
   latest, if several). It hides everything else.
4. **What is required** (a certificate rule, ``RequirementVersion.certificate``): a certificate
   of the version's level, *held* on ``on``. A certificate is held on the days from
   ``valid_from`` to ``expires_on``. Revoked: if ``revoked_on <= on`` it is held only up to the
   day before ``revoked_on``; if ``revoked_on`` is after ``on`` the revocation is not known
   yet and the certificate counts in full (so earlier dates keep their answer). Superseded
   certificates keep their own dates: a certificate is only ever superseded by a newer one of
   the same level (``certificates.issuing``), which is held at least as long, and if that one
   is later revoked the earlier pass still stands until its own expiry.
   A pass rule (``certificate=False``) asks for one pass at the level on or before ``on``
   (a certificate of the level issued on or before ``on`` and not revoked counts as its pass);
   a pass never expires.

   - Held: ``compliant`` until the last day held (``None`` for a pass rule), or, once the
     **renewal window** has opened (``renewal_window_days`` before that last day),
     ``due_soon`` with that last day as the due date (cause ``renewal``).
   - Not held: the due date is the latest of
       * the end of the **grace** for new staff: ``grace_days`` after the hire date
         (``GraceFrom.HIRE``) or after the day it has been asked since (``GraceFrom.JOINING``:
         joining the covered unit or position, or the rule coming into force for them);
         cause ``new_staff``;
       * the last day a certificate was held (cause ``expired``, or ``revoked`` when a
         revocation ended it);
       * the day before it has been asked since (someone who comes into scope past the grace,
         with nothing held, is late from their first day in scope; cause ``missing``).
     ``due_soon`` up to that date, ``overdue`` after it.
5. **Return after a long absence** (``return_after_absence_days = N``): an absence of N days or
   more (both ends counted) whose return day (the day after it ends) falls on or after the day
   the requirement has been asked since and on or before ``on`` must be followed by a pass at
   the level dated on or after the absence's first day — passing during the absence (the
   issue's "before returning to duty") or on returning both count; so does a certificate of
   the level issued in that time and not revoked. Due on the return day (cause ``return``):
   ``due_soon`` on that day, ``overdue`` from the next.
   An absence still open (no end), or still running on ``on``, asks nothing yet.
   The return obligation comes on top of the certificate: the worse of the two is shown
   (overdue before due soon before compliant; the earlier date between two of a kind).
6. **Extensions** move a due date later, never earlier: from the day an extension is granted,
   any due date before its ``due_on`` becomes its ``due_on`` (of several granted by ``on``,
   the latest ``due_on``; ``extended=True``). Once its date has passed an extension changes
   nothing, so an old one cannot reach an obligation that arises later.
7. **Overdue since**: the first day after the due date, but not a day on which the person was
   exempt: after an exemption that ended before ``on`` it is the day after the exemption.
   An exemption that ends leaves no new grace: the day after it, what is missing is overdue.

Absences do not pause the other requirements (a certificate that expires during leave has
expired); a rule that starts to cover people already past their grace (``GraceFrom.HIRE``) has
them overdue from its first day, so give it a later ``effective_from`` or use
``GraceFrom.JOINING``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")
ONE_DAY = timedelta(days=1)


# --- a person's dated history ----------------------------------------------------------------


@dataclass(frozen=True)
class Spell(Generic[T]):
    """``value`` held from ``start`` to ``end`` (the last day; ``None``: still held)."""

    start: date
    end: date | None
    value: T

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def value_on(spells: Sequence[Spell[T]], day: date) -> T | None:
    """The value held on ``day`` (of overlapping spells, the one that started last)."""
    best: Spell[T] | None = None
    for spell in spells:
        if spell.covers(day) and (best is None or spell.start >= best.start):
            best = spell
    return None if best is None else best.value


@dataclass(frozen=True)
class Absence:
    """Away from ``start`` to ``end`` (the last day away; ``None``: not back yet)."""

    start: date
    end: date | None
    reason: str = ""

    @property
    def days(self) -> int | None:
        return None if self.end is None else (self.end - self.start).days + 1

    @property
    def return_on(self) -> date | None:
        """The first day back."""
        return None if self.end is None else self.end + ONE_DAY


@dataclass(frozen=True)
class History:
    """A person's dated facts: hire date, position spells (客服代表 …), unit spells (unit ids),
    absences. A move is a new spell, never an edit of the old one."""

    hired_on: date
    positions: tuple[Spell[str], ...] = ()
    units: tuple[Spell[int], ...] = ()
    absences: tuple[Absence, ...] = ()

    def position_on(self, day: date) -> str | None:
        return value_on(self.positions, day)

    def unit_on(self, day: date) -> int | None:
        return value_on(self.units, day)

    def boundaries(self) -> set[date]:
        """The days on which the position or unit may change."""
        days = {self.hired_on}
        spells: list[Spell[str] | Spell[int]] = [*self.positions, *self.units]
        for spell in spells:
            days.add(spell.start)
            if spell.end is not None:
                days.add(spell.end + ONE_DAY)
        return days


# --- requirements ----------------------------------------------------------------------------


class GraceFrom(StrEnum):
    """Where new staff's grace period starts counting."""

    HIRE = "hire"  #: the hire date
    JOINING = "joining"  #: the first day in the rule's scope (joining the unit or position)


@dataclass(frozen=True)
class RequirementVersion:
    """A rule as edited on ``effective_from``, in force until the next version's date."""

    effective_from: date
    level: str  #: the bank Level code of the certificate (or pass) required
    #: positions covered (None: every position)
    positions: frozenset[str] | None = None
    #: unit ids covered, subtrees already expanded by the caller (None: every unit)
    units: frozenset[int] | None = None
    #: True: hold a valid certificate of ``level``; False: have passed an exam of ``level``
    certificate: bool = True
    grace_days: int = 90
    grace_from: GraceFrom = GraceFrom.HIRE
    #: the recertification window opens this many days before the last day held
    renewal_window_days: int = 90
    #: after an absence of this many days or more, pass again before returning (None: never)
    return_after_absence_days: int | None = None
    #: from this version on the rule asks nothing of anyone
    retired: bool = False

    def covers(self, position: str | None, unit: int | None) -> bool:
        if self.retired:
            return False
        if self.positions is not None and position not in self.positions:
            return False
        return self.units is None or unit in self.units


def version_on(versions: Sequence[RequirementVersion], day: date) -> RequirementVersion | None:
    """The version in force on ``day``: the latest ``effective_from`` not after it."""
    best: RequirementVersion | None = None
    for version in versions:
        if version.effective_from <= day and (
            best is None or version.effective_from >= best.effective_from
        ):
            best = version
    return best


@dataclass(frozen=True)
class Exemption:
    """Not required from ``start`` (the day it was granted, or later) to ``until``."""

    start: date
    until: date
    reason: str = ""


@dataclass(frozen=True)
class Extension:
    """Granted on ``granted_on``: due dates before ``due_on`` move to ``due_on``."""

    granted_on: date
    due_on: date
    reason: str = ""


# --- what the person has -----------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    level: str
    valid_from: date  #: the day of the pass that issued it
    expires_on: date  #: the last day it is valid
    revoked_on: date | None = None
    superseded_on: date | None = None  #: kept for the record; it does not end what it covers

    def stands(self, on: date) -> bool:
        """Issued on or before ``on`` and not revoked by then: its pass counts."""
        return self.valid_from <= on and (self.revoked_on is None or self.revoked_on > on)

    def last_day_held(self, on: date) -> date | None:
        """The last day it is held, as known on ``on`` (``None``: it never counted)."""
        if self.valid_from > on:
            return None  # not issued yet on ``on``
        last = self.expires_on
        if self.revoked_on is not None and self.revoked_on <= on:
            last = min(last, self.revoked_on - ONE_DAY)
        return last if last >= self.valid_from else None


@dataclass(frozen=True)
class Pass:
    """A passed exam at ``level`` on ``on``."""

    on: date
    level: str


# --- the answer --------------------------------------------------------------------------------


class State(StrEnum):
    COMPLIANT = "compliant"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    EXEMPT = "exempt"
    NOT_REQUIRED = "not_required"


class Cause(StrEnum):
    """Why something is due or overdue."""

    NEW_STAFF = "new_staff"  #: nothing held yet; the grace for new staff sets the date
    MISSING = "missing"  #: came into scope past the grace with nothing held
    RENEWAL = "renewal"  #: held, inside the renewal window
    EXPIRED = "expired"  #: the last certificate expired
    REVOKED = "revoked"  #: the last certificate was revoked
    RETURN = "return"  #: back from a long absence without passing again


@dataclass(frozen=True)
class Status:
    state: State
    #: compliant: the last day held (None: without end); exempt: the exemption's last day
    until: date | None = None
    due: date | None = None  #: due_soon: the last day to comply
    since: date | None = None  #: overdue: the first day late
    cause: Cause | None = None
    extended: bool = False  #: an extension set the due date


NOT_REQUIRED = Status(State.NOT_REQUIRED)


def status(
    versions: Sequence[RequirementVersion],
    history: History,
    certificates: Sequence[Certificate],
    exemptions: Sequence[Exemption],
    extensions: Sequence[Extension],
    on: date,
    passes: Sequence[Pass] = (),
) -> Status:
    """One person's status under one rule (all its versions) as of ``on``; see the module's
    docstring for every case."""
    version = version_on(versions, on)
    if version is None or not _in_scope(versions, history, on):
        return NOT_REQUIRED
    required_since = max(_stretch_start(versions, history, on), _asked_since(versions, version, on))

    exempt_until = [e.until for e in exemptions if e.start <= on <= e.until]
    if exempt_until:
        return Status(State.EXEMPT, until=max(exempt_until))

    certs = [c for c in certificates if c.level == version.level]
    pass_days = [p.on for p in passes if p.level == version.level and p.on <= on]
    extended_to = max((x.due_on for x in extensions if x.granted_on <= on), default=None)
    exemptions_ended = [e.until for e in exemptions if e.start <= on and e.until < on]

    def late(due: date, cause: Cause) -> Status:
        extended = extended_to is not None and extended_to > due
        if extended_to is not None and extended:
            due = extended_to
        if on <= due:
            return Status(State.DUE_SOON, due=due, cause=cause, extended=extended)
        since = max([due + ONE_DAY, *(end + ONE_DAY for end in exemptions_ended)])
        return Status(State.OVERDUE, since=since, cause=cause, extended=extended)

    found = [_held(version, history, certs, pass_days, required_since, on, late)]
    if version.return_after_absence_days is not None:
        back = _after_absence(
            version.return_after_absence_days, history, certs, pass_days, required_since, on
        )
        if back is not None:
            found.append(late(back, Cause.RETURN))
    return min(found, key=_severity)


def _held(
    version: RequirementVersion,
    history: History,
    certs: Sequence[Certificate],
    pass_days: Sequence[date],
    required_since: date,
    on: date,
    late: Callable[[date, Cause], Status],
) -> Status:
    """The status of the certificate (or pass) itself, before the return rule."""
    last_held: date | None = None
    revoked = False
    if version.certificate:
        for cert in certs:
            last = cert.last_day_held(on)
            if last is None:
                continue
            if last_held is None or last > last_held or (last == last_held and revoked):
                last_held, revoked = last, last < cert.expires_on
        if last_held is not None and last_held >= on:
            if on >= last_held - timedelta(days=version.renewal_window_days):
                return late(last_held, Cause.RENEWAL)
            return Status(State.COMPLIANT, until=last_held)
    elif pass_days or any(c.stands(on) for c in certs):
        return Status(State.COMPLIANT)

    grace_start = history.hired_on if version.grace_from == GraceFrom.HIRE else required_since
    candidates = [
        (grace_start + timedelta(days=version.grace_days), Cause.NEW_STAFF),
        (required_since - ONE_DAY, Cause.MISSING),
    ]
    if last_held is not None:
        candidates.append((last_held, Cause.REVOKED if revoked else Cause.EXPIRED))
    # the latest date; on a tie the lapsed certificate explains it best, then the grace
    order = {Cause.REVOKED: 0, Cause.EXPIRED: 0, Cause.NEW_STAFF: 1, Cause.MISSING: 2}
    due, cause = max(candidates, key=lambda dc: (dc[0], -order[dc[1]]))
    return late(due, cause)


def _after_absence(
    min_days: int,
    history: History,
    certs: Sequence[Certificate],
    pass_days: Sequence[date],
    required_since: date,
    on: date,
) -> date | None:
    """The return day of the earliest long absence not followed by a pass, if any."""
    passed = [*pass_days, *(c.valid_from for c in certs if c.stands(on))]
    unmet = []
    for absence in history.absences:
        back, days = absence.return_on, absence.days
        if back is None or days is None or days < min_days:
            continue
        if not required_since <= back <= on:
            continue
        if not any(absence.start <= day <= on for day in passed):
            unmet.append(back)
    return min(unmet, default=None)


_RANK = {State.OVERDUE: 0, State.DUE_SOON: 1, State.COMPLIANT: 2}


def _severity(s: Status) -> tuple[int, date]:
    day = s.since or s.due or s.until or date.max
    return (_RANK[s.state], day)


def _in_scope(versions: Sequence[RequirementVersion], history: History, day: date) -> bool:
    if day < history.hired_on:
        return False
    version = version_on(versions, day)
    return version is not None and version.covers(history.position_on(day), history.unit_on(day))


def _asked_since(
    versions: Sequence[RequirementVersion], in_force: RequirementVersion, on: date
) -> date:
    """The first day of the unbroken run of versions, up to the one in force on ``on``, that
    ask for the same thing (level, certificate or pass) as it does."""
    since = in_force.effective_from
    for day in sorted(
        {v.effective_from for v in versions if v.effective_from < since}, reverse=True
    ):
        earlier = version_on(versions, day)
        if earlier is None or (earlier.level, earlier.certificate) != (
            in_force.level,
            in_force.certificate,
        ):
            break
        since = day
    return since


def _stretch_start(versions: Sequence[RequirementVersion], history: History, on: date) -> date:
    """The first day of the unbroken run of days in scope that ends on ``on`` (in scope)."""
    points = sorted(
        day for day in history.boundaries() | {v.effective_from for v in versions} if day <= on
    )
    # Between two consecutive points nothing changes, so one day stands for each segment.
    start = points[-1]
    for previous in reversed(points[:-1]):
        if not _in_scope(versions, history, start - ONE_DAY):
            return start
        start = previous
    return start
