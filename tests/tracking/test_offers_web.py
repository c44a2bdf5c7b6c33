"""The exams page offers first the certification a person's requirement calls for, with the
requirement and its date beside it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.db import utcnow
from exam_app.exams.models import ExamMode
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history, requirements
from exam_app.tracking.requirements import VersionSpec
from tests.factories import load_bank, make_exam, make_org_tree, make_user
from tests.web import client_for


def test_the_required_certification_comes_first(app: Flask, db_session: Session) -> None:
    now = utcnow()
    today = now.astimezone(DISPLAY_TZ).date()
    hall = make_org_tree(db_session)["GD-GZ-TH"]
    hr = make_user(db_session, Role.HR)
    operator = make_user(db_session, name="张三")
    with app.app_context():
        load_bank(db_session)
        practice = make_exam(db_session, ExamMode.PRACTICE, title="中级工练习")
        certification = make_exam(db_session, title="中级工认证")
        assert practice.id < certification.id  # listed first without a requirement
        requirements.create_requirement(
            db_session,
            "客服代表持中级工证",
            VersionSpec(today - timedelta(days=400), "intermediate", ("客服代表",)),
            hr.id,
            now,
        )
        history.hire(
            db_session, operator.id, today - timedelta(days=300), "客服代表", hall.id, hr.id, now
        )
        db_session.commit()
    html = client_for(app, operator).get("/exams/").get_data(as_text=True)
    assert html.index("中级工认证") < html.index("中级工练习")
    assert 'data-testid="required-exam"' in html
    assert "培训要求「客服代表持中级工证」：自" in html and "起逾期" in html
