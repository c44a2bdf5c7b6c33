"""The cohort statistics page over HTTP, on the hand-worked data set of ``cohort_data``: two
halls side by side, the counting rules, a defined cohort, this year against last, what each
role may see, the workbook (its figures and native charts) and the PDF."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from exam_app.db import utcnow
from exam_app.stats import cohorts
from exam_app.stats.cohorts import CohortSpec
from exam_app.stats.models import AnswerSheet, CohortKind
from tests.stats.cohort_data import Cohorts, build
from tests.web import client_for


@pytest.fixture
def data(app: Flask, db_session: Session) -> Cohorts:
    return build(app, db_session)


def _figures(html: str) -> dict[int, dict[str, str]]:
    """The overview table: group index → figure name → text."""
    out: dict[int, dict[str, str]] = {}
    for group, row in re.findall(r'<tr data-group="(\d+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'data-figure="(\w+)">([^<]*)<', row)
        out[int(group)] = dict(cells)
    return out


def _url(data: Cohorts, *groups: str, **args: str) -> str:
    query = "&".join([f"exam_id={data.exam.id}", *(f"g={g}" for g in groups)])
    extra = "".join(f"&{k}={v}" for k, v in args.items())
    return f"/stats/cohort-stats?{query}{extra}"


def test_every_sheet_was_written_by_grading(data: Cohorts, db_session: Session) -> None:
    sheets = db_session.query(AnswerSheet).filter_by(exam_id=data.exam.id).all()
    assert sorted(s.percent for s in sheets) == [0.0, 40.0, 100.0, 100.0, 100.0, 100.0]


def test_two_halls_side_by_side_first_attempts(app: Flask, data: Cohorts) -> None:
    th, yx = data.units["GD-GZ-TH"].id, data.units["GD-GZ-YX"].id
    response = client_for(app, data.hr).get(_url(data, f"unit:{th}", f"unit:{yx}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    figures = _figures(html)
    assert figures[0] == {
        "candidates": "2",
        "attempts": "2",
        "pass_rate": "50%",
        "mean": "50%",
        "median": "50%",
        "sd": "70.71",
    }
    assert figures[1] == {
        "candidates": "2",
        "attempts": "2",
        "pass_rate": "50%",
        "mean": "70%",
        "median": "70%",
        "sd": "42.43",
    }
    assert "天河营业厅" in html and "越秀营业厅" in html
    assert 'data-testid="computed"' in html and "计算于" in html and "最新成绩" in html
    # the charts: two series of bars, ten columns a series, per-category rows
    assert html.count('class="bar series-1"') >= 10 + 2
    assert re.search(r'<tr data-category="\d+"><td>业扩报装</td><td>50%</td><td>83.3%</td>', html)
    assert 'style="' not in html  # the CSP allows no inline styles


@pytest.mark.parametrize(
    ("counting", "attempts", "pass_rate", "mean"),
    [("all", "3", "66.7%", "66.7%"), ("best", "2", "100%", "100%"), ("last", "2", "100%", "100%")],
)
def test_counting_rules(
    app: Flask, data: Cohorts, counting: str, attempts: str, pass_rate: str, mean: str
) -> None:
    th = data.units["GD-GZ-TH"].id
    html = client_for(app, data.hr).get(_url(data, f"unit:{th}", counting=counting)).text
    figures = _figures(html)[0]
    assert (figures["attempts"], figures["pass_rate"], figures["mean"]) == (
        attempts,
        pass_rate,
        mean,
    )


def test_a_defined_cohort_and_a_saved_filter(
    app: Flask, data: Cohorts, db_session: Session
) -> None:
    listed = cohorts.create_cohort(
        db_session, CohortSpec("第一期培训班", CohortKind.TRAINING_CLASS), data.hr.id, utcnow()
    )
    cohorts.add_members(db_session, listed.id, "O8001 o8003", data.hr.id, utcnow())
    leaders = cohorts.create_cohort(
        db_session,
        CohortSpec("班长", CohortKind.FILTER, criteria=cohorts.Criteria(position="班长")),
        data.hr.id,
        utcnow(),
    )
    db_session.commit()
    html = (
        client_for(app, data.trainer)
        .get(_url(data, f"cohort:{listed.id}", f"cohort:{leaders.id}"))
        .text
    )
    figures = _figures(html)
    assert (figures[0]["candidates"], figures[0]["pass_rate"], figures[0]["mean"]) == (
        "2",
        "50%",
        "70%",
    )
    assert (figures[1]["candidates"], figures[1]["mean"]) == ("1", "100%")


def test_this_year_against_last(app: Flask, data: Cohorts) -> None:
    th = data.units["GD-GZ-TH"].id
    html = client_for(app, data.hr).get(_url(data, f"unit:{th}", counting="all", years="1")).text
    figures = _figures(html)
    assert len(figures) == 2
    assert (figures[1]["attempts"], figures[1]["pass_rate"]) == ("1", "100%"), "erin, last year"
    assert (
        int(figures[0]["attempts"]) >= 1
    )  # bob's recent attempt at least (earlier ones may be last year's)


def test_a_supervisor_sees_their_subtree_only(app: Flask, data: Cohorts) -> None:
    client = client_for(app, data.supervisor)
    yx = data.units["GD-GZ-YX"].id
    refused = client.get(_url(data, f"unit:{yx}"))
    assert refused.status_code == 422 and "只能查看本单位" in refused.text
    everyone = _figures(client.get(_url(data, "all")).text)[0]
    assert (everyone["candidates"], everyone["mean"]) == ("2", "50%"), "天河's people only"


def test_operators_are_refused_and_trainers_do_not_manage_cohorts(
    app: Flask, data: Cohorts
) -> None:
    assert client_for(app, data.operator).get(_url(data, "all")).status_code == 403
    trainer = client_for(app, data.trainer)
    assert trainer.get(_url(data, "all")).status_code == 200
    assert trainer.get("/stats/cohorts").status_code == 403


def test_nonsense_in_the_query_is_dropped_or_404(app: Flask, data: Cohorts) -> None:
    client = client_for(app, data.hr)
    assert client.get(_url(data, "unit:99999999999", "x:1", counting="worst")).status_code == 200
    assert client.get(_url(data, "unit:2147483000")).status_code == 404
    assert client.get("/stats/cohort-stats?exam_id=2147483000").status_code == 404


def test_the_workbook_holds_the_figures_and_native_charts(app: Flask, data: Cohorts) -> None:
    th, yx = data.units["GD-GZ-TH"].id, data.units["GD-GZ-YX"].id
    response = client_for(app, data.hr).get(_url(data, f"unit:{th}", f"unit:{yx}", export="xlsx"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["说明", "概况", "分数分布", "按月趋势", "分类平均得分率"]
    rows = list(wb["概况"].iter_rows(values_only=True))
    assert rows[1][0] == "天河营业厅" and rows[1][3:10] == (2, 2, 1, 50.0, 50.0, 50.0, 70.71)
    assert rows[2][0] == "越秀营业厅" and rows[2][6:9] == (50.0, 70.0, 70.0)
    histogram = list(wb["分数分布"].iter_rows(values_only=True))
    assert histogram[1][:3] == ("0–10", 1, 0) and histogram[10][:3] == ("90–100", 1, 1)
    assert all(len(wb[name]._charts) == 1 for name in wb.sheetnames[1:])  # noqa: SLF001


def test_the_pdf_report(app: Flask, data: Cohorts) -> None:
    th = data.units["GD-GZ-TH"].id
    response = client_for(app, data.hr).get(_url(data, f"unit:{th}", export="pdf"))
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Type"] == "application/pdf"
