"""``flask demo history``: a simulated year graded through the real path, whose planted bad items
really behave as planted (computed here from the grading tables), once, and never in
production."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app import demo_history
from exam_app.accounts.models import User
from exam_app.bank.models import Item, ItemVersion
from exam_app.certificates.models import Certificate
from exam_app.exams.models import Answer, Attempt, AttemptItem, AttemptStatus, Exam, ExamMode
from exam_app.stats.models import AnswerSheet, Cohort, CohortMember
from exam_app.tracking.models import TrackedPerson

OPERATORS = 80
HISTORY = [
    "demo",
    "history",
    "--operators",
    str(OPERATORS),
    "--seed",
    "2026",
    "--now",
    "2026-12-01",
]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def history(runner: FlaskCliRunner, cert_settings: None) -> str:
    """The shipped bank, the demo, and a small year (about 500 attempts); the command's output."""
    for args in (["bank", "load-shipped"], ["demo", "load"]):
        assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=HISTORY)
    assert result.exit_code == 0, result.output
    return result.output


def _certification(db_session: Session) -> Exam:
    exam = db_session.scalar(select(Exam).where(Exam.title == "中级工 认证考试（2026 年度）"))
    assert exam is not None
    return exam


def test_every_attempt_is_graded_through_the_real_path_and_a_second_run_is_a_no_op(
    db_session: Session, runner: FlaskCliRunner, history: str
) -> None:
    operators = db_session.scalars(select(User).where(User.employee_no.like("O1%"))).all()
    assert len(operators) == OPERATORS and all(u.is_demo for u in operators)
    assert {u.position for u in operators} == {demo_history.POSITION}
    tracked = db_session.scalar(
        select(func.count()).where(TrackedPerson.user_id.in_([u.id for u in operators]))
    )
    assert tracked == OPERATORS
    attempts = db_session.scalars(select(Attempt)).all()
    assert len(attempts) > 5 * OPERATORS
    assert all(a.status == AttemptStatus.SUBMITTED and a.earned is not None for a in attempts)
    year = demo_history.Year.before(NOW)
    assert all(year.start <= a.started_at < a.submitted_at < year.end for a in attempts)  # type: ignore[operator]
    sheets = set(db_session.scalars(select(AnswerSheet.attempt_id)))
    assert sheets == {a.id for a in attempts}, "one statistics sheet per graded attempt"
    answered = db_session.scalar(select(func.count(func.distinct(Answer.attempt_id))))
    assert answered == len(attempts)
    passes = [a for a in attempts if a.passed and a.exam.mode == ExamMode.CERTIFICATION]
    issued = set(db_session.scalars(select(Certificate.attempt_id)))
    assert passes and issued == {a.id for a in passes}, "certificates issued by the grade"
    assert db_session.scalar(select(func.count()).select_from(Cohort)) == 3
    assert db_session.scalar(select(func.count()).select_from(CohortMember)) >= OPERATORS // 5
    assert f"{OPERATORS} operators" in history

    again = runner.invoke(args=HISTORY)
    assert again.exit_code == 0 and "already there" in again.output
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == len(attempts)


def _responses(
    db_session: Session, exam: Exam, item_id: int
) -> list[tuple[float, float, list[str]]]:
    """(the paper's score without this item, this item's score, the options chosen) for every
    attempt at ``exam`` that had ``item_id``."""
    rows = db_session.execute(
        select(Attempt.earned, AttemptItem.earned, AttemptItem.points, Answer.response)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .outerjoin(
            Answer,
            (Answer.attempt_id == AttemptItem.attempt_id)
            & (Answer.position == AttemptItem.position),
        )
        .where(Attempt.exam_id == exam.id, AttemptItem.item_id == item_id)
    )
    return [
        (total - earned, earned / points, response or [])
        for total, earned, points, response in rows
    ]


