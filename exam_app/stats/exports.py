"""A statistics page's exports, for any page of this domain: an Excel workbook from named tables
(a sheet per table) with native Excel charts over them (openpyxl's chart module), and a
printable PDF report from a template (WeasyPrint, with the same inline SVG charts as the page).

    workbook(tables, charts=(), about=()) -> bytes
    report_pdf(template, **context) -> bytes

A ``Table`` is a sheet: its name (≤ 31 characters, unique), a header row and rows of plain
values (str, int, float, date, datetime, None). A ``ChartSpec`` draws a chart on a table's
sheet from its columns: ``categories`` is the column (1-based) of the x labels, ``values`` the
columns of the series (their headers name the series). ``about`` is a first sheet of
(label, value) lines: the exam, the period, when the figures were computed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from flask import render_template
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter
from weasyprint import HTML, default_url_fetcher

from exam_app.certificates.render import CJK_FAMILIES, check_fonts
from exam_app.config import PROJECT_ROOT
from exam_app.i18n import DISPLAY_TZ

Cell = str | int | float | date | datetime | None
STATS_CSS = PROJECT_ROOT / "exam_app" / "static" / "stats.css"


@dataclass(frozen=True)
class Table:
    name: str  #: the sheet's title
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    #: number formats by column (1-based), e.g. ``{3: "0.0"}``
    formats: dict[int, str] | None = None


@dataclass(frozen=True)
class ChartSpec:
    table: str  #: the ``Table.name`` whose sheet holds the data and the chart
    title: str
    kind: Literal["column", "bar", "line"] = "column"
    categories: int = 1
    values: Sequence[int] = (2,)
    y_title: str = ""
    x_title: str = ""
    anchor: str = ""  #: top-left cell; default: two columns right of the table
    y_max: float | None = None  #: e.g. 100 for percentages


def _cell(value: Cell) -> Any:
    if isinstance(value, datetime):  # Excel holds no zone: Beijing time, as the page shows
        return value.astimezone(DISPLAY_TZ).replace(tzinfo=None) if value.tzinfo else value
    return value


def _chart(spec: ChartSpec, rows: int) -> BarChart | LineChart:
    chart: BarChart | LineChart
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        chart.grouping = "clustered"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title or None
    chart.x_axis.title = spec.x_title or None
    chart.height, chart.width = 8.5, 17.0
    if spec.y_max is not None:
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, spec.y_max
    # openpyxl ≥ 3.1 hides the axes unless told otherwise
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def workbook(
    tables: Sequence[Table],
    charts: Sequence[ChartSpec] = (),
    about: Sequence[tuple[str, Cell]] = (),
) -> bytes:
    """The .xlsx bytes: an "about" sheet first (when given), a sheet per table, the charts."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    sheets = {}
    if about:
        first.title = "说明"
        for label, value in about:
            first.append((label, _cell(value)))
        first.column_dimensions["A"].width = 18
        first.column_dimensions["B"].width = 40
    else:
        wb.remove(first)
    for table in tables:
        ws = wb.create_sheet(table.name[:31])
        ws.append(list(table.headers))
        for row in table.rows:
            ws.append([_cell(v) for v in row])
        for column, fmt in (table.formats or {}).items():
            for (cell,) in ws.iter_rows(
                min_row=2, min_col=column, max_col=column, max_row=len(table.rows) + 1
            ):
                cell.number_format = fmt
        for i, header in enumerate(table.headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(header) + 4))
        ws.freeze_panes = "A2"
        sheets[table.name] = (ws, table)
    for spec in charts:
        ws, table = sheets[spec.table]
        last = len(table.rows) + 1
        chart = _chart(spec, last)
        for column in spec.values:
            data = Reference(ws, min_col=column, min_row=1, max_row=last)
            chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=spec.categories, min_row=2, max_row=last))
        anchor = spec.anchor or f"{get_column_letter(len(table.headers) + 2)}2"
        ws.add_chart(chart, anchor)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """Only ``data:`` URLs: a report never fetches a file or another host."""
    if not url.startswith("data:"):
        raise ValueError(f"refused to fetch {url[:60]}")
    return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)  # type: ignore[no-any-return]


def report_pdf(template: str, **context: Any) -> bytes:
    """Render ``templates/<template>`` (in the request's app context, so ``_`` and the
    filters work) with ``context``, the statistics CSS and a Chinese font, to PDF bytes. The
    template gets ``report_css`` (put it in a ``<style>``: a PDF is not under the CSP) and
    ``fonts``.

    :raises certificates.render.NoCJKFont: when no Chinese font is installed
    """
    check_fonts()
    html = render_template(
        template,
        report_css=STATS_CSS.read_text(encoding="utf-8"),
        fonts=", ".join(f'"{f}"' for f in CJK_FAMILIES),
        **context,
    )
    return HTML(string=html, url_fetcher=_fetcher).write_pdf()  # type: ignore[no-any-return]
