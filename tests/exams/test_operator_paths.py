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
from tests.web import (
    client_for,
    csrf_from,
    csrf_token,
    page_token,
    save_answer,
    start_exam,
    submit_exam,
)

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
    home = client.get("/exams/").get_data(as_text=True)
    assert home.count("继续") == 1, "one 继续 entry"
    assert home.count(f'href="/exams/attempts/{first}"') == 1


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


# --- item 3: the start page, and the submit confirmation ------------------------------------


def _answer_everything(client: FlaskClient, db_session, attempt_id: int, right: bool) -> None:  # type: ignore[no-untyped-def]
    attempt = _attempt(db_session, attempt_id)
    keys = key_positions(db_session, attempt)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    for item in attempt.items:
        chosen = keys[item.position] if right else wrong_choice(item, keys[item.position])
        saved = save_answer(client, attempt_id, token, position=item.position, chosen=chosen)
        assert saved.status_code == 200


def test_the_list_leads_to_a_start_page_and_only_its_button_starts_the_clock(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam = make_exam(title="中级工认证", max_attempts=2, pass_percent=75, duration_minutes=60)
    home = client.get("/exams/").get_data(as_text=True)
    assert f'href="/exams/{exam.id}/start"' in home
    assert f'action="/exams/{exam.id}/start"' not in home, "no one-click start in the list"

    page = client.get(f"/exams/{exam.id}/start").get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == 0, "no clock yet"
    for fact in (
        "60 分钟",
        "8 道题",
        "得分率 75% 及以上为通过",
        "已用 0 次，剩余 2 次（共 2 次）",
        "答案、标准答案及解析",  # what the result will show
        'data-testid="window"',
    ):
        assert fact in page, fact
    form = re.search(rf'<form method="post" action="/exams/{exam.id}/start".*?</form>', page, re.S)
    assert form and ">开始答题</button>" in form.group(0)
    token = csrf_from(form.group(0))  # the button posts with its CSRF token
    no_token = client.post(f"/exams/{exam.id}/start")
    assert no_token.status_code == 400
    started = client.post(f"/exams/{exam.id}/start", data={"csrf_token": token})
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    assert _attempt(db_session, attempt_id).exam_id == exam.id

    again = client.get(f"/exams/{exam.id}/start").get_data(as_text=True)
    assert f'href="/exams/attempts/{attempt_id}"' in again and "继续答题" in again
    assert "已用 1 次，剩余 1 次" in again


def test_the_start_page_says_why_not_and_offers_no_button(
    client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from exam_app.db import utcnow

    login_as(Role.OPERATOR)
    later = make_exam(opens_at=utcnow() + timedelta(days=1), closes_at=utcnow() + timedelta(days=2))
    page = client.get(f"/exams/{later.id}/start").get_data(as_text=True)
    assert "考试尚未开始" in page and ">开始答题</button>" not in page
    assert client.get("/exams/999999/start").status_code == 404


def test_the_submit_confirmation_lists_unanswered_and_flagged_by_number(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    for position in (1, 2, 4):
        save_answer(client, attempt_id, token, position=position, chosen=[0])
    save_answer(client, attempt_id, token, position=2, chosen=[0], flagged=True, base_revision=1)
    save_answer(client, attempt_id, token, position=5, chosen=[], flagged=True)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    box = re.search(r'<section class="card submit-confirm".*?</section>', page, re.S)
    assert box, "the confirmation is on the page"

    def listed(name: str) -> list[int]:
        row = re.search(rf'data-list="{name}".*?</p>', box.group(0), re.S)
        assert row
        return [int(n) for n in re.findall(r'<a href="#q(\d+)">\1</a>', row.group(0))]

    assert listed("unanswered") == [3, 5, 6, 7, 8]
    assert listed("flagged") == [2, 5]
    assert "共 8 题，未答 5 题，标记 2 题" in box.group(0)
    assert "data-submit-confirmed" in box.group(0)


# --- item 4: where a certification stands --------------------------------------------------


def test_a_passed_certification_says_so_in_the_list_and_the_result(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam = make_exam(max_attempts=3, pass_percent=80, certificate_months=24)
    attempt_id = start_exam(client, exam.id)
    _answer_everything(client, db_session, attempt_id, right=True)
    result = submit_exam(client, attempt_id)
    page = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "及格线：得分率 80% 及以上为通过；您的得分率为 100.0%" in page
    assert "您已通过本次认证考试" in page and "有效期 24 个月" in page

    home = client.get("/exams/").get_data(as_text=True)
    row = re.search(rf'<tr data-exam="{exam.id}">.*?</tr>', home, re.S)
    assert row
    assert "已通过" in row.group(0) and "80%" in row.group(0)
    assert "剩余 2 次（共 3 次）" in row.group(0)
    assert f'href="/exams/attempts/{attempt_id}/result"' in row.group(0)
    assert ">开始<" not in row.group(0), "a passed certification is not offered as new"


def test_a_failed_last_chance_says_what_happens_next(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam = make_exam(max_attempts=1)
    attempt_id = start_exam(client, exam.id)
    _answer_everything(client, db_session, attempt_id, right=False)
    submit_exam(client, attempt_id)
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "及格线：得分率 60% 及以上为通过" in page
    assert "您已用完该考试的 1 次机会" in page and "请联系培训管理员" in page
    home = client.get("/exams/").get_data(as_text=True)
    row = re.search(rf'<tr data-exam="{exam.id}">.*?</tr>', home, re.S)
    assert row and "剩余 0 次（共 1 次）" in row.group(0) and "已通过" not in row.group(0)


def test_a_failed_certification_with_chances_left_offers_the_start_page(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam = make_exam(max_attempts=2)
    attempt_id = start_exam(client, exam.id)
    _answer_everything(client, db_session, attempt_id, right=False)
    submit_exam(client, attempt_id)
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "您还有 1 次机会（共 2 次）" in page
    assert f'href="/exams/{exam.id}/start"' in page
