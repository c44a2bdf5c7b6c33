"""A person's page for HR and administrators (supervisors read it for the people of their
subtree): the dated history (hire, position and unit spells, absences), the status under each
requirement as of today, exemptions and extensions, and what reminders were sent when. HR and
administrators change the history through one small form per change, each its own POST route;
every change is dated, nothing earlier is rewritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from exam_app.accounts.models import OrgUnit, User
from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.models import LEVEL_LABELS
from exam_app.db import get_session, utcnow
from exam_app.forms import tree_choices
from exam_app.tracking import board, history, notices, requirements, scope
from exam_app.tracking.forms import (
    AbsenceForm,
    EndAbsenceForm,
    ExemptionForm,
    ExtensionForm,
    HireForm,
    MoveForm,
    PositionForm,
)
from exam_app.tracking.labels import REMINDER_KIND_LABELS
from exam_app.tracking.models import (
    Absence,
    Exemption,
    Extension,
    PositionSpell,
    Requirement,
    TrackedPerson,
    UnitSpell,
)
from exam_app.tracking.views import BOARD_VIEWERS, KEEPERS, _today, bp
from exam_app.web import run_service


def _person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _forms() -> dict[str, FlaskForm]:
    """Every form of the page, each with its own prefix (one page, several forms)."""
    session = get_session()
    units = [SelectChoice(uid, label) for uid, label in tree_choices(org_tree(session))]
    reqs = [
        SelectChoice(r.id, r.name)
        for r in session.scalars(select(Requirement).order_by(Requirement.name))
    ]
    forms: dict[str, FlaskForm] = {
        "hire": HireForm(prefix="hire"),
        "move": MoveForm(prefix="move"),
        "position": PositionForm(prefix="position"),
        "absence": AbsenceForm(prefix="absence"),
        "end": EndAbsenceForm(prefix="end"),
        "exempt": ExemptionForm(prefix="exempt"),
        "extend": ExtensionForm(prefix="extend"),
    }
    forms["hire"].unit_id.choices = units  # type: ignore[attr-defined]
    forms["move"].unit_id.choices = units  # type: ignore[attr-defined]
    forms["exempt"].requirement_id.choices = reqs  # type: ignore[attr-defined]
    forms["extend"].requirement_id.choices = reqs  # type: ignore[attr-defined]
    return forms


@bp.route("/people/<int:user_id>")
@allow(*BOARD_VIEWERS)
def person(user_id: int) -> ResponseReturnValue:
    """The person's history, statuses today, grants and reminders; the forms for HR/admin."""
    session, today = get_session(), _today()
    user = _person(session, user_id)
    if not scope.may_view_person(session, current_user, user_id):
        abort(403)
    tracked = session.get(TrackedPerson, user_id)
    units = {u.id: u for u in session.scalars(select(OrgUnit))}  # paths from the identity map
    unit_spells = session.scalars(
        select(UnitSpell)
        .where(UnitSpell.user_id == user_id)
        .order_by(UnitSpell.starts_on.desc(), UnitSpell.id.desc())
    ).all()
    position_spells = session.scalars(
        select(PositionSpell)
        .where(PositionSpell.user_id == user_id)
        .order_by(PositionSpell.starts_on.desc(), PositionSpell.id.desc())
    ).all()
    absences = session.scalars(
        select(Absence)
        .where(Absence.user_id == user_id)
        .order_by(Absence.starts_on.desc(), Absence.id.desc())
    ).all()
    exemptions = session.scalars(
        select(Exemption)
        .where(Exemption.user_id == user_id)
        .order_by(Exemption.granted_at.desc(), Exemption.id.desc())
    ).all()
    extensions = session.scalars(
        select(Extension)
        .where(Extension.user_id == user_id)
        .order_by(Extension.granted_at.desc(), Extension.id.desc())
    ).all()
    sent = notices.reminders_about(session, user_id)
    people: set[int] = {r for s in sent for r in s.recipients}
    recorded: list[UnitSpell | PositionSpell | Absence | TrackedPerson] = [
        *unit_spells,
        *position_spells,
        *absences,
        *([tracked] if tracked is not None else []),
    ]
    people.update(r.recorded_by_id for r in recorded if r.recorded_by_id is not None)
    grants: list[Exemption | Extension] = [*exemptions, *extensions]
    people.update(g.granted_by_id for g in grants if g.granted_by_id is not None)
    names: dict[int, str] = {
        i: n for i, n in session.execute(select(User.id, User.name).where(User.id.in_(people)))
    }
    requirement_names: dict[int, str] = {
        i: n for i, n in session.execute(select(Requirement.id, Requirement.name))
    }
    keeper = current_user.has_role(*KEEPERS)
    forms = _forms() if keeper else {}
    if keeper:
        forms["absence"].starts_on.data = today  # type: ignore[attr-defined]
        forms["end"].ends_on.data = today  # type: ignore[attr-defined]
        forms["move"].on.data = today  # type: ignore[attr-defined]
        forms["position"].on.data = today  # type: ignore[attr-defined]
        forms["exempt"].starts_on.data = today  # type: ignore[attr-defined]
        if user.org_unit_id:
            forms["hire"].unit_id.data = user.org_unit_id  # type: ignore[attr-defined]
        forms["hire"].position.data = user.position  # type: ignore[attr-defined]
    return render_template(
        "tracking/person.html",
        user=user,
        tracked=tracked,
        today=today,
        units=units,
        unit_spells=unit_spells,
        position_spells=position_spells,
        absences=absences,
        exemptions=exemptions,
        extensions=extensions,
        rows=board.all_rows_for(session, user_id, today) if tracked is not None else [],
        sent=sent,
        names=names,
        requirement_names=requirement_names,
        levels=LEVEL_LABELS,
        kinds=REMINDER_KIND_LABELS,
        keeper=keeper,
        forms=forms,
    )


