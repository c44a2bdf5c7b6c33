"""The document importer on small texts: one case per way trainers' documents are written."""

from __future__ import annotations

import pytest

from exam_app.bank.importers.document import parse_document_text
from exam_app.bank.parsed import ParsedItem, ProblemCode
from exam_app.bank.validation import validate_items

Brief = tuple[int, str, str, str, str]  # number, type, stem, "A=… B=…", answer


def read(text: str) -> list[ParsedItem]:
    return parse_document_text(text, "case.txt").items


def brief(item: ParsedItem) -> Brief:
    options = " ".join(f"{o.label}={o.text}" for o in item.options)
    return item.number, str(item.type), item.stem, options, "".join(item.answer)


HOTLINE = (1, "single", "热线是（ ）。", "A=95598 B=12345 C=10086", "A")
JUDGE_TRUE = (1, "judge", "客户可以报修。", "A=正确 B=错误", "A")
JUDGE_FALSE = (2, "judge", "电费可以不交。", "A=正确 B=错误", "B")

# fmt: off
VARIANTS = {
    # numbering and option layouts
    "dot, options on one line": ("1.热线是（ ）。A、95598B、12345C、10086正确答案:A", [HOTLINE]),
    "顿号 number, options on the stem line": (
        "1、热线是（ ）。A、95598 B、12345 C、10086\n答案：A", [HOTLINE]),
    "full-width dot, one option per line": (
        "1．热线是（ ）。\nA、95598\nB、12345\nC、10086\n答案:A", [HOTLINE]),
    "A. A． A: forms": ("1.热线是（ ）。\nA. 95598\nB．12345\nC:10086\n答案：A", [HOTLINE]),
    "(A) forms": ("1.热线是（ ）。(A)95598 （B）12345 (C)10086 正确答案：A", [HOTLINE]),
    "A） forms": ("1.热线是（ ）。\nA）95598\nB)12345\nC）10086\n答案：A", [HOTLINE]),
    "full-width letters and digits": ("１．热线是（ ）。Ａ、95598 Ｂ、12345 Ｃ、10086 答案：Ａ",
                                      [HOTLINE]),
    "letters and 、 inside option text": (
        "1.不接( )。A、A相电流B、B相电流C、个人、企业答案：B",
        [(1, "single", "不接( )。", "A=A相电流 B=B相电流 C=个人、企业", "B")]),
    "stem letters are not options": (
        "1.10kV A、B两相短路时()。\nA、甲\nB、乙\n答案：A",
        [(1, "single", "10kV A、B两相短路时()。", "A=甲 B=乙", "A")]),
    "currents in options": (
        "1.额定电流()。A、5AB、10AC、15A答案：C",
        [(1, "single", "额定电流()。", "A=5A B=10A C=15A", "C")]),
    # numbers inside text
    "number glued to a stem number": (
        "一、单选题(共2题)1.10千伏线路()。A、甲B、乙正确答案:A2.20千伏()。A、丙B、丁正确答案:B",
        [(1, "single", "10千伏线路()。", "A=甲 B=乙", "A"),
         (2, "single", "20千伏()。", "A=丙 B=丁", "B")]),
    "next number glued to an option": (
        "1.期限为()天。A、5B、30C、10D、152.下一题()。A、甲B、乙答案:A",
        [(1, "single", "期限为()天。", "A=5 B=30 C=10 D=15", ""),
         (2, "single", "下一题()。", "A=甲 B=乙", "A")]),
    "decimals are not numbers": (
        "1.偏差为()。A、2.5%B、7%答案：B2.第3.3条()。A、2.5B、3答案：A",
        [(1, "single", "偏差为()。", "A=2.5% B=7%", "B"),
         (2, "single", "第3.3条()。", "A=2.5 B=3", "A")]),
    # answers
    "参考答案 ABD infers multiple": (
        "1.资料有（ ）。A、甲B、乙C、丙D、丁参考答案：ABD",
        [(1, "multiple", "资料有（ ）。", "A=甲 B=乙 C=丙 D=丁", "ABD")]),
    "answer A,B,D": ("1.资料有（ ）。\nA、甲\nB、乙\nC、丙\nD、丁\n答案: A,B,D",
                     [(1, "multiple", "资料有（ ）。", "A=甲 B=乙 C=丙 D=丁", "ABD")]),
    "answer A、B、D": ("1.资料有（ ）。A、甲B、乙C、丙D、丁\n正确答案：A、B、D",
                      [(1, "multiple", "资料有（ ）。", "A=甲 B=乙 C=丙 D=丁", "ABD")]),
    "key in the stem's brackets": (
        "1.受理时应（ B ）。\nA、推诿\nB、耐心解答",
        [(1, "single", "受理时应（ ）。", "A=推诿 B=耐心解答", "B")]),
    "keys in the stem's brackets": (
        "1.受理时应(AB)处理。A、记录B、答复C、挂断",
        [(1, "multiple", "受理时应( )处理。", "A=记录 B=答复 C=挂断", "AB")]),
    "bracket word kept when the answer says otherwise": (
        "1.交流(AC)电压()。A、甲B、乙C、丙答案：B",
        [(1, "single", "交流(AC)电压()。", "A=甲 B=乙 C=丙", "B")]),
    "a unit in brackets next to a blank": (
        "1.额定电流(A)为()。A、5B、10答案：A",
        [(1, "single", "额定电流(A)为()。", "A=5 B=10", "A")]),
    "explanations": (
        "1.热线是（ ）。\nA、95598\nB、12345\nC、10086\n答案：A\n解析：统一热线。\n全国通用。\n"
        "2.乙（ ）。A、一B、二答案：B答案解析:乙对。",
        [HOTLINE, (2, "single", "乙（ ）。", "A=一 B=二", "B")]),
    # judgements
    "判断题 header with 对/错 and A/B": (
        "三、判断题\n1.客户可以报修。答案：对\n2.电费可以不交。\n答案：B",
        [JUDGE_TRUE, JUDGE_FALSE]),
    "√ and × in brackets, glued": (
        "1.客户可以报修。(√)2.电费可以不交。( × )",
        [(1, "judge", "客户可以报修。( )", "A=正确 B=错误", "A"),
         (2, "judge", "电费可以不交。( )", "A=正确 B=错误", "B")]),
    "正确/错误 without header": ("1.客户可以报修。\n答案：正确\n2.电费可以不交。\n答案：错误",
                                 [JUDGE_TRUE, JUDGE_FALSE]),
    "T/F": ("1.客户可以报修。答案：T\n2.电费可以不交。答案：F", [JUDGE_TRUE, JUDGE_FALSE]),
    "是非题 with options 正确/错误": (
        "四、是非题\n1.客户可以报修。A、正确B、错误答案：A\n2.电费可以不交。A、对B、错答案：B",
        [JUDGE_TRUE, JUDGE_FALSE]),
    # headers set the type and restart the numbering
    "sections": (
        "一、单项选择题\n1.甲（ ）。A、一B、二答案：A\n二、多项选择题（每题2分）\n"
        "1.乙（ ）。A、一B、二C、三答案：BC\n【判断题】\n1.丙。答案：×",
        [(1, "single", "甲（ ）。", "A=一 B=二", "A"),
         (1, "multiple", "乙（ ）。", "A=一 B=二 C=三", "BC"),
         (1, "judge", "丙。", "A=正确 B=错误", "B")]),
    # learning-platform exports
    "export fields": (
        "题型：单选题\n题干：热线是（ ）。\n选项A：95598\n选项B：12345\n选项C：10086\n答案：A\n"
        "解析：统一热线。\n\n题型：判断题\n题干：电费可以不交。\n答案：错误",
        [HOTLINE, JUDGE_FALSE]),
    "numbered export": (
        "1.题型：单选题\n题干：热线是（ ）。\n选项A：95598\n选项B：12345\n选项C：10086\n答案：A\n"
        "2.题型：判断题\n题干：电费可以不交。\n答案：错",
        [HOTLINE, JUDGE_FALSE]),
    "【答案】【解析】": ("1.热线是（ ）。A、95598B、12345C、10086【答案】A【解析】统一热线。",
                       [HOTLINE]),
    # what is not a question
    "advertising lines": (
        "- 1、下载文档前请自行甄别文档内容的完整性，平台不提供额外的编辑。\n"
        "1.热线是（ ）。A、95598B、12345C、10086答案：A\n(注:文件素材和资料部分来自网络,供参考。",
        [HOTLINE]),
    "regulation numbered list": (
        "客户服务管理办法\n1. 客户投诉方式:可通过电话投诉。\n2. 投诉登记:应及时登记。\n"
        "1.热线是（ ）。A、95598B、12345C、10086答案：A\n第二条 本办法自发布之日起执行。",
        [HOTLINE]),
    "numbering gap": ("1.甲（ ）。A、一B、二答案：A\n3.乙（ ）。\nA、一\nB、二\n答案：B",
                      [(1, "single", "甲（ ）。", "A=一 B=二", "A"),
                       (3, "single", "乙（ ）。", "A=一 B=二", "B")]),
    "header glued to the last answer": (
        "一、单选题1.甲（ ）。A、一B、二答案：A二、多选题(共2题)1.乙（ ）。A、一B、二答案：AB",
        [(1, "single", "甲（ ）。", "A=一 B=二", "A"),
         (1, "multiple", "乙（ ）。", "A=一 B=二", "AB")]),
    "bank title repeated as a page header": (
        "用电客户受理员-中级工题库\n1.甲（ ）。A、一B、二答案：A\n用电客户受理员-中级工题库\n"
        "2.乙（ ）。A、一B、二答案：B",
        [(1, "single", "甲（ ）。", "A=一 B=二", "A"),
         (2, "single", "乙（ ）。", "A=一 B=二", "B")]),
    "advert and page footer inside a question": (
        "1.热线是（ ）。\n- 1、下载文档前请自行甄别文档内容的完整性\n第 1 页 共 5 页\n"
        "A、95598B、12345C、10086答案：A",
        [HOTLINE]),
    "option text wrapped, lower-case key": (
        "1.热线是（ ）。\nA、供电服务\n热线\nB、12345\n答案：a",
        [(1, "single", "热线是（ ）。", "A=供电服务热线 B=12345", "A")]),
    # spacing and line ends
    "CRLF, NBSP, zero-width, stray spaces": (
        "1 .\u00a0热线\u200b是（ ）。\r\nA 、95598\r\nB、 12345\r\nC、10086\r\n正确答案 ： A\r\n",
        [HOTLINE]),
}
# fmt: on


