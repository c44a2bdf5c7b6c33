"""Question items to and from spreadsheets (.xlsx, .csv): one row per item, Chinese headers.

``parse_spreadsheet`` reads a trainer's file into ``ParsedItem`` values and reports only cells that
are not of their column's kind (``BAD_FIELD``); answers against options, sequences and duplicates
are ``bank.validation``'s job. ``export_spreadsheet`` writes the same columns, so export -> import
round-trips; ``template_spreadsheet`` is the empty form with three example rows.

Formula injection: xlsx cells are written as explicit text, so ``=SUM(1)`` stays text. A CSV has
no cell types, so a text starting with ``= + - @`` (or ``'``) is written with one leading ``'``,
which Excel shows as text instead of running it, and the CSV reader removes that one ``'`` again.
The price: a hand-typed CSV cell ``'=x`` is read as ``=x``.

Formula cells of an .xlsx are read as the result Excel saved with them (``<v>``), never as the
formula. A program that writes formulas without calculating them (openpyxl, some exports)
leaves no result: such a cell reads as blank and is reported with its row and column, asking
for the sheet to be saved as values.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import openpyxl
import pandas as pd
from flask_babel import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from exam_app.bank.parsed import (
    JUDGE_OPTION_DATA,
    ItemType,
    OptionData,
    ParsedItem,
    ParseResult,
    Problem,
    ProblemCode,
)
from exam_app.core import textfiles, upload_limits

Format = Literal["xlsx", "csv"]
OPTION_LABELS = "ABCDEFGH"
LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师")
ITEMS_SHEET, HELP_SHEET = "题库", "说明"


@dataclass(frozen=True)
class Column:
    key: str  #: English key; also accepted as a header
    header: str  #: the Chinese header trainers see
    help: str  #: what goes in it (the template's 说明 sheet)
    aliases: tuple[str, ...] = ()


# fmt: off
_OPTION_HELP = "选项内容：从选项A起依次填写，用不到的列留空；判断题不填（固定为 A=正确、B=错误）。"
COLUMNS: tuple[Column, ...] = (
    Column("number", "题号", "整数，可留空；留空时按题目在表中的先后编号。", ("序号",)),
    Column("type", "题型", "必填：单选、多选或判断。", ("题目类型", "试题类型")),
    Column("stem", "题干", "必填：题目内容，可以换行。", ("题目", "试题")),
    *(Column(f"option_{label.lower()}", f"选项{label}", _OPTION_HELP) for label in OPTION_LABELS),
    Column("answer", "答案", "必填：选项字母，如 A 或 ABD；判断题填 对/错"
           "（也可填 正确/错误、√/×、A/B）。", ("正确答案", "参考答案", "标准答案")),
    Column("explanation", "解析", "可留空：答案的依据或讲解。", ("答案解析",)),
    Column("category", "分类", "可留空：多级分类用“/”分隔，如 电费电价/电价政策。", ("类别",)),
    Column("level", "等级", "可留空：初级工、中级工、高级工、技师或高级技师。", ("鉴定等级",)),
    Column("difficulty", "难度", "可留空：1–5 的整数，1 最容易。", ("难度系数",)),
    Column("source", "来源", "可留空：出自哪份文件及条款。", ("出处",)),
    Column("tags", "标签", "可留空：多个标签用分号、逗号或顿号分隔。"),
)
_TYPE_NAMES = {  # the first name is the one export writes
    ItemType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single"),
    ItemType.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "multiple"),
    ItemType.JUDGE: ("判断", "判断题", "是非", "是非题", "judge", "true_false"),
}
_JUDGE_KEYS = {
    **dict.fromkeys(("对", "正确", "√", "✓", "✔", "a", "t", "true", "是"), "A"),
    **dict.fromkeys(("错", "错误", "×", "✗", "✘", "b", "f", "false", "否"), "B"),
}
# fmt: on
_HEADER = {column.key: column.header for column in COLUMNS}
_JUDGE_WORDS = {"A": "正确", "B": "错误"}  # what export writes for a judge key
_CSV_RISKY = "=+-@\t\r'"  # first characters a spreadsheet may run as a formula (and the escape)


def _fold(text: str) -> str:
    """Header/keyword form: half-width, lower case, without spaces, underscores or dashes."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text)).lower()


