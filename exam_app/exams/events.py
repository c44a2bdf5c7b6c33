"""An attempt's event log (for HR and proctors), read back as the proctor's record, and the
signal sent when an attempt is graded.

Other domains (certificates, tracking, statistics) subscribe to ``attempt_graded``; exams never
imports them. The signal is sent inside the grading transaction with the request's ``Session``
as sender, so a subscriber's writes commit or roll back together with the grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.exams.models import Attempt, AttemptEvent, AttemptEventKind


def log(
    session: Session,
    attempt: Attempt,
    kind: AttemptEventKind,
    now: datetime,
    actor_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AttemptEvent(attempt=attempt, kind=kind.value, at=now, actor_id=actor_id, detail=detail)
    )


def was_opened(session: Session, attempt_id: int) -> bool:
    """Whether the paper was opened before: one EXISTS, where reading the log would load an
    event for every save so far."""
    opened = select(AttemptEvent.id).where(
        AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == AttemptEventKind.OPENED.value
    )
    return bool(session.scalar(select(opened.exists())))


# --- the proctor's record ------------------------------------------------------------------

#: the events a proctor should look at twice
NOTABLE = frozenset(
    {
        AttemptEventKind.CONFLICT,
        AttemptEventKind.HIDDEN,
        AttemptEventKind.HEARTBEAT_GAP,
        AttemptEventKind.EXTRA_TIME,
        AttemptEventKind.AUTO_SUBMITTED,
        AttemptEventKind.REGRADED,
        AttemptEventKind.REGRADE_REVERTED,
    }
)
_LETTERS = "ABCDEFGH"
#: (marker in the user agent, name), first match wins: Edge and WeChat also say Chrome/Safari
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg", "Edge"),
    ("Firefox/", "Firefox"),
    ("OPR/", "Opera"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
#: Android says Linux, iPhone and iPad say Mac OS X: the more specific first
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_of(agent: str) -> str:
    """Browser and system named from a user agent ("Chrome · Windows"), else its start."""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    return " · ".join(part for part in (browser, system) if part) or agent[:60]


@dataclass(frozen=True)
class RecordEntry:
    """One line of the proctor's record, in plain values the page puts into words."""

    at: datetime
    kind: str
    notable: bool = False
    position: int | None = None  #: the question's number on the candidate's paper
    answer: tuple[str, ...] | None = None  #: letters as shown to the candidate; None: not logged
    previous: tuple[str, ...] | None = None  #: the answer this save replaced; None: the first
    flag: bool | None = None  #: this save marked (True) or unmarked (False) the question
    seconds: int | None = None  #: a gap in contact, time away from the page, extra time given
    since: datetime | None = None  #: when a gap in contact began
    actor: str | None = None  #: who gave the time or corrected the key
    reason: str = ""
    device: str = ""  #: browser and system the page was opened in
    other_device: bool = False  #: opened in another browser or device than the first time
    items: int | None = None  #: questions on the paper (the start)
    percent: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)  #: as logged, for the technical view


def _shown(labels: list[str], order: tuple[str, ...]) -> tuple[str, ...]:
    """Original option labels as the letters the candidate saw (the paper's option order)."""
    return tuple(
        _LETTERS[order.index(label)] if label in order else label
        for label in sorted(labels, key=lambda lb: order.index(lb) if lb in order else 99)
    )


