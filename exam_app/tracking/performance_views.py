"""A person's performance page: the operator's own (``/tracking/me``), and anyone's for those
``scope.may_view_person`` lets see them (trainers, the person's supervisors, HR, admins)."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from exam_app.accounts.models import Role, User
from exam_app.accounts.permissions import allow, any_user
from exam_app.accounts.principal import signed_in_user
from exam_app.db import get_session, utcnow
from exam_app.exams.readers import RESULT_READERS
from exam_app.forms import ConfirmForm
from exam_app.tracking import performance, progress, scope
from exam_app.tracking.views import bp

#: who may open someone else's page (``scope.may_view_person`` then decides whose)
PERSON_VIEWERS = (Role.TRAINER, Role.SUPERVISOR, Role.HR, Role.ADMIN)


def _page(user_id: int) -> ResponseReturnValue:
    session = get_session()
    viewer = signed_in_user(session)
    if session.get(User, user_id) is None:
        abort(404)
    if not scope.may_view_person(session, viewer, user_id):
        abort(403)
    found = performance.performance(session, user_id, utcnow())
    assert found is not None
    own = viewer.id == user_id
    return render_template(
        "tracking/performance.html",
        p=found,
        own=own,
        # practice is the operators': the weak areas' buttons are for the person themself
        may_practise=own and viewer.has_role(Role.OPERATOR),
        # the history links to each result where the result page would open for this viewer
        result_links=own or viewer.has_role(*RESULT_READERS),
        min_answers=progress.MIN_ANSWERS,
        form=ConfirmForm(),
    )


@bp.route("/me")
@any_user
def my_performance() -> ResponseReturnValue:
    """The signed-in person's own performance."""
    return _page(current_user.id)


@bp.route("/people/<int:user_id>/performance")
@allow(*PERSON_VIEWERS)
def person_performance(user_id: int) -> ResponseReturnValue:
    """Someone's performance, for those ``scope`` lets see them (else 403): trainers, HR and
    admins anyone, a supervisor the people of their subtree. Operators have ``/tracking/me``."""
    return _page(user_id)
