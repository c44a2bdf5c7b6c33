"""The review's attack, over HTTP: an operator sits a certification and harvests practice
feedback, the wrong-question book and the study pages for keys. Practice, the book and the
study pages are closed while the certification runs, and before or after it nothing shows a
key of a certification-only item."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from exam_app.accounts.models import Role, User
from exam_app.bank import review
from exam_app.bank.models import Exposure, Item, ItemStatus, ItemVersion
from exam_app.demo import DEMO_PASSWORD
from exam_app.exams.models import Attempt, AttemptStatus, Exam, ExamMode, WrongBookEntry
from exam_app.study import library
from tests.factories import key_positions, wrong_choice
from tests.web import (
    client_for,
    csrf_token,
    login,
    page_token,
    post_json,
    save_answer,
    start_exam,
    submit_exam,
)

CLOSED = "您有一场认证考试正在进行"


def _attempt(db_session, attempt_id: int) -> Attempt:  # type: ignore[no-untyped-def]
    db_session.rollback()  # see what the requests wrote
    attempt = db_session.get(Attempt, attempt_id)
    assert attempt is not None
    return attempt


def _answer_all_wrong(
    client: FlaskClient, db_session, attempt_id: int, bodies: list[str]
) -> dict[int, dict[str, object]]:  # type: ignore[no-untyped-def]
    """Answer every question wrongly (confirming multiple choice); the feedback by item id."""
    attempt = _attempt(db_session, attempt_id)
    keys = key_positions(db_session, attempt)
    items = [(i.position, i.item_id, wrong_choice(i, keys[i.position])) for i in attempt.items]
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    feedback = {}
    for position, item_id, chosen in items:
        response = save_answer(
            client, attempt_id, token, position=position, chosen=chosen, confirm=True
        )
        bodies.append(response.get_data(as_text=True))
        body = response.get_json()
        if body.get("feedback"):
            feedback[item_id] = body["feedback"]
    return feedback


def _book(client: FlaskClient, bodies: list[str]) -> dict[int, dict[str, object]]:
    """Open the book and answer every question in it; the answers by item id."""
    page = client.get("/exams/wrong-book").get_data(as_text=True)
    bodies.append(page)
    token = page_token(client, "/exams/wrong-book")
    answers = {}
    for item_id in map(int, re.findall(r'data-item="(\d+)"', page)):
        response = post_json(client, f"/exams/wrong-book/{item_id}/answer", token, {"chosen": [0]})
        bodies.append(response.get_data(as_text=True))
        answers[item_id] = response.get_json()
    return answers


def _study(client: FlaskClient, app, bodies: list[str]) -> set[int]:  # type: ignore[no-untyped-def]
    """Open every study page (the index, a search, each regulation): their status codes."""
    regulations = library.regulations(app.config["REGULATIONS_DIR"])
    urls = ["/study/", "/study/?q=客户", *(f"/study/{library.slug(r)}" for r in regulations)]
    codes = set()
    for url in urls:
        response = client.get(url)
        bodies.append(response.get_data(as_text=True))
        codes.add(response.status_code)
    return codes


def test_a_certification_candidate_harvests_no_key_of_a_certification_only_item(
    app, client: FlaskClient, runner, db_session
) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    trainer = db_session.scalar(select(User).where(User.employee_no == "T0001"))
    practice = db_session.scalar(select(Exam).where(Exam.title == "中级工 练习"))
    certification = db_session.scalar(select(Exam).where(Exam.title == "中级工 认证考试"))
    # The trainer keeps part of the 中级工 bank for certification only (practice keeps enough).
    rows = db_session.execute(
        select(Item, ItemVersion.type)
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.level == "intermediate", Item.status == ItemStatus.PUBLISHED.value)
        .order_by(Item.id)
    ).all()
    quota = {"single": 30, "multiple": 10, "judge": 10}
    secret: set[int] = set()
    for item, kind in rows:
        if quota[kind]:
            quota[kind] -= 1
            review.set_exposure(db_session, item, trainer.id, Exposure.CERTIFICATION)
            secret.add(item.id)
    db_session.commit()
    versions = {
        item_id: version
        for item_id, version in db_session.execute(
            select(Item.id, ItemVersion).join(
                ItemVersion, Item.current_version_id == ItemVersion.id
            )
        )
    }
    shared = {v.explanation for i, v in versions.items() if i not in secret}
    secret_explanations = {versions[i].explanation for i in secret} - shared - {""}
    assert len(secret_explanations) >= 20  # what the scan below looks for

    login(client, "O0003", DEMO_PASSWORD)
    bodies: list[str] = []
    feedback: dict[int, dict[str, object]] = {}
    # Before the certification: practice rounds, the book, the study pages.
    for _ in range(3):
        attempt_id = start_exam(client, practice.id)
        feedback.update(_answer_all_wrong(client, db_session, attempt_id, bodies))
        submit_exam(client, attempt_id)
    book = _book(client, bodies)
    assert book, "practice filled the book"
    assert _study(client, app, bodies) == {200}

    # During the certification: every door to a key is shut.
    sitting = start_exam(client, certification.id)
    attempts_before = db_session.scalar(select(func.count()).select_from(Attempt))
    refused = client.post(
        f"/exams/{practice.id}/start", data={"csrf_token": csrf_token(client, "/exams/")}
    )
    assert refused.status_code == 302 and "/attempts/" not in refused.headers["Location"]
    home = client.get("/exams/").get_data(as_text=True)
    assert CLOSED in home
    weakest = client.post(
        "/exams/practice/weakest", data={"csrf_token": csrf_token(client, "/exams/")}
    )
    assert weakest.status_code == 302 and "/attempts/" not in weakest.headers["Location"]
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == attempts_before
    wrong_book = client.get("/exams/wrong-book")
    assert wrong_book.status_code == 423 and CLOSED in wrong_book.get_data(as_text=True)
    token = page_token(client, f"/exams/attempts/{sitting}")
    for item_id in book:
        answer = post_json(client, f"/exams/wrong-book/{item_id}/answer", token, {"chosen": [0]})
        assert answer.status_code == 423 and CLOSED in answer.get_json()["error"]
        bodies.append(answer.get_data(as_text=True))
    assert _study(client, app, bodies) == {423}
    assert CLOSED in client.get("/study/csg-customer-service").get_data(as_text=True)
    for earlier in db_session.scalars(select(Attempt.id).where(Attempt.exam_id == practice.id)):
        # practice results show every key
        assert client.get(f"/exams/attempts/{earlier}/result").status_code == 423
    # The certification itself shows no key before it is handed in (test_exam_web checks
    # that in detail); answer it wrongly everywhere and hand it in.
    cert_feedback = _answer_all_wrong(client, db_session, sitting, bodies)
    assert cert_feedback == {}
    cert_items = {i.item_id for i in _attempt(db_session, sitting).items}
    assert cert_items & secret, "the open paper holds certification-only items"
    submit_exam(client, sitting)

    # After it: the book did not learn the certification's misses (its review: by category),
    # and practice, book and study pages are open again, still without secret keys.
    after = _book(client, bodies)
    assert set(after) <= set(book) | set(feedback)
    assert _study(client, app, bodies) == {200}
    attempt_id = start_exam(client, practice.id)
    feedback.update(_answer_all_wrong(client, db_session, attempt_id, bodies))
    assert feedback, "practice shows its feedback again"

    practised = {
        i.item_id
        for a in db_session.scalars(select(Attempt).where(Attempt.exam_id == practice.id))
        for i in a.items
    }
    assert practised and not practised & secret, "no practice paper drew a secret item"
    assert not set(feedback) & secret
    assert not (set(book) | set(after)) & secret
    for body in bodies:
        leaked = [e for e in secret_explanations if e in body]
        assert not leaked, f"a certification-only explanation reached the browser: {leaked[:1]}"
    assert _attempt(db_session, sitting).status == AttemptStatus.SUBMITTED


def test_study_pages_count_only_items_practice_may_show(
    app, client: FlaskClient, runner, db_session, make_user
) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    trainer_user = make_user(Role.TRAINER)
    trainer, trainer_id = client_for(app, trainer_user), trainer_user.id
    operator = client_for(app, make_user(Role.OPERATOR))
    citing = db_session.scalars(
        select(Item)
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.source == "客户服务管理办法 §2.1.7")
    ).all()
    assert citing

    def clause(client: FlaskClient) -> str:
        page = client.get("/study/csg-customer-service").get_data(as_text=True)
        return re.search(r'id="c-2-1-7".*?(?=id="c-)', page, re.S).group(0)

    assert "考查此条款" in clause(operator) and "/bank/items/" not in clause(operator)
    for item in citing:
        review.set_exposure(db_session, item, trainer_id, Exposure.CERTIFICATION)
    db_session.commit()
    assert "考查此条款" not in clause(operator), "a certification-only item is not even counted"
    assert all(f'href="/bank/items/{i.id}"' in clause(trainer) for i in citing), "trainers see it"


def test_practice_the_book_and_study_close_while_a_certification_runs(
    app, client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    practice = make_exam(ExamMode.PRACTICE, counts=(2, 1, 1))
    certification = make_exam()
    done = start_exam(client, practice.id)
    _answer_all_wrong(client, db_session, done, [])
    submit_exam(client, done)
    left_open = start_exam(client, practice.id)
    sitting = start_exam(client, certification.id)  # a practice round left open stays open

    token = page_token(client, f"/exams/attempts/{left_open}")
    refused = save_answer(client, left_open, token, position=1, chosen=[0], confirm=True)
    assert refused.status_code == 423 and CLOSED in refused.get_json()["error"]
    assert refused.get_json().get("feedback") is None and refused.get_json()["closed"] is False
    assert client.get("/exams/wrong-book").status_code == 423
    db_session.rollback()  # see what the requests wrote
    missed = db_session.scalars(select(WrongBookEntry.item_id)).first()
    assert missed is not None
    answer = post_json(client, f"/exams/wrong-book/{missed}/answer", token, {"chosen": [0]})
    assert answer.status_code == 423 and CLOSED in answer.get_json()["error"]
    assert client.get("/study/").status_code == 423
    assert client.get(f"/exams/attempts/{done}/result").status_code == 423
    start = client.post(
        f"/exams/{practice.id}/start", data={"csrf_token": csrf_token(client, "/exams/")}
    )
    assert start.headers["Location"].endswith("/exams/")
    assert CLOSED in client.get("/exams/").get_data(as_text=True)

    submit_exam(client, sitting)
    assert client.get("/exams/wrong-book").status_code == 200
    assert client.get("/study/").status_code == 200
    assert client.get(f"/exams/attempts/{done}/result").status_code == 200
    reopened = save_answer(client, left_open, token, position=1, chosen=[0], confirm=True)
    assert reopened.status_code == 200 and reopened.get_json()["feedback"] is not None


def test_a_practice_round_left_open_does_not_block_a_certification(
    client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: the practice was refused as if it were a certification. It is closed while the
    certification runs (above), so it need not be handed in first."""
    login_as(Role.OPERATOR)
    start_exam(client, make_exam(ExamMode.PRACTICE).id)
    certification = make_exam()
    start_exam(client, certification.id)
    home = client.get("/exams/").get_data(as_text=True)
    assert "您有一场练习正在进行" not in home and home.count("继续：") == 2
