"""HR's and trainers' pages over HTTP (issue 17): results, the exam page, the form, the log."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank.categories import ensure_category
from exam_app.db import utcnow
from exam_app.exams import proctoring
from exam_app.exams.events import device_of
from exam_app.exams.models import Attempt, Exam, ExamAssignment
from tests.factories import make_attempt, make_org_tree
from tests.web import (
    client_for,
    csrf_from,
    csrf_token,
    save_answer,
    start_exam,
)

# --- HR reads every result (item 10) -------------------------------------------------------


def test_hr_reads_a_candidates_result_without_the_keys(
    app: Flask, client: FlaskClient, login_as, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(review_policy="full", counts=(1, 1, 1))
    candidate = make_user(Role.OPERATOR, name="张三")
    attempt = make_attempt(db_session, exam, candidate.id, "submitted", "key")
    login_as(Role.HR)
    page = client.get(f"/exams/attempts/{attempt.id}/result")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张三" in html and 'data-testid="percent">100.0%' in html
    assert "各分类得分" in html, "HR sees how the candidate did per category"
    assert 'class="key"' not in html and "解析秘文" not in html, "never the keys"
    assert f"/exams/attempts/{attempt.id}/log" in html
    # the exam page links the score to the result
    show = client.get(f"/exams/manage/{exam.id}").get_data(as_text=True)
    assert f'href="/exams/attempts/{attempt.id}/result"' in show


def test_admin_reads_results_an_operator_or_trainer_does_not(
    app: Flask, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(counts=(1, 1, 1))
    attempt = make_attempt(db_session, exam, make_user(Role.OPERATOR).id, "submitted", "wrong")
    url = f"/exams/attempts/{attempt.id}/result"
    assert client_for(app, make_user(Role.ADMIN)).get(url).status_code == 200
    assert client_for(app, make_user(Role.OPERATOR)).get(url).status_code == 404
    assert client_for(app, make_user(Role.TRAINER)).get(url).status_code == 403
    trainer_show = client_for(app, make_user(Role.TRAINER)).get(f"/exams/manage/{exam.id}")
    assert url not in trainer_show.get_data(as_text=True)


def test_hr_on_a_running_attempts_result_goes_to_its_log(
    client: FlaskClient, login_as, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    attempt = make_attempt(db_session, make_exam(), make_user(Role.OPERATOR).id)
    login_as(Role.HR)
    response = client.get(f"/exams/attempts/{attempt.id}/result")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exams/attempts/{attempt.id}/log")
    assert client.get("/exams/attempts/999999/result").status_code == 404


def test_hr_who_also_sits_exams_keeps_their_own_review(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    me = login_as(Role.OPERATOR, Role.HR)
    done = make_attempt(db_session, make_exam(review_policy="full"), me.id, "submitted")
    assert 'class="key"' in client.get(f"/exams/attempts/{done.id}/result").get_data(as_text=True)
    running = make_attempt(db_session, make_exam(title="另一场"), me.id)
    response = client.get(f"/exams/attempts/{running.id}/result")
    assert response.headers["Location"].endswith(f"/exams/attempts/{running.id}")


# --- HR's home and navigation (item 9) -----------------------------------------------------


def test_hr_home_and_navigation_lead_to_what_hr_does(client: FlaskClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.HR)
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('data-role="hr"') :]
    for testid, url in (
        ("hr-tracking", "/tracking/"),
        ("hr-certificates", "/certificates/"),
        ("hr-stats", "/stats/"),
        ("hr-results", "/exams/manage"),
    ):
        assert f'href="{url}" data-testid="{testid}"' in card, testid
        assert client.get(url).status_code == 200, url
    nav = html[html.index("<nav") : html.index("</nav>")]
    for url, label in (
        ("/tracking/", "培训达标"),
        ("/certificates/", "证书登记"),
        ("/stats/", "统计分析"),
        ("/exams/manage", "考试管理"),
    ):
        assert f'href="{url}">{label}</a>' in nav, label


# --- the exam page (item 7) ----------------------------------------------------------------


def test_exam_page_describes_rules_and_settings(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    unit = make_org_tree(db_session)["GD-GZ-TH"]
    category, _ = ensure_category(db_session, "业扩报装/低压")
    exam = make_exam(
        duration_minutes=45, pass_percent=80, max_attempts=2, wait_minutes=30,
        review_policy="category",
    )  # fmt: skip
    exam.rules[0].category_id = category.id
    exam.rules[0].difficulty_min, exam.rules[0].difficulty_max = 2, 4
    exam.assignments = [ExamAssignment(org_unit_id=unit.id)]
    db_session.commit()
    login_as(Role.HR)
    html = client.get(f"/exams/manage/{exam.id}").get_data(as_text=True)
    rules = html[html.index('data-testid="rules"') :]
    first = rules[rules.index('data-rule="r1"') : rules.index('data-rule="r2"')]
    assert category.path in first and "单选" in first and "2–4" in first and ">4<" in first
    second = rules[rules.index('data-rule="r2"') :]
    assert "任意分类" in second and "多选" in second and "任意难度" in second
    settings = html[html.index('data-testid="exam-settings"') : html.index('data-testid="rules"')]
    for text in ("45 分钟", "80%", "最多 2 次", "30 分钟", "分数及各分类得分", unit.path):
        assert text in settings, text
    assert "中级工" in settings and "认证考试" in settings


# --- the exam form (item 7) ----------------------------------------------------------------


def _controls(html: str) -> list[str]:
    """The form's controls a person fills in (not hidden ones, not buttons)."""
    form = html[html.index('<form method="post" class="card"') :]
    form = form[: form.index("</form>")]
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", form)
    return [t for t in tags if not re.search(r'type="(hidden|submit|button)"', t)]


