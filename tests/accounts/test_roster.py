"""Roster import: every bad row reported with its row number and reason; all rows or none."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from exam_app.accounts import roster
from exam_app.accounts.models import OrgKind, Role, User
from exam_app.core.models import StagedUpload
from exam_app.db import utcnow
from tests import bombs
from tests.factories import POLICY, make_org_tree, make_unit
from tests.web import csrf_from, csrf_token, login

GOOD = (
    "工号,姓名,单位,岗位,角色\n"
    "GZ001,张三,天河营业厅,用电客户受理员,受理员\n"
    "GZ002,李四,广东电网公司/广州供电局/越秀营业厅,班长,受理员、培训师\n"
    "NN001,王五,GX-NN-QX,,\n"
)
BAD = (
    "工号,姓名,单位,岗位,角色\n"
    "GZ001,张三,天河营业厅,用电客户受理员,受理员\n"  # row 2: fine
    ",无工号,天河营业厅,,受理员\n"  # row 3
    "GZ001,重复,天河营业厅,,受理员\n"  # row 4
    "GZ 003,空格,天河营业厅,,受理员\n"  # row 5
    "GZ004,,天河营业厅,,受理员\n"  # row 6
    "GZ005,赵六,火星营业厅,,受理员\n"  # row 7
    "GZ006,钱七,天河营业厅,,厨师\n"  # row 8
)


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    return make_org_tree(db_session)


def _plan(db_session, text: str, filename: str = "roster.csv") -> roster.RosterPlan:  # type: ignore[no-untyped-def]
    return roster.plan_roster(db_session, roster.read_roster(text.encode("utf-8"), filename))


def test_good_roster_resolves_units_by_name_path_and_code(db_session, org) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(db_session, GOOD)
    assert plan.ok and plan.actions == {2: "create", 3: "create", 4: "create"}
    created = roster.apply_roster(db_session, plan, POLICY, utcnow(), actor_id=None)
    db_session.commit()
    assert [c.employee_no for c in created] == ["GZ001", "GZ002", "NN001"]
    li = db_session.scalar(select(User).where(User.employee_no == "GZ002"))
    assert li.org_unit.code == "GD-GZ-YX" and li.roles == {Role.OPERATOR, Role.TRAINER}
    wang = db_session.scalar(select(User).where(User.employee_no == "NN001"))
    assert wang.roles == {Role.OPERATOR} and wang.must_change_password


def test_every_bad_row_is_reported_with_row_field_and_reason(db_session, org) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(db_session, BAD)
    assert not plan.ok
    got = [(p.row, p.field) for p in plan.problems]
    assert got == [(3, "工号"), (4, "工号"), (5, "工号"), (6, "姓名"), (7, "单位"), (8, "角色")]
    messages = {p.row: p.message for p in plan.problems}
    assert "第 2 行重复" in messages[4]
    assert "火星营业厅" in messages[7] and "不存在" in messages[7]
    assert "厨师" in messages[8]
    with pytest.raises(ValueError, match="cannot be applied"):
        roster.apply_roster(db_session, plan, POLICY, utcnow(), actor_id=None)


def test_ambiguous_unit_name_asks_for_a_path(db_session, org) -> None:  # type: ignore[no-untyped-def]
    make_unit(db_session, "天河营业厅", OrgKind.TEAM, org["GX-NN"], code="GX-NN-TH")
    plan = _plan(db_session, "工号,姓名,单位\nX1,甲,天河营业厅\n")
    assert "有 2 个单位名为“天河营业厅”" in plan.problems[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("姓名,单位\n张三,天河营业厅\n", "缺少列：工号"),
        ("", "文件是空的"),
        ("工号,姓名,单位\n", "没有数据行"),
    ],
)
def test_file_level_problems(db_session, org, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(db_session, text)
    assert not plan.ok and message in plan.problems[0].message


def test_xlsx_and_gbk_csv_read_the_same(db_session, org) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    for line in GOOD.splitlines():
        wb.active.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    from_xlsx = roster.read_roster(buf.getvalue(), "r.xlsx")
    from_gbk = roster.read_roster(GOOD.encode("gb18030"), "r.csv")
    assert from_xlsx.rows == from_gbk.rows == roster.read_roster(GOOD.encode(), "r.csv").rows


def test_second_run_changes_nothing_and_edits_update(db_session, org) -> None:  # type: ignore[no-untyped-def]
    roster.apply_roster(db_session, _plan(db_session, GOOD), POLICY, utcnow(), actor_id=None)
    db_session.commit()
    assert set(_plan(db_session, GOOD).actions.values()) == {"unchanged"}
    edited = GOOD.replace("王五,GX-NN-QX,,", "王五,GX-NN-QX,班长,受理员;培训师")
    assert _plan(db_session, edited).actions[4] == "update"


def _upload(client: FlaskClient, body: bytes, name: str = "roster.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/roster",
        data={
            "csrf_token": csrf_token(client, "/accounts/roster"),
            "file": (io.BytesIO(body), name),
        },
        content_type="multipart/form-data",
    )


def test_web_dry_run_reports_bad_rows_and_imports_nothing(
    client: FlaskClient,
    login_as,
    org,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    login_as(Role.ADMIN)
    before = db_session.scalar(select(func.count()).select_from(User))
    response = _upload(client, BAD.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "发现 6 个问题" in page and "火星营业厅" in page and 'class="problem"' in page
    assert '/confirm"' not in page, "no confirm button for a roster with problems"
    assert db_session.scalar(select(func.count()).select_from(User)) == before


def test_web_dry_run_then_confirm_imports_all_rows_once(
    client: FlaskClient,
    login_as,
    org,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    login_as(Role.ADMIN)
    page = _upload(client, GOOD.encode()).get_data(as_text=True)
    assert "检查通过：3 行" in page and "将新建 3 人" in page
    assert db_session.scalar(select(func.count()).where(User.employee_no.like("GZ%"))) == 0
    confirm_url = page.split('action="/accounts/roster/')[1].split('"')[0]
    done = client.post(f"/accounts/roster/{confirm_url}", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 200 and "新建 3 人" in done.get_data(as_text=True)
    db_session.rollback()  # end the test's read snapshot to see the request's commit
    assert db_session.scalar(select(func.count()).where(User.employee_no.like("GZ%"))) == 2
    again = client.post(f"/accounts/roster/{confirm_url}", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 404, "a staged upload is used once"


def test_new_account_from_roster_signs_in_with_its_temporary_password(
    client: FlaskClient,
    db_session,
    org,  # type: ignore[no-untyped-def]
) -> None:
    created = roster.apply_roster(db_session, _plan(db_session, GOOD), POLICY, utcnow(), None)
    db_session.commit()
    assert login(client, created[0].employee_no, created[0].temporary_password).status_code == 302
    assert client.get("/").headers["Location"] == "/accounts/password"


@pytest.mark.parametrize(
    ("name", "build", "fragment"),
    [
        ("roster.xlsx", lambda: bombs.deflate_bomb(), "解压后超过 50 MB 的上限"),
        ("roster.csv", lambda: b"\n" * 100_001, "超过 100,000 行的上限"),
        (
            "wide.xlsx",
            lambda: bombs.sheet_naming("A600000"),
            "用到第 600,000 行，超过上限 100,000 行",
        ),
    ],
    ids=["xlsx deflate bomb", "csv of blank lines", "xlsx of 600,000 rows"],
)
def test_web_refuses_a_bomb_with_the_limit_and_stages_nothing(
    client: FlaskClient,
    login_as,
    org,
    db_session,  # type: ignore[no-untyped-def]
    name: str,
    build,  # type: ignore[no-untyped-def]
    fragment: str,
) -> None:
    login_as(Role.ADMIN)
    before = db_session.scalar(select(func.count()).select_from(User))
    started = time.perf_counter()
    response = _upload(client, build(), name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and fragment in page and f"文件“{name}”" in page
    assert time.perf_counter() - started < 5
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(StagedUpload)) == 0
    assert db_session.scalar(select(func.count()).select_from(User)) == before


def test_a_roster_sheet_is_bounded_more_tightly_than_an_item_sheet() -> None:
    """openpyxl reads ~100,000 cells a second: 500,000 is the roster's bound."""
    plan = roster.read_roster(bombs.sheet_naming("F100000"), "r.xlsx")  # 600,000 cells
    assert [p.message for p in plan.problems] == [
        "文件“r.xlsx”的工作表有 600,000 个单元格（行数×列数），超过上限 500,000 个，未读取。"
    ]


def test_parse_date_reads_the_ways_rosters_write_dates() -> None:
    for text in (
        "2024-03-01",
        "2024/3/1",
        "2024.03.01",
        "2024年3月1日",
        "20240301",
        "2024-03-01 00:00:00",
    ):
        assert roster.parse_date(text) == date(2024, 3, 1), text
    for text in ("2024-13-01", "2024-02-30", "01/03/2024", "3月1日", "1800-01-01", "x"):
        with pytest.raises(ValueError, match=r"\S"):
            roster.parse_date(text)
