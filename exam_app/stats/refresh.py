"""Keeping every exam's figures current, so no page ever computes while someone waits.

The grading path writes a sheet and queues it (``sheets``). ``apply_pending`` (the
``stats.refresh`` job, every minute) takes the queue exam by exam:

* newly graded attempts are folded into each counting rule's tally: for the person concerned,
  ``selection.change`` says which of their attempts stop and start counting (a better second
  attempt replaces the first under "best"), those sheets are removed from or added to the
  tally, and the figures are recomputed from the counts (milliseconds);
* a regrade, a revert or a rebuild, or an exam with no figures yet, is recomputed from all its
  sheets (``recompute_exam``: seconds for 100,000 attempts).

Either way the queue rows go in the same transaction as the figures, so a crash leaves them
to be taken again. A sheet graded while the job runs is committed with its queue row, so every
read here leaves out, in the same statement, the sheets whose queue row this run did not take
(``_settled``): the next run counts them, and nothing is counted twice. Then the bank items
of the exams touched are pooled again (``pooling``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, delete, func, select, type_coerce
from sqlalchemy.orm import Session, defer
from sqlalchemy.types import NullType

from exam_app.exams.models import Exam
from exam_app.stats import analysis, pooling
from exam_app.stats.models import AnswerSheet, Counting, Figures, PendingSheet
from exam_app.stats.selection import SheetRef, by_person, change, counted_rows
from exam_app.stats.tally import Sheet, SheetArrays, Tally

#: queue rows taken per run: a large backlog (a rebuild) is worked off over several runs
PENDING_BATCH = 5_000
#: a queue row waits for the default figures, then for the other counting rules
FIRST_STAGE, SECOND_STAGE = 1, 2
LATER_COUNTINGS = (Counting.ALL, Counting.BEST, Counting.LAST)

#: tallies this process wrote, by figures row: (revision, tally). Parsing a tally's JSON costs
#: more than folding a sheet into it, and the job runs in one process at a time, so the next
#: run usually finds the tally it left. Another server's write bumps the revision. A few
#: exams' worth (a parsed tally of 100 items is some megabytes of Python objects).
_parsed: OrderedDict[int, tuple[int, Tally]] = OrderedDict()
KEEP_PARSED = 8


def _tally_of(row: Figures) -> Tally:
    held = _parsed.pop(row.id, None)
    if held is not None and held[0] == row.revision:
        return held[1]
    return Tally.from_json(row.tally)


def _store(row: Figures, tally: Tally, keep: bool = True) -> None:
    """Write the tally to its row (a new revision) and keep it parsed for the next run
    (``keep``: False when another row shares the same object)."""
    row.tally = tally.to_json()
    row.revision = (row.revision or 0) + 1
    if keep and row.id is not None:
        _parsed[row.id] = (row.revision, tally)
        while len(_parsed) > KEEP_PARSED:
            _parsed.popitem(last=False)


@dataclass(frozen=True)
class ExamSheets:
    """Every sheet of one exam as arrays, a row per sheet in attempt order."""

    attempts: npt.NDArray[np.int64]
    users: npt.NDArray[np.int64]
    started: npt.NDArray[np.int64]  #: the rank of the start time
    percents: npt.NDArray[np.float64]
    arrays: SheetArrays

    def counted(self, counting: Counting) -> npt.NDArray[np.int64]:
        return counted_rows(self.users, self.started, self.attempts, self.percents, counting)

    def subset(self, rows: npt.NDArray[np.int64]) -> SheetArrays:
        return SheetArrays(
            self.arrays.keys, self.arrays.points, self.arrays.earned[rows], self.arrays.chosen[rows]
        )


def _arrays(
    items: list[bytes], points: list[bytes], scores: list[bytes], chosen: list[bytes]
) -> SheetArrays:
    """Packed sheets to a persons x items matrix: a few numpy calls for ten million responses.
    Sheets of the same paper (the same items in the same order: every sheet of a fixed-form
    exam) are placed as one block; papers that are all different, one response at a time."""
    papers: dict[bytes, list[int]] = {}
    for row, blob in enumerate(items):
        papers.setdefault(blob, []).append(row)
    if len(papers) * 4 > len(items):
        return _arrays_one_by_one(items, points, scores, chosen)
    keys = np.unique(np.concatenate([np.frombuffer(b, "<i4") for b in papers] or [np.zeros(0)]))
    earned = np.full((len(items), len(keys)), np.nan)
    picked = np.zeros((len(items), len(keys)), np.int64)
    item_points = np.zeros(len(keys))
    for blob, rows in papers.items():
        cols = np.searchsorted(keys, np.frombuffer(blob, "<i4"))
        block = np.ix_(np.asarray(rows), cols)
        shape = (len(rows), len(cols))
        earned[block] = np.frombuffer(b"".join(scores[r] for r in rows), "<f4").reshape(shape)
        picked[block] = np.frombuffer(b"".join(chosen[r] for r in rows), "<i2").reshape(shape)
        item_points[cols] = np.frombuffer(points[rows[0]], "<f4")
    return SheetArrays(tuple(int(k) for k in keys), item_points, np.round(earned, 2), picked)


def _arrays_one_by_one(
    items: list[bytes], points: list[bytes], scores: list[bytes], chosen: list[bytes]
) -> SheetArrays:
    lengths = np.fromiter((len(b) // 4 for b in items), np.int64, len(items))
    flat_items = np.frombuffer(b"".join(items), "<i4")
    keys, cols = np.unique(flat_items, return_inverse=True)
    rows = np.repeat(np.arange(len(items), dtype=np.int64), lengths)
    item_points = np.zeros(len(keys))
    item_points[cols] = np.frombuffer(b"".join(points), "<f4")  # papers agree on an item's worth
    earned = np.full((len(items), len(keys)), np.nan)
    earned[rows, cols] = np.frombuffer(b"".join(scores), "<f4")
    picked = np.zeros((len(items), len(keys)), np.int64)
    picked[rows, cols] = np.frombuffer(b"".join(chosen), "<i2")
    return SheetArrays(tuple(int(k) for k in keys), item_points, np.round(earned, 2), picked)


def _settled(taken: Sequence[int], first_only: bool = False) -> ColumnElement[bool]:
    """Sheets with no queue row other than those this run took (``first_only``: no row still
    waiting for the first stage; a sheet in the second stage is counted under "first")."""
    waiting = select(PendingSheet.id).where(PendingSheet.attempt_id == AnswerSheet.attempt_id)
    if taken:
        waiting = waiting.where(PendingSheet.id.not_in(list(taken)))
    if first_only:
        waiting = waiting.where(PendingSheet.stage == FIRST_STAGE)
    return ~waiting.exists()


def _raw(column: Any) -> Any:
    """The column as the driver returns it: 100,000 rows of blobs and times through
    SQLAlchemy's result processors cost more than everything numpy does with them."""
    return type_coerce(column, NullType())


