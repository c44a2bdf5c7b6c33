"""Upload bounds: zip, sheet, document and CSV bombs are refused before a reader opens them,
quickly and in little memory, with a message naming the file and the limit."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exam_app.bank.importers.spreadsheet import template_spreadsheet
from exam_app.core import upload_limits
from exam_app.core.upload_limits import NotAZip, SheetLimits, UploadRefused
from tests import bombs

ROOT = Path(__file__).resolve().parents[2]


def refusal(check: Callable[[], object]) -> tuple[str, float, float]:
    """The refusal's message, seconds taken and peak Python memory (MB) of ``check()``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UploadRefused) as refused:
            check()
        return (
            refused.value.message,
            time.perf_counter() - started,
            tracemalloc.get_traced_memory()[1] / bombs.MiB,
        )
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------- zips


def test_a_deflate_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = bombs.deflate_bomb(inflated=60 * bombs.MiB)  # ~60 KB on disk
    message, seconds, peak = refusal(lambda: upload_limits.check_zip(bomb, "题库.xlsx"))
    assert (
        message
        == "文件“题库.xlsx”解压后超过 50 MB 的上限，未读取（文件可能已损坏，或是压缩炸弹）。"
    )
    assert peak < 5 and seconds < 30  # memory is the bound; the time only catches a hang


def test_a_bomb_that_understates_its_size_is_inflated_here_and_refused() -> None:
    lying = bombs.understated(bombs.deflate_bomb(), bombs.SHEET, claimed=1000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(lying)).infolist()) < 5000
    message, _seconds, peak = refusal(lambda: upload_limits.check_xlsx(lying, "a.xlsx"))
    assert "解压后超过 50 MB" in message and peak < 5


def test_too_many_members_are_refused() -> None:
    upload_limits.check_zip(bombs.many_members(1000), "a.docx")
    message, _s, _m = refusal(lambda: upload_limits.check_zip(bombs.many_members(1001), "a.docx"))
    assert message == "文件“a.docx”内含 1,001 个压缩成员，超过上限 1,000 个，未读取。"


def test_compression_no_office_program_writes_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    message, _s, _m = refusal(lambda: upload_limits.check_docx(buffer.getvalue(), "a.docx"))
    assert "不支持的压缩方式" in message


def test_bytes_that_are_no_zip_are_left_to_the_reader() -> None:
    with pytest.raises(NotAZip):
        upload_limits.check_xlsx(b"not a workbook", "a.xlsx")


# ---------------------------------------------------------------- sheets


@pytest.mark.parametrize(
    ("sheet", "fragment"),
    [
        (bombs.sheet_naming("XFD1048576"), "用到第 1,048,576 行，超过上限 100,000 行"),
        (bombs.sheet_naming("B2", dimension="A1:XFD1048576"), "超过上限 100,000 行"),
        (bombs.sheet_naming("XFD1"), "用到第 16,384 列，超过上限 100 列"),
        (bombs.sheet_naming("CV20001"), "有 2,000,100 个单元格（行数×列数），超过上限 2,000,000"),
        (bombs.sheet_naming("AAAAAAA1"), "用到第 ∞ 列"),
        (
            bombs.workbook(
                bombs.SHEET_START
                + b'<sheetData><row r="1">'
                + b"<c/>" * 101  # cells without a reference count by position
                + b"</row></sheetData></worksheet>"
            ),
            "用到第 101 列",
        ),
        (
            bombs.workbook(
                b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<x:sheetData><x:row r="1048576"><x:c r="A1048576"/></x:row></x:sheetData>'
                b"</x:worksheet>"
            ),
            "用到第 1,048,576 行",
        ),
    ],
    ids=["last cell", "dimension", "columns", "rectangle", "bad reference", "implicit", "prefix"],
)
def test_a_sheet_naming_cells_far_away_is_refused(sheet: bytes, fragment: str) -> None:
    assert len(sheet) < 2000
    message, seconds, _peak = refusal(lambda: upload_limits.check_xlsx(sheet, "大表.xlsx"))
    assert message.startswith("文件“大表.xlsx”的工作表") and fragment in message
    assert seconds < 30  # refused from the declared size, never by reading the cells


def test_a_reference_behind_a_long_tag_is_still_seen() -> None:
    """A tag is never cut where the file is read in chunks: its reference may come after
    megabytes of other attributes."""
    padding = b" x" * 600_000  # 1.2 MB inside one tag, over many 64 KB chunks
    for before in (padding, padding[:65_000], b" x" * 32_760):
        cell = b'<row r="1"><c' + before + b' r="XFD1048576"/></row>'
        sheet = bombs.workbook(
            bombs.SHEET_START + b"<sheetData>" + cell + b"</sheetData></worksheet>"
        )
        message, _s, _m = refusal(lambda sheet=sheet: upload_limits.check_xlsx(sheet, "a.xlsx"))
        assert "用到第 1,048,576 行" in message


def test_regions_never_cut_a_tag() -> None:
    tags = [b'<c r="A%d" %s/>' % (n, b"y" * (n * 997 % 5000)) for n in range(1, 3000)]
    data = b"".join(tags)
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    regions = list(upload_limits._regions(chunks))
    assert b"".join(regions) == data
    assert all(r.count(b"<") == r.count(b">") for r in regions)