@pytest.mark.parametrize(("text", "expected"), VARIANTS.values(), ids=VARIANTS.keys())
def test_format_variants(text: str, expected: list[Brief]) -> None:
    assert [brief(item) for item in read(text)] == expected


def test_explanation_may_span_lines() -> None:
    first, second = read(
        "1.热线是（ ）。\nA、95598\nB、12345\n答案：A\n解析：统一热线。\n全国通用。\n"
        "2.乙（ ）。A、一B、二答案：B答案解析:乙对。"
    )
    assert (first.explanation, second.explanation) == ("统一热线。全国通用。", "乙对。")


def test_export_fields_fill_category_and_difficulty() -> None:
    (item,) = read(
        "题型：多选题\n题干：渠道有（ ）。\n选项A：营业厅\n选项B：95598\n选项C：菜市场\n"
        "答案：AB\n解析：都是。\n难度：较难\n知识点：服务渠道"
    )
    assert brief(item) == (1, "multiple", "渠道有（ ）。", "A=营业厅 B=95598 C=菜市场", "AB")
    assert (item.explanation, item.difficulty, item.category) == ("都是。", 4, "服务渠道")


def test_source_line_and_level_come_from_the_bank() -> None:
    items = read(
        "用电客户受理员-技师练习题\n\n一、单选题\n1.甲（ ）。\nA、一\nB、二\n答案：A\n"
        "用电客户受理员-高级技师模拟题一、单选题1.乙（ ）。A、一B、二答案：B"
    )
    assert [(i.source, i.level, i.line, i.number) for i in items] == [
        ("用电客户受理员-技师练习题", "技师", 4, 1),
        ("用电客户受理员-高级技师模拟题", "高级技师", 8, 1),
    ]


