"""Reading question items from .xlsx and .csv files (bank.importers.spreadsheet)."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from exam_app.bank.importers import read_file
from exam_app.bank.importers.spreadsheet import parse_spreadsheet
from exam_app.bank.parsed import JUDGE_OPTIONS, ItemType, OptionData, ProblemCode
from tests import bombs

HEADER = ["题号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析"]
HEADER += ["分类", "等级", "难度", "来源", "标签"]
SINGLE = ["1", "单选", "客户服务热线是（ ）。", "95598", "12345", "", "", "A", "统一热线"]
SINGLE += ["客户服务/服务渠道", "初级工", "1", "培训教材", "热线；渠道"]
MULTIPLE = ["2", "多选", "居民新装需提供（ ）。", "身份证明", "产权证明", "营业执照", "", "A,B"]
MULTIPLE += ["", "业扩报装", "中级工", "3", "", ""]
JUDGE = ["3", "判断", "应告知客户答复时限。", "", "", "", "", "对", "", "", "", "", "", ""]
FORMATS = ["xlsx", "csv"]


def make_xlsx(rows: list[list[object]], sheets: tuple[str, ...] = ("题库",)) -> bytes:
    """A workbook whose sheets all hold ``rows``; strings are text cells, numbers numbers."""
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for name in sheets[1:]:
        book.create_sheet(name)
    for sheet in book.worksheets:
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    cell = sheet.cell(row=r, column=c, value=value)
                    cell.data_type = "s" if isinstance(value, str) else cell.data_type
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_csv(rows: list[list[object]], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def parse(fmt: str, rows: list[list[object]]):
    data = make_xlsx(rows) if fmt == "xlsx" else make_csv(rows)
    return parse_spreadsheet(data, f"题库.{fmt}")


def row_with(column: str, value: str, base: list[str] = SINGLE) -> list[str]:
    row = list(base)
    row[HEADER.index(column)] = value
    return row


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_one_item_of_each_type(fmt):
    result = parse(fmt, [HEADER, SINGLE, MULTIPLE, JUDGE])
    assert result.file_problems == []
    single, multiple, judge = result.items
    assert (single.number, single.line, single.type) == (1, 2, ItemType.SINGLE)
    assert single.stem == "客户服务热线是（ ）。"
    assert single.options == (OptionData("A", "95598"), OptionData("B", "12345"))
    assert single.answer == ("A",)
    assert (single.explanation, single.category, single.level) == (
        "统一热线",
        "客户服务/服务渠道",
        "初级工",
    )
    assert (single.difficulty, single.source, single.tags) == (1, "培训教材", ("热线", "渠道"))
    assert (multiple.type, multiple.answer, len(multiple.options)) == (
        ItemType.MULTIPLE,
        ("A", "B"),
        3,
    )
    assert (multiple.explanation, multiple.source, multiple.tags) == ("", None, ())
    assert judge.type is ItemType.JUDGE
    assert judge.options == tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)
    assert judge.answer == ("A",)
    assert (judge.category, judge.level, judge.difficulty) == (None, None, None)
    assert all(item.problems == () for item in result.items)


@pytest.mark.parametrize(
    "header",
    [
        ["number", "type", "stem", "option_a", "option_b", "answer", "difficulty", "tags"],
        ["Number", "TYPE", " Stem ", "Option A", "option-b", "Answer", "Difficulty", "Tags"],
        [" 题号 ", "题　型", "题干\n", "选项Ａ", "选项Ｂ", "答案", "难度", "标签"],
        ["序号", "试题类型", "题目", "选项A", "选项B", "正确答案", "难度系数", "标签"],
    ],
)
def test_accepts_english_and_untidy_headers(header):
    row = ["5", "单选", "题干文字", "甲", "乙", "B", "2", "x、y"]
    (item,) = parse("xlsx", [header, row]).items
    assert (item.number, item.stem, item.answer, item.difficulty) == (5, "题干文字", ("B",), 2)
    assert item.options == (OptionData("A", "甲"), OptionData("B", "乙"))
    assert item.tags == ("x", "y")


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("utf-8-sig", ";"), ("gb18030", "\t")],
)
def test_reads_csv_as_excel_writes_it(encoding, delimiter):
    data = make_csv([HEADER, SINGLE, MULTIPLE], encoding, delimiter)
    result = parse_spreadsheet(data, "题库.CSV")
    assert result.file_problems == []
    assert [item.stem for item in result.items] == [SINGLE[2], MULTIPLE[2]]
    assert result.items[0].tags == ("热线", "渠道")


@pytest.mark.parametrize("fmt", FORMATS)
def test_cells_stay_as_typed(fmt):
    row = ["0007", "单选", "0001", "1.0", "10", "123456789012345678901", "", "C"]
    (item,) = parse(fmt, [HEADER[:8], row]).items
    assert (item.number, item.stem) == (7, "0001")
    assert [o.text for o in item.options] == ["1.0", "10", "123456789012345678901"]


def test_numeric_xlsx_cells_are_read_as_their_text():
    (item,) = parse(
        "xlsx", [HEADER, [4, "单选", "题", 10, 2.5, "", "", "A"] + [""] * 3 + [3]]
    ).items
    assert (item.number, item.difficulty) == (4, 3)
    assert [o.text for o in item.options] == ["10", "2.5"]


TYPE_EXPECTED = "单选、多选或判断"
LEVEL_EXPECTED = "初级工、中级工、高级工、技师或高级技师"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("题型", "填空", f"第2行“题型”应为 {TYPE_EXPECTED}，实际为“填空”"),
        ("题型", "", f"第2行“题型”为空，应为 {TYPE_EXPECTED}"),
        ("难度", "很难", "第2行“难度”应为 1–5 的整数，实际为“很难”"),
        ("难度", "0", "第2行“难度”应为 1–5 的整数，实际为“0”"),
        ("难度", "6", "第2行“难度”应为 1–5 的整数，实际为“6”"),
        ("难度", "2.5", "第2行“难度”应为 1–5 的整数，实际为“2.5”"),
        ("难度", "-1", "第2行“难度”应为 1–5 的整数，实际为“-1”"),
        ("等级", "专家", f"第2行“等级”应为 {LEVEL_EXPECTED}，实际为“专家”"),
        ("等级", "初级", f"第2行“等级”应为 {LEVEL_EXPECTED}，实际为“初级”"),
    ],
)
def test_a_cell_not_of_its_kind_is_a_bad_field(fmt, column, value, message):
    (item,) = parse(fmt, [HEADER, row_with(column, value)]).items
    assert [(p.code, p.message) for p in item.problems] == [(ProblemCode.BAD_FIELD, message)]
    assert item.status == "needs_review"
    if column == "难度":
        assert item.difficulty is None
    if column == "等级":
        assert item.level is None


@pytest.mark.parametrize(
    ("row", "expected_type"),
    [
        (row_with("题型", "填空"), ItemType.SINGLE),
        (row_with("题型", "填空", MULTIPLE), ItemType.MULTIPLE),
        (row_with("题型", "?", JUDGE), ItemType.JUDGE),
    ],
)
def test_a_bad_type_is_reported_and_guessed_from_the_row(row, expected_type):
    (item,) = parse("csv", [HEADER, row]).items
    assert item.type is expected_type
    assert [p.code for p in item.problems] == [ProblemCode.BAD_FIELD]


@pytest.mark.parametrize(
    ("column", "value", "field", "expected"),
    [
        ("难度", "３", "difficulty", 3),
        ("难度", "3.0", "difficulty", 3),
        ("难度", " 5 ", "difficulty", 5),
        ("难度", "", "difficulty", None),
        ("等级", "高级技师", "level", "高级技师"),
        ("等级", " 技师 ", "level", "技师"),
        ("题型", "单选题", "type", ItemType.SINGLE),
        ("题型", "单项选择", "type", ItemType.SINGLE),
        ("题型", "Single", "type", ItemType.SINGLE),
        ("题型", "多项选择", "type", ItemType.MULTIPLE),
        ("题型", "multiple", "type", ItemType.MULTIPLE),
        ("题型", "是非", "type", ItemType.JUDGE),
        ("题型", "判断题", "type", ItemType.JUDGE),
        ("题型", "true_false", "type", ItemType.JUDGE),
        ("分类", " 电费电价 / 电价政策 ", "category", "电费电价/电价政策"),
        ("分类", "电费电价／电价政策", "category", "电费电价/电价政策"),
        ("标签", "热线；服务, 渠道、热线，投诉;", "tags", ("热线", "服务", "渠道", "投诉")),
        ("来源", "", "source", None),
    ],
)
def test_accepted_cell_spellings(column, value, field, expected):
    (item,) = parse("csv", [HEADER, row_with(column, value)]).items
    assert getattr(item, field) == expected
    assert item.problems == ()


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        ("对", ("A",)),
        ("错", ("B",)),
        ("正确", ("A",)),
        ("错误", ("B",)),
        ("√", ("A",)),
        ("×", ("B",)),
        ("A", ("A",)),
        ("b", ("B",)),
        ("Ｂ", ("B",)),
        (" 对 ", ("A",)),
        ("也许", ("也许",)),  # left as typed for validation to report
        ("", ()),
    ],
)
def test_judge_keys_become_option_labels(raw, answer):
    (item,) = parse("csv", [HEADER, row_with("答案", raw, JUDGE)]).items
    assert item.answer == answer


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        ("ABD", ("A", "B", "D")),
        ("a,b,d", ("A", "B", "D")),
        ("Ｄ Ａ、B", ("A", "B", "D")),
        ("BA", ("A", "B")),
        ("A和B", ("A和B",)),  # left as typed for validation to report
        ("", ()),
    ],
)
def test_choice_answers_become_sorted_labels(raw, answer):
    (item,) = parse("csv", [HEADER, row_with("答案", raw, MULTIPLE)]).items
    assert item.answer == answer


def test_options_keep_their_column_labels_across_a_gap():
    row = ["1", "单选", "题", "甲", "", "丙", "", "A"]
    (item,) = parse("csv", [HEADER[:8], row]).items
    assert [o.label for o in item.options] == ["A", "C"]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ([h for h in HEADER if h != "题型"], "题型"),
        ([h for h in HEADER if h not in ("题干", "答案")], "题干、答案"),
        ([h for h in HEADER if not h.startswith("选项")], "选项A"),
        (["题干", "选项A"], "题型、答案"),
    ],
)
def test_missing_required_columns_give_a_file_problem_and_no_items(header, missing):
    rows = [header, [SINGLE[HEADER.index(h)] for h in header]]
    result = parse("csv", rows)
    assert result.items == []
    assert len(result.file_problems) == 1
    assert f"缺少必需的列：{missing}（" in result.file_problems[0]


def test_a_judge_only_file_needs_no_option_columns():
    result = parse("csv", [["题型", "题干", "答案"], ["判断", "电能表应定期校验。", "√"]])
    assert result.file_problems == []
    assert result.items[0].answer == ("A",)


def test_cells_beyond_the_header_are_ignored():
    result = parse(
        "csv", [["题型", "题干", "答案"], ["判断", "甲", "对"], ["判断", "乙", "错", "备注"]]
    )
    assert [(item.stem, item.answer) for item in result.items] == [("甲", ("A",)), ("乙", ("B",))]


def test_a_repeated_column_is_a_file_problem():
    result = parse("csv", [[*HEADER, "题干"], [*SINGLE, "另一题干"]])
    assert (result.items, result.file_problems) == ([], ["表头中“题干”列出现了不止一次"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_rows_are_skipped_and_lines_are_excel_rows(fmt):
    blank, numbered_only = [""] * len(HEADER), ["9"] + [""] * (len(HEADER) - 1)
    with_newline = row_with("题干", "第一行\n第二行")
    rows = [HEADER, SINGLE, blank, with_newline, blank, numbered_only, JUDGE, ["  "] * 3]
    result = parse(fmt, rows)
    assert [item.line for item in result.items] == [2, 4, 7]
    assert result.items[1].stem == "第一行\n第二行"


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [(None, [1, 2, 3]), (["12", "x", ""], [12, 2, 3]), (["0012", "5.0", "0"], [12, 5, 3])],
)
def test_number_is_the_cell_if_integer_else_the_position(numbers, expected):
    rows = [list(r) for r in (HEADER, SINGLE, MULTIPLE, JUDGE)]
    if numbers is None:
        rows = [r[1:] for r in rows]
    else:
        for row, number in zip(rows[1:], numbers, strict=True):
            row[0] = number
    assert [item.number for item in parse("csv", rows).items] == expected


@pytest.mark.parametrize(
    ("sheets", "stem"),
    [(("题库", "说明"), SINGLE[2]), (("说明", "题库"), SINGLE[2]), (("Notes", "Items"), SINGLE[2])],
)
def test_reads_the_items_sheet_else_the_first(sheets, stem):
    result = parse_spreadsheet(make_xlsx([HEADER, SINGLE], sheets), "a.xlsx")
    assert [item.stem for item in result.items] == [stem]


def test_first_sheet_is_read_when_none_is_named_for_items():
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(SINGLE)
    book.create_sheet("其他").append(["无关"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(parse_spreadsheet(buffer.getvalue(), "a.xlsx").items) == 1


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"", "a.csv", "表格是空的"),
        (b"\r\n\r\n", "a.csv", "表格是空的"),
        (b"not a workbook", "a.xlsx", "无法读取 Excel 文件"),
        (b"whatever", "a.xls", "另存为 .xlsx 或 .csv"),
        (b"whatever", "a.docx", "不是 .xlsx 或 .csv 表格"),
        (make_csv([HEADER]), "a.csv", "表格中没有题目"),
        (make_xlsx([HEADER, [""] * 3]), "a.xlsx", "表格中没有题目"),
        (make_xlsx([]), "a.xlsx", "表格是空的"),
        (b"\xff\xfe\x00\xd8", "a.csv", "无法识别 CSV 文件的编码"),
        ('题型,题干,答案\n判断,"未闭合,对\n'.encode(), "a.csv", "请检查引号是否成对"),
    ],
)
def test_unusable_files_give_a_file_problem(data, filename, fragment):
    result = parse_spreadsheet(data, filename)
    assert result.items == []
    assert len(result.file_problems) == 1
    assert fragment in result.file_problems[0]


def _sheet_row(row: int, values: list[str], formulas: dict[str, str] | None = None) -> bytes:
    """A row of text cells; ``formulas`` maps a header to a formula cell's attributes and insides
    as Excel saves them (``t="str"><f>…</f><v>result</v>``)."""
    cells = []
    for column, (header, value) in enumerate(zip(HEADER, values, strict=False)):
        reference = f"{get_column_letter(column + 1)}{row}"
        if header in (formulas or {}):
            cells.append(f'<c r="{reference}" {(formulas or {})[header]}</c>')
        elif value:
            cells.append(f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
    return f'<row r="{row}">{"".join(cells)}</row>'.encode()


def test_formula_cells_read_as_the_value_excel_saved_with_them():
    """Excel saves a formula with its result (<v>); that result is what is read."""
    formulas = {
        "题干": 't="str"><f>"客户服务热线是"&amp;"（ ）。"</f><v>客户服务热线是（ ）。</v>',
        "难度": "><f>1+2</f><v>3</v>",
        "解析": 't="str"><f>IF(TRUE,"","x")</f><v></v>',  # a formula giving "" has its result
    }
    rows = _sheet_row(1, HEADER) + _sheet_row(2, SINGLE, formulas)
    sheet = bombs.SHEET_START + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    (item,) = parse_spreadsheet(bombs.workbook(sheet), "题库.xlsx").items
    assert (item.stem, item.difficulty, item.explanation) == ("客户服务热线是（ ）。", 3, "")
    assert item.problems == ()


def test_a_formula_cell_saved_without_its_result_is_reported_with_row_and_column():
    """openpyxl and other programs write formulas without calculating them: read, such a cell
    is blank, which used to be reported only as an empty stem."""
    book = openpyxl.Workbook()
    book.active.title = "题库"
    book.active.append(HEADER)
    book.active.append(row_with("题干", '="客户服务热线"&"是（ ）。"'))
    book.active.append(["2", "判断", "", "", "", "", "", '=IF(1,"对","错")'])
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_file(buffer.getvalue(), "题库.xlsx")
    first, second = result.items
    advice = "：公式单元格没有计算结果，请在 Excel 中另存为数值"
    assert first.problems[0].message == "第2行“题干”（C2）" + advice
    assert [p.message for p in second.problems if "公式" in p.message] == [
        "第3行“答案”（H3）" + advice
    ]
    assert first.status == second.status == "needs_review"
