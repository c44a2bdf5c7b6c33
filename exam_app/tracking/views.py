"""Compliance pages: HR's board (the org tree with counts per status as of any date, the
people of a unit, the Excel export) and the requirements with their dated versions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from exam_app.accounts.models import OrgUnit, Role
from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.models import LEVEL_LABELS, Level
from exam_app.db import get_session, utcnow
from exam_app.forms import tree_choices
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import board, compliance, requirements, scope, trend
from exam_app.tracking.forms import GRACE_FROM_LABELS, RequirementForm, VersionForm
from exam_app.tracking.labels import CAUSE_LABELS, STATE_LABELS
from exam_app.tracking.models import Requirement, RequirementVersion
from exam_app.tracking.rules import State, version_on
from exam_app.web import INT_MAX, attachment, run_service

bp = Blueprint("tracking", __name__, url_prefix="/tracking")
KEEPERS = (Role.HR, Role.ADMIN)
#: the board: HR and administrators over everyone, supervisors over their unit's subtree
BOARD_VIEWERS = (*KEEPERS, Role.SUPERVISOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: people listed on the page at most (the export holds them all)
SHOWN_ROWS = 500


def _today() -> date:
    return utcnow().astimezone(DISPLAY_TZ).date()


#: the dates the board answers for (beyond them date arithmetic would overflow)
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def _as_of(args: MultiDict[str, str]) -> date:
    """The "as of" date from ``?on=YYYY-MM-DD``; today (Beijing) when absent or nonsense."""
    try:
        day = date.fromisoformat(args.get("on", "").strip())
    except ValueError:
        return _today()
    return day if EARLIEST <= day <= LATEST else _today()


def _number(args: MultiDict[str, str], name: str) -> int | None:
    """A whole number from the query (0 up to ``INT_MAX``); anything else: None."""
    raw = args.get(name, "").strip()
    if not raw.isdecimal() or len(raw) > len(str(INT_MAX)) or int(raw) > INT_MAX:
        return None
    return int(raw)


def filters_from(args: MultiDict[str, str]) -> board.Filters:
    status = args.get("status", "")
    level = args.get("level", "")
    due_within = _number(args, "due_within")
    return board.Filters(
        unit_id=_number(args, "unit_id") or None,
        position=args.get("position", "").strip()[:100],
        level=level if level in {v.value for v in Level} else "",
        status=status if status in {v.value for v in State} else "",
        due_within_days=None if due_within is None else min(due_within, 3650),
        requirement_id=_number(args, "requirement_id") or None,
    )


@bp.route("/")
@allow(*BOARD_VIEWERS)
def index() -> ResponseReturnValue:
    """The board as of a date (default today in Beijing); a supervisor's is their subtree."""
    session, on = get_session(), _as_of(request.args)
    filters = filters_from(request.args)
    visible = scope.board_units(session, current_user)
    export = request.args.get("export") == "xlsx"
    result = board.board(session, filters, on, visible, None if export else SHOWN_ROWS)
    unit_names: dict[int, str] = {
        i: n for i, n in session.execute(select(OrgUnit.id, OrgUnit.name))
    }
    if export:
        data = board.workbook(
            result.rows,
            unit_names,
            {k.value: str(v) for k, v in STATE_LABELS.items()},
            {k.value: str(v) for k, v in LEVEL_LABELS.items()},
            {k.value: str(v) for k, v in CAUSE_LABELS.items()},
            on,
        )
        return attachment(data, f"compliance-{on.isoformat()}.xlsx", XLSX)
    args = {k: v for k, v in request.args.items() if k not in ("export", "unit_id")}
    args["on"] = on.isoformat()
    chosen = session.get(OrgUnit, filters.unit_id) if filters.unit_id else None
    return render_template(
        "tracking/board.html",
        board=result,
        on=on,
        today=_today(),
        filters=filters,
        chosen=chosen,
        rows=result.rows,
        more=result.row_count - len(result.rows),
        unit_names=unit_names,
        units=[c for c in tree_choices(org_tree(session)) if visible is None or c[0] in visible],
        levels=LEVEL_LABELS,
        requirements=session.scalars(select(Requirement).order_by(Requirement.name)).all(),
        states=board.STATES,
        args=args,
        months=trend.monthly(session, filters, on, visible),
    )


# --- requirements ------------------------------------------------------------------------------


def _with_units(form: VersionForm) -> VersionForm:
    units = tree_choices(org_tree(get_session()))
    form.unit_ids.choices = [SelectChoice(uid, label) for uid, label in units]
    return form


@bp.route("/requirements", methods=["GET", "POST"])
@allow(*KEEPERS)
def requirements_index() -> ResponseReturnValue:
    """Every requirement with the version in force today; a new one with its first version."""
    session, today = get_session(), _today()
    form = _with_units(RequirementForm())
    if request.method == "GET" and form.effective_from.data is None:
        form.effective_from.data = today
    if form.validate_on_submit():
        name, spec = form.name.data or "", form.spec()
        created = run_service(
            session,
            lambda: requirements.create_requirement(session, name, spec, current_user.id, utcnow()),
            _("已新建培训要求。"),
        )
        if created is not None:
            return redirect(url_for("tracking.requirement_show", requirement_id=created.id))
    listed = []
    for requirement in session.scalars(select(Requirement).order_by(Requirement.name)):
        in_force = version_on(compliance.requirement_versions(session, requirement.id), today)
        listed.append((requirement, in_force))
    return render_template(
        "tracking/requirements.html", listed=listed, form=form, levels=LEVEL_LABELS
    )


@bp.route("/requirements/<int:requirement_id>", methods=["GET", "POST"])
@allow(*KEEPERS)
def requirement_show(requirement_id: int) -> ResponseReturnValue:
    """A requirement's versions (never edited) and a form for the next one."""
    session = get_session()
    requirement = session.get(Requirement, requirement_id)
    if requirement is None:
        abort(404)
    versions = session.scalars(
        select(RequirementVersion)
        .where(RequirementVersion.requirement_id == requirement_id)
        .order_by(RequirementVersion.effective_from, RequirementVersion.id)
    ).all()
    form = _with_units(VersionForm())
    if request.method == "GET" and versions:
        last = versions[-1]
        form.level.data = last.level
        form.kind.data = "certificate" if last.certificate else "pass"
        form.positions.data = "\n".join(last.positions or [])
        form.unit_ids.data = list(last.unit_ids or [])
        form.grace_days.data = last.grace_days
        form.grace_from.data = last.grace_from.value
        form.renewal_window_days.data = last.renewal_window_days
        form.return_after_absence_days.data = last.return_after_absence_days
        form.effective_from.data = _today()
    if form.validate_on_submit():
        spec = form.spec()
        added = run_service(
            session,
            lambda: requirements.add_version(
                session, requirement_id, spec, current_user.id, utcnow()
            ),
            _("已保存新版本，自生效日期起适用。"),
        )
        if added is not None:
            return redirect(url_for("tracking.requirement_show", requirement_id=requirement_id))
    unit_names = {i: n for i, n in session.execute(select(OrgUnit.id, OrgUnit.name))}
    return render_template(
        "tracking/requirement.html",
        requirement=requirement,
        versions=versions,
        form=form,
        levels=LEVEL_LABELS,
        unit_names=unit_names,
        grace_from=GRACE_FROM_LABELS,
    )
