"""Attempts from start to grade: who may start, drawing the paper, submitting, the sweeper.

The server owns the clock: the deadline is fixed at the start, every save is checked against it
(plus a short grace for answers in flight), and an overdue attempt is graded from its saved
answers whoever notices first — the candidate's next request or the periodic sweeper.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import Item
from exam_app.bank.parsed import ItemType
from exam_app.errors import DomainError, NotFound
from exam_app.exams import assembly, grading, papers, pool_cache, timing, wrong_book
from exam_app.exams.definitions import is_assigned, rules_for
from exam_app.exams.events import GradeCause, announce_graded, log
from exam_app.exams.models import (
    Attempt,
    AttemptEventKind,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamMode,
    ExamStatus,
)
from exam_app.i18n import local_text
from exam_app.study import gate


class AttemptRefused(DomainError):
    pass


class CertificationInProgress(AttemptRefused):
    """Practice, the wrong-question book and the study pages are closed to a person while
    their certification attempt runs: both draw on the same bank, so practice feedback could
    otherwise hand out keys of the open paper."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "您有一场认证考试正在进行：交卷前不能练习、使用错题本或查看学习资料。"
                "请先完成认证考试。"
            )
        )


# --- starting ------------------------------------------------------------------------------


def in_progress(session: Session, user_id: int, exam_id: int | None = None) -> list[Attempt]:
    stmt = select(Attempt).where(
        Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS.value
    )
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    return list(session.scalars(stmt.order_by(Attempt.id)))


def open_certification(session: Session, user_id: int, now: datetime) -> int | None:
    """The id of the person's certification attempt still running (in progress and not past
    deadline + grace: an overdue attempt is over, whoever grades it), if any."""
    return session.scalar(
        select(Attempt.id)
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.status == AttemptStatus.IN_PROGRESS.value,
            Exam.mode == ExamMode.CERTIFICATION.value,
            Attempt.deadline_at >= timing.sweep_cutoff(now),
        )
        .limit(1)
    )


def ensure_no_certification(session: Session, user_id: int, now: datetime) -> None:
    """:raises CertificationInProgress: while the person sits a certification"""
    if open_certification(session, user_id, now) is not None:
        raise CertificationInProgress()


@gate.closed_when
def _study_closed_during_certification(session: Session, user_id: int, now: datetime) -> str | None:
    if open_certification(session, user_id, now) is None:
        return None
    return CertificationInProgress().message


def check_may_start(session: Session, exam: Exam, user: User, now: datetime) -> None:
    """:raises AttemptRefused: with the reason a person can act on"""
    if exam.status != ExamStatus.PUBLISHED:
        raise AttemptRefused(_("该考试尚未发布或已关闭。"))
    if not is_assigned(session, exam, user):
        raise AttemptRefused(_("您不在该考试的考生范围内。"))
    if exam.mode != ExamMode.CERTIFICATION:
        ensure_no_certification(session, user.id, now)
        return
    state = timing.window_state(now, exam.opens_at, exam.closes_at)
    if state == "not_open":
        raise AttemptRefused(_("考试尚未开始，开放时间：%(t)s。", t=_local(exam.opens_at)))
    if state == "closed":
        raise AttemptRefused(_("考试已于 %(t)s 结束。", t=_local(exam.closes_at)))
    # A certification already running (the one definition: in progress and not past deadline
    # + grace) is the only thing that stops another. A practice round left open does not: it
    # is closed while the certification runs (saves, its result, the 错题本) and resumes after.
    if open_certification(session, user.id, now) is not None:
        raise AttemptRefused(_("您有一场认证考试正在进行，请先完成它。"))
    done = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.exam_id == exam.id)
            .order_by(Attempt.submitted_at)
        )
    )
    if exam.max_attempts is not None and len(done) >= exam.max_attempts:
        raise AttemptRefused(_("您已用完该考试的 %(n)d 次机会。", n=exam.max_attempts))
    if done and exam.wait_minutes and done[-1].submitted_at:
        allowed = timing.next_attempt_allowed_at(done[-1].submitted_at, exam.wait_minutes)
        if allowed is not None and now < allowed:
            raise AttemptRefused(
                _(
                    "两次考试之间须间隔 %(m)d 分钟，请于 %(t)s 后再试。",
                    m=exam.wait_minutes,
                    t=_local(allowed),
                )
            )