# --- changes: HR and administrators, one route per form ------------------------------------------


def _change(user_id: int, form: FlaskForm, call: Callable[[Any], object], done: str) -> Any:
    """Validate ``form`` (else flash why), run ``call(form)`` as the request's transaction,
    and go back to the person's page."""
    session = get_session()
    _person(session, user_id)
    if form.validate_on_submit():
        run_service(session, lambda: call(form), done)
    else:
        for fld in form:
            for error in fld.errors:
                flash(f"{fld.label.text}：{error}", "danger")
    return redirect(url_for("tracking.person", user_id=user_id))


@bp.route("/people/<int:user_id>/hire", methods=["POST"])
@allow(*KEEPERS)
def person_hire(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        HireForm(prefix="hire"),
        lambda f: history.hire(
            session,
            user_id,
            f.hired_on.data,
            f.position.data or "",
            f.unit_id.data,
            current_user.id,
            utcnow(),
        ),
        _("已开始跟踪此人的培训要求。"),
    )


@bp.route("/people/<int:user_id>/unit", methods=["POST"])
@allow(*KEEPERS)
def person_move(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        MoveForm(prefix="move"),
        lambda f: history.move_to_unit(
            session, user_id, f.unit_id.data, f.on.data, current_user.id, utcnow()
        ),
        _("已记录单位调动。"),
    )


@bp.route("/people/<int:user_id>/position", methods=["POST"])
@allow(*KEEPERS)
def person_position(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        PositionForm(prefix="position"),
        lambda f: history.change_position(
            session, user_id, f.position.data or "", f.on.data, current_user.id, utcnow()
        ),
        _("已记录岗位变更。"),
    )


@bp.route("/people/<int:user_id>/absences", methods=["POST"])
@allow(*KEEPERS)
def person_absence(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        AbsenceForm(prefix="absence"),
        lambda f: history.record_absence(
            session,
            user_id,
            f.starts_on.data,
            f.ends_on.data,
            f.reason.data or "",
            current_user.id,
            utcnow(),
        ),
        _("已记录缺勤。"),
    )


@bp.route("/people/<int:user_id>/absences/<int:absence_id>/end", methods=["POST"])
@allow(*KEEPERS)
def person_absence_end(user_id: int, absence_id: int) -> ResponseReturnValue:
    session = get_session()
    absence = session.get(Absence, absence_id)
    if absence is None or absence.user_id != user_id:
        abort(404)
    return _change(
        user_id,
        EndAbsenceForm(prefix="end"),
        lambda f: history.end_absence(
            session, absence_id, f.ends_on.data, current_user.id, utcnow()
        ),
        _("已结束缺勤。"),
    )


@bp.route("/people/<int:user_id>/exemptions", methods=["POST"])
@allow(*KEEPERS)
def person_exempt(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        ExemptionForm(prefix="exempt"),
        lambda f: requirements.exempt(
            session,
            f.requirement_id.data,
            user_id,
            f.starts_on.data,
            f.until.data,
            f.reason.data or "",
            current_user.id,
            utcnow(),
        ),
        _("已批准豁免。"),
    )


@bp.route("/people/<int:user_id>/extensions", methods=["POST"])
@allow(*KEEPERS)
def person_extend(user_id: int) -> ResponseReturnValue:
    session = get_session()
    return _change(
        user_id,
        ExtensionForm(prefix="extend"),
        lambda f: requirements.extend(
            session,
            f.requirement_id.data,
            user_id,
            _today(),
            f.due_on.data,
            f.reason.data or "",
            current_user.id,
            utcnow(),
        ),
        _("已批准延期。"),
    )
