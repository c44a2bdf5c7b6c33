"""HR defines a requirement and adds a version with a later effective date over HTTP; the
versions are kept, and the board answers each date with the version in force on it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.db import utcnow
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking.models import Requirement, RequirementVersion
from tests.factories import make_org_tree, make_user
from tests.web import client_for, csrf_token

NAME = "营业厅客服代表持中级工证"


def _form(token: str, effective: date, **extra: object) -> dict[str, object]:
    return {
        "csrf_token": token,
        "effective_from": effective.isoformat(),
        "level": "intermediate",
        "kind": "certificate",
        "positions": "客服代表\n客服专员",
        "grace_days": "90",
        "grace_from": "hire",
        "renewal_window_days": "60",
        "return_after_absence_days": "",
        **extra,
    }


def test_hr_creates_a_requirement_and_adds_a_dated_version(app: Flask, db_session: Session) -> None:
    region = make_org_tree(db_session)["GD-GZ"]
    hr = client_for(app, make_user(db_session, Role.HR))
    today = utcnow().astimezone(DISPLAY_TZ).date()
    start = today - timedelta(days=365)
    token = csrf_token(hr, "/tracking/requirements")
    created = hr.post(
        "/tracking/requirements", data=_form(token, start, name=NAME, unit_ids=[str(region.id)])
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    requirement = db_session.scalar(select(Requirement).where(Requirement.name == NAME))
    assert requirement is not None
    assert created.headers["Location"].endswith(f"/tracking/requirements/{requirement.id}")

    again = hr.post("/tracking/requirements", data=_form(token, start, name=NAME))
    assert again.status_code == 200 and "已有同名的培训要求" in again.get_data(as_text=True)
    assert len(db_session.scalars(select(Requirement)).all()) == 1

    page = f"/tracking/requirements/{requirement.id}"
    backdated = hr.post(page, data=_form(csrf_token(hr, page), today - timedelta(days=1)))
    assert "修改的生效日期不能早于今天" in backdated.get_data(as_text=True)
    later = today + timedelta(days=30)
    added = hr.post(page, data=_form(csrf_token(hr, page), later, level="senior"))
    assert added.status_code == 302, added.get_data(as_text=True)
    db_session.commit()  # a fresh read
    versions = db_session.scalars(
        select(RequirementVersion)
        .where(RequirementVersion.requirement_id == requirement.id)
        .order_by(RequirementVersion.effective_from)
    ).all()
    assert [(v.effective_from, v.level) for v in versions] == [
        (start, "intermediate"),
        (later, "senior"),
    ]
    assert versions[0].unit_ids == [region.id]
    assert versions[0].positions == ["客服专员", "客服代表"]
    assert versions[1].unit_ids is None and versions[1].renewal_window_days == 60
    html = hr.get(page).get_data(as_text=True)
    assert html.count("data-version=") == 2 and "高级工" in html and "广州供电局" in html

    listing = hr.get("/tracking/requirements").get_data(as_text=True)
    row = re.search(rf'data-requirement="{requirement.id}">(.*?)</tr>', listing, re.S)
    assert row and start.isoformat() in row.group(1) and "中级工" in row.group(1)


def test_a_version_the_service_refuses_is_not_stored(app: Flask, db_session: Session) -> None:
    hr = client_for(app, make_user(db_session, Role.HR))
    token = csrf_token(hr, "/tracking/requirements")
    response = hr.post(
        "/tracking/requirements",
        data=_form(token, date(2026, 1, 1), name="  ", level="nonsense"),
    )
    assert response.status_code == 200  # the form again, with its errors
    assert db_session.scalars(select(Requirement)).all() == []
    operator = client_for(app, make_user(db_session))
    assert operator.get("/tracking/requirements").status_code == 403
