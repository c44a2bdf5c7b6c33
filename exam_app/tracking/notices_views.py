"""Everyone's in-app notices (reminders and other messages): the list, newest first, unread
marked; marking them read; the unread count the top navigation shows."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from exam_app.accounts.permissions import any_user
from exam_app.db import get_session, utcnow
from exam_app.forms import ConfirmForm
from exam_app.tracking import notices
from exam_app.tracking.views import bp
from exam_app.web import run_service

#: notices the page lists at most
SHOWN = 100


@bp.route("/notices")
@any_user
def notices_index() -> ResponseReturnValue:
    """The signed-in user's own notices; opening the page does not mark them read."""
    session = get_session()
    listed = notices.notices_for(session, current_user.id, limit=SHOWN)
    return render_template(
        "tracking/notices.html",
        listed=listed,
        unread=sum(n.read_at is None for n in listed),
        form=ConfirmForm(),
    )


@bp.route("/notices/read", methods=["POST"])
@any_user
def notices_read() -> ResponseReturnValue:
    """Mark all of the user's unread notices read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    run_service(
        session,
        lambda: notices.mark_read(session, current_user.id, utcnow()),
        lambda n: _("已将 %(n)d 条通知标为已读。", n=n),
    )
    return redirect(url_for("tracking.notices_index"))


def unread_notices() -> int:
    """The signed-in user's unread count for the top navigation (one COUNT); 0 for anyone
    else, or when the database cannot answer (an error page must still render)."""
    if not current_user.is_authenticated:
        return 0
    try:
        return notices.unread_count(get_session(), current_user.id)
    except SQLAlchemyError:
        return 0
