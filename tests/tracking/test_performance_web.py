"""The performance page over HTTP with real attempts graded through the services: the trend's
percentages, mastery per category (a score-only certification left out, an ungraded attempt
ignored), the weak area and its practice button, the certificate, no key on the page, and who
may open whose page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.exams import attempts, regrade
from exam_app.exams.models import Attempt, AttemptItem, ExamMode, ReviewPolicy
from exam_app.tracking import performance
from exam_app.tracking.progress import Mastery
from tests.factories import (
    answer_with_key,
    change_key,
    load_bank,
    make_attempt,
    make_exam,
    make_org_tree,
    make_user,
)
from tests.web import client_for

pytestmark = pytest.mark.usefixtures("cert_settings")


@dataclass
class World:
    units: dict[str, OrgUnit]
    alice: User  # the operator in the hall
    fees: int  # 电费电价: the single-choice items
    connect: int  # 业扩报装: the others
    attempts: list[int]  # alice's graded attempts, in order


@pytest.fixture
def world(app: Flask, db_session: Session) -> World:
    units = make_org_tree(db_session)
    alice = make_user(db_session, name="甲一", org_unit=units["GD-GZ-TH"])
    load_bank(db_session)
    fees, _ = ensure_category(db_session, "电费电价")
    connect, _ = ensure_category(db_session, "业扩报装")
    for item in db_session.scalars(select(Item)):
        item.category = fees if item.current.type == "single" else connect
    db_session.commit()
    # 4 single (1 point each), 2 multiple (2), 2 true/false (1): 10 points
    practice = make_exam(db_session, ExamMode.PRACTICE)
    hidden = make_exam(db_session, review_policy=ReviewPolicy.SCORE_ONLY, title="只看分数的考试")
    certifying = make_exam(db_session, certificate_months=36, title="中级工认证")
    done = []
    with app.app_context():  # the graded signal issues the certificate with the app's settings
        first = make_attempt(db_session, practice, alice, "in_progress")
        answer_with_key(db_session, first, wrong_rules={"r1"})  # singles wrong: 6 of 10
        attempts.submit_attempt(db_session, first, utcnow())
        db_session.commit()
        done.append(first.id)
        done.append(make_attempt(db_session, hidden, alice, "submitted", "wrong").id)
        done.append(make_attempt(db_session, practice, alice, "submitted", "key").id)
        done.append(make_attempt(db_session, certifying, alice, "submitted", "key").id)
        make_attempt(db_session, practice, alice, "in_progress", "wrong")  # not graded
    return World(units, alice, fees.id, connect.id, done)


def _percent(html: str, testid: str, key: str, value: int) -> str:
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-{key}="{value}"', 1)[1].split("</tr>", 1)[0]
    return re.search(r'data-percent="([^"]+)"', row).group(1)  # type: ignore[union-attr]


def test_the_operator_sees_trend_mastery_weak_areas_and_certificate(
    app: Flask, db_session: Session, world: World
) -> None:
    client = client_for(app, world.alice)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tracking/me"' in home
    response = client.get("/tracking/me")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="trend-chart"' in html and 'data-testid="mastery-chart"' in html
    assert html.count('class="score-point') == 4, "four graded attempts; the running one is not"
    got = [_percent(html, "trend-table", "attempt", a) for a in world.attempts]
    assert got == ["60.0", "0.0", "100.0", "100.0"]
    assert "只看分数的考试" in html and "未通过" in html
    # 电费电价: 4 wrong + 4 right in practice, 4 right in the certification (8 of 12); the
    # score-only certification's answers are not told by category
    assert _percent(html, "mastery-table", "category", world.fees) == "66.7"
    assert _percent(html, "mastery-table", "category", world.connect) == "100.0"
    fees_row = html.split(f'<tr data-category="{world.fees}">', 1)[1].split("</tr>", 1)[0]
    assert "<td>12</td><td>8</td>" in fees_row
    weak = html.split('data-testid="weak-areas"', 1)[1].split("</section>", 1)[0]
    assert "电费电价" in weak and "业扩报装" not in weak
    assert f'name="category_id" value="{world.fees}"' in weak
    assert 'action="/exams/practice/weakest"' in weak and "csrf_token" in weak
    certs = html.split('data-testid="performance-certificates"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"\d{4}-\d{6}", certs) and "中级工" in certs
    assert "解析秘文" not in html and "正确答案" not in html, "only aggregates, never a key"

    # the weak area's button starts practice of that category
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', weak)
    assert token is not None
    started = client.post(
        "/exams/practice/weakest",
        data={"csrf_token": token.group(1), "category_id": str(world.fees)},
    )
    assert started.status_code == 302
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))  # type: ignore[union-attr]
    db_session.rollback()
    paper = db_session.get(Attempt, attempt_id)
    assert paper is not None and paper.id not in world.attempts
    assert {db_session.get(Item, i.item_id).category_id for i in paper.items} == {world.fees}  # type: ignore[union-attr]


def test_a_new_operator_sees_empty_sections(app: Flask, db_session: Session) -> None:
    someone = make_user(db_session, name="新人")
    html = client_for(app, someone).get("/tracking/me").get_data(as_text=True)
    assert "还没有已评分的练习或考试。" in html and "还没有可统计的答题。" in html
    assert "<svg" not in html


def test_who_may_open_whose_page(app: Flask, db_session: Session, world: World) -> None:
    units = world.units
    url = f"/tracking/people/{world.alice.id}/performance"
    allowed = {
        "trainer": make_user(db_session, Role.TRAINER),
        "hr": make_user(db_session, Role.HR),
        "admin": make_user(db_session, Role.ADMIN),
        "hall supervisor": make_user(db_session, Role.SUPERVISOR, org_unit=units["GD-GZ-TH"]),
        "region supervisor": make_user(db_session, Role.SUPERVISOR, org_unit=units["GD-GZ"]),
    }
    refused = {
        "other operator": make_user(db_session, name="乙二", org_unit=units["GD-GZ-TH"]),
        "the operator themself (has /tracking/me)": world.alice,
        "supervisor elsewhere": make_user(db_session, Role.SUPERVISOR, org_unit=units["GX-NN-QX"]),
        "supervisor without a unit": make_user(db_session, Role.SUPERVISOR),
    }
    for who, user in allowed.items():
        response = client_for(app, user).get(url)
        assert response.status_code == 200, who
        html = response.get_data(as_text=True)
        assert "成绩分析：甲一" in html, who
        assert 'name="category_id"' not in html, "only the person themself practises"
        assert _percent(html, "mastery-table", "category", world.fees) == "66.7"
    for who, user in refused.items():
        assert client_for(app, user).get(url).status_code == 403, who
    hr = client_for(app, allowed["hr"])
    assert hr.get("/tracking/people/999999/performance").status_code == 404
    assert client_for(app, world.alice).get("/tracking/me").status_code == 200
    db_session.rollback()
    assert db_session.scalar(select(Attempt.id).where(Attempt.user_id == allowed["hr"].id)) is None


def test_a_regrade_moves_the_trend_and_the_mastery(
    app: Flask, db_session: Session, world: World
) -> None:
    trainer = make_user(db_session, Role.TRAINER)
    last = db_session.get(Attempt, world.attempts[-1])
    assert last is not None
    single = next(i for i in last.items if i.rule_key == "r1")  # a 电费电价 item, answered right
    counted = [world.attempts[0], *world.attempts[2:]]  # not the score-only certification

    def right_on_it() -> int:
        """The counted answers to that item that earn full points (a shuffled wrong answer
        elsewhere may become right under the new key)."""
        db_session.expire_all()
        found = db_session.scalars(
            select(AttemptItem).where(
                AttemptItem.item_id == single.item_id, AttemptItem.attempt_id.in_(counted)
            )
        )
        return sum(i.earned == i.points for i in found)

    with app.app_context():
        right_before = right_on_it()
        before = performance.performance(db_session, world.alice.id, utcnow())
        item = db_session.get(Item, single.item_id)
        assert item is not None
        change_key(db_session, item, trainer.id)
        regrade.apply(db_session, item, trainer.id, "原答案有误", utcnow())
        db_session.commit()
        right_after = right_on_it()
        after = performance.performance(db_session, world.alice.id, utcnow())
    assert before is not None and after is not None

    def fees(p: performance.Performance) -> Mastery:
        return next(c.mastery for c in p.mastery if c.mastery.category_id == world.fees)

    assert fees(after).answers == fees(before).answers
    assert fees(after).correct - fees(before).correct == right_after - right_before
    assert db_session.get(AttemptItem, (last.id, single.position)).earned == 0  # type: ignore[union-attr]
    assert (before.trend[-1].percent, before.trend[-1].passed) == (100.0, True)
    assert after.trend[-1].percent < 100.0


def _history_links(html: str) -> list[str]:
    history = html.split('data-testid="history"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/exams/attempts/(\d+)/result"', history)


def test_the_history_is_here_and_links_to_results_for_those_who_may_read_them(
    app: Flask, db_session: Session, world: World
) -> None:
    """Issue 17.5: the exams page keeps the latest results and sends to this page for all of
    them; here each links to its result page where that page would open for the reader."""
    alice = client_for(app, world.alice)
    exams = alice.get("/exams/").get_data(as_text=True)
    recent = exams.split('data-testid="recent-results"', 1)[1].split("</section>", 1)[0]
    assert 'href="/tracking/me#history"' in recent
    assert recent.count('/result"') == len(world.attempts)  # four, under the five kept there
    nav = exams.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/tracking/me"' in nav, "operators reach their results from the navigation"

    own = _history_links(alice.get("/tracking/me").get_data(as_text=True))
    assert own == [str(a) for a in reversed(world.attempts)], "newest first, every graded one"
    for a in own:
        assert alice.get(f"/exams/attempts/{a}/result").status_code == 200
    url = f"/tracking/people/{world.alice.id}/performance"
    hr = client_for(app, make_user(db_session, Role.HR))
    assert _history_links(hr.get(url).get_data(as_text=True)) == own
    assert hr.get(f"/exams/attempts/{own[0]}/result").status_code == 200
    trainer = client_for(app, make_user(db_session, Role.TRAINER))
    page = trainer.get(url).get_data(as_text=True)
    assert _history_links(page) == [] and "中级工认证" in page, "listed, not linked"
    assert trainer.get(f"/exams/attempts/{own[0]}/result").status_code == 403


def test_the_exams_page_keeps_only_the_latest_results(app: Flask, db_session: Session) -> None:
    load_bank(db_session)
    practice = make_exam(db_session, ExamMode.PRACTICE, max_attempts=None)
    bob = make_user(db_session, name="丙三")
    made = [make_attempt(db_session, practice, bob, "submitted", "key").id for _ in range(7)]
    exams = client_for(app, bob).get("/exams/").get_data(as_text=True)
    recent = exams.split('data-testid="recent-results"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'href="/exams/attempts/(\d+)/result"', recent)
    assert shown == [str(a) for a in reversed(made[-5:])]
    page = client_for(app, bob).get("/tracking/me").get_data(as_text=True)
    assert len(_history_links(page)) == 7
