"""Importing into the bank: all or nothing, idempotent, duplicates, review drafts, CLI, web."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from exam_app.accounts.models import Role
from exam_app.bank import importing
from exam_app.bank.categories import ensure_category
from exam_app.bank.importers import read_file
from exam_app.bank.models import Item, ItemStatus, ItemVersion, Level
from exam_app.core.models import StagedUpload
from exam_app.errors import DomainError
from tests import bombs
from tests.factories import import_text
from tests.seed import SEED
from tests.web import csrf_from, csrf_token

DOC = """用电客户受理员-中级工练习题
一、单选题
1.供电企业应在()内答复。
A、3天B、5天C、7天D、10天
正确答案:B
2.居民生活用电执行()电价。
A、居民B、商业C、工业D、农业
3.配电变压器不宜过负荷运行，最大负荷电流不宜低于额定电流的()%。
二、判断题
1.电费违约金从逾期之日起计算。
答案:对
"""


def _count(session, model=Item) -> int:  # type: ignore[no-untyped-def]
    session.rollback()  # see other sessions' commits (SQLite keeps a snapshot per transaction)
    return session.scalar(select(func.count()).select_from(model)) or 0


def _import(session, text: str = DOC, name: str = "doc.txt", **opts):  # type: ignore[no-untyped-def]
    return import_text(session, text, name, **opts)


def test_complete_items_import_and_incomplete_ones_become_review_drafts(db_session) -> None:  # type: ignore[no-untyped-def]
    batch = _import(db_session, publish=True)
    assert batch.summary["created"] == 4
    items = db_session.scalars(select(Item).order_by(Item.id)).all()
    states = [(i.current.stem[:6], i.status, i.needs_review, i.current.answer) for i in items]
    assert states == [
        ("供电企业应在", ItemStatus.PUBLISHED, False, ["B"]),
        ("居民生活用电", ItemStatus.DRAFT, True, []),  # no answer: never guessed
        ("配电变压器不", ItemStatus.DRAFT, True, []),  # cut off
        ("电费违约金从", ItemStatus.PUBLISHED, False, ["A"]),
    ]
    assert items[0].current.level == Level.INTERMEDIATE  # from the document's title


def test_an_import_is_stamped_with_the_time_it_is_given(db_session) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    data = DOC.encode("utf-8")
    batch = importing.import_result(
        db_session,
        read_file(data, "doc.txt"),
        importing.ImportOptions(),
        data=data,
        user_id=None,
        now=at,
    )
    db_session.commit()
    db_session.expire_all()
    items = db_session.scalars(select(Item)).all()
    assert batch.imported_at == at and len(items) == 4
    assert {(i.created_at, i.updated_at, i.current.created_at) for i in items} == {(at, at, at)}


def test_same_file_twice_changes_nothing(db_session) -> None:  # type: ignore[no-untyped-def]
    _import(db_session)
    before = (_count(db_session), _count(db_session, ItemVersion))
    second = _import(db_session)
    assert second.summary["created"] == 0 and second.summary["duplicates"] == 4
    assert (_count(db_session), _count(db_session, ItemVersion)) == before


def test_same_question_with_options_reordered_is_a_bank_duplicate(db_session) -> None:  # type: ignore[no-untyped-def]
    _import(db_session)
    shuffled = "1.供电企业应在（ ）内答复。\nA、10天B、7天C、5天D、3天\n答案：C\n"
    result = importing.check_against_bank(db_session, read_file(shuffled.encode(), "x.txt"))
    item = result.items[0]
    assert item.duplicate_of == {
        "source": "bank",
        "id": db_session.scalars(select(Item.id)).first(),
    }
    assert [p.code for p in item.problems] == ["duplicate_in_bank"]


def test_a_failure_midway_leaves_nothing(db_session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = importing.version_values
    calls = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "version_values", failing)
    with pytest.raises(RuntimeError):
        _import(db_session)
    db_session.rollback()
    assert _count(db_session) == 0 and _count(db_session, ItemVersion) == 0


def test_unknown_default_category_is_refused_before_anything_is_stored(db_session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match="分类“不存在的分类”不存在"):
        _import(db_session, category="不存在的分类")
    db_session.rollback()
    assert _count(db_session) == 0


def test_options_give_level_and_category_only_where_the_file_is_silent(db_session) -> None:  # type: ignore[no-untyped-def]
    ensure_category(db_session, "电费电价/电价政策")
    _import(db_session, "1.题干()。\nA、甲B、乙\n答案:A\n", level="高级工", category="电价政策")
    version = db_session.scalars(select(ItemVersion)).one()
    assert version.level == Level.SENIOR and version.item.category.path == "电费电价/电价政策"


def test_versions_are_immutable(db_session) -> None:  # type: ignore[no-untyped-def]
    _import(db_session)
    version = db_session.scalars(select(ItemVersion)).first()
    version.stem = "改过的题干"
    with pytest.raises(ValueError, match="immutable"):
        db_session.flush()


def test_cli_dry_run_json_reports_the_seed_file(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["bank", "import", str(SEED), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"] == {
        "total": 44,
        "ready": 37,
        "needs_review": 6,
        "duplicates": 1,
        "problems": 7,
        "skipped": 0,
    }
    first = report["items"][0]
    assert set(first) >= {
        "number",
        "line",
        "type",
        "stem",
        "options",
        "answer",
        "status",
        "problems",
        "duplicate_of",
    }
    assert (first["number"], first["line"], first["answer"]) == (1, 98, ["A"])
    assert first["stem"].startswith("10千伏及以下")
    problems = {
        (i["source"], i["number"]): [p["code"] for p in i["problems"]]
        for i in report["items"]
        if i["problems"]
    }
    exam, mock = "用电客户受理员-中级工考试题及答案", "用电客户受理员-高级工模拟题"
    mid, senior = "用电客户受理员-中级工习题库含参考答案", "用电客户受理员高级工习题库+参考答案"
    assert problems == {
        (exam, 9): ["cut_off"],
        (mock, 11): ["cut_off"],
        (mid, 10): ["no_answer"],
        (mid, 12): ["cut_off"],
        (senior, 10): ["duplicate_in_file"],
        (senior, 11): ["option_sequence"],
        (senior, 12): ["cut_off"],
    }
    assert runner.invoke(args=["bank", "import", str(SEED), "--dry-run"]).exit_code == 0


def test_cli_import_then_again_is_idempotent(runner, db_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "doc.txt"
    path.write_text(DOC, "utf-8")
    first = runner.invoke(args=["bank", "import", str(path), "--review", "--json"])
    assert json.loads(first.output)["summary"]["created"] == 4
    second = runner.invoke(args=["bank", "import", str(path), "--json"])
    assert json.loads(second.output)["summary"]["created"] == 0
    assert _count(db_session) == 4


def test_cli_refuses_an_unreadable_file(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0binary")
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1 and ".docx" in result.output


def test_shipped_bank_loads_and_reloads_without_change(runner, db_session) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    count = _count(db_session)
    assert count >= 40
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    assert _count(db_session) == count


def _upload(client: FlaskClient, data: bytes, name: str, **fields):  # type: ignore[no-untyped-def]
    return client.post(
        "/bank/import",
        data={
            "csrf_token": csrf_token(client, "/bank/import"),
            "file": (io.BytesIO(data), name),
            "level": "",
            "category_id": "0",
            **fields,
        },
        content_type="multipart/form-data",
    )


def test_web_upload_shows_the_report_then_imports_on_confirm(
    client: FlaskClient,
    login_as,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    trainer = login_as(Role.TRAINER)
    response = _upload(client, DOC.encode(), "doc.txt", review="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "共 4 题" in page and "完整 2" in page and "待完善 2" in page
    assert page.count('class="problem"') == 2 and "缺少选项" in page
    assert _count(db_session) == 0, "the dry run stores nothing"
    confirm = page.split('action="/bank/import/')[1].split('"')[0]
    done = client.post(f"/bank/import/{confirm}", data={"csrf_token": csrf_from(page)})
    assert "已导入 4 题" in done.get_data(as_text=True)
    assert _count(db_session) == 4
    # Complete items wait for a second trainer; nothing imported on the web is published.
    assert "供电企业应在" not in client.get("/bank/?status=published").get_data(as_text=True)
    listing = client.get("/bank/?status=in_review").get_data(as_text=True)
    assert "供电企业应在" in listing and "居民生活用电" not in listing
    items = db_session.scalars(select(Item).where(Item.status == ItemStatus.IN_REVIEW)).all()
    assert len(items) == 2 and {i.current.created_by_id for i in items} == {trainer.id}


def test_web_refuses_a_file_it_cannot_read(client: FlaskClient, login_as) -> None:
    login_as(Role.TRAINER)
    response = _upload(client, b"\x00\x01binary", "x.txt")
    assert response.status_code == 422 and "不是可读的文本文件" in response.get_data(as_text=True)


def test_export_then_import_round_trips(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    _import(db_session)
    exported = client.get("/bank/export.xlsx").data
    again = read_file(exported, "export.xlsx")
    stored = db_session.scalars(select(ItemVersion).order_by(ItemVersion.item_id)).all()
    assert [(i.stem, [o.text for o in i.options], list(i.answer)) for i in again.items] == [
        (v.stem, [o["text"] for o in v.options], v.answer) for v in stored
    ]
    assert importing.check_against_bank(db_session, again).summary()["duplicates"] == 4


def test_search_finds_chinese_substrings_in_stem_and_options(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    _import(db_session)
    assert "供电企业应在" in client.get("/bank/?q=答复").get_data(as_text=True)
    by_option = client.get("/bank/?q=商业").get_data(as_text=True)
    assert "居民生活用电" in by_option and "供电企业应在" not in by_option


@pytest.mark.parametrize(
    ("name", "build", "fragment"),
    [
        ("bomb.xlsx", lambda: bombs.deflate_bomb(), "解压后超过 50 MB 的上限"),
        ("bomb.docx", lambda: bombs.word_document(padding=60 * bombs.MiB), "解压后超过 50 MB"),
        ("long.csv", lambda: b"\n" * 100_001, "超过 100,000 行的上限"),
    ],
    ids=["xlsx deflate bomb", "docx deflate bomb", "csv of blank lines"],
)
def test_web_refuses_a_bomb_with_the_limit_and_stores_nothing(
    client: FlaskClient,
    login_as,
    db_session,  # type: ignore[no-untyped-def]
    name: str,
    build,  # type: ignore[no-untyped-def]
    fragment: str,
) -> None:
    login_as(Role.TRAINER)
    started = time.perf_counter()
    response = _upload(client, build(), name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "无法导入此文件" in page
    assert fragment in page and f"文件“{name}”" in page
    assert time.perf_counter() - started < 5
    assert _count(db_session, StagedUpload) == 0 and _count(db_session) == 0


def test_web_upload_shows_where_every_line_went(client: FlaskClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    text = (
        "某公司题库\n一、单选题\n1.热线是（ ）。\n某公司题库\nA、95598\nB、12345\n答案：A\n"
        "某公司题库\n2.电费应按（ ）交纳。\nwww.example.com\nA、月\nB、年\n答案：A\n某公司题库\n"
    )
    page = _upload(client, text.encode(), "pdf.txt").get_data(as_text=True)
    assert "文件读取情况" in page and "有需要核对的地方" in page
    assert "页眉页脚（重复行）：3" in page
    assert "未读取的行 1 行" in page and "<td>10</td><td>www.example.com</td>" in page
    assert "一、单选题：1–2，读到 2 题；没有缺号" in page


def test_cli_dry_run_json_carries_the_read_report(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bank.txt"
    path.write_text(
        "一、单选题（共 3 题）\n1.热线是（ ）。A、95598 B、12345 答案：A\n", encoding="utf-8"
    )
    result = runner.invoke(args=["bank", "import", str(path), "--dry-run", "--json"])
    report = json.loads(result.output)["report"]
    assert report["clean"] is False
    (section,) = report["sections"]
    assert (section["declared"], section["count"], section["first"]) == (3, 1, 1)
    assert "标题写明 3 题，读到 1 题" in section["message"]
