"""Item analysis pages: an exam's test and item figures under a counting rule, one item's
distractors, one bank item pooled over every exam, and an outside exam's 1/0 results.
Trainers, HR and administrators; operators never (tests/test_permissions.py)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.bank.models import Item
from exam_app.db import get_session
from exam_app.errors import DomainError
from exam_app.exams.models import Exam
from exam_app.stats import outside_upload, reading, reports
from exam_app.stats.item_forms import OutsideResultsForm
from exam_app.stats.labels import COUNTING_LABELS, FLAG_LABELS
from exam_app.stats.models import Counting
from exam_app.stats.views import bp
from exam_app.web import attachment

#: who reads item analyses
ANALYSTS = (Role.TRAINER, Role.HR, Role.ADMIN)


def _counting() -> Counting:
    value = request.args.get("counting", Counting.FIRST.value)
    return Counting(value) if value in {c.value for c in Counting} else Counting.FIRST


def _exam_or_404(exam_id: int) -> Exam:
    exam = get_session().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return exam


@bp.route("/exams/<int:exam_id>")
@allow(*ANALYSTS)
def exam_items(exam_id: int) -> ResponseReturnValue:
    session = get_session()
    figures = reading.exam_figures(session, _exam_or_404(exam_id), _counting())
    items = figures.result.get("items", [])
    stems = reading.stems(session, [row["item"] for row in items])
    export = request.args.get("export")
    if export in reports.FORMATS:
        body, filename, mime = reports.exam_report(figures, stems, export)
        return attachment(body, filename, mime)
    return render_template(
        "stats/exam_items.html",
        figures=figures,
        items=items,
        stems=stems,
        COUNTING_LABELS=COUNTING_LABELS,
        FLAG_LABELS=FLAG_LABELS,
    )


@bp.route("/exams/<int:exam_id>/items/<int:item_id>")
@allow(*ANALYSTS)
def exam_item(exam_id: int, item_id: int) -> ResponseReturnValue:
    session = get_session()
    figures = reading.exam_figures(session, _exam_or_404(exam_id), _counting())
    row = reading.item_row(figures, item_id)
    if row is None:
        abort(404)
    return render_template(
        "stats/item.html",
        figures=figures,
        row=row,
        item=session.get(Item, item_id),
        COUNTING_LABELS=COUNTING_LABELS,
        FLAG_LABELS=FLAG_LABELS,
    )


@bp.route("/items/<int:item_id>")
@allow(*ANALYSTS)
def bank_item(item_id: int) -> ResponseReturnValue:
    session = get_session()
    item = session.get(Item, item_id)
    if item is None:
        abort(404)
    pooled = reading.pooled(session, item_id)
    exams = {e.id: e for e in session.scalars(select(Exam))} if pooled else {}
    return render_template(
        "stats/bank_item.html", item=item, pooled=pooled, exams=exams, FLAG_LABELS=FLAG_LABELS
    )


@bp.route("/outside", methods=["GET", "POST"])
@allow(*ANALYSTS)
def outside_results() -> ResponseReturnValue:
    """An exam held elsewhere (on paper, another system): its 1/0 results analysed at once,
    stored nowhere."""
    form = OutsideResultsForm()
    result, error = None, None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = outside_upload.analyse_upload(upload.filename or "results.csv", upload.stream)
        except DomainError as exc:
            error = exc.message
    return render_template(
        "stats/outside.html", form=form, result=result, error=error, FLAG_LABELS=FLAG_LABELS
    ), (422 if error else 200)
