"""A certification answer save in one statement on PostgreSQL, two on SQLite
(``saving.save_answer`` tries this first).

The save's check, its write and its log entry become one data-modifying statement: a CTE
that finds the attempt only if it is this person's, in progress and not overdue, and the
question on its paper shown in the order the page was given (locking the attempt's row FOR
KEY SHARE, as ``saving._TARGET`` does, so grading waits for it); the conditional upsert of
the answer from that row; and the event insert from the upsert's row. It stands alone (no
transaction around it, ``postgres.py``). The answer view's variant (``_SAVE_CLAIMED``) also
checks who is signed in (``accounts.claims``), so a save is one round trip instead of seven.
SQLite, which has no data-modifying CTE, runs the checked upsert and
then the event insert in the request's IMMEDIATE transaction: two statements instead of three
(a statement there is a function call). The statements go straight to the driver's cursor
(``direct.DirectStatement``): SQLAlchemy's work per execution was three quarters of what a
SQLite save spent in them. Whatever does
not go through cleanly returns None and the caller takes the general path, which explains a
refusal, grades an overdue attempt or reports the other tab's newer answer; that path sees
nothing of this attempt at a save that did nothing, because the statement wrote either all
three parts or none.

Turning the displayed option positions into original labels needs the question's option
order: both statements read it from the paper's own row (PostgreSQL with jsonb, SQLite with
json_each and json_extract), so a save needs nothing a process must have seen before. SQLite
once kept each paper's orders per process: with 5,000 candidates saving every 10 s, a 30 s
stretch gave each worker a first save of almost every paper, and each such miss read the
paper's 30 rows (the same happened to PostgreSQL's round trips earlier).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.engine import Connection

from exam_app.accounts.claims import Claim, claim_holds
from exam_app.accounts.models import Role
from exam_app.db import UTCDateTime
from exam_app.direct import DirectStatement
from exam_app.exams import timing
from exam_app.exams.models import AttemptEventKind, AttemptStatus, ExamMode

#: who takes exams (the exam views declare the same): the statements write only for them
TAKERS = frozenset({Role.OPERATOR})

_STANDALONE = {"standalone": True}  # the PostgreSQL statement: atomic on its own

_WHOSE = "a.user_id = :user_id"  # the caller checked who is signed in
#: the session's claim is checked here instead (``claims.py``)
_WHOSE_CLAIMED = f"a.user_id = :user_id AND {claim_holds(TAKERS)}"
_CLAIMED_JOIN = "JOIN users u ON u.id = a.user_id"


def _save_statement(whose: str, join: str) -> DirectStatement:
    """The displayed positions become original labels in the statement itself, from the
    paper's own row: ``chosen`` arrives checked as distinct non-negative ints, and a position
    past the question's options leaves ``labels`` short, so nothing matches (the general path
    explains). Labels are sorted by code point (COLLATE "C"), as Python sorts them."""
    clause = text(
        f"""
    WITH target AS (
        SELECT a.id, CAST(i.option_order AS jsonb) AS shown FROM attempts a
        JOIN exams e ON e.id = a.exam_id
        JOIN attempt_items i ON i.attempt_id = a.id AND i.position = :position
        {join}
        WHERE a.id = :attempt_id AND {whose}
          AND a.status = :in_progress AND a.deadline_at >= :cutoff
          AND e.mode <> :practice
        FOR KEY SHARE OF a
    ),
    labels AS (
        SELECT target.id,
               COALESCE(jsonb_agg(target.shown -> c.n ORDER BY (target.shown ->> c.n) COLLATE "C")
                        FILTER (WHERE c.n IS NOT NULL), '[]'::jsonb) AS response,
               count(c.n) AS picked
        FROM target
        LEFT JOIN unnest(CAST(:chosen AS int[])) AS c(n) ON c.n < jsonb_array_length(target.shown)
        GROUP BY target.id
    ),
    saved AS (
        INSERT INTO answers (attempt_id, position, response, flagged, final, revision, saved_at)
        SELECT labels.id, :position, CAST(labels.response AS json), :flagged, false, 1, :now
        FROM labels WHERE labels.picked = :picked
        ON CONFLICT (attempt_id, position) DO UPDATE SET
            response = excluded.response, flagged = excluded.flagged, final = excluded.final,
            revision = answers.revision + 1, saved_at = excluded.saved_at
        WHERE answers.revision <= :base
        RETURNING revision, response
    ),
    logged AS (
        INSERT INTO attempt_events (attempt_id, kind, at, actor_id, detail)
        SELECT :attempt_id, :answered, :now, :user_id,
               json_build_object('position', :position, 'revision', saved.revision,
                                 'chosen', saved.response, 'flagged', :flagged)
        FROM saved
    )
    SELECT revision FROM saved
    """
    ).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("cutoff", type_=UTCDateTime()),
    )
    return DirectStatement(clause, _STANDALONE)


_SAVE = _save_statement(_WHOSE, "")
_SAVE_CLAIMED = _save_statement(_WHOSE_CLAIMED, _CLAIMED_JOIN)


def _sqlite_save_statement(whose: str, join: str) -> DirectStatement:
    """SQLite: the same check, conversion and upsert in one statement, then the event
    (``_SQLITE_LOG``). ``chosen`` arrives as a JSON array of distinct non-negative ints; a
    position past the question's options is not counted, so nothing matches (the general path
    explains). Labels sort by SQLite's BINARY collation: code point order, as Python sorts."""
    clause = text(
        f"""
    INSERT INTO answers (attempt_id, position, response, flagged, final, revision, saved_at)
    SELECT a.id, :position,
           (SELECT json_group_array(label) FROM (
                SELECT json_extract(i.option_order, '$[' || c.value || ']') AS label
                FROM json_each(:chosen) c ORDER BY label)),
           :flagged, 0, 1, :now
    FROM attempts a
    JOIN exams e ON e.id = a.exam_id
    JOIN attempt_items i ON i.attempt_id = a.id AND i.position = :position
    {join}
    WHERE a.id = :attempt_id AND {whose}
      AND a.status = :in_progress AND a.deadline_at >= :cutoff
      AND e.mode <> :practice
      AND (SELECT count(*) FROM json_each(:chosen) c
           WHERE c.value < json_array_length(i.option_order)) = :picked
    ON CONFLICT (attempt_id, position) DO UPDATE SET
        response = excluded.response, flagged = excluded.flagged, final = excluded.final,
        revision = answers.revision + 1, saved_at = excluded.saved_at
    WHERE answers.revision <= :base
    RETURNING revision, response
    """
    ).bindparams(
        bindparam("now", type_=UTCDateTime()),
        bindparam("cutoff", type_=UTCDateTime()),
        bindparam("chosen", type_=JSON()),
    )
    return DirectStatement(clause)