def test_a_cut_off_question_stops_at_the_next_document() -> None:
    items = read(
        "一、单选题\n1.甲（ ）。A、一B、二答案：A\n2.乙的期限为()。\n某某管理办法\n"
        "第一条 为了规范管理，制定本办法。\n3.丙（ ）。\nA、一\nB、二\n答案：B"
    )
    assert [brief(i) for i in items] == [
        (1, "single", "甲（ ）。", "A=一 B=二", "A"),
        (2, "single", "乙的期限为()。", "", ""),
        (3, "single", "丙（ ）。", "A=一 B=二", "B"),
    ]
    assert [i.status for i in items] == ["ready", "needs_review", "ready"]


def test_stray_text_does_not_unmake_the_next_numbered_question() -> None:
    """A footer line the cleaner does not know sits between two questions; the next one has no
    answer. It carries on the running number, so it is kept and reported, not lost."""
    items = read(
        "三、判断题\n1.客户可以报修。（ √ ）\n本页由某某文库整理\n2.电费可以不交。\n"
        "3.表计由供电企业安装。答案：对"
    )
    assert [(i.number, i.stem, "".join(i.answer), i.status) for i in items] == [
        (1, "客户可以报修。（ ）", "A", "ready"),
        (2, "电费可以不交。", "", "needs_review"),
        (3, "表计由供电企业安装。", "A", "ready"),
    ]
    assert [p.code for p in items[1].problems] == [ProblemCode.NO_ANSWER]


