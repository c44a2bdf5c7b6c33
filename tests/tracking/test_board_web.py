"""HR's compliance board over HTTP, with real data made through the services: people in units
under a requirement, a certificate from a passed exam, an exemption; the board's counts for
today and for a past date (what the dated facts said on that day), the drill-down to a unit's
people, the filters, the Excel export, the operators' refusal, and the operator's home page."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.db import utcnow
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history, requirements, spans
from exam_app.tracking.requirements import VersionSpec
from tests.factories import load_bank, make_attempt, make_exam, make_org_tree, make_user
from tests.web import client_for

REP = "客服代表"
STATES = ("overdue", "due_soon", "compliant", "exempt", "not_required")


@dataclass
class World:
    today: date
    past: date
    units: dict[str, OrgUnit]
    requirement_id: int
    hr: User
    alice: User  # hall; passed 400 days ago: compliant today, overdue on the past date
    bob: User  # hall; nothing: overdue since hire + 91 days
    dave: User  # the other hall; exempt from 10 days ago for 100 days
    erin: User  # hall; hired 30 days ago: due in 60 days
    carol: User  # another region: not required


def _moment(day: date) -> datetime:
    """10:00 in Beijing on ``day``."""
    return datetime.combine(day, time(10), tzinfo=DISPLAY_TZ).astimezone(UTC)


@pytest.fixture(params=["from_facts", "from_spans"])
def world(app: Flask, db_session: Session, request: pytest.FixtureRequest) -> World:
    """Every board test runs twice: computed from the facts, and read from status spans built
    for everyone (the answer must be the same)."""
    now = utcnow()
    today = now.astimezone(DISPLAY_TZ).date()
    units = make_org_tree(db_session)
    hall, other_hall, region = units["GD-GZ-TH"], units["GD-GZ-YX"], units["GD-GZ"]
    hr = make_user(db_session, Role.HR, name="人资")
    alice, bob, dave, erin, carol = (
        make_user(db_session, name=n) for n in ("甲一", "乙二", "丁四", "戊五", "丙三")
    )
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    with app.app_context():  # services' messages and the graded signal use the app
        requirement = requirements.create_requirement(
            db_session,
            "营业厅客服代表持中级工证",
            VersionSpec(
                effective_from=d(1100),
                level="intermediate",
                positions=(REP,),
                unit_ids=(region.id,),
                renewal_window_days=60,
            ),
            hr.id,
            now,
        )
        for person, hired, unit in (
            (alice, d(730), hall),
            (bob, d(730), hall),
            (dave, d(730), other_hall),
            (erin, d(30), hall),
            (carol, d(730), units["GX-NN-QX"]),
        ):
            history.hire(db_session, person.id, hired, REP, unit.id, hr.id, now)
        requirements.exempt(
            db_session,
            requirement.id,
            dave.id,
            d(10),
            today + timedelta(days=100),
            "借调",
            hr.id,
            now,
        )
        db_session.commit()
        load_bank(db_session)
        passed_at = _moment(d(400))
        exam = make_exam(
            db_session,
            certificate_months=36,
            pass_percent=60,
            opens_at=passed_at - timedelta(hours=1),
            closes_at=passed_at + timedelta(days=1),
        )
        make_attempt(db_session, exam, alice, "submitted", "key", now=passed_at)
    db_session.commit()
    if request.param == "from_spans":
        spans.rebuild(db_session, now)
        assert spans.fresh(db_session) == {requirement.id}
    else:
        assert spans.fresh(db_session) == set()
    return World(today, d(500), units, requirement.id, hr, alice, bob, dave, erin, carol)


def _tree(html: str) -> dict[int, dict[str, int]]:
    """The board's table: each unit's counts by status."""
    out: dict[int, dict[str, int]] = {}
    for unit, body in re.findall(r'<tr data-unit="(\d+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td data-state="(\w+)">(\d+)</td>', body)
        out[int(unit)] = {state: int(n) for state, n in cells}
    return out


def _counts(**given: int) -> dict[str, int]:
    return {state: given.get(state, 0) for state in STATES}


def _people(html: str) -> dict[int, str]:
    return {int(u): s for u, s in re.findall(r'<tr data-user="(\d+)" data-state="(\w+)">', html)}


def test_the_board_counts_every_status_per_unit_today(app: Flask, world: World) -> None:
    hr = client_for(app, world.hr)
    page = hr.get("/tracking/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world.today.isoformat() in html
    tree = _tree(html)
    u = world.units
    assert tree[u["CSG"].id] == _counts(
        overdue=1, due_soon=1, compliant=1, exempt=1, not_required=1
    )
    assert tree[u["GD-GZ"].id] == _counts(overdue=1, due_soon=1, compliant=1, exempt=1)
    assert tree[u["GD-GZ-TH"].id] == _counts(overdue=1, due_soon=1, compliant=1)
    assert tree[u["GD-GZ-YX"].id] == _counts(exempt=1)
    assert tree[u["GX-NN-QX"].id] == _counts(not_required=1)
    assert 'class="st-overdue"' in html  # the bar's segments
    assert 'data-testid="people"' not in html  # no unit chosen yet


def test_the_board_for_a_past_date_is_what_the_facts_said_then(app: Flask, world: World) -> None:
    hr = client_for(app, world.hr)
    html = hr.get(f"/tracking/?on={world.past.isoformat()}").get_data(as_text=True)
    tree = _tree(html)
    u = world.units
    # 500 days ago: alice had not passed yet (past her 90 days), dave was not exempt yet,
    # erin was not hired yet
    assert tree[u["CSG"].id] == _counts(overdue=3, not_required=1)
    assert tree[u["GD-GZ-TH"].id] == _counts(overdue=2)
    assert tree[u["GD-GZ-YX"].id] == _counts(overdue=1)
    drill = hr.get(f"/tracking/?on={world.past.isoformat()}&unit_id={u['GD-GZ'].id}")
    people = _people(drill.get_data(as_text=True))
    assert people == {world.alice.id: "overdue", world.bob.id: "overdue", world.dave.id: "overdue"}
    since = world.today - timedelta(days=730 - 91)
    assert f"自 {since.isoformat()} 起逾期" in drill.get_data(as_text=True)


def test_drill_down_lists_the_units_people_with_their_status(app: Flask, world: World) -> None:
    hr = client_for(app, world.hr)
    hall = world.units["GD-GZ-TH"]
    html = hr.get(f"/tracking/?unit_id={hall.id}").get_data(as_text=True)
    assert _people(html) == {
        world.bob.id: "overdue",
        world.erin.id: "due_soon",
        world.alice.id: "compliant",
    }
    assert list(_people(html)) == [world.bob.id, world.erin.id, world.alice.id]  # worst first
    assert "乙二" in html and "营业厅客服代表持中级工证" in html
    since = world.today - timedelta(days=730 - 91)
    assert f"自 {since.isoformat()} 起逾期" in html
    assert f"须在 {(world.today + timedelta(days=60)).isoformat()} 前" in html
    # the tree below the chosen unit only
    assert set(_tree(html)) == {hall.id}


def test_filters_narrow_the_people(app: Flask, world: World) -> None:
    hr = client_for(app, world.hr)

    def people(query: str) -> dict[int, str]:
        return _people(hr.get(f"/tracking/?{query}").get_data(as_text=True))

    assert people("status=overdue") == {world.bob.id: "overdue"}
    assert people("due_within=90") == {world.erin.id: "due_soon"}
    assert people("due_within=3650") == {world.erin.id: "due_soon", world.alice.id: "compliant"}
    assert people("status=exempt&position=" + REP) == {world.dave.id: "exempt"}
    assert people("level=senior&status=overdue") == {}
    assert len(people("level=intermediate")) == 5
    assert people(f"requirement_id={world.requirement_id}&status=not_required") == {
        world.carol.id: "not_required"
    }
    # nonsense is ignored, not an error
    assert hr.get("/tracking/?on=yesterday&unit_id=x&due_within=-3&status=zzz").status_code == 200
    assert hr.get("/tracking/?unit_id=99999999999&on=9999-12-31&due_within=9").status_code == 200


def test_the_export_holds_every_person_as_of_the_date(app: Flask, world: World) -> None:
    hr = client_for(app, world.hr)
    response = hr.get("/tracking/?export=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "工号", "单位")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"甲一", "乙二", "丁四", "戊五", "丙三"}
    assert by_name["乙二"][2] == "天河营业厅" and by_name["乙二"][6] == "已逾期"
    assert by_name["乙二"][8].date() == world.today - timedelta(days=730 - 91)
    assert by_name["戊五"][6] == "即将到期"
    assert by_name["戊五"][7].date() == world.today + timedelta(days=60)
    assert by_name["丁四"][6] == "豁免"

    past = hr.get(f"/tracking/?export=xlsx&on={world.past.isoformat()}&status=overdue")
    rows = list(load_workbook(io.BytesIO(past.data)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert sorted(row[0] for row in rows[1:]) == sorted(["甲一", "乙二", "丁四"])


def test_operators_may_not_open_the_board(app: Flask, world: World) -> None:
    operator = client_for(app, world.bob)
    assert operator.get("/tracking/").status_code == 403
    assert operator.get("/tracking/?export=xlsx").status_code == 403


def test_the_operator_home_shows_their_requirements_and_deadlines(app: Flask, world: World) -> None:
    erin: FlaskClient = client_for(app, world.erin)
    html = erin.get("/").get_data(as_text=True)
    assert "我的培训要求" in html
    card = html[html.index('data-testid="my-requirements"') :]
    assert "营业厅客服代表持中级工证" in card and "即将到期" in card
    assert (world.today + timedelta(days=60)).isoformat() in card
    bob = client_for(app, world.bob).get("/").get_data(as_text=True)
    assert "已逾期" in bob
    carol = client_for(app, world.carol).get("/").get_data(as_text=True)
    assert "我的培训要求" not in carol  # nothing is asked of her


def test_the_twelve_month_chart_counts_each_month_end(app: Flask, world: World) -> None:
    """Alice passed 400 days ago on a 36-month certificate: compliant at every month end;
    Bob overdue throughout; Erin due soon only in the months since her hire."""
    html = client_for(app, world.hr).get("/tracking/").get_data(as_text=True)
    rows = re.findall(r'<tr data-month-row="([\d-]+)">(.*?)</tr>', html, re.S)
    assert len(rows) == 12 and rows[-1][0] == world.today.isoformat()
    for day, body in rows:
        on = date.fromisoformat(day)
        cells = {s: int(n) for s, n in re.findall(r'<td data-state="(\w+)">(\d+)</td>', body)}
        erin_hired = on >= world.today - timedelta(days=30)
        dave_exempt = on >= world.today - timedelta(days=10)
        assert cells["compliant"] == 1, day
        assert cells["due_soon"] == (1 if erin_hired else 0), day
        assert cells["overdue"] == (1 if dave_exempt else 2), day  # bob, and dave till exempt
        assert cells["exempt"] == (1 if dave_exempt else 0), day
        assert cells["not_required"] == 1, day  # carol, in another region
    assert len(re.findall(r'<g data-month="', html)) == 12
