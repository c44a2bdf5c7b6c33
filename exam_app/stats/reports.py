"""An item-analysis page as a workbook (a sheet per table, native Excel charts) and as a
printable PDF (WeasyPrint, the page's own SVG charts, a subset Chinese font)."""

from __future__ import annotations

from flask_babel import gettext as _

from exam_app.i18n import DISPLAY_TZ
from exam_app.stats import exports
from exam_app.stats.exports import ChartSpec, Table
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


def workbook(figures: ExamFigures, stems: dict[int, str]) -> bytes:
    """The page's tables, a sheet each, through the shared ``exports.workbook``."""
    result = figures.result
    test = Table(
        _("整卷"),
        [_("考试"), _title(figures)],
        [[_("统计"), _computed(figures)]]
        + [[_(label), result.get("test", {}).get(field)] for label, field in TEST_FIELDS],
    )
    bins = result.get("histogram", [])
    distribution = Table(
        _("分数分布"), [_("得分率"), _("人数")], [[b["label"], b["count"]] for b in bins]
    )
    rows = result.get("items", [])
    items = Table(
        _("逐题"),
        ["#", _("题干"), *(_(c) for c, _f in ITEM_COLUMNS[1:]), _("提示")],
        [
            [row["item"], stems.get(row["item"], "")]
            + [row.get(f) for _c, f in ITEM_COLUMNS[1:]]
            + ["；".join(flag_text(f) for f in row.get("flags", []))]
            for row in rows
        ],
    )
    options = Table(
        _("选项分析"),
        ["#", _("选项"), _("答案"), _("人次"), _("高分组"), _("中间组"), _("低分组"), _("全体")],
        [
            [row["item"], d["label"], "✓" if d["key"] else "", d["count"]]
            + [d[g] for g in ("upper", "middle", "lower", "overall")]
            for row in rows
            for d in row.get("distractors", [])
        ],
    )
    charts = [ChartSpec(distribution.name, _("分数分布"))]
    if rows:  # column 9: the discrimination index (item–rest)
        charts.append(ChartSpec(items.name, _("区分度（题–其余）"), values=(9,)))
    return exports.workbook([test, distribution, items, options], charts)


def pdf(figures: ExamFigures, stems: dict[int, str]) -> bytes:
    """The printable report; refused (NoCJKFont) rather than printing boxes."""
    return exports.report_pdf(
        "stats/report_items.html",
        figures=figures,
        items=figures.result.get("items", []),
        stems=stems,
        computed=_computed(figures),
        title=_title(figures),
        FLAG_LABELS=FLAG_LABELS,
    )


def exam_report(figures: ExamFigures, stems: dict[int, str], fmt: str) -> tuple[bytes, str, str]:
    """(body, file name, content type) of the exam's item analysis in ``fmt``."""
    name = f"item-analysis-{figures.exam.id}-{figures.counting.value}.{fmt}"
    if fmt == "xlsx":
        return workbook(figures, stems), name, XLSX
    return pdf(figures, stems), name, PDF