# fmt: off
PROBLEMS = {
    "cut off": ("1.甲（ ）。A、一B、二答案：A\n2.乙的期限为()。\n某某管理办法",
                ProblemCode.CUT_OFF, "第2题缺少选项（题目在选项前被截断）"),
    "no answer": ("1.甲（ ）。A、一B、二", ProblemCode.NO_ANSWER, "第1题没有答案"),
    "answer not in options": ("1.甲（ ）。A、一B、二C、三D、四答案：E",
                              ProblemCode.ANSWER_NOT_IN_OPTIONS, "答案“E”不在选项 A–D 中"),
    "letters out of sequence": ("1.甲（ ）。A、一C、二D、三答案：A", ProblemCode.OPTION_SEQUENCE,
                                "选项字母不连续：A、C、D（缺少 B）"),
    "letter repeated": ("1.甲（ ）。\nA、一\nB、二\nB、三\n答案：A", ProblemCode.OPTION_SEQUENCE,
                        "选项字母重复：A、B、B"),
    "not a judgement": ("三、判断题\n1.客户可以报修。答案：C", ProblemCode.NOT_A_JUDGEMENT,
                        "答案“C”却不是对/错"),
    "single with two keys": ("一、单选题\n1.甲（ ）。A、一B、二答案：AB", ProblemCode.ANSWER_COUNT,
                             "是单选题，却有 2 个答案：AB"),
    "multiple with one key": ("二、多选题\n1.甲（ ）。A、一B、二答案：A", ProblemCode.ANSWER_COUNT,
                              "是多选题，却只有 1 个答案：A"),
    "one option": ("1.甲（ ）。A、一答案：A", ProblemCode.TOO_FEW_OPTIONS, "只有 1 个选项"),
    "empty stem": ("1.\nA、一\nB、二\n答案：A", ProblemCode.EMPTY_STEM, "第1题题干为空"),
    "duplicate": ("1.甲（ ）。A、一B、二答案：A\n2.甲(  )。A、二B、一答案：B",
                  ProblemCode.DUPLICATE_IN_FILE, "第2题与第1题（第1行）重复"),
}
# fmt: on


@pytest.mark.parametrize(("text", "code", "message"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_each_defect_is_reported(text: str, code: ProblemCode, message: str) -> None:
    problems = [p for item in read(text) for p in item.problems]
    assert [p.code for p in problems] == [code]
    assert message in problems[0].message


def test_a_defective_item_is_never_given_an_answer() -> None:
    items = read("1.甲（ ）。A、一B、二\n2.乙的期限为()。\n某某管理办法")
    assert [(i.answer, i.status) for i in items] == [((), "needs_review"), ((), "needs_review")]


def test_questions_of_other_types_are_reported_as_skipped() -> None:
    result = parse_document_text(
        "三、判断题\n1.客户可以报修。答案：对\n四、简答题\n1.简述95598的服务内容。\n"
        "答：受理咨询、报修、投诉。\n2.简述业扩报装流程。\n题型：填空题\n题干：热线是____。\n"
        "答案：95598\n题型：判断题\n题干：电费可以不交。\n答案：错",
        "mixed.txt",
    )
    assert [brief(item) for item in result.items] == [JUDGE_TRUE, (4, *JUDGE_FALSE[1:])]
    assert [(q.line, q.number, q.code, q.kind) for q in result.skipped] == [
        (4, 1, "unsupported_type", "简答题"),
        (6, 2, "unsupported_type", "简答题"),
        (7, 3, "unsupported_type", "填空题"),
    ]
    assert result.skipped[0].message == "第1题是简答题，题库只收单选、多选和判断题，未导入"
    assert result.file_problems == []


def test_a_file_without_questions_says_so() -> None:
    result = parse_document_text("第一条 为了规范管理，制定本办法。\n1. 投诉登记。", "rules.txt")
    assert result.items == []
    assert result.file_problems == ["文件“rules.txt”中没有找到题目"]


@pytest.mark.parametrize("text", [text for text, _expected in VARIANTS.values()])
def test_parsing_and_validating_again_changes_nothing(text: str) -> None:
    first = parse_document_text(text, "case.txt").items
    assert parse_document_text(text, "case.txt").items == first
    assert validate_items(first) == first
