"""Answer sheets: each graded attempt written once, packed, inside its grading transaction.

Ten million responses cannot be read in seconds row by row (SQLite hands Python about two
million rows a second; ``pandas.read_sql`` of them takes 14 s and 1.9 GB), so the grading path
also leaves one row per attempt holding its items, points, scores and chosen options as packed
arrays: a full recomputation reads 100,000 rows and a few numpy buffers. The sheet is derived,
never a fact: ``rebuild`` writes every sheet again from attempt_items and answers.

A regrade or its revert sends ``attempt_graded`` again; the sheet is rewritten and queued as
``regraded``, so the job recomputes that exam from its sheets (a tally cannot take back what
it counted without the old sheet).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exam_app.exams.events import AttemptGraded, GradeCause, attempt_graded
from exam_app.exams.models import Answer, Attempt, AttemptItem
from exam_app.stats.models import AnswerSheet, PendingSheet

#: bits of the original option labels: A = 1, B = 2, … (at most 15 options fit an int16)
LABEL_BITS = {chr(ord("A") + i): 1 << i for i in range(15)}
#: papers per statement when every sheet is written again
REBUILD_CHUNK = 500


def choice_mask(response: Iterable[str]) -> int:
    mask = 0
    for label in response:
        mask |= LABEL_BITS.get(str(label).strip().upper(), 0)
    return mask


@dataclass(frozen=True)
class Unpacked:
    """A sheet's arrays, as numpy."""

    items: np.ndarray  #: int32
    points: np.ndarray  #: float32
    scores: np.ndarray  #: float32
    chosen: np.ndarray  #: int16


def unpack(items: bytes, points: bytes, scores: bytes, chosen: bytes) -> Unpacked:
    return Unpacked(
        np.frombuffer(items, dtype="<i4"),
        np.frombuffer(points, dtype="<f4"),
        np.frombuffer(scores, dtype="<f4"),
        np.frombuffer(chosen, dtype="<i2"),
    )


def _packed(
    rows: Sequence[tuple[int, float, float | None, Sequence[str] | None]],
) -> dict[str, bytes]:
    return {
        "items": np.array([r[0] for r in rows], dtype="<i4").tobytes(),
        "points": np.array([r[1] for r in rows], dtype="<f4").tobytes(),
        "scores": np.array([r[2] or 0.0 for r in rows], dtype="<f4").tobytes(),
        "chosen": np.array([choice_mask(r[3] or ()) for r in rows], dtype="<i2").tobytes(),
    }


def _paper_rows(
    session: Session, attempt_ids: Sequence[int]
) -> dict[int, list[tuple[int, float, float | None, Sequence[str] | None]]]:
    """(item, points, earned, response) per position, for each attempt: one statement."""
    rows = session.execute(
        select(
            AttemptItem.attempt_id,
            AttemptItem.item_id,
            AttemptItem.points,
            AttemptItem.earned,
            Answer.response,
        )
        .outerjoin(
            Answer,
            (Answer.attempt_id == AttemptItem.attempt_id)
            & (Answer.position == AttemptItem.position),
        )
        .where(AttemptItem.attempt_id.in_(attempt_ids))
        .order_by(AttemptItem.attempt_id, AttemptItem.position)
    )
    papers: dict[int, list[tuple[int, float, float | None, Sequence[str] | None]]] = {}
    for attempt_id, item_id, points, earned, response in rows:
        papers.setdefault(attempt_id, []).append((item_id, points, earned, response))
    return papers


def _sheet_values(attempt: Any, paper: Sequence[Any], graded_at: datetime) -> dict[str, Any]:
    return {
        "attempt_id": attempt.id,
        "exam_id": attempt.exam_id,
        "user_id": attempt.user_id,
        "started_at": attempt.started_at,
        "graded_at": graded_at,
        "earned": float(attempt.earned or 0.0),
        "possible": float(attempt.possible or 0.0),
        "percent": float(attempt.percent or 0.0),
        "passed": bool(attempt.passed),
        "by_category": dict(attempt.by_category or {}),
        **_packed(paper),
    }


def write_sheet(session: Session, attempt_id: int, now: datetime, regraded: bool) -> None:
    """Write (or rewrite) one attempt's sheet and queue it for the figures."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.earned is None:
        return
    paper = _paper_rows(session, [attempt_id]).get(attempt_id, [])
    values = _sheet_values(attempt, paper, now)
    sheet = session.get(AnswerSheet, attempt_id)
    if sheet is None:
        session.add(AnswerSheet(**values))
    else:
        regraded = True
        for key, value in values.items():
            setattr(sheet, key, value)
    session.add(
        PendingSheet(
            attempt_id=attempt_id, exam_id=attempt.exam_id, regraded=regraded, queued_at=now
        )
    )


def on_attempt_graded(sender: Session, event: AttemptGraded, **_extra: Any) -> None:
    regraded = event.cause in (GradeCause.REGRADED, GradeCause.REGRADE_REVERTED)
    write_sheet(sender, event.attempt_id, event.at, regraded)


def rebuild(session: Session, now: datetime, exam_id: int | None = None) -> int:
    """Write every graded attempt's sheet again from the grading path's tables (after a
    restore, or for attempts graded before statistics existed); returns how many. Each exam
    touched is queued for a full recomputation."""
    query = select(Attempt).where(Attempt.earned.is_not(None)).order_by(Attempt.id)
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    ids = list(session.scalars(query.with_only_columns(Attempt.id)))
    exams: set[int] = set()
    for start in range(0, len(ids), REBUILD_CHUNK):
        chunk = ids[start : start + REBUILD_CHUNK]
        papers = _paper_rows(session, chunk)
        session.execute(delete(AnswerSheet).where(AnswerSheet.attempt_id.in_(chunk)))
        attempts = session.scalars(select(Attempt).where(Attempt.id.in_(chunk))).all()
        session.add_all(
            AnswerSheet(**_sheet_values(a, papers.get(a.id, []), now)) for a in attempts
        )
        exams.update(a.exam_id for a in attempts)
        session.flush()
    session.add_all(
        PendingSheet(attempt_id=0, exam_id=e, regraded=True, queued_at=now) for e in sorted(exams)
    )
    session.flush()
    return len(ids)


attempt_graded.connect(on_attempt_graded, weak=False)