def test_every_field_of_the_exam_form_has_a_label(client: FlaskClient, login_as, bank) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    html = client.get("/exams/manage/new").get_data(as_text=True)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    controls = _controls(html)
    assert len(controls) > 20
    for tag in controls:
        ident = re.search(r'\bid="([^"]+)"', tag)
        wrapped = tag.startswith("<input") and 'type="checkbox"' in tag
        assert wrapped or (ident and ident.group(1) in labelled), tag
    # the rule rows say which row and which field: "规则 2 题数"
    assert re.search(
        r'<label class="sr-only" for="rules-1-count">规则 <span data-n>2</span> 题数', html
    )
    assert 'for="rules-1-difficulty_max">规则 <span data-n>2</span> 难度到' in html
    assert "js/exam_rules.js" in html and 'id="add-rule"' in html


def test_rule_rows_may_have_gaps_after_one_is_removed(
    client: FlaskClient, login_as, db_session, bank
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    page = client.get("/exams/manage/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page), "title": "三条规则", "mode": "practice", "level": "",
        "duration_minutes": "30", "pass_percent": "60", "points_single": "1",
        "points_multiple": "2", "points_judge": "1", "review_policy": "full",
        "certificate_title": "用电客户受理员",
    }  # fmt: skip
    for index, (count, kind) in {0: ("2", "single"), 2: ("1", "judge"), 5: ("1", "")}.items():
        data |= {f"rules-{index}-count": count, f"rules-{index}-type": kind,
                 f"rules-{index}-category_id": "0", f"rules-{index}-difficulty_min": "1",
                 f"rules-{index}-difficulty_max": "5"}  # fmt: skip
    response = client.post("/exams/manage/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    exam = db_session.scalar(select(Exam).where(Exam.title == "三条规则"))
    assert [(r.count, r.type) for r in exam.rules] == [(2, "single"), (1, "judge"), (1, None)]


def test_the_live_supply_check_counts_one_rows_items(
    app: Flask, client: FlaskClient, login_as, make_user, bank
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)

    def supply(**args: str) -> dict[str, object]:
        response = client.get("/exams/manage/supply", query_string=args)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    assert supply(mode="certification", type="single", count="3") == {
        "ok": True, "available": 12, "needed": 3,
    }  # fmt: skip
    assert supply(mode="certification", type="judge", count="9")["available"] == 6
    assert supply(mode="practice", level="senior", count="1")["available"] == 0
    assert (
        supply(mode="practice", difficulty_min="4", difficulty_max="5", count="1")["available"] == 0
    )
    assert supply(item_ids="1，2, x")["needed"] == 2
    bad = client.get("/exams/manage/supply?type=essay")
    assert bad.status_code == 400 and bad.get_json()["ok"] is False
    assert client.get("/exams/manage/supply?category_id=99999999999").status_code == 400
    hr = client_for(app, make_user(Role.HR))
    assert hr.get("/exams/manage/supply").status_code == 403


# --- the attempt log as a proctor's record (item 11) ---------------------------------------

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36"
)
ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
)


