"""Admin pages: users, org units and roster import."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from exam_app.accounts import roster, services
from exam_app.accounts.forms import OrgUnitForm, RosterUploadForm, UserForm
from exam_app.accounts.models import OrgKind, OrgUnit, Role, User
from exam_app.accounts.permissions import allow
from exam_app.accounts.policy import password_policy
from exam_app.accounts.views import bp
from exam_app.core import uploads
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.forms import ConfirmForm, tree_choices
from exam_app.web import bounded_int

PAGE_SIZE = 50


def _org_choices() -> list[tuple[int, str]]:
    return tree_choices(services.org_tree(get_session()))


def _profile(form: UserForm) -> dict[str, Any]:
    """What the user form sets on an account, new or existing."""
    unit_id = form.org_unit_id.data
    return {
        "name": form.name.data or "",
        "roles": [Role(r) for r in form.roles.data or []],
        "org_unit": get_session().get(OrgUnit, unit_id) if unit_id else None,
        "position": form.position.data or "",
        "email": form.email.data or "",
        "actor_id": current_user.id,
    }


#: fields a service (or a subscriber to its signal) may name, as the user form calls them
_FIELD_NAMES = {"unit_id": "org_unit_id", "on": "org_unit_id"}


def _field(form: UserForm, name: str | None, default: str) -> Any:
    """The form field a ``DomainError`` names, else ``default``."""
    name = _FIELD_NAMES.get(name or "", name)
    return form[name] if name and name in form else form[default]


def _load_user(user_id: int) -> User:
    try:
        return services.get_user(get_session(), user_id)
    except DomainError:
        abort(404)


@bp.route("/users")
@allow(Role.ADMIN)
def users_index() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=bounded_int))
    stmt = select(User)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.employee_no.ilike(like), User.name.ilike(like)))
    session = get_session()
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    users = session.scalars(
        stmt.order_by(User.employee_no).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    now = utcnow()
    locked = {u.id for u in users if services.is_locked(session, u, now)}
    return render_template(
        "accounts/users_index.html",
        users=users,
        q=q,
        page=page,
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
        locked=locked,
        action_form=ConfirmForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def user_create() -> ResponseReturnValue:
    form = UserForm(org_choices=_org_choices())
    if form.validate_on_submit():
        session = get_session()
        policy = password_policy(current_app.config)
        temp = services.temporary_password(policy)
        try:
            user = services.create_user(
                session,
                employee_no=form.employee_no.data or "",
                password=temp,
                policy=policy,
                now=utcnow(),
                **_profile(form),
            )
        except DomainError as exc:
            session.rollback()
            _field(form, exc.field, "employee_no").errors.append(exc.message)
        else:
            session.commit()
            return render_template("accounts/temporary_password.html", user=user, password=temp)
    return render_template("accounts/user_edit.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    form = UserForm(obj=user, org_choices=_org_choices())
    form.employee_no.render_kw = {"readonly": True}
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.org_unit_id.data = user.org_unit_id or 0
    if form.validate_on_submit():
        session = get_session()
        try:
            services.update_user(session, user, now=utcnow(), **_profile(form))
        except DomainError as exc:
            session.rollback()
            _field(form, exc.field, "name").errors.append(exc.message)
        else:
            session.commit()
            flash(_("已保存 %(name)s。", name=user.name), "success")
            return redirect(url_for("accounts.users_index"))
    return render_template(
        "accounts/user_edit.html", form=form, user=user, action_form=ConfirmForm()
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.ADMIN)
def user_set_active(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            services.set_active(get_session(), user, active, current_user.id)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            get_session().commit()
            flash(
                _("已启用 %(name)s。", name=user.name)
                if active
                else _("已停用 %(name)s。", name=user.name),
                "success",
            )
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@allow(Role.ADMIN)
def user_reset_password(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    temp = services.reset_password(
        get_session(), user, password_policy(current_app.config), utcnow(), current_user.id
    )
    get_session().commit()
    return render_template("accounts/temporary_password.html", user=user, password=temp)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow(Role.ADMIN)
def user_unlock(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        services.unlock(get_session(), current_user.id, user)
        get_session().commit()
        flash(_("已解除 %(name)s 的登录锁定。", name=user.name), "success")
    return redirect(url_for("accounts.users_index"))


@bp.route("/org-units")
@allow(Role.ADMIN)
def org_units_index() -> ResponseReturnValue:
    session = get_session()
    counts = dict(
        session.execute(select(User.org_unit_id, func.count()).group_by(User.org_unit_id)).all()
    )
    return render_template(
        "accounts/org_units_index.html", tree=services.org_tree(session), counts=counts
    )


@bp.route("/org-units/new", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/org-units/<int:unit_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def org_unit_edit(unit_id: int | None) -> ResponseReturnValue:
    session = get_session()
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    form = OrgUnitForm(obj=unit, org_choices=_org_choices())
    if request.method == "GET" and unit is not None:
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent = session.get(OrgUnit, form.parent_id.data) if form.parent_id.data else None
        try:
            services.save_org_unit(
                session,
                unit,
                code=form.code.data or "",
                name=form.name.data or "",
                kind=OrgKind(form.kind.data),
                parent=parent,
                actor_id=current_user.id,
            )
        except DomainError as exc:
            form[exc.field or "name"].errors.append(exc.message)
        else:
            session.commit()
            flash(_("单位已保存。"), "success")
            return redirect(url_for("accounts.org_units_index"))
    return render_template("accounts/org_unit_edit.html", form=form, unit=unit)


@bp.route("/roster", methods=["GET", "POST"])
@allow(Role.ADMIN)
def roster_upload() -> ResponseReturnValue:
    """Step 1: upload and dry-run. The file is staged; nothing else changes."""
    form = RosterUploadForm()
    plan, staged = None, None
    if form.validate_on_submit():
        session = get_session()
        data, filename = form.file.data.read(), form.file.data.filename or "roster"
        plan = roster.plan_roster(session, roster.read_roster(data, filename), utcnow())
        if plan.ok:
            staged = uploads.stage(session, current_user.id, "roster", filename, data, utcnow())
        session.commit()
    status = 422 if plan is not None and not plan.ok else 200
    return render_template(
        "accounts/roster.html", form=form, plan=plan, staged=staged, confirm_form=ConfirmForm()
    ), status


@bp.route("/roster/<int:upload_id>/confirm", methods=["POST"])
@allow(Role.ADMIN)
def roster_confirm(upload_id: int) -> ResponseReturnValue:
    """Step 2: import the staged roster, all rows or none (re-checked against today's data)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    staged = uploads.take(session, upload_id, current_user.id, "roster", utcnow())
    plan = roster.plan_roster(session, roster.read_roster(staged.data, staged.filename), utcnow())
    if not plan.ok:
        session.rollback()
        flash(_("名册已不再有效（数据已变化），请重新上传检查。"), "danger")
        return redirect(url_for("accounts.roster_upload"))
    try:
        created = roster.apply_roster(
            session, plan, password_policy(current_app.config), utcnow(), current_user.id
        )
    except DomainError as exc:  # a row the people's history refuses: nothing is imported
        session.rollback()
        flash(_("未导入任何数据：%(why)s", why=exc.message), "danger")
        return redirect(url_for("accounts.roster_upload"))
    session.commit()
    return render_template("accounts/roster_done.html", plan=plan, created=created)


@bp.route("/roster/template.csv")
@allow(Role.ADMIN)
def roster_template() -> ResponseReturnValue:
    body = (
        "\ufeff工号,姓名,单位,岗位,角色,入职日期,邮箱,变动日期\n"
        "GZ10001,张三,天河营业厅,用电客户受理员,受理员,2024-03-01,zhangsan@example.com,\n"
    )
    return (
        body,
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": "attachment; filename=roster_template.csv",
        },
    )