_KEY_BY_HEADER = {_fold(n): c.key for c in COLUMNS for n in (c.key, c.header, *c.aliases)}
_TYPE_BY_NAME = {_fold(name): t for t, names in _TYPE_NAMES.items() for name in names}
_LEVEL_BY_NAME = {_fold(level): level for level in LEVELS}


class _Unreadable(Exception):
    """The file cannot be read as a table of items; the message tells the trainer why."""


# ---------------------------------------------------------------- reading


def parse_spreadsheet(data: bytes, filename: str) -> ParseResult:
    """Read the first sheet (or the one named 题库/items) of an .xlsx, or a .csv, into items."""
    result = ParseResult(filename=filename)
    try:
        rows, unvalued = _read_rows(data, filename)
        start = next((i for i, cells in enumerate(rows) if any(map(str.strip, cells))), None)
        if start is None:
            raise _Unreadable(_("表格是空的"))
        columns = _map_header(rows[start], rows[start + 1 :])
    except _Unreadable as exc:
        result.file_problems.append(str(exc))
        return result
    for line, cells in enumerate(rows[start + 1 :], start=start + 2):  # Excel counts from 1
        record = {key: cells[index].strip() for key, index in columns.items()}
        formulas = {key: i for key, i in columns.items() if (line, i + 1) in unvalued}
        # A row with only a 题号 is a pre-numbered blank, not an item.
        if formulas or any(value for key, value in record.items() if key != "number"):
            result.items.append(_parse_row(record, line, len(result.items) + 1, formulas))
    if not result.items:
        result.file_problems.append(_("表格中没有题目"))
    return result


#: (row, column) of cells, both counted from 1 as Excel does
Cells = set[tuple[int, int]]


def _read_rows(data: bytes, filename: str) -> tuple[list[list[str]], Cells]:
    """The cells' texts, and where a formula cell holds no calculated value (read as "")."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if name.endswith(".csv"):
        return [[_unescape_csv(cell) for cell in row] for row in _read_csv(data, filename)], set()
    if name.endswith(".xls"):
        raise _Unreadable(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后再导入"))
    raise _Unreadable(_("文件“%(name)s”不是 .xlsx 或 .csv 表格", name=filename))


def _read_xlsx(data: bytes, filename: str) -> tuple[list[list[str]], Cells]:
    """A formula cell is read as the value Excel calculated and saved with it (calamine reads
    that, never the formula); one saved without a value (written by a program, not by Excel)
    reads as "", so where those are is returned too."""
    try:
        # Before calamine sees a byte: it allocates the whole rectangle a sheet names.
        workbook = upload_limits.check_xlsx(data, filename)
    except upload_limits.UploadRefused as exc:
        raise _Unreadable(exc.message) from exc
    except upload_limits.NotAZip as exc:
        raise _Unreadable(_("无法读取 Excel 文件：%(error)s", error=str(exc))) from exc
    try:
        # calamine (Rust) reads a 10,000-row sheet about ten times faster than openpyxl.
        with pd.ExcelFile(io.BytesIO(data), engine="calamine") as book:
            names = book.sheet_names
            sheet = next((n for n in names if _fold(n) in {ITEMS_SHEET, "items"}), names[0])
            frame = book.parse(sheet, header=None, dtype=str, keep_default_na=False)
    except Exception as exc:  # whatever the reader trips on, the file is not a usable workbook
        raise _Unreadable(_("无法读取 Excel 文件：%(error)s", error=str(exc))) from exc
    stats = workbook.sheet(sheet)
    return _frame_rows(frame), set(stats.formulas_without_value) if stats else set()


def _read_csv(data: bytes, filename: str) -> list[list[str]]:
    text = _decode(data)
    # Lazily, within the rows a table may have: 20 MB of blank lines is no list of 20 million.
    lines_read = itertools.islice(io.StringIO(text), upload_limits.SHEET_LIMITS.rows)
    header = next((line for line in lines_read if line.strip()), "")
    separator = max(",;\t", key=header.count)  # a header holds no quoted text: counting will do
    # Naming every column up front lets a row longer than the header through instead of failing.
    # Counting them is also where a table too large to read is refused, before pandas sees it.
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        width = max(map(len, upload_limits.bounded_rows(lines, filename)), default=0)
    except upload_limits.UploadRefused as exc:
        raise _Unreadable(exc.message) from exc
    try:
        frame = pd.read_csv(
            io.StringIO(text, newline=""),  # no newline translation: "\r\n" in a cell stays
            sep=separator,
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,  # keeps row numbers equal to Excel's
        )
    except pd.errors.EmptyDataError:
        return []
    except pd.errors.ParserError as exc:
        raise _Unreadable(
            _("CSV 文件格式有误（请检查引号是否成对）：%(error)s", error=str(exc))
        ) from exc
    return _frame_rows(frame)


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves plain "CSV" as GB18030 (GBK); "CSV UTF-8" has a BOM.
    try:
        return textfiles.decode_text(data)
    except textfiles.UnknownEncoding:
        pass
    raise _Unreadable(_("无法识别 CSV 文件的编码，请在 Excel 中另存为“CSV UTF-8”后再导入"))


def _frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    rows = frame.itertuples(index=False, name=None)
    return [[cell if isinstance(cell, str) else "" for cell in row] for row in rows]


def _unescape_csv(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1] in _CSV_RISKY else cell


def _map_header(header: list[str], body: list[list[str]]) -> dict[str, int]:
    """Where each known column is; the trainer's own columns (备注 …) are left alone."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _KEY_BY_HEADER.get(_fold(cell))
        if key in columns:
            raise _Unreadable(_("表头中“%(column)s”列出现了不止一次", column=_HEADER[key]))
        if key is not None:
            columns[key] = index
    missing = [key for key in ("type", "stem", "answer") if key not in columns]
    if "option_a" not in columns and _has_choice_rows(columns, body):
        missing.append("option_a")
    if missing:
        names = "、".join(_HEADER[key] for key in missing)
        raise _Unreadable(
            _("缺少必需的列：%(columns)s（表头应在第一行，可对照模板）", columns=names)
        )
    return columns


