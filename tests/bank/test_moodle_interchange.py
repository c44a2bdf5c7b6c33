"""Moodle files through the real CLI and the bank: unsupported types reported, good ones imported,
unknown encodings refused, and bank → GIFT/XML/Aiken → bank gives the same items."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank import importing
from exam_app.bank.importers import read_file
from exam_app.bank.models import ItemVersion
from tests.factories import import_text

DATA = Path(__file__).parent / "data" / "moodle"
DOC = """1.供电企业应在（ ）个工作日内答复客户投诉。
A、3B、5C、7D、10
正确答案:B
2.客户服务渠道包括（ ）。
A、电话B、营业厅C、网上D、传真机房
正确答案:ABC
3.营业厅应设置周界报警装置。
正确答案:对
"""


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("sample.gift", "gift"), ("sample.xml", "moodle-xml"), ("sample_aiken.txt", "aiken")],
)
def test_cli_dry_run_reports_skipped_questions_with_lines(runner, name: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["bank", "import", str(DATA / name), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["items"], "the good questions are read"
    for skipped in report["skipped"]:
        assert skipped["line"] >= 1 and skipped["message"]
    explicit = runner.invoke(
        args=["bank", "import", str(DATA / name), "--dry-run", "--json", "--format", fmt]
    )
    assert json.loads(explicit.output)["summary"] == report["summary"]


def test_gift_unsupported_types_are_named(runner) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(
        runner.invoke(
            args=["bank", "import", str(DATA / "sample.gift"), "--dry-run", "--json"]
        ).output
    )
    kinds = {s["kind"] for s in report["skipped"] if s["code"] == "unsupported_type"}
    assert {"essay", "matching", "numerical"} <= kinds


def test_an_unknown_encoding_is_refused(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cp1252.gift"
    path.write_bytes("::Q1:: Café crème {=oui ~non}".encode("cp1252"))
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output and "GB18030" in result.output


@pytest.mark.parametrize("ending", ["gift", "xml", "csv", "xlsx"])
def test_bank_export_reimports_as_the_same_items(
    client: FlaskClient, login_as, db_session, ending: str
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.TRAINER)
    import_text(db_session, DOC, "d.txt")
    exported = client.get(f"/bank/export.{ending}")
    assert exported.status_code == 200
    again = read_file(exported.data, f"export.{ending}")
    stored = db_session.scalars(select(ItemVersion).order_by(ItemVersion.item_id)).all()
    assert [(i.type, i.stem, [o.text for o in i.options], list(i.answer)) for i in again.items] == [
        (v.type, v.stem, [o["text"] for o in v.options], v.answer) for v in stored
    ]
    assert importing.check_against_bank(db_session, again).summary()["duplicates"] == 3


def test_aiken_export_holds_only_single_choice(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    """The two others are no longer dropped silently: the download is a zip with a report."""
    login_as(Role.TRAINER)
    import_text(db_session, DOC, "d.txt")
    response = client.get("/bank/export.aiken")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    again = read_file(archive.read("question_bank.aiken"), "export.aiken")
    assert [i.stem for i in again.items] == ["供电企业应在（ ）个工作日内答复客户投诉。"]
    report = archive.read("export_report.txt").decode("utf-8-sig")
    assert "已导出 1 题，未导出 2 题" in report and "Aiken 格式只能导出单选题" in report


def test_a_file_with_grades_moodle_refuses_is_not_imported(runner) -> None:  # type: ignore[no-untyped-def]
    path = DATA.parent / "moodle_invalid_grades.xml"
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 1
    assert "得分不合规的题 x > 1 & x < 2" in result.output and "Grades (33)" in result.output
    assert "简答题的得分" in result.output and "Grades (45)" in result.output


def test_aiken_errors_are_reported_in_moodles_words_by_the_cli(runner) -> None:  # type: ignore[no-untyped-def]
    path = DATA.parent / "aiken_errors.txt"
    result = runner.invoke(args=["bank", "import", str(path), "--dry-run", "--json"])
    report = json.loads(result.output)
    assert report["summary"]["total"] == 3 and report["summary"]["skipped"] == 4
    messages = [s["message"] for s in report["skipped"]]
    assert any("Question not started on line 7" in m for m in messages)
    assert all(i["answer"] in (["A"], ["B"]) for i in report["items"])
