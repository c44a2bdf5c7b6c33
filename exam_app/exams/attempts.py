"""Attempts: start (draw the paper), save answers as they are given, submit, and the sweeper.

The server owns the clock: the deadline is fixed at the start, every save is checked against it
(plus a short grace for answers in flight), and an overdue attempt is graded from its saved
answers whoever notices first — the candidate's next request or the periodic sweeper.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import Item, ItemVersion
from exam_app.errors import DomainError, NotFound
from exam_app.exams import assembly, blueprints, grading, pool_cache, timing
from exam_app.exams.blueprints import is_assigned, rules_for
from exam_app.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptEventKind,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamMode,
    ExamStatus,
    WrongBookEntry,
)
from exam_app.i18n import local_text

#: Answers sent just before the deadline are still accepted for this long (network in flight).
GRACE_SECONDS = 30


class AttemptRefused(DomainError):
    pass


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


# --- starting ------------------------------------------------------------------------------


def in_progress(session: Session, user_id: int, exam_id: int | None = None) -> list[Attempt]:
    stmt = select(Attempt).where(
        Attempt.user_id == user_id, Attempt.status == AttemptStatus.IN_PROGRESS.value
    )
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    return list(session.scalars(stmt.order_by(Attempt.id)))


def check_may_start(session: Session, exam: Exam, user: User, now: datetime) -> None:
    """:raises AttemptRefused: with the reason a person can act on"""
    if exam.status != ExamStatus.PUBLISHED:
        raise AttemptRefused(_("该考试尚未发布或已关闭。"))
    if not is_assigned(session, exam, user):
        raise AttemptRefused(_("您不在该考试的考生范围内。"))
    if exam.mode != ExamMode.CERTIFICATION:
        return
    state = timing.window_state(now, exam.opens_at, exam.closes_at)
    if state == "not_open":
        raise AttemptRefused(_("考试尚未开始，开放时间：%(t)s。", t=_local(exam.opens_at)))
    if state == "closed":
        raise AttemptRefused(_("考试已于 %(t)s 结束。", t=_local(exam.closes_at)))
    if in_progress(session, user.id):
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


def _local(value: datetime | None) -> str:
    return local_text(value)


def start_attempt(
    session: Session, exam: Exam, user: User, now: datetime, seed: int | None = None
) -> Attempt:
    """Draw this candidate's paper from a fresh seed and fix the deadline.

    A practice attempt already in progress is resumed rather than duplicated.
    """
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


def rebuild_paper(session: Session, attempt: Attempt) -> list[assembly.DrawnItem]:
    """Draw the paper again from the stored seed (for an audit: it must equal the stored one).

    Only meaningful while the pool is as it was; the stored paper is what counts. Drawn from
    the pool read afresh, not the process's cache, so the audit checks the cache too."""
    exam = attempt.exam
    return assembly.draw_paper(
        rules_for(session, exam),
        blueprints.pool_for(session, exam),
        random.Random(attempt.seed),
        exam.shuffle_questions,
        exam.shuffle_options,
    )


# --- the paper as the candidate sees it (no keys) -------------------------------------------


@dataclass(frozen=True)
class ShownQuestion:
    position: int
    type: str
    stem: str
    options: list[str]  #: texts in displayed order (judge: 正确, 错误)
    chosen: list[int]  #: displayed indexes of the saved answer
    flagged: bool
    revision: int
    points: float


def shown_paper(session: Session, attempt: Attempt) -> list[ShownQuestion]:
    versions = {
        v.id: v
        for v in session.scalars(
            select(ItemVersion).where(ItemVersion.id.in_([i.version_id for i in attempt.items]))
        )
    }
    answers = {a.position: a for a in attempt.answers}
    shown = []
    for item in attempt.items:
        version = versions[item.version_id]
        texts = {o["label"]: o["text"] for o in version.options}
        answer = answers.get(item.position)
        chosen = [
            item.option_order.index(lab)
            for lab in (answer.response if answer else [])
            if lab in item.option_order
        ]
        shown.append(
            ShownQuestion(
                item.position,
                version.type,
                version.stem,
                [texts[lab] for lab in item.option_order],
                sorted(chosen),
                bool(answer and answer.flagged),
                answer.revision if answer else 0,
                item.points,
            )
        )
    return shown


# --- answering -----------------------------------------------------------------------------


def ensure_open(session: Session, attempt: Attempt, now: datetime) -> None:
    """Grade an overdue attempt on the spot; refuse work on a finished one."""
    if attempt.status == AttemptStatus.IN_PROGRESS and timing.is_overdue(
        now, attempt.deadline_at, GRACE_SECONDS
    ):
        submit_attempt(session, attempt, now, auto=True)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptRefused(_("考试已结束，答案已按保存的内容评分。"))


