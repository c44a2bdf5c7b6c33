"""Writing question items and the template as .xlsx/.csv, and reading them back."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from exam_app.bank.importers.spreadsheet import (
    COLUMNS,
    export_spreadsheet,
    parse_spreadsheet,
    template_spreadsheet,
)
from exam_app.bank.parsed import JUDGE_OPTIONS, ItemType, OptionData, ParsedItem

FORMATS = ["xlsx", "csv"]
JUDGE = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)


def options(*texts: str) -> tuple[OptionData, ...]:
    return tuple(OptionData(label, text) for label, text in zip("ABCDEFGH", texts, strict=False))


TRICKY = [
    ParsedItem(
        number=7,
        line=2,
        type=ItemType.SINGLE,
        stem='客户说："电费, 怎么算？"\n第二行  两个空格',
        options=options("=SUM(1)", "0001", "-5℃以下", "+86 95598"),
        answer=("A",),
        explanation="",
        category="电费电价/电价政策",
        level="初级工",
        difficulty=1,
        source="《供电营业规则》第八十条",
        tags=("电价", "计费"),
    ),
    ParsedItem(
        number=8,
        line=3,
        type=ItemType.MULTIPLE,
        stem="ＡＢＣ全角　文字，以及\t制表符",
        options=options(
            "@home", "'引号开头", "''两个", "123456789012345678901", "1.0", "甲", "乙", "丙"
        ),
        answer=("A", "B", "D", "H"),
        explanation="第一行\r\n第二行",
        category="客户服务",
        level="高级技师",
        difficulty=5,
        source=None,
        tags=("多选", "全角"),
    ),
    ParsedItem(
        number=9,
        line=4,
        type=ItemType.JUDGE,
        stem='=HYPERLINK("http://x")是公式吗？',
        options=JUDGE,
        answer=("B",),
        explanation='含"引号"和,逗号',
    ),
    ParsedItem(
        number=10, line=5, type=ItemType.JUDGE, stem="无答案的判断题", options=JUDGE, answer=()
    ),
    ParsedItem(
        number=11,
        line=6,
        type=ItemType.JUDGE,
        stem="答案写错的判断题",
        options=JUDGE,
        answer=("也许",),
    ),
]
FIELDS = ("number", "type", "stem", "options", "answer", "explanation", "category", "level")
FIELDS += ("difficulty", "source", "tags", "problems")


def content(item: ParsedItem) -> tuple[object, ...]:
    return tuple(getattr(item, name) for name in FIELDS)


def round_trip(items, fmt: str):
    result = parse_spreadsheet(export_spreadsheet(items, fmt), f"export.{fmt}")
    assert result.file_problems == []
    return result.items


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_gives_the_same_items(fmt):
    back = round_trip(TRICKY, fmt)
    assert [content(item) for item in back] == [content(item) for item in TRICKY]
    assert [item.line for item in back] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize("fmt", FORMATS)
def test_mappings_export_like_items(fmt):
    as_dicts = [item.as_dict() for item in TRICKY]
    assert export_spreadsheet(as_dicts, "csv") == export_spreadsheet(TRICKY, "csv")
    assert [content(i) for i in round_trip(as_dicts, fmt)] == [content(i) for i in TRICKY]


@pytest.mark.parametrize(
    "mapping",
    [
        {"type": "多选", "stem": "题", "options": {"A": "甲", "B": "乙"}, "answer": "AB"},
        {
            "type": "multiple",
            "stem": "题",
            "options": [("A", "甲"), ("B", "乙")],
            "answer": ["A", "B"],
        },
        {"type": ItemType.MULTIPLE, "stem": "题", "options": options("甲", "乙"), "answer": "AB"},
    ],
)
def test_mappings_may_give_options_and_answers_in_several_shapes(mapping):
    (item,) = round_trip([mapping], "csv")
    assert (item.number, item.type, item.answer) == (1, ItemType.MULTIPLE, ("A", "B"))
    assert item.options == options("甲", "乙")


def test_xlsx_cells_are_text_never_formulas():
    book = openpyxl.load_workbook(io.BytesIO(export_spreadsheet(TRICKY, "xlsx")))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" for cell in cells)
    assert "=SUM(1)" in {cell.value for cell in cells}
    assert "0001" in {cell.value for cell in cells}


def test_csv_has_a_bom_and_no_cell_that_excel_would_run():
    data = export_spreadsheet(TRICKY, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    cells = [
        cell
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        for cell in row
    ]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert {"'=SUM(1)", "'-5℃以下", "'@home", "''引号开头", "'''两个"} <= set(cells)


def test_csv_header_is_the_chinese_column_names():
    data = export_spreadsheet([], "csv").decode("utf-8-sig")
    assert data == ",".join(column.header for column in COLUMNS) + "\r\n"


def test_columns_are_in_template_order():
    headers = [column.header for column in COLUMNS]
    assert headers[:3] == ["题号", "题型", "题干"]
    assert headers[3:11] == [f"选项{label}" for label in "ABCDEFGH"]
    assert headers[11:] == ["答案", "解析", "分类", "等级", "难度", "来源", "标签"]
    assert [column.key for column in COLUMNS][3] == "option_a"


@pytest.mark.parametrize(
    ("items", "fmt"),
    [
        ([{"type": "单选", "stem": "题", "options": [("I", "第九个")], "answer": "I"}], "csv"),
        ([{"type": "填空", "stem": "题"}], "csv"),
        ([], "xls"),
    ],
)
def test_export_refuses_what_the_sheet_cannot_hold(items, fmt):
    with pytest.raises(ValueError, match="option|type|format"):
        export_spreadsheet(items, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_template_parses_back_to_its_three_examples(fmt):
    result = parse_spreadsheet(template_spreadsheet(fmt), f"模板.{fmt}")
    assert result.file_problems == []
    assert [item.type for item in result.items] == [
        ItemType.SINGLE,
        ItemType.MULTIPLE,
        ItemType.JUDGE,
    ]
    assert [item.problems for item in result.items] == [(), (), ()]
    assert all(item.stem and item.answer and item.explanation for item in result.items)
    assert all(item.category and item.level and item.difficulty for item in result.items)


def test_template_xlsx_explains_each_column():
    book = openpyxl.load_workbook(io.BytesIO(template_spreadsheet("xlsx")))
    assert book.sheetnames == ["题库", "说明"]
    explained = [row[0] for row in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert explained == [column.header for column in COLUMNS]