def _seconds(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def proctor_record(session: Session, attempt: Attempt) -> list[RecordEntry]:
    """The attempt's events as a proctor reads them: question numbers and the letters chosen
    (and what they replaced), time away and gaps in contact with their length, reloads and
    other browsers, extra time with who gave it and why."""
    orders = {item.position: tuple(item.option_order) for item in attempt.items}
    actor_ids = {e.actor_id for e in attempt.events if e.actor_id is not None}
    names: dict[int, str] = (
        {
            uid: name
            for uid, name in session.execute(
                select(User.id, User.name).where(User.id.in_(actor_ids))
            )
        }
        if actor_ids
        else {}
    )
    given: dict[int, tuple[tuple[str, ...], bool]] = {}
    first_agent: str | None = None
    hidden_at: datetime | None = None
    record = []
    for event in attempt.events:
        detail = dict(event.detail or {})
        kind = AttemptEventKind(event.kind)
        values: dict[str, Any] = {
            "at": event.at,
            "kind": kind.value,
            "notable": kind in NOTABLE,
            "detail": detail,
            "actor": names.get(event.actor_id) if event.actor_id is not None else None,
        }
        position = detail.get("position")
        if isinstance(position, int):
            values["position"] = position
        if kind is AttemptEventKind.STARTED:
            values["items"] = _seconds(detail.get("items"))
        elif kind in (AttemptEventKind.OPENED, AttemptEventKind.RESUMED):
            agent = str(detail.get("agent", ""))
            first_agent = agent if first_agent is None else first_agent
            values["device"] = device_of(agent)
            values["other_device"] = agent != first_agent
            values["notable"] = agent != first_agent
        elif kind is AttemptEventKind.ANSWERED and isinstance(detail.get("chosen"), list):
            answer = _shown(detail["chosen"], orders.get(values.get("position", 0), ()))
            flagged = bool(detail.get("flagged"))
            before = given.get(values.get("position", 0))
            given[values.get("position", 0)] = (answer, flagged)
            values["answer"] = answer
            values["previous"] = before[0] if before else None
            was_flagged = before[1] if before else False
            values["flag"] = flagged if flagged != was_flagged else None
        elif kind is AttemptEventKind.HIDDEN:
            hidden_at = event.at
        elif kind is AttemptEventKind.VISIBLE and hidden_at is not None:
            values["seconds"] = int((event.at - hidden_at).total_seconds())
            hidden_at = None
        elif kind in (AttemptEventKind.HEARTBEAT_GAP, AttemptEventKind.EXTRA_TIME):
            values["seconds"] = _seconds(detail.get("seconds"))
            values["since"] = _when(detail.get("since"))
            values["reason"] = str(detail.get("reason", ""))
        if "percent" in detail:
            values["percent"] = detail["percent"]
        if kind in (AttemptEventKind.REGRADED,):
            values["reason"] = str(detail.get("reason", ""))
        record.append(RecordEntry(**values))
    return record


@dataclass(frozen=True)
class RecordSummary:
    """The record in a few numbers, above it."""

    questions: int
    answered: int  #: questions with an answer at the end
    changes: int  #: saves that changed or cleared an earlier answer
    gaps: int
    gap_seconds: int
    away: int  #: times the candidate left the page
    away_seconds: int
    reopened: int  #: reloads and other tabs
    other_devices: int
    conflicts: int
    extra_seconds: int


def summarize(record: list[RecordEntry], questions: int) -> RecordSummary:
    answers: dict[int, tuple[str, ...]] = {}
    for entry in record:
        if entry.answer is not None and entry.position is not None:
            answers[entry.position] = entry.answer
    kinds = AttemptEventKind

    def of(kind: AttemptEventKind) -> list[RecordEntry]:
        return [e for e in record if e.kind == kind]

    return RecordSummary(
        questions=questions,
        answered=sum(1 for a in answers.values() if a),
        changes=sum(1 for e in of(kinds.ANSWERED) if e.previous and e.previous != e.answer),
        gaps=len(of(kinds.HEARTBEAT_GAP)),
        gap_seconds=sum(e.seconds or 0 for e in of(kinds.HEARTBEAT_GAP)),
        away=len(of(kinds.HIDDEN)),
        away_seconds=sum(e.seconds or 0 for e in of(kinds.VISIBLE)),
        reopened=sum(1 for e in of(kinds.RESUMED) if not e.other_device),
        other_devices=len({e.device for e in record if e.other_device}),
        conflicts=len(of(kinds.CONFLICT)),
        extra_seconds=sum(e.seconds or 0 for e in of(kinds.EXTRA_TIME)),
    )


class GradeCause(StrEnum):
    SUBMITTED = "submitted"  #: by the candidate
    AUTO_SUBMITTED = "auto_submitted"  #: at the deadline, by the next request or the sweeper
    REGRADED = "regraded"  #: an answer-key correction changed the score
    REGRADE_REVERTED = "regrade_reverted"  #: that correction was undone


@dataclass(frozen=True)
class AttemptGraded:
    """What a subscriber learns: plain values, no ORM objects."""

    attempt_id: int
    user_id: int
    exam_id: int
    passed: bool
    percent: float
    was_passed: bool | None  #: before this grading (None: first grading)
    at: datetime
    cause: GradeCause


_signals = Namespace()
#: ``attempt_graded.send(session, event=AttemptGraded(...))``; receivers take
#: ``(session: Session, event: AttemptGraded)``.
attempt_graded = _signals.signal("attempt-graded")


def announce_graded(
    session: Session,
    attempt: Attempt,
    now: datetime,
    cause: GradeCause,
    was_passed: bool | None = None,
) -> None:
    """Tell subscribers that ``attempt`` has a (new) grade; call after the grade is flushed."""
    attempt_graded.send(
        session,
        event=AttemptGraded(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            exam_id=attempt.exam_id,
            passed=bool(attempt.passed),
            percent=float(attempt.percent or 0.0),
            was_passed=was_passed,
            at=now,
            cause=cause,
        ),
    )
