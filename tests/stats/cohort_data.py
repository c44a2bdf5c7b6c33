"""A small data set for the cohort statistics, built through the real grading path (sheets are
written by the ``attempt_graded`` subscriber), with figures worked out by hand.

One certification (4 single choice at 1 point, 2 multiple at 2, 2 true/false at 1: 10 points;
pass mark 60 %); the single-choice items are 电费电价, the others 业扩报装.

========  ======  =========================  ==========  ================
person    hall    when                       score       电费电价 / 业扩报装
========  ======  =========================  ==========  ================
alice     天河     ``earlier`` (40 days ago)  100 pass    100 / 100
bob       天河     ``earlier``                0 fail      0 / 0
bob       天河     ``recent`` (a minute ago)  100 pass    100 / 100
carol     越秀     ``recent``                 40 fail     0 / 66.67
dave      越秀     ``recent``                 100 pass    100 / 100
erin      天河     1 January last year        100 pass    (outside the last 12 months)
========  ======  =========================  ==========  ================

First attempt per person (the default), last 12 months: 天河 2 candidates, 2 attempts, pass
rate 50 %, mean 50, median 50, SD 70.71 (sample), histogram one in 0–10 and one in 90–100;
越秀 2 and 2, pass rate 50 %, mean 70, median 70, SD 42.43. Every attempt: 天河 3 attempts, pass
rate 66.67 %, mean 66.67.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.exams import attempts
from exam_app.exams.models import Exam
from exam_app.i18n import DISPLAY_TZ
from tests.factories import (
    answer_with_key,
    load_bank,
    make_attempt,
    make_exam,
    make_org_tree,
    make_user,
)


@dataclass
class Cohorts:
    units: dict[str, OrgUnit]
    exam: Exam
    hr: User
    trainer: User
    supervisor: User  #: of 天河
    operator: User
    people: dict[str, User]
    fees: int  #: 电费电价's id
    connect: int  #: 业扩报装's id


def build(app: Flask, session: Session) -> Cohorts:
    now = utcnow()
    units = make_org_tree(session)
    th, yx = units["GD-GZ-TH"], units["GD-GZ-YX"]
    hr = make_user(session, Role.HR, name="人资", employee_no="H8001")
    trainer = make_user(session, Role.TRAINER, name="培训师", employee_no="T8001")
    supervisor = make_user(
        session, Role.SUPERVISOR, name="天河主管", employee_no="S8001", org_unit=th
    )
    people = {
        "alice": make_user(
            session, name="甲", employee_no="O8001", org_unit=th, position="客服代表"
        ),
        "bob": make_user(session, name="乙", employee_no="O8002", org_unit=th, position="客服代表"),
        "carol": make_user(
            session, name="丙", employee_no="O8003", org_unit=yx, position="客服代表"
        ),
        "dave": make_user(session, name="丁", employee_no="O8004", org_unit=yx, position="班长"),
        "erin": make_user(
            session, name="戊", employee_no="O8005", org_unit=th, position="客服代表"
        ),
    }
    operator = make_user(session, name="旁人", employee_no="O8009", org_unit=yx)
    load_bank(session)
    fees, _ = ensure_category(session, "电费电价")
    connect, _ = ensure_category(session, "业扩报装")
    for item in session.scalars(select(Item)):
        item.category = fees if item.current.type == "single" else connect
    session.commit()
    exam = make_exam(
        session, title="中级工认证", opens_at=now - timedelta(days=800), pass_percent=60.0
    )
    earlier, recent = now - timedelta(days=40), now - timedelta(minutes=1)
    today = now.astimezone(DISPLAY_TZ).date()
    last_year = datetime.combine(
        today.replace(year=today.year - 1, month=1, day=1), time(12), DISPLAY_TZ
    )
    with app.app_context():
        make_attempt(session, exam, people["alice"], "submitted", "key", now=earlier)
        make_attempt(session, exam, people["bob"], "submitted", "wrong", now=earlier)
        make_attempt(session, exam, people["bob"], "submitted", "key", now=recent)
        carol = make_attempt(session, exam, people["carol"], "in_progress", now=recent)
        answer_with_key(session, carol, wrong_rules={"r1", "r3"}, now=recent)  # 4 of 10
        attempts.submit_attempt(session, carol, recent)
        session.commit()
        make_attempt(session, exam, people["dave"], "submitted", "key", now=recent)
        make_attempt(session, exam, people["erin"], "submitted", "key", now=last_year)
    return Cohorts(units, exam, hr, trainer, supervisor, operator, people, fees.id, connect.id)
