"""Trainers write and review items: the editor, workflow buttons, version diffs, bulk actions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.bank import authoring, browse, review
from exam_app.bank.diff import diff_versions, version_fields
from exam_app.bank.forms import ItemForm, SendBackForm, category_choices
from exam_app.bank.models import LEVEL_LABELS, TYPE_LABELS, Category, Exposure, Item, Level
from exam_app.bank.parsed import ItemType
from exam_app.bank.views import (
    BANK_ROLES,
    bp,
    filters_from,
    item_or_404,
    require_confirmation,
)
from exam_app.db import get_session
from exam_app.errors import DomainError
from exam_app.forms import ConfirmForm
from exam_app.web import bounded_int, ids_from

TAG_SPLIT = str.maketrans({c: "," for c in "；;，、"})
DIFF_FIELD_LABELS = {
    "type": _l("题型"),
    "stem": _l("题干"),
    "options": _l("选项"),
    "answer": _l("答案"),
    "explanation": _l("解析"),
    "level": _l("等级"),
    "difficulty": _l("难度"),
    "source": _l("来源"),
    "tags": _l("标签"),
}


def _draft(form: ItemForm) -> authoring.ItemDraft:
    item_type = ItemType(form.type.data)
    rows = [(r.form.text.data or "", bool(r.form.correct.data)) for r in form.options]
    while rows and not rows[-1][0].strip():  # trailing empty rows are just unused slots
        rows.pop()
    return authoring.ItemDraft(
        type=item_type,
        stem=form.stem.data or "",
        options=tuple(text for text, _ in rows),
        correct=frozenset(i for i, (_, ok) in enumerate(rows) if ok),
        judge_true={"A": True, "B": False}.get(form.judge_answer.data or ""),
        explanation=form.explanation.data or "",
        level=Level(form.level.data) if form.level.data else None,
        difficulty=int(form.difficulty.data) if form.difficulty.data else None,
        source=form.source.data or "",
        tags=tuple(
            t.strip() for t in (form.tags.data or "").translate(TAG_SPLIT).split(",") if t.strip()
        ),
        category_id=form.category_id.data or None,
        exposure=Exposure(form.exposure.data or Exposure.BOTH),
    )


def _form_for(draft: authoring.ItemDraft) -> ItemForm:
    data: MultiDict[str, str] = MultiDict()
    data.update(
        {
            "type": draft.type.value,
            "stem": draft.stem,
            "explanation": draft.explanation,
            "category_id": str(draft.category_id or 0),
            "level": draft.level.value if draft.level else "",
            "difficulty": str(draft.difficulty or ""),
            "source": draft.source,
            "tags": "，".join(draft.tags),
            "exposure": draft.exposure.value,
        }
    )
    if draft.judge_true is not None:
        data["judge_answer"] = "A" if draft.judge_true else "B"
    for i, text in enumerate(draft.options):
        data[f"options-{i}-text"] = text
        if i in draft.correct:
            data[f"options-{i}-correct"] = "y"
    form = ItemForm(formdata=data, category_choices=category_choices(get_session()))
    return form


def _editor(
    form: ItemForm, item: Item | None, problems: list[str] | None = None
) -> ResponseReturnValue:
    while len(form.options) < 4:
        form.options.append_entry()
    return render_template("bank/editor.html", form=form, item=item, problems=problems or []), (
        422 if problems else 200
    )


def _save(
    item: Item | None,
    save: Callable[[Session, authoring.ItemDraft], authoring.SaveResult],
    saved: Callable[[authoring.SaveResult], ResponseReturnValue],
) -> ResponseReturnValue:
    """The posted editor: ``save`` its draft, commit and answer with ``saved``; a form or draft
    that breaks a rule shows the editor again with every problem (and changes nothing)."""
    form = ItemForm(category_choices=category_choices(get_session()))
    if not form.validate_on_submit():
        return _editor(form, item, _form_errors(form))
    session = get_session()
    try:
        result = save(session, _draft(form))
    except authoring.InvalidDraft as exc:
        return _editor(form, item, exc.problems)
    except DomainError as exc:
        return _editor(form, item, [exc.message])
    session.commit()
    return saved(result)


@bp.route("/items/new", methods=["GET", "POST"])
@allow(*BANK_ROLES)
def create() -> ResponseReturnValue:
    def saved(result: authoring.SaveResult) -> ResponseReturnValue:
        flash(_("已保存为草稿 #%(id)d。", id=result.item.id), "success")
        return redirect(url_for("bank.show", item_id=result.item.id))

    return _save(
        None, lambda session, draft: authoring.create_item(session, draft, current_user.id), saved
    )


def _form_errors(form: ItemForm) -> list[str]:
    """Field errors, each with its field's name so the author knows where to look."""
    return [
        f"{form[name].label.text}：{e}"
        for name, errors in form.errors.items()
        for e in errors
        if isinstance(e, str)
    ]


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@allow(*BANK_ROLES)
def edit(item_id: int) -> ResponseReturnValue:
    item = item_or_404(item_id)
    if request.method == "GET":
        return _editor(_form_for(authoring.draft_from_version(item)), item)

    def saved(result: authoring.SaveResult) -> ResponseReturnValue:
        for warning in result.warnings:
            flash(warning, "warning")
        if result.version is not None and _key_changed(item):
            # Papers already graded with the old key may need correcting: show how many.
            flash(_("答案已修改：请查看使用旧答案的考试是否需要重新评分。"), "warning")
            return redirect(url_for("exams.regrade_item", item_id=item.id))
        flash(
            _("已保存为 v%(n)d。", n=result.version.number)
            if result.version
            else _("内容没有变化，未生成新版本。"),
            "success",
        )
        return redirect(url_for("bank.show", item_id=item.id))

    return _save(
        item,
        lambda session, draft: authoring.edit_item(session, item, draft, current_user.id),
        saved,
    )


