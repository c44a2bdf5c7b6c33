"""Aiken files: reading (bank.importers.aiken.parse_aiken), writing and the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers.aiken import aiken_problem, export_aiken, parse_aiken
from exam_app.bank.parsed import JUDGE_OPTIONS, ItemType, OptionData, ParsedItem, ProblemCode

SAMPLE = Path(__file__).parent / "data" / "moodle" / "sample_aiken.txt"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
SINGLE, MULTIPLE, JUDGE = ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE


def line_of(needle: str, text: str = SAMPLE_TEXT) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def parse(text: str):
    return parse_aiken(text.encode("utf-8"), "题库.txt")


def texts(item: ParsedItem) -> list[str]:
    return [option.text for option in item.options]


@pytest.fixture(scope="module")
def sample():
    return parse_aiken(SAMPLE.read_bytes(), "sample_aiken.txt")


# (line needle, stem, options, answer, problem codes)
SAMPLE_ITEMS = [
    (
        "南方电网统一客户服务热线",
        "南方电网统一客户服务热线是（ ）。",
        ["95598", "12345", "10086", "96789"],
        ("A",),
        [],
    ),
    (
        "居民客户申请新装用电，",
        "居民客户申请新装用电，\n供电企业应在受理后（ ）内完成装表接电。",
        ["3个工作日", "5个工作日", "7个工作日"],
        ("A",),
        [],
    ),
    ("电能表的计量单位", "电能表的计量单位“千瓦时”俗称（ ）。", ["度", "伏", "安"], ("A",), []),
    (
        "下列不属于电费缴纳渠道",
        "下列不属于电费缴纳渠道的是（ ）。",
        ["营业厅柜台", "网上国网App", "银行代扣", "上门现金收取", "自助缴费终端", "第三方支付平台"]
        + ["电费充值卡", "邮寄现金"],
        ("H",),
        [],
    ),
    (
        "功率因数调整电费",
        "功率因数调整电费的考核标准，100千伏安以上的工业客户一般为（ ）。",
        ["0.80", "0.85", "0.90"],
        (),  # "ANSWER: E" names no option: no key, and the item says why
        [ProblemCode.ANSWER_NOT_IN_OPTIONS, ProblemCode.NO_ANSWER],
    ),
    ("计量装置的铅封", "计量装置的铅封应由（ ）负责检查。", ["客户", "供电企业"], ("B",), []),
]


@pytest.mark.parametrize(
    ("needle", "stem", "options", "answer", "codes"), SAMPLE_ITEMS, ids=[c[0] for c in SAMPLE_ITEMS]
)
def test_sample_items(sample, needle, stem, options, answer, codes):
    number = [case[0] for case in SAMPLE_ITEMS].index(needle) + 1
    item = sample.items[number - 1]
    assert (item.number, item.line, item.type) == (number, line_of(needle), SINGLE)
    assert (item.stem, texts(item), item.answer) == (stem, options, answer)
    assert [option.label for option in item.options] == list("ABCDEFGH"[: len(options)])
    assert [problem.code for problem in item.problems] == codes
    assert (item.explanation, item.category, item.source, item.tags) == ("", None, None, ())


# (line of the question, Moodle's words, the line they name)
SAMPLE_SKIPPED = [
    ("用电客户受理员初级工 Aiken 样例", "Question not completed before next question start", 3),
    ("客户办理暂停业务", "Question not completed before next question start", 38),
    ("ANSWER: B", "Question not started", 44),
    ("以下为营业规则摘录", "Question not completed before next question start", 48),
]


@pytest.mark.parametrize(("needle", "words", "named"), SAMPLE_SKIPPED)
def test_sample_broken_questions_are_reported_in_moodles_words(sample, needle, words, named):
    line = line_of(needle)
    skipped = next(q for q in sample.skipped if q.line == line)
    assert skipped.code == "malformed" and skipped.number is None
    assert f"{words} on line {named}" in skipped.message and f"第{line}行" in skipped.message


def test_sample_summary(sample):
    assert sample.file_problems == []
    assert [q.line for q in sample.skipped] == [1, 33, 44, 46]
    assert sample.summary() == {
        "total": 6,
        "ready": 5,
        "needs_review": 1,
        "duplicates": 0,
        "problems": 2,
        "skipped": 4,
    }


@pytest.mark.parametrize(
    ("text", "options", "answer"),
    [
        ("热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A", ["95598", "12345"], ("A",)),
        ("热线是（ ）。\nA) 95598\nB) 12345\nANSWER: B", ["95598", "12345"], ("B",)),
        (
            "热线是（ ）。\nA．95598\nB）12345\nC、10086\nANSWER：C",
            ["95598", "12345", "10086"],
            ("C",),
        ),
        ("热线是（ ）。\nA. 95598\nB. 12345\nanswer: b", ["95598", "12345"], ("B",)),
        ("热线是（ ）。\nA. 95598\nB. 12345\nANSWER: Ｂ", ["95598", "12345"], ("B",)),
        ("  热线是（ ）。  \n\tA. 95598 \n  B. 12345\n ANSWER:A ", ["95598", "12345"], ("A",)),
        ("热线是（ ）。\nA. 95598\nB. 12345\nANSWER:", ["95598", "12345"], ()),
        # "A.B" without a space where no question is open: the question text
        ("A.B.C 分类法中热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A", ["95598", "12345"], ("A",)),
    ],
)
def test_option_and_answer_lines(text, options, answer):
    result = parse(text)
    assert result.skipped == []
    [item] = result.items
    assert (item.type, texts(item), item.answer) == (SINGLE, options, answer)
    assert item.line == 1


def test_an_option_without_a_space_inside_a_question_is_an_option_as_in_moodle():
    [item] = parse("热线是（ ）。\nA)95598\nB.12345\nANSWER: B").items
    assert (texts(item), item.answer, item.problems) == (["95598", "12345"], ("B",), ())
    [item] = parse("热线是（ ）。\nA)\nB) 12345\nC.\nANSWER: B").items
    assert (texts(item), item.answer) == (["", "12345", ""], ("B",))
    assert [(p.code, p.message) for p in item.problems] == [
        (ProblemCode.EMPTY_OPTION, "第1题选项 A、C 没有内容")
    ]


def test_a_line_of_one_ascii_character_is_passed_over_as_in_moodle():
    [item] = parse("热线是（ ）。\nx\nA. 95598\n-\nB. 12345\nANSWER: A").items
    assert (item.stem, texts(item), item.answer) == ("热线是（ ）。", ["95598", "12345"], ("A",))


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("Question not started", "Question not started"),  # never "ADEINOQRSTU"
        ("E", "E"),
        ("A, B", "A, B"),
        ("AB", "AB"),
        ("对", "对"),
        ("1", "1"),
        ("Both", "Both"),
    ],
)
def test_an_answer_line_that_is_not_one_option_letter_gives_no_key(key, shown):
    [item] = parse(f"热线是（ ）。\nA. 95598\nB. 12345\nC. 10086\nANSWER: {key}").items
    assert item.answer == ()
    assert [p.code for p in item.problems] == [
        ProblemCode.ANSWER_NOT_IN_OPTIONS,
        ProblemCode.NO_ANSWER,
    ]
    message = item.problems[0].message
    assert f"“{shown}”" in message and "第5行" in message and "A–C" in message


def test_an_empty_answer_line_leaves_the_item_without_answer():
    [item] = parse("热线是（ ）。\nA. 95598\nB. 12345\nANSWER:").items
    assert item.answer == () and [p.code for p in item.problems] == [ProblemCode.NO_ANSWER]


def skipped_messages(text: str) -> list[tuple[int, str]]:
    return [(q.line, q.message) for q in parse(text).skipped]


def test_question_not_started():
    text = "A) 孤立的选项\n\nANSWER: Question not started\n\n"
    text += "热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A"
    result = parse(text)
    assert [item.stem for item in result.items] == ["热线是（ ）。"]
    assert [item.answer for item in result.items] == [("A",)]
    assert [(q.line, q.code) for q in result.skipped] == [(1, "malformed"), (3, "malformed")]
    assert "Question not started on line 1" in result.skipped[0].message
    assert "Question not started on line 3" in result.skipped[1].message


def test_question_must_have_at_least_2_answers():
    [(line, message)] = skipped_messages("只有一个选项的题（ ）。\nA) 唯一\nANSWER: A")
    assert line == 1 and "Question must have at least 2 answers on line 3" in message
    assert "只有一个选项的题" in message
    [(line, message)] = skipped_messages("没有选项的题（ ）。\nANSWER: A")
    assert "Question must have at least 2 answers on line 2" in message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("热线是（ ）。\nA. 95598\nB. 12345\n下一题（ ）。\nA. 甲\nB. 乙\nANSWER: B\n", 4),
        ("热线是（ ）。\nA. 95598\nB. 12345\n\n下一题（ ）。\nA. 甲\nB. 乙\nANSWER: B\n", 5),
        ("一行标题\n\n下一题（ ）。\nA. 甲\nB. 乙\nANSWER: B\n", 3),
    ],
)
def test_question_not_completed_before_next_question_start(text, named):
    result = parse(text)
    [second] = result.items
    assert (second.stem, second.number, second.answer, second.problems) == (
        "下一题（ ）。",
        1,
        ("B",),
        (),
    )
    [skipped] = result.skipped
    assert skipped.line == 1
    assert f"Question not completed before next question start on line {named}" in skipped.message


def test_a_question_unfinished_at_the_end_of_the_file_is_reported():
    result = parse(
        "热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A\n\n最后一题（ ）。\nA. 甲\nB. 乙\n"
    )
    assert len(result.items) == 1
    [skipped] = result.skipped
    assert skipped.line == 6 and "文件结尾" in skipped.message and "最后一题" in skipped.message


def test_text_then_a_blank_line_then_options_is_one_question_as_in_moodle():
    [item] = parse("热线是（ ）。\n\nA. 95598\n\nB. 12345\n\nANSWER: B").items
    assert (item.stem, texts(item), item.answer) == ("热线是（ ）。", ["95598", "12345"], ("B",))


ERRORS = Path(__file__).parent / "data" / "aiken_errors.txt"


def test_the_errors_file_reads_as_moodle_reads_it():
    """Moodle's own error cases in one file: three good questions, each error on its line."""
    result = parse_aiken(ERRORS.read_bytes(), "aiken_errors.txt")
    assert [(i.stem, i.answer) for i in result.items] == [
        ("第一道好题（ ）。", ("A",)),
        ("第二道好题，选项标记后没有空格（ ）。", ("B",)),
        ("第三道好题 > < & 原样保留（ ）。", ("A",)),
    ]
    assert all(item.problems == () for item in result.items)
    messages = " | ".join(q.message for q in result.skipped)
    for words in (
        "Question must have at least 2 answers on line 3",
        "Question not started on line 5",
        "Question not started on line 7",
        "Question not completed before next question start on line 18",
    ):
        assert words in messages
    assert len(result.skipped) == 4


