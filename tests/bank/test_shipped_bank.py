"""question_bank/ holds the seed banks faithfully and loads cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers import read_file
from exam_app.bank.shipped import read_category_paths
from exam_app.errors import DomainError
from tests.seed import SEED

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "question_bank" / "items" / "seed_banks.csv"


def _content(item):  # type: ignore[no-untyped-def]
    return (
        item.type,
        item.stem,
        [(o.label, o.text) for o in item.options],
        item.answer,
        item.level,
        item.source,
        [p.code for p in item.problems],
    )


def test_shipped_csv_is_the_seed_import_minus_in_file_duplicates() -> None:
    seed = read_file(SEED.read_bytes(), SEED.name)
    shipped = read_file(SHIPPED.read_bytes(), SHIPPED.name)
    assert shipped.file_problems == []
    expected = [_content(i) for i in seed.items if not i.is_duplicate]
    assert [_content(i) for i in shipped.items] == expected
    assert all(i.category for i in shipped.items), "every shipped item has a category"


def test_category_tree_file_parses_and_every_shipped_category_is_in_it() -> None:
    paths = read_category_paths((ROOT / "question_bank" / "categories.txt").read_text("utf-8"))
    for area in ("业扩报装", "电费电价", "电能计量", "停电与抢修", "供电服务规范", "安全规程"):
        assert area in paths
    shipped = read_file(SHIPPED.read_bytes(), SHIPPED.name)
    assert {i.category for i in shipped.items} <= set(paths)


@pytest.mark.parametrize("text", ["a\n   b\n", "a\n    b\n"], ids=["odd indent", "skips a level"])
def test_category_file_mistakes_are_reported_with_the_line(text: str) -> None:
    with pytest.raises(DomainError, match="categories.txt:2"):
        read_category_paths(text)
