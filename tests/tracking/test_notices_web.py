"""The in-app notices page and the unread badge in the top navigation: one's own notices,
newest first, unread marked; marking all read; other people's notices untouched."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.db import utcnow
from exam_app.tracking import notices
from tests.factories import make_user
from tests.web import client_for, csrf_from, sent_statements


@pytest.fixture
def people(app: Flask, db_session: Session) -> tuple[User, User]:
    me, other = make_user(db_session, name="甲一"), make_user(db_session, name="乙二")
    now = utcnow()
    notices.notify(db_session, me.id, "最早的", "一", now - timedelta(days=3))
    old = notices.notify(db_session, me.id, "已读的", "二", now - timedelta(days=2))
    notices.notify(db_session, me.id, "最新的 <b>", "三", now - timedelta(hours=1))
    notices.notify(db_session, other.id, "别人的", "四", now)
    notices.mark_read(db_session, me.id, now, [old.id])
    db_session.commit()
    return me, other


def _badge(html: str) -> int:
    found = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
    return int(found.group(1)) if found else 0


def test_the_page_lists_ones_own_notices_newest_first_unread_marked(
    app: Flask, people: tuple[User, User]
) -> None:
    me, _other = people
    client = client_for(app, me)
    html = client.get("/tracking/notices").get_data(as_text=True)
    listed = re.findall(r'data-notice="\d+" data-read="(\w+)">\s*<h2>(.*?)</h2>', html, re.S)
    titles = [re.sub(r"<span.*?</span>\s*", "", t).strip() for _r, t in listed]
    assert titles == ["最新的 &lt;b&gt;", "已读的", "最早的"]  # escaped, newest first
    assert [r for r, _t in listed] == ["no", "yes", "no"]
    assert "别人的" not in html
    assert _badge(html) == 2
    assert _badge(client.get("/").get_data(as_text=True)) == 2  # on every page


def test_marking_all_read_clears_the_badge_and_leaves_others_alone(
    app: Flask, db_session: Session, people: tuple[User, User]
) -> None:
    me, other = people
    client = client_for(app, me)
    page = client.get("/tracking/notices").get_data(as_text=True)
    done = client.post("/tracking/notices/read", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已将 2 条通知标为已读" in html
    assert 'data-read="no"' not in html and _badge(html) == 0
    db_session.rollback()
    assert notices.unread_count(db_session, me.id) == 0
    assert notices.unread_count(db_session, other.id) == 1
    assert client.post("/tracking/notices/read").status_code == 400  # no CSRF token


def test_the_badge_costs_one_count_query(app: Flask, people: tuple[User, User]) -> None:
    me, _other = people
    client = client_for(app, me)
    with sent_statements(app) as statements:
        client.get("/study/")
    assert sum("tracking_notices" in s for s in statements) == 1
    assert sum("count(" in s.lower() and "tracking_notices" in s for s in statements) == 1