def test_duplicates_in_the_file_are_reported():
    question = "热线是（{}）。\nA. 95598\nB. 12345\nANSWER: A\n"
    text = question.format(" ") + "\n" + question.format("\u3000")  # full-width space: same
    first, second = parse(text).items
    assert second.duplicate_of == {"source": "file", "number": 1, "line": 1}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A".encode("utf-16-le"), "编码"),
        ("Café ( ).\nA. crème\nB. brûlée\nANSWER: A".encode("cp1252"), "编码"),
        ("只有一行文字".encode(), "1 道题都被跳过"),
        (b"\n\n", "没有找到题目"),
    ],
)
def test_file_problems(data, problem):
    result = parse_aiken(data, "题库.aiken")
    assert result.items == []
    [message] = result.file_problems
    assert problem in message and "题库.aiken" in message


def test_bom_and_windows_line_ends():
    data = "\ufeff热线是（ ）。\r\nA. 95598\r\nB. 12345\r\nANSWER: A\r\n".encode()
    [item] = parse_aiken(data, "题库.aiken").items
    assert (item.stem, item.answer) == ("热线是（ ）。", ("A",))


# ---------------------------------------------------------------- writing and the round trip


def item(type_: ItemType, stem: str, options: list[str], answer: str, **meta) -> ParsedItem:
    if type_ is JUDGE:
        option_data = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)
    else:
        option_data = tuple(OptionData("ABCDEFGH"[i], text) for i, text in enumerate(options))
    return ParsedItem(
        number=1, line=1, type=type_, stem=stem, options=option_data, answer=tuple(answer), **meta
    )