def own_attempt(session: Session, attempt_id: int, user_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise no_such_attempt()
    return attempt


def no_such_attempt() -> NotFound:
    """Someone else's attempt looks like none at all."""
    return NotFound(_("没有这场考试。"))


def practice_feedback(
    session: Session, attempt: Attempt, item: AttemptItem, response: list[str], now: datetime
) -> dict[str, Any]:
    """Right or wrong, the key (as displayed positions) and the explanation, after answering."""
    version = session.get(ItemVersion, item.version_id)
    assert version is not None
    gradable = grading.GradableItem(
        item.position, version.type, tuple(version.answer), item.points, None
    )
    score = grading.GRADERS[version.type](gradable, tuple(response), attempt.exam.partial_credit)
    record_outcome(session, attempt.user_id, item.item_id, score.correct, now)
    return {
        "correct": score.correct,
        "key": sorted(item.option_order.index(lab) for lab in version.answer),
        "explanation": version.explanation,
        "source": version.source,
    }


def record_outcome(
    session: Session, user_id: int, item_id: int, correct: bool, now: datetime
) -> None:
    """Keep the 错题本: a miss adds the item; two right answers in a row take it out."""
    entry = session.scalar(
        select(WrongBookEntry).where(
            WrongBookEntry.user_id == user_id, WrongBookEntry.item_id == item_id
        )
    )
    if not correct:
        if entry is None:
            session.add(WrongBookEntry(user_id=user_id, item_id=item_id, last_missed_at=now))
        else:
            entry.misses += 1
            entry.right_streak = 0
            entry.last_missed_at = now
    elif entry is not None:
        entry.right_streak += 1
        if entry.right_streak >= 2:
            session.delete(entry)
    session.flush()


# --- finishing -----------------------------------------------------------------------------


def score(session: Session, attempt: Attempt) -> grading.AttemptScore:
    """Grade the saved answers with the stored option order (and any corrected key)."""
    exam = attempt.exam
    versions = {
        v.id: v
        for v in session.scalars(
            select(ItemVersion).where(ItemVersion.id.in_([i.version_id for i in attempt.items]))
        )
    }
    categories = _categories_of(session, [i.item_id for i in attempt.items])
    gradable = [
        grading.GradableItem(
            i.position,
            versions[i.version_id].type,
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
    """Grade from the saved answers and close the attempt (once; later calls change nothing)."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    result = score(session, attempt)
    store_score(attempt, result)
    attempt.status = AttemptStatus.SUBMITTED.value
    attempt.submitted_at = min(now, attempt.deadline_at + timedelta(seconds=GRACE_SECONDS))
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
        for s in result.items:
            if s.answered and not s.correct:
                record_outcome(
                    session, attempt.user_id, items_by_pos[s.position].item_id, False, now
                )
    session.flush()
    return attempt


def _categories_of(session: Session, item_ids: list[int]) -> dict[int, int | None]:
    rows = session.execute(select(Item.id, Item.category_id).where(Item.id.in_(item_ids)))
    return {item_id: category_id for item_id, category_id in rows}


def close_overdue(session: Session, now: datetime) -> int:
    """The sweeper: grade every attempt whose deadline (+ grace) has passed. Returns how many."""
    cutoff = now - timedelta(seconds=GRACE_SECONDS)
    overdue = session.scalars(
        select(Attempt)
        .where(Attempt.status == AttemptStatus.IN_PROGRESS.value, Attempt.deadline_at < cutoff)
        .with_for_update(skip_locked=True)
    ).all()
    for attempt in overdue:
        submit_attempt(session, attempt, now, auto=True)
    return len(overdue)


def grant_extra_time(
    session: Session, attempt: Attempt, seconds: int, reason: str, actor_id: int, now: datetime
) -> None:
    """HR or a proctor gives time back (an outage, an accommodation); logged with the reason."""
    if not reason.strip():
        raise DomainError(_("请填写加时原因。"), field="reason")
    if not 0 < seconds <= 4 * 3600:
        raise DomainError(_("加时须在 1 秒到 4 小时之间。"), field="minutes")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise DomainError(_("考试已结束，不能加时。"))
    attempt.extra_seconds += seconds
    attempt.deadline_at = attempt.deadline_at + timedelta(seconds=seconds)
    log(
        session,
        attempt,
        AttemptEventKind.EXTRA_TIME,
        now,
        actor_id,
        seconds=seconds,
        reason=reason.strip(),
    )
    session.flush()


def last_contact(session: Session, attempt: Attempt) -> datetime | None:
    """When the page last reached the server: its last heartbeat or its last saved answer."""
    saved = session.scalar(select(func.max(Answer.saved_at)).where(Answer.attempt_id == attempt.id))
    seen = [t for t in (attempt.last_seen_at, saved) if t is not None]
    return max(seen) if seen else None


def heartbeat(
    session: Session, attempt: Attempt, now: datetime, visible: bool | None, gap_threshold: int = 60
) -> None:
    """The page's pulse: a gap longer than the threshold is logged for the proctor."""
    last = last_contact(session, attempt)
    if last and (now - last).total_seconds() > gap_threshold:
        log(
            session,
            attempt,
            AttemptEventKind.HEARTBEAT_GAP,
            now,
            None,
            since=last.isoformat(),
            seconds=int((now - last).total_seconds()),
        )
    if visible is not None:
        log(
            session,
            attempt,
            AttemptEventKind.VISIBLE if visible else AttemptEventKind.HIDDEN,
            now,
            attempt.user_id,
        )
    attempt.last_seen_at = now
    session.flush()


def close_overdue_for(session: Session, user_id: int, now: datetime) -> int:
    """Grade this person's overdue attempts (their home page is "the next access")."""
    closed = 0
    for attempt in in_progress(session, user_id):
        if timing.is_overdue(now, attempt.deadline_at, GRACE_SECONDS):
            submit_attempt(session, attempt, now, auto=True)
            closed += 1
    return closed


# --- after submission ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewedQuestion:
    position: int
    type: str
    stem: str
    options: list[str]  #: displayed order, as the candidate saw them
    chosen: list[int]
    key: list[int]
    earned: float
    points: float
    explanation: str
    source: str


def reviewed_paper(session: Session, attempt: Attempt) -> list[ReviewedQuestion]:
    """The paper with answers, keys and explanations: only for a submitted attempt."""
    if attempt.status != AttemptStatus.SUBMITTED:
        raise AttemptRefused(_("考试尚未提交。"))
    versions = {
        v.id: v
        for v in session.scalars(
            select(ItemVersion).where(ItemVersion.id.in_([i.version_id for i in attempt.items]))
        )
    }
    answers = {a.position: a.response for a in attempt.answers}
    out = []
    for item in attempt.items:
        v = versions[item.version_id]
        texts = {o["label"]: o["text"] for o in v.options}
        order = item.option_order
        out.append(
            ReviewedQuestion(
                item.position,
                v.type,
                v.stem,
                [texts[lab] for lab in order],
                sorted(order.index(lab) for lab in answers.get(item.position, []) if lab in order),
                sorted(order.index(lab) for lab in v.answer if lab in order),
                item.earned or 0.0,
                item.points,
                v.explanation,
                v.source,
            )
        )
    return out


# --- 错题本 practice -------------------------------------------------------------------------


@dataclass(frozen=True)
class WrongBookQuestion:
    item_id: int
    type: str
    stem: str
    options: list[str]
    misses: int
    right_streak: int


def wrong_book_questions(
    session: Session, entries: list[WrongBookEntry]
) -> list[WrongBookQuestion]:
    """The missed items' current wording, options in their own order, without keys."""
    items = {
        i.id: i
        for i in session.scalars(select(Item).where(Item.id.in_([e.item_id for e in entries])))
    }
    out = []
    for entry in entries:
        version = items[entry.item_id].current
        if version is None:
            continue
        out.append(
            WrongBookQuestion(
                entry.item_id,
                version.type,
                version.stem,
                [o["text"] for o in version.options],
                entry.misses,
                entry.right_streak,
            )
        )
    return out


def answer_wrong_book(
    session: Session, user_id: int, item_id: int, chosen: list[int], now: datetime
) -> dict[str, Any]:
    entry = session.scalar(
        select(WrongBookEntry).where(
            WrongBookEntry.user_id == user_id, WrongBookEntry.item_id == item_id
        )
    )
    item = session.get(Item, item_id)
    if entry is None or item is None or item.current is None:
        raise AttemptRefused(_("错题本中没有这道题。"))
    version = item.current
    labels = tuple(o["label"] for o in version.options)
    response = grading.to_original(chosen, labels)
    gradable = grading.GradableItem(1, version.type, tuple(version.answer), 1.0, None)
    correct = grading.GRADERS[version.type](gradable, response, False).correct
    streak = entry.right_streak + 1 if correct else 0
    record_outcome(session, user_id, item_id, correct, now)
    return {
        "correct": correct,
        "key": sorted(labels.index(lab) for lab in version.answer),
        "explanation": version.explanation,
        "source": version.source,
        "right_streak": streak,
        "mastered": correct and streak >= 2,
    }
