"""Publishing always takes a trainer other than the author, in every path (item page, bulk,
import on the web and the command line); the one other way is an exception an administrator
(or the deployment, for the shipped bank) states, recorded in the audit log and the items'
history."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank import importing, review, shipped
from exam_app.bank.importers import read_file
from exam_app.bank.models import Item, ItemEvent, ItemStatus
from exam_app.config import TestConfig
from exam_app.core.models import AuditEvent
from exam_app.db import utcnow
from exam_app.errors import DomainError
from tests.factories import make_item
from tests.web import csrf_from, csrf_token

DOC = """1.供电企业应在()内答复。
A、3天B、5天C、7天D、10天
正确答案:B
2.居民生活用电执行()电价。
A、居民B、商业C、工业D、农业
3.电费违约金从逾期之日起计算。
答案:对
"""


def _fresh(session, model=Item):  # type: ignore[no-untyped-def]
    session.rollback()  # see what requests committed
    session.expire_all()
    return session.scalars(select(model).order_by(model.id)).all()


def _in_review(session, author_id: int) -> Item:  # type: ignore[no-untyped-def]
    item = make_item(session, author_id)
    review.submit(session, item, author_id)
    session.commit()
    return item


def _import(session, options: importing.ImportOptions, user_id: int | None = None):  # type: ignore[no-untyped-def]
    data = DOC.encode()
    batch = importing.import_result(
        session, read_file(data, "doc.txt"), options, data=data, user_id=user_id, now=utcnow()
    )
    session.commit()
    return batch


# ---------------------------------------------------------------- approving


def test_an_administrator_who_is_no_trainer_cannot_approve(db_session, make_user) -> None:  # type: ignore[no-untyped-def]
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    both = make_user(Role.ADMIN, Role.TRAINER)
    item = _in_review(db_session, trainer.id)
    with pytest.raises(review.ReviewRefused, match="只有培训师可以审核发布试题"):
        review.approve(db_session, item, admin.id)
    assert item.status == ItemStatus.IN_REVIEW
    review.approve(db_session, item, both.id)  # an administrator who is also a trainer may
    assert item.status == ItemStatus.PUBLISHED


def test_only_a_trainer_may_press_approve(
    client: FlaskClient, login_as, make_user, db_session
) -> None:  # type: ignore[no-untyped-def]
    item = _in_review(db_session, make_user(Role.TRAINER).id)
    login_as(Role.ADMIN)
    page = client.get(f"/bank/items/{item.id}").get_data(as_text=True)
    assert "审核通过并发布" not in page
    response = client.post(f"/bank/items/{item.id}/approve", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403
    assert _fresh(db_session)[0].status == ItemStatus.IN_REVIEW


def test_bulk_approval_by_an_administrator_changes_nothing(
    client: FlaskClient,
    login_as,
    make_user,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    ids = [_in_review(db_session, make_user(Role.TRAINER).id).id for _ in range(2)]
    login_as(Role.ADMIN)
    form = {"action": "approve", "scope": "selected", "ids": ids}
    page = client.post(
        "/bank/bulk", data={"csrf_token": csrf_token(client, "/bank/"), **form}
    ).get_data(as_text=True)
    assert "将修改 0 道试题" in page and page.count("只有培训师可以审核发布试题") == 2
    assert "/bank/bulk/apply" not in page, "nothing to confirm"
    empty = hashlib.sha256(b"").hexdigest()[:16]  # what a hand-made request would send
    done = client.post(
        "/bank/bulk/apply", data={"csrf_token": csrf_from(page), "digest": empty, **form}
    )
    assert done.status_code == 302
    assert {i.status for i in _fresh(db_session)} == {ItemStatus.IN_REVIEW}


def test_applying_a_plan_checks_the_approver_again(db_session, make_user) -> None:  # type: ignore[no-untyped-def]
    item = _in_review(db_session, make_user(Role.TRAINER).id)
    admin = make_user(Role.ADMIN)
    forged = review.BulkPlan(review.BulkAction.APPROVE, eligible=[item])  # not from plan_bulk
    with pytest.raises(review.ReviewRefused):
        review.apply_bulk(db_session, forged, admin.id)
    assert item.status == ItemStatus.IN_REVIEW


# ---------------------------------------------------------------- importing


def test_an_import_sends_complete_items_to_review_by_another_trainer(db_session, make_user) -> None:  # type: ignore[no-untyped-def]
    importer, other = make_user(Role.TRAINER), make_user(Role.TRAINER)
    _import(db_session, importing.ImportOptions(review=True), user_id=importer.id)
    items = _fresh(db_session)
    assert [i.status for i in items] == ["in_review", "draft", "in_review"]  # 2 has no key
    with pytest.raises(review.ReviewRefused, match="须由另一位培训师审核"):
        review.approve(db_session, items[0], importer.id)
    review.approve(db_session, items[0], other.id)
    assert items[0].status == ItemStatus.PUBLISHED


def test_the_web_import_form_can_no_longer_publish(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.ADMIN)
    import_page = client.get("/bank/import").get_data(as_text=True)
    assert "直接发布" not in import_page and "直接送审" in import_page
    page = client.post(
        "/bank/import",
        data={
            "csrf_token": csrf_from(import_page),
            "file": (io.BytesIO(DOC.encode()), "doc.txt"),
            "level": "",
            "category_id": "0",
            "publish": "y",  # the old field: ignored
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    confirm = page.split('action="/bank/import/')[1].split('"')[0]
    client.post(f"/bank/import/{confirm}", data={"csrf_token": csrf_from(page)})
    assert {i.status for i in _fresh(db_session)} == {ItemStatus.DRAFT}


def test_publishing_without_review_is_an_exception_an_administrator_states(
    db_session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    for granted_by, reason, message in [
        (trainer.id, "已审核", "只有在职的管理员"),
        (admin.id, "  ", "须写明原因"),
    ]:
        exception = importing.PublishException(reason, "cli", granted_by)
        with pytest.raises(DomainError, match=message):
            _import(db_session, importing.ImportOptions(publish=exception))
        db_session.rollback()
    assert _fresh(db_session) == []
    exception = importing.PublishException("省公司已审核的题库", "cli", admin.id)
    batch = _import(db_session, importing.ImportOptions(publish=exception))
    assert [i.status for i in _fresh(db_session)] == ["published", "draft", "published"]
    (logged,) = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.publish_without_review")
    ).all()
    assert (logged.actor_id, logged.target) == (admin.id, f"import_batch:{batch.id}")
    assert logged.detail == {
        "source": "cli",
        "reason": "省公司已审核的题库",
        "file": "doc.txt",
        "published": 2,
    }
    events = _fresh(db_session, ItemEvent)
    assert [(e.kind, e.actor_id) for e in events] == [("approve", admin.id)] * 2
    assert all("省公司已审核的题库" in e.comment and e.version_id for e in events)


def test_the_cli_publishes_only_with_an_administrator_and_a_reason(
    runner,
    make_user,
    db_session,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(DOC, "utf-8")
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    command = ["bank", "import", str(path), "--publish"]
    refused = [
        (command, "--by 工号"),
        ([*command, "--by", admin.employee_no], "--reason"),
        ([*command, "--by", trainer.employee_no, "--reason", "x"], "只有在职的管理员"),
        ([*command, "--by", "NOBODY", "--reason", "x"], "no such user"),
        ([*command[:-1], "--by", admin.employee_no], "go with --publish"),
    ]
    for args, message in refused:
        result = runner.invoke(args=args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    assert _fresh(db_session) == []
    result = runner.invoke(args=[*command, "--by", admin.employee_no, "--reason", "省公司已审核"])
    assert result.exit_code == 0, result.output
    assert [i.status for i in _fresh(db_session)] == ["published", "draft", "published"]
    logged = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.publish_without_review")
    ).one()
    assert logged.actor_id == admin.id and logged.detail["reason"] == "省公司已审核"


def test_the_shipped_bank_is_published_as_a_recorded_exception(db_session) -> None:  # type: ignore[no-untyped-def]
    shipped.load(db_session, Path(TestConfig.QUESTION_BANK_DIR), now=utcnow())
    db_session.commit()
    published = [i for i in _fresh(db_session) if i.status == ItemStatus.PUBLISHED]
    logged = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "bank.publish_without_review")
    ).all()
    assert {e.detail["source"] for e in logged} == {"shipped_bank"}
    assert sum(e.detail["published"] for e in logged) == len(published) > 200
    assert all(e.actor_id is None for e in logged)
    approvals = _fresh(db_session, ItemEvent)
    assert {e.item_id for e in approvals} == {i.id for i in published}