EIGHT = ["营业厅柜台", "网上国网App", "银行代扣", "上门收取", "自助终端", "第三方支付", "充值卡"]
TRICKY = [
    item(SINGLE, "南方电网统一客户服务热线是（ ）。", ["95598", "12345", "96789"], "A"),
    item(
        SINGLE,
        "居民客户申请新装用电，\n供电企业应在受理后（ ）内完成装表接电。",
        ["3天", "5天"],
        "B",
    ),
    item(SINGLE, "下列不属于电费缴纳渠道的是（ ）：", [*EIGHT, "邮寄现金"], "H"),
    item(
        SINGLE, "特殊字符 ~ = # { } : < > & \\ 原样保留（ ）。", ["a~b", "<b>&amp;</b>", "c:d"], "C"
    ),
    item(
        SINGLE,
        "全角标点“，。；：？！（）【】”原样保留（ ）？",
        ["ANSWER 不在行首", "A. 不在行首"],
        "A",
    ),
]


def test_round_trip_keeps_type_stem_options_and_answer():
    result = parse_aiken(export_aiken(TRICKY), "export.txt")
    assert result.skipped == [] and result.file_problems == []
    for original, read in zip(TRICKY, result.items, strict=True):
        assert (read.type, read.stem, read.options, read.answer) == (
            original.type,
            original.stem,
            original.options,
            original.answer,
        )
        assert read.problems == ()


