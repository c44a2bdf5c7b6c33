"""Trainers build exams (组卷规则) and check them against the bank; HR reads attempt logs."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from exam_app.accounts.models import OrgUnit, Role
from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.categories import category_tree
from exam_app.bank.models import Category, Level
from exam_app.bank.parsed import ItemType
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.exams import definitions, events, papers, proctoring
from exam_app.exams.definitions import RuleSpec
from exam_app.exams.forms import ExamForm, ExtraTimeForm, item_ids_from
from exam_app.exams.models import Attempt, Exam, ExamMode
from exam_app.exams.readers import RESULT_READERS
from exam_app.exams.views import bp
from exam_app.forms import ConfirmForm, tree_choices
from exam_app.web import bounded_int, run_service

BUILDERS = (Role.TRAINER, Role.ADMIN)
OVERSEERS = (Role.HR, Role.TRAINER, Role.ADMIN)
TIME_GIVERS = (Role.HR, Role.ADMIN)


def _form(exam: Exam | None) -> ExamForm:
    session = get_session()
    form = ExamForm(
        obj=exam,
        categories=tree_choices(category_tree(session)),
        units=tree_choices(org_tree(session)),
    )
    if exam is not None and not form.is_submitted():
        form.fill_from(exam)
    while len(form.rules) < (len(exam.rules) if exam else 0) + 2 and not form.is_submitted():
        form.rules.append_entry()
    form.set_rule_choices()
    return form


def _exam(exam_id: int) -> Exam:
    exam = get_session().get(Exam, exam_id)
    if exam is None:
        abort(404)
    return exam


@bp.route("/manage")
@allow(*OVERSEERS)
def manage_index() -> ResponseReturnValue:
    exams = get_session().scalars(select(Exam).order_by(Exam.id.desc())).all()
    return render_template("exams/manage_index.html", exams=exams)


@bp.route("/manage/new", methods=["GET", "POST"], defaults={"exam_id": None})
@bp.route("/manage/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(*BUILDERS)
def manage_edit(exam_id: int | None) -> ResponseReturnValue:
    session = get_session()
    exam = _exam(exam_id) if exam_id else None
    if exam is not None:
        try:
            definitions.ensure_editable(exam)
        except DomainError as exc:
            flash(exc.message, "warning")
            return redirect(url_for("exams.manage_show", exam_id=exam.id))
    form = _form(exam)
    if form.validate_on_submit():
        saved = run_service(
            session,
            lambda: definitions.save_exam(
                session, exam, form.settings(), form.rule_specs(), current_user.id
            ),
            _("考试已保存。"),
            refused="warning",
        )
        if saved is not None:
            return redirect(url_for("exams.manage_show", exam_id=saved.id))
    return render_template("exams/manage_edit.html", form=form, exam=exam)


@bp.route("/manage/supply")
@allow(*BUILDERS)
def manage_supply() -> ResponseReturnValue:
    """The editor's live check of one rule row: how many items today's bank has for it
    (``mode``, ``level``, and the row's ``category_id``, ``type``, ``difficulty_min``,
    ``difficulty_max``, ``item_ids``, ``count``)."""
    args = request.args
    try:
        mode = ExamMode(args.get("mode") or ExamMode.CERTIFICATION)
        level = Level(args["level"]).value if args.get("level") else None
        item_type = ItemType(args["type"]) if args.get("type") else None
        category_id = bounded_int(args.get("category_id") or 0) or None
        low = bounded_int(args.get("difficulty_min") or 1)
        high = bounded_int(args.get("difficulty_max") or 5)
        item_ids = item_ids_from(args.get("item_ids", "")[:2000])
        count = bounded_int(args.get("count") or 0)
    except (TypeError, ValueError):
        return jsonify(ok=False, error=_("请求格式错误。")), 400
    spec = RuleSpec(count, item_ids, category_id, item_type, low, high)
    available = definitions.rule_supply(get_session(), mode, level, spec)
    return jsonify(ok=True, available=available, needed=len(item_ids) or count)


@bp.route("/manage/<int:exam_id>")
@allow(*OVERSEERS)
def manage_show(exam_id: int) -> ResponseReturnValue:
    """The blueprint against today's bank: shortfall per rule, the papers' spread, and (for a
    certification) the rules drawing items practice shows too."""
    session = get_session()
    exam = _exam(exam_id)
    problems = definitions.check_exam(session, exam) if exam.rules else []
    warnings = definitions.exposure_warnings(session, exam)
    counts, fairness = definitions.supply_and_fairness(session, exam, bool(problems))
    taken = session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.id.desc()).limit(200)
    ).all()
    wanted = {r.category_id for r in exam.rules if r.category_id is not None}
    categories = {c.id: c.path for c in session.scalars(select(Category))} if wanted else {}
    units = [
        unit.path
        for a in exam.assignments
        if a.org_unit_id is not None and (unit := session.get(OrgUnit, a.org_unit_id)) is not None
    ]
    return render_template(
        "exams/manage_show.html",
        exam=exam,
        category_names=categories,
        unit_paths=sorted(units),
        problems=problems,
        warnings=warnings,
        counts=counts,
        fairness=fairness,
        attempts=taken,
        may_read_results=current_user.has_role(*RESULT_READERS),
        form=ConfirmForm(),
    )


@bp.route("/manage/<int:exam_id>/publish", methods=["POST"])
@allow(*BUILDERS)
def manage_publish(exam_id: int) -> ResponseReturnValue:
    session, exam = get_session(), _exam(exam_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run_service(
        session, lambda: definitions.publish_exam(session, exam, current_user.id), _("考试已发布。")
    )
    return redirect(url_for("exams.manage_show", exam_id=exam_id))


def _attempt(attempt_id: int) -> Attempt:
    attempt = get_session().get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _render_log(attempt: Attempt, form: ExtraTimeForm, **extra: object) -> str:
    record = events.proctor_record(get_session(), attempt)
    return render_template(
        "exams/attempt_log.html",
        attempt=attempt,
        record=record,
        summary=events.summarize(record, len(attempt.items)),
        form=form,
        may_grant=current_user.has_role(*TIME_GIVERS),
        may_read_result=current_user.has_role(*RESULT_READERS),
        kind=request.args.get("kind", ""),
        **extra,
    )


@bp.route("/attempts/<int:attempt_id>/log")
@allow(*OVERSEERS)
def attempt_log(attempt_id: int) -> ResponseReturnValue:
    """What happened during an attempt, for HR, trainers and admins."""
    return _render_log(_attempt(attempt_id), ExtraTimeForm())


@bp.route("/attempts/<int:attempt_id>/audit")
@allow(*OVERSEERS)
def attempt_audit(attempt_id: int) -> ResponseReturnValue:
    """The log, with the paper drawn again from its seed and compared with the stored one."""
    attempt = _attempt(attempt_id)
    audit = papers.audit_paper(get_session(), attempt)
    return _render_log(attempt, ExtraTimeForm(), audit=audit)


@bp.route("/attempts/<int:attempt_id>/extra-time", methods=["POST"])
@allow(*TIME_GIVERS)
def grant_extra_time(attempt_id: int) -> ResponseReturnValue:
    """HR gives time back, with a reason."""
    session, attempt = get_session(), _attempt(attempt_id)
    form = ExtraTimeForm()
    if not form.validate_on_submit():
        return _render_log(attempt, form), 400
    minutes, reason = form.minutes.data or 0, form.reason.data or ""
    run_service(
        session,
        lambda: proctoring.grant_extra_time(
            session, attempt, minutes * 60, reason, current_user.id, utcnow()
        ),
        _("已加时 %(m)d 分钟。", m=minutes),
    )
    return redirect(url_for("exams.attempt_log", attempt_id=attempt_id))
