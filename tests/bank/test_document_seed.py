"""The document importer on the real seed file: four bank excerpts between regulations."""

from __future__ import annotations

import pytest

from exam_app.bank.importers.document import parse_document_text
from exam_app.bank.parsed import ItemType, ParsedItem, ParseResult, ProblemCode
from tests.seed import SEED

EXAM = "用电客户受理员-中级工考试题及答案"
MOCK = "用电客户受理员-高级工模拟题"
MID_BANK = "用电客户受理员-中级工习题库含参考答案"
HIGH_BANK = "用电客户受理员高级工习题库+参考答案"

#: The seed's lines that belong to a bank excerpt (title to the line where it is cut off).
BANK_LINES = {EXAM: (97, 108), MOCK: (141, 156), MID_BANK: (168, 180), HIGH_BANK: (207, 220)}


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def result(seed_text: str) -> ParseResult:
    return parse_document_text(seed_text, SEED.name)


def _item(result: ParseResult, bank: str, number: int) -> ParsedItem:
    (item,) = [i for i in result.items if i.source == bank and i.number == number]
    return item


def _options(item: ParsedItem) -> str:
    return " ".join(f"{o.label}={o.text}" for o in item.options)


def test_each_bank_is_read_with_its_running_numbers(result: ParseResult) -> None:
    numbers: dict[str, list[int]] = {}
    for item in result.items:
        numbers.setdefault(str(item.source), []).append(item.number)
    assert numbers == {
        EXAM: list(range(1, 10)),
        MOCK: list(range(1, 12)),
        MID_BANK: list(range(1, 13)),
        HIGH_BANK: list(range(1, 13)),
    }
    assert result.file_problems == []
    assert result.summary() == {
        "total": 44,
        "ready": 37,
        "needs_review": 6,
        "duplicates": 1,
        "problems": 7,
        "skipped": 0,
    }


def test_level_comes_from_the_bank_title(result: ParseResult) -> None:
    levels = {item.source: item.level for item in result.items}
    assert levels == {EXAM: "中级工", MOCK: "高级工", MID_BANK: "中级工", HIGH_BANK: "高级工"}
    assert {item.type for item in result.items} == {ItemType.SINGLE}


def test_no_item_comes_from_the_regulations(result: ParseResult, seed_text: str) -> None:
    for item in result.items:
        first, last = BANK_LINES[str(item.source)]
        assert first < item.line <= last, item
    lines = seed_text.splitlines()
    in_banks = {n for first, last in BANK_LINES.values() for n in range(first, last + 1)}
    regulations = "\n".join(line for n, line in enumerate(lines, 1) if n not in in_banks)
    assert parse_document_text(regulations, "regulations.txt").items == []


# fmt: off
EXACT = [
    (EXAM, 1, 98,
     "10千伏及以下公用高压线路供电的,以用户厂界外或配电室前的第一断路器或第一支持物为分界点,"
     "第一断路器或第一支持物属10千伏及以下公用高压线路供电的,以用户厂界外或配电室前的第一断路器"
     "或第一支持物为分界点,第一断路器或第一支持物属()。",
     "A=供电企业 B=两家共有 C=供电部门一段时间,以后归用户 D=用户", ("A",)),
    (EXAM, 2, 99, "用钳形万用表测量时,以下操作正确的是()。",
     "A=用电阻档去测量电流 B=测量结束后将量程开关旋到最大电压量程档位置或者OFF挡。 "
     "C=测量过程可以任意调整挡位 D=用电阻档位去测量电压", ("B",)),
    (EXAM, 8, 106,
     "用电检查资格实行统一考试认定,由省(级)电网公司统一组织。"
     "考试合格后颁发相应的《用电检查证》,有效期为()年。",
     "A=5 B=2 C=3 D=7", ("A",)),
    (MOCK, 2, 143, "两元件三相有功电能表接线时不接()。",
     "A=A相电流 B=B相电流 C=C相电流 D=B相电压", ("B",)),
    (MOCK, 7, 148, "直埋电缆路径标志,应与实际路径()。路径标志应清晰、牢固。",
     "A=相符 B=不一致 C=相近 D=相反", ("A",)),
    (MOCK, 10, 152, "发生恶性误操作(事故)事件,按照以下规定问责()。",
     "A=对主要责任者予以记大过至撤职。 B=对主要策划者予以解除劳动合同 "
     "C=对次要责任者予以警告至记大过。 D=对主要责任者予以警告至记大过。", ("D",)),
    (MID_BANK, 1, 169, "根据故障停电管理流程框图内容,抢修原则应按照()",
     "A=先复电、后抢修 B=先报计划、后组织 C=先申请、后抢修 D=先抢修、后复电", ("A",)),
    (MID_BANK, 10, 177,
     "客户遇有特殊情况,需延长供电方案有效期的,应在有效期到期前()天向供电企业提出申请,"
     "供电企业应视情况予以办理延长手续。但延长时间不得超过一年。",
     "A=5 B=30 C=10 D=15", ()),
    (MID_BANK, 11, 179,
     "根据发生停电设备的电压等级、停电原因和影响程度等划分,突发停电事件可分为:()和紧急限电。",
     "A=欠费停电 B=临时停电 C=故障停电 D=计划停电", ("C",)),
    (HIGH_BANK, 8, 216, "按一般行为规范对客户受理员的品质要求中,下面哪个叙述是错误的()。",
     "A=发扬团队精神 B=维护企业整体形象 C=部门之间、上下工序之间、员工之间相互推卸", ("C",)),
    (HIGH_BANK, 9, 217,
     "着装、仪容和举止是供电营业员工的外在表现,它既反映了员工()修养,又代表()的形象。",
     "A=个人、企业 B=集体、单位 C=个人、集体 D=国家、单位", ("A",)),
    (HIGH_BANK, 11, 219, "力率调整电费是根据客户功率因数的高低按标准()的电费。",
     "A=减收 C=增收或减收 D=不变", ("C",)),
]
# fmt: on


