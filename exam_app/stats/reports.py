"""An item-analysis page as a workbook (a sheet per table, native Excel charts) and as a
printable PDF (WeasyPrint, the page's own SVG charts, a subset Chinese font)."""

from __future__ import annotations

from io import BytesIO

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet
from weasyprint import HTML

from exam_app.certificates.render import CJK_FAMILIES, check_fonts
from exam_app.i18n import DISPLAY_TZ
from exam_app.stats.labels import COUNTING_LABELS, FLAG_LABELS, flag_text
from exam_app.stats.reading import ExamFigures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
FORMATS = ("xlsx", "pdf")

#: (column title, row field) of the item table, as the page shows it
ITEM_COLUMNS = (
    ("#", "item"),
    ("人数", "n"),
    ("通过率", "facility"),
    ("标准差", "sd"),
    ("猜测得分", "random_guess"),
    ("预期权重 %", "intended_weight"),
    ("有效权重 %", "effective_weight"),
    ("区分度（题–其余）", "pbis_rest"),
    ("区分效率", "efficiency"),
    ("题–总相关", "pbis_total"),
    ("高低分组差", "upper_lower"),
    ("删除后 α", "alpha_if_deleted"),
    ("Rasch 难度", "rasch_b"),
    ("Rasch 标准误", "rasch_se"),
)
TEST_FIELDS = (
    ("人数", "n"),
    ("平均分", "mean"),
    ("中位数", "median"),
    ("标准差", "sd"),
    ("偏度", "skewness"),
    ("峰度", "kurtosis"),
    ("信度 α", "alpha"),
    ("KR-20", "kr20"),
    ("测量标准误", "sem"),
    ("误差比", "error_ratio"),
)


def _title(figures: ExamFigures) -> str:
    return f"{figures.exam.title} · {COUNTING_LABELS[figures.counting]}"


def _computed(figures: ExamFigures) -> str:
    if figures.computed_at is None:
        return ""
    at = figures.computed_at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M")
    return _("统计于 %(at)s，计入 %(n)d 次作答", at=at, n=figures.sheets)


def _bar_chart(sheet: Worksheet, title: str, rows: int, data_col: int, anchor: str) -> None:
    chart = BarChart()
    chart.title = title
    chart.y_axis.title = sheet.cell(row=1, column=data_col).value
    chart.add_data(
        Reference(sheet, min_col=data_col, min_row=1, max_row=rows + 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, anchor)


def workbook(figures: ExamFigures, stems: dict[int, str]) -> bytes:
    book = Workbook()
    test = book.active
    assert test is not None
    test.title = _("整卷")
    test.append([_title(figures)])
    test.append([_computed(figures)])
    for label, field in TEST_FIELDS:
        test.append([_(label), figures.result.get("test", {}).get(field)])
    dist = book.create_sheet(_("分数分布"))
    dist.append([_("得分率"), _("人数")])
    bins = figures.result.get("histogram", [])
    for b in bins:
        dist.append([b["label"], b["count"]])
    _bar_chart(dist, _("分数分布"), len(bins), 2, "D2")
    items = book.create_sheet(_("逐题"))
    items.append(
        [_(c) for c, _f in ITEM_COLUMNS[:1]]
        + [_("题干")]
        + [_(c) for c, _f in ITEM_COLUMNS[1:]]
        + [_("提示")]
    )
    rows = figures.result.get("items", [])
    for row in rows:
        items.append(
            [row["item"], stems.get(row["item"], "")]
            + [row.get(f) for _c, f in ITEM_COLUMNS[1:]]
            + ["；".join(flag_text(f) for f in row.get("flags", []))]
        )
    if rows:
        _bar_chart(items, _("区分度（题–其余）"), len(rows), 9, "R2")
    options = book.create_sheet(_("选项分析"))
    options.append(
        ["#", _("选项"), _("答案"), _("人次"), _("高分组"), _("中间组"), _("低分组"), _("全体")]
    )
    for row in rows:
        for d in row.get("distractors", []):
            options.append(
                [
                    row["item"],
                    d["label"],
                    "✓" if d["key"] else "",
                    d["count"],
                    d["upper"],
                    d["middle"],
                    d["lower"],
                    d["overall"],
                ]
            )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(figures: ExamFigures, stems: dict[int, str]) -> bytes:
    """The printable report; refused (NoCJKFont) rather than printing boxes."""
    check_fonts()
    html = render_template(
        "stats/report_items.html",
        figures=figures,
        items=figures.result.get("items", []),
        stems=stems,
        computed=_computed(figures),
        title=_title(figures),
        fonts=", ".join(f'"{f}"' for f in CJK_FAMILIES),
        FLAG_LABELS=FLAG_LABELS,
    )
    return bytes(HTML(string=html).write_pdf(uncompressed_pdf=False) or b"")


def exam_report(figures: ExamFigures, stems: dict[int, str], fmt: str) -> tuple[bytes, str, str]:
    """(body, file name, content type) of the exam's item analysis in ``fmt``."""
    name = f"item-analysis-{figures.exam.id}-{figures.counting.value}.{fmt}"
    if fmt == "xlsx":
        return workbook(figures, stems), name, XLSX
    return pdf(figures, stems), name, PDF