def _fetch_all(session: Session, statement: Any) -> list[Any]:
    """Every row of ``statement``, in the transaction's connection. PostgreSQL sends bytea as
    hex text unless asked for binary results: 140 MB of sheets became 280 MB of hex and most
    of a recomputation's time, so there the driver's cursor asks for binary."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return list(session.execute(statement).all())
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.execute(compiled.string, compiled.params)
        return list(cursor.fetchall())


def load_exam(session: Session, exam_id: int, taken: Sequence[int] = ()) -> ExamSheets:
    """Two statements: the sheets unordered (sorting 140 MB of blobs in the database cost
    more than the rest of the recomputation), and each one's start ranked in SQL (only the
    order of start times matters: which attempt came first)."""
    rows = _fetch_all(
        session,
        select(
            AnswerSheet.attempt_id,
            AnswerSheet.user_id,
            AnswerSheet.percent,
            _raw(AnswerSheet.items),
            _raw(AnswerSheet.points),
            _raw(AnswerSheet.scores),
            _raw(AnswerSheet.chosen),
        ).where(AnswerSheet.exam_id == exam_id, _settled(taken)),
    )
    ranked = session.execute(
        select(
            AnswerSheet.attempt_id,
            func.rank().over(order_by=(AnswerSheet.started_at, AnswerSheet.attempt_id)),
        ).where(AnswerSheet.exam_id == exam_id)
    )
    rank_of: dict[int, int] = {attempt: rank for attempt, rank in ranked}
    rows = sorted(rows, key=lambda r: r[0])
    return ExamSheets(
        np.fromiter((r[0] for r in rows), np.int64, len(rows)),
        np.fromiter((r[1] for r in rows), np.int64, len(rows)),
        np.fromiter((rank_of[r[0]] for r in rows), np.int64, len(rows)),
        np.fromiter((r[2] for r in rows), np.float64, len(rows)),
        _arrays(
            [r[3] for r in rows], [r[4] for r in rows], [r[5] for r in rows], [r[6] for r in rows]
        ),
    )


def _partial_credit(session: Session, exam_id: int) -> bool:
    return bool(session.scalar(select(Exam.partial_credit).where(Exam.id == exam_id)))


def _figures_row(session: Session, exam_id: int, counting: Counting, now: datetime) -> Figures:
    row = session.scalar(
        select(Figures).where(Figures.exam_id == exam_id, Figures.counting == counting)
    )
    if row is None:
        row = Figures(
            exam_id=exam_id, counting=counting, revision=0, tally="", result={}, computed_at=now
        )
        session.add(row)
        session.flush()
    return row


def _tally_of_rows(
    sheets: ExamSheets,
    everyone: npt.NDArray[np.int64],
    all_tally: Tally,
    rows: npt.NDArray[np.int64],
) -> Tally:
    """The tally of ``rows``: everyone's less the others' when they are fewer (most people
    sit once, so the first attempts are nearly all of them), else counted afresh."""
    if len(rows) == len(everyone):
        return all_tally
    others = np.setdiff1d(everyone, rows, assume_unique=True)
    if len(others) < len(rows):
        return all_tally.without(Tally.from_arrays(sheets.subset(others)))
    return Tally.from_arrays(sheets.subset(rows))


def recompute_exam(
    session: Session, exam_id: int, now: datetime, taken: Sequence[int] = ()
) -> None:
    """Every counting rule's tally and figures from all the exam's sheets (those still queued
    outside ``taken`` aside). Rules that pick the same attempts share one tally."""
    sheets = load_exam(session, exam_id, taken)
    infos = analysis.item_infos(session, sheets.arrays.keys, _partial_credit(session, exam_id))
    everyone = sheets.counted(Counting.ALL)
    all_tally = Tally.from_arrays(sheets.subset(everyone))
    done: dict[bytes, tuple[Tally, dict[str, object]]] = {}
    for counting in Counting:
        rows = sheets.counted(counting)
        ids = rows.tobytes()
        shared = ids in done
        if not shared:
            tally = _tally_of_rows(sheets, everyone, all_tally, rows)
            # the sheets themselves only when the tally kept no Rasch groups (too many papers)
            arrays = None if tally.rasch_groups_complete else sheets.subset(rows)
            done[ids] = (tally, analysis.figures(tally, infos, None, arrays))
        tally, result = done[ids]
        row = _figures_row(session, exam_id, counting, now)
        row.result, row.sheets, row.computed_at = result, len(rows), now
        _store(row, tally, keep=not shared)
    session.flush()


def _sheets(session: Session, attempt_ids: Iterable[int]) -> dict[int, Sheet]:
    rows = session.execute(
        select(
            AnswerSheet.attempt_id,
            AnswerSheet.items,
            AnswerSheet.points,
            AnswerSheet.scores,
            AnswerSheet.chosen,
        ).where(AnswerSheet.attempt_id.in_(list(attempt_ids)))
    )
    found = {}
    for attempt_id, items, points, scores, chosen in rows:
        found[attempt_id] = Sheet(
            tuple(int(i) for i in np.frombuffer(items, "<i4")),
            tuple(float(p) for p in np.frombuffer(points, "<f4")),
            tuple(round(float(s), 2) for s in np.frombuffer(scores, "<f4")),
            tuple(int(c) for c in np.frombuffer(chosen, "<i2")),
        )
    return found


def _refs_of(
    session: Session,
    exam_id: int,
    attempt_ids: Iterable[int],
    taken: Sequence[int],
    first_only: bool,
) -> dict[int, list[SheetRef]]:
    """The settled sheets of the people who sat ``attempt_ids``."""
    people = select(AnswerSheet.user_id).where(AnswerSheet.attempt_id.in_(list(attempt_ids)))
    rows = session.execute(
        select(
            AnswerSheet.attempt_id, AnswerSheet.user_id, AnswerSheet.started_at, AnswerSheet.percent
        ).where(
            AnswerSheet.exam_id == exam_id,
            AnswerSheet.user_id.in_(people.scalar_subquery()),
            _settled(taken, first_only),
        )
    )
    return by_person(SheetRef(*r) for r in rows)


def fold_in(
    session: Session,
    exam_id: int,
    attempt_ids: Sequence[int],
    taken: Sequence[int],
    now: datetime,
    countings: Sequence[Counting],
) -> bool:
    """Add newly graded attempts to the exam's tallies under ``countings``; False when there
    is nothing to add to (no figures yet), so the caller recomputes."""
    have = set(session.scalars(select(Figures.counting).where(Figures.exam_id == exam_id)))
    if have != set(Counting):
        return False
    # only the rules this stage updates; the tally text only if this process holds no copy
    rows = {
        r.counting: r
        for r in session.scalars(
            select(Figures)
            .options(defer(Figures.tally))
            .where(Figures.exam_id == exam_id, Figures.counting.in_(list(countings)))
        )
    }
    new = set(attempt_ids)
    refs = _refs_of(session, exam_id, new, taken, first_only=list(countings) == [Counting.FIRST])
    moves: dict[Counting, tuple[list[int], list[int]]] = {}
    for counting in countings:
        out: list[int] = []
        into: list[int] = []
        for person in refs.values():
            before = [r for r in person if r.attempt_id not in new]
            removed, added = change(before, person, counting)
            out += removed
            into += added
        moves[counting] = (out, into)
    wanted = {a for out, into in moves.values() for a in out + into}
    sheets = _sheets(session, wanted)
    infos = None
    for counting, (out, into) in moves.items():
        row = rows[counting]
        if not out and not into:
            continue
        tally = _tally_of(row)
        if not tally.rasch_groups_complete:
            return False  # Rasch needs the sheets again: recompute
        for attempt_id in out:
            tally.remove(sheets[attempt_id])
        for attempt_id in into:
            tally.add(sheets[attempt_id])
        if infos is None:
            infos = analysis.item_infos(
                session, analysis.keys_of(tally), _partial_credit(session, exam_id)
            )
        row.result = analysis.figures(tally, infos, previous=row.result)
        row.sheets = row.sheets + len(into) - len(out)
        _store(row, tally)
    for counting in countings:
        rows[counting].computed_at = now
    session.flush()
    return True


def _queue(session: Session, stage: int, limit: int) -> dict[int, list[PendingSheet]]:
    rows = session.scalars(
        select(PendingSheet)
        .where(PendingSheet.stage == stage)
        .order_by(PendingSheet.id)
        .limit(limit)
    ).all()
    by_exam: dict[int, list[PendingSheet]] = {}
    for row in rows:
        by_exam.setdefault(row.exam_id, []).append(row)
    return by_exam


def _recompute_taking(
    session: Session, exam_id: int, rows: list[PendingSheet], now: datetime
) -> None:
    """Recompute the exam, taking with ``rows`` every queue row of its second stage (only
    this job writes those, so none can appear meanwhile), and delete them all."""
    later = session.scalars(
        select(PendingSheet.id).where(
            PendingSheet.exam_id == exam_id, PendingSheet.stage == SECOND_STAGE
        )
    ).all()
    taken = sorted({r.id for r in rows} | set(later))
    recompute_exam(session, exam_id, now, taken)
    session.execute(delete(PendingSheet).where(PendingSheet.id.in_(taken)))
    pooling.pool_exams(session, [exam_id], now)


def apply_pending(session: Session, now: datetime, limit: int = PENDING_BATCH) -> str:
    """The ``stats.refresh`` job, first stage: newly graded attempts folded into the default
    figures (first attempt per person), which the pages open on, then passed to the second
    stage; a regrade or an exam without figures recomputed in full."""
    recomputed = folded = 0
    for exam_id, rows in _queue(session, FIRST_STAGE, limit).items():
        new = [r.attempt_id for r in rows if not r.regraded]
        taken = [r.id for r in rows]
        if any(r.regraded for r in rows) or not fold_in(
            session, exam_id, new, taken, now, [Counting.FIRST]
        ):
            _recompute_taking(session, exam_id, rows, now)
            recomputed += 1
            continue
        for row in rows:
            row.stage = SECOND_STAGE
        folded += len(new)
    session.flush()
    return f"{folded} attempts folded in, {recomputed} exams recomputed"


def apply_second_stage(session: Session, now: datetime, limit: int = PENDING_BATCH) -> str:
    """The ``stats.refresh`` job, second stage: the same attempts folded into the other
    counting rules (all, best, last), and the bank items of the exams touched pooled again."""
    touched = []
    folded = 0
    for exam_id, rows in _queue(session, SECOND_STAGE, limit).items():
        new = [r.attempt_id for r in rows]
        taken = [r.id for r in rows]
        if fold_in(session, exam_id, new, taken, now, LATER_COUNTINGS):
            session.execute(delete(PendingSheet).where(PendingSheet.id.in_(taken)))
            folded += len(new)
            touched.append(exam_id)
        else:
            _recompute_taking(session, exam_id, rows, now)  # pools its own
    pooling.pool_exams(session, touched, now)
    session.flush()
    return f"{folded} attempts folded into the other counting rules, {len(touched)} exams pooled"


def refresh(session: Session, now: datetime) -> str:
    """Both stages, for the job and for tests (the bench times them apart)."""
    first = apply_pending(session, now)
    return f"{first}; {apply_second_stage(session, now)}"


def recompute_all(session: Session, now: datetime) -> str:
    """The daily safety net: every exam with sheets from scratch."""
    taken = list(session.scalars(select(PendingSheet.id)))
    exam_ids = list(session.scalars(select(AnswerSheet.exam_id).distinct()))
    for exam_id in exam_ids:
        recompute_exam(session, exam_id, now, taken)
    session.execute(delete(PendingSheet).where(PendingSheet.id.in_(taken)))
    pooling.pool_exams(session, exam_ids, now)
    return f"{len(exam_ids)} exams recomputed"
