"""``question_bank/items/starter_bank.csv``: items written from the regulations, each one
answerable from the single clause its 来源 cites (pure: reads files, no app, no DB)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from exam_app.bank.importers import read_file
from exam_app.bank.parsed import ItemType, ParsedItem, fingerprint, normalize_text
from exam_app.bank.shipped import read_category_paths
from exam_app.bank.validation import validate_items
from exam_app.study.regulations import (
    Clause,
    Regulation,
    load_regulations,
    parse_clause_ref,
    resolve_clause_ref,
)

ROOT = Path(__file__).resolve().parents[2]
ITEMS = ROOT / "question_bank" / "items"
STARTER = ITEMS / "starter_bank.csv"
LEVELS = ("中级工", "高级工")
SINGLE, MULTIPLE, JUDGE = ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE
#: at least this many items of each type at each level
PER_LEVEL = {SINGLE: 32, MULTIPLE: 24, JUDGE: 24}
#: together with the seed banks, at least this many ready items of each type at each level
READY_PER_LEVEL = {SINGLE: 45, MULTIPLE: 15, JUDGE: 15}
_EXPLANATION = re.compile(r"依据《(?P<short>[^》]+)》(?P<number>[^：]+)：“")


def _read(path: Path) -> list[ParsedItem]:
    result = read_file(path.read_bytes(), path.name)
    assert result.file_problems == [], result.file_problems
    return result.items


@pytest.fixture(scope="module")
def items() -> list[ParsedItem]:
    return _read(STARTER)


@pytest.fixture(scope="module")
def regulations() -> list[Regulation]:
    return load_regulations(ROOT / "question_bank" / "regulations")


def _clause(regulations: list[Regulation], item: ParsedItem) -> tuple[Regulation, Clause]:
    found = resolve_clause_ref(regulations, item.source or "")
    assert found is not None, f"第{item.number}题来源“{item.source}”不是已有的条款"
    return found


def _quote(explanation: str) -> tuple[str, str, str]:
    """(简称, clause number, quoted text) of ``依据《简称》number：“…”。``; nested “” allowed."""
    match = _EXPLANATION.match(explanation)
    assert match is not None, explanation
    depth, start = 1, match.end()
    for index in range(start, len(explanation)):
        depth += {"“": 1, "”": -1}.get(explanation[index], 0)
        if depth == 0:
            assert explanation[index + 1 : index + 2] == "。", explanation
            return match["short"], match["number"], explanation[start:index]
    raise AssertionError(f"引文没有结束引号：{explanation}")


def _correct_texts(item: ParsedItem) -> list[str]:
    return [option.text for option in item.options if option.label in item.answer]


# ---------------------------------------------------------------- form


def test_file_reads_without_problems(items: list[ParsedItem]) -> None:
    assert [(i.number, i.problems) for i in items if i.problems] == []
    assert all(i.status == "ready" and not i.is_duplicate for i in items)


def test_counts_per_type_and_level(items: list[ParsedItem]) -> None:
    counts = Counter((i.level, i.type) for i in items)
    for level in LEVELS:
        for item_type, least in PER_LEVEL.items():
            assert counts[level, item_type] >= least, (level, item_type, counts)
    assert {i.level for i in items} == set(LEVELS)
    assert len(items) >= 160


def test_choice_items_have_the_agreed_shape(items: list[ParsedItem]) -> None:
    for item in items:
        if item.type is SINGLE:
            assert len(item.options) == 4 and len(item.answer) == 1, item.number
        elif item.type is MULTIPLE:
            assert 4 <= len(item.options) <= 5 and len(item.answer) >= 2, item.number
            assert len(item.answer) < len(item.options), item.number
        if item.type is not JUDGE:
            assert "（ ）" in item.stem, item.number


def test_about_half_the_judgements_are_false(items: list[ParsedItem]) -> None:
    for level in LEVELS:
        keys = [i.answer for i in items if i.type is JUDGE and i.level == level]
        false = keys.count(("B",))
        assert 0.4 <= false / len(keys) <= 0.6, (level, false, len(keys))


def test_metadata(items: list[ParsedItem]) -> None:
    paths = set(read_category_paths((ROOT / "question_bank" / "categories.txt").read_text("utf-8")))
    for item in items:
        assert item.category in paths, (item.number, item.category)
        assert item.difficulty is not None and 1 <= item.difficulty <= 5, item.number
        assert item.tags[0] == "入门题库" and len(item.tags) == 2, (item.number, item.tags)
    assert len({i.category for i in items}) >= 6


def test_stems_are_unique_and_new(items: list[ParsedItem]) -> None:
    stems = Counter(normalize_text(i.stem) for i in items)
    assert [s for s, n in stems.items() if n > 1] == []
    seed = {
        fingerprint(i.stem, [o.text for o in i.options]) for i in _read(ITEMS / "seed_banks.csv")
    }
    assert [
        i.number for i in items if fingerprint(i.stem, [o.text for o in i.options]) in seed
    ] == []
    seed_stems = {normalize_text(i.stem) for i in _read(ITEMS / "seed_banks.csv")}
    assert not seed_stems & set(stems)


# ---------------------------------------------------------------- faithful to the cited clause


def test_every_source_is_one_existing_clause(
    items: list[ParsedItem], regulations: list[Regulation]
) -> None:
    for item in items:
        assert parse_clause_ref(item.source or "") is not None, (item.number, item.source)
        _clause(regulations, item)


def test_correct_options_are_in_the_cited_clause(
    items: list[ParsedItem], regulations: list[Regulation]
) -> None:
    for item in (i for i in items if i.type is not JUDGE):
        _regulation, clause = _clause(regulations, item)
        text = normalize_text(clause.text)
        for option in _correct_texts(item):
            assert normalize_text(option) in text, (item.number, option, clause.number)


def test_explanations_quote_the_cited_clause(
    items: list[ParsedItem], regulations: list[Regulation]
) -> None:
    for item in items:
        regulation, clause = _clause(regulations, item)
        short, number, quoted = _quote(item.explanation)
        assert (short, number) == (regulation.short_title, clause.number), item.number
        assert quoted and normalize_text(quoted) in normalize_text(clause.text), (
            item.number,
            quoted,
        )


def test_quote_reader_handles_nested_quotes() -> None:
    explanation = (
        "依据《客户服务管理办法》1.1：“贯彻“优质、方便、规范、快捷”的供电服务方针”。补充。"
    )
    assert _quote(explanation) == (
        "客户服务管理办法",
        "1.1",
        "贯彻“优质、方便、规范、快捷”的供电服务方针",
    )


# ---------------------------------------------------------------- with the seed banks


def test_each_level_has_enough_ready_items_with_the_seed_banks(items: list[ParsedItem]) -> None:
    together = validate_items([*_read(ITEMS / "seed_banks.csv"), *items])
    ready = Counter(
        (i.level, i.type) for i in together if i.status == "ready" and not i.is_duplicate
    )
    for level in LEVELS:
        for item_type, least in READY_PER_LEVEL.items():
            assert ready[level, item_type] >= least, (level, item_type, ready)
