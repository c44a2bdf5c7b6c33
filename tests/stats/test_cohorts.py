"""Cohorts: HR creates, renames and deletes them, adds members by 工号 (all or none), imports a
member file after a dry run that names unknown 工号 by row (nothing half done), and a saved
filter's members are resolved on the day (position, unit subtree, hire dates, a valid
certificate of a level)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.stats import cohorts
from exam_app.stats.cohorts import CohortSpec, Criteria
from exam_app.stats.models import Cohort, CohortKind, CohortMember
from exam_app.tracking import history
from tests import bombs
from tests.factories import load_bank, make_attempt, make_exam, make_org_tree, make_user
from tests.web import client_for, csrf_from


def _people(session: Session) -> tuple[dict[str, OrgUnit], User, list[User]]:
    units = make_org_tree(session)
    hr = make_user(session, Role.HR, employee_no="H7001")
    people = [
        make_user(session, employee_no="O7001", org_unit=units["GD-GZ-TH"], position="客服代表"),
        make_user(session, employee_no="O7002", org_unit=units["GD-GZ-YX"], position="客服代表"),
        make_user(session, employee_no="O7003", org_unit=units["GX-NN-QX"], position="班长"),
    ]
    return units, hr, people


def _members(session: Session, cohort_id: int) -> set[int]:
    session.commit()  # a fresh snapshot: the app's requests commit in sessions of their own
    query = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
    return set(session.scalars(query))


def test_create_rename_delete_and_names_are_unique(db_session: Session) -> None:
    _units, hr, _people_ = _people(db_session)
    now = utcnow()
    made = cohorts.create_cohort(
        db_session, CohortSpec(" 2026 年第一期 ", CohortKind.TRAINING_CLASS), hr.id, now
    )
    assert made.name == "2026 年第一期"
    with pytest.raises(DomainError, match="同名"):
        cohorts.create_cohort(db_session, CohortSpec("2026 年第一期", CohortKind.LIST), hr.id, now)
    spec = CohortSpec("第一期（改）", CohortKind.LIST, description="说明")
    renamed = cohorts.update_cohort(db_session, made.id, spec, hr.id, now)
    assert (renamed.name, renamed.kind, renamed.description) == (
        "第一期（改）",
        CohortKind.TRAINING_CLASS,
        "说明",
    ), "the kind stays"
    assert cohorts.delete_cohort(db_session, made.id, hr.id, now) == "第一期（改）"
    assert db_session.get(Cohort, made.id) is None


def test_adding_by_employee_no_is_all_or_nothing(db_session: Session) -> None:
    _units, hr, people = _people(db_session)
    cohort = cohorts.create_cohort(db_session, CohortSpec("名单", CohortKind.LIST), hr.id, utcnow())
    with pytest.raises(DomainError, match="NOPE"):
        cohorts.add_members(db_session, cohort.id, "O7001, NOPE", hr.id, utcnow())
    assert _members(db_session, cohort.id) == set()
    assert cohorts.add_members(db_session, cohort.id, "o7001\nO7002，O7001", hr.id, utcnow()) == 2
    assert cohorts.add_members(db_session, cohort.id, "O7002 O7003", hr.id, utcnow()) == 1
    cohorts.remove_member(db_session, cohort.id, people[0].id, hr.id, utcnow())
    assert _members(db_session, cohort.id) == {people[1].id, people[2].id}
    assert cohorts.members(db_session, cohort, date.today()) == {people[1].id, people[2].id}


def test_a_saved_filter_has_no_list(db_session: Session) -> None:
    _units, hr, _people_ = _people(db_session)
    saved = cohorts.create_cohort(
        db_session, CohortSpec("筛选", CohortKind.FILTER), hr.id, utcnow()
    )
    with pytest.raises(DomainError, match="按条件"):
        cohorts.add_members(db_session, saved.id, "O7001", hr.id, utcnow())


def test_a_saved_filter_resolves_position_unit_and_hire_dates(db_session: Session) -> None:
    units, hr, people = _people(db_session)
    today, now = date(2026, 6, 1), utcnow()
    for person, hired in zip(
        people, (date(2024, 3, 1), date(2025, 7, 1), date(2025, 8, 1)), strict=True
    ):
        history.hire(db_session, person.id, hired, person.position, person.org_unit_id, hr.id, now)
    db_session.commit()

    def who(**criteria: object) -> set[int]:
        return set(cohorts.filter_members(db_session, Criteria(**criteria), today))  # type: ignore[arg-type]

    a, b, c = (p.id for p in people)
    assert who(position="客服代表") == {a, b}
    assert who(unit_id=units["GD-GZ"].id) == {a, b}, "a unit with its subtree"
    assert who(unit_id=units["GX"].id) == {c}
    assert who(hired_from=date(2025, 1, 1)) == {b, c}
    assert who(hired_from=date(2025, 1, 1), hired_to=date(2025, 7, 31), position="客服代表") == {b}
    with pytest.raises(DomainError):
        cohorts.create_cohort(
            db_session,
            CohortSpec(
                "反了",
                CohortKind.FILTER,
                criteria=Criteria(hired_from=today, hired_to=date(2020, 1, 1)),
            ),
            hr.id,
            now,
        )


@pytest.mark.usefixtures("cert_settings")
def test_a_saved_filter_by_level_counts_valid_certificates(app: Flask, db_session: Session) -> None:
    _units, hr, people = _people(db_session)
    load_bank(db_session)
    exam = make_exam(db_session, certificate_months=36)
    with app.app_context():
        make_attempt(db_session, exam, people[0], "submitted", "key")
        make_attempt(db_session, exam, people[1], "submitted", "wrong")
    today = utcnow().astimezone(DISPLAY_TZ).date()  # certificates are dated in Beijing
    found = cohorts.filter_members(db_session, Criteria(level="intermediate"), today)
    assert found == {people[0].id}
    assert cohorts.filter_members(db_session, Criteria(level="senior"), today) == frozenset()
    later = today + timedelta(days=4000)
    assert cohorts.filter_members(db_session, Criteria(level="intermediate"), later) == frozenset()


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client: FlaskClient, cohort_id: int, data: bytes, name: str) -> tuple[int, str]:
    page = client.get(f"/stats/cohorts/{cohort_id}").text
    response = client.post(
        f"/stats/cohorts/{cohort_id}/import",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    return response.status_code, response.text


def test_a_member_file_is_checked_first_then_taken_whole(app: Flask, db_session: Session) -> None:
    _units, hr, people = _people(db_session)
    cohort = cohorts.create_cohort(
        db_session, CohortSpec("导入班", CohortKind.HIRING_BATCH), hr.id, utcnow()
    )
    db_session.commit()
    client = client_for(app, hr)
    bad = _xlsx(
        [["姓名", "工号"], ["甲", "O7001"], ["?", "X0404"], ["乙", "o7002"], ["", ""], ["丙", ""]]
    )
    status, html = _upload(client, cohort.id, bad, "members.xlsx")
    assert status == 422
    assert 'data-row="3"' in html and "X0404" in html, "the unknown 工号 on its row"
    assert 'data-row="6"' in html, "a row without a 工号"
    assert _members(db_session, cohort.id) == set(), "nothing is added by a dry run"

    good = "工号,姓名\r\nO7001,甲\r\no7002,乙\r\n".encode("gbk")
    status, html = _upload(client, cohort.id, good, "members.csv")
    assert status == 200 and 'data-testid="plan-ok"' in html
    found = re.search(r'action="(/stats/cohorts/\d+/import/\d+/confirm)"', html)
    assert found
    confirm, token = found.group(1), csrf_from(html)
    done = client.post(confirm, data={"csrf_token": token}, follow_redirects=True)
    assert "新加入 2 人" in done.text
    assert _members(db_session, cohort.id) == {people[0].id, people[1].id}
    again = client.post(confirm, data={"csrf_token": token}, follow_redirects=True)
    assert "已导入" not in again.text, "a staged file is taken once"


def test_a_member_file_over_the_limits_is_refused_before_reading(
    app: Flask, db_session: Session
) -> None:
    _units, hr, _people_ = _people(db_session)
    cohort = cohorts.create_cohort(db_session, CohortSpec("炸弹", CohortKind.LIST), hr.id, utcnow())
    db_session.commit()
    status, html = _upload(client_for(app, hr), cohort.id, bombs.sheet_naming(), "bomb.xlsx")
    assert status == 422 and 'class="problem"' in html


def test_cohort_pages_need_csrf_and_hr(app: Flask, db_session: Session) -> None:
    _units, hr, _people_ = _people(db_session)
    trainer = make_user(db_session, Role.TRAINER, employee_no="T7001")
    client = client_for(app, hr)
    page = client.get("/stats/cohorts").text
    assert client.post("/stats/cohorts", data={"name": "x", "kind": "list"}).status_code == 400
    made = client.post(
        "/stats/cohorts",
        data={"csrf_token": csrf_from(page), "name": "网页新建", "kind": "list", "unit_id": "0"},
    )
    assert made.status_code == 302
    cohort = db_session.scalar(select(Cohort).where(Cohort.name == "网页新建"))
    assert cohort is not None and cohort.kind is CohortKind.LIST
    page = client.get(f"/stats/cohorts/{cohort.id}").text
    added = client.post(
        f"/stats/cohorts/{cohort.id}/members",
        data={"csrf_token": csrf_from(page), "employee_nos": "O7001 O7003"},
        follow_redirects=True,
    )
    assert "已加入 2 人" in added.text
    other = client_for(app, trainer)
    assert other.get(f"/stats/cohorts/{cohort.id}").status_code == 403
    deleted = client.post(
        f"/stats/cohorts/{cohort.id}/delete", data={"csrf_token": csrf_from(page)}
    )
    db_session.commit()
    gone = db_session.scalar(select(Cohort.id).where(Cohort.id == cohort.id))
    assert deleted.status_code == 302 and gone is None


def test_the_edit_form_renames_and_changes_a_filter(app: Flask, db_session: Session) -> None:
    units, hr, people = _people(db_session)
    listed = cohorts.create_cohort(
        db_session, CohortSpec("名单甲", CohortKind.LIST), hr.id, utcnow()
    )
    saved = cohorts.create_cohort(
        db_session, CohortSpec("筛选乙", CohortKind.FILTER), hr.id, utcnow()
    )
    db_session.commit()
    client = client_for(app, hr)
    page = client.get(f"/stats/cohorts/{listed.id}").text
    assert 'name="position"' not in page, "a list has no filter fields"
    renamed = client.post(
        f"/stats/cohorts/{listed.id}", data={"csrf_token": csrf_from(page), "name": "名单丙"}
    )
    assert renamed.status_code == 302
    page = client.get(f"/stats/cohorts/{saved.id}").text
    changed = client.post(
        f"/stats/cohorts/{saved.id}",
        data={
            "csrf_token": csrf_from(page),
            "name": "筛选乙",
            "unit_id": str(units["GX"].id),
            "level": "",
        },
        follow_redirects=True,
    )
    assert "今天符合条件的人员：1 人" in changed.text
    db_session.commit()
    db_session.expire_all()
    names = set(db_session.scalars(select(Cohort.name)))
    assert names == {"名单丙", "筛选乙"}
    assert cohorts.members(db_session, db_session.get(Cohort, saved.id), date.today()) == {
        people[2].id
    }  # type: ignore[arg-type]
