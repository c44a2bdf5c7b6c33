"""Answer-key corrections: regrade finished attempts that used an item's old key, reversibly.

The versions candidates saw are never changed. A regrade sets the corrected key on each affected
attempt item (``key_override``), scores those attempts again and records every old and new value,
so it can be shown before it happens, listed for HR (who passes or fails differently now) and
undone exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import Item, ItemVersion
from exam_app.errors import DomainError
from exam_app.exams import attempts, events, grading
from exam_app.exams.events import GradeCause
from exam_app.exams.models import (
    Attempt,
    AttemptEventKind,
    AttemptItem,
    AttemptStatus,
    Regrade,
)


@dataclass(frozen=True)
class Effect:
    attempt: Attempt
    position: int
    old_key: list[str]
    old_percent: float | None
    new_percent: float
    old_passed: bool | None
    new_passed: bool

    @property
    def flips(self) -> bool:
        """Pass/fail changes: a certificate would be issued or withdrawn."""
        return bool(self.old_passed) != self.new_passed


def affected(session: Session, item: Item) -> list[tuple[Attempt, AttemptItem]]:
    """Submitted attempts whose paper holds this item with a key other than the current one."""
    current = item.current
    assert current is not None
    rows = session.execute(
        select(Attempt, AttemptItem, ItemVersion.answer)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .join(ItemVersion, ItemVersion.id == AttemptItem.version_id)
        .where(AttemptItem.item_id == item.id, Attempt.status == AttemptStatus.SUBMITTED.value)
        .order_by(Attempt.id)
    ).all()
    return [
        (a, ai) for a, ai, key in rows if sorted(ai.key_override or key) != sorted(current.answer)
    ]


def preview(session: Session, item: Item) -> list[Effect]:
    """What a regrade would do, computed and then rolled back to a savepoint: nothing changes."""
    effects = []
    with session.begin_nested() as savepoint:
        for attempt, attempt_item in affected(session, item):
            old = (attempt.percent, attempt.passed)
            old_key = list(attempt_item.key_override or [])
            attempt_item.key_override = list(item.current.answer)  # type: ignore[union-attr]
            result = attempts.score(session, attempt)
            effects.append(
                Effect(
                    attempt,
                    attempt_item.position,
                    old_key,
                    old[0],
                    result.percent,
                    old[1],
                    result.passed,
                )
            )
        savepoint.rollback()
    return effects


def apply(session: Session, item: Item, actor_id: int, reason: str, now: datetime) -> Regrade:
    """Regrade every affected attempt with the item's current key; recorded, reversible."""
    if not reason.strip():
        raise DomainError(_("请写明更正答案的原因。"), field="reason")
    targets = affected(session, item)
    if not targets:
        raise DomainError(_("没有需要重新评分的考试。"))
    assert item.current is not None
    changes = []
    for attempt, attempt_item in targets:
        before = {
            "old_key": attempt_item.key_override,
            "old_earned": attempt.earned,
            "old_percent": attempt.percent,
            "old_passed": attempt.passed,
        }
        attempt_item.key_override = list(item.current.answer)
        result = _rescore(
            session,
            attempt,
            GradeCause.REGRADED,
            now,
            actor_id,
            item_id=item.id,
            position=attempt_item.position,
            reason=reason.strip(),
            old_percent=before["old_percent"],
        )
        changes.append(
            {
                "attempt_id": attempt.id,
                "position": attempt_item.position,
                **before,
                "new_key": attempt_item.key_override,
                "new_percent": result.percent,
                "new_passed": result.passed,
            }
        )
    regrade = Regrade(
        item_id=item.id,
        version_id=item.current.id,
        actor_id=actor_id,
        reason=reason.strip(),
        at=now,
        changes=changes,
    )
    session.add(regrade)
    session.flush()
    return regrade


def revert(session: Session, regrade: Regrade, actor_id: int, now: datetime) -> None:
    """Put every attempt back exactly as it was before the regrade."""
    if regrade.reverted_at is not None:
        raise DomainError(_("这次重新评分已经撤销过了。"))
    for change in regrade.changes:
        attempt = session.get(Attempt, change["attempt_id"])
        assert attempt is not None
        item = next(i for i in attempt.items if i.position == change["position"])
        item.key_override = change["old_key"]
        _rescore(
            session, attempt, GradeCause.REGRADE_REVERTED, now, actor_id, regrade_id=regrade.id
        )
    regrade.reverted_at, regrade.reverted_by_id = now, actor_id
    session.flush()


_EVENT_KIND = {
    GradeCause.REGRADED: AttemptEventKind.REGRADED,
    GradeCause.REGRADE_REVERTED: AttemptEventKind.REGRADE_REVERTED,
}


def _rescore(
    session: Session,
    attempt: Attempt,
    cause: GradeCause,
    now: datetime,
    actor_id: int,
    **detail: Any,
) -> grading.AttemptScore:
    """Grade a finished attempt again with its current keys, log it, and tell subscribers."""
    was_passed = attempt.passed
    result = attempts.score(session, attempt)
    attempts.store_score(attempt, result)
    events.log(
        session, attempt, _EVENT_KIND[cause], now, actor_id, **detail, percent=result.percent
    )
    session.flush()
    events.announce_graded(session, attempt, now, cause, was_passed)
    return result


def history(session: Session, item_id: int) -> list[Regrade]:
    return list(
        session.scalars(
            select(Regrade).where(Regrade.item_id == item_id).order_by(Regrade.id.desc())
        )
    )
