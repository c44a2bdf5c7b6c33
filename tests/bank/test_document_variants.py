"""Real banks' variants, one fixture each (``data/variants/``): what is read, what is reported.

The promise to a trainer: every question in the file is imported right, or reported with its
line and why; nothing is dropped without a word and no key is invented. Each case names the
items read (number, type, stem, options, key), the noise taken out by kind, the unread lines,
and what the numbering check says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from exam_app.bank.importers import read_file
from exam_app.bank.parsed import ParsedItem, ParseResult

VARIANTS = Path(__file__).parent / "data" / "variants"

Brief = tuple[int, str, str, str, str]
J = "A=正确 B=错误"


def brief(item: ParsedItem) -> Brief:
    options = " ".join(f"{o.label}={o.text}" for o in item.options)
    return item.number, str(item.type), item.stem, options, "".join(item.answer)


@dataclass
class Case:
    items: list[Brief]
    noise: dict[str, int] = field(default_factory=dict)
    unread: list[int] = field(default_factory=list)
    problems: dict[int, list[str]] = field(default_factory=dict)  #: number -> codes
    says: list[str] = field(default_factory=list)  #: fragments of the report's messages
    clean: bool = True


def read(name: str) -> ParseResult:
    return read_file((VARIANTS / name).read_bytes(), name)


HOT = (1, "single", "热线是（ ）。", "A=95598 B=12345", "A")
FEE = (2, "single", "电费应按（ ）交纳。", "A=月 B=年", "A")

# fmt: off
CASES = {
    "pdf_running_header.txt": Case(  # CRLF; the title on every page, anywhere; page counters
        [(1, "single", "供电企业应当在（ ）内答复客户。",
          "A=3个工作日 B=5个工作日 C=7个工作日 D=10个工作日", "B"),
         (2, "single", "客户申请暂停用电，应提前（ ）提出。", "A=3天 B=5天 C=7天 D=10天", "B"),
         (3, "single", "供电服务热线是（ ）。", "A=95598 B=12345", "A"),
         (4, "single", "电能表属于（ ）计量器具。", "A=强制检定 B=非强制检定", "A"),
         (5, "single", "用户违约用电应承担（ ）。", "A=违约责任 B=刑事责任", "A")],
        noise={"page_counter": 2, "page_header": 4}, says=["一、单选题：1–5，读到 5 题；没有缺号"]),
    "pdf_running_header_numbered.txt": Case(  # the header carries the page number
        [(1, "single", "供电企业应当在（ ）内答复客户。",
          "A=3个工作日 B=5个工作日 C=7个工作日", "B"),
         (2, "single", "客户申请暂停用电，应提前（ ）提出。", "A=3天 B=5天", "B"),
         (3, "single", "供电服务热线是（ ）。", "A=95598 B=12345", "A")],
        noise={"page_header": 3}),
    "option_looks_like_title.txt": Case(  # "B、安全生产模拟考试题库" is an option, not a bank
        [(1, "single", "下列属于年度培训内容的是（ ）。",
          "A=电力安全工作规程考试 B=安全生产模拟考试题库 C=营销服务技能测试", "B"),
         (2, "single", "热线是（ ）。", "A=95598 B=12345", "A"),
         (3, "single", "电费应按（ ）交纳。", "A=月 B=年", "A"),
         (4, "judge", "客户可以通过95598报修。", J, "A")],
        says=["一、单选题：1–3，读到 3 题；没有缺号"]),
    "pdf_wrapped_digits.txt": Case(
        [(1, "single", "电缆保护管的内径与电缆外径之比不得小于1.5倍，埋设深度一般为20～50mm 以上，"
          "下列说法正确的是（ ）。", "A=正确 B=不正确", "A"),
         (2, "single", "供电企业应在停电15 日前，将（ ）报送有关部门。",
          "A=停电计划 B=抢修记录", "A"),
         (3, "single", "高处作业应设置高度不低于（ ）。",
          "A=1．0m 的护栏 B=1．2m 的防护栏杆 C=0．8m 的围栏", "B"),
         (4, "single", "下列哪种电压等级适用于110V 输电线路（ ）。", "A=低压 B=高压", "A")]),
    "pdf_displaced_stop.txt": Case(  # an excerpt from question 86; "87（. ）" is 87
        [(86, "single", "电力监管机构对违法行为具有（ ）。", "A=调查权 B=处罚权", "A"),
         (87, "single", "（ ）的行政处罚权由电力管理部门行使。", "A=供电企业 B=电力管理部门", "B"),
         (88, "single", "用户应当安全用电（ ）。", "A=对 B=错", "A")],
        says=["86–88，读到 3 题；缺少第1–85题"], clean=False),
    "pdf_two_options_per_line.txt": Case(
        [(1, "single", "生产经营单位应当制定（ ）。",
          "A=应急措施 B=救援预案 C=培训计划 D=考核办法", "B"),
         (2, "single", "安全生产管理应坚持（ ）的方针。", "A=安全第一 B=效益优先", "A")]),
    "numbering_continuous.txt": Case(
        [HOT, FEE,
         (3, "multiple", "营业厅提供（ ）。", "A=缴费 B=报装 C=售卖", "AB"),
         (4, "multiple", "计量装置包括（ ）。", "A=电能表 B=互感器 C=桌椅", "AB"),
         (5, "judge", "客户可以通过95598报修。", J, "A"), (6, "judge", "电费可以不交。", J, "B")],
        says=["二、多选题：3–4，读到 2 题；没有缺号", "三、判断题：5–6，读到 2 题；没有缺号"]),
    "numbering_restart.txt": Case(  # restarts at 1 per section; starts at 二、; 3 is missing
        [HOT, FEE, (4, "single", "抄表周期一般为（ ）。", "A=月 B=日", "A"),
         (1, "multiple", "营业厅提供（ ）。", "A=缴费 B=报装 C=售卖", "AB"),
         (2, "multiple", "计量装置包括（ ）。", "A=电能表 B=互感器 C=桌椅", "AB"),
         (1, "judge", "客户可以通过95598报修。", J, "A"), (2, "judge", "电费可以不交。", J, "B")],
        says=["二、单选题：1–4，读到 3 题；缺少第3题", "三、多选题：1–2，读到 2 题；没有缺号"],
        clean=False),
    "word_auto_numbering.txt": Case(  # "2、3、4、5、下列…" is question 5; the rest is nowhere
        [HOT, FEE, (3, "single", "抄表周期一般为（ ）。", "A=月 B=日", "A"),
         (4, "single", "营业厅的服务时间由（ ）确定。", "A=供电企业 B=客户", "A"),
         (5, "single", "下列属于供电服务渠道的是（ ）。", "A=95598热线 B=菜市场", "A"),
         (6, "single", "计量装置由（ ）安装。", "A=供电企业 B=客户", "A")],
        noise={"auto_numbering": 1}),
    "header_declared_counts.txt": Case(  # the headers declare 3 and 2; the file holds 2 and 1
        [HOT, FEE, (3, "judge", "客户可以通过95598报修。", J, "A")],
        says=["标题写明 3 题，读到 2 题",
              "二. 判断题（共 2 题，2.0 分）：3–3，读到 1 题；没有缺号；标题写明 2 题，读到 1 题"],
        clean=False),
    "options_on_lines.txt": Case(  # TABs, runs of spaces, A on the stem line, "B 、", "A)x"
        [(1, "single", "业扩报装的环节有（ ）。", "A=受理 B=勘查", "B"),
         (2, "single", "客户经理应（ ）。", "A=主动服务 B=被动等待 C=拒绝服务", "A"),
         (3, "single", "生产经营单位的（ ）对安全生产负责。",
          "A=主要负责人 B=从业人员 C=监管部门", "A"),
         (4, "single", "Which statement is right?", "A=Correct B=Incorrect", "B")]),
    "option_empty_label.txt": Case(
        [(1, "single", "热线是（ ）。", "A=95598 B= C=10086", "A")],
        problems={1: ["empty_option"]}, clean=False),
    "option_repeated_label.txt": Case(  # A B C E E: both E kept, reported
        [(1, "single", "热线是（ ）。", "A=95598 B=12345 C=10086 E=12315 E=12306", "A")],
        problems={1: ["option_sequence"]}, clean=False),
    "stem_letter_words.txt": Case(
        [(1, "single", "漏电保护器的额定动作电流为30mA、动作时间不超过（ ）。",
          "A=0.1s B=0.2s", "A"),
         (2, "single", "两元件三相有功电能表接线时不接A相电流还是（ ）。",
          "A=B相电流 B=C相电流", "A")]),
    "stray_line.txt": Case([HOT, FEE], unread=[3], clean=False),
    "keys_styles.txt": Case(  # 正确答案：/答案:/glued to the last option/参考答案：A、B
        [HOT, FEE,
         (3, "single", "应急管理应配备（ ）。",
          "A=应急预案 B=救援队伍 C=演练计划 D=个人防护用品", "B"),
         (4, "multiple", "营业厅提供（ ）。", "A=缴费 B=报装 C=售卖 D=咨询", "ABD"),
         (5, "multiple", "计量装置包括（ ）。", "A=电能表 B=互感器 C=桌椅", "AB")]),
    "keys_my_answer.txt": Case(  # the candidate's answer is no key
        [(1, "single", "热线是（ ）。", "A=95598 B=12345 C=10086", "A"), FEE,
         (3, "judge", "客户可以通过95598报修。", J, "A")],
        noise={"own_answer": 3}),
    "keys_in_brackets.txt": Case(  # the key leaves the stem, the blank stays
        [(1, "single", "热线是（ ）。", "A=12345 B=95598", "B"),
         (2, "single", "电费应按( )交纳。", "A=月 B=年", "A"),
         (3, "multiple", "营业厅提供（ ）。", "A=缴费 B=报装 C=售卖 D=咨询", "ABD")]),
    "judge_keys.txt": Case(  # （正确）lines, 对/错, √/×, A/B against A.正确 B.错误
        [(1, "judge", "客户可以通过95598报修。", J, "A"), (2, "judge", "电费可以不交。", J, "B"),
         (3, "judge", "电能表由供电企业安装。", J, "A"), (4, "judge", "用户可以私自增容。", J, "B"),
         (5, "judge", "供电企业应公布服务承诺。（ ）", J, "A"),
         (6, "judge", "用户可以转供电。（ ）", J, "B"),
         (7, "judge", "客户经理应主动服务。", J, "A"),
         (8, "judge", "窃电不需要承担责任。", J, "B")]),
    "key_without_letter.txt": Case(  # "答案：全错。": needs review, never guessed
        [(1, "single", "热线是（ ）。", "A=95598 B=12345", ""), FEE],
        problems={1: ["unreadable_key"]}, says=["第1题没有可用答案"], clean=False),
    "course_export.txt": Case(  # type prefixes, 我的答案, 0.0分, 答案解析, 知识点
        [HOT, FEE, (3, "multiple", "营业厅提供（ ）。", "A=缴费 B=报装 C=售卖", "AB"),
         (4, "judge", "客户可以通过95598报修。", J, "A")],
        noise={"own_answer": 4, "score_line": 4}),
    "ocr_dump.txt": Case(  # counters glued to a header, lost labels, lower-case keys
        [HOT, (2, "single", "电费应按（ ）交纳。", "", "A"),
         (3, "single", "抄表周期一般为（ ）。", "A=月 B=日", "A"),
         (4, "single", "营业厅由（ ）设立供电企业 客户", "", "A")],
        noise={"page_counter": 2, "page_header": 1}, unread=[7, 8],
        problems={2: ["cut_off"], 4: ["cut_off"]}, says=["未读取：第7–8行"], clean=False),
}
ENCODED = ["encoding_utf8.txt", "encoding_utf8_bom.txt", "encoding_gbk.txt",
           "encoding_utf16_bom.txt"]
# fmt: on


def test_every_fixture_has_a_case() -> None:
    names = {path.name for path in VARIANTS.glob("*.txt")}
    assert names == {*CASES, *ENCODED, "encoding_refused_latin1.txt"}


@pytest.mark.parametrize("name", CASES)
def test_variant(name: str) -> None:
    case = CASES[name]
    result = read(name)
    assert result.file_problems == []
    assert [brief(item) for item in result.items] == case.items
    problems = {i.number: [str(p.code) for p in i.problems] for i in result.items if i.problems}
    assert problems == case.problems
    report = result.report
    assert report is not None
    assert report.noise == case.noise
    assert [line.line for line in report.unread] == case.unread
    for fragment in case.says:
        assert any(fragment in message for message in report.messages), report.messages
    assert report.clean is case.clean, report.messages


@pytest.mark.parametrize("name", CASES)
def test_every_line_is_accounted_for(name: str) -> None:
    """Question, structure, noise or unread: the report's lines add up to the file's."""
    result = read(name)
    assert result.report is not None
    text = (VARIANTS / name).read_bytes().decode("utf-8")
    assert result.report.lines == sum(1 for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("name", ENCODED)
def test_encodings_read_alike(name: str) -> None:
    result = read(name)
    assert [brief(i) for i in result.items] == [
        (1, "single", "热线是（ ）。", "A=95598 B=12345", "A"),
        (2, "judge", "电费可以不交。", J, "B"),
    ]
    assert result.report is not None and result.report.clean


def test_another_encoding_is_refused_with_a_clear_message() -> None:
    result = read("encoding_refused_latin1.txt")
    assert result.items == []
    assert result.file_problems == [
        "文件“encoding_refused_latin1.txt”不是可读的文本文件（已尝试 UTF-8、UTF-16、GB18030 编码）"
    ]
