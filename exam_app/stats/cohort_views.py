"""Cohort pages: HR's cohorts (create, edit, delete, members by 工号 or from a file with a dry
run first), and the cohort statistics of an exam (up to four groups side by side, a period,
a counting rule) with its Excel workbook and PDF report. Operators are refused everything;
trainers and supervisors read the statistics (a supervisor: their unit's subtree)."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from exam_app.accounts.models import OrgUnit, Role
from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.models import LEVEL_LABELS
from exam_app.core import uploads
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError, NotFound
from exam_app.forms import ConfirmForm, tree_choices
from exam_app.i18n import DISPLAY_TZ
from exam_app.stats import cohort_report, cohort_stats, cohorts, exports, member_files
from exam_app.stats.forms import (
    KIND_LABELS,
    CohortForm,
    MemberFileForm,
    MembersForm,
    stats_query,
)
from exam_app.stats.labels import COUNTING_LABELS
from exam_app.stats.models import Cohort, CohortKind, CohortMember
from exam_app.stats.views import bp
from exam_app.web import attachment, bounded_int, run_service

KEEPERS = (Role.HR, Role.ADMIN)
READERS = (Role.HR, Role.ADMIN, Role.TRAINER, Role.SUPERVISOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: members listed on a cohort's page at most
SHOWN_MEMBERS = 500


def _today() -> date:
    return utcnow().astimezone(DISPLAY_TZ).date()


def _units() -> list[tuple[int, str]]:
    return tree_choices(org_tree(get_session()))


def _cohort_form(**kwargs: object) -> CohortForm:
    form = CohortForm(**kwargs)
    form.unit_id.choices = [SelectChoice(0, _("不限")), *(SelectChoice(i, n) for i, n in _units())]
    return form


# --- cohorts -----------------------------------------------------------------------------------


@bp.route("/cohorts", methods=["GET", "POST"])
@allow(*KEEPERS)
def cohorts_index() -> ResponseReturnValue:
    """Every cohort with its kind and list size; a form for a new one."""
    session, form = get_session(), _cohort_form()
    if form.validate_on_submit():
        spec = form.spec()
        made = run_service(
            session,
            lambda: cohorts.create_cohort(session, spec, current_user.id, utcnow()),
            _("已新建群组。"),
        )
        if made is not None:
            return redirect(url_for("stats.cohort_show", cohort_id=made.id))
    counts = select(CohortMember.cohort_id, func.count()).group_by(CohortMember.cohort_id)
    sizes = {cohort_id: n for cohort_id, n in session.execute(counts)}
    listed = session.scalars(select(Cohort).order_by(Cohort.name)).all()
    return render_template(
        "stats/cohorts.html", listed=listed, sizes=sizes, form=form, kinds=KIND_LABELS
    )


def _cohort_page(cohort: Cohort, **extra: object) -> str:
    session = get_session()
    form = extra.pop("form", None) or _cohort_form(obj=None)
    ids = cohorts.members(session, cohort, _today())
    unit_names = {i: n for i, n in session.execute(select(OrgUnit.id, OrgUnit.name))}
    return render_template(
        "stats/cohort.html",
        cohort=cohort,
        form=form,
        members_form=extra.pop("members_form", None) or MembersForm(formdata=None),
        file_form=extra.pop("file_form", None) or MemberFileForm(formdata=None),
        confirm_form=ConfirmForm(),
        member_count=len(ids),
        member_rows=cohorts.member_rows(session, ids, SHOWN_MEMBERS),
        unit_names=unit_names,
        kinds=KIND_LABELS,
        levels=LEVEL_LABELS,
        criteria=cohorts.Criteria.from_json(cohort.criteria or {}),
        is_filter=cohort.kind is CohortKind.FILTER,
        **extra,
    )


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = get_session().get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@allow(*KEEPERS)
def cohort_show(cohort_id: int) -> ResponseReturnValue:
    """A cohort's members (a filter's as of today) and the form that renames or changes it."""
    session, cohort = get_session(), _cohort_or_404(cohort_id)
    form = _cohort_form()
    del form.kind  # a cohort keeps its kind
    if cohort.kind is not CohortKind.FILTER:
        form.without_filter()
    if request.method == "GET":
        form.name.data = cohort.name
        form.description.data, form.starts_on.data = cohort.description, cohort.starts_on
        if cohort.kind is CohortKind.FILTER:
            c = cohorts.Criteria.from_json(cohort.criteria or {})
            form.position.data, form.level.data = c.position, c.level
            form.unit_id.data = c.unit_id or 0
            form.hired_from.data, form.hired_to.data = c.hired_from, c.hired_to
    if form.validate_on_submit():
        spec = form.spec(cohort.kind)
        done = run_service(
            session,
            lambda: cohorts.update_cohort(session, cohort_id, spec, current_user.id, utcnow()),
            _("已保存。"),
        )
        if done is not None:
            return redirect(url_for("stats.cohort_show", cohort_id=cohort_id))
    return _cohort_page(cohort, form=form)


@bp.route("/cohorts/<int:cohort_id>/delete", methods=["POST"])
@allow(*KEEPERS)
def cohort_delete(cohort_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    gone = run_service(
        session,
        lambda: cohorts.delete_cohort(session, cohort_id, current_user.id, utcnow()),
        lambda name: _("已删除群组 %(n)s。", n=name),
    )
    if gone is None:
        return redirect(url_for("stats.cohort_show", cohort_id=cohort_id))
    return redirect(url_for("stats.cohorts_index"))


@bp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@allow(*KEEPERS)
def cohort_members_add(cohort_id: int) -> ResponseReturnValue:
    """Add people by 工号 (all of them, or nobody when one is unknown)."""
    session, cohort = get_session(), _cohort_or_404(cohort_id)
    form = MembersForm()
    if not form.validate_on_submit():
        return _cohort_page(cohort, members_form=form), 422
    text = form.employee_nos.data or ""
    run_service(
        session,
        lambda: cohorts.add_members(session, cohort_id, text, current_user.id, utcnow()),
        lambda n: _("已加入 %(n)d 人。", n=n),
    )
    return redirect(url_for("stats.cohort_show", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@allow(*KEEPERS)
def cohort_member_remove(cohort_id: int, user_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    run_service(
        session,
        lambda: cohorts.remove_member(session, cohort_id, user_id, current_user.id, utcnow()),
        _("已移出名单。"),
    )
    return redirect(url_for("stats.cohort_show", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/import", methods=["POST"])
@allow(*KEEPERS)
def cohort_import(cohort_id: int) -> ResponseReturnValue:
    """Step 1: check the file (unknown 工号 by row) and stage it; nothing else changes."""
    session, cohort = get_session(), _cohort_or_404(cohort_id)
    form = MemberFileForm()
    if not form.validate_on_submit():
        return _cohort_page(cohort, file_form=form), 422
    data, filename = form.file.data.read(), form.file.data.filename or "members"
    try:
        plan = member_files.plan_members(
            session, cohort_id, member_files.read_member_file(data, filename)
        )
    except DomainError as exc:
        plan = member_files.MemberPlan(
            filename, problems=[member_files.MemberProblem(0, exc.message)]
        )
    staged = None
    if plan.ok:
        staged = uploads.stage(
            session,
            current_user.id,
            member_files.STAGED_KIND,
            filename,
            data,
            utcnow(),
            {"cohort_id": cohort_id},
        )
    session.commit()
    page = _cohort_page(cohort, file_form=form, plan=plan, staged=staged)
    return page, 200 if plan.ok else 422


@bp.route("/cohorts/<int:cohort_id>/import/<int:upload_id>/confirm", methods=["POST"])
@allow(*KEEPERS)
def cohort_import_confirm(cohort_id: int, upload_id: int) -> ResponseReturnValue:
    """Step 2: add every row of the staged file, checked again against today's accounts."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session, now = get_session(), utcnow()

    def carry_out() -> int:
        staged = uploads.take(session, upload_id, current_user.id, member_files.STAGED_KIND, now)
        if (staged.options or {}).get("cohort_id") != cohort_id:
            raise DomainError(_("文件不属于此群组。"))
        plan = member_files.read_member_file(staged.data, staged.filename)
        plan = member_files.plan_members(session, cohort_id, plan)
        if not plan.ok:
            raise DomainError(_("文件已不再有效（数据已变化），请重新上传检查。"))
        return member_files.apply_members(session, cohort_id, plan, current_user.id, now)

    run_service(session, carry_out, lambda n: _("已导入，新加入 %(n)d 人。", n=n))
    return redirect(url_for("stats.cohort_show", cohort_id=cohort_id))


