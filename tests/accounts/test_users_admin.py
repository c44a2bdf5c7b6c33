"""Admin pages: create, edit, deactivate, reset; org units keep their tree."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts import services
from exam_app.accounts.models import OrgKind, OrgUnit, Role
from exam_app.errors import DomainError
from tests.web import client_for, csrf_token, login


def _post(client: FlaskClient, url: str, form_url: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_token(client, form_url), **data})


def test_admin_creates_a_user_who_must_change_the_shown_password(
    client: FlaskClient, login_as, app: Flask
) -> None:
    login_as(Role.ADMIN)
    response = _post(
        client,
        "/accounts/users/new",
        "/accounts/users/new",
        employee_no="GZ100",
        name="新员工",
        org_unit_id="0",
        position="受理员",
        roles=["operator", "trainer"],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "只显示这一次" in page
    temp = re.search(r'data-testid="temporary-password">([^<]+)<', page).group(1)
    newcomer = app.test_client()
    assert login(newcomer, "GZ100", temp).status_code == 302
    assert newcomer.get("/").headers["Location"] == "/accounts/password"


def test_duplicate_employee_number_is_refused_on_the_field(client: FlaskClient, login_as) -> None:
    admin = login_as(Role.ADMIN)
    response = _post(
        client,
        "/accounts/users/new",
        "/accounts/users/new",
        employee_no=admin.employee_no,
        name="重复",
        org_unit_id="0",
        roles=["hr"],
    )
    assert response.status_code == 200
    assert f"工号 {admin.employee_no} 已存在" in response.get_data(as_text=True)


def test_deactivating_signs_the_user_out_everywhere(
    app: Flask, client: FlaskClient, login_as, make_user
) -> None:
    login_as(Role.ADMIN)
    operator = make_user(Role.OPERATOR)
    operator_client = client_for(app, operator)
    assert operator_client.get("/").status_code == 200
    url = f"/accounts/users/{operator.id}/edit"
    _post(client, f"/accounts/users/{operator.id}/active", url, active="0")
    assert operator_client.get("/").status_code == 302
    assert login(operator_client, operator.employee_no).status_code == 401


def test_admin_cannot_deactivate_or_demote_themselves(client: FlaskClient, login_as) -> None:
    admin = login_as(Role.ADMIN)
    url = f"/accounts/users/{admin.id}/edit"
    response = _post(client, f"/accounts/users/{admin.id}/active", url, active="0")
    assert "不能停用自己的账号" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = _post(client, url, url, name=admin.name, org_unit_id="0", roles=["hr"])
    assert "不能撤销自己的管理员角色" in response.get_data(as_text=True)
    assert client.get("/accounts/users").status_code == 200


def test_reset_password_replaces_the_old_one(
    app: Flask, client: FlaskClient, login_as, make_user
) -> None:
    login_as(Role.ADMIN)
    operator = make_user()
    url = f"/accounts/users/{operator.id}/edit"
    page = _post(client, f"/accounts/users/{operator.id}/reset-password", url).get_data(
        as_text=True
    )
    temp = re.search(r'data-testid="temporary-password">([^<]+)<', page).group(1)
    other = app.test_client()
    assert login(other, operator.employee_no).status_code == 401
    assert login(other, operator.employee_no, temp).status_code == 302


def test_user_text_is_escaped(client: FlaskClient, login_as, make_user) -> None:
    login_as(Role.ADMIN)
    make_user(name="<script>alert(1)</script>")
    page = client.get("/accounts/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_org_tree_levels_and_cycles_are_enforced(db_session) -> None:  # type: ignore[no-untyped-def]
    def save(unit, code, kind, parent):  # type: ignore[no-untyped-def]
        return services.save_org_unit(
            db_session, unit, code=code, name=code, kind=kind, parent=parent, actor_id=None
        )

    grid = save(None, "CSG", OrgKind.GRID, None)
    sub = save(None, "GD", OrgKind.SUBSIDIARY, grid)
    with pytest.raises(DomainError, match="上级单位类型不正确"):
        save(None, "TEAM", OrgKind.TEAM, sub)  # a team sits under a bureau, not a subsidiary
    with pytest.raises(DomainError, match="已存在"):
        save(None, "GD", OrgKind.SUBSIDIARY, grid)
    bureau = save(None, "GZ", OrgKind.BUREAU, sub)
    assert bureau.path == "CSG/GD/GZ"
    assert [u.code for _, u in services.org_tree(db_session)] == ["CSG", "GD", "GZ"]


def test_org_unit_form_creates_a_unit(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.ADMIN)
    response = _post(
        client,
        "/accounts/org-units/new",
        "/accounts/org-units/new",
        code="CSG",
        name="中国南方电网",
        kind="grid",
        parent_id="0",
    )
    assert response.status_code == 302
    assert db_session.scalar(select(OrgUnit.name).where(OrgUnit.code == "CSG")) == "中国南方电网"
    assert "中国南方电网" in client.get("/accounts/org-units").get_data(as_text=True)
