"""The home page, the language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from exam_app.accounts.forms import ConfirmForm
from exam_app.accounts.permissions import any_user, public
from exam_app.accounts.principal import signed_in_user
from exam_app.db import get_session
from exam_app.i18n import LOCALES

bp = Blueprint("core", __name__)


@bp.route("/")
@any_user
def index():  # type: ignore[no-untyped-def]
    return render_template("core/index.html", org_unit=signed_in_user(get_session()).org_unit)


@bp.route("/locale", methods=["POST"])
@public
def set_locale():  # type: ignore[no-untyped-def]
    """Switch the language: remembered on the account when signed in, else in the session."""
    locale = request.form.get("locale", "")
    if ConfirmForm().validate_on_submit() and locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            db = get_session()
            signed_in_user(db).locale = locale
            db.commit()
    target = request.form.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else url_for("core.index")
    )


@bp.route("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    """For the load balancer: the app answers and its database does too."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok", "env": current_app.config["ENV_NAME"]}


@bp.route("/ping")
@public
def ping():  # type: ignore[no-untyped-def]
    """The bare route: no database, no template. Benchmarks compare real routes against it."""
    return "pong", 200, {"Content-Type": "text/plain"}