# --- cohort statistics -------------------------------------------------------------------------


def _period_text(report: cohort_stats.Report) -> str:
    return "；".join(
        dict.fromkeys(f"{g.start.isoformat()} ~ {g.end.isoformat()}" for g in report.groups)
    )


def _figures(report: cohort_stats.Report | None) -> dict[str, object]:
    """What the page and the PDF show of a report (None: only the query form)."""
    return {
        "report": report,
        "charts": cohort_report.report_charts(report) if report else None,
        "categories": cohort_report.category_rows(report) if report else [],
        "bins": cohort_report.BIN_LABELS,
        "period_text": _period_text(report) if report else "",
        "countings": COUNTING_LABELS,
    }


def _choices(scope: frozenset[int] | None) -> dict[str, object]:
    """The query form's exams, units (the viewer's) and cohorts."""
    session = get_session()
    return {
        "exams": cohort_stats.exams_with_sheets(session),
        "units": [c for c in _units() if scope is None or c[0] in scope],
        "cohorts": session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.name)).all(),
    }


@bp.route("/cohort-stats")
@allow(*READERS)
def cohort_stats_page() -> ResponseReturnValue:
    """An exam's figures for up to four groups side by side (a supervisor: within their
    subtree); ``?export=xlsx`` the workbook, ``?export=pdf`` the printable report."""
    session, today = get_session(), _today()
    scope = cohort_stats.visible_units(session, current_user)
    query = stats_query(request.args, request.args.get("exam_id", 0, type=bounded_int))
    report, refused = None, None
    if query.exam_id:
        try:
            report = cohort_stats.report(session, query, scope, today, utcnow())
        except NotFound:
            abort(404)
        except DomainError as exc:
            refused = exc.message
    export, name = request.args.get("export", ""), f"cohort-stats-{query.exam_id}-{today}"
    if report is not None and export == "xlsx":
        counting = str(COUNTING_LABELS[query.counting])
        data = cohort_report.workbook(report, _period_text(report), counting)
        return attachment(data, f"{name}.xlsx", XLSX)
    if report is not None and export == "pdf":
        pdf = exports.report_pdf("stats/report_cohort_stats.html", **_figures(report))
        return attachment(pdf, f"{name}.pdf", "application/pdf")
    page = render_template(
        "stats/cohort_stats.html",
        query=query,
        refused=refused,
        **_choices(scope),
        **_figures(report),
    )
    return page, 422 if refused else 200
