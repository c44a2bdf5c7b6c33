"""Study pages: every regulation readable by clause, searchable; items link to their clause."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank.models import Item, ItemVersion


def test_operator_reads_a_regulation_by_clause(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    index = client.get("/study/").get_data(as_text=True)
    assert "中国南方电网有限责任公司客户服务管理办法" in index
    page = client.get("/study/csg-customer-service").get_data(as_text=True)
    assert 'id="c-2-1-7"' in page and "每月20日前编制客户服务信息简报" in page


def test_a_shortened_regulation_says_what_is_left_out_for_a_reader(
    client: FlaskClient, login_as
) -> None:
    """Issue 17.12: the maintainers' notes on the seed (备注) stay in the file; the page shows
    the reader's version (说明): which chapters are not included, and where the full text is."""
    login_as(Role.OPERATOR)
    page = client.get("/study/csg-customer-asset-transfer").get_data(as_text=True)
    assert "种子文档" not in page and "均无正文" not in page
    assert "本页收录本办法第1章至第4.2.2条" in page and "以正式发布的文件为准" in page


def test_clause_search_finds_the_clause(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    page = client.get("/study/?q=信息简报").get_data(as_text=True)
    assert "客户服务管理办法 §2.1.7" in page and "#c-2-1-7" in page


def test_unknown_regulation_is_404(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    assert client.get("/study/nope").status_code == 404


def test_starter_item_links_to_its_clause_and_the_clause_lists_it(
    client: FlaskClient,
    login_as,
    runner,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    login_as(Role.TRAINER)
    item_id, source = db_session.execute(
        select(Item.id, ItemVersion.source)
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(ItemVersion.source.like("客户服务管理办法 §%"))
        .order_by(Item.id)
    ).first()
    page = client.get(f"/bank/items/{item_id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" data-testid="clause-link"', page).group(1)
    path, anchor = link.split("#")
    clause_page = client.get(path).get_data(as_text=True)
    assert f'id="{anchor}"' in clause_page
    assert f'href="/bank/items/{item_id}"' in clause_page  # the clause lists the item
    number = source.split("§")[1].strip()
    assert anchor == "c-" + number.replace(".", "-")
