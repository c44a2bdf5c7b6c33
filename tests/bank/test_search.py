"""Chinese substring search: bigram index first, exact substring check second, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from exam_app.bank import browse, search
from tests.factories import import_text

DOC = """1.供电企业应在（ ）个工作日内答复客户投诉。
A、3B、5C、7D、10
正确答案:B
2.居民生活用电执行电价，违约金按日计算（ ）。
A、万分之一B、千分之一C、百分之一D、十分之一
正确答案:B
3.10kV用户的计量装置应安装在（ ）。
A、产权分界处B、变电站C、用户侧D、电杆上
正确答案:A
"""


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("供电企业", "供电 电企 企业"),
        ("电费，违约金", "电费 | 违约 约金"),
        ("10ＫＶ", "10 0k kv"),
        ("A", "a"),
    ],
)
def test_text_becomes_bigrams_that_never_span_punctuation(text: str, grams: str) -> None:
    assert search.grams(text) == grams


def _hits(session: Session, query: str) -> list[str]:
    page = browse.page_of_items(session, browse.ItemFilters(q=query), 1, 30)
    return sorted(item.current.stem[:4] for item in page.items)


@pytest.mark.parametrize(
    ("query", "stems"),
    [
        ("投诉", ["供电企业"]),  # two characters: a single bigram
        ("工作日内答复", ["供电企业"]),  # a phrase of bigrams
        ("答复投诉", []),  # both bigrams occur, but not together
        ("违约金", ["居民生活"]),
        ("千分之一", ["居民生活"]),  # found in the options
        ("10KV", ["10kV"]),  # width and case folded
        ("电价，违约", ["居民生活"]),  # punctuation inside the query
        ("电", ["10kV", "供电企业", "居民生活"]),  # one character: exact scan (变电站)
        ("不存在", []),
    ],
)
def test_search_finds_exact_substrings(db_session, query: str, stems: list[str]) -> None:  # type: ignore[no-untyped-def]
    import_text(db_session, DOC, "s.txt")
    assert _hits(db_session, query) == stems