def _key_changed(item: Item) -> bool:
    versions = item.versions
    return len(versions) > 1 and sorted(versions[-1].answer) != sorted(versions[-2].answer)


Step = Callable[[Session, Item, int], None]


def _transition(item_id: int, step: Step, done: str) -> ResponseReturnValue:
    item = item_or_404(item_id)
    require_confirmation()
    session = get_session()
    try:
        step(session, item, current_user.id)
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "danger")
    else:
        session.commit()
        flash(done, "success")
    return redirect(url_for("bank.show", item_id=item_id))


#: The workflow buttons that need nothing but a confirmation: endpoint (and last part of the
#: URL), the step, and what the trainer is told once it is done.
TRANSITIONS: tuple[tuple[str, Step, LazyString, tuple[Role, ...]], ...] = (
    ("submit", review.submit, _l("已送审，等待另一位培训师审核。"), BANK_ROLES),
    # Approving is a trainer's (review.approve checks it again, and the author).
    ("approve", review.approve, _l("审核通过，试题已发布。"), (Role.TRAINER,)),
    (
        "retire",
        review.retire,
        _l("试题已停用，不再进入新考试；已考过的试卷不受影响。"),
        BANK_ROLES,
    ),
    ("restore", review.restore, _l("试题已恢复为草稿。"), BANK_ROLES),
)


def _transition_view(
    name: str, step: Step, done: LazyString
) -> Callable[[int], ResponseReturnValue]:
    def view(item_id: int) -> ResponseReturnValue:
        return _transition(item_id, step, str(done))  # translated now, in the trainer's language

    view.__name__ = view.__qualname__ = name
    return view


for _endpoint, _step, _done, _roles in TRANSITIONS:
    bp.add_url_rule(
        f"/items/<int:item_id>/{_endpoint}",
        _endpoint,
        allow(*_roles)(_transition_view(_endpoint, _step, _done)),
        methods=["POST"],
    )


