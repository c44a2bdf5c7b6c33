"""Bank pages over HTTP: the editor form, bulk actions with confirmation, category management."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank import categories
from exam_app.bank.models import Exposure, Item, ItemEventKind, ItemStatus
from tests.factories import make_item
from tests.web import csrf_from, csrf_token


def test_editor_form_creates_a_multiple_choice_item(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    response = client.post(
        "/bank/items/new",
        data={
            "csrf_token": csrf_token(client, "/bank/items/new"),
            "type": "multiple",
            "stem": "受理渠道包括（ ）。",
            "options-0-text": "电话",
            "options-0-correct": "y",
            "options-1-text": "营业厅",
            "options-1-correct": "y",
            "options-2-text": "报纸",
            "options-3-text": "",
            "category_id": "0",
            "level": "intermediate",
            "difficulty": "2",
            "tags": "渠道，受理",
        },
    )
    assert response.status_code == 302
    item = db_session.scalars(select(Item)).one()
    assert item.current.answer == ["A", "B"] and item.current.tags == ["渠道", "受理"]
    assert [o["text"] for o in item.current.options] == ["电话", "营业厅", "报纸"]


def test_editor_refuses_with_every_problem_and_keeps_the_input(
    client: FlaskClient, login_as
) -> None:
    login_as(Role.TRAINER)
    response = client.post(
        "/bank/items/new",
        data={
            "csrf_token": csrf_token(client, "/bank/items/new"),
            "type": "judge",
            "stem": "带选项的判断题。",
            "options-0-text": "对",
            "category_id": "0",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "判断题不需要选项" in page and "是“正确”还是“错误”" in page
    assert "带选项的判断题。" in page


def test_bulk_submit_confirms_the_count_then_applies(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    ids = [make_item(db_session, author.id).id for _ in range(3)]
    token = csrf_token(client, "/bank/")
    confirm = client.post(
        "/bank/bulk",
        data={"csrf_token": token, "action": "submit", "scope": "selected", "ids": ids[:2]},
    )
    page = confirm.get_data(as_text=True)
    assert "将修改 2 道试题" in page
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    assert {i.status for i in db_session.scalars(select(Item))} == {ItemStatus.DRAFT}
    digest = re.search(r'name="digest" value="([^"]+)"', page).group(1)
    done = client.post(
        "/bank/bulk/apply",
        data={
            "csrf_token": csrf_from(page),
            "action": "submit",
            "scope": "selected",
            "ids": ids[:2],
            "digest": digest,
        },
    )
    assert done.status_code == 302
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    statuses = dict(db_session.execute(select(Item.id, Item.status)).all())
    assert [statuses[i] for i in ids] == ["in_review", "in_review", "draft"]


def test_bulk_on_the_whole_filter_explains_refusals(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    for _ in range(2):
        make_item(db_session, author.id)
    page = client.post(
        "/bank/bulk",
        data={
            "csrf_token": csrf_token(client, "/bank/"),
            "action": "approve",
            "scope": "filter",
            "filter_args_query": "status=draft",
        },
    ).get_data(as_text=True)
    assert "将修改 0 道试题" in page and "另有 2 道试题不能修改" in page
    assert "bulk/apply" not in page


def test_stale_confirmation_is_refused(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    ids = [make_item(db_session, author.id).id for _ in range(2)]
    response = client.post(
        "/bank/bulk/apply",
        data={
            "csrf_token": csrf_token(client, "/bank/"),
            "action": "retire",
            "scope": "selected",
            "ids": ids,
            "digest": "not-what-was-shown",
        },
    )
    assert response.status_code == 409
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    assert {i.status for i in db_session.scalars(select(Item))} == {ItemStatus.DRAFT}


def test_category_pages_rename_move_and_merge(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    old, _ = categories.ensure_category(db_session, "旧分类")
    new, _ = categories.ensure_category(db_session, "业扩报装")
    item_id = make_item(
        db_session, author.id, stem="判断。", judge_true=False, category_id=old.id
    ).id
    url = f"/bank/categories/{old.id}"
    client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "name": "变更用电",
            "parent_id": str(new.id),
            "submit": "y",
        },
    )
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    assert db_session.get(Item, item_id).category.path == "业扩报装/变更用电"
    client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "merge-target_id": str(new.id),
            "merge-submit": "y",
        },
    )
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    assert db_session.get(Item, item_id).category.path == "业扩报装"
    assert "1" in client.get("/bank/categories").get_data(as_text=True)


def test_operator_cannot_open_the_editor(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    assert client.get("/bank/items/new").status_code == 403


def test_the_editor_sets_the_exposure_without_a_new_version(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    item_id = make_item(db_session, author.id, stem="仅用于认证的判断题。").id
    url = f"/bank/items/{item_id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'name="exposure"' in form and "仅认证考试" in form
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(form),
            "type": "judge",
            "stem": "仅用于认证的判断题。",
            "judge_answer": "A",
            "category_id": "0",
            "exposure": "certification",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    item = db_session.get(Item, item_id)
    assert item.exposure == Exposure.CERTIFICATION and len(item.versions) == 1
    assert item.events[-1].kind == ItemEventKind.EXPOSE
    page = client.get(f"/bank/items/{item_id}").get_data(as_text=True)
    assert "仅认证考试（保密）" in page and "改适用范围" in page
    listed = client.get("/bank/?exposure=certification").get_data(as_text=True)
    assert f'href="/bank/items/{item_id}"' in listed
    assert f'href="/bank/items/{item_id}"' not in client.get("/bank/?exposure=both").get_data(
        as_text=True
    )


def test_bulk_exposure_confirms_the_count_then_applies(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    ids = [make_item(db_session, author.id).id for _ in range(3)]
    data = {"action": "expose", "exposure": "certification", "scope": "selected", "ids": ids[:2]}
    page = client.post(
        "/bank/bulk", data={**data, "csrf_token": csrf_token(client, "/bank/")}
    ).get_data(as_text=True)
    assert "将修改 2 道试题" in page and "适用范围改为：仅认证考试（保密）" in page
    digest = re.search(r'name="digest" value="([^"]+)"', page).group(1)
    done = client.post(
        "/bank/bulk/apply", data={**data, "csrf_token": csrf_from(page), "digest": digest}
    )
    assert done.status_code == 302
    db_session.rollback()
    db_session.expire_all()  # see what the request committed
    exposures = dict(db_session.execute(select(Item.id, Item.exposure)).all())
    assert [exposures[i] for i in ids] == ["certification", "certification", "both"]
    again = client.post(
        "/bank/bulk", data={**data, "csrf_token": csrf_token(client, "/bank/")}
    ).get_data(as_text=True)
    assert "将修改 0 道试题" in again, "already certification-only: nothing to change"
    bad = client.post(
        "/bank/bulk", data={**data, "exposure": "x", "csrf_token": csrf_token(client, "/bank/")}
    )
    assert bad.status_code == 400