def test_cells_written_count_against_the_limit_too() -> None:
    cells = b"".join(
        b'<row r="%d"><c r="A%d"/><c r="B%d"/></row>' % (n, n, n) for n in range(1, 51)
    )
    sheet = bombs.workbook(bombs.SHEET_START + b"<sheetData>" + cells + b"</sheetData></worksheet>")
    assert upload_limits.check_xlsx(sheet, "a.xlsx").sheet("题库").cells == 100  # type: ignore[union-attr]
    message, _s, _m = refusal(
        lambda: upload_limits.check_xlsx(sheet, "a.xlsx", SheetLimits(cells=99))
    )
    assert "有 100 个单元格" in message


def test_an_ordinary_workbook_passes_and_is_described() -> None:
    report = upload_limits.check_xlsx(template_spreadsheet("xlsx"), "template.xlsx")
    stats = report.sheet("题库")
    assert stats is not None and (stats.rows, stats.columns) == (4, 18)
    assert (stats.declared_rows, stats.declared_columns) == (4, 18)
    assert stats.formulas_without_value == []


# ---------------------------------------------------------------- documents


def test_a_document_of_a_million_paragraphs_is_refused() -> None:
    document = bombs.word_document(paragraphs=1_000_000)  # ~40 KB
    message, seconds, peak = refusal(lambda: upload_limits.check_docx(document, "题库.docx"))
    assert message == (
        "文件“题库.docx”超过 100,000 个段落的上限，未读取；请拆分为较小的文件后再导入。"
    )
    assert peak < 5 and seconds < 30  # memory is the bound; the time only catches a hang


def test_a_document_of_too_many_elements_is_refused() -> None:
    document = bombs.word_document(paragraphs=50)
    upload_limits.check_docx(document, "a.docx")
    message, _s, _m = refusal(
        lambda: upload_limits.check_docx(
            document, "a.docx", upload_limits.DocumentLimits(50, 10**6)
        )
    )
    assert "超过 50 个 XML 元素" in message


def test_an_ordinary_document_passes() -> None:
    upload_limits.check_docx(bombs.word_document(), "a.docx")


# ---------------------------------------------------------------- CSV


def _rows(text: str) -> Iterator[list[str]]:
    import csv

    return csv.reader(io.StringIO(text))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("\n" * 100_001, "超过 100,000 行的上限"),
        ("a" + "," * 100 + "\n", "第 1 行有 101 列，超过上限 100 列"),
        ("," * 99 + "\n" + "\n" * 20_001, "超过 2,000,000 个单元格"),
    ],
    ids=["rows", "columns", "cells"],
)
def test_a_csv_over_a_limit_is_refused_at_the_row_that_crosses_it(text: str, fragment: str) -> None:
    message, seconds, _peak = refusal(
        lambda: list(upload_limits.bounded_rows(_rows(text), "名册.csv"))
    )
    assert message.startswith("文件“名册.csv”") and fragment in message and seconds < 30


# ---------------------------------------------------------------- through the readers, in a
# child process whose address space is capped: today's readers asked for 512 GB (calamine,
# aborting the worker) or 5 GB (python-docx) for these files.

_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (BYTES, BYTES))
from exam_app.accounts.roster import read_roster
from exam_app.bank.importers import read_file
from tests import bombs
cases = {
    "bank xlsx naming XFD1048576": lambda: read_file(bombs.sheet_naming(), "a.xlsx").file_problems,
    "roster xlsx naming XFD1048576": lambda: [
        p.message for p in read_roster(bombs.sheet_naming(), "r.xlsx").problems
    ],
    "bank xlsx deflate bomb": lambda: read_file(bombs.deflate_bomb(), "a.xlsx").file_problems,
    "bank docx of a million paragraphs": lambda: read_file(
        bombs.word_document(paragraphs=1_000_000), "a.docx"
    ).file_problems,
}
name = sys.argv[1]
started = time.perf_counter()
problems = cases[name]()
print(json.dumps({"case": name, "problems": problems, "seconds": time.perf_counter() - started}))
"""
MEMORY_LIMIT = 768 * bombs.MiB  # the interpreter with pandas, calamine and lxml needs ~250 MB


CASES = {
    "bank xlsx naming XFD1048576": "用到第 1,048,576 行，超过上限 100,000 行",
    "roster xlsx naming XFD1048576": "用到第 1,048,576 行，超过上限 100,000 行",
    "bank xlsx deflate bomb": "解压后超过 50 MB 的上限",
    "bank docx of a million paragraphs": "超过 100,000 个段落的上限",
}


@pytest.fixture(scope="module")
def child_results() -> dict[str, dict[str, object]]:
    """Each case in a child process of its own (started together), capped at MEMORY_LIMIT."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    env["MALLOC_ARENA_MAX"] = "2"
    script = _CHILD.replace("BYTES", str(MEMORY_LIMIT))
    children = {
        case: subprocess.Popen(
            [sys.executable, "-c", script, case],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for case in CASES
    }
    results: dict[str, dict[str, object]] = {}
    for case, child in children.items():
        try:
            output, errors = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            output, errors = child.communicate()
            errors = "timed out after 60 s\n" + errors
        lines = [line for line in output.splitlines() if line.startswith("{")]
        results[case] = json.loads(lines[-1]) if lines else {"error": errors[-1500:]}
    return results


@pytest.mark.parametrize(("case", "fragment"), CASES.items())
def test_readers_refuse_bombs_quickly_in_bounded_memory(
    child_results: dict[str, dict[str, object]], case: str, fragment: str
) -> None:
    result = child_results[case]
    assert "problems" in result, result["error"]
    problems = result["problems"]
    assert isinstance(problems, list) and len(problems) == 1 and fragment in problems[0]
    assert re.search("文件“(a.xlsx|a.docx|r.xlsx)”", problems[0]), "the message names the file"
    assert isinstance(result["seconds"], float) and result["seconds"] < 60
