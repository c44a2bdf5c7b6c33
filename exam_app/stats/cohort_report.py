"""What a cohort statistics report shows, from a computed ``cohort_stats.Report``: the charts'
geometry (the page and the PDF draw the same SVG) and the tables (the page's, and the
workbook's sheets with their native charts). No database."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from exam_app.stats import charts, exports, summary
from exam_app.stats.cohort_stats import Report
from exam_app.stats.exports import ChartSpec, Table

BIN_LABELS = tuple(
    f"{i * 100 // summary.BINS}–{(i + 1) * 100 // summary.BINS}" for i in range(summary.BINS)
)


@dataclass(frozen=True)
class ReportCharts:
    headline: charts.BarChart  #: pass rate and mean score, one bar per group
    histogram: charts.ColumnChart  #: each bin's share of the group's attempts
    pass_trend: charts.LineChart
    mean_trend: charts.LineChart
    categories: charts.BarChart


def category_rows(report: Report) -> list[tuple[int, str, list[float | None]]]:
    """(category id, name, the mean per group) of every category any group's papers had."""
    ids = sorted({c.category_id for g in report.groups for c in g.summary.categories})
    out = []
    for cid in ids:
        means = []
        for g in report.groups:
            found = [c.mean for c in g.summary.categories if c.category_id == cid]
            means.append(found[0] if found else None)
        out.append((cid, report.categories.get(cid, f"#{cid}"), means))
    return out


def report_charts(report: Report) -> ReportCharts:
    groups = report.groups
    headline = charts.bars(
        [
            (_("通过率"), [g.summary.pass_rate for g in groups]),
            (_("平均分"), [g.summary.mean for g in groups]),
        ]
    )
    return ReportCharts(
        headline,
        charts.columns([g.summary.histogram_share() for g in groups], BIN_LABELS),
        charts.lines([[m.pass_rate for m in g.summary.months] for g in groups], report.axis),
        charts.lines([[m.mean for m in g.summary.months] for g in groups], report.axis),
        charts.bars([(name, means) for _cid, name, means in category_rows(report)]),
    )


def _period(g: object) -> str:
    return f"{g.start.isoformat()} ~ {g.end.isoformat()}"  # type: ignore[attr-defined]


def sheet_names() -> list[str]:
    """The workbook's sheets, in order (the charts name the sheet they sit on)."""
    return [_("概况"), _("分数分布"), _("按月趋势"), _("分类平均得分率")]


def tables(report: Report) -> list[Table]:
    """The workbook's sheets: the summary per group, the histogram, the months, the categories."""
    groups = report.groups
    labels = [g.label for g in groups]
    names = sheet_names()
    overview = Table(
        names[0],
        [
            _("组别"),
            _("统计期间"),
            _("人数"),
            _("参考人数"),
            _("考试人次"),
            _("通过人次"),
            _("通过率(%)"),
            _("平均分(%)"),
            _("中位数(%)"),
            _("标准差"),
            _("最低分(%)"),
            _("最高分(%)"),
        ],
        [
            (
                g.label,
                _period(g),
                g.members,
                g.summary.candidates,
                g.summary.attempts,
                g.summary.passed,
                g.summary.pass_rate,
                g.summary.mean,
                g.summary.median,
                g.summary.sd,
                g.summary.minimum,
                g.summary.maximum,
            )
            for g in groups
        ],
    )
    histogram = Table(
        names[1],
        [_("分数段(%)"), *(f"{label} {_('人次')}" for label in labels), *labels],
        [
            (
                BIN_LABELS[i],
                *(g.summary.histogram[i] for g in groups),
                *(round(g.summary.histogram_share()[i], 2) for g in groups),
            )
            for i in range(summary.BINS)
        ],
    )
    months = Table(
        names[2],
        [
            _("月份"),
            *(f"{label} {_('通过率(%)')}" for label in labels),
            *(f"{label} {_('平均分(%)')}" for label in labels),
            *(f"{label} {_('人次')}" for label in labels),
        ],
        [
            (
                report.axis[i],
                *(_month(g, i, "pass_rate") for g in groups),
                *(_month(g, i, "mean") for g in groups),
                *(_month(g, i, "attempts") for g in groups),
            )
            for i in range(len(report.axis))
        ],
    )
    categories = Table(
        names[3],
        [_("分类"), *labels],
        [(name, *means) for _cid, name, means in category_rows(report)],
    )
    return [overview, histogram, months, categories]


def _month(group: object, i: int, attr: str) -> float | int | None:
    months = group.summary.months  # type: ignore[attr-defined]
    return getattr(months[i], attr) if i < len(months) else None


def chart_specs(report: Report) -> list[ChartSpec]:
    """Native Excel charts over ``tables``' sheets."""
    k = len(report.groups)
    names = sheet_names()
    out = [
        ChartSpec(names[0], _("通过率"), "bar", 1, (7,), _("通过率(%)"), anchor="A8", y_max=100),
        ChartSpec(
            names[1],
            _("分数分布（占本组人次 %）"),
            "column",
            1,
            tuple(range(2 + k, 2 + 2 * k)),
            _("占比(%)"),
            _("分数段(%)"),
        ),
        ChartSpec(
            names[2], _("按月通过率"), "line", 1, tuple(range(2, 2 + k)), _("通过率(%)"), y_max=100
        ),
    ]
    if any(g.summary.categories for g in report.groups):
        out.append(
            ChartSpec(
                names[3],
                _("分类平均得分率"),
                "bar",
                1,
                tuple(range(2, 2 + k)),
                _("得分率(%)"),
                y_max=100,
            )
        )
    return out


def about(report: Report, period_text: str, counting_text: str) -> list[tuple[str, exports.Cell]]:
    return [
        (_("考试"), report.exam_title),
        (_("统计期间"), period_text),
        (_("计数规则"), counting_text),
        (_("及格线(%)"), report.pass_percent),
        (_("最新成绩时间（北京时间）"), report.newest),
        (_("计算时间（北京时间）"), report.computed_at),
    ]


def workbook(report: Report, period_text: str, counting_text: str) -> bytes:
    return exports.workbook(
        tables(report), chart_specs(report), about(report, period_text, counting_text)
    )