@pytest.mark.parametrize(("bank", "number", "line", "stem", "options", "answer"), EXACT)
def test_exact_items(
    result: ParseResult,
    bank: str,
    number: int,
    line: int,
    stem: str,
    options: str,
    answer: tuple[str, ...],
) -> None:
    item = _item(result, bank, number)
    assert (item.line, item.stem, _options(item), item.answer) == (line, stem, options, answer)


def test_exactly_the_known_defects_are_reported(result: ParseResult) -> None:
    problems = {(i.source, i.number, p.code) for i in result.items for p in i.problems}
    assert problems == {
        (EXAM, 9, ProblemCode.CUT_OFF),
        (MOCK, 11, ProblemCode.CUT_OFF),
        (MID_BANK, 10, ProblemCode.NO_ANSWER),
        (MID_BANK, 12, ProblemCode.CUT_OFF),
        (HIGH_BANK, 10, ProblemCode.DUPLICATE_IN_FILE),
        (HIGH_BANK, 11, ProblemCode.OPTION_SEQUENCE),
        (HIGH_BANK, 12, ProblemCode.CUT_OFF),
    }
    sequence = _item(result, HIGH_BANK, 11).problems[0].message
    assert sequence == "第11题选项字母不连续：A、C、D（缺少 B）"


@pytest.mark.parametrize(
    ("bank", "number", "line", "stem"),
    [
        (
            EXAM,
            9,
            108,
            "用户电费违约金的计算:除居民外其他用户跨年度欠费部分,每日按欠费总额的()计算。",
        ),
        (
            MOCK,
            11,
            156,
            "《10kV及以下业扩受电工程技术导则》3.14规定:()包括电能表、负荷管理终端、"
            "计量柜、电压互感器、电流互感器、试验接线盒及其二次回路等。",
        ),  # fmt: skip
        (
            MID_BANK,
            12,
            180,
            "在南网服务行为规范手册中,客服受理员的服务行为规范要求女员工的配饰:"
            "耳环和戒指,应()以下叙述不正确的是。",
        ),  # fmt: skip
        (HIGH_BANK, 12, 220, "高压供电方案的有效期为()。"),
    ],
)
def test_cut_off_questions_keep_their_stem_and_get_no_answer(
    result: ParseResult, bank: str, number: int, line: int, stem: str
) -> None:
    item = _item(result, bank, number)
    assert (item.line, item.stem, item.options, item.answer) == (line, stem, (), ())
    assert item.status == "needs_review"
    assert [p.message for p in item.problems] == [f"第{number}题缺少选项（题目在选项前被截断）"]


def test_the_unanswered_question_is_not_given_an_answer(result: ParseResult) -> None:
    item = _item(result, MID_BANK, 10)
    assert item.answer == ()
    assert item.status == "needs_review"


def test_the_same_question_in_two_banks_is_a_duplicate(result: ParseResult) -> None:
    first, again = _item(result, MOCK, 6), _item(result, HIGH_BANK, 10)
    assert first.duplicate_of is None
    assert again.duplicate_of == {"source": "file", "number": 6, "line": 147}
    assert _options(first) == "A=台区 B=县区局 C=分局 D=片区"
    assert _options(again) == "A=台区 B=分局 C=县区局 D=片区"
    assert first.answer == ("B",) and again.answer == ("C",)  # both 县区局
    assert again.status == "ready"  # a duplicate is not a defect of the item itself


def test_parsing_is_idempotent(seed_text: str, result: ParseResult) -> None:
    again = parse_document_text(seed_text, SEED.name)
    assert [i.as_dict() for i in again.items] == [i.as_dict() for i in result.items]
