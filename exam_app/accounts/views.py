"""Sign-in, sign-out and the user's own password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask import session as browser_session
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from exam_app.accounts import services
from exam_app.accounts.forms import ChangePasswordForm, LoginForm
from exam_app.accounts.permissions import any_user, public
from exam_app.accounts.policy import login_limits, password_policy
from exam_app.accounts.principal import signed_in_user
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.forms import ConfirmForm
from exam_app.security import safe_redirect_target

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _new_csrf_token() -> None:
    """Forget this browser's CSRF token, so that the next form carries a new one: a token seen
    before sign-in (or before sign-out) must not stay valid after it. Flask-WTF keeps the raw
    token in the session and this request's signed copy in ``g``."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    browser_session.pop(field, None)
    g.pop(field, None)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("site.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        session = get_session()
        try:
            user = services.authenticate(
                session,
                form.employee_no.data or "",
                form.password.data or "",
                request.remote_addr or "-",
                login_limits(current_app.config),
                utcnow(),
            )
        except services.LoginLocked as exc:
            session.commit()  # the failure counts must stick even though sign-in failed
            minutes = max(1, int((exc.until - utcnow()).total_seconds() + 59) // 60)
            flash(
                _(
                    "登录失败次数过多，已临时锁定，请在 %(m)d 分钟后（%(t)s 之后）再试。",
                    m=minutes,
                    t=format_datetime(exc.until, "HH:mm"),
                ),
                "danger",
            )
            status = 429
        except services.BadCredentials as exc:
            session.commit()
            flash(exc.message, "danger")
            status = 401
        else:
            login_user(user, remember=bool(form.remember.data))
            _new_csrf_token()
            session.commit()
            return redirect(safe_redirect_target(form.next.data) or url_for("site.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@any_user
def logout() -> ResponseReturnValue:
    """Sign out, and revoke this account's every session and remember-me cookie, copies too."""
    form = ConfirmForm()
    if form.validate_on_submit():
        session = get_session()
        services.revoke_sessions(signed_in_user(session))
        session.commit()
        logout_user()
        _new_csrf_token()
        flash(_("您已退出登录。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@any_user
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = get_session()
        user = services.get_user(session, current_user.id)
        try:
            services.change_own_password(
                session,
                user,
                form.current_password.data or "",
                form.password.data or "",
                password_policy(current_app.config),
                utcnow(),
            )
        except DomainError as exc:
            form[exc.field or "password"].errors.append(exc.message)
        else:
            session.commit()
            login_user(user)  # the session version moved on; keep this browser signed in
            flash(_("密码已修改。"), "success")
            return redirect(url_for("site.index"))
    return render_template("accounts/change_password.html", form=form)
