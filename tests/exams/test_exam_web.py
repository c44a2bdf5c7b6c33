"""Taking an exam over HTTP: JSON saves with receipts, conflicts, the key-leak scan, results."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank.models import ItemVersion
from exam_app.exams.models import Attempt, Exam, ExamMode
from tests.factories import backdate
from tests.web import client_for, csrf_from, csrf_token, login, start_exam, submit_exam


def _save(client: FlaskClient, attempt_id: int, token: str, **body: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/exams/attempts/{attempt_id}/answer",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def _token(client: FlaskClient, attempt_id: int) -> str:
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _keys(db_session, attempt_id: int) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    db_session.rollback()
    attempt = db_session.get(Attempt, attempt_id)
    return {i.position: db_session.get(ItemVersion, i.version_id).answer for i in attempt.items}


def test_save_returns_a_receipt_with_the_server_time(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = _token(client, attempt_id)
    response = _save(client, attempt_id, token, position=1, chosen=[0], base_revision=0)
    body = response.get_json()
    assert response.status_code == 200 and body["revision"] == 1
    assert re.fullmatch(r"\d\d:\d\d:\d\d", body["saved_at_local"])
    stale = _save(client, attempt_id, token, position=1, chosen=[1], base_revision=0)
    assert stale.status_code == 409 and stale.get_json()["chosen"] == [0]
    reloaded = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="q1" value="0" checked', reloaded), "the saved answer survives reload"


def test_saves_without_csrf_are_refused(client: FlaskClient, login_as, make_exam) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    response = client.post(
        f"/exams/attempts/{attempt_id}/answer",
        data=json.dumps({"position": 1, "chosen": [0]}),
        content_type="application/json",
    )
    assert response.status_code == 400


def test_the_key_never_reaches_the_browser_before_submission(
    client: FlaskClient,
    login_as,
    make_exam,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    """Scan every page and JSON response of an attempt for the stored key and explanation."""
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    keys = _keys(db_session, attempt_id)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    bodies = [page, client.get("/exams/").get_data(as_text=True)]
    for position in keys:
        bodies.append(
            _save(
                client, attempt_id, token, position=position, chosen=[0], base_revision=0
            ).get_data(as_text=True)
        )
    bodies.append(
        client.post(
            f"/exams/attempts/{attempt_id}/heartbeat",
            data="{}",
            content_type="application/json",
            headers={"X-CSRFToken": token},
        ).get_data(as_text=True)
    )
    result = client.get(f"/exams/attempts/{attempt_id}/result")
    assert result.status_code == 302  # not submitted: no result page, no key
    assert len(bodies) == len(keys) + 3
    for body in bodies:
        assert "解析秘文" not in body, "an explanation reached the browser"
        assert '"key"' not in body and '"answer"' not in body and 'class="key"' not in body
    # and after submission the same explanations do appear: the scan can see them
    submit_exam(client, attempt_id)
    assert "解析秘文" in client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)


def test_result_follows_the_review_policy(client: FlaskClient, login_as, make_exam) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    for policy, shows_key in (("score", False), ("full", True)):
        exam = make_exam(review_policy=policy, counts=(1, 1, 1), title=f"p-{policy}")
        attempt_id = start_exam(client, exam.id)
        submit_exam(client, attempt_id)
        page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
        assert ('class="key"' in page) is shows_key
        assert "%" in page


def test_practice_answer_returns_feedback_after_saving(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam(mode=ExamMode.PRACTICE).id)
    token = _token(client, attempt_id)
    db_session.rollback()
    single = next(
        i.position
        for i in db_session.get(Attempt, attempt_id).items
        if db_session.get(ItemVersion, i.version_id).type == "single"
    )
    body = _save(client, attempt_id, token, position=single, chosen=[0], base_revision=0)
    assert set(body.get_json()["feedback"]) >= {"correct", "key", "explanation"}
    again = _save(client, attempt_id, token, position=single, chosen=[1], base_revision=1)
    assert again.status_code == 423, "a practice answer is final once its key is shown"


def test_overdue_attempt_is_graded_on_next_access(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    backdate(db_session, db_session.get(Attempt, attempt_id), timedelta(hours=2))
    response = client.get(f"/exams/attempts/{attempt_id}")
    assert response.headers["Location"].endswith(f"/exams/attempts/{attempt_id}/result")
    db_session.rollback()
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).auto_submitted


def test_someone_elses_attempt_is_not_found(
    app, client: FlaskClient, login_as, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    other = client_for(app, make_user(Role.OPERATOR))
    assert other.get(f"/exams/attempts/{attempt_id}").status_code == 404


def test_saving_into_someone_elses_attempt_is_not_found_and_stores_nothing(
    app, client: FlaskClient, login_as, make_exam, make_user, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    assert (
        _save(client, attempt_id, _token(client, attempt_id), position=1, chosen=[0]).status_code
        == 200
    )
    other = client_for(app, make_user(Role.OPERATOR))
    other_token = csrf_token(other, "/exams/")
    response = _save(other, attempt_id, other_token, position=1, chosen=[1], base_revision=1)
    assert response.status_code == 404
    db_session.rollback()
    (answer,) = db_session.get(Attempt, attempt_id).answers
    assert answer.revision == 1, "the owner's answer is untouched"


def test_saves_for_questions_not_on_the_paper_or_bad_choices_are_refused(
    client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = _token(client, attempt_id)
    missing = _save(client, attempt_id, token, position=999, chosen=[0])
    assert missing.status_code == 423 and "999" in missing.get_json()["error"]
    bad = _save(client, attempt_id, token, position=1, chosen=[7])
    assert bad.status_code == 423 and bad.get_json()["closed"] is False
    assert _save(client, attempt_id, token, chosen=[0]).status_code == 400  # no position


def test_a_save_after_the_deadline_grades_the_attempt_from_saved_answers(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = _token(client, attempt_id)
    assert _save(client, attempt_id, token, position=1, chosen=[0]).status_code == 200
    attempt = db_session.get(Attempt, attempt_id)
    attempt.deadline_at = attempt.deadline_at - timedelta(hours=2)
    db_session.commit()
    late = _save(client, attempt_id, token, position=2, chosen=[0])
    assert late.status_code == 423 and late.get_json()["closed"] is True
    db_session.rollback()
    db_session.expire_all()
    graded = db_session.get(Attempt, attempt_id)
    assert graded.auto_submitted and [a.position for a in graded.answers] == [1]


@pytest.mark.parametrize("role", [Role.HR, Role.TRAINER])
def test_overseers_read_the_event_log(
    client: FlaskClient, login_as, make_exam, app, make_user, role
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    client.get(f"/exams/attempts/{attempt_id}")
    client.get(f"/exams/attempts/{attempt_id}")  # reload: logged as resumed
    overseer = client_for(app, make_user(role))
    page = overseer.get(f"/exams/attempts/{attempt_id}/log").get_data(as_text=True)
    assert "started" in page and "resumed" in page
    assert ("加时" in page) is (role == Role.HR)


def test_manage_pages_show_shortfall(client: FlaskClient, login_as, make_exam, db_session) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    from exam_app.exams.models import Exam, ExamRule

    exam = Exam(
        title="太多",
        mode="practice",
        level="intermediate",
        rules=[ExamRule(position=1, count=50, type="single")],
    )
    make_exam()  # loads the bank
    db_session.add(exam)
    db_session.commit()
    page = client.get(f"/exams/manage/{exam.id}").get_data(as_text=True)
    assert 'data-testid="rule-problems"' in page
    assert db_session.scalars(select(Exam)).all()


def test_manage_pages_name_statuses_in_the_reader_s_language(
    app, client: FlaskClient, login_as, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam_id = make_exam().id
    start_exam(client, exam_id)
    hr = client_for(app, make_user(Role.HR))
    page = hr.get(f"/exams/manage/{exam_id}").get_data(as_text=True)
    status = re.search(r'data-testid="exam-status">([^<]+)<', page).group(1)
    assert status == "已发布" and "作答中" in page
    assert "in_progress" not in page.replace('class="', "")  # no raw enum value shown


def test_a_wrong_practice_answer_shows_the_clause(client: FlaskClient, runner, db_session) -> None:  # type: ignore[no-untyped-def]
    """Issue 5: an operator answers a starter item wrongly in practice and is shown the clause."""
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    login(client, "O0003", "demo2026")
    exam = db_session.scalar(select(Exam).where(Exam.title == "中级工 练习"))
    attempt_id = start_exam(client, exam.id)
    token = _token(client, attempt_id)
    db_session.rollback()  # see the attempt the request just created
    attempt = db_session.get(Attempt, attempt_id)
    shown = []
    for item in attempt.items:
        version = db_session.get(ItemVersion, item.version_id)
        if "§" not in version.source:
            continue
        wrong = [i for i, lab in enumerate(item.option_order) if lab not in version.answer][:1]
        body = _save(
            client,
            attempt_id,
            token,
            position=item.position,
            chosen=wrong,
            base_revision=0,
            confirm=True,  # multiple choice shows its feedback once confirmed
        ).get_json()
        assert body["feedback"]["correct"] is False
        shown.append(body["feedback"]["clause_url"])
    assert shown and all(url and url.startswith("/study/") and "#c-" in url for url in shown)
    for url in shown:  # browsers decode the fragment before matching the id
        path, anchor = url.split("#")
        assert f'id="{unquote(anchor)}"' in client.get(path).get_data(as_text=True)


def test_hr_gives_extra_time_on_its_own_endpoint_and_audits_the_paper(
    client: FlaskClient, login_as, make_exam, app, make_user, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    before = db_session.get(Attempt, attempt_id).deadline_at
    hr = client_for(app, make_user(Role.HR))
    log_url = f"/exams/attempts/{attempt_id}/log"
    token = csrf_token(hr, log_url)
    url = f"/exams/attempts/{attempt_id}/extra-time"
    assert hr.post(url, data={"csrf_token": token, "minutes": "5"}).status_code == 400  # reason
    response = hr.post(url, data={"csrf_token": token, "minutes": "5", "reason": "停电"})
    assert response.status_code == 302 and response.headers["Location"].endswith(log_url)
    db_session.rollback()  # end the test's read snapshot
    assert db_session.get(Attempt, attempt_id).deadline_at - before == timedelta(minutes=5)
    audit = hr.get(f"/exams/attempts/{attempt_id}/audit").get_data(as_text=True)
    assert 'data-testid="paper-audit"' in audit and "核对一致" in audit

    trainer = client_for(app, make_user(Role.TRAINER))
    token = csrf_token(trainer, log_url)
    refused = trainer.post(url, data={"csrf_token": token, "minutes": "5", "reason": "x"})
    assert refused.status_code == 403


def test_trainers_set_the_certificate_validity_on_the_exam_form(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    page = client.get("/exams/manage/new").get_data(as_text=True)
    assert 'name="certificate_months"' in page and 'name="renewal_window_days"' in page
    response = client.post(
        "/exams/manage/new",
        data={
            "csrf_token": csrf_from(page),
            "title": "带证书的认证考试",
            "mode": "certification",
            "level": "intermediate",
            "duration_minutes": "60",
            "pass_percent": "60",
            "points_single": "1",
            "points_multiple": "2",
            "points_judge": "1",
            "review_policy": "score",
            "certificate_title": "用电客户受理员",
            "certificate_months": "24",
            "renewal_window_days": "60",
            "rules-0-count": "3",
            "rules-0-category_id": "0",
            "rules-0-type": "single",
            "rules-0-difficulty_min": "1",
            "rules-0-difficulty_max": "5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    exam = db_session.scalar(select(Exam).where(Exam.title == "带证书的认证考试"))
    assert (exam.certificate_months, exam.renewal_window_days) == (24, 60)
