"""Site-wide pages: the home page, the language switch, the health check and the bare route."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from exam_app.accounts.models import OrgUnit, Role
from exam_app.accounts.permissions import any_user, public
from exam_app.accounts.principal import signed_in_user
from exam_app.certificates.issuing import certificates_of, shown_status
from exam_app.db import get_session, utcnow
from exam_app.forms import ConfirmForm
from exam_app.i18n import DISPLAY_TZ, LOCALES
from exam_app.security import safe_redirect_target
from exam_app.tracking.board import person_statuses

bp = Blueprint("site", __name__)


@bp.route("/")
@any_user
def index() -> ResponseReturnValue:
    # The signed-in principal, not the ORM user: the page needs no more, and every sitting
    # lands here after signing in.
    session, user = get_session(), current_user
    today = utcnow().astimezone(DISPLAY_TZ).date()
    certs = [(c, shown_status(c, today)) for c in certificates_of(session, user.id)]
    requirements = person_statuses(session, user.id, today) if user.has_role(Role.OPERATOR) else []
    org_unit = session.get(OrgUnit, user.org_unit_id) if user.org_unit_id is not None else None
    return render_template(
        "site/index.html", org_unit=org_unit, certs=certs, requirements=requirements
    )


@bp.route("/locale", methods=["POST"])
@public
def set_locale() -> ResponseReturnValue:
    """Switch the language: remembered on the account when signed in, else in the session."""
    locale = request.form.get("locale", "")
    if ConfirmForm().validate_on_submit() and locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            db = get_session()
            signed_in_user(db).locale = locale
            db.commit()
    return redirect(safe_redirect_target(request.form.get("next")) or url_for("site.index"))


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """For the load balancer: the app answers and its database does too."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok", "env": current_app.config["ENV_NAME"]}


@bp.route("/ping")
@public
def ping() -> ResponseReturnValue:
    """The bare route: no database, no template. Benchmarks compare real routes against it."""
    return "pong", 200, {"Content-Type": "text/plain"}