def _has_choice_rows(columns: dict[str, int], body: list[list[str]]) -> bool:
    if "type" not in columns:
        return True
    types = {
        _TYPE_BY_NAME.get(_fold(row[columns["type"]]))
        for row in body
        if row[columns["type"]].strip()
    }
    return bool(types - {ItemType.JUDGE})


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def text(self, key: str) -> str:
        return self.cells.get(key, "")

    def bad(self, key: str, expected: str, value: str) -> None:
        shown = value if len(value) <= 30 else value[:30] + "…"
        args = {"row": self.line, "column": _HEADER[key], "expected": expected, "value": shown}
        message = (
            _("第%(row)s行“%(column)s”应为 %(expected)s，实际为“%(value)s”", **args)
            if value
            else _("第%(row)s行“%(column)s”为空，应为 %(expected)s", **args)
        )
        self.problems.append(Problem(ProblemCode.BAD_FIELD, message))

    def formula_without_value(self, key: str, index: int) -> None:
        cell = f"{get_column_letter(index + 1)}{self.line}"
        message = _(
            "第%(row)s行“%(column)s”（%(cell)s）：公式单元格没有计算结果，请在 Excel 中另存为数值",
            row=self.line,
            column=_HEADER[key],
            cell=cell,
        )
        self.problems.append(Problem(ProblemCode.BAD_FIELD, message))


def _parse_row(
    record: dict[str, str], line: int, position: int, formulas: Mapping[str, int] | None = None
) -> ParsedItem:
    """One item; ``formulas``: the keys (and column indexes) of formula cells saved without a
    calculated value."""
    row = _Row(line, record)
    for key, index in (formulas or {}).items():
        row.formula_without_value(key, index)
    item_type = _read_type(row)
    if item_type is ItemType.JUDGE:
        options = JUDGE_OPTION_DATA
        answer = _judge_answer(row.text("answer"))
    else:
        options, answer = _read_options(row), _choice_answer(row.text("answer"))
    level, difficulty = _read_level(row), _read_difficulty(row)
    return ParsedItem(
        number=_integer(row.text("number")) or position,  # 0 is no 题号 either
        line=line,
        type=item_type,
        stem=row.text("stem"),
        options=options,
        answer=answer,
        explanation=row.text("explanation"),
        category="/".join(_parts(row.text("category"), "[/／]")) or None,
        level=level,
        difficulty=difficulty,
        source=row.text("source") or None,
        tags=tuple(dict.fromkeys(_parts(row.text("tags"), "[;；,，、]"))),  # once each, in order
        problems=tuple(row.problems),
    )