def _thirds(
    rows: list[tuple[float, float, list[str]]],
) -> tuple[list[tuple[float, float, list[str]]], list[tuple[float, float, list[str]]]]:
    """The lower and the upper third by the rest of the paper's score."""
    ranked = sorted(rows, key=lambda r: r[0])
    third = len(ranked) // 3
    return ranked[:third], ranked[-third:]


def _share(rows: list[tuple[float, float, list[str]]], label: str) -> float:
    return sum(label in chosen for _rest, _score, chosen in rows) / len(rows)


def _key(db_session: Session, item_id: int) -> list[str]:
    answer = db_session.scalar(
        select(ItemVersion.answer)
        .join(Item, Item.current_version_id == ItemVersion.id)
        .where(Item.id == item_id)
    )
    assert answer is not None
    return list(answer)


def test_the_bad_items_behave_as_planted(db_session: Session, history: str) -> None:
    summary = demo_history.already_loaded(db_session)
    assert summary is not None
    bad = {b.reason: b for b in summary.bad_items}
    assert set(bad) == set(demo_history.REASONS)
    assert all(str(b.item_id) in history for b in bad.values())
    exam = _certification(db_session)

    miskeyed = bad["miskeyed"]
    rows = _responses(db_session, exam, miskeyed.item_id)
    assert len(rows) > OPERATORS, "on every paper of the certification"
    low, high = _thirds(rows)
    (key,) = _key(db_session, miskeyed.item_id)
    assert _share(high, key) < _share(low, key), "the able avoid the key"
    assert _share(high, miskeyed.label) > _share(low, miskeyed.label), "and choose the lure"
    assert statistics.fmean(s for *_r, s, _c in high) < statistics.fmean(s for *_r, s, _c in low)

    dead = bad["dead_distractor"]
    chosen = db_session.scalars(
        select(Answer.response)
        .join(
            AttemptItem,
            (AttemptItem.attempt_id == Answer.attempt_id)
            & (AttemptItem.position == Answer.position),
        )
        .where(AttemptItem.item_id == dead.item_id)
    ).all()
    assert len(chosen) > OPERATORS and not any(dead.label in c for c in chosen)
    assert len({label for c in chosen for label in c}) == 3, "the other options are chosen"

    easy = _responses(db_session, exam, bad["too_easy"].item_id)
    assert statistics.fmean(score for _rest, score, _chosen in easy) > 0.95

    noise = _responses(db_session, exam, bad["random"].item_id)
    low, high = _thirds(noise)
    spread = statistics.fmean(s for *_r, s, _c in high) - statistics.fmean(s for *_r, s, _c in low)
    assert abs(spread) < 0.25, "discrimination about zero"
    sound = [_responses(db_session, exam, p.item_id) for p in _sound_items(db_session, exam)]
    assert statistics.fmean(_discrimination(r) for r in sound) > 0.25, "unlike the sound items"


def _sound_items(db_session: Session, exam: Exam) -> list[AttemptItem]:
    """The drawn (not fixed) questions of one paper of the exam."""
    first = db_session.scalar(select(Attempt.id).where(Attempt.exam_id == exam.id).limit(1))
    return list(
        db_session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == first, AttemptItem.rule_key != "r1")
        )
    )


def _discrimination(rows: list[tuple[float, float, list[str]]]) -> float:
    low, high = _thirds(rows)
    if not low:
        return 0.0
    return statistics.fmean(s for *_r, s, _c in high) - statistics.fmean(s for *_r, s, _c in low)


def test_refused_where_demo_data_is_off(
    app: Flask, runner: FlaskCliRunner, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)
    result = runner.invoke(args=HISTORY)
    assert result.exit_code == 1 and "refused" in result.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_refused_after_a_run_that_stopped_half_way(
    runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    make_user(employee_no="O1001")  # as if the last run died after its first month
    result = runner.invoke(args=HISTORY)
    assert result.exit_code == 1 and "未生成完整" in result.output
