"""``validate_items``: the checks every importer shares, on hand-made items."""

from __future__ import annotations

from dataclasses import replace

import pytest

from exam_app.bank.parsed import (
    JUDGE_OPTIONS,
    ItemType,
    OptionData,
    ParsedItem,
    Problem,
    ProblemCode,
)
from exam_app.bank.validation import describe_labels, validate_items

SINGLE, MULTIPLE, JUDGE = ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE


def item(
    number: int = 12,
    type: ItemType = SINGLE,
    stem: str = "供电服务热线是（ ）。",
    options: str = "ABCD",
    answer: str = "A",
    line: int = 40,
) -> ParsedItem:
    """An item whose options are labelled by ``options`` ("ACD"); texts are 选项A, 选项C …"""
    if type is JUDGE and options == "ABCD":
        option_data = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)
    else:
        option_data = tuple(OptionData(label, f"选项{label}") for label in options)
    return ParsedItem(
        number=number,
        line=line,
        type=type,
        stem=stem,
        options=option_data,
        answer=tuple(answer),
    )


def problems(checked: ParsedItem) -> list[tuple[ProblemCode, str]]:
    return [(p.code, p.message) for p in checked.problems]


CUT = "第12题缺少选项（题目在选项前被截断）"
NONE = "第12题没有答案（原文未给出，需人工补充）"

# fmt: off
CASES = {
    "complete single": (item(), []),
    "complete multiple": (item(type=MULTIPLE, answer="ABD"), []),
    "complete judgement": (item(type=JUDGE, answer="B"), []),
    "cut off": (item(options="", answer=""), [(ProblemCode.CUT_OFF, CUT)]),
    "cut off with a key: only cut off": (item(options="", answer="A"),
                                         [(ProblemCode.CUT_OFF, CUT)]),
    "cut off multiple": (item(type=MULTIPLE, options="", answer=""), [(ProblemCode.CUT_OFF, CUT)]),
    "no answer": (item(answer=""), [(ProblemCode.NO_ANSWER, NONE)]),
    "judgement without answer": (item(type=JUDGE, answer=""), [(ProblemCode.NO_ANSWER, NONE)]),
    "answer beyond the options": (item(answer="E"), [(
        ProblemCode.ANSWER_NOT_IN_OPTIONS, "第12题答案“E”不在选项 A–D 中")]),
    "answer in a gap of the options": (item(options="ACD", answer="B"), [
        (ProblemCode.OPTION_SEQUENCE, "第12题选项字母不连续：A、C、D（缺少 B）"),
        (ProblemCode.ANSWER_NOT_IN_OPTIONS, "第12题答案“B”不在选项 A、C、D 中")]),
    "letters missing": (item(options="ACD"), [
        (ProblemCode.OPTION_SEQUENCE, "第12题选项字母不连续：A、C、D（缺少 B）")]),
    "letters not from A": (item(options="BCD", answer="B"), [
        (ProblemCode.OPTION_SEQUENCE, "第12题选项字母不连续：B、C、D（缺少 A）")]),
    "letter repeated": (item(options="ABB"), [
        (ProblemCode.OPTION_SEQUENCE, "第12题选项字母重复：A、B、B（B 出现不止一次）")]),
    "letters out of order": (item(options="ACB"), [
        (ProblemCode.OPTION_SEQUENCE, "第12题选项字母顺序错乱：A、C、B")]),
    "judgement keyed C": (item(type=JUDGE, answer="C"), [
        (ProblemCode.NOT_A_JUDGEMENT, "第12题是判断题，答案“C”却不是对/错")]),
    "judgement keyed AB": (item(type=JUDGE, answer="AB"), [
        (ProblemCode.NOT_A_JUDGEMENT, "第12题是判断题，答案“AB”却不是对/错")]),
    "judgement with four options": (item(type=JUDGE, options="ABC"), [
        (ProblemCode.NOT_A_JUDGEMENT,
         "第12题是判断题，选项却是：A、选项A B、选项B C、选项C（应为 A、正确 B、错误）")]),
    "single with two keys": (item(answer="AB"), [
        (ProblemCode.ANSWER_COUNT, "第12题是单选题，却有 2 个答案：AB")]),
    "multiple with one key": (item(type=MULTIPLE, answer="C"), [
        (ProblemCode.ANSWER_COUNT, "第12题是多选题，却只有 1 个答案：C")]),
    "one option": (item(options="A"), [
        (ProblemCode.TOO_FEW_OPTIONS, "第12题只有 1 个选项（至少需要 2 个）")]),
    "empty stem": (item(stem="  "), [(ProblemCode.EMPTY_STEM, "第12题题干为空")]),
}
# fmt: on


