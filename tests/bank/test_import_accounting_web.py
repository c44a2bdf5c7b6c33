"""The import page's accounting of an exam document, before anything is stored: questions by
type and status, numbering per section, noise lines by kind, unread lines (the first 50 on
the page, all of them in a downloadable report that only the uploader can fetch)."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from exam_app.accounts.models import Role, User
from tests.web import client_for, csrf_token

HEADER = "国网客服中心用电客户受理员技能鉴定题库（内部资料）"


def _document(questions: int, stray: int) -> str:
    """A PDF-style file: the running header on every page (every 7 lines, wherever it falls),
    and ``stray`` lines that belong to nothing."""
    lines = ["一、单选题"]
    for n in range(1, questions + 1):
        lines += [
            f"{n}. 第{n}题：居民新装用电应在（ ）个工作日内答复？",
            "A、3",
            "B、5",
            "C、7",
            "答案：A",
        ]
    # each different (a line repeated on many pages is a running header, not unread)
    lines += [f"无法归属的杂项{chr(0x4E00 + 7 * k)}{chr(0x4E50 + k)}" for k in range(stray)]
    paged = []
    for index, line in enumerate(lines):
        if index % 7 == 3:
            paged.append(HEADER)
        paged.append(line)
    return "\r\n".join(paged) + "\r\n"


def _upload(client: FlaskClient, text: str) -> str:
    response = client.post(
        "/bank/import",
        data={
            "csrf_token": csrf_token(client, "/bank/import"),
            "file": (io.BytesIO(text.encode("gb18030")), "pdf-style.txt"),
            "level": "",
            "category_id": "0",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_page_accounts_for_every_line_and_the_report_holds_them_all(
    client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as(Role.TRAINER)
    page = _upload(client, _document(questions=30, stray=60))
    assert 'data-testid="accounting"' in page and "共 30 题" in page
    unread = page.split('data-testid="unread"')[1].split("</table>")[0]
    assert unread.count("<tr>") == 1 + 50  # the header row and the first 50
    assert HEADER not in unread  # the running header is noise, counted, never unread
    link = page.split('data-testid="full-report" href="')[1].split('"')[0]
    report = client.get(link)
    assert report.status_code == 200 and report.mimetype == "text/plain"
    text = report.get_data(as_text=True)
    assert text.count("无法归属的杂项") == 60


def test_someone_elses_staged_report_is_not_found(
    app: Flask, client: FlaskClient, login_as: Callable[..., User], make_user: Callable[..., User]
) -> None:
    login_as(Role.TRAINER)
    page = _upload(client, _document(questions=3, stray=1))
    link = page.split('data-testid="full-report" href="')[1].split('"')[0]
    other = client_for(app, make_user(Role.TRAINER))
    assert other.get(link).status_code == 404
