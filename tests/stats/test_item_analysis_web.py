"""Item analysis as trainers and HR read it: the exam's page, one item's distractors, the bank
item pooled, its flag in the bank list and on its review page, the exports; never operators."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.db import get_session
from exam_app.exams.models import Exam
from exam_app.stats.models import ItemFigures
from tests.stats.item_data import CANDIDATES, build_flagged, too_easy_item
from tests.web import csrf_token


@pytest.fixture
def analysed(app: Flask, make_user: Callable[..., User]) -> Exam:
    return build_flagged(app, [make_user() for _ in range(CANDIDATES)])


def _too_easy(app: Flask) -> int:
    return too_easy_item(app)


def test_a_trainer_meets_the_flagged_item_in_the_bank(
    app: Flask, client: FlaskClient, analysed: Exam, login_as: Callable[..., User]
) -> None:
    item_id = _too_easy(app)
    login_as(Role.TRAINER)
    listing = client.get("/bank/?flagged=1").get_data(as_text=True)
    assert f'href="/bank/items/{item_id}"' in listing and 'data-flag="too_easy"' in listing
    assert "n = 32" in listing
    review = client.get(f"/bank/items/{item_id}").get_data(as_text=True)
    assert (
        'data-testid="item-flags"' in review
        and f"/stats/exams/{analysed.id}/items/{item_id}" in review
    )


def test_the_exam_page_shows_the_figures_and_when(
    client: FlaskClient, analysed: Exam, login_as: Callable[..., User], app: Flask
) -> None:
    login_as(Role.HR)
    page = client.get(f"/stats/exams/{analysed.id}").get_data(as_text=True)
    assert 'data-testid="computed-at"' in page and "计入 32 次作答" in page
    assert page.count('class="flagged"') >= 12
    item_id = _too_easy(app)
    detail = client.get(f"/stats/exams/{analysed.id}/items/{item_id}").get_data(as_text=True)
    assert 'data-testid="distractors"' in detail and 'class="key"' in detail
    pooled = client.get(f"/stats/items/{item_id}").get_data(as_text=True)
    assert "too_easy" in pooled


def test_the_workbook_holds_the_tables_and_native_charts(
    app: Flask, client: FlaskClient, analysed: Exam, login_as: Callable[..., User]
) -> None:
    with app.app_context():
        used = len(get_session().scalars(select(ItemFigures)).all())
    login_as(Role.TRAINER)
    response = client.get(f"/stats/exams/{analysed.id}?export=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["整卷", "分数分布", "逐题", "选项分析"]
    items = book["逐题"]
    assert items.max_row == 1 + used  # a row per item any paper held
    assert book["分数分布"]._charts and items._charts
    test = {row[0].value: row[1].value for row in book["整卷"].iter_rows(min_row=3)}
    assert test["人数"] == CANDIDATES


@pytest.mark.parametrize("path", ["/stats/", "/stats/exams/{exam}", "/stats/outside"])
def test_operators_are_refused(
    client: FlaskClient, analysed: Exam, login_as: Callable[..., User], path: str
) -> None:
    login_as(Role.OPERATOR)
    assert client.get(path.format(exam=analysed.id)).status_code == 403


def test_outside_results_are_analysed_on_upload_and_a_bad_cell_is_named(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.TRAINER)
    token = csrf_token(client, "/stats/outside")
    good = "姓名,Q1,Q2,Q3\n张三,1,1,1\n李四,1,1,0\n王五,1,0,1\n赵六,0,1,0\n钱七,0,0,0\n"
    page = client.post(
        "/stats/outside",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode("gb18030")), "纸质考试.csv")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="test-figures"' in text
    assert "<td>Q1</td><td>0.60</td>" in text  # three of five right
    bad = good.replace("王五,1,0,1", "王五,1,x,1")
    refused = client.post(
        "/stats/outside",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "纸质考试.csv")},
        content_type="multipart/form-data",
    )
    message = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "纸质考试.csv：第 4 行“Q2”列：“x”不是 1、0 或空白" in message


def test_the_printable_report_reads_back(
    client: FlaskClient, analysed: Exam, login_as: Callable[..., User], tmp_path: Path
) -> None:
    login_as(Role.HR)
    response = client.get(f"/stats/exams/{analysed.id}?export=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "试题分析" in text and analysed.title in text, text
    assert "过易" in "".join(text.split()), text  # a narrow column may break the word
    assert len(response.data) < 2_000_000  # a subset font, never the whole CJK font


def test_every_reason_a_file_is_refused_is_said_on_the_page() -> None:
    from exam_app.stats import outside, outside_upload

    assert set(outside_upload.MESSAGES) == set(outside.TEMPLATES)
    assert len(outside.TEMPLATES) == len(set(outside.TEMPLATES))