@bp.route("/items/<int:item_id>/send-back", methods=["POST"])
@allow(*BANK_ROLES)
def send_back(item_id: int) -> ResponseReturnValue:
    form = SendBackForm()
    if not form.validate_on_submit():
        flash(_("退回时请写明原因。"), "danger")
        return redirect(url_for("bank.show", item_id=item_id))
    comment = form.comment.data or ""
    return _transition(
        item_id, lambda s, i, a: review.send_back(s, i, a, comment), _("已退回作者修改。")
    )


@bp.route("/items/<int:item_id>/diff")
@allow(*BANK_ROLES)
def diff(item_id: int) -> ResponseReturnValue:
    item = item_or_404(item_id)
    by_number = {v.number: v for v in item.versions}
    newest = max(by_number)
    right_no = request.args.get("b", newest, type=bounded_int)
    left_no = request.args.get("a", max(1, right_no - 1), type=bounded_int)
    if left_no not in by_number or right_no not in by_number:
        abort(404)
    left, right = by_number[left_no], by_number[right_no]
    # the codes stored for type and level, in the words every other page shows
    labels = {
        "type": {k.value: str(v) for k, v in TYPE_LABELS.items()},
        "level": {k.value: str(v) for k, v in LEVEL_LABELS.items()},
    }
    rows = diff_versions(version_fields(left, labels), version_fields(right, labels))
    return render_template(
        "bank/diff.html",
        item=item,
        left=left,
        right=right,
        rows=rows,
        DIFF_FIELD_LABELS=DIFF_FIELD_LABELS,
    )


# --- bulk ----------------------------------------------------------------------------------


def _digest(items: list[Item]) -> str:
    return hashlib.sha256(",".join(str(i.id) for i in items).encode()).hexdigest()[:16]


def _bulk_plan() -> review.BulkPlan:
    """The plan the posted form describes: chosen ids, or everything the filter matches."""
    session = get_session()
    try:
        action = review.BulkAction(request.form.get("action", ""))
    except ValueError:
        abort(400)
    if request.form.get("scope") == "filter":
        filters = filters_from(MultiDict(parse_qsl(request.form.get("filter_args_query", ""))))
        items = list(session.scalars(browse.filtered_items(session, filters)))
    else:
        ids = ids_from(request.form.getlist("ids"))
        items = [i for i in (session.get(Item, n) for n in ids) if i is not None]
    category, exposure = None, None
    if action is review.BulkAction.RECATEGORIZE:
        category = session.get(Category, request.form.get("category_id", 0, type=bounded_int))
    if action is review.BulkAction.EXPOSE:
        try:
            exposure = Exposure(request.form.get("exposure", ""))
        except ValueError:
            abort(400)
    return review.plan_bulk(items, action, current_user.id, category, exposure, current_user.roles)


def _bulk_confirm_page(plan: review.BulkPlan) -> str:
    return render_template(
        "bank/bulk_confirm.html",
        plan=plan,
        digest=_digest(plan.eligible),
        labels=review.BULK_LABELS,
        form=ConfirmForm(),
    )


@bp.route("/bulk", methods=["POST"])
@allow(*BANK_ROLES)
def bulk() -> ResponseReturnValue:
    """Step 1: say how many items the action changes (and why others will not); change nothing."""
    require_confirmation()
    return _bulk_confirm_page(_bulk_plan())


@bp.route("/bulk/apply", methods=["POST"])
@allow(*BANK_ROLES)
def bulk_apply() -> ResponseReturnValue:
    """Step 2: apply, if the items are still the ones the trainer confirmed."""
    require_confirmation()
    plan = _bulk_plan()
    if _digest(plan.eligible) != request.form.get("digest"):
        flash(_("试题在确认期间发生了变化，请重新确认。"), "danger")
        return _bulk_confirm_page(plan), 409
    session = get_session()
    changed = review.apply_bulk(session, plan, current_user.id)
    session.commit()
    flash(
        _("已%(action)s %(n)d 题。", action=review.BULK_LABELS[plan.action], n=changed), "success"
    )
    filter_args: dict[str, Any] = dict(parse_qsl(request.form.get("filter_args_query", "")))
    return redirect(url_for("bank.index", **filter_args))
