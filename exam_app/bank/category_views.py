"""Trainers manage the category tree: add, rename, move, merge; no item is ever left behind."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from exam_app.accounts.permissions import allow
from exam_app.bank import categories
from exam_app.bank.forms import CategoryForm, MergeForm
from exam_app.bank.models import Category
from exam_app.bank.views import BANK_ROLES, bp
from exam_app.db import get_session
from exam_app.errors import DomainError
from exam_app.forms import tree_choices


def _choices(exclude: Category | None = None) -> list[tuple[int, str]]:
    session = get_session()
    hidden = set(categories.descendant_ids(session, exclude.id)) if exclude else set()
    return tree_choices((d, c) for d, c in categories.category_tree(session) if c.id not in hidden)


def _load(category_id: int) -> Category:
    try:
        return categories.get_category(get_session(), category_id)
    except DomainError:
        abort(404)


@bp.route("/categories", methods=["GET", "POST"])
@allow(*BANK_ROLES)
def categories_index() -> ResponseReturnValue:
    session = get_session()
    form = CategoryForm(category_choices=_choices())
    if form.validate_on_submit():
        parent = session.get(Category, form.parent_id.data) if form.parent_id.data else None
        try:
            categories.create_category(session, form.name.data or "", parent, current_user.id)
        except DomainError as exc:
            form.name.errors.append(exc.message)
        else:
            session.commit()
            flash(_("已添加分类。"), "success")
            return redirect(url_for("bank.categories_index"))
    return render_template(
        "bank/categories.html",
        tree=categories.category_tree(session),
        counts=categories.item_counts(session),
        form=form,
    )


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@allow(*BANK_ROLES)
def category_edit(category_id: int) -> ResponseReturnValue:
    """Rename and move (the same form), or merge into another category."""
    session = get_session()
    category = _load(category_id)
    form = CategoryForm(obj=category, category_choices=_choices(exclude=category))
    merge = MergeForm(prefix="merge", category_choices=_choices(exclude=category))
    if form.submit.data and form.validate_on_submit():
        parent = session.get(Category, form.parent_id.data) if form.parent_id.data else None
        try:
            if (form.name.data or "").strip() != category.name:
                categories.rename_category(session, category, form.name.data or "", current_user.id)
            if parent is not category.parent:
                categories.move_category(session, category, parent, current_user.id)
        except DomainError as exc:
            session.rollback()
            form.name.errors.append(exc.message)
        else:
            session.commit()
            flash(_("分类已保存。"), "success")
            return redirect(url_for("bank.categories_index"))
    elif merge.submit.data and merge.validate_on_submit():
        target = _load(merge.target_id.data)
        try:
            moved = categories.merge_category(session, category, target, current_user.id)
        except DomainError as exc:
            session.rollback()
            merge.target_id.errors.append(exc.message)
        else:
            session.commit()
            flash(_("已合并，%(n)d 道试题移到“%(path)s”。", n=moved, path=target.path), "success")
            return redirect(url_for("bank.categories_index"))
    elif not form.is_submitted():
        form.parent_id.data = category.parent_id or 0
    count = categories.item_counts(session).get(category.id, 0)
    return render_template(
        "bank/category_edit.html", category=category, form=form, merge=merge, count=count
    )
