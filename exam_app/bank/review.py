"""The review workflow: draft → in review → published (by a second trainer) → retired.

Publishing always takes a trainer other than the author of the wording: ``approve`` checks the
approver's roles in the database (an administrator who is no trainer may not approve), in
every path (the item page, bulk actions). The one other way an item is published is an import
under a recorded ``importing.PublishException``.

Each transition has a check (why it may not happen, or None) and the change itself, which runs
the check first and records who did it. Bulk actions use the same checks to say, before anything
changes, how many items will change and why the others will not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.bank.models import (
    EXPOSURE_LABELS,
    Category,
    Exposure,
    Item,
    ItemEvent,
    ItemEventKind,
    ItemStatus,
    ItemVersion,
)
from exam_app.errors import DomainError


class ReviewRefused(DomainError):
    pass


def author_of(item: Item) -> int | None:
    """Who wrote the wording under review: the author of the current version."""
    return item.current.created_by_id if item.current else item.created_by_id


def _wrong_status(item: Item, *allowed: ItemStatus) -> str | None:
    if item.status in allowed:
        return None
    return _("试题 #%(id)d 当前状态不允许此操作。", id=item.id)


def check_submit(item: Item, actor_id: int) -> str | None:
    if item.status == ItemStatus.DRAFT and item.needs_review:
        return _("试题 #%(id)d 还有导入时发现的问题，请先在编辑器中修正。", id=item.id)
    return _wrong_status(item, ItemStatus.DRAFT)


def check_approve(item: Item, actor_id: int, roles: Collection[Role]) -> str | None:
    """Only a trainer (``roles``: the actor's) who did not write the wording may publish it."""
    if Role.TRAINER not in roles:
        return _("只有培训师可以审核发布试题（试题 #%(id)d）。", id=item.id)
    if item.status == ItemStatus.IN_REVIEW and author_of(item) == actor_id:
        return _("试题 #%(id)d 是您编写的，须由另一位培训师审核。", id=item.id)
    return _wrong_status(item, ItemStatus.IN_REVIEW)


def reviewer_roles(session: Session, actor_id: int) -> frozenset[Role]:
    """The actor's roles as the database has them now (none for an inactive account)."""
    user = session.get(User, actor_id)
    return user.roles if user is not None and user.active else frozenset()


def check_retire(item: Item, actor_id: int) -> str | None:
    return _wrong_status(item, ItemStatus.DRAFT, ItemStatus.IN_REVIEW, ItemStatus.PUBLISHED)


def record_event(
    session: Session,
    item: Item,
    kind: ItemEventKind,
    actor_id: int,
    *,
    version: ItemVersion | None = None,
    comment: str = "",
) -> None:
    """One line of the item's history: who did what, to ``version`` (default: the current one)."""
    session.add(
        ItemEvent(
            item=item,
            version=version or item.current,
            actor_id=actor_id,
            kind=kind.value,
            comment=comment,
        )
    )


def _apply(
    session: Session,
    item: Item,
    actor_id: int,
    check: Callable[[Item, int], str | None],
    status: ItemStatus,
    kind: ItemEventKind,
    comment: str = "",
) -> None:
    reason = check(item, actor_id)
    if reason:
        raise ReviewRefused(reason)
    item.status = status.value
    record_event(session, item, kind, actor_id, comment=comment)


def submit(session: Session, item: Item, actor_id: int) -> None:
    """Draft → in review. An item with import problems must be fixed first."""
    _apply(session, item, actor_id, check_submit, ItemStatus.IN_REVIEW, ItemEventKind.SUBMIT)


def approve(session: Session, item: Item, actor_id: int) -> None:
    """In review → published, by a trainer who is not the author of the wording (the roles are
    read from the database here, whatever the caller believes)."""
    roles = reviewer_roles(session, actor_id)
    _apply(
        session,
        item,
        actor_id,
        lambda i, a: check_approve(i, a, roles),
        ItemStatus.PUBLISHED,
        ItemEventKind.APPROVE,
    )


def send_back(session: Session, item: Item, actor_id: int, comment: str) -> None:
    """In review → draft, with the reviewer's reason for the author."""
    if not comment.strip():
        raise ReviewRefused(_("退回时请写明原因，方便作者修改。"), field="comment")
    _apply(
        session,
        item,
        actor_id,
        lambda i, a: _wrong_status(i, ItemStatus.IN_REVIEW),
        ItemStatus.DRAFT,
        ItemEventKind.SEND_BACK,
        comment.strip(),
    )


def retire(session: Session, item: Item, actor_id: int, comment: str = "") -> None:
    """Out of new exams; papers that already used it keep it as it was."""
    _apply(
        session,
        item,
        actor_id,
        check_retire,
        ItemStatus.RETIRED,
        ItemEventKind.RETIRE,
        comment.strip(),
    )


def restore(session: Session, item: Item, actor_id: int) -> None:
    """Retired → draft: it is reviewed again before exams may draw it."""
    _apply(
        session,
        item,
        actor_id,
        lambda i, a: _wrong_status(i, ItemStatus.RETIRED),
        ItemStatus.DRAFT,
        ItemEventKind.RESTORE,
    )


def recategorize(session: Session, item: Item, actor_id: int, category: Category | None) -> None:
    item.category = category
    comment = category.path if category else ""
    record_event(session, item, ItemEventKind.RECATEGORIZE, actor_id, comment=comment)


def set_exposure(session: Session, item: Item, actor_id: int, exposure: Exposure) -> None:
    """Where the item may be shown from now on (papers already drawn keep it); the history
    names the new exposure."""
    item.exposure = exposure
    comment = str(EXPOSURE_LABELS[exposure])
    record_event(session, item, ItemEventKind.EXPOSE, actor_id, comment=comment)


class BulkAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETIRE = "retire"
    RECATEGORIZE = "recategorize"
    EXPOSE = "expose"


BULK_LABELS = {
    BulkAction.SUBMIT: _l("送审"),
    BulkAction.APPROVE: _l("审核通过并发布"),
    BulkAction.RETIRE: _l("停用"),
    BulkAction.RECATEGORIZE: _l("更改分类"),
    BulkAction.EXPOSE: _l("更改适用范围"),
}


@dataclass
class BulkPlan:
    action: BulkAction
    category: Category | None = None
    exposure: Exposure | None = None  #: the target of EXPOSE
    eligible: list[Item] = field(default_factory=list)
    #: items that cannot take the action, with the reason for each
    refused: list[tuple[Item, str]] = field(default_factory=list)


def _bulk_check(
    action: BulkAction,
    category: Category | None,
    exposure: Exposure | None,
    roles: Collection[Role],
) -> Callable[[Item, int], str | None]:
    if action is BulkAction.APPROVE:
        return lambda item, actor: check_approve(item, actor, roles)
    if action is BulkAction.EXPOSE:
        return lambda item, actor: (
            _("试题 #%(id)d 的适用范围已是所选。", id=item.id)
            if exposure is None or item.exposure == exposure
            else None
        )
    if action is BulkAction.RECATEGORIZE:
        target = category.id if category else None
        return lambda item, actor: (
            _("试题 #%(id)d 已在该分类中。", id=item.id) if item.category_id == target else None
        )
    return {
        BulkAction.SUBMIT: check_submit,
        BulkAction.RETIRE: check_retire,
    }[action]


def plan_bulk(
    items: Sequence[Item],
    action: BulkAction,
    actor_id: int,
    category: Category | None = None,
    exposure: Exposure | None = None,
    roles: Collection[Role] = (),
) -> BulkPlan:
    """Which items the action would change, and why each other one would not. Changes nothing.

    ``roles`` are the actor's (approving takes a trainer); applying checks them again."""
    plan = BulkPlan(action, category, exposure)
    check = _bulk_check(action, category, exposure, roles)
    for item in items:
        reason = check(item, actor_id)
        if reason:
            plan.refused.append((item, reason))
        else:
            plan.eligible.append(item)
    return plan


def apply_bulk(session: Session, plan: BulkPlan, actor_id: int) -> int:
    """Carry out a plan; every item goes through the same rule as a single action."""
    for item in plan.eligible:
        if plan.action is BulkAction.RECATEGORIZE:
            recategorize(session, item, actor_id, plan.category)
        elif plan.action is BulkAction.EXPOSE:
            assert plan.exposure is not None  # the check refused every item otherwise
            set_exposure(session, item, actor_id, plan.exposure)
        else:
            {BulkAction.SUBMIT: submit, BulkAction.APPROVE: approve, BulkAction.RETIRE: retire}[
                plan.action
            ](session, item, actor_id)
    session.flush()
    return len(plan.eligible)