def lock_person(session: Session, user_id: int) -> None:
    """Lock the person's row until the commit: every start of theirs checks, then writes,
    inside this lock, so concurrent starts run one after the other and the second sees the
    first's attempt. PostgreSQL: ``FOR NO KEY UPDATE`` (it conflicts with itself, not with the
    key-share locks that rows pointing at the user take). SQLite: the statement opens the
    IMMEDIATE transaction, which holds the database's one write lock."""
    session.execute(
        select(User.id).where(User.id == user_id).with_for_update(key_share=True)
    ).one_or_none()


def _local(value: datetime | None) -> str:
    return local_text(value)


def start_attempt(
    session: Session, exam: Exam, user: User, now: datetime, seed: int | None = None
) -> Attempt:
    """Draw this candidate's paper from a fresh seed and fix the deadline.

    A practice attempt already in progress is resumed rather than duplicated. The person's
    starts are serialised (``lock_person``), so two clicks or two tabs can neither start the
    same practice twice nor two certifications side by side; their overdue attempts are graded
    first, so the checks count them as done.
    """
    lock_person(session, user.id)
    close_overdue_for(session, user.id, now)
    check_may_start(session, exam, user, now)
    if exam.mode == ExamMode.PRACTICE:
        running = in_progress(session, user.id, exam.id)
        if running:
            return running[0]
    seed = secrets.randbits(48) if seed is None else seed
    rules = rules_for(session, exam)
    prepared = pool_cache.prepared_pool(session, exam, rules)
    paper = assembly.draw_prepared(
        rules, prepared, random.Random(seed), exam.shuffle_questions, exam.shuffle_options
    )
    closes = exam.closes_at if exam.mode == ExamMode.CERTIFICATION else None
    attempt = Attempt(
        exam=exam,
        user_id=user.id,
        seed=seed,
        started_at=now,
        last_seen_at=now,
        deadline_at=timing.deadline(now, exam.duration_minutes, 0, closes),
    )
    session.add(attempt)
    log(session, attempt, AttemptEventKind.STARTED, now, user.id, seed=seed, items=len(paper))
    session.flush()
    # The paper in one multi-row INSERT: a hundred objects through the unit of work cost more
    # than the whole draw. attempt.items loads from the table when someone first reads it.
    session.execute(
        insert(AttemptItem),
        [
            {
                "attempt_id": attempt.id,
                "position": d.position,
                "item_id": d.item_id,
                "version_id": d.version_id,
                "rule_key": d.rule_key,
                "option_order": list(d.option_order),
                "points": exam.points_for(prepared.by_id[d.item_id].type),
            }
            for d in paper
        ],
    )
    session.expire(attempt, ["items"])
    return attempt


# --- answering -----------------------------------------------------------------------------


def ensure_open(session: Session, attempt: Attempt, now: datetime) -> None:
    """Grade an overdue attempt on the spot; refuse work on a finished one."""
    if attempt.status == AttemptStatus.IN_PROGRESS and timing.is_overdue(now, attempt.deadline_at):
        submit_attempt(session, attempt, now, auto=True)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptRefused(_("考试已结束，答案已按保存的内容评分。"))


def own_attempt(session: Session, attempt_id: int, user_id: int) -> Attempt:
    # (not with its exam joined in: a later refresh FOR UPDATE keeps the load's options, and
    # PostgreSQL refuses FOR UPDATE on an outer join's nullable side)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise no_such_attempt()
    return attempt


def no_such_attempt() -> NotFound:
    """Someone else's attempt looks like none at all."""
    return NotFound(_("没有这场考试。"))


# --- finishing -----------------------------------------------------------------------------


def score(session: Session, attempt: Attempt) -> grading.AttemptScore:
    """Grade the saved answers with the stored option order (and any corrected key)."""
    exam = attempt.exam
    versions = papers.versions_of(session, attempt)
    categories = _categories_of(session, [i.item_id for i in attempt.items])
    gradable = [
        grading.GradableItem(
            i.position,
            ItemType(versions[i.version_id].type),
            tuple(i.key_override or versions[i.version_id].answer),
            i.points,
            categories.get(i.item_id),
        )
        for i in attempt.items
    ]
    responses = {a.position: tuple(a.response) for a in attempt.answers}
    return grading.score_attempt(gradable, responses, exam.partial_credit, exam.pass_percent)


