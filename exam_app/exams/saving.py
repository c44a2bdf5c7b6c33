"""Answer saves: the hottest path of an exam (every candidate, every few seconds).

On PostgreSQL a certification save is first tried as one statement (``fast_save``); what
follows is the general path, which that one falls back to whenever anything is unusual, and
the only path on SQLite, where a statement is a function call, not a round trip.

A save is one small JSON call, so its cost is almost all overhead; this module keeps that
overhead to four statements on the request's connection, all built once:

1. one SELECT of what the save must check (owner, status, deadline, mode, the question's
   option order), instead of loading the attempt, its exam and the question through the ORM;
   only an attempt in progress and not overdue matches, and on PostgreSQL its row stays
   locked FOR KEY SHARE until the commit, so grading (which locks it FOR UPDATE) waits for
   every save that passed this check: a save is refused or graded, never acknowledged and
   then left out of the grade;
2. one conditional upsert that stores the answer only if no newer revision is stored
   (``INSERT … ON CONFLICT DO UPDATE … WHERE revision <= :base RETURNING revision``), so two
   tabs can never overwrite a newer answer with an older one, with no read-modify-write;
3. one plain INSERT into the attempt's event log;
4. the commit, by the view.

Anything unusual leaves this path for the ORM one: an attempt that is finished or overdue is
graded by ``attempts.ensure_open`` (the check found no row, so this save holds no lock that
the grade would wait for); practice mode loads what its feedback needs.

Practice shows the key as soon as an answer is final, and a final answer never changes (its
flag may). Single-choice and true/false answers are final when given; a multiple-choice answer
may be ticked together option by option and is final when the operator confirms it
(``confirm``). Practice is closed while the person sits a certification. None of this costs a
certification save anything: it runs only for practice attempts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, and_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from exam_app.accounts.claims import Claim
from exam_app.bank.models import ItemVersion
from exam_app.bank.parsed import ItemType
from exam_app.db import first_on_connection
from exam_app.errors import DomainError
from exam_app.exams import fast_save, grading, timing
from exam_app.exams.attempts import (
    AttemptRefused,
    ensure_no_certification,
    ensure_open,
    no_such_attempt,
    own_attempt,
)
from exam_app.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptEventKind,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamMode,
)
from exam_app.exams.wrong_book import practice_feedback

# Tables, for Core statements (typed as Table: ``__table__`` is declared as a FromClause).
_ANSWERS = cast(Table, Answer.__table__)
_ATTEMPTS = cast(Table, Attempt.__table__)
_ITEMS = cast(Table, AttemptItem.__table__)
_EVENTS = cast(Table, AttemptEvent.__table__)


class StaleAnswer(DomainError):
    """A save based on an older revision than the server holds (another tab answered since)."""

    def __init__(self, revision: int, chosen: list[int], flagged: bool) -> None:
        super().__init__(_("此题已在其他窗口作答，已显示最新答案。"))
        #: the stored answer, as the page shows it (displayed option positions)
        self.revision = revision
        self.chosen = chosen
        self.flagged = flagged


@dataclass(frozen=True)
class Receipt:
    position: int
    revision: int
    saved_at: datetime
    #: practice mode only, once the answer is final: right or wrong, key and explanation
    feedback: dict[str, Any] | None = None
    #: practice mode only: the answer can no longer change
    final: bool = False


def save_claimed(
    conn: Connection,
    attempt_id: int,
    claim: Claim,
    position: int,
    chosen: list[int],
    flagged: bool,
    base_revision: int,
    now: datetime,
) -> Receipt | None:
    """A certification answer saved in one statement that also checks the session's
    ``claim`` (``accounts.claims``), on a Core connection of its own (the caller commits);
    None when it wrote nothing, and the caller confirms who is signed in before
    ``save_answer(..., fast=False)`` explains why. Nothing is loaded into an ORM session, so
    there is nothing to expire."""
    revision = first_on_connection(  # survives a database restart, as the user's read did
        conn,
        lambda c: fast_save.try_save(
            c, attempt_id, claim.user_id, position, chosen, flagged, base_revision, now, claim
        ),
    )
    return None if revision is None else Receipt(position, revision, now)


def save_answer(
    session: Session,
    attempt_id: int,
    user_id: int,
    position: int,
    chosen: list[int],
    flagged: bool,
    base_revision: int,
    now: datetime,
    confirm: bool = False,
    fast: bool = True,
) -> Receipt:
    """Store ``user_id``'s answer to one question of their attempt; the receipt carries the
    server's time. ``chosen`` are displayed option positions, stored as original labels.
    ``confirm`` (practice, multiple choice): this is the answer; show the feedback.
    ``fast=False``: ``save_claimed`` tried the one-statement save already.

    :raises NotFound: no such attempt, or not this user's (``no_such_attempt``)
    :raises StaleAnswer: when ``base_revision`` is older than the stored answer's
    :raises AttemptRefused: after the deadline (+ grace), on a finished attempt, or for a
        question the paper does not have; in practice, a change to a final answer, or
        while the person sits a certification (``CertificationInProgress``)
    """
    conn = session.connection()
    if fast and not confirm:  # certification: the checked write in one statement, if usual
        revision = fast_save.try_save(
            conn, attempt_id, user_id, position, chosen, flagged, base_revision, now
        )
        if revision is not None:
            _forget_loaded(session, attempt_id, position)
            return Receipt(position, revision, now)
    params = {"attempt_id": attempt_id, "position": position, "cutoff": timing.sweep_cutoff(now)}
    target = conn.execute(_TARGET, params).one_or_none()
    if target is None:  # no such attempt, or finished, or overdue: no row, so no lock held
        ensure_open(session, own_attempt(session, attempt_id, user_id), now)  # grades, refuses
        # Still open: its deadline moved (extra time) since the check. Check again.
        target = conn.execute(_TARGET, params).one_or_none()
        if target is None:
            raise AttemptRefused(_("考试已结束，答案已按保存的内容评分。"))
    if target.user_id != user_id:
        raise no_such_attempt()
    if target.option_order is None:
        raise AttemptRefused(_("试卷中没有第 %(n)d 题。", n=position))
    option_order = tuple(target.option_order)
    try:
        response = list(grading.to_original(chosen, option_order))
    except ValueError:
        raise AttemptRefused(_("答案无效。")) from None
    step = (
        _practice_step(session, conn, attempt_id, user_id, position, response, confirm, now)
        if target.mode == ExamMode.PRACTICE
        else _NOT_PRACTICE
    )

    revision = conn.execute(
        _upsert_answer(conn.dialect.name),
        {
            "attempt_id": attempt_id,
            "position": position,
            "response": response,
            "flagged": flagged,
            "final": step.final,
            "saved_at": now,
            "base": base_revision,
        },
    ).scalar_one_or_none()
    _forget_loaded(session, attempt_id, position)  # the answer and the log change below
    if revision is None:  # the stored answer is newer than the page's: another tab saved
        current = conn.execute(_CURRENT, {"attempt_id": attempt_id, "position": position}).one()
        _log(
            conn,
            attempt_id,
            user_id,
            AttemptEventKind.CONFLICT,
            now,
            position=position,
            base=base_revision,
            current=current.revision,
        )
        raise StaleAnswer(
            current.revision,
            sorted(option_order.index(label) for label in current.response),
            current.flagged,
        )
    # No last_seen_at update here: the answer's saved_at already says the page was alive
    # (heartbeat reads both), and one UPDATE fewer on every save is worth having.
    _log(
        conn,
        attempt_id,
        user_id,
        AttemptEventKind.ANSWERED,
        now,
        position=position,
        revision=revision,
        chosen=response,  # original labels: the proctor's record shows the letters seen
        flagged=flagged,
    )
    feedback = None
    if step.feedback:
        attempt = own_attempt(session, attempt_id, user_id)
        item = session.get(AttemptItem, (attempt_id, position))
        assert item is not None  # the target query found it
        feedback = practice_feedback(session, attempt, item, response, now)
    return Receipt(position, revision, now, feedback, step.final)


@dataclass(frozen=True)
class _Step:
    final: bool  #: the answer stored by this save is final
    feedback: bool  #: this save shows the feedback (it made the answer final)


_NOT_PRACTICE = _Step(final=False, feedback=False)


def _practice_step(
    session: Session,
    conn: Connection,
    attempt_id: int,
    user_id: int,
    position: int,
    response: list[str],
    confirm: bool,
    now: datetime,
) -> _Step:
    """What a practice save does: refused while a certification runs or when it would change
    a final answer; final (with feedback) when it gives an answer to a single-choice or
    true/false question, or confirms one to a multiple-choice question; else just stored."""
    ensure_no_certification(session, user_id, now)
    stored = _stored_answer(conn, attempt_id, position)
    if stored is not None and stored.final:
        if sorted(stored.response) != sorted(response):
            raise AttemptRefused(_("练习中每题只能作答一次，请看解析后继续。"))
        return _Step(final=True, feedback=False)  # the same answer again (a flag changed)
    if not response:
        return _Step(final=False, feedback=False)
    if not confirm:
        kind = conn.execute(_TYPE, {"attempt_id": attempt_id, "position": position}).scalar_one()
        if kind == ItemType.MULTIPLE.value:
            return _Step(final=False, feedback=False)  # ticked so far, not yet confirmed
    return _Step(final=True, feedback=True)


# --- the statements, built once (building one costs more than SQLite takes to run it) -------

_TARGET = (
    select(
        _ATTEMPTS.c.user_id,
        Exam.__table__.c.mode,
        _ITEMS.c.option_order,  # NULL when the paper has no such position
    )
    .select_from(
        _ATTEMPTS.join(Exam.__table__, Exam.__table__.c.id == _ATTEMPTS.c.exam_id).outerjoin(
            _ITEMS,
            and_(
                _ITEMS.c.attempt_id == _ATTEMPTS.c.id,
                _ITEMS.c.position == bindparam("position"),
            ),
        )
    )
    # Only an attempt that takes answers: one that is finished or past deadline + grace gives
    # no row, and so is not locked by the save that goes on to grade it.
    .where(
        _ATTEMPTS.c.id == bindparam("attempt_id"),
        _ATTEMPTS.c.status == AttemptStatus.IN_PROGRESS.value,
        _ATTEMPTS.c.deadline_at >= bindparam("cutoff", type_=_ATTEMPTS.c.deadline_at.type),
    )
    # PostgreSQL: the row stays locked FOR KEY SHARE until the save commits (the lock the
    # answer's foreign key takes anyway, taken at the check instead of at the write). Saves
    # and heartbeats do not conflict on it; grading locks the row FOR UPDATE
    # (``attempts.lock_for_grading``), which waits for every save past this check, and a save
    # checked after that waits for the grade's commit and then finds no row (the status moved
    # on). SQLite needs no row lock: the IMMEDIATE transaction this SELECT begins holds the
    # one write lock until the commit, so a save and a grade never overlap.
    .with_for_update(read=True, key_share=True, of=_ATTEMPTS)
)

_CURRENT = select(
    _ANSWERS.c.revision, _ANSWERS.c.response, _ANSWERS.c.flagged, _ANSWERS.c.final
).where(
    _ANSWERS.c.attempt_id == bindparam("attempt_id"),
    _ANSWERS.c.position == bindparam("position"),
)

#: practice only: the question's type (multiple choice waits for a confirmation)
_TYPE = (
    select(ItemVersion.type)
    .join(_ITEMS, _ITEMS.c.version_id == ItemVersion.id)
    .where(
        _ITEMS.c.attempt_id == bindparam("attempt_id"),
        _ITEMS.c.position == bindparam("position"),
    )
)

_INSERT_EVENT = insert(_EVENTS).values(
    attempt_id=bindparam("attempt_id"),
    kind=bindparam("kind"),
    at=bindparam("at", type_=_EVENTS.c.at.type),
    actor_id=bindparam("actor_id"),
    detail=bindparam("detail", type_=_EVENTS.c.detail.type),
)


@functools.cache
def _upsert_answer(dialect: str) -> Any:
    """The conditional upsert: a new answer, or a newer revision of the stored one, but only
    while the stored revision is not newer than the page's (one statement, so two concurrent
    saves cannot both pass the check)."""
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = upsert(_ANSWERS).values(
        attempt_id=bindparam("attempt_id"),
        position=bindparam("position"),
        response=bindparam("response", type_=_ANSWERS.c.response.type),
        flagged=bindparam("flagged"),
        final=bindparam("final"),
        revision=1,
        saved_at=bindparam("saved_at", type_=_ANSWERS.c.saved_at.type),
    )
    return stmt.on_conflict_do_update(
        index_elements=[_ANSWERS.c.attempt_id, _ANSWERS.c.position],
        set_={
            "response": stmt.excluded.response,
            "flagged": stmt.excluded.flagged,
            "final": stmt.excluded.final,
            "revision": _ANSWERS.c.revision + 1,
            "saved_at": stmt.excluded.saved_at,
        },
        where=_ANSWERS.c.revision <= bindparam("base"),
    ).returning(_ANSWERS.c.revision)


def _stored_answer(conn: Connection, attempt_id: int, position: int) -> Any:
    """The stored answer (revision, response, flagged, final) or None. The row is locked on
    PostgreSQL so two tabs cannot both change a practice answer about to be final; SQLite's
    IMMEDIATE transaction already is."""
    stmt = _CURRENT.with_for_update() if conn.dialect.name == "postgresql" else _CURRENT
    return conn.execute(stmt, {"attempt_id": attempt_id, "position": position}).one_or_none()


def _log(
    conn: Connection,
    attempt_id: int,
    user_id: int,
    kind: AttemptEventKind,
    now: datetime,
    **detail: Any,
) -> None:
    """``events.log`` for the hot path: a plain INSERT, no unit-of-work flush."""
    conn.execute(
        _INSERT_EVENT,
        {
            "attempt_id": attempt_id,
            "kind": kind.value,
            "at": now,
            "actor_id": user_id,
            "detail": detail,
        },
    )


def _forget_loaded(session: Session, attempt_id: int, position: int) -> None:
    """Core wrote behind the ORM's back: objects this session already loaded must not keep
    showing the old answer or the old event log."""
    stale = session.identity_map.get(identity_key(Answer, (attempt_id, position)))
    if stale is not None:
        session.expire(stale)
    attempt = session.identity_map.get(identity_key(Attempt, attempt_id))
    if attempt is not None:
        session.expire(attempt, ["answers", "events"])