_SQLITE_SAVE = _sqlite_save_statement(_WHOSE, "")
_SQLITE_SAVE_CLAIMED = _sqlite_save_statement(_WHOSE_CLAIMED, _CLAIMED_JOIN)

_SQLITE_LOG = DirectStatement(
    text(
        """
    INSERT INTO attempt_events (attempt_id, kind, at, actor_id, detail)
    VALUES (:attempt_id, :answered, :now, :user_id,
            json_object('position', :position, 'revision', :revision,
                        'chosen', json(:response), 'flagged', json(CASE WHEN :flagged
                        THEN 'true' ELSE 'false' END)))
    """
    ).bindparams(bindparam("now", type_=UTCDateTime()))  # response: the upsert's stored text
)


def try_save(
    conn: Connection,
    attempt_id: int,
    user_id: int,
    position: int,
    chosen: list[int],
    flagged: bool,
    base_revision: int,
    now: datetime,
    claim: Claim | None = None,
) -> int | None:
    """The new revision of the answer, stored and logged; None when this path does not
    apply (the general path then decides, and has nothing of this call to undo). With a
    ``claim`` (``user_id``'s, unchecked) it writes only if the claim holds (``claims.py``)."""
    if not _plain_choice(chosen):
        return None  # the general path refuses it with its message
    params = {
        **(claim.params() if claim is not None else {}),
        "attempt_id": attempt_id,
        "user_id": user_id,
        "position": position,
        "flagged": flagged,
        "base": base_revision,
        "now": now,
        "cutoff": timing.sweep_cutoff(now),
        "in_progress": AttemptStatus.IN_PROGRESS.value,
        "practice": ExamMode.PRACTICE.value,
        "answered": AttemptEventKind.ANSWERED.value,
    }
    # both statements read the option order themselves: nothing a process must have seen
    # before (with several workers a candidate's saves land on any of them)
    params.update(chosen=chosen, picked=len(chosen))
    if conn.dialect.name == "postgresql":
        saved = (_SAVE if claim is None else _SAVE_CLAIMED).first_row(conn, params)
        return None if saved is None else int(saved[0])
    # SQLite has no data-modifying CTE: the checked upsert, then the event, in the request's
    # IMMEDIATE transaction (which the upsert begins, and the view commits)
    saved = (_SQLITE_SAVE if claim is None else _SQLITE_SAVE_CLAIMED).first_row(conn, params)
    if saved is None:
        return None  # a finished attempt, another tab's newer answer, a bad position: explain
    revision, response = saved
    _SQLITE_LOG.first_row(conn, {**params, "revision": revision, "response": response})
    return int(revision)


def _plain_choice(chosen: list[int]) -> bool:
    """Distinct non-negative ints (``grading.to_original``'s rules but the upper bound, which
    needs the question: the statement checks that one)."""
    return all(type(n) is int and n >= 0 for n in chosen) and len(set(chosen)) == len(chosen)