def _outside_details(html: str) -> str:
    """The page above its technical details, as text (tags dropped)."""
    return re.sub(r"<(?!details)[^>]+>", "", html[: html.index('<details data-testid="technical"')])


def test_the_attempt_log_reads_as_a_proctors_record(
    app: Flask, client: FlaskClient, login_as, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    operator = login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    page_url = f"/exams/attempts/{attempt_id}"
    client.get(page_url, headers={"User-Agent": WINDOWS_CHROME})
    reload = client.get(page_url, headers={"User-Agent": WINDOWS_CHROME}).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', reload).group(1)
    client.get(page_url, headers={"User-Agent": ANDROID_WECHAT})  # another device
    for chosen, base, flagged in (([0], 0, False), ([1], 1, True), ([0], 0, False)):  # last: stale
        save_answer(client, attempt_id, token, position=1, chosen=chosen, base_revision=base,
                    flagged=flagged)  # fmt: skip
    save_answer(client, attempt_id, token, position=2, chosen=[], base_revision=0, flagged=True)
    db_session.rollback()
    attempt = db_session.get(Attempt, attempt_id)
    later = utcnow() + timedelta(minutes=3)
    proctoring.heartbeat(db_session, attempt, later, False)  # 3 minutes silent, then away
    proctoring.heartbeat(db_session, attempt, later + timedelta(seconds=45), True)
    db_session.commit()
    hr = client_for(app, make_user(Role.HR, name="李人事"))
    log_url = f"/exams/attempts/{attempt_id}/log"
    grant = hr.post(
        f"/exams/attempts/{attempt_id}/extra-time",
        data={"csrf_token": csrf_token(hr, log_url), "minutes": "5", "reason": "停电"},
    )
    assert grant.status_code == 302
    html = hr.get(log_url).get_data(as_text=True)
    record = _outside_details(html)
    assert operator.name in record and "开始作答，试卷共 8 题" in record
    assert "打开试卷：Chrome · Windows" in record
    assert "再次打开试卷（刷新或另一标签页）" in record
    assert "在另一浏览器或设备上打开试卷：WeChat · Android" in record
    assert "第 1 题：选择 A" in record and "第 1 题：由 A 改为 B，标记为待检查" in record
    assert "第 1 题：另一标签页的旧答案未保存" in record and "第 2 题，标记为待检查" in record
    assert re.search(r"与服务器失去联系 3 分 0 秒（自 \d\d:\d\d:\d\d 起）", record)
    assert "回到考试页面，离开了 45 秒" in record
    assert "加时 5 分 0 秒：停电（李人事）" in record
    summary = record[record.index("概况") :]
    assert "作答 1 / 8 题，改答 1 次" in summary and "在另外 1 个浏览器或设备上打开" in summary
    # what a proctor does not need stays folded away
    for raw in ("agent=", "Mozilla/5.0", "revision=", "position=", "started", str(attempt.seed)):
        assert raw not in record, raw
    technical = html[html.index('<details data-testid="technical"') :]
    assert str(attempt.seed) in technical and "agent=Mozilla/5.0" in technical
    assert "按种子重建试卷核对" in technical


def test_the_record_of_a_finished_attempt_links_its_result(
    client: FlaskClient, login_as, make_user, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    attempt = make_attempt(db_session, make_exam(), make_user(Role.OPERATOR).id, "overdue", "key")
    login_as(Role.HR)
    client.get(f"/exams/attempts/{attempt.id}/result")  # grades the overdue attempt
    html = client.get(f"/exams/attempts/{attempt.id}/log").get_data(as_text=True)
    assert "考试时间到，系统按已保存的答案自动交卷，得分 100.0%" in _outside_details(html)
    assert f'href="/exams/attempts/{attempt.id}/result" data-testid="result-link"' in html


def test_devices_are_named_from_their_user_agents() -> None:
    assert device_of(WINDOWS_CHROME) == "Chrome · Windows"
    assert device_of(ANDROID_WECHAT) == "WeChat · Android"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    assert device_of(iphone) == "Safari · iOS"
    assert device_of("curl/8.0") == "curl/8.0"