@pytest.mark.parametrize(("given", "expected"), CASES.values(), ids=CASES.keys())
def test_each_check(given: ParsedItem, expected: list[tuple[ProblemCode, str]]) -> None:
    (checked,) = validate_items([given])
    assert problems(checked) == expected
    assert checked.status == ("needs_review" if expected else "ready")
    assert checked.answer == given.answer  # never filled in, never changed
    assert checked.options == given.options


def test_an_answer_kept_as_written_is_named() -> None:
    raw = replace(item(), answer=("A1",))  # how the spreadsheet importer keeps "A1"
    (checked,) = validate_items([raw])
    assert problems(checked) == [
        (ProblemCode.ANSWER_NOT_IN_OPTIONS, "第12题答案“A1”不在选项 A–D 中")
    ]


def test_a_duplicate_points_at_the_first_occurrence() -> None:
    first = item(number=3, line=7, stem="热线是( )。")
    shuffled = replace(
        item(number=9, line=30, stem="热线是（  ）。", answer="B"),
        # the same texts under other letters
        options=tuple(OptionData("ABCD"[i], f"选项{letter}") for i, letter in enumerate("DCBA")),
    )
    third = item(number=11, line=35, stem="热线是（ ）。")
    checked = validate_items([first, shuffled, third])
    assert [c.duplicate_of for c in checked] == [
        None,
        {"source": "file", "number": 3, "line": 7},
        {"source": "file", "number": 3, "line": 7},
    ]
    assert problems(checked[1]) == [(ProblemCode.DUPLICATE_IN_FILE, "第9题与第3题（第7行）重复")]
    assert [c.status for c in checked] == ["ready", "ready", "ready"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (item(stem="热线是（ ）。"), item(stem="热线不是（ ）。")),
        (item(options="ABCD"), item(options="ABC")),
        (item(type=JUDGE, stem="甲。"), item(type=JUDGE, stem="乙。")),
        (item(stem=""), item(stem="")),  # empty stems are reported as such, not as duplicates
    ],
)
def test_different_questions_are_not_duplicates(one: ParsedItem, other: ParsedItem) -> None:
    checked = validate_items([one, other])
    assert [c.duplicate_of for c in checked] == [None, None]


def test_problems_already_there_are_kept() -> None:
    bad_field = Problem(ProblemCode.BAD_FIELD, "第3行“难度”应为 1–5 的整数，实际为“9”")
    given = replace(item(answer=""), problems=(bad_field,))
    (checked,) = validate_items([given])
    assert [p.code for p in checked.problems] == [ProblemCode.BAD_FIELD, ProblemCode.NO_ANSWER]


def test_validating_twice_adds_nothing() -> None:
    given = [item(), item(options="ACD", answer="E"), item(number=13, options="")]
    once = validate_items(given)
    assert validate_items(once) == once
    assert [len(c.problems) for c in once] == [0, 2, 1]


def test_a_bank_duplicate_is_not_overwritten() -> None:
    earlier = item(number=1, line=1)
    known = replace(item(number=2, line=2), duplicate_of={"source": "bank", "id": 42})
    checked = validate_items([earlier, known])
    assert checked[1].duplicate_of == {"source": "bank", "id": 42}


@pytest.mark.parametrize(
    ("labels", "shown"),
    [("ABCD", "A–D"), ("AB", "A–B"), ("A", "A"), ("ACD", "A、C、D"), ("BCD", "B、C、D"), ("", "")],
)
def test_describe_labels(labels: str, shown: str) -> None:
    assert describe_labels(labels) == shown
