"""Issue 17, the operators' items, through the real pages: a practice left open does not block
a certification and cannot be started twice; 薄弱分类练习 appears once graded answers show a
weak category; a start page comes before the clock; the exams list and the result say where
a certification stands."""

from __future__ import annotations

import re
import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from exam_app.accounts.models import Role, User
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.exams.models import Attempt, AttemptStatus, ExamMode
from tests.factories import key_positions, wrong_choice
from tests.web import client_for, csrf_token, page_token, save_answer, start_exam, submit_exam

RUNNING_CERTIFICATION = "您有一场认证考试正在进行"


def _attempt(db_session, attempt_id: int) -> Attempt:  # type: ignore[no-untyped-def]
    db_session.rollback()  # see what the requests wrote
    attempt = db_session.get(Attempt, attempt_id)
    assert attempt is not None
    return attempt


def _running(db_session) -> list[Attempt]:  # type: ignore[no-untyped-def]
    db_session.rollback()
    return list(
        db_session.scalars(select(Attempt).where(Attempt.status == AttemptStatus.IN_PROGRESS.value))
    )


# --- item 1: an unfinished practice ---------------------------------------------------------


def test_an_open_practice_neither_blocks_a_certification_nor_is_taken_for_one(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    practice = make_exam(ExamMode.PRACTICE)
    first, second = make_exam(title="认证一"), make_exam(title="认证二")
    left_open = start_exam(client, practice.id)
    home = client.get("/exams/").get_data(as_text=True)
    assert RUNNING_CERTIFICATION not in home, "a practice is not a certification"
    for exam in (first, second):
        assert f"/exams/{exam.id}/start" in home, "both certifications may be started"

    sitting = start_exam(client, first.id)
    assert _attempt(db_session, sitting).exam_id == first.id
    home = client.get("/exams/").get_data(as_text=True)
    assert RUNNING_CERTIFICATION in home, "now one runs: the other certification waits"
    # the practice left open is closed while the certification runs, and resumes after it
    token = page_token(client, f"/exams/attempts/{left_open}")
    refused = save_answer(client, left_open, token, position=1, chosen=[0], confirm=True)
    assert refused.status_code == 423 and RUNNING_CERTIFICATION in refused.get_json()["error"]
    submit_exam(client, sitting)
    resumed = save_answer(client, left_open, token, position=1, chosen=[0], confirm=True)
    assert resumed.status_code == 200


def test_starting_the_same_practice_again_resumes_it(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    practice = make_exam(ExamMode.PRACTICE)
    first = start_exam(client, practice.id)
    assert start_exam(client, practice.id) == first
    assert client.get("/exams/").get_data(as_text=True).count("继续：") == 1


def test_concurrent_starts_of_one_person_make_one_attempt(
    app: Flask, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    """Two tabs press start at once, for the same practice and for two certifications: the
    person's starts are serialised (their row is locked), so the second sees the first."""
    user = make_user(Role.OPERATOR)
    practice = make_exam(ExamMode.PRACTICE)
    one, two = make_exam(title="认证一"), make_exam(title="认证二")
    tabs = [client_for(app, db_session.get(User, user.id)) for _ in range(4)]
    tokens = [csrf_token(tab, "/exams/") for tab in tabs]

    def race(exam_ids: list[int]) -> None:
        barrier = threading.Barrier(len(tabs))

        def press(tab: FlaskClient, token: str, exam_id: int) -> None:
            barrier.wait()
            tab.post(f"/exams/{exam_id}/start", data={"csrf_token": token})

        threads = [
            threading.Thread(target=press, args=(tab, token, exam_id))
            for tab, token, exam_id in zip(tabs, tokens, exam_ids, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    race([practice.id] * 4)
    assert [a.exam_id for a in _running(db_session)] == [practice.id]
    race([one.id, two.id, one.id, two.id])
    certifications = [a.exam_id for a in _running(db_session) if a.exam_id != practice.id]
    assert len(certifications) == 1, "one certification at a time"


# --- item 2: 薄弱分类练习 ----------------------------------------------------------------------


def test_weakest_practice_appears_after_a_graded_attempt_and_starts(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    """Checked through the real path: it works (the view passes the weakest categories)."""
    login_as(Role.OPERATOR)
    practice = make_exam(ExamMode.PRACTICE, counts=(12, 6, 6))
    weak, _ = ensure_category(db_session, "电费电价")
    strong, _ = ensure_category(db_session, "业扩报装")
    for item in db_session.scalars(select(Item)):
        item.category = weak if item.current.type == "single" else strong
    db_session.commit()
    home = client.get("/exams/").get_data(as_text=True)
    assert "完成一次练习或考试后" in home and "针对薄弱分类练习" not in home

    attempt_id = start_exam(client, practice.id)
    attempt = _attempt(db_session, attempt_id)
    keys = key_positions(db_session, attempt)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    for item in attempt.items:  # wrong on every single choice, right on the rest
        chosen = keys[item.position]
        if item.rule_key == "r1":
            chosen = wrong_choice(item, chosen)
        saved = save_answer(client, attempt_id, token, position=item.position, chosen=chosen)
        assert saved.status_code == 200
    submit_exam(client, attempt_id)

    home = client.get("/exams/").get_data(as_text=True)
    assert "最需要加强的分类：电费电价" in home and "针对薄弱分类练习" in home
    form = re.search(r'<form method="post" action="/exams/practice/weakest".*?</form>', home, re.S)
    assert form
    response = client.post(
        "/exams/practice/weakest",
        data={"csrf_token": re.search(r'value="([^"]+)"', form.group(0)).group(1)},
    )
    started = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    targeted = _attempt(db_session, started)
    assert targeted.exam.title.startswith("薄弱分类练习")
    assert all(db_session.get(Item, i.item_id).category_id == weak.id for i in targeted.items)
    count = db_session.scalar(select(func.count()).select_from(Attempt))
    assert count == 2