def test_export_text_and_mappings():
    text = export_aiken([TRICKY[1]]).decode("utf-8")
    stem = "居民客户申请新装用电，\n供电企业应在受理后（ ）内完成装表接电。"
    assert text == stem + "\nA. 3天\nB. 5天\nANSWER: B\n"
    assert export_aiken([i.as_dict() for i in TRICKY]) == export_aiken(TRICKY)


def test_metadata_is_not_carried():
    rich = item(
        SINGLE,
        "热线是（ ）。",
        ["95598", "12345"],
        "A",
        explanation="解析",
        category="分类",
        tags=("t",),
    )
    [read] = parse_aiken(export_aiken([rich]), "x.txt").items
    assert (read.explanation, read.category, read.tags) == ("", None, ())


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (
            item(MULTIPLE, "资料有（ ）。", ["甲", "乙", "丙"], "AB"),
            "多选题，Aiken 格式只能导出单选题",
        ),
        (item(JUDGE, "可以报修。", [], "A"), "判断题，Aiken 格式只能导出单选题"),
        (item(SINGLE, "题（ ）。", ["第一行\n第二行", "乙"], "A"), "选项A有多行"),
        (item(SINGLE, "题干\n\n有空行（ ）。", ["甲", "乙"], "A"), "空行"),
        (item(SINGLE, "题干\nA. 像选项的一行", ["甲", "乙"], "A"), "“A. 像选项的一行”"),
        (item(SINGLE, "题干\nANSWER: 像答案", ["甲", "乙"], "A"), "当作选项或答案"),
        (item(SINGLE, "没有答案（ ）。", ["甲", "乙"], ""), "没有答案"),
        (item(SINGLE, "答案不在选项中（ ）。", ["甲", "乙"], "D"), "不在选项中"),
        (
            ParsedItem(
                1, 1, SINGLE, "标签（ ）。", (OptionData("AB", "甲"), OptionData("C", "乙")), ("C",)
            ),
            "选项“AB”不是字母",
        ),
    ],
)
def test_export_refuses_what_aiken_cannot_carry(bad, words):
    assert words in aiken_problem(bad, 2) and "第2题" in aiken_problem(bad, 2)
    with pytest.raises(ValueError, match=words) as caught:
        export_aiken([TRICKY[0], bad])
    assert "第2题" in str(caught.value)


def test_aiken_problem_is_none_for_a_plain_single_choice():
    assert all(aiken_problem(original) is None for original in TRICKY)
