"""Trainers build exams (组卷规则) and check them against the bank; HR reads attempt logs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.categories import category_tree
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.exams import definitions, proctoring
from exam_app.exams.forms import ExamForm, ExtraTimeForm
from exam_app.exams.models import (
    Attempt,
    Exam,
    ExamAssignment,
    ExamMode,
    ExamRule,
    ExamStatus,
)
from exam_app.exams.views import bp
from exam_app.forms import ConfirmForm

BUILDERS = (Role.TRAINER, Role.ADMIN)
OVERSEERS = (Role.HR, Role.TRAINER, Role.ADMIN)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _to_utc(local: datetime | None) -> datetime | None:
    return local.replace(tzinfo=_zone()).astimezone(UTC) if local else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(_zone()).replace(tzinfo=None) if value else None


def _form(exam: Exam | None) -> ExamForm:
    session = get_session()
    categories = [(c.id, "\u3000" * d + c.name) for d, c in category_tree(session)]
    units = [(u.id, "\u3000" * d + u.name) for d, u in org_tree(session)]
    form = ExamForm(obj=exam, categories=categories, units=units)
    if exam is not None and not form.is_submitted():
        form.opens_at.data, form.closes_at.data = (
            _to_local(exam.opens_at),
            _to_local(exam.closes_at),
        )
        form.org_unit_ids.data = [a.org_unit_id for a in exam.assignments if a.org_unit_id]
        while len(form.rules):
            form.rules.pop_entry()
        for rule in exam.rules:
            form.rules.append_entry(
                {
                    "count": rule.count,
                    "category_id": rule.category_id or 0,
                    "type": rule.type or "",
                    "difficulty_min": rule.difficulty_min,
                    "difficulty_max": rule.difficulty_max,
                    "item_ids": ",".join(map(str, rule.item_ids)),
                }
            )
    while len(form.rules) < (len(exam.rules) if exam else 0) + 2 and not form.is_submitted():
        form.rules.append_entry()
    form.set_rule_choices()
    return form


def _apply(form: ExamForm, exam: Exam) -> None:
    for name in (
        "title",
        "mode",
        "duration_minutes",
        "pass_percent",
        "points_single",
        "points_multiple",
        "points_judge",
        "partial_credit",
        "shuffle_questions",
        "shuffle_options",
        "review_policy",
    ):
        setattr(exam, name, form[name].data)
    exam.level = form.level.data or None
    exam.opens_at, exam.closes_at = _to_utc(form.opens_at.data), _to_utc(form.closes_at.data)
    exam.max_attempts = form.max_attempts.data
    exam.wait_minutes = form.wait_minutes.data or 0
    exam.assignments = [ExamAssignment(org_unit_id=u) for u in form.org_unit_ids.data or []]
    rules = []
    for row in form.rules:
        ids = [
            int(x)
            for x in (row.form.item_ids.data or "").replace("，", ",").split(",")
            if x.strip().isdigit()
        ]
        if not ids and not row.form.count.data:
            continue  # an empty row
        rules.append(
            ExamRule(
                position=len(rules) + 1,
                count=len(ids) or row.form.count.data,
                item_ids=ids,
                category_id=row.form.category_id.data or None,
                type=row.form.type.data or None,
                difficulty_min=row.form.difficulty_min.data,
                difficulty_max=row.form.difficulty_max.data,
            )
        )
    exam.rules = rules


def _exam(exam_id: int) -> Exam:
    exam = get_session().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return exam


@bp.route("/manage")
@allow(*OVERSEERS)
def manage_index():  # type: ignore[no-untyped-def]
    exams = get_session().scalars(select(Exam).order_by(Exam.id.desc())).all()
    return render_template("exams/manage_index.html", exams=exams)


@bp.route("/manage/new", methods=["GET", "POST"], defaults={"exam_id": None})
@bp.route("/manage/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(*BUILDERS)
def manage_edit(exam_id: int | None):  # type: ignore[no-untyped-def]
    session = get_session()
    exam = _exam(exam_id) if exam_id else None
    if exam is not None and exam.status != ExamStatus.DRAFT:
        flash(_("已发布的考试不能修改组卷规则，以保证所有考生的试卷一致。"), "warning")
        return redirect(url_for("exams.manage_show", exam_id=exam.id))
    form = _form(exam)
    if form.validate_on_submit():
        if exam is None:
            exam = Exam(created_by_id=current_user.id, mode=ExamMode.PRACTICE.value)
            session.add(exam)
        _apply(form, exam)
        session.commit()
        flash(_("考试已保存。"), "success")
        return redirect(url_for("exams.manage_show", exam_id=exam.id))
    return render_template("exams/manage_edit.html", form=form, exam=exam)


@bp.route("/manage/<int:exam_id>")
@allow(*OVERSEERS)
def manage_show(exam_id: int):  # type: ignore[no-untyped-def]
    """The blueprint against today's bank: shortfall per rule and the papers' spread."""
    session = get_session()
    exam = _exam(exam_id)
    problems = definitions.check_exam(session, exam) if exam.rules else []
    counts, fairness = definitions.supply_and_fairness(session, exam, bool(problems))
    taken = session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.id.desc()).limit(200)
    ).all()
    return render_template(
        "exams/manage_show.html",
        exam=exam,
        problems=problems,
        counts=counts,
        fairness=fairness,
        attempts=taken,
        form=ConfirmForm(),
    )


@bp.route("/manage/<int:exam_id>/publish", methods=["POST"])
@allow(*BUILDERS)
def manage_publish(exam_id: int):  # type: ignore[no-untyped-def]
    session, exam = get_session(), _exam(exam_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        definitions.publish_exam(session, exam, current_user.id)
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "danger")
    else:
        session.commit()
        flash(_("考试已发布。"), "success")
    return redirect(url_for("exams.manage_show", exam_id=exam_id))


@bp.route("/attempts/<int:attempt_id>/log", methods=["GET", "POST"])
@allow(*OVERSEERS)
def attempt_log(attempt_id: int):  # type: ignore[no-untyped-def]
    """What happened during an attempt; HR may give time back, with a reason."""
    session = get_session()
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    form = ExtraTimeForm()
    if form.validate_on_submit():
        if not current_user.has_role(Role.HR, Role.ADMIN):
            abort(403)
        try:
            proctoring.grant_extra_time(
                session,
                attempt,
                (form.minutes.data or 0) * 60,
                form.reason.data or "",
                current_user.id,
                utcnow(),
            )
        except DomainError as exc:
            session.rollback()
            flash(exc.message, "danger")
        else:
            session.commit()
            flash(_("已加时 %(m)d 分钟。", m=form.minutes.data), "success")
        return redirect(url_for("exams.attempt_log", attempt_id=attempt_id))
    return render_template(
        "exams/attempt_log.html",
        attempt=attempt,
        form=form,
        may_grant=current_user.has_role(Role.HR, Role.ADMIN),
        kind=request.args.get("kind", ""),
    )