def store_score(attempt: Attempt, result: grading.AttemptScore) -> None:
    items_by_pos = {i.position: i for i in attempt.items}
    for s in result.items:
        items_by_pos[s.position].earned = s.earned
    attempt.earned, attempt.possible = result.earned, result.possible
    attempt.percent, attempt.passed = result.percent, result.passed
    attempt.by_category = {
        str(k if k is not None else "none"): list(v) for k, v in result.by_category.items()
    }


def submit_attempt(
    session: Session, attempt: Attempt, now: datetime, auto: bool = False
) -> Attempt:
    """Grade from the saved answers and close the attempt (once; later calls change nothing).

    ``auto``: graded because the deadline (+ grace) has passed; an attempt whose deadline was
    moved (extra time) before its row was locked here is left open.
    """
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    lock_for_grading(session, attempt)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt  # graded by someone else while this request waited for the lock
    if auto and not timing.is_overdue(now, attempt.deadline_at):
        return attempt
    result = score(session, attempt)
    store_score(attempt, result)
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = timing.submitted_at(now, attempt.deadline_at)
    attempt.auto_submitted = auto
    log(
        session,
        attempt,
        AttemptEventKind.AUTO_SUBMITTED if auto else AttemptEventKind.SUBMITTED,
        now,
        None if auto else attempt.user_id,
        earned=result.earned,
        percent=result.percent,
    )
    if attempt.exam.mode == ExamMode.CERTIFICATION:
        items_by_pos = {i.position: i for i in attempt.items}
        missed = [
            items_by_pos[s.position].item_id for s in result.items if s.answered and not s.correct
        ]
        wrong_book.record_certification_misses(session, attempt, missed, now)
    session.flush()
    announce_graded(
        session, attempt, now, GradeCause.AUTO_SUBMITTED if auto else GradeCause.SUBMITTED
    )
    return attempt


def lock_for_grading(session: Session, attempt: Attempt) -> None:
    """Re-read the attempt with its row locked until the commit, and forget its answers.

    Everything that closes an attempt goes through here. On PostgreSQL every save keeps the
    attempt row locked FOR KEY SHARE from its check to its commit (``saving``); FOR UPDATE
    here waits for the saves already past their check, and a save checked later waits for
    this transaction and then finds the attempt closed (refused). The answers are read after
    the lock, so the grade counts every acknowledged save; the status and deadline are read
    afresh too, since whoever decided to grade decided on what it read before the lock. On
    SQLite FOR UPDATE is not sent and not needed: a transaction there holds the one write lock
    from its first statement, so a save and a grade never overlap.
    """
    session.refresh(attempt, with_for_update=True)
    session.expire(attempt, ["answers"])


def _categories_of(session: Session, item_ids: list[int]) -> dict[int, int | None]:
    rows = session.execute(select(Item.id, Item.category_id).where(Item.id.in_(item_ids)))
    return {item_id: category_id for item_id, category_id in rows}


def close_overdue(session: Session, now: datetime) -> int:
    """The sweeper: grade every attempt whose deadline (+ grace) has passed. Returns how many.

    An attempt locked right now (a save in flight, or another grader) is skipped, not waited
    for: the next sweep, or the candidate's next request, grades it."""
    cutoff = timing.sweep_cutoff(now)
    overdue = session.scalars(
        select(Attempt)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS.value, Attempt.deadline_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    for attempt in overdue:
        submit_attempt(session, attempt, now, auto=True)
    return len(overdue)


def close_overdue_for(session: Session, user_id: int, now: datetime) -> int:
    """Grade this person's overdue attempts (their home page is "the next access")."""
    closed = 0
    for attempt in in_progress(session, user_id):
        if timing.is_overdue(now, attempt.deadline_at):
            submit_attempt(session, attempt, now, auto=True)
            closed += attempt.status != AttemptStatus.IN_PROGRESS
    return closed
