"""Trainers correct an answer key on finished attempts; HR sees whose result changes."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.bank.models import Item
from exam_app.db import get_session, utcnow
from exam_app.exams import regrade
from exam_app.exams.forms import RegradeForm
from exam_app.exams.models import Regrade
from exam_app.exams.views import bp
from exam_app.forms import ConfirmForm
from exam_app.web import run_service


def _item(item_id: int) -> Item:
    item = get_session().get(Item, item_id)
    if item is None or item.current is None:
        abort(404)
    return item


CORRECTORS = (Role.TRAINER, Role.ADMIN)


def _render(item: Item, form: RegradeForm) -> str:
    session = get_session()
    return render_template(
        "exams/regrade.html",
        item=item,
        effects=regrade.preview(session, item),
        history=regrade.history(session, item.id),
        form=form,
        revert_form=ConfirmForm(),
        may_apply=current_user.has_role(*CORRECTORS),
    )


@bp.route("/regrade/items/<int:item_id>")
@allow(*CORRECTORS, Role.HR)
def regrade_item(item_id: int) -> ResponseReturnValue:
    """How many finished attempts used another key for this item and what a regrade would
    change (HR reads whose result flips; trainers also get the button)."""
    return _render(_item(item_id), RegradeForm())


@bp.route("/regrade/items/<int:item_id>/apply", methods=["POST"])
@allow(*CORRECTORS)
def regrade_apply(item_id: int) -> ResponseReturnValue:
    session, item = get_session(), _item(item_id)
    form = RegradeForm()
    if not form.validate_on_submit():
        return _render(item, form), 400
    reason = form.reason.data or ""
    run_service(
        session,
        lambda: regrade.apply(session, item, current_user.id, reason, utcnow()),
        lambda done: _("已重新评分 %(n)d 场考试。", n=len(done.changes)),
    )
    return redirect(url_for("exams.regrade_item", item_id=item_id))


@bp.route("/regrade/<int:regrade_id>/revert", methods=["POST"])
@allow(*CORRECTORS)
def regrade_revert(regrade_id: int) -> ResponseReturnValue:
    session = get_session()
    record = session.get(Regrade, regrade_id)
    if record is None or not ConfirmForm().validate_on_submit():
        abort(404 if record is None else 400)
    run_service(
        session,
        lambda: regrade.revert(session, record, current_user.id, utcnow()),
        _("已撤销这次重新评分，成绩恢复原状。"),
    )
    return redirect(url_for("exams.regrade_item", item_id=record.item_id))