def _read_type(row: _Row) -> ItemType:
    raw = row.text("type")
    item_type = _TYPE_BY_NAME.get(_fold(raw))
    if item_type is not None:
        return item_type
    row.bad("type", _("单选、多选或判断"), raw)
    # A best guess only lets the rest of the row be shown; BAD_FIELD keeps it from being stored.
    if not _read_options(row):
        return ItemType.JUDGE
    return ItemType.MULTIPLE if len(_choice_answer(row.text("answer"))) > 1 else ItemType.SINGLE


def _read_options(row: _Row) -> tuple[OptionData, ...]:
    # Each text keeps its column's label, so a gap (A, C) reaches validation instead of closing.
    cells = ((label, row.text(f"option_{label.lower()}")) for label in OPTION_LABELS)
    return tuple(OptionData(label, text) for label, text in cells if text)


def _choice_answer(raw: str) -> tuple[str, ...]:
    letters = re.sub(r"[\s,;、/]+", "", unicodedata.normalize("NFKC", raw)).upper()
    if not letters:
        return ()
    # Anything but letters is kept as typed so that validation names it.
    return tuple(sorted(set(letters))) if re.fullmatch("[A-Z]+", letters) else (raw,)


def _judge_answer(raw: str) -> tuple[str, ...]:
    return (_JUDGE_KEYS.get(_fold(raw), raw),) if raw else ()


def _integer(raw: str) -> int | None:
    """``3``, ``03``, ``３`` and ``3.0`` (how some tools write whole numbers) are integers."""
    match = re.fullmatch(r"(\d+)(?:\.0+)?", unicodedata.normalize("NFKC", raw))
    return int(match.group(1)) if match else None


def _read_difficulty(row: _Row) -> int | None:
    raw = row.text("difficulty")
    value = _integer(raw)
    if raw and (value is None or not 1 <= value <= 5):
        row.bad("difficulty", _("1–5 的整数"), raw)
        return None
    return value


def _read_level(row: _Row) -> str | None:
    raw = row.text("level")
    level = _LEVEL_BY_NAME.get(_fold(raw))
    if raw and level is None:
        row.bad("level", _("初级工、中级工、高级工、技师或高级技师"), raw)
    return level


def _parts(raw: str, separators: str) -> list[str]:
    return [part.strip() for part in re.split(separators, raw) if part.strip()]


# ---------------------------------------------------------------- writing


def export_spreadsheet(items: Iterable[ParsedItem | Mapping[str, Any]], fmt: Format) -> bytes:
    """Items (``ParsedItem``, or mappings shaped like ``ParsedItem.as_dict()``) as a file."""
    rows = [_export_row(item, position) for position, item in enumerate(items, start=1)]
    return _csv_bytes(rows) if _check_format(fmt) == "csv" else _xlsx_bytes(rows, with_help=False)


def template_spreadsheet(fmt: Format) -> bytes:
    """The form trainers fill: headers, three example rows and (xlsx) a 说明 sheet."""
    rows = [_export_row(item, position) for position, item in enumerate(_EXAMPLES, start=1)]
    return _csv_bytes(rows) if _check_format(fmt) == "csv" else _xlsx_bytes(rows, with_help=True)


def _check_format(fmt: str) -> str:
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown spreadsheet format {fmt!r}")
    return fmt


def _export_row(item: ParsedItem | Mapping[str, Any], position: int) -> list[str]:
    def get(name: str) -> Any:
        return item.get(name) if isinstance(item, Mapping) else getattr(item, name)

    item_type = _TYPE_BY_NAME.get(_fold(str(get("type"))))
    if item_type is None:
        raise ValueError(f"unknown item type {get('type')!r}")
    answer, tags, difficulty = get("answer") or (), get("tags") or (), get("difficulty")
    answer = answer if isinstance(answer, str) else "".join(answer)
    cells = {
        "number": str(get("number") or position),
        "type": _TYPE_NAMES[item_type][0],
        "answer": _JUDGE_WORDS.get(answer, answer) if item_type is ItemType.JUDGE else answer,
        "difficulty": "" if difficulty is None else str(difficulty),
        "tags": tags if isinstance(tags, str) else ";".join(tags),
        **{key: get(key) or "" for key in ("stem", "explanation", "category", "level", "source")},
    }
    if item_type is not ItemType.JUDGE:  # judge options are fixed; the importer supplies them
        cells |= _export_options(get("options") or ())
    return [cells.get(column.key, "") for column in COLUMNS]


def _export_options(options: Any) -> dict[str, str]:
    """Options as OptionData, {"label", "text"} mappings, (label, text) pairs or {label: text}."""
    if isinstance(options, Mapping):
        pairs = list(options.items())
    else:
        pairs = [
            (o.label, o.text) if isinstance(o, OptionData)
            else (o["label"], o["text"]) if isinstance(o, Mapping)
            else tuple(o)
            for o in options
        ]  # fmt: skip
    cells = {}
    for label, text in pairs:
        if len(label) != 1 or label not in OPTION_LABELS:
            raise ValueError(f"option {label!r} has no column (the sheet has 选项A–选项H)")
        cells[f"option_{label.lower()}"] = text
    return cells


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in COLUMNS])
    # A leading ' makes Excel show a formula-like text as text; the reader drops it again.
    writer.writerows([("'" + c if c.startswith(tuple(_CSV_RISKY)) else c) for c in r] for r in rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def _xlsx_bytes(rows: list[list[str]], with_help: bool) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = ITEMS_SHEET
    _write_sheet(sheet, [column.header for column in COLUMNS], rows)
    for index, column in enumerate(COLUMNS, start=1):
        wide = column.key in ("stem", "explanation")
        sheet.column_dimensions[get_column_letter(index)].width = 40 if wide else 12
    if with_help:
        help_sheet = book.create_sheet(HELP_SHEET)
        help_rows = [[column.header, column.key, column.help] for column in COLUMNS]
        _write_sheet(help_sheet, ["列名", "英文列名", "填写说明"], help_rows)
        help_sheet.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Any, header: list[str], rows: list[list[str]]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row_index, row in enumerate(rows, start=2):
        for column_index, value in enumerate(row, start=1):
            if value:
                cell = sheet.cell(row=row_index, column=column_index)
                # Control characters are illegal in xlsx XML; data_type "s" keeps "=…" a text
                # (openpyxl would store it as a formula) and the "@" format keeps edits text.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type, cell.number_format = "s", "@"


# fmt: off
_EXAMPLES: tuple[dict[str, Any], ...] = (
    {"type": "single", "stem": "南方电网公司统一的供电服务热线电话是（  ）。",
     "options": [("A", "95598"), ("B", "12345"), ("C", "95588"), ("D", "10086")], "answer": "A",
     "explanation": "95598 是供电企业统一的供电服务热线，受理咨询、报修、投诉等业务。",
     "category": "客户服务/服务渠道", "level": "初级工", "difficulty": 1,
     "source": "客户服务培训教材", "tags": ["95598", "服务渠道"]},
    {"type": "multiple", "stem": "居民客户申请新装用电时，一般应提供的资料有（  ）。",
     "options": [("A", "用电人有效身份证明"), ("B", "用电地址物业权属证明"),
                 ("C", "企业营业执照"), ("D", "税务登记证")], "answer": "AB",
     "explanation": "居民新装凭用电人身份证明和用电地址权属证明受理；C、D 是非居民客户的资料。",
     "category": "业扩报装/居民新装", "level": "中级工", "difficulty": 2,
     "source": "业扩报装培训教材", "tags": ["业扩报装", "受理资料"]},
    {"type": "judge", "answer": "A",
     "stem": "受理客户咨询时，对不能当场答复的问题，应做好记录并告知客户答复时限。",
     "explanation": "不能当场答复的应记录诉求、告知时限，并按时回复客户。",
     "category": "客户服务/服务规范", "level": "初级工", "difficulty": 1,
     "source": "客户服务培训教材", "tags": ["服务规范"]},
)
# fmt: on
